/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TOP reader (common/src/top_reader.c) on real segments: this project's
 * sender (with a frame serial) and a TouchDesigner-like one (without). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "roles_support.h"
#include "tdshm/top_reader.h"
#include "test_support.h"

#define W 64
#define H 32

static tdshm_top_reader *reader_new(const char *user)
{
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 0; /* every poll looks */
	tdshm_top_reader *reader = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_top_reader_create(user, &options, &reader, &err), TDSHM_OK);
	return reader;
}

static tdshm_sender *project_sender_new(const char *user)
{
	tdshm_top_params params = tdshm_test_bgra8_params(W, H);
	size_t size = 0;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&params, &size, &err), TDSHM_OK);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(user, size, 100, &sender, &err), TDSHM_OK);
	return sender;
}

/* One frame of seed's pattern through this project's sender (serial + 1);
 * seed 0 publishes the all-zero segment a sender has before its first frame. */
static void project_sender_write(tdshm_sender *sender, unsigned seed)
{
	tdshm_top_params params = tdshm_test_bgra8_params(W, H);
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err), TDSHM_OK);
	memset(bytes, 0, size);
	if (seed) {
		assert_int_equal(tdshm_top_write_header(&params, bytes, size, &err), TDSHM_OK);
		tdshm_test_frame_fill(bytes + tdshm_top_header_size(&params), (size_t)W * H * 4,
				      seed);
	}
	tdshm_sender_end_write(sender);
}

/* One poll; returns the status, *is_new and the frame count after taking it. */
static tdshm_status poll_once(tdshm_top_reader *reader, bool *is_new, uint64_t *frames,
			      tdshm_top_reader_event *ev)
{
	tdshm_top_read read;
	tdshm_status status = tdshm_top_reader_poll(reader, 100, &read, ev);
	if (is_new)
		*is_new = read.is_new;
	if (status == TDSHM_OK) {
		assert_int_equal(read.image.width, W);
		assert_int_equal(read.image.height, H);
		uint64_t n = tdshm_top_reader_end(reader, &read, true);
		if (frames)
			*frames = n;
	}
	return status;
}

static void test_no_sender_waits_then_a_frame_is_new_once_by_serial(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-serial");
	tdshm_top_reader *reader = reader_new(user);
	tdshm_top_reader_event ev;
	assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_NOT_FOUND);
	assert_int_equal(ev.state, TDSHM_TOP_READER_WAITING);
	assert_non_null(strstr(ev.detail, user));

	tdshm_sender *sender = project_sender_new(user);
	project_sender_write(sender, 1);
	bool is_new;
	uint64_t frames;
	assert_int_equal(poll_once(reader, &is_new, &frames, &ev), TDSHM_OK);
	assert_true(ev.changed);
	assert_int_equal(ev.state, TDSHM_TOP_READER_CONNECTED);
	assert_true(is_new);
	assert_int_equal(frames, 1);
	/* Same serial: a re-read, not a frame; same content under a new serial
	 * is a new frame (the sender says so). */
	assert_int_equal(poll_once(reader, &is_new, &frames, &ev), TDSHM_OK);
	assert_false(ev.changed);
	assert_false(is_new);
	assert_int_equal(frames, 1);
	project_sender_write(sender, 1);
	assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
	assert_true(is_new);
	assert_int_equal(frames, 2);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

static void test_unwritten_segment_is_waiting_never_refused(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-unwritten");
	tdshm_sender *sender = project_sender_new(user);
	project_sender_write(sender, 0);
	tdshm_top_reader *reader = reader_new(user);
	tdshm_top_reader_event ev;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_NOT_FOUND);
		assert_int_equal(ev.state, TDSHM_TOP_READER_WAITING);
	}
	assert_true(tdshm_top_reader_connected(reader));
	project_sender_write(sender, 5);
	assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_OK);
	assert_int_equal(ev.state, TDSHM_TOP_READER_CONNECTED);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);

	/* The same with TouchDesigner's own sender. */
	tdshm_test_unique_name(user, sizeof(user), "topr-unwritten-td");
	tdshm_test_td_top_sender td;
	tdshm_test_td_top_sender_start(&td, user, W, H);
	reader = reader_new(user);
	assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_NOT_FOUND);
	assert_int_equal(ev.state, TDSHM_TOP_READER_WAITING);
	tdshm_top_reader_destroy(reader);
	tdshm_test_td_top_sender_stop(&td);
}

