/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sender role (docs/protocol.md §2): owns the info and data segments of one
 * name, resizes through the postfix protocol, sets detach on close. The same
 * sender carries TOP or CHOP payloads: it only manages bytes and locks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdshm_sender tdshm_sender;

/* The protocol's own wait on the info lock during create/resize/close. */
#define TDSHM_INFO_LOCK_TIMEOUT_MS 5000

/* Creates the data lock, the info segment (EXISTS if another sender owns the
 * name) and the data segment of data_size bytes. info_timeout_ms bounds the
 * info-lock wait (TDSHM_INFO_LOCK_TIMEOUT_MS outside real-time threads). */
tdshm_status tdshm_sender_create(const char *user_name, size_t data_size, uint32_t info_timeout_ms,
				 tdshm_sender **out, tdshm_error *err) TDSHM_MUST_CHECK;

/* Makes the data segment data_size bytes: a new postfix when a receiver has
 * set `supported`, else the same name re-created. Contents are undefined
 * until the next write. */
tdshm_status tdshm_sender_resize(tdshm_sender *sender, size_t data_size, uint32_t info_timeout_ms,
				 tdshm_error *err) TDSHM_MUST_CHECK;

/* Takes the data lock (bounded) and gives the data segment's bytes. On OK
 * the caller writes and then calls tdshm_sender_end_write. */
tdshm_status tdshm_sender_begin_write(tdshm_sender *sender, uint32_t timeout_ms, uint8_t **bytes,
				      size_t *size, tdshm_error *err) TDSHM_MUST_CHECK;
/* Publishes the frame (bumps the serial) and releases the data lock. */
void tdshm_sender_end_write(tdshm_sender *sender);

/* Whether a receiver has set `supported` (read without waiting). */
bool tdshm_sender_receiver_attached(tdshm_sender *sender);
/* false when another process truncated the data segment under this sender
 * (POSIX; the mapping reads zero pages then, see tdshm_shm_check_intact).
 * begin_write makes a new one itself, on the caller's thread; a caller
 * that must not wait there (OBS's graphics thread) asks first and resizes
 * to the same size elsewhere. No wait; on POSIX one fstat (begin_write
 * makes the same check again). */
bool tdshm_sender_data_intact(tdshm_sender *sender);

size_t tdshm_sender_data_size(const tdshm_sender *sender);
/* Full name of the current data segment (changes with the postfix). */
const char *tdshm_sender_data_name(const tdshm_sender *sender);
uint64_t tdshm_sender_frames_written(const tdshm_sender *sender);

/* Sets detach under the info lock (bounded by info_timeout_ms; on a miss
 * detach is set anyway), then removes the segments. A sender that moved to a
 * postfix first returns to the plain name and holds it for up to 50 ms (at
 * most info_timeout_ms), so that receivers which remember the last name they
 * followed find it again after a restart (sender.c). NULL is ignored. */
void tdshm_sender_destroy(tdshm_sender *sender, uint32_t info_timeout_ms);

#ifdef __cplusplus
}
#endif
