/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Telling a new CHOP block (docs/protocol.md §4) from a re-read of the old
 * one: TouchDesigner writes one block per cook and nothing says which block
 * is which (docs/protocol.md §5: no frame counter).
 *
 * Plain logic on memory (no shared memory, no threads, no clock of its
 * own): callers pass the segment bytes and the time, so it runs in unit
 * tests exactly as in OBS. Not thread-safe: one owner thread per object. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A hash of what a listener would hear: channel count, length, sample rate
 * and every sample's bytes (not the names: renaming a channel is not new
 * audio). */
uint64_t tdshm_chop_block_hash(const uint8_t *segment, const tdshm_chop_block *block);

typedef struct tdshm_chop_detector {
	bool have_last;
	bool last_had_serial;
	uint64_t last_serial;
	uint64_t last_hash;
	uint64_t repeats; /* reads that found the block already taken */
	/* Blocks a serial-publishing sender wrote that were overwritten before
	 * they could be read (the serial moved by more than one). TD's own
	 * senders publish no serial: there, such losses cannot be seen. */
	uint64_t missed;
} tdshm_chop_detector;

void tdshm_chop_detector_reset(tdshm_chop_detector *detector);
/* Whether a read is a block not taken yet; remembers it when it is. With a
 * frame serial (this project's senders) a changed serial means a new block,
 * even when the samples repeat exactly. Without one (TouchDesigner's own
 * senders) a changed hash does: a block identical to the previous one is
 * taken for a re-read, which is what a paused TouchDesigner looks like. */
bool tdshm_chop_detector_is_new(tdshm_chop_detector *detector, bool has_serial, uint64_t serial,
				uint64_t hash);

#ifdef __cplusplus
}
#endif
