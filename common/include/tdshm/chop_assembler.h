/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sending side of CHOP audio (docs/protocol.md §4): cuts a continuous
 * stream into blocks of a chosen length.
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

/* Cuts a continuous stream into consecutive blocks of `length` frames and
 * keeps the latest complete one. push never allocates: safe on OBS's audio
 * thread. */
typedef struct tdshm_chop_assembler tdshm_chop_assembler;

/* Block length for one video frame's worth of audio: rate * fps_den /
 * fps_num, rounded, at least 1. */
uint32_t tdshm_chop_frame_block_length(uint32_t rate, uint32_t fps_num, uint32_t fps_den);

tdshm_status tdshm_chop_assembler_create(uint32_t channels, uint32_t length,
					 tdshm_chop_assembler **out,
					 tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_chop_assembler_destroy(tdshm_chop_assembler *assembler);
uint32_t tdshm_chop_assembler_channels(const tdshm_chop_assembler *assembler);
/* Appends frames; returns how many blocks completed (only the latest of
 * them is kept: a receiver can only ever see the latest). */
uint32_t tdshm_chop_assembler_push(tdshm_chop_assembler *assembler, const float *const *planes,
				   uint32_t frames);
/* The latest complete block, planes[c][0..length-1]; NULL before the first. */
const float *const *tdshm_chop_assembler_block(const tdshm_chop_assembler *assembler);

#ifdef __cplusplus
}
#endif
