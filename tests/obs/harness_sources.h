/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test sources the harness registers (see obs_harness.h). */
#pragma once

void harness_register_test_sources(void);

#include <stdint.h>

/* What "harness_timed_source" measured since the last reset: its child's
 * video_render calls and the gaps between the graphics thread's ticks. */
typedef struct harness_timing {
	uint64_t renders;
	uint64_t total_render_ns;
	uint64_t longest_render_ns;
	uint64_t longest_tick_gap_ns;
} harness_timing;

void harness_timing_reset(void);
void harness_timing_get(harness_timing *out);
