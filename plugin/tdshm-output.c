/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The program output ("TouchDesigner Output" in the Tools menu): the main
 * view rendered again into the writer's texture once per frame, from a main
 * render callback (libobs 29 calls those before the main view is drawn, so
 * obs_get_main_texture would still be empty there). */
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "frame-writer.h"
#include "output-audio.h"
#include "tdshm-output.h"

#define SETTING_ENABLED "enabled"
#define TEXT_OUTPUT obs_module_text("ProgramOutput")

struct tdshm_output {
	obs_source_t *source;
	tdshm_frame_writer *writer;
	tdshm_output_audio *audio;   /* program audio (output-audio.c); may be NULL */
	tdshm_dialog_status *dialog; /* the dialog's status row; thread-safe */
	/* [RENDER] */
	uint64_t last_frame_time;
	/* Whether the render callback is registered; UI thread (update). */
	bool capturing;
};

/* The one the Tools menu shows; guarded by tdshm_output_mutex. */
static pthread_mutex_t tdshm_output_mutex = PTHREAD_MUTEX_INITIALIZER;
static obs_source_t *tdshm_output_source;

static const char *tdshm_output_get_name(void *type_data)
{
	(void)type_data;
	return TEXT_OUTPUT;
}

/* What the main view draws: every output channel in order (the program
 * scene or transition on 0, a downstream keyer on a higher one). */
static void tdshm_output_render_main_view(void *param, uint32_t width, uint32_t height)
{
	(void)param;
	(void)width;
	(void)height;
	for (uint32_t channel = 0; channel < MAX_CHANNELS; channel++) {
		obs_source_t *source = obs_get_output_source(channel);
		if (!source)
			continue;
		if (obs_source_get_output_flags(source) & OBS_SOURCE_VIDEO)
			obs_source_video_render(source);
		obs_source_release(source);
	}
}

static void tdshm_output_capture(void *data, uint32_t cx, uint32_t cy)
{
	struct tdshm_output *output = data;
	uint64_t frame_time = obs_get_video_frame_time();
	if (frame_time == output->last_frame_time)
		return;
	output->last_frame_time = frame_time;
	struct obs_video_info ovi;
	if (!obs_get_video_info(&ovi))
		return;
	(void)cx;
	(void)cy;
	tdshm_frame_writer_capture(output->writer, ovi.base_width, ovi.base_height, ovi.base_width,
				   ovi.base_height, tdshm_output_render_main_view, output);
}

static void tdshm_output_update(void *data, obs_data_t *settings)
{
	struct tdshm_output *output = data;
	tdshm_frame_writer_config config;
	bool start = obs_data_get_bool(settings, SETTING_ENABLED) &&
		     tdshm_frame_writer_config_from_settings(&config, settings);
	if (start) {
		tdshm_frame_writer_set_config(output->writer, &config);
		if (!output->capturing)
			obs_add_main_render_callback(tdshm_output_capture, output);
		output->capturing = true;
	} else {
		if (output->capturing)
			obs_remove_main_render_callback(tdshm_output_capture, output);
		output->capturing = false;
		tdshm_frame_writer_stop(output->writer);
	}
	tdshm_output_audio_update(output->audio, settings,
				  obs_data_get_bool(settings, SETTING_ENABLED));
}

static void tdshm_output_get_stats(void *data, calldata_t *cd)
{
	struct tdshm_output *output = data;
	tdshm_writer_stats stats;
	tdshm_frame_writer_get_stats(output->writer, &stats);
	tdshm_frame_writer_stats_to_calldata(&stats, cd);
}

/* The status row: the picture's line, then the program audio's (any thread:
 * both parts take their own locks). */
static void tdshm_output_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	struct tdshm_output *output = owner;
	tdshm_frame_writer_dialog_line(output->writer, line);
	tdshm_dialog_status_line audio;
	tdshm_output_audio_dialog_line(output->audio, &audio);
	size_t used = strlen(line->text);
	snprintf(line->text + used, sizeof(line->text) - used, "\n%s", audio.text);
	used = strlen(line->key);
	snprintf(line->key + used, sizeof(line->key) - used, "|%s", audio.key);
	if (audio.type == OBS_TEXT_INFO_ERROR)
		line->type = OBS_TEXT_INFO_ERROR;
}

static void *tdshm_output_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_output *output = bzalloc(sizeof(*output));
	output->source = source;
	output->writer = tdshm_frame_writer_create(TEXT_OUTPUT);
	if (!output->writer) {
		bfree(output);
		return NULL;
	}
	output->audio = tdshm_output_audio_create();
	output->dialog = tdshm_dialog_status_create(source, tdshm_output_dialog_line, NULL, output);
	proc_handler_add(obs_source_get_proc_handler(source), TDSHM_WRITER_STATS_PROC,
			 tdshm_output_get_stats, output);
	tdshm_output_update(output, settings);
	return output;
}

static void tdshm_output_destroy(void *data)
{
	struct tdshm_output *output = data;
	tdshm_dialog_status_destroy(output->dialog); /* before the writer goes */
	if (output->capturing)
		obs_remove_main_render_callback(tdshm_output_capture, output);
	tdshm_output_audio_destroy(output->audio);
	tdshm_frame_writer_destroy(output->writer);
	bfree(output);
}

static void tdshm_output_get_defaults(obs_data_t *settings)
{
	tdshm_frame_writer_config_defaults(settings);
	obs_data_set_default_string(settings, TDSHM_SETTING_NAME, "OBS Program");
	obs_data_set_default_bool(settings, SETTING_ENABLED, false);
	tdshm_output_audio_defaults(settings);
}

