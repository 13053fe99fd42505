/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Windows hands main() its arguments in the ANSI code page, which cannot hold
 * most non-ASCII Shared Mem Names ("Vidéo" survives in some code pages,
 * "映像" in none): the tool takes them from the UTF-16 command line instead,
 * as UTF-8, the encoding every name in the core is in. */
#include <stdlib.h>

#include <windows.h>

#include <shellapi.h>

#include "tool.h"

void tool_argv_utf8(int *argc, char ***argv)
{
	int count = 0;
	wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &count);
	if (!wide || count != *argc)
		return; /* keep what main got rather than guess */
	char **utf8 = calloc((size_t)count + 1, sizeof(*utf8));
	if (!utf8)
		return;
	for (int i = 0; i < count; i++) {
		int len = WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, NULL, 0, NULL, NULL);
		utf8[i] = len > 0 ? malloc((size_t)len) : NULL;
		if (!utf8[i] ||
		    WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, utf8[i], len, NULL, NULL) != len)
			return; /* leaked on a path that never happens; main's argv stays */
	}
	LocalFree(wide);
	/* Kept for the life of the process, as argv is. */
	*argv = utf8;
}
