/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame writer's settings side, shared by the filter and the program
 * output: settings keys to a config, the dialog's fields and status row,
 * and the counters as calldata. Nothing here touches a sender or the GPU. */
#include <stdio.h>
#include <string.h>

#include <obs-module.h>

#include "frame-writer.h"
#include "plugin-log.h"

static const struct {
	const char *name;
	enum gs_color_format gs_format;
} tdshm_writer_formats[] = {
    {TDSHM_FORMAT_BGRA8, GS_BGRA},
    {TDSHM_FORMAT_RGBA8, GS_RGBA},
    {TDSHM_FORMAT_RGBA16F, GS_RGBA16F},
    {TDSHM_FORMAT_RGBA32F, GS_RGBA32F},
};

void tdshm_frame_writer_config_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, TDSHM_SETTING_NAME, "");
	obs_data_set_default_string(settings, TDSHM_SETTING_FORMAT, TDSHM_FORMAT_BGRA8);
	obs_data_set_default_bool(settings, TDSHM_SETTING_FLIP, true);
	obs_data_set_default_string(settings, TDSHM_SETTING_ALPHA, TDSHM_ALPHA_VALUE_PREMULTIPLIED);
	obs_data_set_default_string(settings, TDSHM_SETTING_HEADER, TDSHM_HEADER_VALUE_CURRENT);
}

bool tdshm_frame_writer_config_from_settings(tdshm_frame_writer_config *config,
					     obs_data_t *settings)
{
	memset(config, 0, sizeof(*config));
	const char *name = obs_data_get_string(settings, TDSHM_SETTING_NAME);
	snprintf(config->name, sizeof(config->name), "%s", name ? name : "");

	/* Unknown values (a newer version's scene file) fall back to the default. */
	const char *format = obs_data_get_string(settings, TDSHM_SETTING_FORMAT);
	config->format = tdshm_pixel_format_by_name(TDSHM_FORMAT_BGRA8);
	config->gs_format = GS_BGRA;
	for (size_t i = 0; i < sizeof(tdshm_writer_formats) / sizeof(tdshm_writer_formats[0]);
	     i++) {
		if (format && strcmp(format, tdshm_writer_formats[i].name) == 0) {
			config->format = tdshm_pixel_format_by_name(tdshm_writer_formats[i].name);
			config->gs_format = tdshm_writer_formats[i].gs_format;
		}
	}
	config->bottom_up = obs_data_get_bool(settings, TDSHM_SETTING_FLIP);
	const char *alpha = obs_data_get_string(settings, TDSHM_SETTING_ALPHA);
	config->alpha = alpha && strcmp(alpha, TDSHM_ALPHA_VALUE_STRAIGHT) == 0
			    ? TDSHM_ALPHA_STRAIGHT
			    : TDSHM_ALPHA_PREMULTIPLIED;
	const char *header = obs_data_get_string(settings, TDSHM_SETTING_HEADER);
	config->header = header && strcmp(header, TDSHM_HEADER_VALUE_LEGACY) == 0
			     ? TDSHM_TOP_HEADER_LEGACY
			     : TDSHM_TOP_HEADER_CURRENT;
	return config->name[0] != '\0' && config->format != NULL;
}

/* The locale strings are filled as text, never used as formats. */
void tdshm_frame_writer_status_text(const tdshm_writer_stats *stats, char *out, size_t cap)
{
	char width[16], height[16], frames[24], skipped[24];
	snprintf(width, sizeof(width), "%u", stats->width);
	snprintf(height, sizeof(height), "%u", stats->height);
	snprintf(frames, sizeof(frames), "%llu", (unsigned long long)stats->frames_written);
	snprintf(skipped, sizeof(skipped), "%llu", (unsigned long long)stats->skipped_locked);
	const char *name_only[] = {stats->name};
	const char *sized[] = {stats->name, width, height};
	const char *sending[] = {stats->name, width, height, frames, skipped};
	const char *message[] = {stats->message};
	switch (stats->state) {
	case TDSHM_WRITER_STOPPED:
		tdshm_text_fill(out, cap, "TopFilter.Status.Stopped", NULL, 0);
		break;
	case TDSHM_WRITER_STARTING:
		tdshm_text_fill(out, cap, "TopFilter.Status.Starting", name_only, 1);
		break;
	case TDSHM_WRITER_WAITING:
		tdshm_text_fill(out, cap, "TopFilter.Status.Waiting", sized, 3);
		break;
	case TDSHM_WRITER_SENDING:
		tdshm_text_fill(out, cap, "TopFilter.Status.Sending", sending, 5);
		break;
	case TDSHM_WRITER_ERROR:
		tdshm_text_fill(out, cap, "TopFilter.Status.Error", message, 1);
		break;
	case TDSHM_WRITER_SETTLING:
		tdshm_text_fill(out, cap, "TopFilter.Status.Settling", name_only, 1);
		break;
	}
}

