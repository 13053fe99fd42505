/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Windows' own text for an error code, appended to our message so a user can
 * search for it; the code itself follows because Wine and stripped-down
 * Windows installs do not always have the text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win/internal.h"

tdshm_status tdshm_win_error(tdshm_error *err, tdshm_status status, DWORD code, const char *fmt,
			     ...)
{
	if (!err)
		return status;
	char head[TDSHM_ERROR_MESSAGE_MAX];
	va_list args;
	va_start(args, fmt);
	vsnprintf(head, sizeof(head), fmt, args);
	va_end(args);

	char text[256];
	DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
				 code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), text,
				 (DWORD)sizeof(text), NULL);
	/* The system's text ends in ".\r\n"; the message goes on one line. */
	while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == ' ' ||
			 text[n - 1] == '.'))
		n--;
	text[n] = '\0';
	if (n > 0)
		return tdshm_error_set(err, status, "%s: %s (Windows error %lu)", head, text,
				       (unsigned long)code);
	return tdshm_error_set(err, status, "%s (Windows error %lu)", head, (unsigned long)code);
}

char *tdshm_win_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = malloc(len);
	if (copy)
		memcpy(copy, s, len);
	return copy;
}
