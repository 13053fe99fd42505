/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In": shows the image of a TD Shared Mem Out TOP.
 *
 * Threads (libobs 29): video_tick, the deferred update and video_render run
 * on the graphics thread one after another; get_width/get_height, the
 * properties and enum_active_sources may run on the UI thread. Everything
 * that can wait longer than a frame (connecting, re-opening TD's segments,
 * following its info block) runs on the source's own worker thread; the
 * render only takes TD's data lock (RENDER_LOCK_TIMEOUT_MS), copies and
 * draws. Owner of each field beside it:
 *   [GFX]     graphics thread only (update, tick, render)
 *   [READER]  under reader_mutex (worker: refresh; render: try-lock, read)
 *   [ASYNC]   written by update under async_mutex; the graphics thread
 *             reads it unlocked, other threads (enum) under the mutex
 *   [ATOMIC]  os_atomic_* (tdshm_source_shared)
 *   [STATUS]  the status's own mutex */
#include <obs-module.h>
#include <stdio.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

#include "source-status.h"
#include "tdshm-source.h"
#include "tdshm/platform.h"
#include "tdshm/top_reader.h"
#include "texture-format.h"

/* The render path never waits longer than this on TD's data lock. */
#define RENDER_LOCK_TIMEOUT_MS 2
/* How often the worker follows TD's info block (a resize is seen within
 * this) and looks for a missing sender (rate-limited by the receiver). */
#define WORKER_POLL_MS 4

enum tdshm_alpha_mode { ALPHA_MODE_PREMULTIPLIED, ALPHA_MODE_STRAIGHT, ALPHA_MODE_OPAQUE };

struct tdshm_source {
	obs_source_t *source;
	tdshm_source_status status;  /* [STATUS] */
	tdshm_source_shared shared;  /* [ATOMIC] */
	tdshm_dialog_status *dialog; /* set in create; thread-safe itself */

	/* effect and its parameters, kept from create [GFX] */
	gs_effect_t *effect;
	gs_eparam_t *param_image, *param_decode_srgb, *param_multiplier;

	/* settings [GFX]; the worker reads name only while it runs, and
	 * update changes it only with the worker stopped */
	char *name;
	bool flip;
	enum tdshm_alpha_mode alpha;
	bool async;

	/* the synchronous reader */
	pthread_mutex_t reader_mutex;
	/* [READER]; created and destroyed by update (graphics thread) with the
	 * worker stopped, so the graphics thread may test it unlocked */
	tdshm_top_reader *reader;
	os_event_t *worker_stop; /* [GFX] */
	pthread_t worker;        /* [GFX] */
	bool worker_running;     /* [GFX] */

	/* picture [GFX] */
	gs_texture_t *texture;
	uint32_t tex_width, tex_height;
	enum gs_color_format tex_format;
	bool tex_high_precision;
	bool has_frame; /* false: draw nothing (cleared or never received) */

	pthread_mutex_t async_mutex;
	tdshm_source_async *async_path; /* [ASYNC] while async is on */
};

/* ---- status ----------------------------------------------------------- */

static void tdshm_source_report(struct tdshm_source *s, const tdshm_top_reader_event *ev)
{
	tdshm_source_status_report(&s->status, s->source, s->name, ev, "");
}

static void tdshm_source_report_state(struct tdshm_source *s, enum tdshm_source_state state,
				      const char *detail)
{
	tdshm_source_status_report_state(&s->status, s->source, state, s->name, detail, "");
}

static void tdshm_source_clear(struct tdshm_source *s)
{
	s->has_frame = false;
	os_atomic_set_long(&s->shared.width, 0);
	os_atomic_set_long(&s->shared.height, 0);
}

bool tdshm_source_should_clear(const tdshm_source_shared *shared, int64_t stopped_for_ms)
{
	if (stopped_for_ms < 0)
		return false;
	long on_stop = os_atomic_load_long(&shared->on_stop);
	return on_stop == ON_STOP_MODE_CLEAR ||
	       (on_stop == ON_STOP_MODE_CLEAR_AFTER &&
		stopped_for_ms >= os_atomic_load_long(&shared->clear_after_ms));
}

