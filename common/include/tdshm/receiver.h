/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The receiver role (docs/protocol.md §2): finds a sender by name, sets
 * `supported`, follows postfix changes, notices detach and vanished senders,
 * drops every handle then, and re-opens when the sender comes back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdshm_receiver tdshm_receiver;

typedef struct tdshm_receiver_options {
	/* How often to look for a missing sender (ms). Default 250. */
	uint32_t retry_interval_ms;
	/* How often to check that a connected sender is still alive (ms); for
	 * senders without this project's extension (TD itself) this drops and
	 * re-opens the handles (docs/protocol.md §5). Default 500. */
	uint32_t liveness_interval_ms;
	/* Bound on info-lock waits (ms). Default 2. */
	uint32_t info_timeout_ms;
} tdshm_receiver_options;

void tdshm_receiver_options_default(tdshm_receiver_options *options);

/* Checks the name; opens nothing yet. options may be NULL for defaults. */
tdshm_status tdshm_receiver_create(const char *user_name, const tdshm_receiver_options *options,
				   tdshm_receiver **out, tdshm_error *err) TDSHM_MUST_CHECK;

/* Connects if needed, follows the info block, and takes the data lock within
 * timeout_ms. Only the data lock is bounded by timeout_ms: connecting and
 * re-opening can wait longer (see tdshm_receiver_refresh). Results:
 *  OK         lock held; *bytes and *size are the whole data segment. Call
 *             tdshm_receiver_end_read after copying.
 *  NOT_FOUND  no sender (yet); nothing held. Retried at most every
 *             retry_interval_ms; calls in between return NOT_FOUND at once.
 *  GONE       the sender detached or died; every handle was dropped. The
 *             next calls look for it again.
 *  TIMED_OUT  a lock was busy; try next frame.
 *  REFUSED    the info block is not TD's (bad magic), or a lock object
 *             shrank under its mapping; handles dropped.
 *  other      system errors, with a message. */
tdshm_status tdshm_receiver_begin_read(tdshm_receiver *receiver, uint32_t timeout_ms,
				       const uint8_t **bytes, size_t *size,
				       tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_receiver_end_read(tdshm_receiver *receiver);
/* After copying, before using the copy: TDSHM_GONE (handles dropped, the
 * lock given back, the next begin_read looks again) when another process
 * shrank the info or data segment while it was read (POSIX: the pages read
 * as zeros then, see tdshm_shm_check_intact). begin_read checks the same
 * before handing out the bytes. */
tdshm_status tdshm_receiver_check_intact(tdshm_receiver *receiver,
					 tdshm_error *err) TDSHM_MUST_CHECK;

/* begin_read in its two halves, for callers that must keep the waits off a
 * thread (the OBS source: connecting on a worker, the copy on the graphics
 * thread; the caller serialises the two):
 *  refresh    connects if needed, checks liveness, follows the info block.
 *             May open segments and locks, which can wait: a segment or lock
 *             open whose name goes through the POSIX name directory waits
 *             for that directory's lock up to 5 s; the info lock up to
 *             info_timeout_ms. Same results as begin_read, nothing held.
 *  begin_read_connected  only the data lock, within timeout_ms: no open,
 *             no other wait. NOT_FOUND at once while not connected. */
tdshm_status tdshm_receiver_refresh(tdshm_receiver *receiver, tdshm_error *err) TDSHM_MUST_CHECK;
tdshm_status tdshm_receiver_begin_read_connected(tdshm_receiver *receiver, uint32_t timeout_ms,
						 const uint8_t **bytes, size_t *size,
						 tdshm_error *err) TDSHM_MUST_CHECK;

bool tdshm_receiver_connected(const tdshm_receiver *receiver);
/* true and *serial set when the sender publishes a frame serial (senders of
 * this project) and it describes the bytes of the last begin_read; TD's own
 * senders publish none, so callers must re-read anyway. false too when the
 * sender moved to a new data segment after the last refresh (a resize):
 * begin_read then follows it once more, begin_read_connected leaves that
 * to the next refresh. */
bool tdshm_receiver_frame_serial(const tdshm_receiver *receiver, uint64_t *serial);
/* Full name of the data segment in use ("" when not connected). */
const char *tdshm_receiver_data_name(const tdshm_receiver *receiver);
/* Number of times it (re)connected, for status lines and tests. */
uint64_t tdshm_receiver_connections(const tdshm_receiver *receiver);

/* Drops every handle now (e.g. the source was hidden for long). */
void tdshm_receiver_disconnect(tdshm_receiver *receiver);
void tdshm_receiver_destroy(tdshm_receiver *receiver);

#ifdef __cplusplus
}
#endif
