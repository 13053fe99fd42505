/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The receiving stream: a jitter buffer played against a clock.
 *
 * TouchDesigner writes a block per cook: blocks come late, early, in bursts
 * after a dropped frame, or not at all while it is paused. Audio must reach
 * OBS continuously with timestamps that follow the clock. So blocks wait in a
 * ring until latency_frames are there; then the clock starts, and audio is
 * handed out as soon as it arrives, stamped continuously, up to lead_frames
 * ahead of the clock. OBS keeps audio that is early until it is due, and
 * audio that comes late makes OBS add buffering for good (with a gap), so
 * being early is what keeps OBS's output clean.
 *
 * Only when the clock catches up with the last audio handed out (the sender
 * is later than the lead) is silence played, up to the clock and no
 * further; then the ring refills to latency_frames before audio plays again,
 * so one late block costs one gap, not a gap on every block after it. The
 * late audio then comes in one long block holding the time the silence
 * filled (TouchDesigner's CHOP after a slow cook); playing all of it would
 * delay the audio by that silence for good, so when it comes back that much
 * of it is dropped, as far as the blocks were longer than usual: the audio
 * stays in step with the sender (and the picture), and a sender that lost
 * the time (paused, then usual blocks again) loses nothing more. More than max_frames waiting drops
 * the oldest audio back to latency_frames; a long silence stops the output
 * until audio comes back. */
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop_stream.h"

#define NS_PER_S 1000000000ull

struct tdshm_chop_stream {
	tdshm_chop_stream_options options;
	float *ring[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	uint32_t capacity; /* frames per ring plane: max_frames */
	uint32_t head;     /* oldest frame */
	uint32_t buffered;

	bool playing;
	bool refilling;       /* ran dry: silence until latency_frames are back */
	uint64_t anchor_ns;   /* clock time of frame 0 of this play run */
	uint64_t emitted;     /* frames pulled in this play run */
	uint64_t floor_ns;    /* end of the last audio pulled: timestamps stay after it */
	uint64_t silence_run; /* frames of silence pulled in a row */
	uint64_t debt;        /* silence played in this underrun */
	uint64_t extra;       /* frames pushed in this underrun beyond usual blocks */
	uint32_t usual_push;  /* frames of the last block pushed outside an underrun */
	tdshm_chop_stream_stats stats;
};

void tdshm_chop_stream_options_default(tdshm_chop_stream_options *options, uint32_t rate,
				       uint32_t channels, uint32_t latency_ms)
{
	options->rate = rate;
	options->channels = channels;
	options->latency_frames = (uint32_t)((uint64_t)rate * latency_ms / 1000);
	options->lead_frames = options->latency_frames;
	uint64_t max_ms = latency_ms * 3 < 250 ? 250 : (uint64_t)latency_ms * 3;
	options->max_frames = (uint32_t)((uint64_t)rate * max_ms / 1000);
	options->idle_frames = rate;
}

tdshm_status tdshm_chop_stream_create(const tdshm_chop_stream_options *options,
				      tdshm_chop_stream **out, tdshm_error *err)
{
	*out = NULL;
	if (options->rate == 0 || options->channels == 0 ||
	    options->channels > TDSHM_CHOP_OUTPUT_MAX_CHANNELS)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "audio stream needs a rate and 1 to %u channels (got %u Hz, "
				       "%u channels)",
				       TDSHM_CHOP_OUTPUT_MAX_CHANNELS, options->rate,
				       options->channels);
	if (options->max_frames == 0 || options->latency_frames > options->max_frames)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "audio buffer of %u frames cannot hold the latency of %u",
				       options->max_frames, options->latency_frames);
	tdshm_chop_stream *stream = calloc(1, sizeof(*stream));
	if (!stream)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory for audio stream");
	stream->options = *options;
	stream->capacity = options->max_frames;
	for (uint32_t c = 0; c < options->channels; c++) {
		stream->ring[c] = calloc(stream->capacity, sizeof(float));
		if (!stream->ring[c]) {
			tdshm_chop_stream_destroy(stream);
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "out of memory for %u frames of audio",
					       options->max_frames);
		}
	}
	*out = stream;
	return TDSHM_OK;
}

void tdshm_chop_stream_destroy(tdshm_chop_stream *stream)
{
	if (!stream)
		return;
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++)
		free(stream->ring[c]);
	free(stream);
}

