/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Program audio for the Tools output: a raw audio callback on OBS's mix of
 * the chosen track (called on OBS's audio thread with every mixed block)
 * feeding the CHOP writer. OBS glue only. */
#include <stdio.h>
#include <string.h>

#include <util/bmem.h>
#include <util/threading.h>

#include "chop-writer.h"
#include "output-audio.h"
#include "plugin-log.h"
#include "tdshm/chop_reader.h"

#define NAMES_NUMBERED "numbered"
#define NAMES_SPEAKERS "speakers"
#define DEFAULT_NAME "OBS Program Audio"

struct tdshm_output_audio {
	/* UI thread (update, destroy). */
	tdshm_chop_writer *writer;
	/* The raw audio callback is registered: written on the UI thread, read
	 * by the dialog's status row too (atomic). */
	volatile bool hooked;
	size_t mix;    /* for that track (0-based) */
	uint32_t rate; /* OBS's audio, when created */
	uint32_t channels;
};

/* [AUDIO] OBS's mix of one track: float planar at OBS's rate (the
 * conversion asked for below). */
static void output_audio_mixed(void *param, size_t mix_idx, struct audio_data *data)
{
	(void)mix_idx;
	struct tdshm_output_audio *a = param;
	tdshm_chop_writer_push(a->writer, (const float *const *)data->data, data->frames);
}

static void output_audio_unhook(struct tdshm_output_audio *a)
{
	if (!os_atomic_load_bool(&a->hooked))
		return;
	/* Returns once the audio thread is out of the callback. */
	obs_remove_raw_audio_callback(a->mix, output_audio_mixed, a);
	os_atomic_set_bool(&a->hooked, false);
}

tdshm_output_audio *tdshm_output_audio_create(void)
{
	struct tdshm_output_audio *a = bzalloc(sizeof(*a));
	audio_t *audio = obs_get_audio();
	a->rate = audio_output_get_sample_rate(audio);
	a->channels = (uint32_t)audio_output_get_channels(audio);
	if (a->channels > TDSHM_CHOP_OUTPUT_MAX_CHANNELS)
		a->channels = TDSHM_CHOP_OUTPUT_MAX_CHANNELS;
	a->writer =
	    tdshm_chop_writer_create(NULL, "TouchDesigner Output audio", a->rate, a->channels);
	if (!a->writer) {
		bfree(a);
		return NULL;
	}
	return a;
}

void tdshm_output_audio_destroy(tdshm_output_audio *a)
{
	if (!a)
		return;
	output_audio_unhook(a);
	tdshm_chop_writer_destroy(a->writer);
	bfree(a);
}

void tdshm_output_audio_update(tdshm_output_audio *a, obs_data_t *settings, bool output_running)
{
	if (!a)
		return;
	bool on = output_running && obs_data_get_bool(settings, TDSHM_OUTPUT_AUDIO_ENABLED);
	long long track = obs_data_get_int(settings, TDSHM_OUTPUT_AUDIO_TRACK);
	size_t mix = track >= 1 && track <= MAX_AUDIO_MIXES ? (size_t)(track - 1) : 0;
	long long length = obs_data_get_int(settings, TDSHM_OUTPUT_AUDIO_BLOCK_LENGTH);
	bool speakers = strcmp(obs_data_get_string(settings, TDSHM_OUTPUT_AUDIO_CHANNEL_NAMES),
			       NAMES_SPEAKERS) == 0;
	if (!on || mix != a->mix)
		output_audio_unhook(a);
	tdshm_chop_writer_configure(
	    a->writer, on ? obs_data_get_string(settings, TDSHM_OUTPUT_AUDIO_NAME) : "",
	    length > 0 && length <= UINT32_MAX ? (uint32_t)length : 0, speakers);
	if (on && !os_atomic_load_bool(&a->hooked)) {
		/* Asked for as float planar at OBS's own rate and layout: what
		 * the writer takes, with no resampling. */
		struct audio_convert_info conversion = {
		    .samples_per_sec = a->rate,
		    .format = AUDIO_FORMAT_FLOAT_PLANAR,
		    .speakers = audio_output_get_info(obs_get_audio())->speakers,
		};
		a->mix = mix;
		obs_add_raw_audio_callback(mix, &conversion, output_audio_mixed, a);
		os_atomic_set_bool(&a->hooked, true);
	}
}

void tdshm_output_audio_defaults(obs_data_t *settings)
{
	obs_data_set_default_bool(settings, TDSHM_OUTPUT_AUDIO_ENABLED, false);
	obs_data_set_default_string(settings, TDSHM_OUTPUT_AUDIO_NAME, DEFAULT_NAME);
	obs_data_set_default_int(settings, TDSHM_OUTPUT_AUDIO_TRACK, 1);
	obs_data_set_default_int(settings, TDSHM_OUTPUT_AUDIO_BLOCK_LENGTH, 0);
	obs_data_set_default_string(settings, TDSHM_OUTPUT_AUDIO_CHANNEL_NAMES, NAMES_NUMBERED);
}

void tdshm_output_audio_dialog_line(tdshm_output_audio *a, tdshm_dialog_status_line *line)
{
	if (!a || !os_atomic_load_bool(&a->hooked)) {
		tdshm_text_fill(line->text, sizeof(line->text), "ProgramOutput.Audio.Off", NULL, 0);
		line->type = OBS_TEXT_INFO_NORMAL;
		snprintf(line->key, sizeof(line->key), "off");
		return;
	}
	tdshm_chop_writer_dialog_line(a->writer, line);
}

void tdshm_output_audio_add_properties(obs_properties_t *props, tdshm_output_audio *a,
				       tdshm_dialog_status *dialog)
{
	obs_properties_t *group = obs_properties_create();
	obs_property_t *p = tdshm_dialog_status_add_typed_text(
	    group, dialog, TDSHM_OUTPUT_AUDIO_NAME, obs_module_text("ChopFilter.Name"),
	    obs_module_text("ChopFilter.Name.Hint"));
	p = obs_properties_add_list(group, TDSHM_OUTPUT_AUDIO_TRACK,
				    obs_module_text("ProgramOutput.Audio.Track"),
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_INT);
	for (int track = 1; track <= MAX_AUDIO_MIXES; track++) {
		char label[32];
		snprintf(label, sizeof(label), "%d", track);
		obs_property_list_add_int(p, label, track);
	}
	p = obs_properties_add_int(group, TDSHM_OUTPUT_AUDIO_BLOCK_LENGTH,
				   obs_module_text("ChopFilter.BlockLength"), 0,
				   (int)TDSHM_CHOP_READER_MAX_LENGTH, 1);
	obs_property_set_long_description(p, obs_module_text("ChopFilter.BlockLength.Hint"));
	p = obs_properties_add_list(group, TDSHM_OUTPUT_AUDIO_CHANNEL_NAMES,
				    obs_module_text("ChopFilter.ChannelNames"), OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, obs_module_text("ChopFilter.ChannelNames.Numbered"),
				     NAMES_NUMBERED);
	obs_property_list_add_string(p, obs_module_text("ChopFilter.ChannelNames.Speakers"),
				     NAMES_SPEAKERS);
	/* A checkable group: its tick box is the audio_enabled setting. */
	obs_properties_add_group(props, TDSHM_OUTPUT_AUDIO_ENABLED,
				 obs_module_text("ProgramOutput.Audio"), OBS_GROUP_CHECKABLE,
				 group);
}
