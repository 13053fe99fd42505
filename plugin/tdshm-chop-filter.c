/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem Out (CHOP)": an OBS audio filter that writes the
 * audio passing through it into a CHOP segment (docs/protocol.md §4) for a Shared
 * Mem In CHOP, and returns the audio unchanged.
 *
 * OBS glue only: the writing, with its bounds on OBS's audio thread, is
 * chop-writer.c's (shared with the Tools output's program audio). */
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>

#include "chop-writer.h"
#include "dialog-status.h"
#include "tdshm/chop.h"
#include "tdshm/chop_reader.h"

#define SETTING_NAME "name"
#define SETTING_BLOCK_LENGTH "block_length"
#define SETTING_CHANNEL_NAMES "channel_names"

#define NAMES_NUMBERED "numbered"
#define NAMES_SPEAKERS "speakers"

#define TEXT_FILTER obs_module_text("ChopFilter")
#define TEXT_NAME obs_module_text("ChopFilter.Name")
#define TEXT_NAME_HINT obs_module_text("ChopFilter.Name.Hint")
#define TEXT_BLOCK_LENGTH obs_module_text("ChopFilter.BlockLength")
#define TEXT_BLOCK_LENGTH_HINT obs_module_text("ChopFilter.BlockLength.Hint")
#define TEXT_CHANNEL_NAMES obs_module_text("ChopFilter.ChannelNames")
#define TEXT_NAMES_NUMBERED obs_module_text("ChopFilter.ChannelNames.Numbered")
#define TEXT_NAMES_SPEAKERS obs_module_text("ChopFilter.ChannelNames.Speakers")

struct tdshm_chop_filter {
	obs_source_t *source;
	tdshm_chop_writer *writer;
	tdshm_dialog_status *dialog; /* the dialog's status row; thread-safe */
};

static struct obs_audio_data *chop_filter_audio(void *data, struct obs_audio_data *audio)
{
	struct tdshm_chop_filter *f = data;
	tdshm_chop_writer_push(f->writer, (const float *const *)audio->data, audio->frames);
	return audio;
}

static const char *chop_filter_get_name(void *type_data)
{
	UNUSED_PARAMETER(type_data);
	return TEXT_FILTER;
}

static void chop_filter_update(void *data, obs_data_t *settings)
{
	struct tdshm_chop_filter *f = data;
	long long length = obs_data_get_int(settings, SETTING_BLOCK_LENGTH);
	tdshm_chop_writer_configure(
	    f->writer, obs_data_get_string(settings, SETTING_NAME),
	    length > 0 && length <= UINT32_MAX ? (uint32_t)length : 0,
	    strcmp(obs_data_get_string(settings, SETTING_CHANNEL_NAMES), NAMES_SPEAKERS) == 0);
}

static void chop_filter_destroy(void *data)
{
	struct tdshm_chop_filter *f = data;
	tdshm_dialog_status_destroy(f->dialog); /* before the writer goes */
	tdshm_chop_writer_destroy(f->writer);
	bfree(f);
}

static void *chop_filter_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_chop_filter *f = bzalloc(sizeof(*f));
	f->source = source;
	audio_t *audio = obs_get_audio();
	uint32_t channels = (uint32_t)audio_output_get_channels(audio);
	if (channels > TDSHM_CHOP_OUTPUT_MAX_CHANNELS)
		channels = TDSHM_CHOP_OUTPUT_MAX_CHANNELS;
	f->writer =
	    tdshm_chop_writer_create(source, NULL, audio_output_get_sample_rate(audio), channels);
	if (!f->writer) {
		bfree(f);
		return NULL;
	}
	chop_filter_update(f, settings);
	f->dialog =
	    tdshm_dialog_status_create(source, tdshm_chop_writer_dialog_line, NULL, f->writer);
	return f;
}

static void chop_filter_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, SETTING_NAME, "");
	obs_data_set_default_int(settings, SETTING_BLOCK_LENGTH, 0);
	obs_data_set_default_string(settings, SETTING_CHANNEL_NAMES, NAMES_NUMBERED);
}

static obs_properties_t *chop_filter_properties(void *data)
{
	struct tdshm_chop_filter *f = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status *dialog = f ? f->dialog : NULL;
	tdshm_dialog_status_add(props, dialog, obs_module_text("ChopFilter.Status.NoName"));
	obs_property_t *p = tdshm_dialog_status_add_typed_text(props, dialog, SETTING_NAME,
							       TEXT_NAME, TEXT_NAME_HINT);
	p = obs_properties_add_int(props, SETTING_BLOCK_LENGTH, TEXT_BLOCK_LENGTH, 0,
				   (int)TDSHM_CHOP_READER_MAX_LENGTH, 1);
	obs_property_set_long_description(p, TEXT_BLOCK_LENGTH_HINT);
	p = obs_properties_add_list(props, SETTING_CHANNEL_NAMES, TEXT_CHANNEL_NAMES,
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, TEXT_NAMES_NUMBERED, NAMES_NUMBERED);
	obs_property_list_add_string(p, TEXT_NAMES_SPEAKERS, NAMES_SPEAKERS);
	return props;
}

struct obs_source_info tdshm_chop_filter = {
    .id = "tdshm_chop_filter",
    .type = OBS_SOURCE_TYPE_FILTER,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = chop_filter_get_name,
    .create = chop_filter_create,
    .destroy = chop_filter_destroy,
    .update = chop_filter_update,
    .get_defaults = chop_filter_defaults,
    .get_properties = chop_filter_properties,
    .filter_audio = chop_filter_audio,
};
