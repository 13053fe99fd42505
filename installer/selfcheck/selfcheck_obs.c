/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "selfcheck_obs.h"

#include <X11/Xlib.h>
#include <obs-module.h>
#include <obs-nix-platform.h>
#include <obs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The latest frame, written by libobs' video thread, read by main. */
static struct {
	pthread_mutex_t mutex;
	uint8_t *bgra; /* width * 4 per row */
	uint32_t width, height;
	uint64_t index;
} latest = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static Display *x_display;
static obs_source_t *shown_source;
static bool obs_started;
static bool video_hooked;
static FILE *log_file;

static void selfcheck_log(int level, const char *format, va_list args, void *param)
{
	(void)param;
	/* With a log file everything goes there; without, only what a user
	 * might need to read when the check fails. */
	FILE *out = log_file ? log_file : (level <= LOG_WARNING ? stderr : NULL);
	if (!out)
		return;
	vfprintf(out, format, args);
	fputc('\n', out);
	fflush(out);
}

static void selfcheck_on_video(void *param, struct video_data *frame)
{
	(void)param;
	pthread_mutex_lock(&latest.mutex);
	for (uint32_t y = 0; y < latest.height; y++)
		memcpy(latest.bgra + (size_t)y * latest.width * 4,
		       frame->data[0] + (size_t)y * frame->linesize[0], (size_t)latest.width * 4);
	latest.index++;
	pthread_mutex_unlock(&latest.mutex);
}

static const char *selfcheck_module_error(int code)
{
	switch (code) {
	case MODULE_FILE_NOT_FOUND:
		return "the file is missing or could not be loaded (missing library? see the log)";
	case MODULE_MISSING_EXPORTS:
		return "it is not an OBS module (obs_module_load is missing)";
	case MODULE_INCOMPATIBLE_VER:
		return "it was built for a newer libobs than the one installed";
	case MODULE_HARDCODED_SKIP:
		return "libobs refuses to load modules of that name";
	default:
		return "libobs could not open it";
	}
}

static tdshm_status selfcheck_obs_start_video(const selfcheck_obs_config *config, tdshm_error *err)
{
	struct obs_video_info video = {
	    .graphics_module = "libobs-opengl",
	    .fps_num = config->fps,
	    .fps_den = 1,
	    .base_width = config->width,
	    .base_height = config->height,
	    .output_width = config->width,
	    .output_height = config->height,
	    /* BGRA is what the raw callback hands out byte for byte (RGBA
	     * output gave all-zero frames with libobs 29 on llvmpipe). */
	    .output_format = VIDEO_FORMAT_BGRA,
	    .gpu_conversion = true,
	    .colorspace = VIDEO_CS_SRGB,
	    .range = VIDEO_RANGE_FULL,
	    .scale_type = OBS_SCALE_POINT,
	};
	int video_result = obs_reset_video(&video);
	if (video_result != OBS_VIDEO_SUCCESS)
		return tdshm_error_set(
		    err, TDSHM_SYSTEM_ERROR,
		    "OBS could not start its OpenGL renderer (code %d): is Mesa's "
		    "libgl1-mesa-dri installed and the X display working?",
		    video_result);
	struct obs_audio_info audio = {.samples_per_sec = 48000, .speakers = SPEAKERS_STEREO};
	if (!obs_reset_audio(&audio))
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "OBS could not start its audio mixer");
	return TDSHM_OK;
}

