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
