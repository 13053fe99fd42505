/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Audio through CHOP segments (docs/protocol.md §4) as a continuous stream.
 *
 * TouchDesigner writes one block of samples per cook and nothing says which
 * block is which (docs/protocol.md §5: no frame counter). The receiving side here
 * tells new blocks from re-reads, picks and orders channels, and turns the
 * irregular blocks into audio paced by a clock, with silence on underrun. The
 * sending side cuts a continuous stream into blocks of a chosen length.
 *
 * Everything here is plain logic on memory (no shared memory, no threads,
 * no clock of its own): callers pass the segment bytes and the time, so each
 * part runs in unit tests exactly as it runs in OBS. None of it is
 * thread-safe: one owner thread per object. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chop.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most channels OBS can carry (7.1). */
#define TDSHM_CHOP_OUTPUT_MAX_CHANNELS 8
/* A picked channel that is not in the CHOP: played as silence. */
#define TDSHM_CHOP_CHANNEL_NONE UINT32_MAX

/* ---- new-block detection (chop_detect.c) --------------------------------
 * A hash of what a listener would hear: channel count, length, sample rate
 * and every sample's bytes (not the names: renaming a channel is not new
 * audio). */
uint64_t tdshm_chop_block_hash(const uint8_t *segment, const tdshm_chop_block *block);

typedef struct tdshm_chop_detector {
	bool have_last;
	bool last_had_serial;
	uint64_t last_serial;
	uint64_t last_hash;
	uint64_t repeats; /* reads that found the block already taken */
	/* Blocks a serial-publishing sender wrote that were overwritten before
	 * they could be read (the serial moved by more than one). TD's own
	 * senders publish no serial: there, such losses cannot be seen. */
	uint64_t missed;
} tdshm_chop_detector;

void tdshm_chop_detector_reset(tdshm_chop_detector *detector);
/* Whether a read is a block not taken yet; remembers it when it is. With a
 * frame serial (this project's senders) a changed serial means a new block,
 * even when the samples repeat exactly. Without one (TouchDesigner's own
 * senders) a changed hash does: a block identical to the previous one is
 * taken for a re-read, which is what a paused TouchDesigner looks like. */
bool tdshm_chop_detector_is_new(tdshm_chop_detector *detector, bool has_serial, uint64_t serial,
				uint64_t hash);

/* ---- channel names and the channel picker (chop_channels.c) ------------ */

/* The channel names in force: the sender's when it sends them, the previous
 * ones when a block comes without names and the count is unchanged
 * (docs/protocol.md §4), else chan1, chan2, ... */
typedef struct tdshm_chop_names {
	uint32_t count;
	bool from_sender;
	char *text; /* count NUL-terminated names back to back */
	size_t text_size;
	const char **names; /* count pointers into text */
} tdshm_chop_names;

void tdshm_chop_names_init(tdshm_chop_names *names);
void tdshm_chop_names_free(tdshm_chop_names *names);
/* Brings names up to date with a parsed block; *changed tells whether any
 * name or the count changed. SYSTEM_ERROR only when out of memory. */
tdshm_status tdshm_chop_names_update(tdshm_chop_names *names, const uint8_t *segment,
				     const tdshm_chop_block *block, bool *changed,
				     tdshm_error *err) TDSHM_MUST_CHECK;

/* Which CHOP channel feeds each output channel. */
typedef struct tdshm_chop_channel_map {
	/* Output channels, always a count OBS has a speaker layout for:
	 * 1, 2, 3, 4, 5, 6 or 8 (a picked 7 gets a silent 8th). 0 when the
	 * CHOP has no channels. */
	uint32_t count;
	uint32_t source[TDSHM_CHOP_OUTPUT_MAX_CHANNELS]; /* or TDSHM_CHOP_CHANNEL_NONE */
	uint32_t picked;        /* channels picked (before padding to a layout) */
	uint32_t ignored;       /* channels or picker entries left out past 8 */
	uint32_t missing;       /* picker entries that matched no channel */
	char missing_list[128]; /* those entries, comma-separated, for the status line */
} tdshm_chop_channel_map;

/* Resolves the user's picker against the current names.
 * picker: empty or NULL = the first channels in order (up to 8); otherwise a
 * comma-separated list of entries, each a channel name (exact, then
 * case-insensitive) or a 1-based channel number: "left,right", "2,1",
 * "chan1, 3". Entries that match nothing become silent channels so the
 * layout the user chose stays put, and are listed in missing_list. */
