/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one frame costs the video source, for tests/obs/obs_bench_source.c
 * (the "get_timing"/"set_timing" procs of tdshm-source.c). Collected only
 * while enabled: off, it costs one atomic load per frame. */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

/* One frame, ns. Sync path: lock = TD's data lock + header, map/unmap = the
 * driver's upload buffer (unmap is the texture update), copy = into the
 * mapped buffer, render = the whole video_render (lock to draw). Async path:
 * copy = the pass into our frame, unmap = obs_source_output_video. */
typedef struct tdshm_source_frame_time {
	uint64_t lock_ns, map_ns, copy_ns, unmap_ns, unlock_ns, render_ns;
} tdshm_source_frame_time;

typedef struct tdshm_source_timing {
	volatile long enabled; /* atomic: the set_timing proc */
	pthread_mutex_t mutex; /* the sums: the reading thread adds, the proc reads */
	uint64_t frames;
	tdshm_source_frame_time sum;
} tdshm_source_timing;

static inline uint64_t tdshm_timing_now(const tdshm_source_frame_time *ft)
{
	return ft ? os_gettime_ns() : 0;
}

static inline void tdshm_source_timing_add(tdshm_source_timing *t,
					   const tdshm_source_frame_time *ft)
{
	pthread_mutex_lock(&t->mutex);
	t->frames++;
	t->sum.lock_ns += ft->lock_ns;
	t->sum.map_ns += ft->map_ns;
	t->sum.copy_ns += ft->copy_ns;
	t->sum.unmap_ns += ft->unmap_ns;
	t->sum.unlock_ns += ft->unlock_ns;
	t->sum.render_ns += ft->render_ns;
	pthread_mutex_unlock(&t->mutex);
}