/* ---- reading: the worker ------------------------------------------------ */

/* Until there is a picture, render is not called for a 0x0 source: the
 * worker learns the size (reader held, data lock tried once). */
static void tdshm_source_learn_size(struct tdshm_source *s, tdshm_top_reader_event *ev)
{
	tdshm_top_reader_event peek_ev;
	tdshm_top_read read;
	if (tdshm_top_reader_begin(s->reader, 0, &read, &peek_ev) == TDSHM_OK) {
		os_atomic_set_long(&s->shared.width, (long)read.image.width);
		os_atomic_set_long(&s->shared.height, (long)read.image.height);
		uint64_t frames = tdshm_top_reader_end(s->reader, &read, false);
		tdshm_source_status_set_image(&s->status, read.image.width, read.image.height,
					      read.image.format->name, frames);
	}
	if (peek_ev.changed)
		*ev = peek_ev;
}

static void *tdshm_source_worker(void *data)
{
	struct tdshm_source *s = data;
	os_set_thread_name("tdshm-in-connect");
	do {
		tdshm_top_reader_event ev;
		pthread_mutex_lock(&s->reader_mutex);
		if (!os_atomic_load_long(&s->shared.shown)) {
			/* Not copying frames nobody sees; after a while, not even
			 * holding TD's segments open. */
			tdshm_top_reader_hidden(s->reader, &ev);
		} else if (tdshm_top_reader_refresh(s->reader, &ev) == TDSHM_OK &&
			   os_atomic_load_long(&s->shared.width) == 0) {
			tdshm_source_learn_size(s, &ev);
		}
		pthread_mutex_unlock(&s->reader_mutex);
		tdshm_source_report(s, &ev);
	} while (os_event_timedwait(s->worker_stop, WORKER_POLL_MS) == ETIMEDOUT);
	return NULL;
}

static void tdshm_source_stop_worker(struct tdshm_source *s)
{
	if (!s->worker_running)
		return;
	os_event_signal(s->worker_stop);
	pthread_join(s->worker, NULL);
	os_event_reset(s->worker_stop);
	s->worker_running = false;
}

/* ---- reading: the render path ------------------------------------------ */

static bool tdshm_source_ensure_texture(struct tdshm_source *s, const tdshm_top_image *image,
					const tdshm_texture_plan *plan)
{
	if (s->texture && s->tex_width == image->width && s->tex_height == image->height &&
	    s->tex_format == plan->gs_format)
		return true;
	gs_texture_destroy(s->texture);
	s->texture =
	    gs_texture_create(image->width, image->height, plan->gs_format, 1, NULL, GS_DYNAMIC);
	if (!s->texture) {
		tdshm_source_report_state(s, TDSHM_SOURCE_ERROR,
					  "the graphics driver could not create the texture");
		return false;
	}
	s->tex_width = image->width;
	s->tex_height = image->height;
	s->tex_format = plan->gs_format;
	tdshm_log(LOG_INFO, s->source, "image %ux%u %s, texture %s%s", image->width, image->height,
		  image->format->name, tdshm_texture_format_name(plan->gs_format),
		  plan->convert ? " (converted while copying)" : "");
	return true;
}

/* Copies the image into the texture: one pass, straight from shared memory. */
static void tdshm_source_upload(struct tdshm_source *s, const uint8_t *segment,
				const tdshm_top_image *image, const tdshm_texture_plan *plan)
{
	const uint8_t *pixels = segment + image->data_offset;
	if (!plan->convert) {
		/* TD's first row is the bottom one: the upload's own flip puts it
		 * last, at no extra cost. */
		gs_texture_set_image(s->texture, pixels, (uint32_t)image->row_bytes, s->flip);
		return;
	}
	uint8_t *mapped;
	uint32_t linesize;
	if (!gs_texture_map(s->texture, &mapped, &linesize))
		return;
	for (uint32_t y = 0; y < image->height; y++) {
		uint32_t from = s->flip ? image->height - 1 - y : y;
		tdshm_texture_convert_row(image->format, pixels + (size_t)from * image->row_bytes,
					  mapped + (size_t)y * linesize, image->width);
	}
	gs_texture_unmap(s->texture);
}

