/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See roles_support.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "roles_support.h"
#include "test_support.h"
#include "tdshm/chop.h"
#include "tdshm/names.h"

void tdshm_test_names_make(tdshm_test_names *n, const char *stem)
{
	tdshm_error err;
	tdshm_test_unique_name(n->user, sizeof(n->user), stem);
	assert_int_equal(tdshm_name_info(n->user, n->info, sizeof(n->info), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_data(n->user, "", n->data, sizeof(n->data), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_data_lock(n->user, n->data_lock, sizeof(n->data_lock), &err),
			 TDSHM_OK);
	assert_int_equal(tdshm_name_info_lock(n->user, n->info_lock, sizeof(n->info_lock), &err),
			 TDSHM_OK);
}

uint8_t tdshm_test_frame_byte(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 31 + i * 7);
}

void tdshm_test_frame_fill(uint8_t *bytes, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++)
		bytes[i] = tdshm_test_frame_byte(seed, i);
}

bool tdshm_test_frame_holds(const uint8_t *bytes, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++)
		if (bytes[i] != tdshm_test_frame_byte(seed, i))
			return false;
	return true;
}

void tdshm_test_write_frame(tdshm_sender *sender, unsigned seed)
{
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	if (tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err) != TDSHM_OK)
		fail_msg("begin_write: %s", err.message);
	tdshm_test_frame_fill(bytes, size, seed);
	tdshm_sender_end_write(sender);
}

tdshm_status tdshm_test_read_frame(tdshm_receiver *receiver, uint32_t wait_ms, unsigned seed,
				   size_t expect, size_t *size_out, tdshm_error *err)
{
	uint64_t deadline = tdshm_clock_ms() + wait_ms;
	for (;;) {
		const uint8_t *bytes;
		size_t size;
		tdshm_status status = tdshm_receiver_begin_read(receiver, 100, &bytes, &size, err);
		if (status == TDSHM_OK) {
			size_t checked = expect ? expect : size;
			bool ok = size >= checked && tdshm_test_frame_holds(bytes, checked, seed);
			tdshm_receiver_end_read(receiver);
			if (size_out)
				*size_out = size;
			return ok ? TDSHM_OK
				  : tdshm_error_set(err, TDSHM_REFUSED, "frame %u mismatch", seed);
		}
		if ((status != TDSHM_NOT_FOUND && status != TDSHM_TIMED_OUT) ||
		    tdshm_clock_ms() >= deadline)
			return status;
		tdshm_sleep_ms(5);
	}
}

tdshm_receiver *tdshm_test_receiver_new(const char *user, uint32_t retry_ms, uint32_t liveness_ms)
{
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = retry_ms;
	options.liveness_interval_ms = liveness_ms;
	options.info_timeout_ms = 100;
	tdshm_receiver *receiver = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_receiver_create(user, &options, &receiver, &err), TDSHM_OK);
	return receiver;
}

void tdshm_test_start_connected(const char *user, size_t size, size_t expect, tdshm_sender **sender,
				tdshm_receiver **receiver)
{
	tdshm_error err;
	*sender = NULL;
	if (tdshm_sender_create(user, size, TDSHM_INFO_LOCK_TIMEOUT_MS, sender, &err) != TDSHM_OK)
		fail_msg("sender '%s': %s", user, err.message);
	*receiver = tdshm_test_receiver_new(user, 0, 500);
	tdshm_test_write_frame(*sender, 1);
	assert_int_equal(tdshm_test_read_frame(*receiver, 1000, 1, expect, NULL, &err), TDSHM_OK);
}

void tdshm_test_stop_connected(tdshm_sender *sender, tdshm_receiver *receiver)
{
	tdshm_receiver_destroy(receiver);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

bool tdshm_test_shm_exists(const char *full_name)
{
	tdshm_error err;
	return tdshm_shm_probe(full_name, &err) == TDSHM_OK;
}

tdshm_shm *tdshm_test_td_info_create(const char *info_name, tdshm_info_layout layout)
{
	tdshm_shm *info = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(info_name, tdshm_info_size(layout), true, &info, &err),
			 TDSHM_OK);
	tdshm_info block = {.magic = TDSHM_INFO_MAGIC, .version = TDSHM_INFO_VERSION};
	assert_int_equal(
	    tdshm_info_write(&block, layout, tdshm_shm_bytes(info), tdshm_shm_size(info), &err),
	    TDSHM_OK);
	return info;
}

tdshm_sender *tdshm_test_sender_new(const char *user, size_t size, uint32_t info_wait_ms)
{
	tdshm_sender *sender = NULL;
	tdshm_error err;
	if (tdshm_sender_create(user, size, info_wait_ms, &sender, &err) != TDSHM_OK)
		fail_msg("sender '%s': %s", user, err.message);
	return sender;
}

