/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sender role (docs/protocol.md §2). Portable: segments and locks come from
 * platform.h, the info block from info.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/sender.h"
#include "sender_internal.h"

/* How many fresh postfixes to try when one happens to exist already. */
#define SENDER_POSTFIX_ATTEMPTS 8

struct tdshm_sender {
	char user_name[TDSHM_USER_NAME_MAX + 1];
	char data_lock_name[TDSHM_FULL_NAME_CAP];
	char info_name[TDSHM_FULL_NAME_CAP];
	char info_lock_name[TDSHM_FULL_NAME_CAP];
	char data_name[TDSHM_FULL_NAME_CAP]; /* with the current postfix */
	char postfix[TDSHM_INFO_POSTFIX_CAP];
	tdshm_lock *data_lock;
	tdshm_lock *info_lock;
	tdshm_shm *info;
	tdshm_shm *data; /* NULL after a failed resize */
	uint64_t frames;
	bool writing;
};

/* Takes the info lock; a wait that failed because the holder died reclaims
 * the lock, so one immediate retry gets it. */
static tdshm_status sender_lock_info(tdshm_sender *sender, uint32_t timeout_ms, tdshm_error *err)
{
	tdshm_status status = tdshm_lock_acquire(sender->info_lock, timeout_ms, err);
	tdshm_error retry_err; /* the first wait's message is the one to keep */
	if (status == TDSHM_TIMED_OUT &&
	    tdshm_lock_acquire(sender->info_lock, 0, &retry_err) == TDSHM_OK)
		status = TDSHM_OK;
	return status;
}

static void sender_random_postfix(char out[TDSHM_INFO_POSTFIX_CAP])
{
	uint8_t random[TDSHM_POSTFIX_LEN];
	tdshm_random_bytes(random, sizeof(random));
	for (size_t i = 0; i < TDSHM_POSTFIX_LEN; i++)
		out[i] = (char)('a' + random[i] % 26);
	out[TDSHM_POSTFIX_LEN] = '\0';
}

static tdshm_status sender_create_info(tdshm_sender *sender, tdshm_error *err)
{
	tdshm_status status =
	    tdshm_shm_create(sender->info_name, TDSHM_INFO_SEGMENT_SIZE, true, &sender->info, err);
	if (status != TDSHM_EXISTS)
		return status;
	status = tdshm_sender_remove_stale(sender->user_name, sender->info_name, err);
	if (status != TDSHM_OK)
		return status;
	status =
	    tdshm_shm_create(sender->info_name, TDSHM_INFO_SEGMENT_SIZE, true, &sender->info, err);
	if (status == TDSHM_EXISTS)
		/* Where a segment lives while anyone holds it (Windows), the
		 * stopped sender's stays until its readers let go. */
		tdshm_error_set(
		    err, TDSHM_EXISTS,
		    "Shared Mem Name '%s' is still held by a sender that stopped: close "
		    "the programs reading it (or wait for them to let go) and try again",
		    sender->user_name);
	return status;
}

/* Creates the data segment under sender->data_name. Since we own the info
 * segment, a data segment already there is a crashed sender's: removed once. */
static tdshm_status sender_create_data(tdshm_sender *sender, size_t size, bool take_over,
				       tdshm_error *err)
{
	tdshm_status status = tdshm_shm_create(sender->data_name, size, true, &sender->data, err);
	if (status == TDSHM_EXISTS && take_over) {
		tdshm_sender_remove_leftover(sender->data_name);
		status = tdshm_shm_create(sender->data_name, size, true, &sender->data, err);
	}
	if (status == TDSHM_EXISTS)
		tdshm_error_set(err, TDSHM_EXISTS,
				"the data segment '%s' already exists and could not be replaced",
				sender->data_name);
	return status;
}

