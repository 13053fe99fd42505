/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>
#include <util/platform.h>

#include "frame-writer.h"

#define writer_log(level, w, format, ...)                                                          \
	blog(level, "[tdshm-out: '%s'] " format, (w)->owner, ##__VA_ARGS__)

struct tdshm_frame_writer {
	pthread_mutex_t mutex; /* guards everything below */
	char owner[128];

	/* What the user asked for (any thread, under the mutex). */
	tdshm_frame_writer_config wanted;
	bool running;
	bool configured;            /* set_config was called before */
	uint64_t name_settle_at_ns; /* wanted.name is used from then on */

	/* [RENDER] what the segment currently holds; changed only in capture,
	 * except the sender, which stop() may close from another thread. */
	tdshm_frame_writer_config live;
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	size_t segment_size;
	uint32_t width, height;
	uint64_t retry_at_ns;
	bool receiver_attached; /* last seen, for logging changes once */

	/* [RENDER] GPU objects: created, used and freed with graphics entered. */
	gs_texrender_t *texrender;
	enum gs_color_format texrender_format;
	tdshm_readback_ring ring;

	tdshm_writer_stats stats;
};

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

tdshm_frame_writer *tdshm_frame_writer_create(const char *owner)
{
	tdshm_frame_writer *writer = bzalloc(sizeof(*writer));
	if (pthread_mutex_init(&writer->mutex, NULL) != 0) {
		bfree(writer);
		return NULL;
	}
	snprintf(writer->owner, sizeof(writer->owner), "%s", owner ? owner : "");
	tdshm_readback_ring_init(&writer->ring);
	writer->texrender_format = GS_UNKNOWN;
	return writer;
}

void tdshm_frame_writer_set_owner(tdshm_frame_writer *writer, const char *owner)
{
	pthread_mutex_lock(&writer->mutex);
	snprintf(writer->owner, sizeof(writer->owner), "%s", owner ? owner : "");
	pthread_mutex_unlock(&writer->mutex);
}

static void tdshm_writer_fail(tdshm_frame_writer *writer, const char *message)
{
	if (writer->stats.state != TDSHM_WRITER_ERROR ||
	    strcmp(writer->stats.message, message) != 0)
		writer_log(LOG_WARNING, writer, "%s", message);
	writer->stats.state = TDSHM_WRITER_ERROR;
	snprintf(writer->stats.message, sizeof(writer->stats.message), "%s", message);
}

/* Mutex held. Sets detach and removes the segments (bounded wait). */
static void tdshm_writer_close_sender(tdshm_frame_writer *writer, uint32_t timeout_ms)
{
	if (writer->sender) {
		writer_log(LOG_INFO, writer, "stopped sending '%s'", writer->live.name);
		tdshm_sender_destroy(writer->sender, timeout_ms);
		writer->sender = NULL;
	}
	tdshm_name_claim_release(writer->claim);
	writer->claim = NULL;
	writer->segment_size = 0;
	writer->width = writer->height = 0;
	writer->receiver_attached = false;
	writer->stats.data_name[0] = '\0';
	/* Staged frames belong to the old segment; GPU objects stay for reuse. */
	for (int i = 0; i < TDSHM_READBACK_SLOTS; i++)
		writer->ring.slots[i].staged = false;
	writer->ring.frame = 0;
}

void tdshm_frame_writer_set_config(tdshm_frame_writer *writer,
				   const tdshm_frame_writer_config *config)
{
	pthread_mutex_lock(&writer->mutex);
	/* The first name (a scene loading, a filter created with settings) is
	 * used at once; a changed one once it has stopped changing. */
	if (writer->configured && strcmp(config->name, writer->wanted.name) != 0)
		writer->name_settle_at_ns = os_gettime_ns() + TDSHM_NAME_SETTLE_NS;
	writer->configured = true;
	writer->wanted = *config;
	if (!writer->running || strcmp(writer->wanted.name, writer->live.name) != 0)
		writer->retry_at_ns = 0; /* a new name is tried at once */
	writer->running = true;
	if (writer->stats.state == TDSHM_WRITER_STOPPED)
		writer->stats.state = TDSHM_WRITER_STARTING;
	pthread_mutex_unlock(&writer->mutex);
}

void tdshm_frame_writer_stop(tdshm_frame_writer *writer)
{
	pthread_mutex_lock(&writer->mutex);
	writer->running = false;
	tdshm_writer_close_sender(writer, TDSHM_WRITER_STOP_TIMEOUT_MS);
	writer->stats.state = TDSHM_WRITER_STOPPED;
	writer->stats.message[0] = '\0';
	pthread_mutex_unlock(&writer->mutex);
}

void tdshm_frame_writer_destroy(tdshm_frame_writer *writer)
{
	if (!writer)
		return;
	tdshm_frame_writer_stop(writer);
	obs_enter_graphics();
	tdshm_readback_ring_free(&writer->ring);
	gs_texrender_destroy(writer->texrender);
	obs_leave_graphics();
	pthread_mutex_destroy(&writer->mutex);
	bfree(writer);
}

static tdshm_top_frame tdshm_writer_frame(const tdshm_frame_writer_config *config, uint32_t width,
					  uint32_t height)
{
	tdshm_top_frame frame;
	memset(&frame, 0, sizeof(frame));
	frame.header.kind = config->header;
	frame.header.version =
	    config->header == TDSHM_TOP_HEADER_LEGACY ? TDSHM_TOP_LEGACY_VERSION : 1;
	frame.header.width = width;
	frame.header.height = height;
	frame.header.format = config->format;
	frame.bottom_up = config->bottom_up;
	frame.alpha = config->alpha;
	return frame;
}

static void tdshm_writer_note_data_name(tdshm_frame_writer *writer)
{
	snprintf(writer->stats.data_name, sizeof(writer->stats.data_name), "%s",
		 tdshm_sender_data_name(writer->sender));
}

/* Mutex held, graphics thread. Makes the sender match live config and size;
 * false when there is nothing to send into this frame. */
static bool tdshm_writer_prepare_sender(tdshm_frame_writer *writer, uint32_t width, uint32_t height)
{
	tdshm_top_frame frame = tdshm_writer_frame(&writer->live, width, height);
	size_t needed = 0;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_top_frame_segment_size(&frame, &needed, &err) != TDSHM_OK) {
		tdshm_writer_fail(writer, err.message);
		return false;
	}

	if (!writer->sender) {
		uint64_t now = os_gettime_ns();
		if (now < writer->retry_at_ns)
			return false;
		if (!writer->claim && tdshm_name_claim_take(writer->live.name, writer->owner,
							    &writer->claim, &err) != TDSHM_OK) {
			tdshm_writer_fail(writer, err.message);
			writer->retry_at_ns = now + TDSHM_WRITER_RETRY_NS;
			return false;
		}
		tdshm_status status = tdshm_sender_create(
		    writer->live.name, needed, TDSHM_WRITER_LOCK_TIMEOUT_MS, &writer->sender, &err);
		if (status != TDSHM_OK) {
			writer->sender = NULL;
			/* A busy info lock is retried next frame; anything else
			 * (the name taken by another program, a system error)
			 * once a second. */
			tdshm_writer_fail(writer, err.message);
			if (status != TDSHM_TIMED_OUT)
				writer->retry_at_ns = now + TDSHM_WRITER_RETRY_NS;
			return false;
		}
		writer->segment_size = needed;
		writer->width = width;
		writer->height = height;
		writer->stats.senders_created++;
		writer->stats.state = TDSHM_WRITER_WAITING;
		writer->stats.message[0] = '\0';
		tdshm_writer_note_data_name(writer);
		writer_log(LOG_INFO, writer, "sending '%s': %ux%u %s", writer->live.name, width,
			   height, writer->live.format->name);
		/* No header yet: the segment stays all zero (which receivers
		 * read as "nothing written yet") until the first image OBS
		 * rendered for this size and format is copied in. A header
		 * over an empty image would show as a transparent flash. */
		return true;
	}

	if (needed != writer->segment_size) {
		tdshm_status status =
		    tdshm_sender_resize(writer->sender, needed, TDSHM_WRITER_LOCK_TIMEOUT_MS, &err);
		if (status == TDSHM_TIMED_OUT) {
			writer->stats.skipped_locked++;
			return false;
		}
		if (status != TDSHM_OK) {
			tdshm_writer_fail(writer, err.message);
			tdshm_writer_close_sender(writer, TDSHM_WRITER_LOCK_TIMEOUT_MS);
			writer->retry_at_ns = os_gettime_ns() + TDSHM_WRITER_RETRY_NS;
			return false;
		}
		writer->segment_size = needed;
		writer->width = width;
		writer->height = height;
		writer->stats.resizes++;
		tdshm_writer_note_data_name(writer);
		writer_log(LOG_INFO, writer, "resized '%s' to %ux%u %s", writer->live.name, width,
			   height, writer->live.format->name);
		/* The new data segment, too, gets its header with its first
		 * image of the new size (frames staged at the old size are
		 * dropped in send_staged). */
	}
	writer->width = width;
	writer->height = height;
	return true;
}

