/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The receiver role (docs/protocol.md §2, §5). Portable: segments and locks come
 * from platform.h, the info block from info.h.
 *
 * Handles are dropped as soon as the sender is seen to be gone (detach, a
 * dead pid, a removed segment, on Windows no other holder of the info
 * segment, checked at every read) and, for senders without this project's
 * extension (TouchDesigner), re-opened every liveness interval: on Windows a
 * held handle keeps a closed sender's mapping alive and stops it from
 * starting again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"

#define RECEIVER_DEFAULT_RETRY_MS 250
#define RECEIVER_DEFAULT_LIVENESS_MS 500
#define RECEIVER_DEFAULT_INFO_TIMEOUT_MS 2

struct tdshm_receiver {
	char user_name[TDSHM_USER_NAME_MAX + 1];
	char data_lock_name[TDSHM_FULL_NAME_CAP];
	char info_name[TDSHM_FULL_NAME_CAP];
	char info_lock_name[TDSHM_FULL_NAME_CAP];
	char data_name[TDSHM_FULL_NAME_CAP]; /* "" when not connected */
	char postfix[TDSHM_INFO_POSTFIX_CAP];
	tdshm_receiver_options options;
	tdshm_lock *data_lock;
	tdshm_lock *info_lock;
	tdshm_shm *info;
	tdshm_shm *data;
	bool connected;
	bool reading;
	bool has_ext;           /* the sender publishes pid and serial */
	bool holders_uncounted; /* the system cannot count a segment's holders */
	uint32_t sender_pid;
	bool serial_valid;
	uint64_t serial;
	uint64_t next_retry_ms;
	uint64_t next_liveness_ms;
	uint64_t connections;
	/* Why the last look failed, repeated by rate-limited calls. */
	tdshm_error last_miss;
};

void tdshm_receiver_options_default(tdshm_receiver_options *options)
{
	options->retry_interval_ms = RECEIVER_DEFAULT_RETRY_MS;
	options->liveness_interval_ms = RECEIVER_DEFAULT_LIVENESS_MS;
	options->info_timeout_ms = RECEIVER_DEFAULT_INFO_TIMEOUT_MS;
}

tdshm_status tdshm_receiver_create(const char *user_name, const tdshm_receiver_options *options,
				   tdshm_receiver **out, tdshm_error *err)
{
	*out = NULL;
	tdshm_receiver *r = calloc(1, sizeof(*r));
	if (!r)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	tdshm_status status =
	    tdshm_name_data_lock(user_name, r->data_lock_name, sizeof(r->data_lock_name), err);
	if (status == TDSHM_OK)
		status = tdshm_name_info(user_name, r->info_name, sizeof(r->info_name), err);
	if (status == TDSHM_OK)
		status = tdshm_name_info_lock(user_name, r->info_lock_name,
					      sizeof(r->info_lock_name), err);
	if (status != TDSHM_OK) {
		free(r);
		return status;
	}
	snprintf(r->user_name, sizeof(r->user_name), "%s", user_name);
	if (options)
		r->options = *options;
	else
		tdshm_receiver_options_default(&r->options);
	*out = r;
	return TDSHM_OK;
}

/* Closes the two segments (never removes them: they are the sender's). */
static void receiver_close_segments(tdshm_receiver *r)
{
	if (r->reading) {
		tdshm_lock_release(r->data_lock);
		r->reading = false;
	}
	tdshm_shm_close(r->data);
	tdshm_shm_close(r->info);
	r->data = NULL;
	r->info = NULL;
	r->data_name[0] = '\0';
	r->postfix[0] = '\0';
	r->has_ext = false;
	r->serial_valid = false;
}

/* Closes every handle, locks included. */
static void receiver_drop(tdshm_receiver *r)
{
	receiver_close_segments(r);
	tdshm_lock_close(r->data_lock);
	tdshm_lock_close(r->info_lock);
	r->data_lock = NULL;
	r->info_lock = NULL;
}

static tdshm_status receiver_open_data(tdshm_receiver *r, const char *postfix, tdshm_error *err)
{
	tdshm_status status =
	    tdshm_name_data(r->user_name, postfix, r->data_name, sizeof(r->data_name), err);
	if (status == TDSHM_OK)
		status = tdshm_shm_open(r->data_name, &r->data, err);
	if (status == TDSHM_OK)
		snprintf(r->postfix, sizeof(r->postfix), "%s", postfix);
	return status;
}

