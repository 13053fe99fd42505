/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names of the four objects behind one TouchDesigner Shared Mem Name
 * (docs/protocol.md §1). */
#pragma once

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDSHM_PREFIX "TouchSHM"
#define TDSHM_INFO_SUFFIX "4jhd783h"
#define TDSHM_LOCK_SUFFIX "Mutex"
/* A postfix is 31 characters 'a'..'z' followed by NUL. */
#define TDSHM_POSTFIX_LEN 31
/* Longest user-visible name accepted, in bytes of UTF-8. Keeps the longest
 * derived name (info lock, 29 + N) under Windows' 260-character object limit. */
#define TDSHM_USER_NAME_MAX 200
/* Room for any derived name, NUL included. */
#define TDSHM_FULL_NAME_CAP 256

/* Each checks the user name (non-empty, at most TDSHM_USER_NAME_MAX bytes, no
 * '/' or '\\') and writes the full object name into out. */
tdshm_status tdshm_name_check(const char *user_name, tdshm_error *err) TDSHM_MUST_CHECK;
tdshm_status tdshm_name_data(const char *user_name, const char *postfix, char *out, size_t cap,
			     tdshm_error *err) TDSHM_MUST_CHECK;
tdshm_status tdshm_name_data_lock(const char *user_name, char *out, size_t cap,
				  tdshm_error *err) TDSHM_MUST_CHECK;
tdshm_status tdshm_name_info(const char *user_name, char *out, size_t cap,
			     tdshm_error *err) TDSHM_MUST_CHECK;
tdshm_status tdshm_name_info_lock(const char *user_name, char *out, size_t cap,
				  tdshm_error *err) TDSHM_MUST_CHECK;

/* If full_name is a TD info segment name ("TouchSHMTouchSHM" + N + "4jhd783h"),
 * copies N into out and returns 1; else returns 0. Used by `tdshm list`. */
int tdshm_name_user_from_info(const char *full_name, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
