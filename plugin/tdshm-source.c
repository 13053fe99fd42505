/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In": shows the image of a TD Shared Mem Out TOP.
 *
 * Threads: in libobs 29 a video source's video_tick, deferred update and
 * video_render all run on the graphics thread, one after another, so the
 * fields marked [GFX] need no lock. get_properties and the button callbacks
 * run on the UI thread and only touch the status (own mutex) and settings. */
#include <obs-module.h>
#include <stdio.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

#include "source-status.h"
#include "tdshm-source.h"
#include "tdshm/platform.h"
#include "texture-format.h"

/* Hidden this long, the source drops its handles so TD can re-create its
 * segments (docs/protocol.md §5); showing it again reconnects at once. */
#define HIDDEN_DISCONNECT_MS 1000
/* The render path never waits longer than this on TD's data lock. */
#define RENDER_LOCK_TIMEOUT_MS 2

enum tdshm_alpha_mode { ALPHA_MODE_PREMULTIPLIED, ALPHA_MODE_STRAIGHT, ALPHA_MODE_OPAQUE };
enum tdshm_on_stop { ON_STOP_MODE_KEEP, ON_STOP_MODE_CLEAR, ON_STOP_MODE_CLEAR_AFTER };

struct tdshm_source {
	obs_source_t *source;
	tdshm_source_status status; /* [GFX writes, UI reads; own mutex] */
	tdshm_dialog_status *dialog; /* set in create; thread-safe itself */
	gs_effect_t *effect;        /* [GFX] data/tdshm_source.effect */

	/* settings [GFX] (update is deferred to the graphics thread) */
	char *name;
	bool flip;
	enum tdshm_alpha_mode alpha;
	enum tdshm_on_stop on_stop;
	uint32_t clear_after_ms;
	bool async;

	/* connection [GFX] */
	tdshm_receiver *receiver;
	uint64_t stopped_at_ms; /* 0 while running */
	uint64_t hidden_since_ms;
	uint64_t frames_received;
	bool have_serial;
	uint64_t last_serial;

	/* picture [GFX] */
	gs_texture_t *texture;
	uint32_t tex_width, tex_height;
	enum gs_color_format tex_format;
	bool tex_convert;
	bool tex_high_precision;
	bool has_frame; /* false: draw nothing (cleared or never received) */
	/* what get_width/get_height report; also read from the UI thread */
	volatile long width, height;

	tdshm_source_async *async_path; /* [GFX] while async is on */
};

/* ---- status ----------------------------------------------------------- */

static void tdshm_source_set_state(struct tdshm_source *s, enum tdshm_source_state state,
				   const char *detail)
{
	if (!tdshm_source_status_set(&s->status, state, s->name, detail))
		return;
	char line[1024];
	tdshm_source_status_text(&s->status, line, sizeof(line));
	tdshm_source_log(state == TDSHM_SOURCE_REFUSED || state == TDSHM_SOURCE_ERROR ? LOG_WARNING
										      : LOG_INFO,
			 s->source, "%s", line);
}

static void tdshm_source_clear(struct tdshm_source *s)
{
	s->has_frame = false;
	os_atomic_set_long(&s->width, 0);
	os_atomic_set_long(&s->height, 0);
}

