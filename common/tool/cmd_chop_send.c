/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm chop-send`: plays TouchDesigner's Shared Mem Out CHOP with one sine
 * per channel. The phase runs on across blocks, so a receiver that gets
 * every block hears a continuous tone. Like TouchDesigner, a cook that comes
 * late writes one longer block with every sample since the previous cook. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/platform.h"
#include "tdshm/sender.h"
#include "tool.h"

#define CHOP_SEND_MAX_CHANNELS 64
#define CHOP_SEND_NAME_CAP 64
#define CHOP_SEND_LOCK_TIMEOUT_MS 100
#define CHOP_SEND_TWO_PI 6.283185307179586

#define CHOP_SEND_DEFAULT_AMPLITUDE 0.25

typedef struct chop_send_options {
	const char *name;
	uint32_t channels;
	uint32_t rate;
	uint32_t length;
	double freq[CHOP_SEND_MAX_CHANNELS];
	int freq_count;
	char names[CHOP_SEND_MAX_CHANNELS][CHOP_SEND_NAME_CAP];
	int name_count;
	double amplitude; /* peak of every sine, 0..1 */
	double seconds;   /* 0: until stopped (or --blocks) */
	uint32_t blocks;
} chop_send_options;

static int chop_send_parse(int argc, char **argv, chop_send_options *o)
{
	tool_args args;
	tool_args_init(&args, "chop-send", argc, argv);
	memset(o, 0, sizeof(*o));
	o->channels = 2;
	o->rate = 48000;
	/* -12 dBFS: loud enough to see and measure, and OBS's meter stays out
	 * of the red (full scale pegs it). */
	o->amplitude = CHOP_SEND_DEFAULT_AMPLITUDE;
	const tool_option options[] = {
	    TOOL_OPT("--channels", U32, &o->channels, .min = 1, .max = CHOP_SEND_MAX_CHANNELS),
	    TOOL_OPT("--rate", U32, &o->rate, .min = 1, .max = 1000000),
	    TOOL_OPT("--length", U32, &o->length, .min = 1, .max = 1u << 20),
	    TOOL_OPT("--freq", NUMBERS, o->freq, .max = 1e6, .max_items = CHOP_SEND_MAX_CHANNELS,
		     .count = &o->freq_count),
	    TOOL_OPT("--names", LIST, &o->names[0][0], .item_cap = CHOP_SEND_NAME_CAP,
		     .max_items = CHOP_SEND_MAX_CHANNELS, .count = &o->name_count),
	    TOOL_OPT("--amplitude", DOUBLE, &o->amplitude, .max = 1),
	    TOOL_OPT("--seconds", DOUBLE, &o->seconds, .max = 1e7),
	    TOOL_OPT("--blocks", U32, &o->blocks, .min = 1, .max = UINT32_MAX),
	};
	int code = tool_args_parse(&args, options, sizeof(options) / sizeof(options[0]), &o->name,
				   "give the Shared Mem Name to send as");
	if (code != TOOL_EXIT_OK)
		return code;
	if (o->length == 0) /* one video frame's worth at 60 fps, like a CHOP cook */
		o->length = o->rate / 60 ? o->rate / 60 : 1;
	if (o->freq_count > 0 && (uint32_t)o->freq_count != o->channels)
		return tool_usage_error(&args, "--freq gives %d frequencies for %u channels",
					o->freq_count, o->channels);
	if (o->name_count > 0 && (uint32_t)o->name_count != o->channels)
		return tool_usage_error(&args, "--names gives %d names for %u channels",
					o->name_count, o->channels);
	if (o->freq_count == 0)
		for (uint32_t c = 0; c < o->channels; c++)
			o->freq[c] = 440.0 * (c + 1);
	return TOOL_EXIT_OK;
}

/* Longest block one cook writes: a second of samples, and a segment of at
 * most CHOP_SEND_MAX_SEGMENT bytes (64 channels at 1 MHz would otherwise map
 * 256 MB). Time beyond it (a stall of more than a second) is skipped. */
#define CHOP_SEND_MAX_SEGMENT (64u << 20)

static uint32_t chop_send_max_length(const chop_send_options *o)
{
	uint64_t by_size = (CHOP_SEND_MAX_SEGMENT - TDSHM_CHOP_HEADER_SIZE) /
			   ((uint64_t)o->channels * sizeof(float));
	uint64_t cap = o->rate < by_size ? o->rate : by_size;
	return cap > o->length ? (uint32_t)cap : o->length;
}

/* One sine per channel for the next `length` samples; the phase runs on. */
static void chop_send_fill(const chop_send_options *o, float *samples, uint32_t length,
			   double *phase)
{
	for (uint32_t c = 0; c < o->channels; c++) {
		double step = CHOP_SEND_TWO_PI * o->freq[c] / o->rate;
		float *plane = samples + (size_t)c * length;
		for (uint32_t i = 0; i < length; i++) {
			plane[i] = (float)(o->amplitude * sin(phase[c]));
			phase[c] = fmod(phase[c] + step, CHOP_SEND_TWO_PI);
		}
	}
}

/* Cooks like TouchDesigner's: one cook per period (rate/length per second),
 * and each cook writes ONE block holding every sample due since the previous
 * cook. On time that is `length` samples; a cook that comes late writes a
 * longer block rather than several blocks back to back, because a receiver
 * polling the segment would miss all but the last of those. */
static int chop_send_run(const chop_send_options *o)
{
	uint32_t max_length = chop_send_max_length(o);
	float *samples = calloc((size_t)o->channels * max_length, sizeof(float));
	const float *planes[CHOP_SEND_MAX_CHANNELS];
	const char *names[CHOP_SEND_MAX_CHANNELS];
	double phase[CHOP_SEND_MAX_CHANNELS] = {0};
	if (!samples) {
		fprintf(stderr, "tdshm chop-send: out of memory for %u x %u samples\n", o->channels,
			max_length);
		return TOOL_EXIT_RUNTIME;
	}
	for (uint32_t c = 0; c < o->channels; c++)
		names[c] = o->names[c];
	const char *const *sent_names = o->name_count ? names : NULL;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_sender *sender = NULL;
	size_t size;
	/* Sized for the longest block from the start: a late cook must not
	 * also resize (receivers would re-open the segment just then). */
	if (tdshm_chop_segment_size(o->channels, max_length, sent_names, &size, &err) != TDSHM_OK ||
	    tdshm_sender_create(o->name, size, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err) !=
		TDSHM_OK) {
		free(samples);
		return tool_report_error("chop-send", "cannot start the sender", &err);
	}
	double blocks_per_second = (double)o->rate / o->length;
	uint64_t sample_limit = 0; /* 0: no limit by time */
	if (o->seconds > 0)
		sample_limit = (uint64_t)ceil(o->seconds * o->rate);
	printf("[%.3f] sending CHOP '%s': %u channels x %u samples at %u Hz (%.2f blocks/s; "
	       "a late cook writes up to %u), names %s, data segment %s\n",
	       tool_elapsed_seconds(), o->name, o->channels, o->length, o->rate, blocks_per_second,
	       max_length, o->name_count ? "sent" : "not sent", tdshm_sender_data_name(sender));
	for (uint32_t c = 0; c < o->channels; c++)
		printf("  channel %u (%s): %g Hz, amplitude %g\n", c,
		       o->name_count ? o->names[c] : "unnamed", o->freq[c], o->amplitude);
	fflush(stdout);

	int code = TOOL_EXIT_OK;
	/* Cook k is due at start + k periods and writes the samples up to the
	 * end of block k: (k + 1) * length in all, ahead of the clock by one
	 * block as a CHOP's output is. */
	uint64_t period_ns = (uint64_t)(1e9 / blocks_per_second);
	uint64_t start_ns = tdshm_clock_ns();
	uint64_t cooks = 0, due_cook = 0, sent = 0, dropped = 0, skipped = 0, late = 0;
	uint32_t longest = 0;
	while (!tool_stop_requested() && (o->blocks == 0 || cooks < o->blocks) &&
	       (sample_limit == 0 || sent < sample_limit)) {
		uint64_t now_ns = tdshm_clock_ns();
		uint64_t cook = now_ns > start_ns ? (now_ns - start_ns) / period_ns : 0;
		if (cook < due_cook)
			cook = due_cook;
		uint64_t due = (cook + 1) * (uint64_t)o->length;
		if (sample_limit && due > sample_limit)
			due = sample_limit;
		if (due - sent > max_length) {
			/* Stalled for more than the longest block: that time is
			 * skipped (the tone goes on from where it was). */
			skipped += due - sent - max_length;
			sent = due - max_length;
		}
		uint32_t length = (uint32_t)(due - sent);
		if (length > o->length)
			late++;
		if (length > longest)
			longest = length;
		chop_send_fill(o, samples, length, phase);
		for (uint32_t c = 0; c < o->channels; c++)
			planes[c] = samples + (size_t)c * length;

		uint8_t *bytes;
		size_t mapped;
		tdshm_status status = tdshm_sender_begin_write(sender, CHOP_SEND_LOCK_TIMEOUT_MS,
							       &bytes, &mapped, &err);
		if (status == TDSHM_TIMED_OUT) {
			dropped += length; /* a cook TD could not publish: lost */
		} else if (status != TDSHM_OK) {
			code = tool_report_error("chop-send", "writing a block failed", &err);
			break;
		} else {
			status = tdshm_chop_write(bytes, mapped, o->channels, length,
						  (float)o->rate, planes, sent_names, &err);
			tdshm_sender_end_write(sender);
			if (status != TDSHM_OK) {
				code =
				    tool_report_error("chop-send", "writing a block failed", &err);
				break;
			}
		}
		sent = due;
		cooks++;
		/* The next cook is the next one on the grid at least half a
		 * period away: after a late cook, two blocks a few ms apart
		 * would be one too many for a polling receiver. */
		uint64_t next = cook + 1;
		now_ns = tdshm_clock_ns();
		while (start_ns + next * period_ns < now_ns + period_ns / 2)
			next++;
		due_cook = next;
		tool_sleep_until_ns(start_ns + next * period_ns);
	}
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
	printf("[%.3f] stopped%s after %llu blocks (%llu late cooks, longest %u samples; %llu "
	       "samples lost on a busy lock, %llu skipped after stalls); segments removed\n",
	       tool_elapsed_seconds(), tool_stop_requested() ? " by signal" : "",
	       (unsigned long long)cooks, (unsigned long long)late, longest,
	       (unsigned long long)dropped, (unsigned long long)skipped);
	fflush(stdout);
	free(samples);
	return code;
}

int tool_cmd_chop_send(int argc, char **argv)
{
	chop_send_options o;
	int code = chop_send_parse(argc, argv, &o);
	if (code != TOOL_EXIT_OK)
		return code;
	return chop_send_run(&o);
}
