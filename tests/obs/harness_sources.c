/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "harness_color_source" (known pixels) and "harness_tone_source" (known
 * sine waves): inputs whose output the tests can predict exactly; and
 * "harness_timed_source", which draws another source and times its
 * video_render and the graphics thread's ticks. */
#include "harness_sources.h"

#include <math.h>
#include <obs-module.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <util/platform.h>
#include <util/threading.h>

/* ---- colour source ------------------------------------------------------ */

struct harness_color {
	obs_source_t *source;
	pthread_mutex_t mutex;
	/* [update writes, render reads, under mutex] */
	uint8_t *rgba;
	uint32_t width, height;
	bool dirty;
	/* [render thread only] */
	gs_texture_t *texture;
	uint32_t tex_width, tex_height;
};

static const char *harness_color_get_name(void *unused)
{
	(void)unused;
	return "Harness colour";
}

static void harness_color_fill(uint8_t *rgba, uint32_t w, uint32_t h, const char *pattern,
			       uint32_t color)
{
	static const uint8_t quadrant[4][4] = {
	    {255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}};
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *p = rgba + ((size_t)y * w + x) * 4;
			if (strcmp(pattern, "gradient") == 0) {
				uint8_t v =
				    (uint8_t)(w > 1 ? (x * 255 + (w - 1) / 2) / (w - 1) : 0);
				p[0] = p[1] = p[2] = v;
				p[3] = 255;
			} else if (strcmp(pattern, "quadrants") == 0) {
				int q = (y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0);
				memcpy(p, quadrant[q], 4);
			} else {
				/* 0xAABBGGRR: bytes R,G,B,A in memory order on little-endian. */
				p[0] = (uint8_t)(color & 0xff);
				p[1] = (uint8_t)((color >> 8) & 0xff);
				p[2] = (uint8_t)((color >> 16) & 0xff);
				p[3] = (uint8_t)((color >> 24) & 0xff);
			}
		}
	}
}

static void harness_color_update(void *data, obs_data_t *settings)
{
	struct harness_color *c = data;
	uint32_t w = (uint32_t)obs_data_get_int(settings, "width");
	uint32_t h = (uint32_t)obs_data_get_int(settings, "height");
	if (w == 0 || h == 0 || w > 16384 || h > 16384)
		w = h = 16;
	uint8_t *rgba = malloc((size_t)w * h * 4);
	if (!rgba)
		return;
	harness_color_fill(rgba, w, h, obs_data_get_string(settings, "pattern"),
			   (uint32_t)obs_data_get_int(settings, "color"));
	pthread_mutex_lock(&c->mutex);
	free(c->rgba);
	c->rgba = rgba;
	c->width = w;
	c->height = h;
	c->dirty = true;
	pthread_mutex_unlock(&c->mutex);
}

static void harness_color_defaults(obs_data_t *settings)
{
	obs_data_set_default_int(settings, "color", 0xff0000ff);
	obs_data_set_default_int(settings, "width", 64);
	obs_data_set_default_int(settings, "height", 64);
	obs_data_set_default_string(settings, "pattern", "solid");
}

static void *harness_color_create(obs_data_t *settings, obs_source_t *source)
{
	struct harness_color *c = bzalloc(sizeof(*c));
	c->source = source;
	pthread_mutex_init(&c->mutex, NULL);
	harness_color_update(c, settings);
	return c;
}

static void harness_color_destroy(void *data)
{
	struct harness_color *c = data;
	obs_enter_graphics();
	gs_texture_destroy(c->texture);
	obs_leave_graphics();
	pthread_mutex_destroy(&c->mutex);
	free(c->rgba);
	bfree(c);
}

static void harness_color_render(void *data, gs_effect_t *unused)
{
	(void)unused;
	struct harness_color *c = data;
	pthread_mutex_lock(&c->mutex);
	if (c->dirty && c->rgba) {
		gs_texture_destroy(c->texture);
		const uint8_t *planes[1] = {c->rgba};
		c->texture = gs_texture_create(c->width, c->height, GS_RGBA, 1, planes, 0);
		c->tex_width = c->width;
		c->tex_height = c->height;
		c->dirty = false;
	}
	pthread_mutex_unlock(&c->mutex);
	if (!c->texture)
		return;
	/* Bytes straight through: no sRGB decode or encode. */
	const bool previous = gs_framebuffer_srgb_enabled();
	gs_enable_framebuffer_srgb(false);
	gs_effect_t *effect = obs_get_base_effect(OBS_EFFECT_DEFAULT);
	gs_effect_set_texture(gs_effect_get_param_by_name(effect, "image"), c->texture);
	while (gs_effect_loop(effect, "Draw"))
		gs_draw_sprite(c->texture, 0, c->tex_width, c->tex_height);
	gs_enable_framebuffer_srgb(previous);
}