/* One read of the segment, graphics context held: the data lock within
 * RENDER_LOCK_TIMEOUT_MS, nothing else. While the worker holds the reader
 * (it may be connecting, which can take long) the last frame is drawn. */
static void tdshm_source_read(struct tdshm_source *s)
{
	if (pthread_mutex_trylock(&s->reader_mutex) != 0)
		return;
	tdshm_top_read read;
	tdshm_top_reader_event ev;
	tdshm_status st = tdshm_top_reader_begin(s->reader, RENDER_LOCK_TIMEOUT_MS, &read, &ev);
	if (st != TDSHM_OK) {
		pthread_mutex_unlock(&s->reader_mutex);
		tdshm_source_report(s, &ev);
		return;
	}
	tdshm_texture_plan plan;
	if (!tdshm_texture_plan_for(read.image.format, &plan)) {
		tdshm_top_reader_end(s->reader, &read, false);
		pthread_mutex_unlock(&s->reader_mutex);
		tdshm_source_report_state(s, TDSHM_SOURCE_REFUSED, "pixel format not supported");
		return;
	}
	bool same_frame = !read.is_new && s->has_frame && s->texture &&
			  s->tex_width == read.image.width && s->tex_height == read.image.height &&
			  s->tex_format == plan.gs_format;
	bool uploaded = false;
	if (!same_frame && tdshm_source_ensure_texture(s, &read.image, &plan)) {
		tdshm_source_upload(s, read.segment, &read.image, &plan);
		uploaded = true;
	}
	uint64_t frames = tdshm_top_reader_end(s->reader, &read, uploaded);
	pthread_mutex_unlock(&s->reader_mutex);

	s->tex_high_precision = plan.high_precision;
	os_atomic_set_long(&s->shared.width, (long)read.image.width);
	os_atomic_set_long(&s->shared.height, (long)read.image.height);
	if (uploaded)
		s->has_frame = true;
	tdshm_source_status_set_image(&s->status, read.image.width, read.image.height,
				      read.image.format->name, frames);
	tdshm_source_report(s, &ev);
}

/* ---- obs_source_info callbacks ------------------------------------------ */

static const char *tdshm_source_get_name(void *unused)
{
	UNUSED_PARAMETER(unused);
	return obs_module_text("TopSource");
}

static void tdshm_source_stop_async(struct tdshm_source *s)
{
	pthread_mutex_lock(&s->async_mutex);
	tdshm_source_async *async = s->async_path;
	s->async_path = NULL;
	pthread_mutex_unlock(&s->async_mutex);
	/* Joined outside the mutex: the UI thread's size query never waits for
	 * the async thread to end. */
	tdshm_source_async_stop(async);
}

/* Stops reading: worker, reader and async path. */
static void tdshm_source_disconnect(struct tdshm_source *s)
{
	tdshm_source_stop_async(s);
	tdshm_source_stop_worker(s);
	pthread_mutex_lock(&s->reader_mutex);
	tdshm_top_reader_destroy(s->reader);
	s->reader = NULL;
	pthread_mutex_unlock(&s->reader_mutex);
}