/* Reads the info block (the caller holds the info lock). */
static tdshm_status receiver_read_info(tdshm_receiver *r, tdshm_info *info, tdshm_error *err)
{
	tdshm_error why;
	tdshm_status status = tdshm_info_read(tdshm_shm_bytes(r->info), tdshm_shm_size(r->info),
					      tdshm_info_native_layout(), info, &why);
	if (tdshm_shm_check_intact(r->info, &why) != TDSHM_OK)
		return tdshm_error_set(err, TDSHM_GONE, "the sender of '%s' is gone: %s",
				       r->user_name, why.message);
	if (status != TDSHM_OK)
		return tdshm_error_set(err, status,
				       "'%s' is not a TouchDesigner shared-memory sender: %s",
				       r->user_name, why.message);
	return TDSHM_OK;
}

static bool receiver_detached(const tdshm_info *info)
{
	return info->version > 1 && info->detach;
}

/* Whether our mapping of the info block says detach (read once, without the
 * info lock: only to word the message for a sender whose process is gone). */
static bool receiver_saw_detach(tdshm_receiver *r)
{
	tdshm_info info;
	tdshm_error ignored;
	return r->info && receiver_read_info(r, &info, &ignored) == TDSHM_OK &&
	       receiver_detached(&info);
}

/* Opens info, locks (unless still open) and data, and sets `supported`
 * (docs/protocol.md §2 step 1). The info segment comes first: while no sender is
 * there, a look costs one failed open. On failure every handle is dropped. */
static tdshm_status receiver_open_handles(tdshm_receiver *r, tdshm_error *err)
{
	tdshm_status status = tdshm_shm_open(r->info_name, &r->info, err);
	if (status == TDSHM_NOT_FOUND)
		tdshm_error_set(err, TDSHM_NOT_FOUND,
				"no sender named '%s' (start the Shared Mem Out in TouchDesigner, "
				"or check the name)",
				r->user_name);
	if (status == TDSHM_OK && !r->data_lock)
		status = tdshm_lock_open(r->data_lock_name, &r->data_lock, err);
	if (status == TDSHM_OK && !r->info_lock)
		status = tdshm_lock_open(r->info_lock_name, &r->info_lock, err);
	if (status != TDSHM_OK) {
		receiver_drop(r);
		return status;
	}
	status = tdshm_lock_acquire(r->info_lock, r->options.info_timeout_ms, err);
	if (status != TDSHM_OK) {
		receiver_drop(r);
		return status;
	}
	/* The sender writes block and extension under this lock: both or
	 * neither are there. */
	const uint8_t *bytes = tdshm_shm_bytes(r->info);
	size_t size = tdshm_shm_size(r->info);
	tdshm_info_ext ext;
	r->has_ext = tdshm_info_ext_read(bytes, size, &ext);
	r->sender_pid = r->has_ext ? ext.pid : 0;
	tdshm_info info;
	static const uint8_t unwritten[4] = {0};
	if (size >= sizeof(unwritten) && memcmp(bytes, unwritten, sizeof(unwritten)) == 0)
		status = tdshm_error_set(err, TDSHM_NOT_FOUND,
					 "the sender of '%s' is still starting", r->user_name);
	else if (r->has_ext && !tdshm_process_alive(ext.pid))
		status = tdshm_error_set(err, TDSHM_NOT_FOUND,
					 "the sender of '%s' (pid %u) has died; waiting for it to "
					 "come back",
					 r->user_name, ext.pid);
	else
		status = receiver_read_info(r, &info, err);
	if (status == TDSHM_OK && receiver_detached(&info))
		status = tdshm_error_set(err, TDSHM_NOT_FOUND,
					 "the sender of '%s' has closed; waiting for it to come "
					 "back",
					 r->user_name);
	if (status == TDSHM_OK)
		tdshm_info_set_supported(tdshm_shm_bytes(r->info), tdshm_info_native_layout(),
					 true);
	/* Still under the lock: the postfix cannot change before it is open. */
	if (status == TDSHM_OK)
		status = receiver_open_data(r, info.postfix, err);
	tdshm_lock_release(r->info_lock);
	if (status != TDSHM_OK)
		receiver_drop(r);
	return status;
}

static tdshm_status receiver_connect(tdshm_receiver *r, uint64_t now, tdshm_error *err)
{
	if (now < r->next_retry_ms) {
		if (err)
			*err = r->last_miss;
		return r->last_miss.status;
	}
	r->next_retry_ms = now + r->options.retry_interval_ms;
	tdshm_status status = receiver_open_handles(r, &r->last_miss);
	if (err)
		*err = r->last_miss;
	if (status != TDSHM_OK)
		return status;
	r->connected = true;
	r->connections++;
	r->next_liveness_ms = now + r->options.liveness_interval_ms;
	return TDSHM_OK;
}

