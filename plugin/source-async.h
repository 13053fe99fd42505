/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's async mode (source-async.c): a worker thread that reads
 * the segment and hands frames to a private async source with timestamps. */
#pragma once

#include <obs-module.h>

#include "source-shared.h"
#include "source-status.h"
#include "source-timing.h"

typedef struct tdshm_source_async tdshm_source_async;

/* timing: the owner's (own mutex), filled while enabled. */
tdshm_source_async *tdshm_source_async_start(obs_source_t *owner, tdshm_source_status *status,
					     tdshm_source_shared *shared,
					     tdshm_source_timing *timing, const char *user_name,
					     bool flip, bool straight_alpha, bool opaque);
void tdshm_source_async_stop(tdshm_source_async *async);
/* The private source whose frames are drawn. */
obs_source_t *tdshm_source_async_output(tdshm_source_async *async);

/* The private async source type the worker feeds (registered by the module). */
extern struct obs_source_info tdshm_top_frames;