void tdshm_frame_writer_stats_to_calldata(const tdshm_writer_stats *stats, calldata_t *cd)
{
	char text[TDSHM_ERROR_MESSAGE_MAX + 256];
	tdshm_frame_writer_status_text(stats, text, sizeof(text));
	calldata_set_int(cd, "state", stats->state);
	calldata_set_bool(cd, "error", stats->state == TDSHM_WRITER_ERROR);
	calldata_set_string(cd, "status", text);
	calldata_set_string(cd, "message", stats->message);
	calldata_set_string(cd, "data_name", stats->data_name);
	calldata_set_int(cd, "width", stats->width);
	calldata_set_int(cd, "height", stats->height);
	calldata_set_int(cd, "readbacks", (long long)stats->readbacks);
	calldata_set_int(cd, "frames_written", (long long)stats->frames_written);
	calldata_set_int(cd, "skipped_locked", (long long)stats->skipped_locked);
	calldata_set_int(cd, "frames_idle", (long long)stats->frames_idle);
	calldata_set_int(cd, "resizes", (long long)stats->resizes);
	calldata_set_int(cd, "senders_created", (long long)stats->senders_created);
	calldata_set_int(cd, "copy_ns_total", (long long)stats->copy_ns_total);
	calldata_set_int(cd, "copy_ns_min", (long long)stats->copy_ns_min);
	calldata_set_int(cd, "render_ns_total", (long long)stats->render_ns_total);
	calldata_set_int(cd, "stage_ns_total", (long long)stats->stage_ns_total);
	calldata_set_int(cd, "skipped_pending", (long long)stats->skipped_pending);
	calldata_set_int(cd, "map_ns_total", (long long)stats->map_ns_total);
	calldata_set_int(cd, "write_ns_total", (long long)stats->write_ns_total);
	calldata_set_int(cd, "capture_ns_total", (long long)stats->capture_ns_total);
	calldata_set_int(cd, "capture_ns_longest", (long long)stats->capture_ns_longest);
	calldata_set_int(cd, "captures", (long long)stats->captures);
	calldata_set_int(cd, "render_ns_last", (long long)stats->render_ns_last);
	calldata_set_int(cd, "map_ns_last", (long long)stats->map_ns_last);
	calldata_set_int(cd, "write_ns_last", (long long)stats->write_ns_last);
	calldata_set_int(cd, "capture_ns_last", (long long)stats->capture_ns_last);
}

#define TEXT_NAME obs_module_text("TopFilter.Name")
#define TEXT_NAME_HINT obs_module_text("TopFilter.Name.Hint")
#define TEXT_FORMAT obs_module_text("TopFilter.Format")
#define TEXT_FLIP obs_module_text("TopFilter.Flip")
#define TEXT_ALPHA obs_module_text("TopFilter.Alpha")
#define TEXT_ALPHA_PREMULTIPLIED obs_module_text("TopFilter.Alpha.Premultiplied")
#define TEXT_ALPHA_STRAIGHT obs_module_text("TopFilter.Alpha.Straight")
#define TEXT_HEADER obs_module_text("TopFilter.Header")
#define TEXT_HEADER_CURRENT obs_module_text("TopFilter.Header.Current")
#define TEXT_HEADER_LEGACY obs_module_text("TopFilter.Header.Legacy")

void tdshm_frame_writer_add_properties(obs_properties_t *props, tdshm_dialog_status *dialog)
{
	obs_property_t *p = tdshm_dialog_status_add_typed_text(props, dialog, TDSHM_SETTING_NAME,
							       TEXT_NAME, TEXT_NAME_HINT);

	p = obs_properties_add_list(props, TDSHM_SETTING_FORMAT, TEXT_FORMAT, OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, obs_module_text("TopFilter.Format.BGRA8"),
				     TDSHM_FORMAT_BGRA8);
	obs_property_list_add_string(p, obs_module_text("TopFilter.Format.RGBA8"),
				     TDSHM_FORMAT_RGBA8);
	obs_property_list_add_string(p, obs_module_text("TopFilter.Format.RGBA16F"),
				     TDSHM_FORMAT_RGBA16F);
	obs_property_list_add_string(p, obs_module_text("TopFilter.Format.RGBA32F"),
				     TDSHM_FORMAT_RGBA32F);

	obs_properties_add_bool(props, TDSHM_SETTING_FLIP, TEXT_FLIP);

	p = obs_properties_add_list(props, TDSHM_SETTING_ALPHA, TEXT_ALPHA, OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, TEXT_ALPHA_PREMULTIPLIED, TDSHM_ALPHA_VALUE_PREMULTIPLIED);
	obs_property_list_add_string(p, TEXT_ALPHA_STRAIGHT, TDSHM_ALPHA_VALUE_STRAIGHT);

	p = obs_properties_add_list(props, TDSHM_SETTING_HEADER, TEXT_HEADER, OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, TEXT_HEADER_CURRENT, TDSHM_HEADER_VALUE_CURRENT);
	obs_property_list_add_string(p, TEXT_HEADER_LEGACY, TDSHM_HEADER_VALUE_LEGACY);
}

void tdshm_frame_writer_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	tdshm_writer_stats stats;
	tdshm_frame_writer_get_stats(owner, &stats);
	tdshm_frame_writer_status_text(&stats, line->text, sizeof(line->text));
	snprintf(line->key, sizeof(line->key), "%d|%.200s|%ux%u|%.200s", (int)stats.state,
		 stats.name, stats.width, stats.height, stats.message);
	bool fine = stats.state == TDSHM_WRITER_SENDING || stats.state == TDSHM_WRITER_WAITING;
	line->type = stats.state == TDSHM_WRITER_ERROR ? OBS_TEXT_INFO_ERROR
		     : fine                            ? OBS_TEXT_INFO_NORMAL
						       : OBS_TEXT_INFO_WARNING;
}
