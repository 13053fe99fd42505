/* SPDX-License-Identifier: GPL-2.0-or-later */
/* POSIX passes arguments as the bytes typed: UTF-8 already. */
#include "tool.h"

void tool_argv_utf8(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}