static void tdshm_source_update(void *data, obs_data_t *settings)
{
	struct tdshm_source *s = data;
	const char *name = obs_data_get_string(settings, SETTING_NAME);
	const char *alpha = obs_data_get_string(settings, SETTING_ALPHA);
	const char *on_stop = obs_data_get_string(settings, SETTING_ON_STOP);
	bool flip = obs_data_get_bool(settings, SETTING_FLIP);
	bool async = obs_data_get_bool(settings, SETTING_ASYNC);

	const enum tdshm_alpha_mode previous_alpha = s->alpha;
	s->alpha = strcmp(alpha, ALPHA_STRAIGHT) == 0 ? ALPHA_MODE_STRAIGHT
		   : strcmp(alpha, ALPHA_OPAQUE) == 0 ? ALPHA_MODE_OPAQUE
						      : ALPHA_MODE_PREMULTIPLIED;
	os_atomic_set_long(&s->shared.on_stop,
			   strcmp(on_stop, ON_STOP_CLEAR) == 0         ? ON_STOP_MODE_CLEAR
			   : strcmp(on_stop, ON_STOP_CLEAR_AFTER) == 0 ? ON_STOP_MODE_CLEAR_AFTER
								       : ON_STOP_MODE_KEEP);
	long long clear_after = obs_data_get_int(settings, SETTING_CLEAR_AFTER_MS);
	os_atomic_set_long(&s->shared.clear_after_ms, clear_after < 0          ? 0
						      : clear_after > 86400000 ? 86400000
									       : (long)clear_after);

	/* Settings that need a new connection; the rest apply at the next frame. */
	bool reconnect = !s->name || strcmp(s->name, name) != 0 || s->flip != flip ||
			 s->async != async || (async && previous_alpha != s->alpha);
	s->flip = flip;
	s->async = async;
	if (!reconnect)
		return;

	tdshm_source_disconnect(s);
	bfree(s->name);
	s->name = bstrdup(name);
	tdshm_source_clear(s);
	if (!*name) {
		tdshm_source_report_state(s, TDSHM_SOURCE_NO_NAME, NULL);
		return;
	}
	tdshm_source_report_state(s, TDSHM_SOURCE_WAITING, NULL);
	if (async) {
		tdshm_source_async *a = tdshm_source_async_start(
		    s->source, &s->status, &s->shared, name, flip,
		    s->alpha != ALPHA_MODE_PREMULTIPLIED, s->alpha == ALPHA_MODE_OPAQUE);
		pthread_mutex_lock(&s->async_mutex);
		s->async_path = a;
		pthread_mutex_unlock(&s->async_mutex);
		return;
	}
	tdshm_error err;
	tdshm_top_reader *reader = NULL;
	if (tdshm_top_reader_create(name, NULL, &reader, &err) != TDSHM_OK) {
		tdshm_source_report_state(s, TDSHM_SOURCE_ERROR, err.message);
		return;
	}
	/* The upload is the copy: a hash before it would read every frame of a
	 * TouchDesigner sender twice on the graphics thread. */
	tdshm_top_reader_set_content_check(reader, false);
	pthread_mutex_lock(&s->reader_mutex);
	s->reader = reader;
	pthread_mutex_unlock(&s->reader_mutex);
	s->worker_running = pthread_create(&s->worker, NULL, tdshm_source_worker, s) == 0;
	if (!s->worker_running)
		tdshm_source_report_state(s, TDSHM_SOURCE_ERROR, "cannot start the reader thread");
}

static void tdshm_source_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, SETTING_NAME, "");
	obs_data_set_default_bool(settings, SETTING_FLIP, true);
	obs_data_set_default_string(settings, SETTING_ALPHA, ALPHA_PREMULTIPLIED);
	obs_data_set_default_string(settings, SETTING_ON_STOP, ON_STOP_KEEP);
	obs_data_set_default_int(settings, SETTING_CLEAR_AFTER_MS, 1000);
	obs_data_set_default_bool(settings, SETTING_ASYNC, false);
}

static void tdshm_source_destroy(void *data);

/* "get_status" proc: the status line without building the properties (which
 * lists every segment on the machine), for scripts and tests. */
static void tdshm_source_proc_status(void *data, calldata_t *cd)
{
	struct tdshm_source *s = data;
	char line[1024];
	tdshm_source_status_text(&s->status, line, sizeof(line));
	calldata_set_string(cd, "status", line);
}