static void test_without_serial_a_frame_is_new_when_its_content_changes(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-td");
	tdshm_test_td_top_sender td;
	tdshm_test_td_top_sender_start(&td, user, W, H);
	tdshm_test_td_top_sender_write(&td, 1);
	tdshm_top_reader *reader = reader_new(user);
	bool is_new;
	uint64_t frames = 0;
	assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
	assert_true(is_new);
	/* Polled again and again, rewritten with the same picture: one frame. */
	for (int i = 0; i < 5; i++) {
		if (i == 2)
			tdshm_test_td_top_sender_write(&td, 1);
		assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
		assert_false(is_new);
	}
	assert_int_equal(frames, 1);
	for (unsigned seed = 2; seed <= 4; seed++) {
		tdshm_test_td_top_sender_write(&td, seed);
		assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
		assert_true(is_new);
	}
	assert_int_equal(frames, 4);
	/* One byte of the image changed is a new frame too. */
	tdshm_error err;
	assert_int_equal(tdshm_lock_acquire(td.data_lock, 1000, &err), TDSHM_OK);
	tdshm_shm_bytes(td.data)[tdshm_shm_size(td.data) - 1] ^= 1;
	tdshm_lock_release(td.data_lock);
	assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
	assert_true(is_new);
	assert_int_equal(frames, 5);
	tdshm_top_reader_destroy(reader);
	tdshm_test_td_top_sender_stop(&td);
}

/* Content check off (the OBS source, whose upload is the copy): every read of
 * a serial-less sender is new, unchanged or not; a serial still decides. */
static void test_without_content_check_every_serial_less_read_is_new(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-nocheck");
	tdshm_test_td_top_sender td;
	tdshm_test_td_top_sender_start(&td, user, W, H);
	tdshm_test_td_top_sender_write(&td, 1);
	tdshm_top_reader *reader = reader_new(user);
	tdshm_top_reader_set_content_check(reader, false);
	bool is_new;
	uint64_t frames = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
		assert_true(is_new);
	}
	assert_int_equal(frames, 3);
	tdshm_top_reader_destroy(reader);
	tdshm_test_td_top_sender_stop(&td);

	tdshm_test_unique_name(user, sizeof(user), "topr-nocheck-serial");
	tdshm_sender *sender = project_sender_new(user);
	project_sender_write(sender, 1);
	reader = reader_new(user);
	tdshm_top_reader_set_content_check(reader, false);
	assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
	assert_true(is_new);
	assert_int_equal(poll_once(reader, &is_new, &frames, NULL), TDSHM_OK);
	assert_false(is_new);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

static void test_bad_header_is_refused_with_a_message_once_per_frame(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-bad");
	tdshm_sender *sender = project_sender_new(user);
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err), TDSHM_OK);
	memset(bytes, 0xab, size);
	tdshm_sender_end_write(sender);
	tdshm_top_reader *reader = reader_new(user);
	tdshm_top_reader_event ev;
	bool is_new;
	assert_int_equal(poll_once(reader, &is_new, NULL, &ev), TDSHM_REFUSED);
	assert_true(ev.changed);
	assert_int_equal(ev.state, TDSHM_TOP_READER_REFUSED);
	assert_true(is_new);
	assert_true(strlen(ev.detail) > 0);
	assert_int_equal(poll_once(reader, &is_new, NULL, &ev), TDSHM_REFUSED);
	assert_false(ev.changed);
	assert_false(is_new);
	project_sender_write(sender, 3);
	assert_int_equal(poll_once(reader, &is_new, NULL, &ev), TDSHM_OK);
	assert_int_equal(ev.state, TDSHM_TOP_READER_CONNECTED);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

