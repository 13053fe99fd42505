/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm chop-receive`: plays TouchDesigner's Shared Mem In CHOP and checks
 * the channels: finite samples, the expected names and, when asked, each
 * channel's frequency (from rising zero crossings). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tool.h"

#define CHOP_RECEIVE_MAX_CHANNELS 64
#define CHOP_RECEIVE_NAME_CAP 64
#define CHOP_RECEIVE_LOCK_TIMEOUT_MS 100
/* Largest block copied out (samples over all channels): 64 channels x 1 s. */
#define CHOP_RECEIVE_MAX_SAMPLES (64u * 192000u)
/* --expect-freq passes within this fraction of the expected frequency. */
#define CHOP_RECEIVE_FREQ_TOLERANCE 0.01

typedef struct chop_receive_options {
	const char *name;
	uint32_t blocks; /* 0: until stopped */
	char expect_names[CHOP_RECEIVE_MAX_CHANNELS][CHOP_RECEIVE_NAME_CAP];
	int expect_name_count;
	double expect_freq[CHOP_RECEIVE_MAX_CHANNELS];
	int expect_freq_count;
	bool print;
	double timeout_s;
} chop_receive_options;

/* Frequency from whole cycles between the first and last rising zero
 * crossing of each block (interpolated), summed over blocks. */
typedef struct chop_freq_estimate {
	double cycles;
	double span_samples;
} chop_freq_estimate;

typedef struct chop_receive_state {
	const chop_receive_options *o;
	tdshm_chop_block block;
	float *samples; /* planar copy of the last block */
	size_t samples_cap;
	char names[CHOP_RECEIVE_MAX_CHANNELS][CHOP_RECEIVE_NAME_CAP];
	char header_line[200];
	chop_freq_estimate freq[CHOP_RECEIVE_MAX_CHANNELS];
	tool_serial_seen seen;
	uint64_t blocks, bad, last_block_ms;
} chop_receive_state;

static int chop_receive_parse(int argc, char **argv, chop_receive_options *o)
{
	tool_args args;
	tool_args_init(&args, "chop-receive", argc, argv);
	memset(o, 0, sizeof(*o));
	o->timeout_s = 10;
	const tool_option options[] = {
	    TOOL_OPT("--blocks", U32, &o->blocks, .min = 1, .max = UINT32_MAX),
	    TOOL_OPT("--expect-names", LIST, &o->expect_names[0][0],
		     .item_cap = CHOP_RECEIVE_NAME_CAP, .max_items = CHOP_RECEIVE_MAX_CHANNELS,
		     .count = &o->expect_name_count),
	    TOOL_OPT("--expect-freq", NUMBERS, o->expect_freq, .max = 1e6,
		     .max_items = CHOP_RECEIVE_MAX_CHANNELS, .count = &o->expect_freq_count),
	    TOOL_OPT("--print", FLAG, &o->print),
	    TOOL_OPT("--timeout", DOUBLE, &o->timeout_s, .max = 86400),
	};
	return tool_args_parse(&args, options, sizeof(options) / sizeof(options[0]), &o->name,
			       "give the Shared Mem Name to receive from");
}

static void chop_freq_add(chop_freq_estimate *estimate, const float *x, uint32_t n)
{
	double first = -1, last = -1;
	uint32_t crossings = 0;
	for (uint32_t i = 1; i < n; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			double at = (i - 1) + (double)-x[i - 1] / ((double)x[i] - x[i - 1]);
			if (crossings == 0)
				first = at;
			last = at;
			crossings++;
		}
	}
	if (crossings >= 2) {
		estimate->cycles += crossings - 1;
		estimate->span_samples += last - first;
	}
}

/* Under the data lock: parse, copy samples and names. false when nothing
 * usable was there (the reason is counted and printed). */
static bool chop_receive_take(chop_receive_state *s, const uint8_t *bytes, size_t size)
{
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_chop_block block;
	if (tdshm_chop_parse(bytes, size, &block, &err) != TDSHM_OK) {
		if (tool_segment_unwritten(bytes, size))
			return false;
		s->bad++;
		printf("[%.3f] bad CHOP block: %s\n", tool_elapsed_seconds(), err.message);
		return false;
	}
	size_t total = (size_t)block.channels * block.length;
	if (block.channels > CHOP_RECEIVE_MAX_CHANNELS || total > CHOP_RECEIVE_MAX_SAMPLES) {
		s->bad++;
		printf("[%.3f] CHOP block of %u channels x %u samples is larger than this tool "
		       "checks (%u channels, %u samples)\n",
		       tool_elapsed_seconds(), block.channels, block.length,
		       CHOP_RECEIVE_MAX_CHANNELS, CHOP_RECEIVE_MAX_SAMPLES);
		return false;
	}
	if (total > s->samples_cap) {
		float *grown = realloc(s->samples, total * sizeof(float));
		if (!grown)
			return false;
		s->samples = grown;
		s->samples_cap = total;
	}
	for (uint32_t c = 0; c < block.channels; c++) {
		tdshm_chop_read_samples(bytes, &block, c, 0, block.length,
					s->samples + (size_t)c * block.length);
		/* No names sent: keep the previous ones (docs/protocol.md §4). */
		if (block.names_sent || !s->names[c][0])
			tdshm_chop_channel_name(bytes, &block, c, s->names[c],
						CHOP_RECEIVE_NAME_CAP);
	}
	s->block = block;
	return true;
}

/* After the lock: announce changes, check values, update estimates. */
static void chop_receive_check(chop_receive_state *s)
{
	const tdshm_chop_block *b = &s->block;
	char line[sizeof(s->header_line)];
	snprintf(line, sizeof(line),
		 "CHOP: %u channels x %u samples at %g Hz, names %s, data offset %zu, size %u",
		 b->channels, b->length, (double)b->sample_rate,
		 b->names_sent ? "sent" : "not sent", b->data_offset, b->declared_size);
	if (strcmp(line, s->header_line) != 0) {
		printf("[%.3f] %s\n", tool_elapsed_seconds(), line);
		for (uint32_t c = 0; c < b->channels; c++)
			printf("  channel %u: %s\n", c, s->names[c]);
		snprintf(s->header_line, sizeof(s->header_line), "%s", line);
	}
	bool bad = false;
	for (uint32_t c = 0; c < b->channels; c++) {
		const float *x = s->samples + (size_t)c * b->length;
		for (uint32_t i = 0; i < b->length; i++) {
			if (!isfinite(x[i])) {
				printf("[%.3f] channel %u sample %u is not a finite number\n",
				       tool_elapsed_seconds(), c, i);
				bad = true;
				break;
			}
		}
		chop_freq_add(&s->freq[c], x, b->length);
		/* The first block's first samples always; every block's with --print. */
		if (s->o->print || s->blocks == 0) {
			printf("  block %llu %s:", (unsigned long long)s->blocks, s->names[c]);
			for (uint32_t i = 0; i < b->length && i < 4; i++)
				printf(" %+.5f", (double)x[i]);
			printf("\n");
		}
	}
	s->bad += bad;
	s->blocks++;
}

static int chop_receive_verdict(chop_receive_state *s)
{
	const chop_receive_options *o = s->o;
	const tdshm_chop_block *b = &s->block;
	int code = TOOL_EXIT_OK;
	for (uint32_t c = 0; c < b->channels; c++) {
		const chop_freq_estimate *e = &s->freq[c];
		double hz = e->span_samples > 0 ? e->cycles / e->span_samples * b->sample_rate : 0;
		printf("  channel %u (%s): about %.2f Hz\n", c, s->names[c], hz);
		if ((int)c < o->expect_freq_count &&
		    fabs(hz - o->expect_freq[c]) >
			o->expect_freq[c] * CHOP_RECEIVE_FREQ_TOLERANCE) {
			fprintf(stderr,
				"tdshm chop-receive: channel %u is about %.2f Hz, expected %g Hz\n",
				c, hz, o->expect_freq[c]);
			code = TOOL_EXIT_VERIFY_FAILED;
		}
	}
	if (o->expect_freq_count && (uint32_t)o->expect_freq_count != b->channels) {
		fprintf(stderr, "tdshm chop-receive: expected %d channels, got %u\n",
			o->expect_freq_count, b->channels);
		code = TOOL_EXIT_VERIFY_FAILED;
	}
	if (o->expect_name_count) {
		bool match = (uint32_t)o->expect_name_count == b->channels;
		for (uint32_t c = 0; match && c < b->channels; c++)
			match = strcmp(o->expect_names[c], s->names[c]) == 0;
		if (!match) {
			fprintf(stderr,
				"tdshm chop-receive: channel names do not match --expect-names\n");
			code = TOOL_EXIT_VERIFY_FAILED;
		}
	}
	if (s->bad) {
		fprintf(stderr, "tdshm chop-receive: %llu bad block(s)\n",
			(unsigned long long)s->bad);
		code = TOOL_EXIT_VERIFY_FAILED;
	}
	return code;
}

int tool_cmd_chop_receive(int argc, char **argv)
{
	chop_receive_options o;
	int code = chop_receive_parse(argc, argv, &o);
	if (code != TOOL_EXIT_OK)
		return code;
	chop_receive_state s;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_receiver *receiver;
	if (tdshm_receiver_create(o.name, NULL, &receiver, &err) != TDSHM_OK)
		return tool_report_error("chop-receive", "cannot start the receiver", &err);
	printf("[%.3f] receiving CHOP '%s'\n", tool_elapsed_seconds(), o.name);
	s.last_block_ms = tdshm_clock_ms();
	bool timed_out = false, waiting_reported = false;
	while (!tool_stop_requested() && (o.blocks == 0 || s.blocks < o.blocks)) {
		const uint8_t *bytes;
		size_t size;
		tdshm_status status = tdshm_receiver_begin_read(
		    receiver, CHOP_RECEIVE_LOCK_TIMEOUT_MS, &bytes, &size, &err);
		uint64_t now = tdshm_clock_ms();
		if (status == TDSHM_OK) {
			bool has_serial;
			bool taken = tool_serial_fresh(&s.seen, receiver, &has_serial) &&
				     chop_receive_take(&s, bytes, size);
			tdshm_receiver_end_read(receiver);
			if (taken) {
				s.last_block_ms = now;
				chop_receive_check(&s);
			}
			tdshm_sleep_ms(has_serial ? 1 : 4);
		} else if (status == TDSHM_GONE) {
			printf("[%.3f] sender gone: %s\n", tool_elapsed_seconds(), err.message);
			s.seen.have = false;
		} else if (status == TDSHM_NOT_FOUND || status == TDSHM_TIMED_OUT ||
			   status == TDSHM_REFUSED) {
			if (!waiting_reported)
				printf("[%.3f] waiting: %s\n", tool_elapsed_seconds(), err.message);
			waiting_reported = true;
			tdshm_sleep_ms(5);
		} else {
			code = tool_report_error("chop-receive", "reading failed", &err);
			break;
		}
		fflush(stdout);
		if (o.timeout_s > 0 && (double)(now - s.last_block_ms) > o.timeout_s * 1000.0) {
			timed_out = true;
			break;
		}
	}
	tdshm_receiver_destroy(receiver);
	printf("[%.3f] received %llu blocks, %llu bad\n", tool_elapsed_seconds(),
	       (unsigned long long)s.blocks, (unsigned long long)s.bad);
	if (code == TOOL_EXIT_OK)
		code = chop_receive_verdict(&s);
	if (code == TOOL_EXIT_OK && timed_out) {
		fprintf(stderr, "tdshm chop-receive: %s within %g s\n",
			s.blocks ? "the sender stopped sending blocks" : "no block arrived",
			o.timeout_s);
		code = TOOL_EXIT_RUNTIME;
	}
	fflush(stdout);
	free(s.samples);
	return code;
}