/* Graphics thread: draws into the writer's texture. */
static gs_texture_t *tdshm_writer_render(tdshm_frame_writer *writer, uint32_t width,
					 uint32_t height, uint32_t src_width, uint32_t src_height,
					 tdshm_frame_render_fn render, void *param)
{
	if (writer->texrender && writer->texrender_format != writer->live.gs_format) {
		gs_texrender_destroy(writer->texrender);
		writer->texrender = NULL;
	}
	if (!writer->texrender) {
		writer->texrender = gs_texrender_create(writer->live.gs_format, GS_ZS_NONE);
		writer->texrender_format = writer->live.gs_format;
		if (!writer->texrender)
			return NULL;
	}
	gs_texrender_reset(writer->texrender);
	if (!gs_texrender_begin(writer->texrender, width, height))
		return NULL;
	struct vec4 transparent;
	vec4_zero(&transparent);
	gs_clear(GS_CLEAR_COLOR, &transparent, 0.0f, 0);
	gs_ortho(0.0f, (float)src_width, 0.0f, (float)src_height, -100.0f, 100.0f);
	/* OBS's own blend onto a cleared target: colour ends up multiplied by
	 * alpha (premultiplied), alpha accumulates as in the main view. */
	gs_blend_state_push();
	gs_enable_blending(true);
	gs_blend_function_separate(GS_BLEND_SRCALPHA, GS_BLEND_INVSRCALPHA, GS_BLEND_ONE,
				   GS_BLEND_INVSRCALPHA);
	render(param, width, height);
	gs_blend_state_pop();
	gs_texrender_end(writer->texrender);
	return gs_texrender_get_texture(writer->texrender);
}