tdshm_status selfcheck_obs_start(const selfcheck_obs_config *config, tdshm_error *err)
{
	if (config->log_path) {
		log_file = fopen(config->log_path, "w");
		if (!log_file)
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot write the log '%s'",
					       config->log_path);
	}
	base_set_log_handler(selfcheck_log, NULL);

	const char *display_name = getenv("DISPLAY");
	if (!display_name || !*display_name)
		return tdshm_error_set(
		    err, TDSHM_INVALID_ARGUMENT,
		    "DISPLAY is not set; run installer/selfcheck.sh, which starts "
		    "Xvfb when there is no display");
	x_display = XOpenDisplay(display_name);
	if (!x_display)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot open the X display '%s' (is Xvfb running?)",
				       display_name);
	obs_set_nix_platform(OBS_NIX_PLATFORM_X11_EGL);
	obs_set_nix_platform_display(x_display);

	if (!obs_startup("en-US", NULL, NULL))
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "libobs did not start (obs_startup)");
	obs_started = true;

	tdshm_status status = selfcheck_obs_start_video(config, err);
	if (status != TDSHM_OK)
		return status;

	latest.width = config->width;
	latest.height = config->height;
	latest.bgra = calloc((size_t)config->width * config->height, 4);
	if (!latest.bgra)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory for a frame");

	obs_module_t *module = NULL;
	int open_result = obs_open_module(&module, config->module_path, config->data_path);
	if (open_result != MODULE_SUCCESS)
		return tdshm_error_set(err, TDSHM_NOT_FOUND, "cannot load the module '%s': %s",
				       config->module_path, selfcheck_module_error(open_result));
	if (!obs_init_module(module))
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "the module '%s' refused to initialise (its obs_module_load "
				       "returned false; see the log)",
				       config->module_path);

	struct video_scale_info conversion = {
	    .format = VIDEO_FORMAT_BGRA,
	    .width = config->width,
	    .height = config->height,
	    .range = VIDEO_RANGE_FULL,
	    .colorspace = VIDEO_CS_SRGB,
	};
	obs_add_raw_video_callback(&conversion, selfcheck_on_video, NULL);
	video_hooked = true;
	return TDSHM_OK;
}

tdshm_status selfcheck_obs_show_source(const char *id, const char *settings_json, tdshm_error *err)
{
	if (!obs_source_get_display_name(id))
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "the module loaded but registers no source '%s' (an old or "
				       "different obs-tdshm?)",
				       id);
	obs_data_t *settings = obs_data_create_from_json(settings_json);
	if (!settings)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "bad settings JSON: %s",
				       settings_json);
	shown_source = obs_source_create(id, "selfcheck", settings, NULL);
	obs_data_release(settings);
	if (!shown_source)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "OBS could not create a '%s' source (see the log)", id);
	obs_set_output_source(0, shown_source);
	return TDSHM_OK;
}

bool selfcheck_obs_take_frame(uint64_t after_index, selfcheck_frame *out)
{
	bool taken = false;
	pthread_mutex_lock(&latest.mutex);
	if (latest.index > after_index) {
		size_t bytes = (size_t)latest.width * latest.height * 4;
		out->bgra = malloc(bytes);
		if (out->bgra) {
			memcpy(out->bgra, latest.bgra, bytes);
			out->width = latest.width;
			out->height = latest.height;
			out->linesize = latest.width * 4;
			out->index = latest.index;
			taken = true;
		}
	}
	pthread_mutex_unlock(&latest.mutex);
	return taken;
}

void selfcheck_obs_source_size(uint32_t *width, uint32_t *height)
{
	*width = shown_source ? obs_source_get_width(shown_source) : 0;
	*height = shown_source ? obs_source_get_height(shown_source) : 0;
}

void selfcheck_frame_free(selfcheck_frame *frame)
{
	free(frame->bgra);
	frame->bgra = NULL;
}

void selfcheck_obs_stop(void)
{
	if (shown_source) {
		obs_set_output_source(0, NULL);
		obs_source_release(shown_source);
		shown_source = NULL;
	}
	if (video_hooked) {
		obs_remove_raw_video_callback(selfcheck_on_video, NULL);
		video_hooked = false;
	}
	if (obs_started) {
		obs_shutdown();
		obs_started = false;
	}
	if (x_display) {
		XCloseDisplay(x_display);
		x_display = NULL;
	}
	free(latest.bgra);
	latest.bgra = NULL;
	base_set_log_handler(NULL, NULL);
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
}
