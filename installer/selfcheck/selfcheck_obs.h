/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Headless libobs for the self-check: starts OBS on an X display with the
 * OpenGL renderer, loads ONE module from the paths given (the installed copy,
 * never the build tree), shows a source on output channel 0 and hands back
 * copies of the frames OBS renders. Test glue, not part of the plugin. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <tdshm/status.h>

typedef struct selfcheck_obs_config {
	uint32_t width, height; /* OBS base = output size */
	uint32_t fps;
	const char *module_path; /* the installed obs-tdshm.so */
	const char *data_path;   /* its installed data directory */
	const char *log_path;    /* libobs log goes here; NULL: warnings to stderr */
} selfcheck_obs_config;

/* One rendered frame, BGRA, tightly owned by the caller. */
typedef struct selfcheck_frame {
	uint8_t *bgra;
	uint32_t width, height, linesize;
	uint64_t index; /* 1 for the first frame OBS delivered */
} selfcheck_frame;

/* Needs DISPLAY (selfcheck.sh starts Xvfb when there is none). */
tdshm_status selfcheck_obs_start(const selfcheck_obs_config *config,
				 tdshm_error *err) TDSHM_MUST_CHECK;
/* Creates source `id` with settings_json and puts it on output channel 0. */
tdshm_status selfcheck_obs_show_source(const char *id, const char *settings_json,
				       tdshm_error *err) TDSHM_MUST_CHECK;
/* Copies the newest frame if it is newer than after_index: true, *out filled
 * (free it with selfcheck_frame_free). false when nothing new has arrived. */
bool selfcheck_obs_take_frame(uint64_t after_index, selfcheck_frame *out);
/* The shown source's own size (0x0 while it has nothing to show). */
void selfcheck_obs_source_size(uint32_t *width, uint32_t *height);
void selfcheck_frame_free(selfcheck_frame *frame);
void selfcheck_obs_stop(void);
