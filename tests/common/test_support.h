/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the cmocka suites. Included after cmocka.h's prerequisites. */
#pragma once

#include <stddef.h>
#include <stdint.h>

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
/* Sets (value) or removes (NULL) an environment variable. */
void tdshm_test_setenv(const char *key, const char *value);
