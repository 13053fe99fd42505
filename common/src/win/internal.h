/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private helpers of the Windows backend: object names as the Win32 API wants
 * them (UTF-16) and the system's error text in user messages. */
#pragma once

#include <stddef.h>
#include <wchar.h>

#include <windows.h>

#include "tdshm/status.h"

/* Longest object name CreateFileMappingW/CreateMutexW take, in UTF-16 code
 * units without the NUL (MAX_PATH less one). */
#define TDSHM_WIN_NAME_MAX (MAX_PATH - 1)

/* Converts a full object name from UTF-8 to UTF-16 into out (cap wide
 * characters, NUL included). INVALID_ARGUMENT when the name is empty, is not
 * valid UTF-8, is longer than TDSHM_WIN_NAME_MAX, or holds a backslash (which
 * would leave the session's local namespace, docs/protocol.md §1). */
tdshm_status tdshm_win_name_widen(const char *full_name, wchar_t *out, size_t cap,
				  tdshm_error *err) TDSHM_MUST_CHECK;

/* Records status with "<formatted text>: <Windows' text for code> (error N)"
 * and returns status. */
tdshm_status tdshm_win_error(tdshm_error *err, tdshm_status status, DWORD code, const char *fmt,
			     ...) TDSHM_PRINTF(4, 5);

/* A copy of s in malloc'd memory, NULL when out of memory. */
char *tdshm_win_strdup(const char *s);

/* The object-manager directory holding this session's local named objects
 * (\Sessions\<id>\BaseNamedObjects; \BaseNamedObjects in session 0). */
void tdshm_win_object_directory_path(wchar_t *out, size_t cap);

/* Calls visit with the UTF-8 name and type name ("Section" for a file
 * mapping, "Mutant" for a mutex, ...) of every object in that directory.
 * Names that are not valid UTF-16 are skipped. NOT_FOUND when this system
 * has no such API. */
tdshm_status tdshm_win_object_directory_list(void (*visit)(const char *name, const char *type,
							   void *ctx),
					     void *ctx, tdshm_error *err) TDSHM_MUST_CHECK;

/* The mapping handle behind a segment (win/shm.c), for win/shm_holders.c. */
struct tdshm_shm;
HANDLE tdshm_win_shm_mapping(const struct tdshm_shm *shm);
