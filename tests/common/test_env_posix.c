/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _DEFAULT_SOURCE
#include <stdlib.h>

#include "test_support.h"

void tdshm_test_setenv(const char *key, const char *value)
{
	if (value)
		setenv(key, value, 1);
	else
		unsetenv(key);
}
