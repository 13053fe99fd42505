/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test sources the harness registers (see obs_harness.h), and the video
 * setup every harness program uses, here and on Windows (obs_win_probe). */
#pragma once

void harness_register_test_sources(void);

#include <stdint.h>

/* obs_reset_video with graphics_module at width x height (base = output)
 * and fps_num/fps_den, as every test here runs OBS: BGRA output, which
 * delivers real pixels with libobs-opengl (RGBA gave zeros), sRGB, full
 * range, point scaling. Its OBS_VIDEO_* result. */
int harness_reset_video(const char *graphics_module, uint32_t width, uint32_t height,
			uint32_t fps_num, uint32_t fps_den);

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
