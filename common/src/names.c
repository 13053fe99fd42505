/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "tdshm/names.h"

tdshm_status tdshm_name_check(const char *user_name, tdshm_error *err)
{
	if (!user_name || !user_name[0])
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the Shared Mem Name is empty: type the name set on "
				       "TouchDesigner's Shared Mem operator");
	size_t len = strlen(user_name);
	if (len > TDSHM_USER_NAME_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the Shared Mem Name is %zu bytes long; at most %d are "
				       "supported: choose a shorter name in TouchDesigner",
				       len, TDSHM_USER_NAME_MAX);
	if (strpbrk(user_name, "/\\"))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the Shared Mem Name '%s' contains '/' or '\\', which "
				       "shared-memory names cannot hold",
				       user_name);
	return TDSHM_OK;
}

static tdshm_status tdshm_name_compose(const char *user_name, const char *before,
				       const char *after, char *out, size_t cap,
				       tdshm_error *err)
{
	tdshm_status status = tdshm_name_check(user_name, err);
	if (status != TDSHM_OK)
		return status;
	int n = snprintf(out, cap, "%s%s%s", before, user_name, after);
	if (n < 0 || (size_t)n >= cap)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the Shared Mem Name '%s' is too long for this buffer",
				       user_name);
	return TDSHM_OK;
}

tdshm_status tdshm_name_data(const char *user_name, const char *postfix, char *out, size_t cap,
			     tdshm_error *err)
{
	return tdshm_name_compose(user_name, TDSHM_PREFIX, postfix ? postfix : "", out, cap, err);
}

tdshm_status tdshm_name_data_lock(const char *user_name, char *out, size_t cap, tdshm_error *err)
{
	return tdshm_name_compose(user_name, TDSHM_PREFIX, TDSHM_LOCK_SUFFIX, out, cap, err);
}

tdshm_status tdshm_name_info(const char *user_name, char *out, size_t cap, tdshm_error *err)
{
	return tdshm_name_compose(user_name, TDSHM_PREFIX TDSHM_PREFIX, TDSHM_INFO_SUFFIX, out,
				  cap, err);
}

tdshm_status tdshm_name_info_lock(const char *user_name, char *out, size_t cap, tdshm_error *err)
{
	return tdshm_name_compose(user_name, TDSHM_PREFIX TDSHM_PREFIX,
				  TDSHM_INFO_SUFFIX TDSHM_LOCK_SUFFIX, out, cap, err);
}

int tdshm_name_user_from_info(const char *full_name, char *out, size_t cap)
{
	static const char head[] = TDSHM_PREFIX TDSHM_PREFIX;
	static const char tail[] = TDSHM_INFO_SUFFIX;
	size_t len = strlen(full_name), head_len = sizeof(head) - 1, tail_len = sizeof(tail) - 1;
	if (len <= head_len + tail_len || strncmp(full_name, head, head_len) != 0 ||
	    strcmp(full_name + len - tail_len, tail) != 0)
		return 0;
	size_t user_len = len - head_len - tail_len;
	if (user_len >= cap)
		return 0;
	memcpy(out, full_name + head_len, user_len);
	out[user_len] = '\0';
	return 1;
}
