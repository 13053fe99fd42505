/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm chop-send`: plays TouchDesigner's Shared Mem Out CHOP with one sine
 * per channel. The phase runs on across blocks, so a receiver that gets
 * every block hears a continuous tone. */
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

typedef struct chop_send_options {
	const char *name;
	uint32_t channels;
	uint32_t rate;
	uint32_t length;
	double freq[CHOP_SEND_MAX_CHANNELS];
	int freq_count;
	char names[CHOP_SEND_MAX_CHANNELS][CHOP_SEND_NAME_CAP];
	int name_count;
	double seconds; /* 0: until stopped (or --blocks) */
	uint32_t blocks;
} chop_send_options;

static int chop_send_parse(int argc, char **argv, chop_send_options *o)
{
	tool_args args;
	tool_args_init(&args, "chop-send", argc, argv);
	memset(o, 0, sizeof(*o));
	o->channels = 2;
	o->rate = 48000;
	const char *word, *value;
	char freq_text[CHOP_SEND_MAX_CHANNELS][32];
	while (tool_args_next(&args, &word)) {
		if (strcmp(word, "--channels") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_u32(&args, word, value, 1, CHOP_SEND_MAX_CHANNELS,
					    &o->channels))
				return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--rate") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_u32(&args, word, value, 1, 1000000, &o->rate))
				return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--length") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_u32(&args, word, value, 1, 1u << 20, &o->length))
				return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--freq") == 0) {
			if (!tool_args_value(&args, word, &value))
				return TOOL_EXIT_USAGE;
			o->freq_count =
			    tool_parse_list(&args, word, value, &freq_text[0][0],
					    sizeof(freq_text[0]), CHOP_SEND_MAX_CHANNELS);
			if (o->freq_count < 0)
				return TOOL_EXIT_USAGE;
			for (int i = 0; i < o->freq_count; i++)
				if (!tool_parse_double(&args, word, freq_text[i], 0, 1e6,
						       &o->freq[i]))
					return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--names") == 0) {
			if (!tool_args_value(&args, word, &value))
				return TOOL_EXIT_USAGE;
			o->name_count = tool_parse_list(&args, word, value, &o->names[0][0],
							CHOP_SEND_NAME_CAP, CHOP_SEND_MAX_CHANNELS);
			if (o->name_count < 0)
				return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--seconds") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_double(&args, word, value, 0, 1e7, &o->seconds))
				return TOOL_EXIT_USAGE;
		} else if (strcmp(word, "--blocks") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_u32(&args, word, value, 1, UINT32_MAX, &o->blocks))
				return TOOL_EXIT_USAGE;
		} else if (word[0] == '-' && word[1] == '-') {
			return tool_usage_error(&args, "unknown option '%s'", word);
		} else if (!o->name) {
			o->name = word;
		} else {
			return tool_usage_error(&args, "one NAME only, got '%s' and '%s'", o->name,
						word);
		}
	}
	if (!o->name)
		return tool_usage_error(&args, "give the Shared Mem Name to send as");
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

static int chop_send_run(const chop_send_options *o)
{
	float *samples = calloc((size_t)o->channels * o->length, sizeof(float));
	const float *planes[CHOP_SEND_MAX_CHANNELS];
	const char *names[CHOP_SEND_MAX_CHANNELS];
	double phase[CHOP_SEND_MAX_CHANNELS] = {0};
	if (!samples) {
		fprintf(stderr, "tdshm chop-send: out of memory for %u x %u samples\n", o->channels,
			o->length);
		return TOOL_EXIT_RUNTIME;
	}
	for (uint32_t c = 0; c < o->channels; c++) {
		planes[c] = samples + (size_t)c * o->length;
		names[c] = o->names[c];
	}
	const char *const *sent_names = o->name_count ? names : NULL;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_sender *sender = NULL;
	size_t size;
	if (tdshm_chop_segment_size(o->channels, o->length, sent_names, &size, &err) != TDSHM_OK ||
	    tdshm_sender_create(o->name, size, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err) !=
		TDSHM_OK) {
		free(samples);
		return tool_report_error("chop-send", "cannot start the sender", &err);
	}
	double blocks_per_second = (double)o->rate / o->length;
	uint64_t limit = o->blocks;
	if (o->seconds > 0) {
		uint64_t by_time = (uint64_t)ceil(o->seconds * blocks_per_second);
		limit = limit && limit < by_time ? limit : by_time;
	}
	printf("[%.3f] sending CHOP '%s': %u channels x %u samples at %u Hz (%.2f blocks/s), "
	       "names %s, data segment %s\n",
	       tool_elapsed_seconds(), o->name, o->channels, o->length, o->rate, blocks_per_second,
	       o->name_count ? "sent" : "not sent", tdshm_sender_data_name(sender));
	for (uint32_t c = 0; c < o->channels; c++)
		printf("  channel %u (%s): %g Hz\n", c, o->name_count ? o->names[c] : "unnamed",
		       o->freq[c]);
	fflush(stdout);

	int code = TOOL_EXIT_OK;
	uint64_t period_ns = (uint64_t)(1e9 / blocks_per_second);
	uint64_t start_ns = tdshm_clock_ns(), block = 0, dropped = 0;
	for (; !tool_stop_requested() && (limit == 0 || block < limit); block++) {
		for (uint32_t c = 0; c < o->channels; c++) {
			double step = CHOP_SEND_TWO_PI * o->freq[c] / o->rate;
			float *plane = samples + (size_t)c * o->length;
			for (uint32_t i = 0; i < o->length; i++) {
				plane[i] = (float)sin(phase[c]);
				phase[c] = fmod(phase[c] + step, CHOP_SEND_TWO_PI);
			}
		}
		uint8_t *bytes;
		size_t mapped;
		tdshm_status status = tdshm_sender_begin_write(sender, CHOP_SEND_LOCK_TIMEOUT_MS,
							       &bytes, &mapped, &err);
		if (status == TDSHM_TIMED_OUT) {
			dropped++;
		} else if (status != TDSHM_OK) {
			code = tool_report_error("chop-send", "writing a block failed", &err);
			break;
		} else {
			status = tdshm_chop_write(bytes, mapped, o->channels, o->length,
						  (float)o->rate, planes, sent_names, &err);
			tdshm_sender_end_write(sender);
			if (status != TDSHM_OK) {
				code =
				    tool_report_error("chop-send", "writing a block failed", &err);
				break;
			}
		}
		/* Behind by more than a block: go on from now rather than burst
		 * blocks no receiver could take one by one. */
		uint64_t next_ns = start_ns + (block + 1) * period_ns, now_ns = tdshm_clock_ns();
		if (now_ns > next_ns + period_ns)
			start_ns = now_ns - (block + 1) * period_ns;
		tool_sleep_until_ns(start_ns + (block + 1) * period_ns);
	}
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
	printf("[%.3f] stopped%s after %llu blocks (%llu dropped on a busy lock); segments "
	       "removed\n",
	       tool_elapsed_seconds(), tool_stop_requested() ? " by signal" : "",
	       (unsigned long long)block, (unsigned long long)dropped);
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