static obs_properties_t *tdshm_output_get_properties(void *data)
{
	struct tdshm_output *output = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status *dialog = output ? output->dialog : NULL;
	tdshm_dialog_status_add(props, dialog, obs_module_text("TopFilter.Status.Stopped"));
	obs_properties_add_bool(props, SETTING_ENABLED, obs_module_text("ProgramOutput.Enabled"));
	tdshm_frame_writer_add_properties(props, dialog);
	tdshm_output_audio_add_properties(props, output ? output->audio : NULL, dialog);
	return props;
}

/* Hidden from "Add source": only the Tools menu creates one. */
static struct obs_source_info tdshm_program_output = {
    .id = "tdshm_program_output",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_CAP_DISABLED | OBS_SOURCE_DO_NOT_DUPLICATE,
    .get_name = tdshm_output_get_name,
    .create = tdshm_output_create,
    .destroy = tdshm_output_destroy,
    .update = tdshm_output_update,
    .get_defaults = tdshm_output_get_defaults,
    .get_properties = tdshm_output_get_properties,
};

obs_source_t *tdshm_output_get_source(void)
{
	pthread_mutex_lock(&tdshm_output_mutex);
	obs_source_t *source = obs_source_get_ref(tdshm_output_source);
	pthread_mutex_unlock(&tdshm_output_mutex);
	return source;
}

obs_source_t *tdshm_output_restore(const char *path)
{
	obs_source_t *existing = tdshm_output_get_source();
	if (existing)
		return existing;
	obs_data_t *settings = path ? obs_data_create_from_json_file_safe(path, "bak") : NULL;
	if (!settings)
		settings = obs_data_create();
	obs_source_t *source =
	    obs_source_create_private("tdshm_program_output", TEXT_OUTPUT, settings);
	obs_data_release(settings);
	if (!source)
		return NULL;
	pthread_mutex_lock(&tdshm_output_mutex);
	if (tdshm_output_source) {
		/* Another thread restored it meanwhile: keep theirs. */
		pthread_mutex_unlock(&tdshm_output_mutex);
		obs_source_release(source);
		return tdshm_output_get_source();
	}
	tdshm_output_source = source;
	pthread_mutex_unlock(&tdshm_output_mutex);
	return obs_source_get_ref(source);
}

bool tdshm_output_save(const char *path)
{
	obs_source_t *source = tdshm_output_get_source();
	if (!source || !path)
		return false;
	obs_data_t *settings = obs_source_get_settings(source);
	obs_source_release(source);
	char *dir = bstrdup(path);
	/* OBS's module config paths use '/' on every platform. */
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		os_mkdirs(dir);
	}
	bfree(dir);
	bool saved = obs_data_save_json_safe(settings, path, "tmp", "bak");
	obs_data_release(settings);
	return saved;
}

void tdshm_output_set_enabled(bool enabled)
{
	obs_source_t *source = tdshm_output_get_source();
	if (!source)
		return;
	obs_data_t *change = obs_data_create();
	obs_data_set_bool(change, SETTING_ENABLED, enabled);
	obs_source_update(source, change);
	obs_data_release(change);
	obs_source_release(source);
}

bool tdshm_output_enabled(void)
{
	obs_source_t *source = tdshm_output_get_source();
	if (!source)
		return false;
	obs_data_t *settings = obs_source_get_settings(source);
	bool enabled = obs_data_get_bool(settings, SETTING_ENABLED);
	obs_data_release(settings);
	obs_source_release(source);
	return enabled;
}

/* ---- procs on obs_get_proc_handler(), for scripts and tests ---- */

static void tdshm_output_proc_restore(void *data, calldata_t *cd)
{
	(void)data;
	const char *path = calldata_string(cd, "path");
	obs_source_t *source = tdshm_output_restore(path && path[0] ? path : NULL);
	calldata_set_bool(cd, "enabled", source && tdshm_output_enabled());
	obs_source_release(source);
}

static void tdshm_output_proc_save(void *data, calldata_t *cd)
{
	(void)data;
	calldata_set_bool(cd, "saved", tdshm_output_save(calldata_string(cd, "path")));
}

static void tdshm_output_proc_set_enabled(void *data, calldata_t *cd)
{
	(void)data;
	tdshm_output_set_enabled(calldata_bool(cd, "enabled"));
}

static void tdshm_output_proc_unload(void *data, calldata_t *cd)
{
	(void)data;
	(void)cd;
	tdshm_output_unload();
}

void tdshm_output_load(void)
{
	obs_register_source(&tdshm_program_output);
	proc_handler_t *ph = obs_get_proc_handler();
	proc_handler_add(ph, "void tdshm_output_restore(in string path, out bool enabled)",
			 tdshm_output_proc_restore, NULL);
	proc_handler_add(ph, "void tdshm_output_save(in string path, out bool saved)",
			 tdshm_output_proc_save, NULL);
	proc_handler_add(ph, "void tdshm_output_set_enabled(in bool enabled)",
			 tdshm_output_proc_set_enabled, NULL);
	proc_handler_add(ph, "void tdshm_output_unload()", tdshm_output_proc_unload, NULL);
}

void tdshm_output_unload(void)
{
	pthread_mutex_lock(&tdshm_output_mutex);
	obs_source_t *source = tdshm_output_source;
	tdshm_output_source = NULL;
	pthread_mutex_unlock(&tdshm_output_mutex);
	/* Destroying the private source stops the output (detach, unlink). */
	obs_source_release(source);
}
