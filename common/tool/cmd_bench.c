/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm bench`: what the protocol costs over the one copy it needs. For
 * each size and format, in one process: a sender write (lock, header, copy
 * into the segment, unlock) against a plain memcpy of the same bytes into
 * the same mapped segment, and a receiver read (lock, validate the header,
 * copy out, unlock) against a plain memcpy out of the same segment into the
 * same buffer. So each ratio compares like with like: the same bytes
 * between the same kinds of memory, warm, interleaved round by round,
 * median of many. A ratio under 1.0 would mean the baseline is not what the
 * operation has to do (a bug here). Prints figures; never fails on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pixel_format.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"
#include "tdshm/cleanup.h"
#include "tool.h"

#define BENCH_MAX_REPS 400
#define BENCH_MIN_REPS 7
#define BENCH_LOCK_TIMEOUT_MS 1000

typedef struct bench_case {
	uint32_t width, height;
	const char *format;
} bench_case;

/* In the order they run each round. */
typedef enum bench_op {
	BENCH_COPY_IN, /* memcpy into the mapped segment: the send's baseline */
	BENCH_SEND,
	BENCH_COPY_OUT, /* memcpy out of the mapped segment: the receive's baseline */
	BENCH_RECEIVE,
	BENCH_OPS
} bench_op;

typedef struct bench_ctx {
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_top_params params;
	size_t header_size, image_bytes;
	uint8_t *src, *dst;
	uint8_t *segment_image; /* the image bytes in the sender's mapping */
	tdshm_error err;
} bench_ctx;

static int bench_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One operation; false on an error (message in ctx->err). */
static bool bench_once(bench_ctx *c, bench_op op)
{
	if (op == BENCH_COPY_IN) {
		memcpy(c->segment_image, c->src, c->image_bytes);
		return true;
	}
	if (op == BENCH_COPY_OUT) {
		memcpy(c->dst, c->segment_image, c->image_bytes);
		return true;
	}
	if (op == BENCH_SEND) {
		uint8_t *bytes;
		size_t size;
		if (tdshm_sender_begin_write(c->sender, BENCH_LOCK_TIMEOUT_MS, &bytes, &size,
					     &c->err) != TDSHM_OK)
			return false;
		tdshm_status status = tdshm_top_write_header(&c->params, bytes, size, &c->err);
		if (status == TDSHM_OK)
			memcpy(bytes + c->header_size, c->src, c->image_bytes);
		tdshm_sender_end_write(c->sender);
		return status == TDSHM_OK;
	}
	const uint8_t *bytes;
	size_t size;
	if (tdshm_receiver_begin_read(c->receiver, BENCH_LOCK_TIMEOUT_MS, &bytes, &size, &c->err) !=
	    TDSHM_OK)
		return false;
	tdshm_top_image img;
	tdshm_status status = tdshm_top_parse(bytes, size, &img, &c->err);
	if (status == TDSHM_OK)
		memcpy(c->dst, bytes + img.data_offset, img.row_bytes * img.height);
	tdshm_receiver_end_read(c->receiver);
	return status == TDSHM_OK;
}

/* Median ms of each op. They are interleaved, one of each per round, so
 * load from other processes falls on all of them alike; rounds continue
 * until budget_ns (at least BENCH_MIN_REPS). */
static bool bench_medians(bench_ctx *c, uint64_t budget_ns, double ms[BENCH_OPS])
{
	static uint64_t times[BENCH_OPS][BENCH_MAX_REPS];
	int reps = 0;
	for (int op = 0; op < BENCH_OPS; op++) /* warm-up: caches, page tables */
		if (!bench_once(c, (bench_op)op))
			return false;
	uint64_t start = tdshm_clock_ns();
	while (reps < BENCH_MAX_REPS &&
	       (reps < BENCH_MIN_REPS || tdshm_clock_ns() - start < budget_ns)) {
		for (int op = 0; op < BENCH_OPS; op++) {
			uint64_t t0 = tdshm_clock_ns();
			if (!bench_once(c, (bench_op)op))
				return false;
			times[op][reps] = tdshm_clock_ns() - t0;
		}
		reps++;
	}
	for (int op = 0; op < BENCH_OPS; op++) {
		qsort(times[op], (size_t)reps, sizeof(times[op][0]), bench_compare);
		ms[op] = (double)times[op][reps / 2] / 1e6;
	}
	return true;
}

static int bench_case_run(const bench_case *bc, uint64_t budget_ns)
{
	bench_ctx c;
	memset(&c, 0, sizeof(c));
	int code = TOOL_EXIT_OK;
	const tdshm_pixel_format *format = tdshm_pixel_format_by_name(bc->format);
	if (!format) {
		fprintf(stderr, "tdshm bench: format %s unknown\n", bc->format);
		return TOOL_EXIT_RUNTIME;
	}
	c.params.kind = TDSHM_TOP_HEADER_CURRENT;
	c.params.version = 1;
	c.params.width = bc->width;
	c.params.height = bc->height;
	c.params.format = format;
	c.header_size = tdshm_top_header_size(&c.params);
	c.image_bytes = (size_t)bc->width * bc->height * format->bytes_per_pixel;
	size_t segment_size;
	char name[64];
	snprintf(name, sizeof(name), "tdshm-bench-%u", (unsigned)tdshm_process_id());
	c.src = malloc(c.image_bytes);
	c.dst = malloc(c.image_bytes);
	if (!c.src || !c.dst) {
		fprintf(stderr, "tdshm bench: out of memory for %ux%u %s\n", bc->width, bc->height,
			bc->format);
		free(c.src);
		free(c.dst);
		return TOOL_EXIT_RUNTIME;
	}
	/* Touch every page before timing anything. */
	for (size_t i = 0; i < c.image_bytes; i++)
		c.src[i] = (uint8_t)(i * 31u);
	memset(c.dst, 1, c.image_bytes);
	const uint8_t *bytes;
	size_t size;
	double ms[BENCH_OPS];
	if (tdshm_top_segment_size(&c.params, &segment_size, &c.err) != TDSHM_OK ||
	    tdshm_sender_create(name, segment_size, TDSHM_INFO_LOCK_TIMEOUT_MS, &c.sender,
				&c.err) != TDSHM_OK ||
	    tdshm_receiver_create(name, NULL, &c.receiver, &c.err) != TDSHM_OK ||
	    !bench_once(&c, BENCH_SEND)) {
		code = tool_report_error("bench", "setting up", &c.err);
		goto done;
	}
	/* Connect the receiver (and have it fault the mapping in). */
	if (tdshm_receiver_begin_read(c.receiver, BENCH_LOCK_TIMEOUT_MS, &bytes, &size, &c.err) !=
	    TDSHM_OK) {
		code = tool_report_error("bench", "connecting the receiver", &c.err);
		goto done;
	}
	tdshm_receiver_end_read(c.receiver);
	/* The baselines copy where the operations do: this process is the only
	 * user of the segment, and the mapping stays while the sender does. */
	uint8_t *mapped;
	if (tdshm_sender_begin_write(c.sender, BENCH_LOCK_TIMEOUT_MS, &mapped, &size, &c.err) !=
	    TDSHM_OK) {
		code = tool_report_error("bench", "mapping the segment", &c.err);
		goto done;
	}
	c.segment_image = mapped + c.header_size;
	tdshm_sender_end_write(c.sender);
	if (!bench_medians(&c, budget_ns, ms)) {
		code = tool_report_error("bench", "measuring", &c.err);
		goto done;
	}
	printf("%5ux%-5u %-8s %10zu | %8.3f %8.3f %6.2fx | %8.3f %8.3f %6.2fx\n", bc->width,
	       bc->height, bc->format, c.image_bytes, ms[BENCH_COPY_IN], ms[BENCH_SEND],
	       ms[BENCH_SEND] / ms[BENCH_COPY_IN], ms[BENCH_COPY_OUT], ms[BENCH_RECEIVE],
	       ms[BENCH_RECEIVE] / ms[BENCH_COPY_OUT]);
	fflush(stdout);
done:
	tdshm_receiver_destroy(c.receiver);
	tdshm_sender_destroy(c.sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
	/* The bench's own name: leave no locks behind in shared memory. */
	tdshm_error ignored;
	tdshm_status removed = tdshm_name_remove_leftovers(name, 0, &ignored);
	(void)removed; /* best effort: the figures stand either way */
	free(c.src);
	free(c.dst);
	return code;
}

int tool_cmd_bench(int argc, char **argv)
{
	tool_args args;
	tool_args_init(&args, "bench", argc, argv);
	double seconds = 8;
	const char *word, *value;
	while (tool_args_next(&args, &word)) {
		if (strcmp(word, "--seconds") == 0) {
			if (!tool_args_value(&args, word, &value) ||
			    !tool_parse_double(&args, word, value, 0.1, 3600, &seconds))
				return TOOL_EXIT_USAGE;
		} else {
			return tool_usage_error(&args, "unknown argument '%s'", word);
		}
	}
	static const bench_case cases[] = {
	    {1920, 1080, "bgra8"},
	    {1920, 1080, "rgba32f"},
	    {3840, 2160, "bgra8"},
	    {3840, 2160, "rgba32f"},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	uint64_t budget_ns = (uint64_t)(seconds * 1e9 / (double)n);
	printf(
	    "per-frame cost, median of interleaved runs (ms), each against a memcpy of the same\n"
	    "bytes into / out of the same mapped segment; goal for both ratios: <= 1.10\n");
	printf("%-11s %-8s %10s | %8s %8s %7s | %8s %8s %7s\n", "size", "format", "bytes", "memcpy",
	       "send", "ratio", "memcpy", "receive", "ratio");
	for (size_t i = 0; i < n; i++) {
		int code = bench_case_run(&cases[i], budget_ns);
		if (code != TOOL_EXIT_OK)
			return code;
	}
	return TOOL_EXIT_OK;
}
