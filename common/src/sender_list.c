/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Senders found through the platform's enumeration of info segments
 * ("TouchSHMTouchSHM" + name + "4jhd783h", docs/protocol.md §1), each
 * described from its info block and data header. Read without the locks: a
 * torn header only gives a wrong line, while waiting on a sender's lock from
 * a dialog would stall it (docs/protocol.md §2: hold each lock for the copy
 * and nothing else). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/info.h"
#include "tdshm/platform.h"
#include "tdshm/sender_list.h"
#include "tdshm/top.h"

typedef struct sender_list_names {
	char *names[TDSHM_SENDER_LIST_MAX];
	size_t count;
	bool truncated;
} sender_list_names;

/* Only collects: the platform is still enumerating. */
static void sender_list_visit(const char *full_name, void *ctx)
{
	sender_list_names *names = ctx;
	char user[TDSHM_FULL_NAME_CAP];
	if (!tdshm_name_user_from_info(full_name, user, sizeof(user)) ||
	    strlen(user) > TDSHM_USER_NAME_MAX)
		return;
	if (names->count == TDSHM_SENDER_LIST_MAX) {
		names->truncated = true;
		return;
	}
	size_t len = strlen(user) + 1;
	char *copy = malloc(len);
	if (copy) {
		memcpy(copy, user, len);
		names->names[names->count++] = copy;
	}
}

static void sender_list_why(tdshm_sender_entry *entry, tdshm_sender_state state, const char *fmt,
			    const char *arg)
{
	entry->state = state;
	snprintf(entry->why, sizeof(entry->why), fmt, arg);
}

/* Reads the data header of a live sender into entry; the segment is closed
 * before returning. */
static void sender_list_read_data(tdshm_sender_entry *entry, const char *postfix)
{
	char data_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_shm *data = NULL;
	if (tdshm_name_data(entry->name, postfix, data_name, sizeof(data_name), &err) != TDSHM_OK ||
	    tdshm_shm_open(data_name, &data, &err) != TDSHM_OK) {
		sender_list_why(entry, TDSHM_SENDER_NO_DATA, "no data segment: %s", err.message);
		return;
	}
	const uint8_t *bytes = tdshm_shm_bytes(data);
	size_t size = tdshm_shm_size(data);
	tdshm_top_image img;
	tdshm_chop_block block;
	if (tdshm_top_parse(bytes, size, &img, NULL) == TDSHM_OK) {
		entry->state = TDSHM_SENDER_LIVE;
		entry->kind = TDSHM_SENDER_TOP;
		entry->width = img.width;
		entry->height = img.height;
		entry->format = img.format;
		entry->legacy_header = img.kind == TDSHM_TOP_HEADER_LEGACY;
		entry->header_version = img.version;
	} else if (tdshm_chop_parse(bytes, size, &block, NULL) == TDSHM_OK) {
		entry->state = TDSHM_SENDER_LIVE;
		entry->kind = TDSHM_SENDER_CHOP;
		entry->channels = block.channels;
		entry->length = block.length;
		entry->sample_rate = block.sample_rate;
	} else {
		sender_list_why(entry, TDSHM_SENDER_NO_HEADER,
				"data segment %s holds no valid header yet", data_name);
	}
	tdshm_shm_close(data);
}

/* false when the sender is gone by now (it closed after the enumeration,
 * or only a stale name-directory entry was left): not listed. */
static bool sender_list_describe(tdshm_sender_entry *entry)
{
	char info_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_shm *info_shm = NULL;
	entry->kind = TDSHM_SENDER_UNKNOWN;
	if (tdshm_name_info(entry->name, info_name, sizeof(info_name), &err) != TDSHM_OK)
		return false;
	tdshm_status status = tdshm_shm_open(info_name, &info_shm, &err);
	if (status == TDSHM_NOT_FOUND)
		return false;
	tdshm_info info;
	if (status != TDSHM_OK ||
	    tdshm_info_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm),
			    tdshm_info_native_layout(), &info, &err) != TDSHM_OK) {
		sender_list_why(entry, TDSHM_SENDER_UNREADABLE, "info block unreadable: %s",
				err.message);
		tdshm_shm_close(info_shm);
		return true;
	}
	tdshm_info_ext ext;
	entry->has_pid =
	    tdshm_info_ext_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm), &ext);
	entry->pid = entry->has_pid ? ext.pid : 0;
	tdshm_shm_close(info_shm);
	if (entry->has_pid && !tdshm_process_alive(entry->pid)) {
		entry->state = TDSHM_SENDER_STALE;
		snprintf(entry->why, sizeof(entry->why),
			 "stale: its sender (pid %u) is not running", (unsigned)entry->pid);
	} else if (info.detach) {
		sender_list_why(entry, TDSHM_SENDER_CLOSED, "%s", "closed (detach set)");
	} else {
		sender_list_read_data(entry, info.postfix);
	}
	return true;
}

