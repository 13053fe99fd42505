/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Channel names as a CHOP receiver keeps them, the user's channel picker, and
 * the names a sender gives OBS's channels. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop_channels.h"

void tdshm_chop_names_init(tdshm_chop_names *names)
{
	memset(names, 0, sizeof(*names));
}

void tdshm_chop_names_free(tdshm_chop_names *names)
{
	free(names->text);
	free((void *)names->names);
	tdshm_chop_names_init(names);
}

/* Most bytes of names copied out of a segment: every channel's longest
 * name and its NUL. A list that does not end inside it is cut short. */
#define NAMES_COPY_MAX ((size_t)TDSHM_CHOP_MAX_CHANNELS * (TDSHM_CHOP_NAME_MAX + 1))

/* Length of the name list (count names, NULs included) when all of them end
 * inside text; 0 when the list is cut short. text is private memory: a
 * sender rewriting its names cannot move a NUL between this scan and the
 * use of what it found. */
static size_t names_span(const char *text, size_t size, uint32_t count)
{
	size_t offset = 0;
	for (uint32_t c = 0; c < count; c++) {
		const char *nul = memchr(text + offset, '\0', size - offset);
		if (!nul)
			return 0;
		offset = (size_t)(nul - text) + 1;
	}
	return offset;
}

static tdshm_status names_rebuild(tdshm_chop_names *names, uint32_t count, const char *text,
				  size_t text_size, bool from_sender, tdshm_error *err)
{
	char *copy = malloc(text_size ? text_size : 1);
	const char **list = calloc(count ? count : 1, sizeof(*list));
	if (!copy || !list) {
		free(copy);
		free((void *)list);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory for %u channel names", count);
	}
	memcpy(copy, text, text_size);
	size_t offset = 0;
	for (uint32_t c = 0; c < count; c++) {
		list[c] = copy + offset;
		offset += strlen(copy + offset) + 1;
	}
	tdshm_chop_names_free(names);
	names->count = count;
	names->from_sender = from_sender;
	names->text = copy;
	names->text_size = text_size;
	names->names = list;
	return TDSHM_OK;
}

static tdshm_status names_numbered(tdshm_chop_names *names, uint32_t count, tdshm_error *err)
{
	/* "chan4096" and its NUL: at most 9 bytes each. */
	size_t cap = (size_t)count * 9 + 1;
	char *text = malloc(cap);
	if (!text)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory for %u channel names", count);
	size_t used = 0;
	for (uint32_t c = 0; c < count; c++)
		used += (size_t)snprintf(text + used, cap - used, "chan%u", c + 1) + 1;
	tdshm_status status = names_rebuild(names, count, text, used, false, err);
	free(text);
	return status;
}

/* The sender's names, read from shared memory once, into *copy (malloc'd,
 * caller frees); *span 0 when none are usable. */
static tdshm_status sender_names_copy(const uint8_t *segment, const tdshm_chop_block *block,
				      char **copy, size_t *span, tdshm_error *err)
{
	*copy = NULL;
	*span = 0;
	if (!block->names_sent || block->names_size == 0)
		return TDSHM_OK;
	size_t size = block->names_size < NAMES_COPY_MAX ? block->names_size : NAMES_COPY_MAX;
	*copy = malloc(size);
	if (!*copy)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory for %u channel names", block->channels);
	memcpy(*copy, segment + block->names_offset, size);
	*span = names_span(*copy, size, block->channels);
	return TDSHM_OK;
}

tdshm_status tdshm_chop_names_update(tdshm_chop_names *names, const uint8_t *segment,
				     const tdshm_chop_block *block, bool *changed, tdshm_error *err)
{
	*changed = false;
	char *text = NULL;
	size_t span = 0;
	tdshm_status status = sender_names_copy(segment, block, &text, &span, err);
	if (status != TDSHM_OK)
		return status;
	if (span > 0) {
		if (names->from_sender && names->count == block->channels &&
		    names->text_size == span && memcmp(names->text, text, span) == 0) {
			free(text);
			return TDSHM_OK;
		}
		*changed = true;
		status = names_rebuild(names, block->channels, text, span, true, err);
		free(text);
		return status;
	}
	free(text);
	/* No (usable) names this time: docs/protocol.md §4 keeps the ones we had. */
	if (names->names && names->count == block->channels)
		return TDSHM_OK;
	*changed = true;
	return names_numbered(names, block->channels, err);
}