const tdshm_chop_stream_options *tdshm_chop_stream_options_get(const tdshm_chop_stream *stream)
{
	return &stream->options;
}

static void go_idle(tdshm_chop_stream *stream)
{
	stream->playing = false;
	stream->refilling = false;
	stream->head = 0;
	stream->buffered = 0;
	stream->silence_run = 0;
	stream->debt = 0;
	stream->extra = 0;
}

uint64_t tdshm_chop_stream_end_ns(const tdshm_chop_stream *stream)
{
	return stream->floor_ns;
}

void tdshm_chop_stream_keep_after(tdshm_chop_stream *stream, uint64_t floor_ns)
{
	if (floor_ns > stream->floor_ns)
		stream->floor_ns = floor_ns;
}

static void drop_oldest(tdshm_chop_stream *stream, uint32_t frames)
{
	stream->head = (uint32_t)(((uint64_t)stream->head + frames) % stream->capacity);
	stream->buffered -= frames;
	stream->stats.dropped_frames += frames;
}

/* More than max_frames waiting with frames more (the sender runs ahead or
 * came back with a burst): keeps the newest latency_frames. Returns whether
 * it dropped; *skip is how many of the new frames are not kept. */
static bool overflow(tdshm_chop_stream *stream, uint32_t frames, uint32_t *skip)
{
	*skip = 0;
	if ((uint64_t)stream->buffered + frames <= stream->capacity)
		return false;
	stream->stats.overflows++;
	uint64_t keep = stream->options.latency_frames;
	uint64_t drop = (uint64_t)stream->buffered + frames - keep;
	uint32_t old = drop < stream->buffered ? (uint32_t)drop : stream->buffered;
	drop_oldest(stream, old);
	*skip = (uint32_t)(drop - old);
	stream->stats.dropped_frames += *skip;
	/* Back in step by dropping: nothing more to catch up. */
	stream->debt = 0;
	stream->extra = 0;
	return true;
}

/* Appends frames[skip..frames) of planes, or silence when planes is NULL. */
static void append(tdshm_chop_stream *stream, const float *const *planes, uint32_t skip,
		   uint32_t frames)
{
	uint32_t tail = (uint32_t)(((uint64_t)stream->head + stream->buffered) % stream->capacity);
	uint32_t remaining = frames - skip;
	uint32_t done = 0;
	while (done < remaining) {
		uint32_t run = stream->capacity - tail;
		if (run > remaining - done)
			run = remaining - done;
		for (uint32_t c = 0; c < stream->options.channels; c++) {
			if (planes)
				memcpy(stream->ring[c] + tail, planes[c] + skip + done,
				       run * sizeof(float));
			else
				memset(stream->ring[c] + tail, 0, run * sizeof(float));
		}
		done += run;
		tail = (tail + run) % stream->capacity;
	}
	stream->buffered += remaining;
}

void tdshm_chop_stream_push(tdshm_chop_stream *stream, const float *const *planes, uint32_t frames)
{
	stream->stats.frames_in += frames;
	uint32_t skip = 0; /* frames at the start of this block not kept */
	if (overflow(stream, frames, &skip)) {
		/* dropped back to the latency: no block length to learn */
	} else if (stream->debt > 0) {
		if (frames > stream->usual_push)
			stream->extra += frames - stream->usual_push;
	} else {
		stream->usual_push = frames;
	}
	append(stream, planes, skip, frames);
}

void tdshm_chop_stream_push_gap(tdshm_chop_stream *stream, uint32_t frames)
{
	uint32_t skip = 0;
	/* During an underrun the silence played stands for part of this
	 * time: like a late cook's long block, it is all extra, and as much
	 * of it as the silence lasted is dropped when the underrun ends. */
	if (!overflow(stream, frames, &skip) && stream->debt > 0)
		stream->extra += frames;
	stream->stats.concealed_frames += frames - skip;
	append(stream, NULL, skip, frames);
}

/* Frames of audio in the clock interval [from, to). */
static uint64_t frames_between(uint64_t from_ns, uint64_t to_ns, uint32_t rate)
{
	if (to_ns <= from_ns)
		return 0;
	uint64_t d = to_ns - from_ns;
	return d / NS_PER_S * rate + d % NS_PER_S * rate / NS_PER_S;
}

static uint64_t run_time_ns(const tdshm_chop_stream *stream, uint64_t frames)
{
	uint32_t rate = stream->options.rate;
	return stream->anchor_ns + frames / rate * NS_PER_S + frames % rate * NS_PER_S / rate;
}