static tdshm_status sender_write_info(tdshm_sender *sender, uint32_t timeout_ms, tdshm_error *err)
{
	tdshm_status status = sender_lock_info(sender, timeout_ms, err);
	if (status != TDSHM_OK)
		return status;
	tdshm_info info;
	memset(&info, 0, sizeof(info));
	info.magic = TDSHM_INFO_MAGIC;
	info.version = TDSHM_INFO_VERSION;
	uint8_t *bytes = tdshm_shm_bytes(sender->info);
	size_t size = tdshm_shm_size(sender->info);
	status = tdshm_info_write(&info, tdshm_info_native_layout(), bytes, size, err);
	if (status == TDSHM_OK) {
		tdshm_info_ext ext = {.pid = tdshm_process_id(), .frame_serial = 0};
		tdshm_info_ext_write(bytes, size, &ext);
	}
	tdshm_lock_release(sender->info_lock);
	return status;
}

static tdshm_status sender_names(tdshm_sender *sender, const char *user_name, tdshm_error *err)
{
	tdshm_status status = tdshm_name_check(user_name, err);
	if (status == TDSHM_OK)
		status = tdshm_name_data_lock(user_name, sender->data_lock_name,
					      sizeof(sender->data_lock_name), err);
	if (status == TDSHM_OK)
		status =
		    tdshm_name_info(user_name, sender->info_name, sizeof(sender->info_name), err);
	if (status == TDSHM_OK)
		status = tdshm_name_info_lock(user_name, sender->info_lock_name,
					      sizeof(sender->info_lock_name), err);
	if (status == TDSHM_OK)
		status = tdshm_name_data(user_name, "", sender->data_name,
					 sizeof(sender->data_name), err);
	if (status == TDSHM_OK)
		snprintf(sender->user_name, sizeof(sender->user_name), "%s", user_name);
	return status;
}

static void sender_free(tdshm_sender *sender)
{
	tdshm_shm_close_and_remove(sender->data);
	tdshm_shm_close_and_remove(sender->info);
	tdshm_lock_close(sender->data_lock);
	tdshm_lock_close(sender->info_lock);
	free(sender);
}