/* Graphics thread, mutex held: the frame staged two frames ago into the
 * segment under the data lock. */
static void tdshm_writer_send_staged(tdshm_frame_writer *writer)
{
	uint64_t start = os_gettime_ns();
	uint8_t *data = NULL;
	uint32_t linesize = 0, width = 0, height = 0;
	enum gs_color_format format = GS_UNKNOWN;
	if (!tdshm_readback_ring_map(&writer->ring, &data, &linesize, &width, &height, &format))
		return;
	/* A frame staged before a resize or format change is dropped. */
	if (width != writer->width || height != writer->height ||
	    format != writer->live.gs_format) {
		tdshm_readback_ring_unmap(&writer->ring);
		return;
	}
	uint8_t *bytes = NULL;
	size_t size = 0;
	tdshm_error err;
	tdshm_status status = tdshm_sender_begin_write(writer->sender, TDSHM_WRITER_LOCK_TIMEOUT_MS,
						       &bytes, &size, &err);
	if (status == TDSHM_OK) {
		tdshm_top_frame frame = tdshm_writer_frame(&writer->live, width, height);
		status = tdshm_top_frame_write(&frame, data, linesize, bytes, size, &err);
		tdshm_sender_end_write(writer->sender);
		if (status == TDSHM_OK) {
			uint64_t took = os_gettime_ns() - start;
			writer->stats.frames_written++;
			writer->stats.state = TDSHM_WRITER_SENDING;
			writer->stats.copy_ns_total += took;
			if (!writer->stats.copy_ns_min || took < writer->stats.copy_ns_min)
				writer->stats.copy_ns_min = took;
		} else {
			tdshm_writer_fail(writer, err.message);
		}
	} else if (status == TDSHM_TIMED_OUT) {
		writer->stats.skipped_locked++;
	} else {
		tdshm_writer_fail(writer, err.message);
		/* Another process truncated our info segment: start again. */
		if (status == TDSHM_GONE) {
			tdshm_writer_close_sender(writer, TDSHM_WRITER_LOCK_TIMEOUT_MS);
			writer->retry_at_ns = os_gettime_ns() + TDSHM_WRITER_RETRY_NS;
		}
	}
	tdshm_readback_ring_unmap(&writer->ring);
}