static void start_run(tdshm_chop_stream *stream, uint64_t now_ns)
{
	stream->anchor_ns = now_ns > stream->floor_ns ? now_ns : stream->floor_ns;
	stream->emitted = 0;
}

static void take_frames(tdshm_chop_stream *stream, float *const *planes, uint32_t offset,
			uint32_t frames)
{
	uint32_t done = 0;
	while (done < frames) {
		uint32_t run = stream->capacity - stream->head;
		if (run > frames - done)
			run = frames - done;
		for (uint32_t c = 0; c < stream->options.channels; c++)
			memcpy(planes[c] + offset + done, stream->ring[c] + stream->head,
			       run * sizeof(float));
		done += run;
		stream->head = (stream->head + run) % stream->capacity;
	}
	stream->buffered -= frames;
}

static void stamp(tdshm_chop_stream *stream, uint32_t frames, uint64_t *timestamp_ns)
{
	*timestamp_ns = run_time_ns(stream, stream->emitted);
	stream->emitted += frames;
	stream->floor_ns = run_time_ns(stream, stream->emitted);
	stream->stats.frames_out += frames;
}

/* The underrun is over. Blocks longer than usual during it carried audio for
 * time that has passed (the silence played instead): as much of it as the
 * silence lasted is dropped, so the audio is where it would have been. Usual
 * blocks after a gap (a sender that paused) are new audio: kept. */
static void catch_up(tdshm_chop_stream *stream)
{
	uint64_t n = stream->debt < stream->extra ? stream->debt : stream->extra;
	if (n > stream->buffered)
		n = stream->buffered;
	drop_oldest(stream, (uint32_t)n);
	stream->debt = 0;
	stream->extra = 0;
}

uint32_t tdshm_chop_stream_pull(tdshm_chop_stream *stream, uint64_t now_ns, float *const *planes,
				uint32_t cap, uint64_t *timestamp_ns)
{
	const tdshm_chop_stream_options *o = &stream->options;
	if (cap == 0)
		return 0;
	if (!stream->playing) {
		if (stream->buffered < o->latency_frames || stream->buffered == 0)
			return 0;
		stream->playing = true;
		stream->refilling = false;
		stream->silence_run = 0;
		stream->stats.starts++;
		start_run(stream, now_ns);
	}

	uint64_t clock = frames_between(stream->anchor_ns, now_ns, o->rate);
	if (clock > stream->emitted + o->max_frames) {
		/* The caller did not pull for longer than the buffer holds (a
		 * stalled thread): restart the clock rather than play a backlog
		 * of silence; timestamps jump forward, never back. */
		start_run(stream, now_ns);
		clock = 0;
	}
	if (stream->refilling && stream->buffered >= o->latency_frames) {
		stream->refilling = false;
		catch_up(stream);
	}

	/* Audio, as soon as it is there, up to the lead. */
	uint64_t horizon = clock + o->lead_frames;
	if (!stream->refilling && stream->buffered > 0 && horizon > stream->emitted) {
		uint64_t want = horizon - stream->emitted;
		uint32_t n = want < cap ? (uint32_t)want : cap;
		if (n > stream->buffered)
			n = stream->buffered;
		take_frames(stream, planes, 0, n);
		stream->silence_run = 0;
		stamp(stream, n, timestamp_ns);
		return n;
	}

	/* No audio, and the clock has overtaken what was handed out: silence
	 * up to the clock, never ahead of it. */
	if (clock <= stream->emitted)
		return 0;
	uint64_t behind = clock - stream->emitted;
	uint32_t n = behind < cap ? (uint32_t)behind : cap;
	for (uint32_t c = 0; c < o->channels; c++)
		memset(planes[c], 0, (size_t)n * sizeof(float));
	if (!stream->refilling) {
		stream->refilling = true;
		stream->stats.underruns++;
	}
	stream->stats.silence_frames += n;
	stream->silence_run += n;
	stream->debt += n;
	stamp(stream, n, timestamp_ns);
	if (stream->silence_run >= o->idle_frames)
		go_idle(stream);
	return n;
}

void tdshm_chop_stream_get_stats(const tdshm_chop_stream *stream, tdshm_chop_stream_stats *out)
{
	*out = stream->stats;
	out->playing = stream->playing;
	out->buffered = stream->buffered;
}