static uint32_t harness_color_width(void *data)
{
	struct harness_color *c = data;
	pthread_mutex_lock(&c->mutex);
	uint32_t w = c->width;
	pthread_mutex_unlock(&c->mutex);
	return w;
}

static uint32_t harness_color_height(void *data)
{
	struct harness_color *c = data;
	pthread_mutex_lock(&c->mutex);
	uint32_t h = c->height;
	pthread_mutex_unlock(&c->mutex);
	return h;
}

static struct obs_source_info harness_color_source = {
    .id = "harness_color_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_VIDEO | OBS_SOURCE_CUSTOM_DRAW,
    .get_name = harness_color_get_name,
    .create = harness_color_create,
    .destroy = harness_color_destroy,
    .update = harness_color_update,
    .get_defaults = harness_color_defaults,
    .video_render = harness_color_render,
    .get_width = harness_color_width,
    .get_height = harness_color_height,
};

/* ---- tone source -------------------------------------------------------- */

#define HARNESS_TONE_BLOCK 480

struct harness_tone {
	obs_source_t *source;
	pthread_t thread;
	os_event_t *stop;
	/* [update writes, worker reads; doubles written whole, a torn read only
	 * shifts one block's pitch, which tests never rely on] */
	volatile double freq[2];
	volatile double amplitude;
};

static const char *harness_tone_get_name(void *unused)
{
	(void)unused;
	return "Harness tone";
}

static void harness_tone_update(void *data, obs_data_t *settings)
{
	struct harness_tone *t = data;
	t->freq[0] = obs_data_get_double(settings, "freq_left");
	t->freq[1] = obs_data_get_double(settings, "freq_right");
	t->amplitude = obs_data_get_double(settings, "amplitude");
}

static void harness_tone_defaults(obs_data_t *settings)
{
	obs_data_set_default_double(settings, "freq_left", 440.0);
	obs_data_set_default_double(settings, "freq_right", 880.0);
	obs_data_set_default_double(settings, "amplitude", 0.5);
}

static void *harness_tone_thread(void *data)
{
	struct harness_tone *t = data;
	const uint32_t rate = audio_output_get_sample_rate(obs_get_audio());
	float left[HARNESS_TONE_BLOCK], right[HARNESS_TONE_BLOCK];
	double phase[2] = {0, 0};
	uint64_t start = os_gettime_ns();
	uint64_t sent = 0;
	while (os_event_try(t->stop) == EAGAIN) {
		float *planes[2] = {left, right};
		for (int c = 0; c < 2; c++) {
			double step = 2.0 * M_PI * t->freq[c] / rate;
			for (int i = 0; i < HARNESS_TONE_BLOCK; i++) {
				planes[c][i] = (float)(t->amplitude * sin(phase[c]));
				phase[c] = fmod(phase[c] + step, 2.0 * M_PI);
			}
		}
		struct obs_source_audio audio = {
		    .data = {(uint8_t *)left, (uint8_t *)right},
		    .frames = HARNESS_TONE_BLOCK,
		    .speakers = SPEAKERS_STEREO,
		    .format = AUDIO_FORMAT_FLOAT_PLANAR,
		    .samples_per_sec = rate,
		    .timestamp = start + sent * 1000000000ULL / rate,
		};
		obs_source_output_audio(t->source, &audio);
		sent += HARNESS_TONE_BLOCK;
		uint64_t due = start + sent * 1000000000ULL / rate;
		uint64_t now = os_gettime_ns();
		if (due > now)
			os_sleepto_ns(due);
	}
	return NULL;
}

static void *harness_tone_create(obs_data_t *settings, obs_source_t *source)
{
	struct harness_tone *t = bzalloc(sizeof(*t));
	t->source = source;
	harness_tone_update(t, settings);
	if (os_event_init(&t->stop, OS_EVENT_TYPE_MANUAL) != 0 ||
	    pthread_create(&t->thread, NULL, harness_tone_thread, t) != 0) {
		os_event_destroy(t->stop);
		bfree(t);
		return NULL;
	}
	return t;
}

static void harness_tone_destroy(void *data)
{
	struct harness_tone *t = data;
	os_event_signal(t->stop);
	pthread_join(t->thread, NULL);
	os_event_destroy(t->stop);
	bfree(t);
}

