/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the header parser suites (test_top_header.c,
 * test_chop_header.c). Segments are given to the parsers in heap blocks of
 * exactly the "mapped" size, so ASan sees any read past them. Included after
 * cmocka.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tdshm/chop.h"
#include "tdshm/status.h"
#include "tdshm/top.h"

/* A malloc'd copy of bytes[0..size) in a block of exactly that size (one
 * byte when size is 0); fails the test when out of memory. */
uint8_t *tdshm_test_exact_copy(const uint8_t *bytes, size_t size);

/* A parser's answer to a hostile header: fails the test unless status is
 * TDSHM_REFUSED and err's message says `says`. */
void tdshm_test_assert_refused(tdshm_status status, const tdshm_error *err, const char *says);

/* The parsers on an exact-size copy of bytes[0..size) (err cleared first),
 * and the refusal of a hostile header whose message says `says`. */
tdshm_status tdshm_test_top_parse_exact(const uint8_t *bytes, size_t size, tdshm_top_image *img,
					tdshm_error *err);
tdshm_status tdshm_test_chop_parse_exact(const uint8_t *bytes, size_t size, tdshm_chop_block *block,
					 tdshm_error *err);
void tdshm_test_top_expect_refused(const uint8_t *bytes, size_t size, const char *says);
void tdshm_test_chop_expect_refused(const uint8_t *bytes, size_t size, const char *says);

/* Refused after one change: bad becomes a copy of seg (size bytes), stmt
 * changes it, and expect_refused (one of the two above) checks it. */
#define TDSHM_TEST_REFUSED_AFTER(expect_refused, bad, seg, size, stmt, says)                       \
	do {                                                                                       \
		memcpy(bad, seg, size);                                                            \
		stmt;                                                                              \
		expect_refused(bad, size, says);                                                   \
	} while (0)
