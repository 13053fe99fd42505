/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the video source's files (tdshm-source.c, source-async.c). */
#pragma once

#include <obs-module.h>

#include "plugin-log.h"
#include "dialog-status.h"
#include "source-status.h"

/* Setting keys: users' saved scenes depend on them, keep them stable. */
#define SETTING_NAME "name"
#define SETTING_FLIP "flip"
#define SETTING_ALPHA "alpha"
#define SETTING_ON_STOP "on_stop"
#define SETTING_CLEAR_AFTER_MS "clear_after_ms"
#define SETTING_ASYNC "async"
/* UI-only helpers (not behaviour): the live-segment picker and status line. */
#define SETTING_PICK "pick"
#define SETTING_REFRESH "refresh"
#define SETTING_STATUS "status"

#define ALPHA_PREMULTIPLIED "premultiplied"
#define ALPHA_STRAIGHT "straight"
#define ALPHA_OPAQUE "opaque"
#define ON_STOP_KEEP "keep"
#define ON_STOP_CLEAR "clear"
#define ON_STOP_CLEAR_AFTER "clear_after"

enum tdshm_on_stop { ON_STOP_MODE_KEEP, ON_STOP_MODE_CLEAR, ON_STOP_MODE_CLEAR_AFTER };

/* What the source shares with its reading threads (worker, async), each
 * field read and written with os_atomic_* only. */
typedef struct tdshm_source_shared {
	volatile long width, height;  /* what get_width/get_height report */
	volatile long shown;          /* set by .show / .hide */
	volatile long on_stop;        /* enum tdshm_on_stop, set by update */
	volatile long clear_after_ms; /* set by update */
} tdshm_source_shared;

/* Whether the picture must be cleared now: stopped_for_ms as
 * tdshm_source_status_stopped_for_ms gives it (-1: not stopped). */
bool tdshm_source_should_clear(const tdshm_source_shared *shared, int64_t stopped_for_ms);

/* The properties dialog (source-properties.c); dialog may be NULL. Its
 * status row reads the status through tdshm_source_dialog_line (owner: the
 * tdshm_source_status), Refresh also re-lists the segments. */
obs_properties_t *tdshm_source_properties_create(tdshm_dialog_status *dialog);
void tdshm_source_dialog_line(void *owner, tdshm_dialog_status_line *line);
void tdshm_source_dialog_refresh(void *owner, obs_properties_t *props);

/* The async path (source-async.c): a worker thread that reads the segment
 * and hands frames to a private async source with timestamps. */
typedef struct tdshm_source_async tdshm_source_async;

tdshm_source_async *tdshm_source_async_start(obs_source_t *owner, tdshm_source_status *status,
					     tdshm_source_shared *shared, const char *user_name,
					     bool flip, bool straight_alpha, bool opaque);
void tdshm_source_async_stop(tdshm_source_async *async);
/* The private source whose frames are drawn. */
obs_source_t *tdshm_source_async_output(tdshm_source_async *async);

/* The private async source type the worker feeds (registered by the module). */
extern struct obs_source_info tdshm_top_frames;
