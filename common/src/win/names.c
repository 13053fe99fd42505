/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 object names to the UTF-16 the Win32 API takes. TouchDesigner names
 * its objects with the wide API, so a non-ASCII Shared Mem Name only meets
 * TD's when both sides convert the same way: strictly, never lossily. */
#include <limits.h>
#include <string.h>

#include "win/internal.h"

tdshm_status tdshm_win_name_widen(const char *full_name, wchar_t *out, size_t cap, tdshm_error *err)
{
	if (!full_name || !full_name[0])
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a shared-memory object name is empty");
	/* A backslash would address another namespace ("Global\..."): TD
	 * only uses the session's local one. */
	if (strchr(full_name, '\\'))
		return tdshm_error_set(
		    err, TDSHM_INVALID_ARGUMENT,
		    "the object name '%s' contains '\\', which Windows reads "
		    "as a namespace separator: remove it from the Shared Mem Name",
		    full_name);
	size_t len = strlen(full_name);
	if (len > (size_t)INT_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "an object name of %zu bytes is far too long", len);
	/* MB_ERR_INVALID_CHARS: bad UTF-8 is an error, not a U+FFFD that would
	 * silently name a different object than the user typed. */
	int wide_len =
	    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, full_name, (int)len, NULL, 0);
	if (wide_len <= 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the object name '%s' is not valid UTF-8: retype the "
				       "Shared Mem Name",
				       full_name);
	if (wide_len > TDSHM_WIN_NAME_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the object name '%s' is %d UTF-16 characters long; Windows "
				       "takes at most %d: choose a shorter Shared Mem Name",
				       full_name, wide_len, TDSHM_WIN_NAME_MAX);
	if ((size_t)wide_len >= cap)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the object name '%s' does not fit in %zu characters",
				       full_name, cap);
	int written =
	    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, full_name, (int)len, out, (int)cap);
	if (written != wide_len)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the object name '%s' could not be converted to UTF-16",
				       full_name);
	out[written] = L'\0';
	return TDSHM_OK;
}
