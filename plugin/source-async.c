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

#include "tdshm-source.h"
#include "tdshm/platform.h"

/* The worker's bound on TD's data lock: short, so stopping is prompt. */
#define ASYNC_LOCK_TIMEOUT_MS 2
#define ASYNC_POLL_MS 2

struct tdshm_source_async {
	obs_source_t *owner;
	tdshm_source_status *status; /* shared with the owner (own mutex) */
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

static void tdshm_async_set_state(struct tdshm_source_async *a, enum tdshm_source_state state,
				  const char *detail)
{
	if (!tdshm_source_status_set(a->status, state, a->name, detail))
		return;
	char line[1024];
	tdshm_source_status_text(a->status, line, sizeof(line));
	tdshm_source_log(LOG_INFO, a->owner, "(async) %s", line);
}

/* Copies the image into frame as 8-bit RGBA/BGRA with straight alpha, the
 * way OBS draws async frames. */
static void tdshm_async_fill(struct tdshm_source_async *a, const uint8_t *segment,
			     const tdshm_top_image *image, struct obs_source_frame *frame,
			     bool direct)
{
	const uint8_t *pixels = segment + image->data_offset;
	for (uint32_t y = 0; y < image->height; y++) {
		uint32_t from = a->flip ? image->height - 1 - y : y;
		const uint8_t *src = pixels + (size_t)from * image->row_bytes;
		uint8_t *dst = frame->data[0] + (size_t)y * frame->linesize[0];
		if (direct) {
			memcpy(dst, src, image->row_bytes);
		} else {
			for (uint32_t x = 0; x < image->width; x++) {
				float rgba[4];
				tdshm_pixel_to_rgba_f32(
				    image->format, src + (size_t)x * image->format->bytes_per_pixel,
				    rgba);
				for (int c = 0; c < 4; c++) {
					float v = rgba[c] < 0 ? 0 : rgba[c] > 1 ? 1 : rgba[c];
					dst[x * 4 + c] = (uint8_t)(v * 255.0f + 0.5f);
				}
			}
		}
		/* Alpha: OBS wants straight; TD's default is premultiplied. */
		for (uint32_t x = 0; x < image->width; x++) {
			uint8_t *p = dst + (size_t)x * 4;
			if (a->opaque) {
				p[3] = 255;
			} else if (!a->straight_alpha && p[3] != 255 && p[3] != 0) {
				for (int c = 0; c < 3; c++) {
					unsigned v = (p[c] * 255u + p[3] / 2) / p[3];
					p[c] = (uint8_t)(v > 255 ? 255 : v);
				}
			}
		}
	}
}

static void *tdshm_async_thread(void *data)
{
	struct tdshm_source_async *a = data;
	os_set_thread_name("tdshm-in-async");
	tdshm_receiver *receiver = NULL;
	tdshm_error err;
	if (tdshm_receiver_create(a->name, NULL, &receiver, &err) != TDSHM_OK) {
		tdshm_async_set_state(a, TDSHM_SOURCE_ERROR, err.message);
		return NULL;
	}
	struct obs_video_info ovi;
	uint64_t frame_ns = 16666667;
	if (obs_get_video_info(&ovi) && ovi.fps_num)
		frame_ns = 1000000000ULL * ovi.fps_den / ovi.fps_num;

	struct obs_source_frame *frame = NULL;
	uint64_t frames = 0, last_serial = 0, last_output_ns = 0;
	bool have_serial = false;
	uint64_t hidden_since = 0;
	while (os_event_try(a->stop) == EAGAIN) {
		/* As in sync mode: nothing copied while hidden; after a while no
		 * handles held either (docs/protocol.md §5). */
		if (!obs_source_showing(a->owner)) {
			uint64_t now_ms = tdshm_clock_ms();
			if (!hidden_since)
				hidden_since = now_ms;
			if (now_ms - hidden_since >= 1000 && tdshm_receiver_connected(receiver)) {
				tdshm_receiver_disconnect(receiver);
				have_serial = false;
				tdshm_async_set_state(a, TDSHM_SOURCE_HIDDEN, NULL);
			}
			os_sleep_ms(10);
			continue;
		}
		hidden_since = 0;
		const uint8_t *bytes;
		size_t size;
		tdshm_status st =
		    tdshm_receiver_begin_read(receiver, ASYNC_LOCK_TIMEOUT_MS, &bytes, &size, &err);
		if (st == TDSHM_NOT_FOUND) {
			tdshm_async_set_state(a, TDSHM_SOURCE_WAITING, NULL);
		} else if (st == TDSHM_GONE) {
			have_serial = false;
			tdshm_async_set_state(a, TDSHM_SOURCE_STOPPED, NULL);
		} else if (st == TDSHM_REFUSED || (st != TDSHM_OK && st != TDSHM_TIMED_OUT)) {
			tdshm_async_set_state(
			    a, st == TDSHM_REFUSED ? TDSHM_SOURCE_REFUSED : TDSHM_SOURCE_ERROR,
			    err.message);
		}
		if (st != TDSHM_OK) {
			os_sleep_ms(ASYNC_POLL_MS);
			continue;
		}
		tdshm_top_image image;
		tdshm_error parse_err;
		if (tdshm_top_parse(bytes, size, &image, &parse_err) != TDSHM_OK) {
			tdshm_receiver_end_read(receiver);
			tdshm_async_set_state(a, TDSHM_SOURCE_REFUSED, parse_err.message);
			os_sleep_ms(ASYNC_POLL_MS);
			continue;
		}
		uint64_t serial = 0, now = os_gettime_ns();
		bool has_serial = tdshm_receiver_frame_serial(receiver, &serial);
		/* New frame: a new serial, or (TD's own senders have none) one
		 * OBS frame since the last copy. */
		bool fresh = has_serial ? (!have_serial || serial != last_serial)
					: now - last_output_ns >= frame_ns;
		if (fresh) {
			const uint32_t v = image.format->value;
			bool bgra = v == TDSHM_FMT_B8G8R8A8_UNORM || v == TDSHM_FMT_B8G8R8A8_SRGB;
			bool rgba = v == TDSHM_FMT_R8G8B8A8_UNORM || v == TDSHM_FMT_R8G8B8A8_SRGB;
			enum video_format format = bgra ? VIDEO_FORMAT_BGRA : VIDEO_FORMAT_RGBA;
			if (!frame || frame->width != image.width ||
			    frame->height != image.height || frame->format != format) {
				obs_source_frame_destroy(frame);
				frame = obs_source_frame_create(format, image.width, image.height);
			}
			tdshm_async_fill(a, bytes, &image, frame, bgra || rgba);
		}
		tdshm_receiver_end_read(receiver);
		if (fresh && frame) {
			frame->timestamp = now;
			frame->full_range = true;
			obs_source_output_video(a->frames, frame);
			last_output_ns = now;
			last_serial = serial;
			have_serial = has_serial;
			frames++;
			tdshm_source_status_set_image(a->status, image.width, image.height,
						      image.format->name, frames);
			tdshm_async_set_state(a, TDSHM_SOURCE_CONNECTED, NULL);
		}
		os_sleep_ms(ASYNC_POLL_MS);
	}
	obs_source_frame_destroy(frame);
	tdshm_receiver_destroy(receiver);
	return NULL;
}

tdshm_source_async *tdshm_source_async_start(obs_source_t *owner, tdshm_source_status *status,
					     const char *user_name, bool flip, bool straight_alpha,
					     bool opaque)
{
	struct tdshm_source_async *a = bzalloc(sizeof(*a));
	a->owner = owner;
	a->status = status;
	a->name = bstrdup(user_name);
	a->flip = flip;
	a->straight_alpha = straight_alpha;
	a->opaque = opaque;
	a->frames = obs_source_create_private("tdshm_top_frames", "tdshm-in frames", NULL);
	if (!a->frames || os_event_init(&a->stop, OS_EVENT_TYPE_MANUAL) != 0) {
		tdshm_source_status_set(status, TDSHM_SOURCE_ERROR, user_name,
					"cannot start the async reader");
		tdshm_source_async_stop(a);
		return NULL;
	}
	a->thread_started = pthread_create(&a->thread, NULL, tdshm_async_thread, a) == 0;
	if (!a->thread_started) {
		tdshm_source_status_set(status, TDSHM_SOURCE_ERROR, user_name,
					"cannot start the async reader thread");
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