tdshm_status tdshm_sender_create(const char *user_name, size_t data_size, uint32_t info_timeout_ms,
				 tdshm_sender **out, tdshm_error *err)
{
	*out = NULL;
	if (data_size == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a sender needs a data segment of at least one byte");
	tdshm_sender *sender = calloc(1, sizeof(*sender));
	if (!sender)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	tdshm_status status = sender_names(sender, user_name, err);
	if (status == TDSHM_OK)
		status = tdshm_lock_open(sender->data_lock_name, &sender->data_lock, err);
	if (status == TDSHM_OK)
		status = tdshm_lock_open(sender->info_lock_name, &sender->info_lock, err);
	if (status == TDSHM_OK) {
		tdshm_sender_reclaim_lock(sender->data_lock);
		tdshm_sender_reclaim_lock(sender->info_lock);
		status = sender_create_info(sender, err);
	}
	if (status == TDSHM_OK)
		status = sender_write_info(sender, info_timeout_ms, err);
	if (status == TDSHM_OK)
		status = sender_create_data(sender, data_size, true, err);
	if (status != TDSHM_OK) {
		sender_free(sender);
		return status;
	}
	*out = sender;
	return TDSHM_OK;
}

/* Under the info lock: a new postfix (a receiver follows it) or, when no
 * receiver said it can, the same name dropped and made again. */
static tdshm_status sender_replace_data(tdshm_sender *sender, size_t data_size, tdshm_error *err)
{
	uint8_t *info_bytes = tdshm_shm_bytes(sender->info);
	size_t info_size = tdshm_shm_size(sender->info);
	tdshm_info info;
	tdshm_status status =
	    tdshm_info_read(info_bytes, info_size, tdshm_info_native_layout(), &info, err);
	if (status != TDSHM_OK)
		return status;
	tdshm_shm_close_and_remove(sender->data);
	sender->data = NULL;
	if (!info.supported)
		return sender_create_data(sender, data_size, true, err);

	for (int attempt = 0; attempt < SENDER_POSTFIX_ATTEMPTS; attempt++) {
		char postfix[TDSHM_INFO_POSTFIX_CAP];
		sender_random_postfix(postfix);
		status = tdshm_name_data(sender->user_name, postfix, sender->data_name,
					 sizeof(sender->data_name), err);
		if (status == TDSHM_OK)
			status = sender_create_data(sender, data_size, false, err);
		if (status == TDSHM_EXISTS)
			continue;
		if (status != TDSHM_OK)
			return status;
		memcpy(sender->postfix, postfix, sizeof(postfix));
		memcpy(info.postfix, postfix, sizeof(postfix));
		return tdshm_info_write(&info, tdshm_info_native_layout(), info_bytes, info_size,
					err);
	}
	return status;
}

tdshm_status tdshm_sender_resize(tdshm_sender *sender, size_t data_size, uint32_t info_timeout_ms,
				 tdshm_error *err)
{
	if (data_size == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a sender needs a data segment of at least one byte");
	if (sender->writing)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "cannot resize '%s' in the middle of a write",
				       sender->user_name);
	tdshm_status status = sender_lock_info(sender, info_timeout_ms, err);
	if (status != TDSHM_OK)
		return status;
	status = sender_replace_data(sender, data_size, err);
	tdshm_lock_release(sender->info_lock);
	return status;
}

bool tdshm_sender_data_intact(tdshm_sender *sender)
{
	tdshm_error ignored;
	return sender->data && tdshm_shm_check_intact(sender->data, &ignored) == TDSHM_OK;
}

tdshm_status tdshm_sender_begin_write(tdshm_sender *sender, uint32_t timeout_ms, uint8_t **bytes,
				      size_t *size, tdshm_error *err)
{
	if (!sender->data)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "'%s' has no data segment since its last resize failed; "
				       "resize again",
				       sender->user_name);
	if (sender->writing)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "'%s' is already being written",
				       sender->user_name);
	/* Another process truncated a segment of ours: the fault handler gave
	 * the mapping zero pages nobody else sees (platform.h). */
	tdshm_error why;
	if (tdshm_shm_check_intact(sender->info, &why) != TDSHM_OK)
		return tdshm_error_set(err, TDSHM_GONE, "%s; the sender of '%s' has to start again",
				       why.message, sender->user_name);
	if (tdshm_shm_check_intact(sender->data, &why) != TDSHM_OK) {
		/* A new data segment, as a resize makes; receivers follow. */
		tdshm_status repaired =
		    tdshm_sender_resize(sender, tdshm_shm_size(sender->data), timeout_ms, err);
		if (repaired != TDSHM_OK)
			return repaired;
	}
	tdshm_status status = tdshm_lock_acquire(sender->data_lock, timeout_ms, err);
	if (status != TDSHM_OK)
		return status;
	sender->writing = true;
	*bytes = tdshm_shm_bytes(sender->data);
	*size = tdshm_shm_size(sender->data);
	return TDSHM_OK;
}

void tdshm_sender_end_write(tdshm_sender *sender)
{
	if (!sender->writing)
		return;
	/* The serial changes while the data lock is still held, so a receiver
	 * that reads it under that lock sees it move with the bytes. */
	sender->frames++;
	tdshm_info_ext_set_serial(tdshm_shm_bytes(sender->info), tdshm_shm_size(sender->info),
				  sender->frames);
	sender->writing = false;
	tdshm_lock_release(sender->data_lock);
}

bool tdshm_sender_receiver_attached(tdshm_sender *sender)
{
	tdshm_info info;
	tdshm_error ignored;
	return tdshm_info_read(tdshm_shm_bytes(sender->info), tdshm_shm_size(sender->info),
			       tdshm_info_native_layout(), &info, &ignored) == TDSHM_OK &&
	       info.supported;
}

size_t tdshm_sender_data_size(const tdshm_sender *sender)
{
	return sender->data ? tdshm_shm_size(sender->data) : 0;
}

const char *tdshm_sender_data_name(const tdshm_sender *sender)
{
	return sender->data_name;
}

