/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm list`: every sender on this machine, found through its info segment
 * ("TouchSHMTouchSHM" + name + "4jhd783h", docs/protocol.md §1), with what its
 * data segment holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/top.h"
#include "tool.h"

#define LIST_MAX 1024

typedef struct list_names {
	char *names[LIST_MAX];
	size_t count;
	bool truncated;
} list_names;

/* Only collects: nothing else happens while the platform enumerates. */
static void list_visit(const char *full_name, void *ctx)
{
	list_names *list = ctx;
	char user[TDSHM_FULL_NAME_CAP];
	if (!tdshm_name_user_from_info(full_name, user, sizeof(user)))
		return;
	if (list->count == LIST_MAX) {
		list->truncated = true;
		return;
	}
	size_t len = strlen(user) + 1;
	char *copy = malloc(len);
	if (copy) {
		memcpy(copy, user, len);
		list->names[list->count++] = copy;
	}
}

/* "top 640x360 bgra8 (current v1)", "chop 2 ch x 800 @ 48000 Hz", or why not.
 * false when the sender is gone by now (it closed after the enumeration, or
 * only a stale name-directory entry was left): not listed. */
static bool list_describe(const char *user_name, char *out, size_t cap)
{
	char info_name[TDSHM_FULL_NAME_CAP], data_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_shm *info_shm = NULL, *data = NULL;
	tdshm_info info;
	if (tdshm_name_info(user_name, info_name, sizeof(info_name), &err) != TDSHM_OK)
		return false;
	tdshm_status status = tdshm_shm_open(info_name, &info_shm, &err);
	if (status == TDSHM_NOT_FOUND)
		return false;
	if (status != TDSHM_OK ||
	    tdshm_info_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm),
			    tdshm_info_native_layout(), &info, &err) != TDSHM_OK) {
		snprintf(out, cap, "info block unreadable: %s", err.message);
		if (info_shm)
			tdshm_shm_close(info_shm);
		return true;
	}
	tdshm_info_ext ext;
	bool dead =
	    tdshm_info_ext_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm), &ext) &&
	    !tdshm_process_alive(ext.pid);
	tdshm_shm_close(info_shm);
	if (dead) {
		snprintf(out, cap, "stale: its sender (pid %u) is not running", ext.pid);
		return true;
	}
	if (info.detach) {
		snprintf(out, cap, "closed (detach set)");
		return true;
	}
	if (tdshm_name_data(user_name, info.postfix, data_name, sizeof(data_name), &err) !=
		TDSHM_OK ||
	    tdshm_shm_open(data_name, &data, &err) != TDSHM_OK) {
		snprintf(out, cap, "no data segment: %s", err.message);
		return true;
	}
	/* Read without the lock: a torn header only gives a wrong line here. */
	const uint8_t *bytes = tdshm_shm_bytes(data);
	size_t size = tdshm_shm_size(data);
	tdshm_top_image img;
	tdshm_chop_block block;
	if (tdshm_top_parse(bytes, size, &img, NULL) == TDSHM_OK)
		snprintf(
		    out, cap, "top  %ux%u %s (%s v%d)", img.width, img.height, img.format->name,
		    img.kind == TDSHM_TOP_HEADER_LEGACY ? "legacy" : "current", (int)img.version);
	else if (tdshm_chop_parse(bytes, size, &block, NULL) == TDSHM_OK)
		snprintf(out, cap, "chop %u ch x %u samples @ %g Hz", block.channels, block.length,
			 (double)block.sample_rate);
	else
		snprintf(out, cap, "data segment %s holds no valid header yet", data_name);
	tdshm_shm_close(data);
	return true;
}

int tool_cmd_list(int argc, char **argv)
{
	tool_args args;
	tool_args_init(&args, "list", argc, argv);
	const char *word;
	if (tool_args_next(&args, &word))
		return tool_usage_error(&args, "takes no arguments, got '%s'", word);
	list_names list;
	memset(&list, 0, sizeof(list));
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_shm_list(TDSHM_PREFIX TDSHM_PREFIX, list_visit, &list, &err);
	if (status == TDSHM_NOT_FOUND) {
		printf("this system cannot enumerate shared memory (Windows has no way to list "
		       "named file mappings): use 'tdshm info NAME' with a name you know\n");
		return TOOL_EXIT_OK;
	}
	if (status != TDSHM_OK)
		return tool_report_error("list", "cannot enumerate shared memory", &err);
	size_t shown = 0;
	for (size_t i = 0; i < list.count; i++) {
		char description[TDSHM_ERROR_MESSAGE_MAX + 300];
		if (list_describe(list.names[i], description, sizeof(description))) {
			printf("%-32s %s\n", list.names[i], description);
			shown++;
		}
		free(list.names[i]);
	}
	if (shown == 0)
		printf("no senders found\n");
	if (list.truncated)
		printf("(only the first %d are shown)\n", LIST_MAX);
	return TOOL_EXIT_OK;
}
