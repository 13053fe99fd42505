/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "test_support.h"

void tdshm_test_setenv(const char *key, const char *value)
{
	/* An empty value removes the variable on Windows. */
	_putenv_s(key, value ? value : "");
}
