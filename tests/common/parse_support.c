/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See parse_support.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse_support.h"

uint8_t *tdshm_test_exact_copy(const uint8_t *bytes, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	if (size)
		memcpy(copy, bytes, size);
	return copy;
}

void tdshm_test_assert_refused(tdshm_status status, const tdshm_error *err, const char *says)
{
	if (status != TDSHM_REFUSED)
		fail_msg("status %s, want refused (expected message with \"%s\")",
			 tdshm_status_name(status), says);
	if (!strstr(err->message, says))
		fail_msg("message \"%s\" does not say \"%s\"", err->message, says);
}

enum { PARSE_TOP, PARSE_CHOP };

static tdshm_status parse_exact(int parser, const uint8_t *bytes, size_t size, void *out,
				tdshm_error *err)
{
	uint8_t *copy = tdshm_test_exact_copy(bytes, size);
	tdshm_error_clear(err);
	tdshm_status status = parser == PARSE_TOP ? tdshm_top_parse(copy, size, out, err)
						  : tdshm_chop_parse(copy, size, out, err);
	free(copy);
	return status;
}

tdshm_status tdshm_test_top_parse_exact(const uint8_t *bytes, size_t size, tdshm_top_image *img,
					tdshm_error *err)
{
	return parse_exact(PARSE_TOP, bytes, size, img, err);
}

tdshm_status tdshm_test_chop_parse_exact(const uint8_t *bytes, size_t size, tdshm_chop_block *block,
					 tdshm_error *err)
{
	return parse_exact(PARSE_CHOP, bytes, size, block, err);
}

void tdshm_test_top_expect_refused(const uint8_t *bytes, size_t size, const char *says)
{
	tdshm_top_image img;
	tdshm_error err;
	tdshm_test_assert_refused(parse_exact(PARSE_TOP, bytes, size, &img, &err), &err, says);
}

void tdshm_test_chop_expect_refused(const uint8_t *bytes, size_t size, const char *says)
{
	tdshm_chop_block block;
	tdshm_error err;
	tdshm_test_assert_refused(parse_exact(PARSE_CHOP, bytes, size, &block, &err), &err, says);
}
