/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the video source shares with its reading threads (the sync worker,
 * the async thread) and the UI thread's size query: atomics only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <util/threading.h>

#include "source-settings.h"

typedef struct tdshm_source_shared {
	volatile long width, height;  /* what get_width/get_height report */
	volatile long shown;          /* set by .show / .hide */
	volatile long on_stop;        /* enum tdshm_on_stop, set by update */
	volatile long clear_after_ms; /* set by update */
} tdshm_source_shared;

/* Whether the picture must be cleared now: stopped_for_ms as
 * tdshm_source_status_stopped_for_ms gives it (-1: not stopped). */
static inline bool tdshm_source_should_clear(const tdshm_source_shared *shared,
					     int64_t stopped_for_ms)
{
	if (stopped_for_ms < 0)
		return false;
	long on_stop = os_atomic_load_long(&shared->on_stop);
	return on_stop == ON_STOP_MODE_CLEAR ||
	       (on_stop == ON_STOP_MODE_CLEAR_AFTER &&
		stopped_for_ms >= os_atomic_load_long(&shared->clear_after_ms));
}