/* ---- reading ---------------------------------------------------------- */

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
		tdshm_source_set_state(s, TDSHM_SOURCE_ERROR,
				       "the graphics driver could not create the texture");
		return false;
	}
	s->tex_width = image->width;
	s->tex_height = image->height;
	s->tex_format = plan->gs_format;
	tdshm_source_log(LOG_INFO, s->source, "image %ux%u %s, texture %s%s", image->width,
			 image->height, image->format->name,
			 tdshm_texture_format_name(plan->gs_format),
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

static void tdshm_source_on_gone(struct tdshm_source *s)
{
	if (s->stopped_at_ms == 0)
		s->stopped_at_ms = tdshm_clock_ms();
	s->have_serial = false;
	tdshm_source_set_state(s, TDSHM_SOURCE_STOPPED, NULL);
	if (s->on_stop == ON_STOP_MODE_CLEAR)
		tdshm_source_clear(s);
}

/* One attempt at the segment. upload: copy the pixels (graphics context
 * held); otherwise only learn size and format. */
static void tdshm_source_read(struct tdshm_source *s, uint32_t timeout_ms, bool upload)
{
	if (!s->receiver)
		return;
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status st = tdshm_receiver_begin_read(s->receiver, timeout_ms, &bytes, &size, &err);
	switch (st) {
	case TDSHM_OK:
		break;
	case TDSHM_NOT_FOUND:
		if (s->stopped_at_ms == 0)
			tdshm_source_set_state(s, TDSHM_SOURCE_WAITING, NULL);
		return;
	case TDSHM_GONE:
		tdshm_source_on_gone(s);
		return;
	case TDSHM_TIMED_OUT:
		return; /* TD is writing or stuck: show the last frame again */
	case TDSHM_REFUSED:
		tdshm_source_set_state(s, TDSHM_SOURCE_REFUSED, err.message);
		return;
	default:
		tdshm_source_set_state(s, TDSHM_SOURCE_ERROR, err.message);
		return;
	}

	tdshm_top_image image;
	tdshm_error parse_err;
	if (tdshm_top_parse(bytes, size, &image, &parse_err) != TDSHM_OK) {
		/* A segment still all zero is one TD has not written yet. */
		static const uint8_t unwritten[4] = {0};
		bool starting = size >= 4 && memcmp(bytes, unwritten, 4) == 0;
		tdshm_receiver_end_read(s->receiver);
		if (starting)
			tdshm_source_set_state(s, TDSHM_SOURCE_WAITING, NULL);
		else
			tdshm_source_set_state(s, TDSHM_SOURCE_REFUSED, parse_err.message);
		return;
	}
	tdshm_texture_plan plan;
	if (!tdshm_texture_plan_for(image.format, &plan)) {
		tdshm_receiver_end_read(s->receiver);
		tdshm_source_set_state(s, TDSHM_SOURCE_REFUSED, "pixel format not supported");
		return;
	}
	uint64_t serial = 0;
	bool has_serial = tdshm_receiver_frame_serial(s->receiver, &serial);
	bool same_frame = has_serial && s->have_serial && serial == s->last_serial &&
			  s->has_frame && s->texture && s->tex_width == image.width &&
			  s->tex_height == image.height && s->tex_format == plan.gs_format;
	bool uploaded = false;
	if (upload && !same_frame && tdshm_source_ensure_texture(s, &image, &plan)) {
		tdshm_source_upload(s, bytes, &image, &plan);
		uploaded = true;
	}
	tdshm_receiver_end_read(s->receiver);

	s->stopped_at_ms = 0;
	s->tex_high_precision = plan.high_precision;
	os_atomic_set_long(&s->width, (long)image.width);
	os_atomic_set_long(&s->height, (long)image.height);
	if (uploaded) {
		s->has_frame = true;
		s->have_serial = has_serial;
		s->last_serial = serial;
		s->frames_received++;
	}
	tdshm_source_status_set_image(&s->status, image.width, image.height, image.format->name,
				      s->frames_received);
	tdshm_source_set_state(s, TDSHM_SOURCE_CONNECTED, NULL);
}

/* ---- obs_source_info callbacks ------------------------------------------ */

static const char *tdshm_source_get_name(void *unused)
{
	UNUSED_PARAMETER(unused);
	return obs_module_text("TopSource");
}

static void tdshm_source_stop_async(struct tdshm_source *s)
{
	if (s->async_path) {
		tdshm_source_async_stop(s->async_path);
		s->async_path = NULL;
	}
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
	s->on_stop = strcmp(on_stop, ON_STOP_CLEAR) == 0         ? ON_STOP_MODE_CLEAR
		     : strcmp(on_stop, ON_STOP_CLEAR_AFTER) == 0 ? ON_STOP_MODE_CLEAR_AFTER
								 : ON_STOP_MODE_KEEP;
	long long clear_after = obs_data_get_int(settings, SETTING_CLEAR_AFTER_MS);
	s->clear_after_ms = clear_after < 0 ? 0 : (uint32_t)clear_after;

	bool reconnect = !s->name || strcmp(s->name, name) != 0 || s->flip != flip ||
			 s->async != async || (async && previous_alpha != s->alpha);
	s->flip = flip;
	s->async = async;
	if (!reconnect)
		return;

	bfree(s->name);
	s->name = bstrdup(name);
	tdshm_source_stop_async(s);
	tdshm_receiver_destroy(s->receiver);
	s->receiver = NULL;
	s->have_serial = false;
	s->stopped_at_ms = 0;
	s->frames_received = 0;
	tdshm_source_clear(s);
	if (!*name) {
		tdshm_source_set_state(s, TDSHM_SOURCE_NO_NAME, NULL);
		return;
	}
	if (async) {
		s->async_path = tdshm_source_async_start(s->source, &s->status, name, flip,
							 s->alpha != ALPHA_MODE_PREMULTIPLIED,
							 s->alpha == ALPHA_MODE_OPAQUE);
		return;
	}
	tdshm_error err;
	if (tdshm_receiver_create(name, NULL, &s->receiver, &err) != TDSHM_OK) {
		tdshm_source_set_state(s, TDSHM_SOURCE_ERROR, err.message);
		return;
	}
	tdshm_source_set_state(s, TDSHM_SOURCE_WAITING, NULL);
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
	s->dialog = tdshm_dialog_status_create(source, tdshm_source_dialog_line,
					       tdshm_source_dialog_refresh, &s->status);

	char *path = obs_module_file("tdshm_source.effect");
	obs_enter_graphics();
	s->effect = path ? gs_effect_create_from_file(path, NULL) : NULL;
	obs_leave_graphics();
	bfree(path);
	if (!s->effect) {
		blog(LOG_ERROR, "[tdshm-in] cannot load tdshm_source.effect: reinstall the plugin");
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
	tdshm_source_stop_async(s);
	tdshm_receiver_destroy(s->receiver);
	obs_enter_graphics();
	gs_texture_destroy(s->texture);
	gs_effect_destroy(s->effect);
	obs_leave_graphics();
	tdshm_source_status_free(&s->status);
	bfree(s->name);
	bfree(s);
}

static void tdshm_source_tick(void *data, float seconds)
{
	UNUSED_PARAMETER(seconds);
	struct tdshm_source *s = data;
	if (!s->receiver)
		return;
	uint64_t now = tdshm_clock_ms();
	if (!obs_source_showing(s->source)) {
		/* Not copying frames nobody sees; after a while, not even holding
		 * TD's segments open. */
		if (s->hidden_since_ms == 0)
			s->hidden_since_ms = now;
		if (now - s->hidden_since_ms >= HIDDEN_DISCONNECT_MS &&
		    tdshm_receiver_connected(s->receiver)) {
			tdshm_receiver_disconnect(s->receiver);
			s->have_serial = false;
			tdshm_source_set_state(s, TDSHM_SOURCE_HIDDEN, NULL);
		}
		return;
	}
	s->hidden_since_ms = 0;

	/* Until there is a picture, render is not called for a 0x0 source: learn
	 * the size here, without the graphics context. */
	if (!s->has_frame && s->stopped_at_ms == 0)
		tdshm_source_read(s, 0, false);

	if (s->stopped_at_ms && s->on_stop == ON_STOP_MODE_CLEAR_AFTER && s->has_frame &&
	    now - s->stopped_at_ms >= s->clear_after_ms)
		tdshm_source_clear(s);
	if (s->stopped_at_ms && s->on_stop == ON_STOP_MODE_CLEAR)
		tdshm_source_clear(s);
	/* While stopped, keep looking for the sender coming back. */
	if (s->stopped_at_ms)
		tdshm_source_read(s, 0, false);
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
	gs_effect_set_texture(gs_effect_get_param_by_name(e, "image"), s->texture);
	/* TD's values are display-encoded, whatever the pixel format: TD's own
	 * Shared Mem In TOP copies them unchanged, and the version-2 header's
	 * transfer field is not verified against TD (docs/protocol.md §3). So an SDR
	 * canvas takes them as they are; a linear one gets them decoded. */
	gs_effect_set_float(gs_effect_get_param_by_name(e, "decode_srgb"),
			    target_linear ? 1.0f : 0.0f);
	gs_effect_set_float(gs_effect_get_param_by_name(e, "multiplier"), multiplier);

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
	if (s->async_path) {
		obs_source_t *frames = tdshm_source_async_output(s->async_path);
		if (frames)
			obs_source_video_render(frames);
		return;
	}
	if (s->stopped_at_ms == 0)
		tdshm_source_read(s, RENDER_LOCK_TIMEOUT_MS, true);
	if (s->has_frame && s->texture)
		tdshm_source_draw(s);
}

static uint32_t tdshm_source_width(void *data)
{
	struct tdshm_source *s = data;
	if (s->async_path) {
		obs_source_t *frames = tdshm_source_async_output(s->async_path);
		return frames ? obs_source_get_width(frames) : 0;
	}
	return (uint32_t)os_atomic_load_long(&s->width);
}

static uint32_t tdshm_source_height(void *data)
{
	struct tdshm_source *s = data;
	if (s->async_path) {
		obs_source_t *frames = tdshm_source_async_output(s->async_path);
		return frames ? obs_source_get_height(frames) : 0;
	}
	return (uint32_t)os_atomic_load_long(&s->height);
}

static enum gs_color_space tdshm_source_color_space(void *data, size_t count,
						    const enum gs_color_space *preferred)
{
	struct tdshm_source *s = data;
	if (!s->tex_high_precision || s->async_path)
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
	obs_source_t *frames = s->async_path ? tdshm_source_async_output(s->async_path) : NULL;
	if (frames)
		enum_callback(s->source, frames, param);
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
    .video_tick = tdshm_source_tick,
    .video_render = tdshm_source_render,
    .get_width = tdshm_source_width,
    .get_height = tdshm_source_height,
    .video_get_color_space = tdshm_source_color_space,
    .enum_active_sources = tdshm_source_enum_sources,
    .icon_type = OBS_ICON_TYPE_CAMERA,
};
