/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the suites of the sender and receiver roles on real segments
 * (test_sender_receiver.c on POSIX, test_win_sender_receiver.c on Windows):
 * a byte pattern per frame, writing and reading it through the roles, and
 * an info segment as TouchDesigner's own sender leaves it. They fail the
 * running cmocka test on any error. Included after cmocka.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"

/* A test's Shared Mem Name (unique, from stem) and the full names of the
 * objects a sender makes for it. */
typedef struct tdshm_test_names {
	char user[128];
	char info[TDSHM_FULL_NAME_CAP];
	char data[TDSHM_FULL_NAME_CAP];
	char data_lock[TDSHM_FULL_NAME_CAP];
	char info_lock[TDSHM_FULL_NAME_CAP];
} tdshm_test_names;

void tdshm_test_names_make(tdshm_test_names *n, const char *stem);

/* Byte i of frame seed's pattern. */
uint8_t tdshm_test_frame_byte(unsigned seed, size_t i);
void tdshm_test_frame_fill(uint8_t *bytes, size_t size, unsigned seed);
bool tdshm_test_frame_holds(const uint8_t *bytes, size_t size, unsigned seed);

/* Fills the sender's whole data segment with seed's pattern. */
void tdshm_test_write_frame(tdshm_sender *sender, unsigned seed);
/* Reads one frame, retrying NOT_FOUND / TIMED_OUT for up to wait_ms; REFUSED
 * when its first expect bytes (0: every byte the receiver maps) are not
 * seed's pattern or the receiver maps fewer. *size_out (may be NULL): what
 * the receiver mapped (whole pages on Windows). */
tdshm_status tdshm_test_read_frame(tdshm_receiver *receiver, uint32_t wait_ms, unsigned seed,
				   size_t expect, size_t *size_out, tdshm_error *err);

/* A sender of size bytes as user, created with that wait for the info
 * lock; fails the test if it cannot be. */
tdshm_sender *tdshm_test_sender_new(const char *user, size_t size, uint32_t info_wait_ms);

/* A CHOP sender as user sized for channels x length samples, with one block
 * of planes at sample_rate written (no channel names). */
tdshm_sender *tdshm_test_chop_sender_start(const char *user, uint32_t channels, uint32_t length,
					   float sample_rate, const float *const *planes,
					   uint32_t info_wait_ms);

/* Destroys sender while a mapping of its info segment info_name is held,
 * which outlives the unlink and shows what the sender wrote last: the
 * byte at detach_offset (detach in this platform's layout) must be 1. */
void tdshm_test_destroy_sender_watching_detach(tdshm_sender *sender, const char *info_name,
					       size_t detach_offset, uint32_t info_wait_ms);

/* A receiver with these intervals and a 100 ms wait for the info lock. */
tdshm_receiver *tdshm_test_receiver_new(const char *user, uint32_t retry_ms, uint32_t liveness_ms);

/* The usual start of a test: a sender of size bytes as user and a receiver
 * (no retry delay, liveness 500 ms) that has read its frame 1, checked as
 * tdshm_test_read_frame checks with expect. */
void tdshm_test_start_connected(const char *user, size_t size, size_t expect, tdshm_sender **sender,
				tdshm_receiver **receiver);
/* Ends what tdshm_test_start_connected began: the receiver, then the sender
 * (which removes its segments). */
void tdshm_test_stop_connected(tdshm_sender *sender, tdshm_receiver *receiver);

bool tdshm_test_shm_exists(const char *full_name);

/* Creates info_name holding an info block in layout as TouchDesigner writes
 * it: magic and version, none of this project's extension. */
tdshm_shm *tdshm_test_td_info_create(const char *info_name, tdshm_info_layout layout);

/* A current version-1 header's parameters for a bgra8 image. */
tdshm_top_params tdshm_test_bgra8_params(uint32_t width, uint32_t height);

/* A TOP sender as TouchDesigner writes one: info block without this
 * project's extension (so no frame serial, no pid), data segment under the
 * plain name, a bgra8 image of width x height. */
typedef struct tdshm_test_td_top_sender {
	tdshm_shm *info;
	tdshm_shm *data;
	tdshm_lock *data_lock;
	uint32_t width, height;
} tdshm_test_td_top_sender;

void tdshm_test_td_top_sender_start(tdshm_test_td_top_sender *td, const char *user, uint32_t width,
				    uint32_t height);
/* Writes the header and an image of seed's pattern under the data lock;
 * seed 0 leaves the segment all zero (never written). */
void tdshm_test_td_top_sender_write(tdshm_test_td_top_sender *td, unsigned seed);
/* Removes what start created. */
void tdshm_test_td_top_sender_stop(tdshm_test_td_top_sender *td);

/* A lock name unique to this run ("TouchSHM<stem>-<pid>-<n>Mutex"), a lock
 * opened on it (failing the test when it cannot be), and its removal: lock
 * objects are never removed by the library (TouchDesigner may hold them),
 * so a test removes its own. */
void tdshm_test_lock_name(char *out, size_t cap, const char *stem);
tdshm_lock *tdshm_test_lock_open(const char *name);
void tdshm_test_lock_remove(const char *name);
/* The same for a segment: "TouchSHM<stem>-<pid>-<n>". */
void tdshm_test_segment_name(char *out, size_t cap, const char *stem);