tdshm_sender *tdshm_test_chop_sender_start(const char *user, uint32_t channels, uint32_t length,
					   float sample_rate, const float *const *planes,
					   uint32_t info_wait_ms)
{
	size_t size = 0;
	tdshm_error err;
	assert_int_equal(tdshm_chop_segment_size(channels, length, NULL, &size, &err), TDSHM_OK);
	tdshm_sender *sender = tdshm_test_sender_new(user, size, info_wait_ms);
	uint8_t *bytes;
	size_t mapped;
	assert_int_equal(tdshm_sender_begin_write(sender, 100, &bytes, &mapped, &err), TDSHM_OK);
	assert_int_equal(
	    tdshm_chop_write(bytes, mapped, channels, length, sample_rate, planes, NULL, &err),
	    TDSHM_OK);
	tdshm_sender_end_write(sender);
	return sender;
}

void tdshm_test_destroy_sender_watching_detach(tdshm_sender *sender, const char *info_name,
					       size_t detach_offset, uint32_t info_wait_ms)
{
	tdshm_error err;
	tdshm_shm *watch = NULL;
	assert_int_equal(tdshm_shm_open(info_name, &watch, &err), TDSHM_OK);
	tdshm_sender_destroy(sender, info_wait_ms);
	assert_int_equal(tdshm_shm_bytes(watch)[detach_offset], 1);
	tdshm_shm_close(watch);
}

tdshm_top_params tdshm_test_bgra8_params(uint32_t width, uint32_t height)
{
	tdshm_top_params params = {.kind = TDSHM_TOP_HEADER_CURRENT,
				   .version = 1,
				   .width = width,
				   .height = height,
				   .format = tdshm_pixel_format_by_name("bgra8")};
	return params;
}

void tdshm_test_td_top_sender_start(tdshm_test_td_top_sender *td, const char *user, uint32_t width,
				    uint32_t height)
{
	char name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	memset(td, 0, sizeof(*td));
	td->width = width;
	td->height = height;
	tdshm_top_params params = tdshm_test_bgra8_params(width, height);
	size_t size = 0;
	assert_int_equal(tdshm_top_segment_size(&params, &size, &err), TDSHM_OK);
	assert_int_equal(tdshm_name_data_lock(user, name, sizeof(name), &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(name, &td->data_lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_name_data(user, "", name, sizeof(name), &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_create(name, size, true, &td->data, &err), TDSHM_OK);
	assert_int_equal(tdshm_name_info(user, name, sizeof(name), &err), TDSHM_OK);
	td->info = tdshm_test_td_info_create(name, tdshm_info_native_layout());
}

void tdshm_test_td_top_sender_write(tdshm_test_td_top_sender *td, unsigned seed)
{
	tdshm_error err;
	assert_int_equal(tdshm_lock_acquire(td->data_lock, 1000, &err), TDSHM_OK);
	uint8_t *bytes = tdshm_shm_bytes(td->data);
	size_t size = tdshm_shm_size(td->data);
	if (seed == 0) {
		memset(bytes, 0, size);
	} else {
		tdshm_top_params params = tdshm_test_bgra8_params(td->width, td->height);
		assert_int_equal(tdshm_top_write_header(&params, bytes, size, &err), TDSHM_OK);
		size_t header = tdshm_top_header_size(&params);
		tdshm_test_frame_fill(bytes + header, (size_t)td->width * td->height * 4, seed);
	}
	tdshm_lock_release(td->data_lock);
}

void tdshm_test_td_top_sender_stop(tdshm_test_td_top_sender *td)
{
	tdshm_shm_close_and_remove(td->data);
	tdshm_shm_close_and_remove(td->info);
	tdshm_lock_close(td->data_lock);
	memset(td, 0, sizeof(*td));
}

void tdshm_test_lock_name(char *out, size_t cap, const char *stem)
{
	char unique[128];
	tdshm_test_unique_name(unique, sizeof(unique), stem);
	snprintf(out, cap, "TouchSHM%sMutex", unique);
}

tdshm_lock *tdshm_test_lock_open(const char *name)
{
	tdshm_lock *lock = NULL;
	tdshm_error err;
	if (tdshm_lock_open(name, &lock, &err) != TDSHM_OK)
		fail_msg("tdshm_lock_open(%s): %s", name, err.message);
	return lock;
}

void tdshm_test_lock_remove(const char *name)
{
	tdshm_error ignored;
	if (tdshm_shm_remove(name, &ignored) != TDSHM_OK)
		return; /* not there: nothing to remove */
}

void tdshm_test_segment_name(char *out, size_t cap, const char *stem)
{
	char unique[128];
	tdshm_test_unique_name(unique, sizeof(unique), stem);
	snprintf(out, cap, "TouchSHM%s", unique);
}