uint64_t tdshm_sender_frames_written(const tdshm_sender *sender)
{
	return sender->frames;
}

/* A receiver that keeps the name it last followed (Shared Mem Name + postfix)
 * and builds the info segment's name from it when it looks again would never
 * find a restarted sender, which starts with no postfix. So a sender that has
 * moved to a postfix first comes back to the plain name for a frame before it
 * sets detach (docs/protocol.md §2, Close):
 *   1. under the info lock: create `TouchSHM` N at the current size and copy
 *      the last frame into it under the data lock; write an empty postfix;
 *   2. release the info lock and drop the postfixed segment;
 *   3. wait SENDER_PLAIN_HOLD_MS (three cooks at 60 fps), or the caller's
 *      bound on the close if that is shorter: a receiver reads the info block
 *      before each frame and moves to the plain name, which it builds its
 *      names from from then on;
 *   4. then the usual close: detach under the info lock, drop the segments.
 * Skipped (straight to 4) when the postfix is empty or any step fails: the
 * close must never be stopped by it. */
#define SENDER_PLAIN_HOLD_MS 50

static void sender_return_to_plain_name(tdshm_sender *sender, uint32_t info_timeout_ms)
{
	if (!sender->postfix[0] || !sender->data)
		return;
	tdshm_error ignored;
	if (sender_lock_info(sender, info_timeout_ms, &ignored) != TDSHM_OK)
		return;
	char plain_name[TDSHM_FULL_NAME_CAP];
	tdshm_shm *plain = NULL;
	bool moved = false;
	size_t size = tdshm_shm_size(sender->data);
	if (tdshm_name_data(sender->user_name, "", plain_name, sizeof(plain_name), &ignored) ==
		TDSHM_OK &&
	    tdshm_shm_create(plain_name, size, true, &plain, &ignored) == TDSHM_OK) {
		if (tdshm_lock_acquire(sender->data_lock, info_timeout_ms, &ignored) == TDSHM_OK) {
			memcpy(tdshm_shm_bytes(plain), tdshm_shm_bytes(sender->data), size);
			tdshm_lock_release(sender->data_lock);
			uint8_t *info_bytes = tdshm_shm_bytes(sender->info);
			size_t info_size = tdshm_shm_size(sender->info);
			tdshm_info info;
			moved = tdshm_info_read(info_bytes, info_size, tdshm_info_native_layout(),
						&info, &ignored) == TDSHM_OK;
			if (moved) {
				memset(info.postfix, 0, sizeof(info.postfix));
				moved =
				    tdshm_info_write(&info, tdshm_info_native_layout(), info_bytes,
						     info_size, &ignored) == TDSHM_OK;
			}
		}
		if (!moved)
			tdshm_shm_close_and_remove(plain);
	}
	tdshm_lock_release(sender->info_lock);
	if (!moved)
		return;
	tdshm_shm_close_and_remove(sender->data);
	sender->data = plain;
	sender->postfix[0] = '\0';
	snprintf(sender->data_name, sizeof(sender->data_name), "%s", plain_name);
	tdshm_sleep_ms(info_timeout_ms < SENDER_PLAIN_HOLD_MS ? info_timeout_ms
							      : SENDER_PLAIN_HOLD_MS);
}

void tdshm_sender_destroy(tdshm_sender *sender, uint32_t info_timeout_ms)
{
	if (!sender)
		return;
	if (sender->writing) {
		sender->writing = false;
		tdshm_lock_release(sender->data_lock);
	}
	sender_return_to_plain_name(sender, info_timeout_ms);
	tdshm_error ignored;
	bool locked = sender_lock_info(sender, info_timeout_ms, &ignored) == TDSHM_OK;
	/* Set even without the lock: a receiver that misses detach would keep
	 * a dead sender's handles. */
	tdshm_info_set_detach(tdshm_shm_bytes(sender->info), tdshm_info_native_layout(), true);
	if (locked)
		tdshm_lock_release(sender->info_lock);
	sender_free(sender);
}
