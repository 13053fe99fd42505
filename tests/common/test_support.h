/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the cmocka suites. Included after cmocka.h's prerequisites. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tdshm/platform.h"

/* Reads a whole file into malloc'd memory; NULL if it cannot (the caller
 * fails the test: a missing vector is a failure, never a skip). */
uint8_t *tdshm_test_read_file(const char *path, size_t *size);
/* tests/vectors, as configured at build time (TDSHM_VECTORS_DIR). */
const char *tdshm_test_vectors_dir(void);
/* Reads <vectors>/<file>; NULL if missing. */
uint8_t *tdshm_test_read_vector(const char *file, size_t *size);
/* A Shared Mem Name unique to this process and call: "<stem>-<pid>-<n>".
 * Everything it leaves in shared memory is removed when the suite exits. */
void tdshm_test_unique_name(char *out, size_t cap, const char *stem);
/* Path of the built tdshm tool (TDSHM_TOOL_PATH). */
const char *tdshm_test_tool_path(void);
/* Takes lock, retrying 50 ms waits for up to within_ms while others hold
 * it; the last try's status. */
tdshm_status tdshm_test_lock_acquire_within(tdshm_lock *lock, uint32_t within_ms, tdshm_error *err);
/* Checks that another holds lock (tdshm_lock_is_held) and that a wait of
 * timeout_ms for it returns TIMED_OUT (err says why); how long that wait
 * took, for the caller's bound. Fails the running cmocka test otherwise. */
uint64_t tdshm_test_held_lock_times_out(tdshm_lock *lock, uint32_t timeout_ms, tdshm_error *err);
/* Sets (value) or removes (NULL) an environment variable. */
void tdshm_test_setenv(const char *key, const char *value);
