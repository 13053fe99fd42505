/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's async mode: a worker thread reads TD's segment and
 * outputs each new frame, timestamped, through obs_source_output_video into a
 * private async source that the visible source draws. Slower than the
 * synchronous path (one more copy, and OBS's own upload), but frames then go
 * through OBS's async frame queue, as users of other shared-memory plugins
 * asked for. */
#include <obs-module.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

#include "source-async.h"
#include "tdshm/pixel_convert.h"
#include "tdshm/platform.h"
#include "tdshm/top_reader.h"

/* The worker's bound on TD's data lock: short, so stopping is prompt. */
#define ASYNC_LOCK_TIMEOUT_MS 2
#define ASYNC_POLL_MS 2
#define ASYNC_HIDDEN_POLL_MS 10
#define ASYNC_LOG_PREFIX "(async) "

/* Set by start before the thread runs, then read-only; frames is released
 * by stop after the thread has ended. */
struct tdshm_source_async {
	obs_source_t *owner;
	tdshm_source_status *status; /* the owner's (own mutex) */
	tdshm_source_shared *shared; /* the owner's (atomics) */
	tdshm_source_timing *timing; /* the owner's (own mutex) */
	obs_source_t *frames;        /* the private async source */
	char *name;
	bool flip, straight_alpha, opaque;
	os_event_t *stop;
	pthread_t thread;
	bool thread_started;
};

/* ---- the private async source: holds frames, draws nothing itself ------- */

static const char *tdshm_frames_get_name(void *unused)
{
	UNUSED_PARAMETER(unused);
	return "TouchDesigner frames (internal)";
}

static void *tdshm_frames_create(obs_data_t *settings, obs_source_t *source)
{
	UNUSED_PARAMETER(settings);
	return source;
}

static void tdshm_frames_destroy(void *data)
{
	UNUSED_PARAMETER(data);
}

struct obs_source_info tdshm_top_frames = {
    .id = "tdshm_top_frames",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_ASYNC_VIDEO | OBS_SOURCE_CAP_DISABLED,
    .get_name = tdshm_frames_get_name,
    .create = tdshm_frames_create,
    .destroy = tdshm_frames_destroy,
};

/* ---- worker ------------------------------------------------------------- */

static void tdshm_async_report(struct tdshm_source_async *a, const tdshm_top_reader_event *ev)
{
	tdshm_source_status_report(a->status, a->owner, a->name, ev, ASYNC_LOG_PREFIX);
}

/* Copies the image into frame as 8-bit RGBA/BGRA with straight alpha, the
 * way OBS draws async frames: one pass over TD's bytes, rows in TD's order
 * (the frame's flip turns them the right way up when it is drawn), so an
 * 8-bit frame is one streaming pass rather than a row-reversed copy
 * through the caches. direct: the format is frame's own. */
static void tdshm_async_fill(struct tdshm_source_async *a, const uint8_t *segment,
			     const tdshm_top_image *image, struct obs_source_frame *frame,
			     bool direct)
{
	const uint8_t *pixels = segment + image->data_offset;
	frame->flip = a->flip;
	if (direct && a->straight_alpha && !a->opaque && frame->linesize[0] == image->row_bytes) {
		tdshm_copy_streaming(frame->data[0], pixels,
				     (size_t)image->row_bytes * image->height);
		return;
	}
	for (uint32_t y = 0; y < image->height; y++) {
		const uint8_t *src = pixels + (size_t)y * image->row_bytes;
		uint8_t *dst = frame->data[0] + (size_t)y * frame->linesize[0];
		/* Alpha: OBS wants straight; TD's default is premultiplied. */
		if (direct && a->opaque) {
			tdshm_copy_row8_opaque(src, dst, image->width);
		} else if (direct && !a->straight_alpha) {
			tdshm_copy_row8_unpremultiply(src, dst, image->width);
		} else if (direct) {
			tdshm_copy_streaming(dst, src, image->row_bytes);
		} else {
			/* the core's converter: NaN and out-of-range floats clamp */
			tdshm_convert_row_to_rgba8(image->format, src, dst, image->width);
			if (a->opaque)
				tdshm_make_opaque_row8(dst, image->width);
			else if (!a->straight_alpha)
				tdshm_unpremultiply_row_rgba8(dst, image->width);
		}
	}
}

/* Outputs a fresh frame; returns false when there was nothing to output. */
static bool tdshm_async_output(struct tdshm_source_async *a, tdshm_top_reader *reader,
			       const tdshm_top_read *read, struct obs_source_frame **frame)
{
	const tdshm_top_image *image = &read->image;
	const uint32_t v = image->format->value;
	bool bgra = v == TDSHM_FMT_B8G8R8A8_UNORM || v == TDSHM_FMT_B8G8R8A8_SRGB;
	bool rgba = v == TDSHM_FMT_R8G8B8A8_UNORM || v == TDSHM_FMT_R8G8B8A8_SRGB;
	enum video_format format = bgra ? VIDEO_FORMAT_BGRA : VIDEO_FORMAT_RGBA;
	if (!*frame || (*frame)->width != image->width || (*frame)->height != image->height ||
	    (*frame)->format != format) {
		obs_source_frame_destroy(*frame);
		*frame = obs_source_frame_create(format, image->width, image->height);
	}
	const bool timed = os_atomic_load_long(&a->timing->enabled) != 0;
	uint64_t t0 = timed ? os_gettime_ns() : 0;
	if (*frame)
		tdshm_async_fill(a, read->segment, image, *frame, bgra || rgba);
	uint64_t t1 = timed ? os_gettime_ns() : 0;
	uint64_t frames = tdshm_top_reader_end(reader, read, *frame != NULL);
	if (!*frame)
		return false;
	(*frame)->timestamp = os_gettime_ns();
	(*frame)->full_range = true;
	uint64_t t2 = timed ? os_gettime_ns() : 0;
	obs_source_output_video(a->frames, *frame);
	if (timed) {
		/* copy: our pass; unmap: OBS's own copy into its frame cache */
		tdshm_source_frame_time ft = {.copy_ns = t1 - t0, .unmap_ns = os_gettime_ns() - t2};
		ft.render_ns = ft.copy_ns + ft.unmap_ns;
		tdshm_source_timing_add(a->timing, &ft);
	}
	os_atomic_set_long(&a->shared->width, (long)image->width);
	os_atomic_set_long(&a->shared->height, (long)image->height);
	tdshm_source_status_set_image(a->status, image->width, image->height, image->format->name,
				      frames);
	return true;
}

static void *tdshm_async_thread(void *data)
{
	struct tdshm_source_async *a = data;
	os_set_thread_name("tdshm-in-async");
	tdshm_top_reader *reader = NULL;
	tdshm_error err;
	if (tdshm_top_reader_create(a->name, NULL, &reader, &err) != TDSHM_OK) {
		tdshm_source_status_report_state(a->status, a->owner, TDSHM_SOURCE_ERROR, a->name,
						 err.message, ASYNC_LOG_PREFIX);
		return NULL;
	}
	struct obs_video_info ovi;
	uint64_t frame_ns = 16666667;
	if (obs_get_video_info(&ovi) && ovi.fps_num)
		frame_ns = 1000000000ULL * ovi.fps_den / ovi.fps_num;

	struct obs_source_frame *frame = NULL;
	bool showing = false; /* a frame is out (not cleared) */
	while (os_event_try(a->stop) == EAGAIN) {
		tdshm_top_reader_event ev;
		/* As in sync mode: nothing copied while hidden; after a while no
		 * handles held either (docs/protocol.md §5). */
		if (!os_atomic_load_long(&a->shared->shown)) {
			tdshm_top_reader_hidden(reader, &ev);
			tdshm_async_report(a, &ev);
			os_sleep_ms(ASYNC_HIDDEN_POLL_MS);
			continue;
		}
		tdshm_top_read read;
		uint64_t now = os_gettime_ns();
		tdshm_status st = tdshm_top_reader_poll(reader, ASYNC_LOCK_TIMEOUT_MS, &read, &ev);
		if (st == TDSHM_OK) {
			if (read.is_new)
				showing = tdshm_async_output(a, reader, &read, &frame) || showing;
			else
				tdshm_top_reader_end(reader, &read, false);
		}
		tdshm_async_report(a, &ev);
		/* "When TouchDesigner stops", as in sync mode. */
		if (showing && tdshm_source_should_clear(
				   a->shared, tdshm_source_status_stopped_for_ms(a->status))) {
			obs_source_output_video(a->frames, NULL);
			os_atomic_set_long(&a->shared->width, 0);
			os_atomic_set_long(&a->shared->height, 0);
			showing = false;
		}
		/* Without a serial (TD's own senders) a new frame is a change of
		 * content, which costs a hash of the image: look once per OBS
		 * frame, not every poll. */
		uint64_t wait_ns = st == TDSHM_OK && !read.has_serial ? frame_ns : 0;
		uint64_t elapsed = os_gettime_ns() - now;
		os_sleep_ms(wait_ns > elapsed + ASYNC_POLL_MS * 1000000ULL
				? (uint32_t)((wait_ns - elapsed) / 1000000ULL)
				: ASYNC_POLL_MS);
	}
	obs_source_frame_destroy(frame);
	tdshm_top_reader_destroy(reader);
	return NULL;
}

tdshm_source_async *tdshm_source_async_start(obs_source_t *owner, tdshm_source_status *status,
					     tdshm_source_shared *shared,
					     tdshm_source_timing *timing, const char *user_name,
					     bool flip, bool straight_alpha, bool opaque)
{
	struct tdshm_source_async *a = bzalloc(sizeof(*a));
	a->owner = owner;
	a->status = status;
	a->shared = shared;
	a->timing = timing;
	a->name = bstrdup(user_name);
	a->flip = flip;
	a->straight_alpha = straight_alpha;
	a->opaque = opaque;
	a->frames = obs_source_create_private("tdshm_top_frames", "tdshm-in frames", NULL);
	if (!a->frames || os_event_init(&a->stop, OS_EVENT_TYPE_MANUAL) != 0) {
		tdshm_source_status_report_state(status, owner, TDSHM_SOURCE_ERROR, user_name,
						 "cannot start the async reader", ASYNC_LOG_PREFIX);
		tdshm_source_async_stop(a);
		return NULL;
	}
	a->thread_started = pthread_create(&a->thread, NULL, tdshm_async_thread, a) == 0;
	if (!a->thread_started) {
		tdshm_source_status_report_state(status, owner, TDSHM_SOURCE_ERROR, user_name,
						 "cannot start the async reader thread",
						 ASYNC_LOG_PREFIX);
		tdshm_source_async_stop(a);
		return NULL;
	}
	return a;
}

void tdshm_source_async_stop(tdshm_source_async *a)
{
	if (!a)
		return;
	if (a->thread_started) {
		os_event_signal(a->stop);
		pthread_join(a->thread, NULL);
	}
	os_event_destroy(a->stop);
	obs_source_release(a->frames);
	bfree(a->name);
	bfree(a);
}

obs_source_t *tdshm_source_async_output(tdshm_source_async *a)
{
	return a ? a->frames : NULL;
}
