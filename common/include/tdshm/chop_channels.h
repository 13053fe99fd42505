/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHOP channel names as a receiver keeps them (docs/protocol.md §4), the
 * user's channel picker resolved against them, and the names a sender
 * gives OBS's channels.
 *
 * Plain logic on memory (no shared memory, no threads, no clock of its
 * own): callers pass the segment bytes and the time, so it runs in unit
 * tests exactly as in OBS. Not thread-safe: one owner thread per object. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chop.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most channels OBS can carry (7.1). */
#define TDSHM_CHOP_OUTPUT_MAX_CHANNELS 8
/* A picked channel that is not in the CHOP: played as silence. */
#define TDSHM_CHOP_CHANNEL_NONE UINT32_MAX

/* The channel names in force: the sender's when it sends them, the previous
 * ones when a block comes without names and the count is unchanged
 * (docs/protocol.md §4), else chan1, chan2, ... */
typedef struct tdshm_chop_names {
	uint32_t count;
	bool from_sender;
	char *text; /* count NUL-terminated names back to back */
	size_t text_size;
	const char **names; /* count pointers into text */
} tdshm_chop_names;

void tdshm_chop_names_init(tdshm_chop_names *names);
void tdshm_chop_names_free(tdshm_chop_names *names);
/* Brings names up to date with a parsed block; *changed tells whether any
 * name or the count changed. SYSTEM_ERROR only when out of memory. */
tdshm_status tdshm_chop_names_update(tdshm_chop_names *names, const uint8_t *segment,
				     const tdshm_chop_block *block, bool *changed,
				     tdshm_error *err) TDSHM_MUST_CHECK;

/* Which CHOP channel feeds each output channel. */
typedef struct tdshm_chop_channel_map {
	/* Output channels, always a count OBS has a speaker layout for:
	 * 1, 2, 3, 4, 5, 6 or 8 (a picked 7 gets a silent 8th). 0 when the
	 * CHOP has no channels. */
	uint32_t count;
	uint32_t source[TDSHM_CHOP_OUTPUT_MAX_CHANNELS]; /* or TDSHM_CHOP_CHANNEL_NONE */
	uint32_t picked;        /* channels picked (before padding to a layout) */
	uint32_t ignored;       /* channels or picker entries left out past 8 */
	uint32_t missing;       /* picker entries that matched no channel */
	char missing_list[128]; /* those entries, comma-separated, for the status line */
} tdshm_chop_channel_map;

/* Resolves the user's picker against the current names.
 * picker: empty or NULL = the first channels in order (up to 8); otherwise a
 * comma-separated list of entries, each a channel name (exact, then
 * case-insensitive) or a 1-based channel number: "left,right", "2,1",
 * "chan1, 3". Entries that match nothing become silent channels so the
 * layout the user chose stays put, and are listed in missing_list. */
void tdshm_chop_channel_map_resolve(const char *picker, const tdshm_chop_names *names,
				    tdshm_chop_channel_map *out);

/* Names a sender writes for channels of audio: "chan1".. (style NUMBERED,
 * TouchDesigner's own convention) or speaker names (style SPEAKERS: "left",
 * "right" for stereo, OBS's channel order for surround, "mono" for one). */
typedef enum tdshm_chop_name_style {
	TDSHM_CHOP_NAMES_NUMBERED,
	TDSHM_CHOP_NAMES_SPEAKERS,
} tdshm_chop_name_style;
/* Writes channel i's name into out. */
void tdshm_chop_output_name(tdshm_chop_name_style style, uint32_t channels, uint32_t index,
			    char *out, size_t cap);

#ifdef __cplusplus
}
#endif
