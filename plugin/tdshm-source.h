/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the video source's files (tdshm-source.c, source-async.c). */
#pragma once

#include <obs-module.h>

#include "dialog-status.h"
#include "source-status.h"
#include "tdshm/receiver.h"
#include "tdshm/top.h"

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

#define tdshm_source_log(level, source, format, ...)                                               \
	blog(level, "[tdshm-in: '%s'] " format, obs_source_get_name(source), ##__VA_ARGS__)

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
					     const char *user_name, bool flip, bool straight_alpha,
					     bool opaque);
void tdshm_source_async_stop(tdshm_source_async *async);
/* The private source whose frames are drawn (NULL before the first frame). */
obs_source_t *tdshm_source_async_output(tdshm_source_async *async);

/* The private async source type the worker feeds (registered by the module). */
extern struct obs_source_info tdshm_top_frames;