static int sender_list_compare(const void *a, const void *b)
{
	return strcmp(((const tdshm_sender_entry *)a)->name, ((const tdshm_sender_entry *)b)->name);
}

tdshm_status tdshm_sender_list_read(tdshm_sender_list *list, tdshm_error *err)
{
	memset(list, 0, sizeof(*list));
	sender_list_names *names = calloc(1, sizeof(*names));
	if (!names)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	tdshm_status status =
	    tdshm_shm_list(TDSHM_PREFIX TDSHM_PREFIX, sender_list_visit, names, err);
	if (status == TDSHM_OK && names->count > 0) {
		list->entries = calloc(names->count, sizeof(*list->entries));
		if (!list->entries)
			status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	}
	for (size_t i = 0; i < names->count; i++) {
		if (status == TDSHM_OK) {
			tdshm_sender_entry *entry = &list->entries[list->count];
			snprintf(entry->name, sizeof(entry->name), "%s", names->names[i]);
			if (sender_list_describe(entry))
				list->count++;
		}
		free(names->names[i]);
	}
	list->truncated = names->truncated;
	free(names);
	if (list->count > 1)
		qsort(list->entries, list->count, sizeof(*list->entries), sender_list_compare);
	return status;
}

void tdshm_sender_list_free(tdshm_sender_list *list)
{
	free(list->entries);
	memset(list, 0, sizeof(*list));
}

bool tdshm_sender_entry_is_own(const tdshm_sender_entry *entry)
{
	return entry->has_pid && entry->pid == tdshm_process_id();
}

bool tdshm_sender_entry_offered(const tdshm_sender_entry *entry, tdshm_sender_kind kind)
{
	return entry->state == TDSHM_SENDER_LIVE && entry->kind == kind &&
	       !tdshm_sender_entry_is_own(entry);
}

const tdshm_sender_entry *tdshm_sender_list_first_offered(const tdshm_sender_list *list,
							  tdshm_sender_kind kind)
{
	for (size_t i = 0; i < list->count; i++)
		if (tdshm_sender_entry_offered(&list->entries[i], kind))
			return &list->entries[i];
	return NULL;
}

void tdshm_sender_entry_summary(const tdshm_sender_entry *entry, char *out, size_t cap)
{
	if (entry->state != TDSHM_SENDER_LIVE)
		snprintf(out, cap, "%s", entry->why);
	else if (entry->kind == TDSHM_SENDER_TOP)
		snprintf(out, cap, "%ux%u %s", entry->width, entry->height,
			 entry->format ? entry->format->name : "?");
	else
		snprintf(out, cap, "%u ch x %u @ %g Hz", entry->channels, entry->length,
			 (double)entry->sample_rate);
}

void tdshm_sender_entry_describe(const tdshm_sender_entry *entry, char *out, size_t cap)
{
	if (entry->state != TDSHM_SENDER_LIVE)
		snprintf(out, cap, "%s", entry->why);
	else if (entry->kind == TDSHM_SENDER_TOP)
		snprintf(out, cap, "top  %ux%u %s (%s v%d)", entry->width, entry->height,
			 entry->format ? entry->format->name : "?",
			 entry->legacy_header ? "legacy" : "current", (int)entry->header_version);
	else
		snprintf(out, cap, "chop %u ch x %u samples @ %g Hz", entry->channels,
			 entry->length, (double)entry->sample_rate);
}
