/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's synchronous reading (source-sync.h). */
#include "source-sync.h"

#include <util/platform.h>

/* How often the worker follows TD's info block (a resize is seen within
 * this) and looks for a missing sender (rate-limited by the receiver). */
#define WORKER_POLL_MS 4

static void tdshm_source_sync_report(tdshm_source_sync *sync, const tdshm_top_reader_event *ev)
{
	tdshm_source_status_report(sync->status, sync->owner, sync->name, ev, "");
}

/* Until there is a picture, render is not called for a 0x0 source: the
 * worker learns the size (reader held, data lock tried once). */
static void tdshm_source_sync_learn_size(tdshm_source_sync *sync, tdshm_top_reader_event *ev)
{
	tdshm_top_reader_event peek_ev;
	tdshm_top_read read;
	if (tdshm_top_reader_begin(sync->reader, 0, &read, &peek_ev) == TDSHM_OK) {
		os_atomic_set_long(&sync->shared->width, (long)read.image.width);
		os_atomic_set_long(&sync->shared->height, (long)read.image.height);
		uint64_t frames = tdshm_top_reader_end(sync->reader, &read, false);
		tdshm_source_status_set_image(sync->status, read.image.width, read.image.height,
					      read.image.format->name, frames);
	}
	if (peek_ev.changed)
		*ev = peek_ev;
}

static void *tdshm_source_sync_worker(void *data)
{
	tdshm_source_sync *sync = data;
	os_set_thread_name("tdshm-in-connect");
	do {
		tdshm_top_reader_event ev;
		pthread_mutex_lock(&sync->reader_mutex);
		if (!os_atomic_load_long(&sync->shared->shown)) {
			/* Not copying frames nobody sees; after a while, not even
			 * holding TD's segments open. */
			tdshm_top_reader_hidden(sync->reader, &ev);
		} else if (tdshm_top_reader_refresh(sync->reader, &ev) == TDSHM_OK &&
			   os_atomic_load_long(&sync->shared->width) == 0) {
			tdshm_source_sync_learn_size(sync, &ev);
		}
		pthread_mutex_unlock(&sync->reader_mutex);
		tdshm_source_sync_report(sync, &ev);
	} while (os_event_timedwait(sync->worker_stop, WORKER_POLL_MS) == ETIMEDOUT);
	return NULL;
}

bool tdshm_source_sync_init(tdshm_source_sync *sync, obs_source_t *owner,
			    tdshm_source_status *status, tdshm_source_shared *shared)
{
	memset(sync, 0, sizeof(*sync));
	sync->owner = owner;
	sync->status = status;
	sync->shared = shared;
	pthread_mutex_init(&sync->reader_mutex, NULL);
	return os_event_init(&sync->worker_stop, OS_EVENT_TYPE_MANUAL) == 0;
}

void tdshm_source_sync_free(tdshm_source_sync *sync)
{
	tdshm_source_sync_stop(sync);
	os_event_destroy(sync->worker_stop);
	pthread_mutex_destroy(&sync->reader_mutex);
}

void tdshm_source_sync_start(tdshm_source_sync *sync, const char *name)
{
	tdshm_source_sync_stop(sync);
	sync->name = bstrdup(name);
	tdshm_error err;
	tdshm_top_reader *reader = NULL;
	if (tdshm_top_reader_create(name, NULL, &reader, &err) != TDSHM_OK) {
		tdshm_source_status_report_state(sync->status, sync->owner, TDSHM_SOURCE_ERROR,
						 name, err.message, "");
		return;
	}
	/* The upload is the copy: a hash before it would read every frame of a
	 * TouchDesigner sender twice on the graphics thread. */
	tdshm_top_reader_set_content_check(reader, false);
	pthread_mutex_lock(&sync->reader_mutex);
	sync->reader = reader;
	pthread_mutex_unlock(&sync->reader_mutex);
	sync->worker_running =
	    pthread_create(&sync->worker, NULL, tdshm_source_sync_worker, sync) == 0;
	if (!sync->worker_running)
		tdshm_source_status_report_state(sync->status, sync->owner, TDSHM_SOURCE_ERROR,
						 name, "cannot start the reader thread", "");
}

void tdshm_source_sync_stop(tdshm_source_sync *sync)
{
	if (sync->worker_running) {
		os_event_signal(sync->worker_stop);
		pthread_join(sync->worker, NULL);
		os_event_reset(sync->worker_stop);
		sync->worker_running = false;
	}
	pthread_mutex_lock(&sync->reader_mutex);
	tdshm_top_reader_destroy(sync->reader);
	sync->reader = NULL;
	pthread_mutex_unlock(&sync->reader_mutex);
	bfree(sync->name);
	sync->name = NULL;
}

bool tdshm_source_sync_read(tdshm_source_sync *sync, tdshm_source_picture *pic, bool flip,
			    tdshm_source_frame_time *ft)
{
	if (!sync->reader || pthread_mutex_trylock(&sync->reader_mutex) != 0)
		return false;
	tdshm_top_read read;
	tdshm_top_reader_event ev;
	uint64_t t0 = tdshm_timing_now(ft);
	tdshm_status st = tdshm_top_reader_begin(sync->reader, RENDER_LOCK_TIMEOUT_MS, &read, &ev);
	if (st != TDSHM_OK) {
		pthread_mutex_unlock(&sync->reader_mutex);
		tdshm_source_sync_report(sync, &ev);
		return false;
	}
	uint64_t t1 = tdshm_timing_now(ft);
	tdshm_texture_plan plan;
	if (!tdshm_texture_plan_for(read.image.format, &plan)) {
		tdshm_top_reader_end(sync->reader, &read, false);
		pthread_mutex_unlock(&sync->reader_mutex);
		tdshm_source_status_report_state(sync->status, sync->owner, TDSHM_SOURCE_REFUSED,
						 sync->name, "pixel format not supported", "");
		return false;
	}
	const bool same_frame =
	    !read.is_new && pic->has_frame && tdshm_source_picture_fits(pic, &read.image, &plan);
	bool uploaded = false;
	const char *error = NULL;
	if (!same_frame)
		uploaded = tdshm_source_picture_upload(pic, sync->owner,
						       read.segment + read.image.data_offset,
						       &read.image, &plan, flip, ft, &error);
	uint64_t t2 = tdshm_timing_now(ft);
	uint64_t frames = tdshm_top_reader_end(sync->reader, &read, uploaded);
	pthread_mutex_unlock(&sync->reader_mutex);
	if (ft) {
		ft->lock_ns = t1 - t0;
		ft->unlock_ns = os_gettime_ns() - t2;
	}
	if (error)
		tdshm_source_status_report_state(sync->status, sync->owner, TDSHM_SOURCE_ERROR,
						 sync->name, error, "");

	os_atomic_set_long(&sync->shared->width, (long)read.image.width);
	os_atomic_set_long(&sync->shared->height, (long)read.image.height);
	tdshm_source_status_set_image(sync->status, read.image.width, read.image.height,
				      read.image.format->name, frames);
	tdshm_source_sync_report(sync, &ev);
	return uploaded;
}