static void test_stopped_sender_stays_stopped_and_counts_again_when_back(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-stop");
	tdshm_sender *sender = project_sender_new(user);
	project_sender_write(sender, 1);
	tdshm_top_reader *reader = reader_new(user);
	uint64_t frames;
	assert_int_equal(poll_once(reader, NULL, &frames, NULL), TDSHM_OK);
	project_sender_write(sender, 2);
	assert_int_equal(poll_once(reader, NULL, &frames, NULL), TDSHM_OK);
	assert_int_equal(frames, 2);
	tdshm_sender_destroy(sender, 100); /* detach */

	tdshm_top_reader_event ev;
	assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_GONE);
	assert_true(ev.changed);
	assert_int_equal(ev.state, TDSHM_TOP_READER_STOPPED);
	/* Still no sender: "stopped" stays (it says more than "waiting"). */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(poll_once(reader, NULL, NULL, &ev), TDSHM_NOT_FOUND);
		assert_false(ev.changed);
		assert_int_equal(ev.state, TDSHM_TOP_READER_STOPPED);
	}
	/* Back: connected, and its frames counted from 1 (this connection). */
	sender = project_sender_new(user);
	project_sender_write(sender, 1);
	bool is_new;
	assert_int_equal(poll_once(reader, &is_new, &frames, &ev), TDSHM_OK);
	assert_int_equal(ev.state, TDSHM_TOP_READER_CONNECTED);
	assert_true(is_new);
	assert_int_equal(frames, 1);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

static void test_hidden_reader_drops_handles_after_the_bound_and_comes_back(void **state)
{
	(void)state;
	char user[64];
	tdshm_test_unique_name(user, sizeof(user), "topr-hidden");
	tdshm_sender *sender = project_sender_new(user);
	project_sender_write(sender, 1);
	tdshm_top_reader *reader = reader_new(user);
	assert_int_equal(poll_once(reader, NULL, NULL, NULL), TDSHM_OK);
	uint64_t hidden = tdshm_clock_ms();
	tdshm_top_reader_event ev;
	tdshm_top_reader_hidden(reader, &ev);
	while (tdshm_top_reader_connected(reader)) {
		tdshm_sleep_ms(10);
		tdshm_top_reader_hidden(reader, &ev);
		assert_true(tdshm_clock_ms() - hidden < 5 * TDSHM_TOP_READER_HIDDEN_DISCONNECT_MS);
	}
	uint64_t after = tdshm_clock_ms() - hidden;
	assert_true(after >= TDSHM_TOP_READER_HIDDEN_DISCONNECT_MS);
	assert_true(ev.changed);
	assert_int_equal(ev.state, TDSHM_TOP_READER_HIDDEN);
	/* Nobody holds TD's segments now; shown again, one poll reconnects. */
	bool is_new;
	assert_int_equal(poll_once(reader, &is_new, NULL, &ev), TDSHM_OK);
	assert_int_equal(ev.state, TDSHM_TOP_READER_CONNECTED);
	assert_true(is_new);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

/* A figure, not a check: what the no-serial change detection costs. */
static void test_content_hash_cost_is_printed(void **state)
{
	(void)state;
	enum { HW = 1920, HH = 1080 };
	tdshm_top_params params = tdshm_test_bgra8_params(HW, HH);
	size_t size = 0;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&params, &size, &err), TDSHM_OK);
	uint8_t *bytes = calloc(1, size);
	assert_non_null(bytes);
	assert_int_equal(tdshm_top_write_header(&params, bytes, size, &err), TDSHM_OK);
	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(bytes, size, &image, &err), TDSHM_OK);
	tdshm_test_frame_fill(bytes + image.data_offset, image.row_bytes * HH, 9);
	uint64_t h0 = tdshm_top_content_hash(bytes, &image);
	uint64_t start = tdshm_clock_ns();
	for (int i = 0; i < 20; i++)
		assert_int_equal(tdshm_top_content_hash(bytes, &image), h0);
	double ms = (double)(tdshm_clock_ns() - start) / 20 / 1e6;
	printf("  content hash of a 1920x1080 bgra8 frame: %.3f ms (%.1f GB/s)\n", ms,
	       (double)image.row_bytes * HH / (ms * 1e6));
	free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_sender_waits_then_a_frame_is_new_once_by_serial),
	    cmocka_unit_test(test_unwritten_segment_is_waiting_never_refused),
	    cmocka_unit_test(test_without_serial_a_frame_is_new_when_its_content_changes),
	    cmocka_unit_test(test_without_content_check_every_serial_less_read_is_new),
	    cmocka_unit_test(test_bad_header_is_refused_with_a_message_once_per_frame),
	    cmocka_unit_test(test_stopped_sender_stays_stopped_and_counts_again_when_back),
	    cmocka_unit_test(test_hidden_reader_drops_handles_after_the_bound_and_comes_back),
	    cmocka_unit_test(test_content_hash_cost_is_printed),
	};
	return cmocka_run_group_tests_name("top reader", tests, NULL, NULL);
}
