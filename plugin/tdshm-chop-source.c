/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In (CHOP)": an OBS audio source reading the
 * channels a Shared Mem Out CHOP writes (docs/protocol.md §4).
 *
 * OBS glue only: the callbacks, settings and dialog. A reader thread
 * (chop-source-worker.c) polls the segment with bounded lock waits through
 * common/'s chop reader; the pipeline (chop-pipeline.c) resamples, paces and
 * hands the audio to OBS. */
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>
#include <util/threading.h>

#include "chop-source.h"
#include "plugin-log.h"
#include "sender-picker.h"

#define SETTING_NAME "name"
#define SETTING_CHANNELS "channels"
#define SETTING_BUFFER_MS "buffer_ms"
#define SETTING_PICK "pick"

#define TEXT_SOURCE obs_module_text("ChopSource")
#define TEXT_NAME obs_module_text("ChopSource.Name")
#define TEXT_NAME_HINT obs_module_text("ChopSource.Name.Hint")
#define TEXT_CHANNELS obs_module_text("ChopSource.Channels")
#define TEXT_CHANNELS_HINT obs_module_text("ChopSource.Channels.Hint")
#define TEXT_BUFFER_MS obs_module_text("ChopSource.BufferMs")
#define TEXT_BUFFER_MS_HINT obs_module_text("ChopSource.BufferMs.Hint")
#define TEXT_LIVE obs_module_text("ChopSource.Live")
#define TEXT_LIVE_CHOOSE obs_module_text("TopSource.Live.Choose")
#define TEXT_LIVE_NONE obs_module_text("TopSource.Live.None")
#define TEXT_LIVE_UNSUPPORTED obs_module_text("TopSource.Live.Unsupported")

#define DEFAULT_BUFFER_MS 60

/* ---- OBS callbacks ------------------------------------------------------- */

static const char *chop_source_get_name(void *type_data)
{
	UNUSED_PARAMETER(type_data);
	return TEXT_SOURCE;
}

static void chop_source_update(void *data, obs_data_t *settings)
{
	struct tdshm_chop_source *s = data;
	pthread_mutex_lock(&s->settings_mutex);
	bfree(s->pending_name);
	bfree(s->pending_picker);
	s->pending_name = bstrdup(obs_data_get_string(settings, SETTING_NAME));
	s->pending_picker = bstrdup(obs_data_get_string(settings, SETTING_CHANNELS));
	long long buffer_ms = obs_data_get_int(settings, SETTING_BUFFER_MS);
	s->pending_buffer_ms = (uint32_t)(buffer_ms < 10     ? 10
					  : buffer_ms > 1000 ? 1000
							     : buffer_ms);
	s->settings_changed = true;
	pthread_mutex_unlock(&s->settings_mutex);
}

static void chop_source_destroy(void *data)
{
	struct tdshm_chop_source *s = data;
	tdshm_dialog_status_destroy(s->dialog); /* before the status goes */
	if (s->thread_started) {
		os_event_signal(s->stop_event);
		pthread_join(s->thread, NULL);
	}
	os_event_destroy(s->stop_event);
	pthread_mutex_destroy(&s->settings_mutex);
	pthread_mutex_destroy(&s->status_mutex);
	bfree(s->pending_name);
	bfree(s->pending_picker);
	bfree(s);
}

/* Whether line was made from the locale string key (its text up to the
 * first placeholder). */
static bool chop_source_line_is(const char *line, const char *key)
{
	const char *format = obs_module_text(key);
	size_t fixed = strcspn(format, "%");
	return fixed > 0 && strncmp(line, format, fixed) == 0;
}

static void chop_source_fill_live(obs_property_t *list)
{
	tdshm_picker_fill(list, TDSHM_SENDER_CHOP, TEXT_LIVE_CHOOSE, NULL, TEXT_LIVE_NONE,
			  TEXT_LIVE_UNSUPPORTED);
}

/* Refresh also re-lists the CHOP senders. */
static void chop_source_dialog_refresh(void *owner, obs_properties_t *props)
{
	UNUSED_PARAMETER(owner);
	chop_source_fill_live(obs_properties_get(props, SETTING_PICK));
}

/* The dialog's status row. The worker writes one line; the key is that
 * line with its numbers left out, so the counters in it do not rebuild an
 * open dialog, a new state does. */