/* Drops everything and reports the sender gone; the next call looks again. */
static tdshm_status receiver_gone(tdshm_receiver *r, tdshm_error *err, const char *why)
{
	receiver_drop(r);
	r->connected = false;
	r->next_retry_ms = 0;
	return tdshm_error_set(err, TDSHM_GONE, "the sender of '%s' %s", r->user_name, why);
}

/* Any other failure while connected: drop, look again at the next call. */
static tdshm_status receiver_fail(tdshm_receiver *r, tdshm_status status)
{
	receiver_drop(r);
	r->connected = false;
	r->next_retry_ms = 0;
	return status;
}

static tdshm_status receiver_check_liveness(tdshm_receiver *r, uint64_t now, tdshm_error *err)
{
	/* Every read, where the system counts handles (Windows): once ours is
	 * the last handle, the sender has gone (a crash sets no detach), and
	 * each moment it is kept stops a restarting sender from creating the
	 * name again ("already exists"). A sender always holds its info
	 * segment while it runs. */
	bool alone = false;
	tdshm_error ignored;
	if (r->info && !r->holders_uncounted) {
		tdshm_status counted = tdshm_shm_sole_holder(r->info, &alone, &ignored);
		/* POSIX cannot count: not asked again on every read. */
		r->holders_uncounted = counted == TDSHM_NOT_FOUND;
		if (counted == TDSHM_OK && alone)
			return receiver_gone(r, err,
					     "has stopped (nothing else holds its shared memory)");
	}
	if (now < r->next_liveness_ms)
		return TDSHM_OK;
	r->next_liveness_ms = now + r->options.liveness_interval_ms;
	if (r->has_ext) {
		/* A sender that set detach and exited before this look closed
		 * properly: say so, rather than that it died. */
		if (!tdshm_process_alive(r->sender_pid))
			return receiver_gone(r, err,
					     receiver_saw_detach(r) ? "has closed" : "has died");
		/* Where names can be removed (POSIX), a sender that closed
		 * removes them, and one that re-created a segment gave its
		 * name to a new object: the old mapping would stay readable
		 * for ever. */
		tdshm_error probe_err;
		if ((r->info && tdshm_shm_is_current(r->info, &probe_err) == TDSHM_NOT_FOUND) ||
		    (r->data && tdshm_shm_is_current(r->data, &probe_err) == TDSHM_NOT_FOUND))
			return receiver_gone(r, err, "has removed or re-created its shared memory");
		return TDSHM_OK;
	}
	/* No pid to ask (TouchDesigner): drop the segments and open them
	 * again; what cannot be opened again is gone (docs/protocol.md §5). Locks
	 * are kept: they are open-or-create and never go away. */
	receiver_close_segments(r);
	tdshm_status status = receiver_open_handles(r, err);
	if (status == TDSHM_NOT_FOUND)
		return receiver_gone(r, err, "is no longer there");
	if (status != TDSHM_OK)
		return receiver_fail(r, status);
	return TDSHM_OK;
}

/* docs/protocol.md §2 step 2: detach and postfix, under the info lock. */
static tdshm_status receiver_follow_info(tdshm_receiver *r, tdshm_error *err)
{
	tdshm_status status = tdshm_lock_acquire(r->info_lock, r->options.info_timeout_ms, err);
	if (status == TDSHM_REFUSED)
		return receiver_fail(r, status); /* the lock object shrank */
	if (status != TDSHM_OK)
		return status; /* busy: keep everything, try next frame */
	tdshm_info info;
	status = receiver_read_info(r, &info, err);
	bool detached = status == TDSHM_OK && receiver_detached(&info);
	bool moved = status == TDSHM_OK && !detached && strcmp(info.postfix, r->postfix) != 0;
	if (moved) {
		tdshm_shm_close(r->data);
		r->data = NULL;
		status = receiver_open_data(r, info.postfix, err);
	}
	tdshm_lock_release(r->info_lock);
	if (detached)
		return receiver_gone(r, err, "has closed");
	if (status == TDSHM_NOT_FOUND)
		return receiver_gone(r, err, "announced a data segment that does not exist");
	if (status != TDSHM_OK)
		return receiver_fail(r, status);
	return TDSHM_OK;
}

tdshm_status tdshm_receiver_refresh(tdshm_receiver *r, tdshm_error *err)
{
	if (r->reading)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "'%s' is being read: call end_read first", r->user_name);
	uint64_t now = tdshm_clock_ms();
	if (!r->connected)
		return receiver_connect(r, now, err);
	tdshm_status status = receiver_check_liveness(r, now, err);
	if (status == TDSHM_OK)
		status = receiver_follow_info(r, err);
	return status;
}

