/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resample, pace and hand over the CHOP source's audio (chop-pipeline.h). */
#include "chop-pipeline.h"

#include <string.h>

#include <util/bmem.h>
#include <util/platform.h>

#include "plugin-log.h"

/* Most frames handed to OBS per call (OBS takes any count). */
#define OUTPUT_CHUNK 1024

static enum speaker_layout layout_for(uint32_t channels)
{
	switch (channels) {
	case 1:
		return SPEAKERS_MONO;
	case 2:
		return SPEAKERS_STEREO;
	case 3:
		return SPEAKERS_2POINT1;
	case 4:
		return SPEAKERS_4POINT0;
	case 5:
		return SPEAKERS_4POINT1;
	case 6:
		return SPEAKERS_5POINT1;
	case 8:
		return SPEAKERS_7POINT1;
	default:
		return SPEAKERS_UNKNOWN;
	}
}

static uint32_t rounded_rate(float sample_rate)
{
	return (uint32_t)(sample_rate + 0.5f);
}

void tdshm_chop_pipeline_init(tdshm_chop_pipeline *p, obs_source_t *source, uint32_t obs_rate)
{
	memset(p, 0, sizeof(*p));
	p->source = source;
	p->obs_rate = obs_rate;
}

void tdshm_chop_pipeline_drop(tdshm_chop_pipeline *p)
{
	if (p->stream)
		p->end_ns = tdshm_chop_stream_end_ns(p->stream);
	audio_resampler_destroy(p->resampler);
	p->resampler = NULL;
	tdshm_chop_stream_destroy(p->stream);
	p->stream = NULL;
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++) {
		bfree(p->out_planes[c]);
		p->out_planes[c] = NULL;
	}
	p->channels = 0;
	p->in_rate = 0;
}

bool tdshm_chop_pipeline_needs_build(const tdshm_chop_pipeline *p, const tdshm_chop_take *take)
{
	return take->layout_changed || rounded_rate(take->sample_rate) != p->in_rate || !p->stream;
}

tdshm_status tdshm_chop_pipeline_build(tdshm_chop_pipeline *p, const tdshm_chop_take *take,
				       uint32_t buffer_ms, tdshm_error *err)
{
	tdshm_chop_pipeline_drop(p);
	uint32_t channels = take->map->count;
	uint32_t in_rate = rounded_rate(take->sample_rate);
	p->buffer_ms = buffer_ms;
	tdshm_chop_stream_options options;
	tdshm_chop_stream_options_default(&options, p->obs_rate, channels, buffer_ms);
	tdshm_status status = tdshm_chop_stream_create(&options, &p->stream, err);
	if (status != TDSHM_OK)
		return status;
	/* OBS gets timestamps that never go back, across streams too. */
	tdshm_chop_stream_keep_after(p->stream, p->end_ns);
	for (uint32_t c = 0; c < channels; c++)
		p->out_planes[c] = bzalloc(OUTPUT_CHUNK * sizeof(float));
	if (in_rate != p->obs_rate) {
		/* The CHOP's rate is not OBS's: libobs's resampler, same layout. */
		struct resample_info from = {in_rate, AUDIO_FORMAT_FLOAT_PLANAR,
					     layout_for(channels)};
		struct resample_info to = {p->obs_rate, AUDIO_FORMAT_FLOAT_PLANAR,
					   layout_for(channels)};
		p->resampler = audio_resampler_create(&to, &from);
		if (!p->resampler) {
			tdshm_chop_pipeline_drop(p);
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "libobs could not create a resampler");
		}
	}
	p->channels = channels;
	p->in_rate = in_rate;
	p->logged_underruns = 0;
	p->logged_overflows = 0;
	tdshm_log(LOG_INFO, p->source, "playing %u channel(s) at %u Hz%s", channels, in_rate,
		  p->resampler ? " (resampled)" : "");
	return TDSHM_OK;
}

void tdshm_chop_pipeline_push(tdshm_chop_pipeline *p, const tdshm_chop_take *take)
{
	if (!p->resampler) {
		tdshm_chop_stream_push(p->stream, take->planes, take->frames);
		return;
	}
	const uint8_t *input[MAX_AV_PLANES] = {0};
	for (uint32_t c = 0; c < p->channels; c++)
		input[c] = (const uint8_t *)take->planes[c];
	uint8_t *output[MAX_AV_PLANES] = {0};
	uint32_t frames = 0;
	uint64_t delay_ns = 0;
	if (!audio_resampler_resample(p->resampler, output, &frames, &delay_ns, input,
				      take->frames) ||
	    frames == 0)
		return;
	const float *planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	for (uint32_t c = 0; c < p->channels; c++)
		planes[c] = (const float *)output[c];
	tdshm_chop_stream_push(p->stream, planes, frames);
}

void tdshm_chop_pipeline_fill_missed(tdshm_chop_pipeline *p, uint64_t blocks,
				     const tdshm_chop_take *take)
{
	if (!p->stream || blocks == 0)
		return;
	uint64_t max = tdshm_chop_stream_options_get(p->stream)->max_frames;
	uint64_t n = blocks * take->frames * p->obs_rate / (p->in_rate ? p->in_rate : p->obs_rate);
	tdshm_chop_stream_push_gap(p->stream, (uint32_t)(n < max ? n : max));
}

uint64_t tdshm_chop_pipeline_silence_frames(const tdshm_chop_stream_stats *stats)
{
	return stats->silence_frames + stats->concealed_frames;
}

void tdshm_chop_pipeline_output(tdshm_chop_pipeline *p)
{
	if (!p->stream)
		return;
	for (;;) {
		uint64_t timestamp = 0;
		uint32_t frames = tdshm_chop_stream_pull(p->stream, os_gettime_ns(), p->out_planes,
							 OUTPUT_CHUNK, &timestamp);
		if (frames == 0)
			break;
		struct obs_source_audio audio = {0};
		for (uint32_t c = 0; c < p->channels; c++)
			audio.data[c] = (const uint8_t *)p->out_planes[c];
		audio.frames = frames;
		audio.speakers = layout_for(p->channels);
		audio.format = AUDIO_FORMAT_FLOAT_PLANAR;
		audio.samples_per_sec = p->obs_rate;
		audio.timestamp = timestamp;
		obs_source_output_audio(p->source, &audio);
	}
	/* Gaps and drops are what a listener notices: log each, once. */
	tdshm_chop_stream_stats stats;
	tdshm_chop_stream_get_stats(p->stream, &stats);
	if (stats.underruns > p->logged_underruns)
		tdshm_log(LOG_INFO, p->source,
			  "no new block for more than %u ms (TouchDesigner paused, or late): "
			  "playing silence (%llu time(s) so far; raise Buffer if it was late)",
			  p->buffer_ms, (unsigned long long)stats.underruns);
	if (stats.overflows > p->logged_overflows)
		tdshm_log(LOG_INFO, p->source,
			  "more audio than the buffer holds: dropped the oldest (%llu)",
			  (unsigned long long)stats.overflows);
	p->logged_underruns = stats.underruns;
	p->logged_overflows = stats.overflows;
}

void tdshm_chop_pipeline_stats(const tdshm_chop_pipeline *p, tdshm_chop_stream_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (p->stream)
		tdshm_chop_stream_get_stats(p->stream, out);
}