static void chop_source_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	struct tdshm_chop_source *s = owner;
	pthread_mutex_lock(&s->status_mutex);
	snprintf(line->text, sizeof(line->text), "%s", s->status);
	pthread_mutex_unlock(&s->status_mutex);
	size_t k = 0;
	for (const char *c = line->text; *c && k + 1 < sizeof(line->key); c++) {
		if (*c >= '0' && *c <= '9') {
			if (k == 0 || line->key[k - 1] != '#')
				line->key[k++] = '#';
		} else {
			line->key[k++] = *c;
		}
	}
	line->key[k] = '\0';
	line->type = chop_source_line_is(line->text, "ChopSource.Status.Connected")
			 ? OBS_TEXT_INFO_NORMAL
		     : chop_source_line_is(line->text, "ChopSource.Status.Refused") ||
			     chop_source_line_is(line->text, "ChopSource.Status.Error")
			 ? OBS_TEXT_INFO_ERROR
			 : OBS_TEXT_INFO_WARNING;
}

static void *chop_source_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_chop_source *s = bzalloc(sizeof(*s));
	s->source = source;
	tdshm_chop_pipeline_init(&s->pipeline, source,
				 audio_output_get_sample_rate(obs_get_audio()));
	if (pthread_mutex_init(&s->settings_mutex, NULL) != 0) {
		bfree(s);
		return NULL;
	}
	if (pthread_mutex_init(&s->status_mutex, NULL) != 0) {
		pthread_mutex_destroy(&s->settings_mutex);
		bfree(s);
		return NULL;
	}
	if (os_event_init(&s->stop_event, OS_EVENT_TYPE_MANUAL) != 0) {
		chop_source_destroy(s);
		return NULL;
	}
	chop_source_update(s, settings);
	s->dialog = tdshm_dialog_status_create(source, chop_source_dialog_line,
					       chop_source_dialog_refresh, s);
	if (pthread_create(&s->thread, NULL, tdshm_chop_source_worker, s) != 0) {
		tdshm_log(LOG_ERROR, s->source, "could not start the reader thread");
		chop_source_destroy(s);
		return NULL;
	}
	s->thread_started = true;
	return s;
}

static void chop_source_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, SETTING_NAME, "");
	obs_data_set_default_string(settings, SETTING_CHANNELS, "");
	obs_data_set_default_string(settings, SETTING_PICK, "");
	obs_data_set_default_int(settings, SETTING_BUFFER_MS, DEFAULT_BUFFER_MS);
}

/* CHOP senders only (never an image, never this OBS's own CHOP filters):
 * picking one fills in the name. */
static bool pick_modified(obs_properties_t *props, obs_property_t *list, obs_data_t *settings)
{
	UNUSED_PARAMETER(props);
	UNUSED_PARAMETER(list);
	const char *pick = obs_data_get_string(settings, SETTING_PICK);
	if (!*pick)
		return false;
	obs_data_set_string(settings, SETTING_NAME, pick);
	obs_data_set_string(settings, SETTING_PICK, "");
	return true;
}

static obs_properties_t *chop_source_properties(void *data)
{
	struct tdshm_chop_source *s = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status *dialog = s ? s->dialog : NULL;
	tdshm_dialog_status_add(props, dialog, obs_module_text("ChopSource.Status.NoName"));
	obs_property_t *p = tdshm_dialog_status_add_typed_text(props, dialog, SETTING_NAME,
							       TEXT_NAME, TEXT_NAME_HINT);
	p = obs_properties_add_list(props, SETTING_PICK, TEXT_LIVE, OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	chop_source_fill_live(p);
	obs_property_set_modified_callback(p, pick_modified);
	p = tdshm_dialog_status_add_typed_text(props, dialog, SETTING_CHANNELS, TEXT_CHANNELS,
					       TEXT_CHANNELS_HINT);
	p = obs_properties_add_int(props, SETTING_BUFFER_MS, TEXT_BUFFER_MS, 10, 1000, 5);
	obs_property_int_set_suffix(p, " ms");
	obs_property_set_long_description(p, TEXT_BUFFER_MS_HINT);
	return props;
}

struct obs_source_info tdshm_chop_source = {
    .id = "tdshm_chop_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = chop_source_get_name,
    .create = chop_source_create,
    .destroy = chop_source_destroy,
    .update = chop_source_update,
    .get_defaults = chop_source_defaults,
    .get_properties = chop_source_properties,
    .icon_type = OBS_ICON_TYPE_AUDIO_INPUT,
};
