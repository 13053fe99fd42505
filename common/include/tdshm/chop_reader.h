/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One read of a live CHOP segment (docs/protocol.md §4), done under the
 * data lock: validate the block, decide whether it is new (chop_detect.h),
 * follow names and the picker (chop_channels.h), and copy the picked
 * channels out, so the lock is held for the copy only.
 *
 * Plain logic on memory (no shared memory, no threads, no clock of its
 * own): callers pass the segment bytes and the time, so it runs in unit
 * tests exactly as in OBS. Not thread-safe: one owner thread per object. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chop_channels.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest block taken, in samples per channel (about 10 s at 192 kHz): a
 * longer one is refused rather than allocated. */
#define TDSHM_CHOP_READER_MAX_LENGTH (1u << 21)

typedef struct tdshm_chop_reader tdshm_chop_reader;

typedef struct tdshm_chop_take {
	bool is_new;         /* false: a re-read, nothing copied */
	bool layout_changed; /* output channel count or mapping changed */
	uint32_t frames;     /* samples per output channel */
	float sample_rate;
	const tdshm_chop_channel_map *map;
	const float *const *planes; /* map->count planes of frames samples */
} tdshm_chop_take;

/* picker: as tdshm_chop_channel_map_resolve takes it (NULL = in order).
 * SYSTEM_ERROR only when out of memory. */
tdshm_status tdshm_chop_reader_create(const char *picker, tdshm_chop_reader **out,
				      tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_chop_reader_destroy(tdshm_chop_reader *reader);
/* Forget the last block (a new sender must not be mistaken for the old);
 * the detector's counters are kept. */
void tdshm_chop_reader_forget(tdshm_chop_reader *reader);
/* REFUSED (with the parser's message) for a hostile or unusable block:
 * nothing is read outside segment[0..size). NOT_FOUND for a segment that is
 * all zero: created by its sender, no block written yet. */
tdshm_status tdshm_chop_reader_take(tdshm_chop_reader *reader, const uint8_t *segment, size_t size,
				    bool has_serial, uint64_t serial, tdshm_chop_take *take,
				    tdshm_error *err) TDSHM_MUST_CHECK;

/* What the last block taken held, for a status line: its channel count
 * (0 before the first), its sample rate, the channels picked from it and
 * the names in force. */
uint32_t tdshm_chop_reader_chop_channels(const tdshm_chop_reader *reader);
float tdshm_chop_reader_sample_rate(const tdshm_chop_reader *reader);
const tdshm_chop_channel_map *tdshm_chop_reader_map(const tdshm_chop_reader *reader);
const tdshm_chop_names *tdshm_chop_reader_names(const tdshm_chop_reader *reader);
/* Blocks a serial-publishing sender wrote that were overwritten before they
 * could be read, over the reader's whole life (chop_detect.h). */
uint64_t tdshm_chop_reader_missed(const tdshm_chop_reader *reader);

#ifdef __cplusplus
}
#endif
