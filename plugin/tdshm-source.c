/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In": shows the image of a TD Shared Mem Out TOP.
 * This file is the obs_source_info; the reading is source-sync.c (or
 * source-async.c), the texture and its draw source-picture.c.
 *
 * Threads (libobs 29): video_tick, the deferred update and video_render run
 * on the graphics thread one after another; get_width/get_height, the
 * properties and enum_active_sources may run on the UI thread. Owner of each
 * field beside it:
 *   [GFX]     graphics thread only (update, tick, render)
 *   [ASYNC]   written by update under async_mutex; the graphics thread
 *             reads it unlocked, other threads (enum) under the mutex
 *   [ATOMIC]  os_atomic_* (tdshm_source_shared)
 *   [STATUS]  the status's own mutex */
#include <obs-module.h>
#include <stdio.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

#include "dialog-status.h"
#include "plugin-log.h"
#include "source-async.h"
#include "source-picture.h"
#include "source-properties.h"
#include "source-settings.h"
#include "source-shared.h"
#include "source-status.h"
#include "source-sync.h"
#include "source-timing.h"

struct tdshm_source {
	obs_source_t *source;
	tdshm_source_status status;  /* [STATUS] */
	tdshm_source_shared shared;  /* [ATOMIC] */
	tdshm_source_timing timing;  /* its own mutex; off unless a proc turns it on */
	tdshm_dialog_status *dialog; /* set in create; thread-safe itself */

	/* settings [GFX]; the readers take copies of what they need */
	char *name;
	bool flip;
	enum tdshm_alpha_mode alpha;
	bool async;

	tdshm_source_sync sync;       /* [GFX] (its own fields say more) */
	tdshm_source_picture picture; /* [GFX] */

	pthread_mutex_t async_mutex;
	tdshm_source_async *async_path; /* [ASYNC] while async is on */
};

static void tdshm_source_report_state(struct tdshm_source *s, enum tdshm_source_state state,
				      const char *detail)
{
	tdshm_source_status_report_state(&s->status, s->source, state, s->name, detail, "");
}

static void tdshm_source_clear(struct tdshm_source *s)
{
	s->picture.has_frame = false;
	os_atomic_set_long(&s->shared.width, 0);
	os_atomic_set_long(&s->shared.height, 0);
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
	tdshm_source_sync_stop(&s->sync);
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
		    s->source, &s->status, &s->shared, &s->timing, name, flip,
		    s->alpha != ALPHA_MODE_PREMULTIPLIED, s->alpha == ALPHA_MODE_OPAQUE);
		pthread_mutex_lock(&s->async_mutex);
		s->async_path = a;
		pthread_mutex_unlock(&s->async_mutex);
		return;
	}
	tdshm_source_sync_start(&s->sync, name);
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

/* "set_timing"/"get_timing" procs: what frames cost (source-timing.h), for
 * tests/obs/obs_bench_source.c. Sums since the source was created, ns. */
static void tdshm_source_proc_set_timing(void *data, calldata_t *cd)
{
	struct tdshm_source *s = data;
	os_atomic_set_long(&s->timing.enabled, calldata_bool(cd, "enabled") ? 1 : 0);
}

static void tdshm_source_proc_get_timing(void *data, calldata_t *cd)
{
	struct tdshm_source *s = data;
	pthread_mutex_lock(&s->timing.mutex);
	const uint64_t frames = s->timing.frames;
	const tdshm_source_frame_time sum = s->timing.sum;
	pthread_mutex_unlock(&s->timing.mutex);
	calldata_set_int(cd, "frames", (long long)frames);
	calldata_set_int(cd, "lock_ns", (long long)sum.lock_ns);
	calldata_set_int(cd, "map_ns", (long long)sum.map_ns);
	calldata_set_int(cd, "copy_ns", (long long)sum.copy_ns);
	calldata_set_int(cd, "unmap_ns", (long long)sum.unmap_ns);
	calldata_set_int(cd, "unlock_ns", (long long)sum.unlock_ns);
	calldata_set_int(cd, "render_ns", (long long)sum.render_ns);
}

static void *tdshm_source_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_source *s = bzalloc(sizeof(*s));
	s->source = source;
	tdshm_source_status_init(&s->status);
	pthread_mutex_init(&s->async_mutex, NULL);
	pthread_mutex_init(&s->timing.mutex, NULL);
	if (!tdshm_source_sync_init(&s->sync, source, &s->status, &s->shared)) {
		tdshm_source_destroy(s);
		return NULL;
	}
	s->dialog = tdshm_dialog_status_create(source, tdshm_source_dialog_line,
					       tdshm_source_dialog_refresh, &s->status);
	if (!tdshm_source_picture_init(&s->picture, source)) {
		tdshm_source_destroy(s);
		return NULL;
	}
	proc_handler_t *ph = obs_source_get_proc_handler(source);
	proc_handler_add(ph, "void set_timing(in bool enabled)", tdshm_source_proc_set_timing, s);
	proc_handler_add(ph,
			 "void get_timing(out int frames, out int lock_ns, out int map_ns, "
			 "out int copy_ns, out int unmap_ns, out int unlock_ns, out int render_ns)",
			 tdshm_source_proc_get_timing, s);
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
	tdshm_source_picture_free(&s->picture);
	tdshm_source_sync_free(&s->sync);
	pthread_mutex_destroy(&s->timing.mutex);
	pthread_mutex_destroy(&s->async_mutex);
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
	if (!s->async && s->picture.has_frame &&
	    tdshm_source_should_clear(&s->shared, tdshm_source_status_stopped_for_ms(&s->status)))
		tdshm_source_clear(s);
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
	tdshm_source_frame_time ft = {0};
	const bool timed = os_atomic_load_long(&s->timing.enabled) != 0;
	uint64_t start = timed ? os_gettime_ns() : 0;
	bool uploaded = tdshm_source_sync_read(&s->sync, &s->picture, s->flip, timed ? &ft : NULL);
	if (s->picture.has_frame && s->picture.texture)
		tdshm_source_picture_draw(&s->picture, s->alpha);
	if (timed && uploaded) {
		ft.render_ns = os_gettime_ns() - start;
		tdshm_source_timing_add(&s->timing, &ft);
	}
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
	if (s->async)
		return GS_CS_SRGB;
	return tdshm_source_picture_color_space(&s->picture, count, preferred);
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