static struct obs_source_info harness_tone_source = {
    .id = "harness_tone_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = harness_tone_get_name,
    .create = harness_tone_create,
    .destroy = harness_tone_destroy,
    .update = harness_tone_update,
    .get_defaults = harness_tone_defaults,
};

/* ---- timed wrapper ------------------------------------------------------ */

static pthread_mutex_t timing_mutex = PTHREAD_MUTEX_INITIALIZER;
/* [SHARED: timing_mutex] */
static harness_timing timing;
static uint64_t timing_last_tick_ns;

void harness_timing_reset(void)
{
	pthread_mutex_lock(&timing_mutex);
	memset(&timing, 0, sizeof(timing));
	timing_last_tick_ns = 0;
	pthread_mutex_unlock(&timing_mutex);
}

void harness_timing_get(harness_timing *out)
{
	pthread_mutex_lock(&timing_mutex);
	*out = timing;
	pthread_mutex_unlock(&timing_mutex);
}

struct harness_timed {
	obs_source_t *source;
	obs_source_t *child; /* [set in create, released in destroy] */
};

static const char *harness_timed_get_name(void *unused)
{
	UNUSED_PARAMETER(unused);
	return "Harness timed wrapper";
}

static void *harness_timed_create(obs_data_t *settings, obs_source_t *source)
{
	struct harness_timed *t = bzalloc(sizeof(*t));
	t->source = source;
	t->child = obs_get_source_by_name(obs_data_get_string(settings, "child"));
	return t;
}

static void harness_timed_destroy(void *data)
{
	struct harness_timed *t = data;
	obs_source_release(t->child);
	bfree(t);
}

static void harness_timed_tick(void *data, float seconds)
{
	UNUSED_PARAMETER(data);
	UNUSED_PARAMETER(seconds);
	uint64_t now = os_gettime_ns();
	pthread_mutex_lock(&timing_mutex);
	if (timing_last_tick_ns && now - timing_last_tick_ns > timing.longest_tick_gap_ns)
		timing.longest_tick_gap_ns = now - timing_last_tick_ns;
	timing_last_tick_ns = now;
	pthread_mutex_unlock(&timing_mutex);
}

static void harness_timed_render(void *data, gs_effect_t *unused)
{
	UNUSED_PARAMETER(unused);
	struct harness_timed *t = data;
	if (!t->child)
		return;
	uint64_t start = os_gettime_ns();
	obs_source_video_render(t->child);
	uint64_t took = os_gettime_ns() - start;
	pthread_mutex_lock(&timing_mutex);
	timing.renders++;
	timing.total_render_ns += took;
	if (took > timing.longest_render_ns)
		timing.longest_render_ns = took;
	pthread_mutex_unlock(&timing_mutex);
}

/* The child's size, as the wrapper's own. */
static uint32_t harness_timed_width(void *data)
{
	obs_source_t *child = ((struct harness_timed *)data)->child;
	return child ? obs_source_get_width(child) : 0;
}

static uint32_t harness_timed_height(void *data)
{
	obs_source_t *child = ((struct harness_timed *)data)->child;
	return child ? obs_source_get_height(child) : 0;
}

static void harness_timed_enum(void *data, obs_source_enum_proc_t callback, void *param)
{
	struct harness_timed *t = data;
	if (t->child)
		callback(t->source, t->child, param);
}

static struct obs_source_info harness_timed_source = {
    .id = "harness_timed_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_VIDEO | OBS_SOURCE_CUSTOM_DRAW,
    .get_name = harness_timed_get_name,
    .create = harness_timed_create,
    .destroy = harness_timed_destroy,
    .video_tick = harness_timed_tick,
    .video_render = harness_timed_render,
    .get_width = harness_timed_width,
    .get_height = harness_timed_height,
    .enum_active_sources = harness_timed_enum,
};

void harness_register_test_sources(void)
{
	obs_register_source(&harness_color_source);
	obs_register_source(&harness_tone_source);
	obs_register_source(&harness_timed_source);
}

int harness_reset_video(const char *graphics_module, uint32_t width, uint32_t height,
			uint32_t fps_num, uint32_t fps_den)
{
	struct obs_video_info ovi = {
	    .graphics_module = graphics_module,
	    .fps_num = fps_num,
	    .fps_den = fps_den,
	    .base_width = width,
	    .base_height = height,
	    .output_width = width,
	    .output_height = height,
	    .output_format = VIDEO_FORMAT_BGRA,
	    .adapter = 0,
	    .gpu_conversion = true,
	    .colorspace = VIDEO_CS_SRGB,
	    .range = VIDEO_RANGE_FULL,
	    .scale_type = OBS_SCALE_POINT,
	};
	return obs_reset_video(&ovi);
}
