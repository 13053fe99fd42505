/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's synchronous reading: a worker thread
 * ("tdshm-in-connect") does everything that can wait longer than a frame
 * (connecting, re-opening TD's segments, following its info block, learning
 * the size); the render path only takes TD's data lock (at most
 * RENDER_LOCK_TIMEOUT_MS), copies into the picture and lets go. */
#pragma once

#include <obs-module.h>
#include <util/threading.h>

#include "source-picture.h"
#include "source-shared.h"
#include "source-status.h"
#include "source-timing.h"
#include "tdshm/top_reader.h"

/* The render path never waits longer than this on TD's data lock. */
#define RENDER_LOCK_TIMEOUT_MS 2

/* owner, status, shared: set by init, the owner's. The rest [GFX] (start,
 * stop, read run on the graphics thread) unless marked. */
typedef struct tdshm_source_sync {
	obs_source_t *owner;
	tdshm_source_status *status; /* own mutex */
	tdshm_source_shared *shared; /* atomics */
	char *name;                  /* set by start; the worker reads it while it runs */
	pthread_mutex_t reader_mutex;
	/* under reader_mutex (worker: refresh; render: try-lock, read); created
	 * and destroyed by start/stop with the worker stopped, so the graphics
	 * thread may test it unlocked */
	tdshm_top_reader *reader;
	os_event_t *worker_stop;
	pthread_t worker;
	bool worker_running;
} tdshm_source_sync;

bool tdshm_source_sync_init(tdshm_source_sync *sync, obs_source_t *owner,
			    tdshm_source_status *status, tdshm_source_shared *shared);
void tdshm_source_sync_free(tdshm_source_sync *sync);
/* Starts reading name (errors go to the status). */
void tdshm_source_sync_start(tdshm_source_sync *sync, const char *name);
/* Stops the worker and lets go of TD's segments. */
void tdshm_source_sync_stop(tdshm_source_sync *sync);
/* The render path's read: a new frame into pic. While the worker holds the
 * reader (it may be connecting) the last frame stays. ft: NULL, or where
 * this frame's times go; true when a frame was uploaded. */
bool tdshm_source_sync_read(tdshm_source_sync *sync, tdshm_source_picture *pic, bool flip,
			    tdshm_source_frame_time *ft);