/* Whether the info block still names the data segment mapped here. Read
 * without the info lock: a postfix torn by a write in progress reads as
 * "moved", which only costs the serial of one read. */
static bool receiver_data_current(tdshm_receiver *r)
{
	tdshm_info info;
	tdshm_error ignored;
	return tdshm_info_read(tdshm_shm_bytes(r->info), tdshm_shm_size(r->info),
			       tdshm_info_native_layout(), &info, &ignored) == TDSHM_OK &&
	       strcmp(info.postfix, r->postfix) == 0;
}

tdshm_status tdshm_receiver_begin_read_connected(tdshm_receiver *r, uint32_t timeout_ms,
						 const uint8_t **bytes, size_t *size,
						 tdshm_error *err)
{
	if (r->reading)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "'%s' is already being read: call end_read first",
				       r->user_name);
	if (!r->connected)
		return tdshm_error_set(err, TDSHM_NOT_FOUND, "not connected to '%s'", r->user_name);
	tdshm_status status = tdshm_lock_acquire(r->data_lock, timeout_ms, err);
	if (status == TDSHM_REFUSED)
		return receiver_fail(r, status); /* the lock object shrank */
	if (status != TDSHM_OK)
		return status;
	r->reading = true;
	/* A segment shrunk by another process since the last read. */
	status = tdshm_receiver_check_intact(r, err);
	if (status != TDSHM_OK)
		return status;
	tdshm_info_ext ext;
	r->serial_valid = r->has_ext && tdshm_info_ext_read(tdshm_shm_bytes(r->info),
							    tdshm_shm_size(r->info), &ext);
	if (r->serial_valid)
		r->serial = ext.frame_serial;
	/* The serial counts the sender's frames wherever it writes them: one
	 * that moved to a new data segment (a resize) since this receiver last
	 * followed it wrote its newest frame there, not into the bytes mapped
	 * here, so the serial says nothing about these (seen as a frame whose
	 * bytes did not match its serial right after a resize, 1 run in 20). */
	if (r->serial_valid && !receiver_data_current(r))
		r->serial_valid = false;
	*bytes = tdshm_shm_bytes(r->data);
	*size = tdshm_shm_size(r->data);
	return TDSHM_OK;
}

tdshm_status tdshm_receiver_check_intact(tdshm_receiver *r, tdshm_error *err)
{
	tdshm_error why;
	if (!r->connected)
		return TDSHM_OK;
	if ((r->info && tdshm_shm_check_intact(r->info, &why) != TDSHM_OK) ||
	    (r->data && tdshm_shm_check_intact(r->data, &why) != TDSHM_OK)) {
		char reason[TDSHM_ERROR_MESSAGE_MAX];
		snprintf(reason, sizeof(reason), "is gone: %.400s", why.message);
		return receiver_gone(r, err, reason);
	}
	return TDSHM_OK;
}

tdshm_status tdshm_receiver_begin_read(tdshm_receiver *r, uint32_t timeout_ms,
				       const uint8_t **bytes, size_t *size, tdshm_error *err)
{
	tdshm_status status = tdshm_receiver_refresh(r, err);
	if (status != TDSHM_OK)
		return status;
	status = tdshm_receiver_begin_read_connected(r, timeout_ms, bytes, size, err);
	if (status != TDSHM_OK || !r->has_ext || r->serial_valid)
		return status;
	/* The sender moved between the refresh and the lock: follow it once
	 * more, so the bytes and the serial are of its newest segment. */
	tdshm_receiver_end_read(r);
	status = tdshm_receiver_refresh(r, err);
	if (status != TDSHM_OK)
		return status;
	return tdshm_receiver_begin_read_connected(r, timeout_ms, bytes, size, err);
}

void tdshm_receiver_end_read(tdshm_receiver *r)
{
	if (!r->reading)
		return;
	r->reading = false;
	tdshm_lock_release(r->data_lock);
}

bool tdshm_receiver_connected(const tdshm_receiver *r)
{
	return r->connected;
}

bool tdshm_receiver_frame_serial(const tdshm_receiver *r, uint64_t *serial)
{
	if (r->serial_valid)
		*serial = r->serial;
	return r->serial_valid;
}

const char *tdshm_receiver_data_name(const tdshm_receiver *r)
{
	return r->connected ? r->data_name : "";
}

uint64_t tdshm_receiver_connections(const tdshm_receiver *r)
{
	return r->connections;
}

void tdshm_receiver_disconnect(tdshm_receiver *r)
{
	receiver_drop(r);
	r->connected = false;
	r->next_retry_ms = 0;
}

void tdshm_receiver_destroy(tdshm_receiver *r)
{
	if (!r)
		return;
	receiver_drop(r);
	free(r);
}