void tdshm_chop_channel_map_resolve(const char *picker, const tdshm_chop_names *names,
				    tdshm_chop_channel_map *out);

/* Names a sender writes for channels of audio: "chan1".. (style NUMBERED,
 * TouchDesigner's own convention) or speaker names (style SPEAKERS: "left",
 * "right" for stereo, OBS's channel order for surround, "mono" for one). */
typedef enum tdshm_chop_name_style {
	TDSHM_CHOP_NAMES_NUMBERED,
	TDSHM_CHOP_NAMES_SPEAKERS,
} tdshm_chop_name_style;
/* Writes channel i's name into out. */
void tdshm_chop_output_name(tdshm_chop_name_style style, uint32_t channels, uint32_t index,
			    char *out, size_t cap);

/* ---- one read of a live segment (chop_reader.c) -------------------------
 * What the source does under the data lock: validate the block, decide
 * whether it is new, follow names and the picker, and copy the picked
 * channels out (so the lock is held for the copy only). */
/* Longest block taken, in samples per channel (about 10 s at 192 kHz): a
 * longer one is refused rather than allocated. */
#define TDSHM_CHOP_READER_MAX_LENGTH (1u << 21)

typedef struct tdshm_chop_reader {
	tdshm_chop_detector detector;
	tdshm_chop_names names;
	tdshm_chop_channel_map map;
	char picker[256];
	uint32_t chop_channels; /* of the last block taken, 0 before */
	uint32_t length;
	float sample_rate;
	float *planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	uint32_t capacity; /* frames each plane holds */
} tdshm_chop_reader;

typedef struct tdshm_chop_take {
	bool is_new;         /* false: a re-read, nothing copied */
	bool layout_changed; /* output channel count or mapping changed */
	uint32_t frames;     /* samples per output channel */
	float sample_rate;
	const tdshm_chop_channel_map *map;
	const float *const *planes; /* map->count planes of frames samples */
} tdshm_chop_take;

void tdshm_chop_reader_init(tdshm_chop_reader *reader, const char *picker);
void tdshm_chop_reader_free(tdshm_chop_reader *reader);
/* Forget the last block (a new sender must not be mistaken for the old);
 * the detector's counters are kept. */
void tdshm_chop_reader_forget(tdshm_chop_reader *reader);
/* REFUSED (with the parser's message) for a hostile or unusable block:
 * nothing is read outside segment[0..size). */
tdshm_status tdshm_chop_reader_take(tdshm_chop_reader *reader, const uint8_t *segment, size_t size,
				    bool has_serial, uint64_t serial, tdshm_chop_take *take,
				    tdshm_error *err) TDSHM_MUST_CHECK;

/* ---- the receiving stream (chop_stream.c) -------------------------------
 * A jitter buffer with a clock: blocks are pushed as they are found, audio
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

/* ---- the sending side: block assembly (chop_assembler.c) ----------------
 * Cuts a continuous stream into consecutive blocks of `length` frames and
 * keeps the latest complete one. push never allocates: safe on OBS's audio
 * thread. */
typedef struct tdshm_chop_assembler tdshm_chop_assembler;

/* Block length for one video frame's worth of audio: rate * fps_den /
 * fps_num, rounded, at least 1. */
uint32_t tdshm_chop_frame_block_length(uint32_t rate, uint32_t fps_num, uint32_t fps_den);

tdshm_status tdshm_chop_assembler_create(uint32_t channels, uint32_t length,
					 tdshm_chop_assembler **out,
					 tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_chop_assembler_destroy(tdshm_chop_assembler *assembler);
uint32_t tdshm_chop_assembler_channels(const tdshm_chop_assembler *assembler);
/* Appends frames; returns how many blocks completed (only the latest of
 * them is kept: a receiver can only ever see the latest). */
uint32_t tdshm_chop_assembler_push(tdshm_chop_assembler *assembler, const float *const *planes,
				   uint32_t frames);
/* The latest complete block, planes[c][0..length-1]; NULL before the first. */
const float *const *tdshm_chop_assembler_block(const tdshm_chop_assembler *assembler);

#ifdef __cplusplus
}
#endif
