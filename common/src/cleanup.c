/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "tdshm/cleanup.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"

typedef tdshm_status (*cleanup_name_fn)(const char *user_name, char *out, size_t cap,
					tdshm_error *err);

/* Removes one object; counts it when it existed. */
static tdshm_status cleanup_remove(const char *full_name, int *removed, tdshm_error *err)
{
	tdshm_status status = tdshm_shm_remove(full_name, err);
	if (status == TDSHM_OK)
		(*removed)++;
	return status == TDSHM_NOT_FOUND ? TDSHM_OK : status;
}

/* Reads the last postfix and the owner from the info segment, if any. */
static tdshm_status cleanup_read_info(const char *info_name, int force, char *postfix,
				      size_t postfix_cap, tdshm_error *err)
{
	tdshm_shm *info = NULL;
	tdshm_status status = tdshm_shm_open(info_name, &info, err);
	if (status == TDSHM_NOT_FOUND)
		return TDSHM_OK;
	if (status != TDSHM_OK)
		return status;
	const uint8_t *bytes = tdshm_shm_bytes(info);
	size_t size = tdshm_shm_size(info);
	tdshm_info block;
	tdshm_info_ext ext;
	tdshm_error ignored;
	if (tdshm_info_read(bytes, size, tdshm_info_native_layout(), &block, &ignored) == TDSHM_OK)
		snprintf(postfix, postfix_cap, "%s", block.postfix);
	bool has_ext = tdshm_info_ext_read(bytes, size, &ext);
	tdshm_shm_close(info);
	if (has_ext && ext.pid != tdshm_process_id() && tdshm_process_alive(ext.pid))
		return tdshm_error_set(err, TDSHM_EXISTS,
				       "'%s' is in use by a running sender (pid %u): stop it first",
				       info_name, ext.pid);
	if (!has_ext && !force)
		return tdshm_error_set(
		    err, TDSHM_EXISTS,
		    "'%s' was written by TouchDesigner (or another program), which "
		    "may still be running: close it first, or force the removal",
		    info_name);
	return TDSHM_OK;
}

tdshm_status tdshm_name_remove_leftovers(const char *user_name, int force, tdshm_error *err)
{
	char name[TDSHM_FULL_NAME_CAP];
	char postfix[TDSHM_INFO_POSTFIX_CAP] = {0};
	tdshm_status status = tdshm_name_info(user_name, name, sizeof(name), err);
	if (status != TDSHM_OK)
		return status;
	status = cleanup_read_info(name, force, postfix, sizeof(postfix), err);
	if (status != TDSHM_OK)
		return status;

	int removed = 0;
	if (postfix[0]) {
		status = tdshm_name_data(user_name, postfix, name, sizeof(name), err);
		if (status == TDSHM_OK)
			status = cleanup_remove(name, &removed, err);
		if (status != TDSHM_OK)
			return status;
	}
	static const cleanup_name_fn namers[] = {tdshm_name_info, tdshm_name_info_lock,
						 tdshm_name_data_lock};
	status = tdshm_name_data(user_name, "", name, sizeof(name), err);
	if (status == TDSHM_OK)
		status = cleanup_remove(name, &removed, err);
	for (size_t i = 0; status == TDSHM_OK && i < sizeof(namers) / sizeof(namers[0]); i++) {
		status = namers[i](user_name, name, sizeof(name), err);
		if (status == TDSHM_OK)
			status = cleanup_remove(name, &removed, err);
	}
	if (status != TDSHM_OK)
		return status;
	if (removed == 0)
		return tdshm_error_set(err, TDSHM_NOT_FOUND, "nothing named '%s' was left",
				       user_name);
	return TDSHM_OK;
}
