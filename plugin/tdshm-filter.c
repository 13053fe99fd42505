/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem Out": a video filter that sends whatever it is
 * on (a scene, a source) to TouchDesigner's Shared Mem In TOP.
 *
 * The capture runs from a main render callback, once per OBS frame, not from
 * video_render: video_render only runs while the parent is shown somewhere,
 * and users send scenes that are not on program. video_render draws the
 * parent unchanged. */
#include <obs-module.h>
#include <util/bmem.h>
#include <util/threading.h>

#include "frame-writer.h"

#define SETTING_ONLY_WHEN_ACTIVE "only_when_active"
#define SETTING_CUSTOM_SIZE "custom_size"
#define SETTING_WIDTH "width"
#define SETTING_HEIGHT "height"

#define TEXT_FILTER obs_module_text("TopFilter")
#define TEXT_ONLY_WHEN_ACTIVE obs_module_text("TopFilter.OnlyWhenActive")
#define TEXT_CUSTOM_SIZE obs_module_text("TopFilter.CustomSize")
#define TEXT_WIDTH obs_module_text("TopFilter.Width")
#define TEXT_HEIGHT obs_module_text("TopFilter.Height")

#define TDSHM_FILTER_MAX_SIZE 16384

struct tdshm_filter {
	obs_source_t *source;
	tdshm_frame_writer *writer;  /* thread-safe itself */
	tdshm_dialog_status *dialog; /* thread-safe itself */

	/* [RENDER] set by update (deferred to the graphics thread for video
	 * filters) and read by the render callback on the same thread. */
	bool only_when_active;
	bool custom_size;
	uint32_t custom_width, custom_height;
	uint64_t last_frame_time;   /* one capture per OBS frame */
	obs_source_t *owner_parent; /* parent named in "name is taken" messages */

	/* Last "enable" signal (written on the UI thread, read by update on
	 * the graphics thread: atomic). True from creation. */
	volatile bool enabled;
};

static const char *tdshm_filter_get_name(void *type_data)
{
	(void)type_data;
	return TEXT_FILTER;
}

/* "Scene 1 / TD out": who holds a name, for the "name is taken" message. */
static void tdshm_filter_update_owner(struct tdshm_filter *filter, obs_source_t *parent)
{
	char owner[128];
	snprintf(owner, sizeof(owner), "%s / %s", parent ? obs_source_get_name(parent) : "",
		 obs_source_get_name(filter->source));
	tdshm_frame_writer_set_owner(filter->writer, owner);
}

/* enabled is passed in: during create the source does not report its
 * enabled state yet (it is set, with an "enable" signal, after loading). */
static void tdshm_filter_apply(struct tdshm_filter *filter, obs_data_t *settings, bool enabled)
{
	tdshm_frame_writer_config config;
	if (enabled && tdshm_frame_writer_config_from_settings(&config, settings))
		tdshm_frame_writer_set_config(filter->writer, &config);
	else
		tdshm_frame_writer_stop(filter->writer);
}

/* A scene file may hold any number: keep the size to what the dialog offers. */
static uint32_t tdshm_filter_clamp_size(long long value)
{
	if (value < 16)
		return 16;
	return value > TDSHM_FILTER_MAX_SIZE ? TDSHM_FILTER_MAX_SIZE : (uint32_t)value;
}

static void tdshm_filter_update(void *data, obs_data_t *settings)
{
	struct tdshm_filter *filter = data;
	filter->only_when_active = obs_data_get_bool(settings, SETTING_ONLY_WHEN_ACTIVE);
	filter->custom_size = obs_data_get_bool(settings, SETTING_CUSTOM_SIZE);
	filter->custom_width = tdshm_filter_clamp_size(obs_data_get_int(settings, SETTING_WIDTH));
	filter->custom_height = tdshm_filter_clamp_size(obs_data_get_int(settings, SETTING_HEIGHT));
	tdshm_filter_apply(filter, settings, os_atomic_load_bool(&filter->enabled));
}

static void tdshm_filter_render_target(void *param, uint32_t width, uint32_t height)
{
	(void)width;
	(void)height;
	struct tdshm_filter *filter = param;
	obs_source_skip_video_filter(filter->source);
}

/* Main render callback: graphics thread, graphics context entered, before
 * the main view is drawn. */
static void tdshm_filter_capture(void *data, uint32_t cx, uint32_t cy)
{
	(void)cx;
	(void)cy;
	struct tdshm_filter *filter = data;
	obs_source_t *parent = obs_filter_get_parent(filter->source);
	if (!parent || !obs_source_enabled(filter->source))
		return;
	if (filter->only_when_active && !obs_source_active(parent))
		return;
	/* Several mixes (virtual camera, other canvases) call this more than
	 * once per frame. */
	uint64_t frame_time = obs_get_video_frame_time();
	if (frame_time == filter->last_frame_time)
		return;
	filter->last_frame_time = frame_time;

	obs_source_t *target = obs_filter_get_target(filter->source);
	uint32_t src_width = target ? obs_source_get_base_width(target) : 0;
	uint32_t src_height = target ? obs_source_get_base_height(target) : 0;
	if (!src_width || !src_height)
		return;
	if (parent != filter->owner_parent) {
		filter->owner_parent = parent;
		tdshm_filter_update_owner(filter, parent);
	}
	uint32_t width = src_width, height = src_height;
	if (filter->custom_size && filter->custom_width && filter->custom_height) {
		width = filter->custom_width;
		height = filter->custom_height;
	}
	tdshm_frame_writer_capture(filter->writer, width, height, src_width, src_height,
				   tdshm_filter_render_target, filter);
}