void tdshm_frame_writer_capture(tdshm_frame_writer *writer, uint32_t width, uint32_t height,
				uint32_t src_width, uint32_t src_height,
				tdshm_frame_render_fn render, void *param)
{
	pthread_mutex_lock(&writer->mutex);
	if (!writer->running || width == 0 || height == 0 || !writer->wanted.name[0])
		goto out;

	/* While a new name settles the old one goes on as it was. */
	if (os_gettime_ns() >= writer->name_settle_at_ns) {
		/* A new name or header kind is a different sender; format and
		 * size changes go through resize below. */
		if (strcmp(writer->wanted.name, writer->live.name) != 0 ||
		    writer->wanted.header != writer->live.header)
			tdshm_writer_close_sender(writer, TDSHM_WRITER_LOCK_TIMEOUT_MS);
		writer->live = writer->wanted;
	}
	if (!writer->live.name[0])
		goto out;

	if (!tdshm_writer_prepare_sender(writer, width, height))
		goto out;

	/* Nobody reading: no render, no read-back, no copy. */
	bool attached = tdshm_sender_receiver_attached(writer->sender);
	if (attached != writer->receiver_attached) {
		writer_log(LOG_INFO, writer, "%s '%s'",
			   attached ? "a receiver attached to" : "no receiver on",
			   writer->live.name);
		writer->receiver_attached = attached;
	}
	if (!attached) {
		writer->stats.frames_idle++;
		writer->stats.state = TDSHM_WRITER_WAITING;
		tdshm_readback_ring_reset(&writer->ring);
		goto out;
	}
	if (writer->stats.state == TDSHM_WRITER_WAITING ||
	    writer->stats.state == TDSHM_WRITER_STARTING)
		writer->stats.state = TDSHM_WRITER_SENDING;

	uint64_t start = os_gettime_ns();
	gs_texture_t *texture =
	    tdshm_writer_render(writer, width, height, src_width, src_height, render, param);
	uint64_t stage_start = os_gettime_ns();
	bool staged = texture && tdshm_readback_ring_stage(&writer->ring, texture);
	uint64_t end = os_gettime_ns();
	writer->stats.render_ns_total += end - start;
	writer->stats.stage_ns_total += end - stage_start;
	if (!staged) {
		tdshm_writer_fail(writer, "the graphics driver could not create a render "
					  "target or staging surface for this size and format");
		goto out;
	}
	writer->stats.readbacks++;
	tdshm_writer_send_staged(writer);
out:
	pthread_mutex_unlock(&writer->mutex);
}

void tdshm_frame_writer_get_stats(tdshm_frame_writer *writer, tdshm_writer_stats *out)
{
	pthread_mutex_lock(&writer->mutex);
	*out = writer->stats;
	/* Status lines show at most the longest valid name. */
	snprintf(out->name, sizeof(out->name), "%.200s", writer->wanted.name);
	out->width = writer->width;
	out->height = writer->height;
	if (!writer->running)
		out->state = TDSHM_WRITER_STOPPED;
	else if (os_gettime_ns() < writer->name_settle_at_ns)
		out->state = TDSHM_WRITER_SETTLING;
	pthread_mutex_unlock(&writer->mutex);
}

void tdshm_frame_writer_status_text(const tdshm_writer_stats *stats, char *out, size_t cap)
{
	switch (stats->state) {
	case TDSHM_WRITER_STOPPED:
		snprintf(out, cap, "%s", obs_module_text("TopFilter.Status.Stopped"));
		break;
	case TDSHM_WRITER_STARTING:
		snprintf(out, cap, obs_module_text("TopFilter.Status.Starting"), stats->name);
		break;
	case TDSHM_WRITER_WAITING:
		snprintf(out, cap, obs_module_text("TopFilter.Status.Waiting"), stats->name,
			 stats->width, stats->height);
		break;
	case TDSHM_WRITER_SENDING:
		snprintf(out, cap, obs_module_text("TopFilter.Status.Sending"), stats->name,
			 stats->width, stats->height, (unsigned long long)stats->frames_written,
			 (unsigned long long)stats->skipped_locked);
		break;
	case TDSHM_WRITER_ERROR:
		snprintf(out, cap, obs_module_text("TopFilter.Status.Error"), stats->message);
		break;
	case TDSHM_WRITER_SETTLING:
		snprintf(out, cap, obs_module_text("TopFilter.Status.Settling"), stats->name);
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
	obs_property_t *p =
	    obs_properties_add_text(props, TDSHM_SETTING_NAME, TEXT_NAME, OBS_TEXT_DEFAULT);
	obs_property_set_long_description(p, TEXT_NAME_HINT);
	tdshm_dialog_status_watch_typing(dialog, p);

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
		     : fine			       ? OBS_TEXT_INFO_NORMAL
						       : OBS_TEXT_INFO_WARNING;
}