static void *tdshm_source_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_source *s = bzalloc(sizeof(*s));
	s->source = source;
	tdshm_source_status_init(&s->status);
	pthread_mutex_init(&s->reader_mutex, NULL);
	pthread_mutex_init(&s->async_mutex, NULL);
	if (os_event_init(&s->worker_stop, OS_EVENT_TYPE_MANUAL) != 0) {
		tdshm_source_destroy(s);
		return NULL;
	}
	s->dialog = tdshm_dialog_status_create(source, tdshm_source_dialog_line,
					       tdshm_source_dialog_refresh, &s->status);

	char *path = obs_module_file("tdshm_source.effect");
	obs_enter_graphics();
	s->effect = path ? gs_effect_create_from_file(path, NULL) : NULL;
	if (s->effect) {
		s->param_image = gs_effect_get_param_by_name(s->effect, "image");
		s->param_decode_srgb = gs_effect_get_param_by_name(s->effect, "decode_srgb");
		s->param_multiplier = gs_effect_get_param_by_name(s->effect, "multiplier");
	}
	obs_leave_graphics();
	bfree(path);
	if (!s->effect) {
		tdshm_log(LOG_ERROR, source,
			  "cannot load tdshm_source.effect: reinstall the plugin");
		tdshm_source_destroy(s);
		return NULL;
	}
	proc_handler_add(obs_source_get_proc_handler(source), "void get_status(out string status)",
			 tdshm_source_proc_status, s);
	tdshm_source_update(s, settings);
	return s;
}

static void tdshm_source_destroy(void *data)
{
	struct tdshm_source *s = data;
	tdshm_dialog_status_destroy(s->dialog); /* before the status goes */
	tdshm_source_disconnect(s);
	obs_enter_graphics();
	gs_texture_destroy(s->texture);
	gs_effect_destroy(s->effect);
	obs_leave_graphics();
	os_event_destroy(s->worker_stop);
	pthread_mutex_destroy(&s->async_mutex);
	pthread_mutex_destroy(&s->reader_mutex);
	tdshm_source_status_free(&s->status);
	bfree(s->name);
	bfree(s);
}

static void tdshm_source_show(void *data)
{
	struct tdshm_source *s = data;
	os_atomic_set_long(&s->shared.shown, 1);
}

static void tdshm_source_hide(void *data)
{
	struct tdshm_source *s = data;
	os_atomic_set_long(&s->shared.shown, 0);
}

static void tdshm_source_tick(void *data, float seconds)
{
	UNUSED_PARAMETER(seconds);
	struct tdshm_source *s = data;
	tdshm_source_status_flush_log(&s->status, s->source);
	/* "When TouchDesigner stops": the worker saw it stop, the picture is
	 * the graphics thread's. */
	if (!s->async && s->has_frame &&
	    tdshm_source_should_clear(&s->shared, tdshm_source_status_stopped_for_ms(&s->status)))
		tdshm_source_clear(s);
}

static void tdshm_source_draw(struct tdshm_source *s)
{
	const enum gs_color_space space = gs_get_color_space();
	const bool target_linear = space != GS_CS_SRGB;
	const float multiplier =
	    space == GS_CS_709_SCRGB ? obs_get_video_sdr_white_level() / 80.0f : 1.0f;
	const char *technique = s->alpha == ALPHA_MODE_STRAIGHT ? "DrawStraight"
				: s->alpha == ALPHA_MODE_OPAQUE ? "DrawOpaque"
								: "DrawPremultiplied";
	gs_effect_t *e = s->effect;
	gs_effect_set_texture(s->param_image, s->texture);
	/* TD's values are display-encoded, whatever the pixel format: TD's own
	 * Shared Mem In TOP copies them unchanged, and the version-2 header's
	 * transfer field is not verified against TD (docs/protocol.md §3). So an SDR
	 * canvas takes them as they are; a linear one gets them decoded. */
	gs_effect_set_float(s->param_decode_srgb, target_linear ? 1.0f : 0.0f);
	gs_effect_set_float(s->param_multiplier, multiplier);

	/* The shader returns values in the target's own encoding: no hardware
	 * sRGB conversion on top. */
	const bool previous_srgb = gs_framebuffer_srgb_enabled();
	gs_enable_framebuffer_srgb(false);
	gs_blend_state_push();
	gs_blend_function(GS_BLEND_ONE, GS_BLEND_INVSRCALPHA);
	while (gs_effect_loop(e, technique))
		gs_draw_sprite(s->texture, 0, s->tex_width, s->tex_height);
	gs_blend_state_pop();
	gs_enable_framebuffer_srgb(previous_srgb);
}