static void trim(const char **start, const char **end)
{
	while (*start < *end && isspace((unsigned char)**start))
		(*start)++;
	while (*end > *start && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static bool equal_n(const char *name, const char *entry, size_t len, bool fold_case)
{
	if (strlen(name) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char a = (unsigned char)name[i], b = (unsigned char)entry[i];
		if (fold_case ? tolower(a) != tolower(b) : a != b)
			return false;
	}
	return true;
}

static uint32_t find_channel(const tdshm_chop_names *names, const char *entry, size_t len)
{
	for (int fold = 0; fold < 2; fold++)
		for (uint32_t c = 0; c < names->count; c++)
			if (equal_n(names->names[c], entry, len, fold != 0))
				return c;
	/* Not a name: a 1-based channel number? */
	if (len == 0 || len > 9)
		return TDSHM_CHOP_CHANNEL_NONE;
	uint32_t number = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)entry[i]))
			return TDSHM_CHOP_CHANNEL_NONE;
		number = number * 10 + (uint32_t)(entry[i] - '0');
	}
	if (number < 1 || number > names->count)
		return TDSHM_CHOP_CHANNEL_NONE;
	return number - 1;
}

static void note_missing(tdshm_chop_channel_map *out, const char *entry, size_t len)
{
	size_t used = strlen(out->missing_list);
	size_t room = sizeof(out->missing_list) - used;
	snprintf(out->missing_list + used, room, "%s%.*s", used ? ", " : "", (int)len, entry);
	out->missing++;
}

void tdshm_chop_channel_map_resolve(const char *picker, const tdshm_chop_names *names,
				    tdshm_chop_channel_map *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = picker ? picker : "";
	while (*p && isspace((unsigned char)*p))
		p++;

	if (*p == '\0') {
		uint32_t n = names->count;
		out->picked =
		    n < TDSHM_CHOP_OUTPUT_MAX_CHANNELS ? n : TDSHM_CHOP_OUTPUT_MAX_CHANNELS;
		out->ignored = n - out->picked;
		for (uint32_t c = 0; c < out->picked; c++)
			out->source[c] = c;
	} else {
		while (*p) {
			const char *comma = strchr(p, ',');
			const char *end = comma ? comma : p + strlen(p);
			const char *start = p;
			trim(&start, &end);
			p = comma ? comma + 1 : end;
			size_t len = (size_t)(end - start);
			if (len == 0)
				continue;
			if (out->picked == TDSHM_CHOP_OUTPUT_MAX_CHANNELS) {
				out->ignored++;
				continue;
			}
			uint32_t channel = find_channel(names, start, len);
			if (channel == TDSHM_CHOP_CHANNEL_NONE)
				note_missing(out, start, len);
			out->source[out->picked++] = channel;
		}
	}

	/* OBS has layouts for 1-6 and 8 channels: 7 plays as 7.1 with a
	 * silent 8th. */
	out->count = out->picked == 7 ? 8 : out->picked;
	for (uint32_t c = out->picked; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++)
		out->source[c] = TDSHM_CHOP_CHANNEL_NONE;
}

/* OBS's channel order for each layout (libobs's speaker_layout). */
static const char *const speaker_names[9][8] = {
    [1] = {"mono"},
    [2] = {"left", "right"},
    [3] = {"left", "right", "lfe"},
    [4] = {"left", "right", "center", "rear_center"},
    [5] = {"left", "right", "center", "lfe", "rear_center"},
    [6] = {"left", "right", "center", "lfe", "rear_left", "rear_right"},
    [8] = {"left", "right", "center", "lfe", "rear_left", "rear_right", "side_left", "side_right"},
};

void tdshm_chop_output_name(tdshm_chop_name_style style, uint32_t channels, uint32_t index,
			    char *out, size_t cap)
{
	const char *speaker = NULL;
	if (style == TDSHM_CHOP_NAMES_SPEAKERS && channels < 9 && index < 8)
		speaker = speaker_names[channels][index];
	if (speaker)
		snprintf(out, cap, "%s", speaker);
	else
		snprintf(out, cap, "chan%u", index + 1);
}
