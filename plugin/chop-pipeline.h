/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP source's audio path after the reader: libobs's resampler from the
 * CHOP's rate to OBS's, common/'s chop stream pacing the blocks into
 * continuous audio (silence on underrun), and the hand-over to OBS with
 * timestamps from OBS's clock. One per source, owned by its reader thread
 * ([WORKER]: nothing here is thread-safe). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <obs-module.h>
#include <media-io/audio-resampler.h>

#include "tdshm/chop_reader.h"
#include "tdshm/chop_stream.h"

typedef struct tdshm_chop_pipeline {
	obs_source_t *source; /* where the audio goes, and whose name is logged */
	uint32_t obs_rate;
	uint32_t buffer_ms;
	uint32_t in_rate;  /* of the CHOP, rounded to whole Hz; 0 when dropped */
	uint32_t channels; /* output channels (a count OBS has a layout for) */
	audio_resampler_t *resampler;
	tdshm_chop_stream *stream;
	float *out_planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	uint64_t end_ns; /* end of the audio handed to OBS by earlier streams */
	uint64_t logged_underruns;
	uint64_t logged_overflows;
} tdshm_chop_pipeline;

void tdshm_chop_pipeline_init(tdshm_chop_pipeline *p, obs_source_t *source, uint32_t obs_rate);
/* Frees the stream and the resampler; the next one continues the timeline. */
void tdshm_chop_pipeline_drop(tdshm_chop_pipeline *p);
/* Whether a block taken needs a new pipeline (first block, new layout, new
 * rate). */
bool tdshm_chop_pipeline_needs_build(const tdshm_chop_pipeline *p, const tdshm_chop_take *take);
/* A pipeline for take's layout and rate with buffer_ms of buffering;
 * on failure err says why and nothing is left built. */
tdshm_status tdshm_chop_pipeline_build(tdshm_chop_pipeline *p, const tdshm_chop_take *take,
				       uint32_t buffer_ms, tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_chop_pipeline_push(tdshm_chop_pipeline *p, const tdshm_chop_take *take);
/* Blocks the sender wrote that were overwritten before this source read
 * them: their time is kept as silence, taken as long as the block after
 * them (take), so the audio stays in step with the sender instead of early
 * by them for good. */
void tdshm_chop_pipeline_fill_missed(tdshm_chop_pipeline *p, uint64_t blocks,
				     const tdshm_chop_take *take);
/* Silence a listener heard: underruns and blocks never read. */
uint64_t tdshm_chop_pipeline_silence_frames(const tdshm_chop_stream_stats *stats);
/* Hands OBS what the stream has ready by now and logs new gaps and drops
 * once each. */
void tdshm_chop_pipeline_output(tdshm_chop_pipeline *p);
/* The stream's counters; zeros when nothing is built. */
void tdshm_chop_pipeline_stats(const tdshm_chop_pipeline *p, tdshm_chop_stream_stats *out);