static void tdshm_source_render(void *data, gs_effect_t *unused)
{
	UNUSED_PARAMETER(unused);
	struct tdshm_source *s = data;
	if (s->async) {
		/* No lock: update, the only writer, runs on this thread; and
		 * holding async_mutex into libobs's render would order it
		 * against libobs's own locks. */
		obs_source_t *frames = tdshm_source_async_output(s->async_path);
		if (frames)
			obs_source_video_render(frames);
		return;
	}
	if (s->reader)
		tdshm_source_read(s);
	if (s->has_frame && s->texture)
		tdshm_source_draw(s);
}

/* Both may run on the UI thread: only the atomics are read. */
static uint32_t tdshm_source_width(void *data)
{
	struct tdshm_source *s = data;
	return (uint32_t)os_atomic_load_long(&s->shared.width);
}

static uint32_t tdshm_source_height(void *data)
{
	struct tdshm_source *s = data;
	return (uint32_t)os_atomic_load_long(&s->shared.height);
}

static enum gs_color_space tdshm_source_color_space(void *data, size_t count,
						    const enum gs_color_space *preferred)
{
	struct tdshm_source *s = data;
	if (!s->tex_high_precision || s->async)
		return GS_CS_SRGB;
	/* Keep 16-bit and float pictures at full precision where the canvas
	 * can hold them. */
	for (size_t i = 0; i < count; i++)
		if (preferred[i] == GS_CS_709_EXTENDED)
			return GS_CS_709_EXTENDED;
	for (size_t i = 0; i < count; i++)
		if (preferred[i] == GS_CS_SRGB_16F)
			return GS_CS_SRGB_16F;
	return GS_CS_SRGB;
}

static void tdshm_source_enum_sources(void *data, obs_source_enum_proc_t enum_callback, void *param)
{
	struct tdshm_source *s = data;
	/* A reference taken under the mutex: update may end the async path
	 * while the callback runs. */
	pthread_mutex_lock(&s->async_mutex);
	obs_source_t *frames = obs_source_get_ref(tdshm_source_async_output(s->async_path));
	pthread_mutex_unlock(&s->async_mutex);
	if (frames) {
		enum_callback(s->source, frames, param);
		obs_source_release(frames);
	}
}

static obs_properties_t *tdshm_source_properties(void *data)
{
	struct tdshm_source *s = data;
	return tdshm_source_properties_create(s ? s->dialog : NULL);
}

struct obs_source_info tdshm_top_source = {
    .id = "tdshm_top_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags =
	OBS_SOURCE_VIDEO | OBS_SOURCE_CUSTOM_DRAW | OBS_SOURCE_SRGB | OBS_SOURCE_DO_NOT_DUPLICATE,
    .get_name = tdshm_source_get_name,
    .create = tdshm_source_create,
    .destroy = tdshm_source_destroy,
    .update = tdshm_source_update,
    .get_defaults = tdshm_source_defaults,
    .get_properties = tdshm_source_properties,
    .show = tdshm_source_show,
    .hide = tdshm_source_hide,
    .video_tick = tdshm_source_tick,
    .video_render = tdshm_source_render,
    .get_width = tdshm_source_width,
    .get_height = tdshm_source_height,
    .video_get_color_space = tdshm_source_color_space,
    .enum_active_sources = tdshm_source_enum_sources,
    .icon_type = OBS_ICON_TYPE_CAMERA,
};
