/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the header parser suites (test_top_header.c,
 * test_chop_header.c). Segments are given to the parsers in heap blocks of
 * exactly the "mapped" size, so ASan sees any read past them. Included after
 * cmocka.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tdshm/status.h"

/* A malloc'd copy of bytes[0..size) in a block of exactly that size (one
 * byte when size is 0); fails the test when out of memory. */
uint8_t *tdshm_test_exact_copy(const uint8_t *bytes, size_t size);

/* A parser's answer to a hostile header: fails the test unless status is
 * TDSHM_REFUSED and err's message says `says`. */
void tdshm_test_assert_refused(tdshm_status status, const tdshm_error *err, const char *says);