static void tdshm_filter_enable_changed(void *data, calldata_t *cd)
{
	struct tdshm_filter *filter = data;
	/* Disabled: detach now, so TouchDesigner's receiver lets go; enabled:
	 * start again with the saved settings. */
	bool enabled = calldata_bool(cd, "enabled");
	os_atomic_set_bool(&filter->enabled, enabled);
	obs_data_t *settings = obs_source_get_settings(filter->source);
	tdshm_filter_apply(filter, settings, enabled);
	obs_data_release(settings);
}

static void tdshm_filter_get_stats(void *data, calldata_t *cd)
{
	struct tdshm_filter *filter = data;
	tdshm_writer_stats stats;
	tdshm_frame_writer_get_stats(filter->writer, &stats);
	tdshm_frame_writer_stats_to_calldata(&stats, cd);
}

static void *tdshm_filter_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_filter *filter = bzalloc(sizeof(*filter));
	filter->source = source;
	os_atomic_set_bool(&filter->enabled, true);
	filter->writer = tdshm_frame_writer_create(obs_source_get_name(source));
	if (!filter->writer) {
		bfree(filter);
		return NULL;
	}
	filter->dialog = tdshm_dialog_status_create(source, tdshm_frame_writer_dialog_line, NULL,
						    filter->writer);
	tdshm_filter_update(filter, settings);

	signal_handler_connect(obs_source_get_signal_handler(source), "enable",
			       tdshm_filter_enable_changed, filter);
	proc_handler_add(obs_source_get_proc_handler(source), TDSHM_WRITER_STATS_PROC,
			 tdshm_filter_get_stats, filter);
	obs_add_main_render_callback(tdshm_filter_capture, filter);
	return filter;
}

static void tdshm_filter_destroy(void *data)
{
	struct tdshm_filter *filter = data;
	tdshm_dialog_status_destroy(filter->dialog); /* before the writer goes */
	/* After this returns no capture runs: the callback list is locked
	 * while callbacks run. */
	obs_remove_main_render_callback(tdshm_filter_capture, filter);
	signal_handler_disconnect(obs_source_get_signal_handler(filter->source), "enable",
				  tdshm_filter_enable_changed, filter);
	tdshm_frame_writer_destroy(filter->writer);
	bfree(filter);
}

static void tdshm_filter_remove(void *data, obs_source_t *parent)
{
	(void)parent;
	struct tdshm_filter *filter = data;
	/* Removed: detach and unlink now, even if something still holds a
	 * reference to the filter. (OBS's undo re-creates a removed filter.) */
	tdshm_frame_writer_stop(filter->writer);
}

static void tdshm_filter_video_render(void *data, gs_effect_t *effect)
{
	(void)effect;
	struct tdshm_filter *filter = data;
	obs_source_skip_video_filter(filter->source);
}

static void tdshm_filter_get_defaults(obs_data_t *settings)
{
	tdshm_frame_writer_config_defaults(settings);
	obs_data_set_default_bool(settings, SETTING_ONLY_WHEN_ACTIVE, false);
	obs_data_set_default_bool(settings, SETTING_CUSTOM_SIZE, false);
	obs_data_set_default_int(settings, SETTING_WIDTH, 1920);
	obs_data_set_default_int(settings, SETTING_HEIGHT, 1080);
}

static bool tdshm_filter_custom_size_modified(obs_properties_t *props, obs_property_t *property,
					      obs_data_t *settings)
{
	(void)property;
	bool custom = obs_data_get_bool(settings, SETTING_CUSTOM_SIZE);
	obs_property_set_visible(obs_properties_get(props, SETTING_WIDTH), custom);
	obs_property_set_visible(obs_properties_get(props, SETTING_HEIGHT), custom);
	return true;
}

static obs_properties_t *tdshm_filter_get_properties(void *data)
{
	struct tdshm_filter *filter = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status_add(props, filter ? filter->dialog : NULL,
				obs_module_text("TopFilter.Status.Stopped"));
	tdshm_frame_writer_add_properties(props, filter ? filter->dialog : NULL);

	obs_properties_add_bool(props, SETTING_ONLY_WHEN_ACTIVE, TEXT_ONLY_WHEN_ACTIVE);
	obs_property_t *p = obs_properties_add_bool(props, SETTING_CUSTOM_SIZE, TEXT_CUSTOM_SIZE);
	obs_property_set_modified_callback(p, tdshm_filter_custom_size_modified);
	obs_properties_add_int(props, SETTING_WIDTH, TEXT_WIDTH, 16, TDSHM_FILTER_MAX_SIZE, 1);
	obs_properties_add_int(props, SETTING_HEIGHT, TEXT_HEIGHT, 16, TDSHM_FILTER_MAX_SIZE, 1);
	return props;
}

struct obs_source_info tdshm_top_filter = {
    .id = "tdshm_top_filter",
    .type = OBS_SOURCE_TYPE_FILTER,
    .output_flags = OBS_SOURCE_VIDEO,
    .get_name = tdshm_filter_get_name,
    .create = tdshm_filter_create,
    .destroy = tdshm_filter_destroy,
    .update = tdshm_filter_update,
    .video_render = tdshm_filter_video_render,
    .filter_remove = tdshm_filter_remove,
    .get_defaults = tdshm_filter_get_defaults,
    .get_properties = tdshm_filter_get_properties,
};
