/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Audio through CHOP segments (docs/protocol.md §4) as a continuous stream:
 * the receiving side's jitter buffer, which turns the irregular blocks
 * TouchDesigner writes into audio paced by a clock, with silence on
 * underrun.
 *
 * Plain logic on memory (no shared memory, no threads, no clock of its
 * own): callers pass the segment bytes and the time, so it runs in unit
 * tests exactly as in OBS. Not thread-safe: one owner thread per object. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chop_channels.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A jitter buffer with a clock: blocks are pushed as they are found, audio
 * is pulled against the caller's clock. It starts playing once
 * latency_frames are buffered; from then on audio is handed out as soon as it
 * is there, up to lead_frames ahead of the clock, with continuous timestamps
 * (so OBS holds the audio a little before it is due, and a late block is
 * absorbed by that lead rather than heard as a gap). Only when the clock
 * overtakes the audio does it play silence, and then it waits for
 * latency_frames again before playing audio; blocks longer than usual that
 * come during such a gap (TouchDesigner after a slow cook writes every
 * sample since the last cook) hold audio for time the silence already
 * filled, and that much of them is dropped, so the audio stays in step with
 * the sender instead of late by the gap for good. It goes idle after idle_frames
 * of silence in a row (a stopped sender stops the audio), and drops the
 * oldest audio when more than max_frames pile up (a sender running ahead).
 * Timestamps of pulled audio never go backwards and are continuous while
 * playing. */
typedef struct tdshm_chop_stream tdshm_chop_stream;

typedef struct tdshm_chop_stream_options {
	uint32_t rate;           /* frames per second of pushed and pulled audio */
	uint32_t channels;       /* 1..TDSHM_CHOP_OUTPUT_MAX_CHANNELS */
	uint32_t latency_frames; /* buffered before playing; the jitter absorbed */
	uint32_t lead_frames;    /* how far ahead of the clock audio is handed out */
	uint32_t max_frames;     /* buffered beyond this: drop oldest to latency */
	uint32_t idle_frames;    /* silence in a row before going idle */
} tdshm_chop_stream_options;

/* latency_ms of buffering and as much lead, overflow at three times that (at
 * least 250 ms), idle after one second of silence. */
void tdshm_chop_stream_options_default(tdshm_chop_stream_options *options, uint32_t rate,
				       uint32_t channels, uint32_t latency_ms);

tdshm_status tdshm_chop_stream_create(const tdshm_chop_stream_options *options,
				      tdshm_chop_stream **out, tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_chop_stream_destroy(tdshm_chop_stream *stream);
const tdshm_chop_stream_options *tdshm_chop_stream_options_get(const tdshm_chop_stream *stream);

/* Clock time just after the last audio pulled (0 before any). */
uint64_t tdshm_chop_stream_end_ns(const tdshm_chop_stream *stream);
/* Makes the next timestamps come after floor_ns: a stream that replaces
 * another (new channel count or rate) continues its timeline. */
void tdshm_chop_stream_keep_after(tdshm_chop_stream *stream, uint64_t floor_ns);

/* Appends frames (planes[c][i], c < channels). */
void tdshm_chop_stream_push(tdshm_chop_stream *stream, const float *const *planes, uint32_t frames);
/* Appends silence for frames of audio the sender wrote that were never read
 * (blocks overwritten unread): what follows then plays when it would have,
 * in step with the sender and the picture, instead of early by the lost
 * blocks for good. Time an underrun already filled with silence is dropped
 * again when the underrun ends (counted in dropped_frames). */
void tdshm_chop_stream_push_gap(tdshm_chop_stream *stream, uint32_t frames);

/* Audio ready by now_ns (the caller's monotonic clock): writes up to cap
 * frames into planes and the time of its first frame into *timestamp_ns;
 * returns the frame count, 0 when idle or nothing is ready. Call it again
 * until it returns 0 (audio and silence come in separate pieces). */
uint32_t tdshm_chop_stream_pull(tdshm_chop_stream *stream, uint64_t now_ns, float *const *planes,
				uint32_t cap, uint64_t *timestamp_ns);

typedef struct tdshm_chop_stream_stats {
	bool playing;
	uint32_t buffered;         /* frames waiting */
	uint64_t frames_in;        /* pushed */
	uint64_t frames_out;       /* pulled, silence included */
	uint64_t silence_frames;   /* silence played on underrun */
	uint64_t concealed_frames; /* silence standing for blocks never read */
	uint64_t dropped_frames;   /* dropped on overflow, or catching up after a gap */
	uint64_t underruns;        /* times the buffer ran dry while playing */
	uint64_t overflows;
	uint64_t starts; /* idle -> playing */
} tdshm_chop_stream_stats;
void tdshm_chop_stream_get_stats(const tdshm_chop_stream *stream, tdshm_chop_stream_stats *out);

#ifdef __cplusplus
}
#endif
