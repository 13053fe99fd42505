/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm receive`: plays TouchDesigner's Shared Mem In TOP, and checks what
 * arrives. The image is copied out under the data lock and verified after
 * releasing it, so the sender is never held up by the check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pattern.h"
#include "tdshm/platform.h"
#include "tdshm/top_reader.h"
#include "tool.h"

#define RECEIVE_LOCK_TIMEOUT_MS 100
/* Without a frame serial (TD's own senders) a frame is new when its content
 * changed (the reader hashes it): poll at about 250 Hz rather than spin. */
#define RECEIVE_POLL_NO_SERIAL_MS 4
/* Only the first few corrupted frames are described in full. */
#define RECEIVE_MAX_REPORTS 5

typedef struct receive_options {
	const char *name;
	uint32_t frames; /* 0: until stopped */
	const char *png;
	bool expect;
	tdshm_pattern_kind pattern;
	double timeout_s; /* 0: wait for ever */
	bool top_down;    /* rows stored top row first (not TD's order) */
} receive_options;

typedef struct receive_stats {
	uint64_t received, repeated, skipped, corrupted, bad_headers, reconnects;
} receive_stats;

typedef struct receive_state {
	const receive_options *o;
	tdshm_top_reader *reader;
	receive_stats stats;
	/* the last frame, copied out of the segment */
	tdshm_top_image image;
	bool have_image;
	uint8_t *pixels;
	size_t pixels_cap;
	/* what was last announced, to print changes once */
	char header_line[256];
	tdshm_status last_wait_status;
	/* per connection: cleared when the sender goes away */
	bool have_counter;
	uint32_t counter;
	uint64_t last_frame_ms;
	uint64_t connections_seen;
} receive_state;

static int receive_parse(int argc, char **argv, receive_options *o)
{
	tool_args args;
	tool_args_init(&args, "receive", argc, argv);
	memset(o, 0, sizeof(*o));
	o->timeout_s = 10;
	const tool_option options[] = {
	    TOOL_OPT("--frames", U32, &o->frames, .min = 1, .max = UINT32_MAX),
	    TOOL_OPT("--png", TEXT, &o->png),
	    TOOL_OPT("--expect", PATTERN, &o->pattern, .given = &o->expect),
	    TOOL_OPT("--timeout", DOUBLE, &o->timeout_s, .max = 86400),
	    TOOL_OPT("--top-down", FLAG, &o->top_down),
	};
	return tool_args_parse(&args, options, sizeof(options) / sizeof(options[0]), &o->name,
			       "give the Shared Mem Name to receive from");
}

static void receive_forget_connection(receive_state *s)
{
	s->have_counter = false;
	s->header_line[0] = '\0';
}

static void receive_announce_header(receive_state *s, const tdshm_top_image *img, size_t size)
{
	char line[256];
	snprintf(line, sizeof(line),
		 "header: %ux%u %s, %s header v%d, data offset %zu, data size %zu, segment %s "
		 "(%zu bytes)",
		 img->width, img->height, img->format->name,
		 img->kind == TDSHM_TOP_HEADER_LEGACY ? "legacy" : "current", (int)img->version,
		 img->data_offset, img->data_size, tdshm_top_reader_data_name(s->reader), size);
	if (strcmp(line, s->header_line) != 0) {
		printf("[%.3f] %s\n", tool_elapsed_seconds(), line);
		snprintf(s->header_line, sizeof(s->header_line), "%s", line);
	}
}

/* Under the data lock: copy the validated image out. Returns true when a
 * frame was taken. */
static bool receive_take(receive_state *s, const tdshm_top_read *read)
{
	const tdshm_top_image *img = &read->image;
	receive_announce_header(s, img, read->size);
	size_t image_bytes = img->row_bytes * img->height;
	if (image_bytes > s->pixels_cap) {
		uint8_t *grown = realloc(s->pixels, image_bytes);
		if (!grown) {
			printf("[%.3f] out of memory for a %ux%u frame: skipped\n",
			       tool_elapsed_seconds(), img->width, img->height);
			return false;
		}
		s->pixels = grown;
		s->pixels_cap = image_bytes;
	}
	memcpy(s->pixels, read->segment + img->data_offset, image_bytes);
	s->image = *img;
	s->have_image = true;
	return true;
}

static void receive_bad_header(receive_state *s, const tdshm_top_reader_event *ev)
{
	s->stats.bad_headers++;
	s->stats.corrupted++;
	if (s->stats.bad_headers <= RECEIVE_MAX_REPORTS)
		printf("[%.3f] bad header in %s: %s\n", tool_elapsed_seconds(),
		       tdshm_top_reader_data_name(s->reader), ev->detail);
}

/* After the lock: check the pattern and count repeats and skips. */
static void receive_verify(receive_state *s)
{
	const receive_options *o = s->o;
	if (!o->expect) {
		s->stats.received++;
		return;
	}
	tdshm_pattern_image image = {s->image.width, s->image.height, s->image.format, !o->top_down,
				     0};
	tdshm_pattern_result result;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status =
	    tdshm_pattern_check(o->pattern, &image, s->pixels, s->image.row_bytes * s->image.height,
				NULL, &result, &err);
	if (status != TDSHM_OK) {
		s->stats.received++;
		s->stats.corrupted++;
		if (s->stats.corrupted <= RECEIVE_MAX_REPORTS)
			printf("[%.3f] corrupted frame (%ux%u %s): %s\n", tool_elapsed_seconds(),
			       s->image.width, s->image.height, s->image.format->name, err.message);
		return;
	}
	if (o->pattern != TDSHM_PATTERN_COUNTER) {
		s->stats.received++;
		return;
	}
	uint32_t n = result.frame_number;
	if (s->have_counter && n == s->counter) {
		s->stats.repeated++;
		return;
	}
	if (s->have_counter && n > s->counter)
		s->stats.skipped += n - s->counter - 1;
	else if (s->have_counter)
		printf("[%.3f] counter went back from %u to %u (sender restarted?)\n",
		       tool_elapsed_seconds(), s->counter, n);
	s->have_counter = true;
	s->counter = n;
	s->stats.received++;
}

/* One poll. Returns false when the receive must end with *code. */
static bool receive_poll(receive_state *s, int *code)
{
	tdshm_top_read read;
	tdshm_top_reader_event ev;
	tdshm_status status = tdshm_top_reader_poll(s->reader, RECEIVE_LOCK_TIMEOUT_MS, &read, &ev);
	uint64_t now = tdshm_clock_ms();
	uint64_t connections = tdshm_top_reader_connections(s->reader);
	if (tdshm_top_reader_connected(s->reader) && connections != s->connections_seen) {
		if (s->connections_seen > 0)
			s->stats.reconnects++;
		printf("[%.3f] connected to '%s' (data segment %s)\n", tool_elapsed_seconds(),
		       s->o->name, tdshm_top_reader_data_name(s->reader));
		s->connections_seen = connections;
		receive_forget_connection(s);
	}
	if (status == TDSHM_OK) {
		bool taken = read.is_new && receive_take(s, &read);
		tdshm_top_reader_end(s->reader, &read, taken);
		if (taken) {
			s->last_frame_ms = now;
			receive_verify(s);
		}
		s->last_wait_status = TDSHM_OK;
		if (!read.has_serial)
			tdshm_sleep_ms(RECEIVE_POLL_NO_SERIAL_MS);
		else if (!taken)
			tdshm_sleep_ms(1);
		return true;
	}
	if (status == TDSHM_REFUSED && tdshm_top_reader_connected(s->reader)) {
		/* A bad header in a connected segment: counted once per frame. */
		if (read.is_new)
			receive_bad_header(s, &ev);
		s->last_wait_status = TDSHM_OK;
		tdshm_sleep_ms(read.has_serial ? 1 : RECEIVE_POLL_NO_SERIAL_MS);
		return true;
	}
	if (status == TDSHM_NOT_FOUND && tdshm_top_reader_connected(s->reader)) {
		/* Connected, segment not written yet. */
		tdshm_sleep_ms(1);
		return true;
	}
	if (status == TDSHM_GONE) {
		printf("[%.3f] sender gone: %s (last frame %llu ms ago)\n", tool_elapsed_seconds(),
		       ev.detail, (unsigned long long)(now - s->last_frame_ms));
		receive_forget_connection(s);
		s->last_wait_status = status;
	} else if (status == TDSHM_NOT_FOUND || status == TDSHM_TIMED_OUT ||
		   status == TDSHM_REFUSED) {
		if (status != s->last_wait_status)
			printf("[%.3f] %s: %s\n", tool_elapsed_seconds(),
			       status == TDSHM_NOT_FOUND ? "waiting for the sender"
			       : status == TDSHM_REFUSED ? "refused"
							 : "lock busy",
			       status == TDSHM_TIMED_OUT ? "the data lock is busy" : ev.detail);
		s->last_wait_status = status;
	} else {
		tdshm_error err;
		tdshm_error_set(&err, status, "%s", ev.detail);
		*code = tool_report_error("receive", "reading failed", &err);
		return false;
	}
	fflush(stdout);
	tdshm_sleep_ms(5);
	return true;
}

static int receive_write_png(receive_state *s)
{
	if (!s->have_image) {
		fprintf(stderr, "tdshm receive: no frame arrived, so no PNG was written\n");
		return TOOL_EXIT_RUNTIME;
	}
	const tdshm_top_image *img = &s->image;
	uint8_t *rgba = malloc((size_t)img->width * img->height * 4);
	if (!rgba) {
		fprintf(stderr, "tdshm receive: out of memory for the PNG\n");
		return TOOL_EXIT_RUNTIME;
	}
	for (uint32_t y = 0; y < img->height; y++) {
		uint32_t row = s->o->top_down ? y : img->height - 1 - y;
		const uint8_t *src = s->pixels + (size_t)row * img->row_bytes;
		uint8_t *dst = rgba + (size_t)y * img->width * 4;
		for (uint32_t x = 0; x < img->width; x++)
			tdshm_pixel_to_rgba8(img->format,
					     src + (size_t)x * img->format->bytes_per_pixel,
					     dst + (size_t)x * 4);
	}
	tdshm_error err;
	tdshm_error_clear(&err);
	int code = TOOL_EXIT_OK;
	if (tool_png_write(s->o->png, img->width, img->height, rgba, &err) != TDSHM_OK)
		code = tool_report_error("receive", "--png", &err);
	else
		printf("[%.3f] wrote the last frame to %s\n", tool_elapsed_seconds(), s->o->png);
	free(rgba);
	return code;
}

int tool_cmd_receive(int argc, char **argv)
{
	receive_options o;
	int code = receive_parse(argc, argv, &o);
	if (code != TOOL_EXIT_OK)
		return code;
	receive_state s;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	s.last_wait_status = TDSHM_OK;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_top_reader_create(o.name, NULL, &s.reader, &err) != TDSHM_OK)
		return tool_report_error("receive", "cannot start the receiver", &err);
	printf("[%.3f] receiving '%s'%s%s\n", tool_elapsed_seconds(), o.name,
	       o.expect ? ", expecting " : "", o.expect ? tdshm_pattern_name(o.pattern) : "");
	fflush(stdout);
	s.last_frame_ms = tdshm_clock_ms();
	bool timed_out = false;
	while (!tool_stop_requested() && (o.frames == 0 || s.stats.received < o.frames)) {
		if (!receive_poll(&s, &code))
			break;
		if (o.timeout_s > 0 &&
		    (double)(tdshm_clock_ms() - s.last_frame_ms) > o.timeout_s * 1000.0) {
			timed_out = true;
			printf("[%.3f] no new frame for %g s: giving up\n", tool_elapsed_seconds(),
			       o.timeout_s);
			break;
		}
	}
	tdshm_top_reader_destroy(s.reader);
	printf("[%.3f] received %llu frames, repeated %llu, skipped %llu, corrupted %llu, "
	       "reconnects %llu\n",
	       tool_elapsed_seconds(), (unsigned long long)s.stats.received,
	       (unsigned long long)s.stats.repeated, (unsigned long long)s.stats.skipped,
	       (unsigned long long)s.stats.corrupted, (unsigned long long)s.stats.reconnects);
	/* After a timeout with no frame, the timeout message below says it all. */
	if (o.png && code == TOOL_EXIT_OK && (s.have_image || !timed_out)) {
		int png_code = receive_write_png(&s);
		if (png_code != TOOL_EXIT_OK)
			code = png_code;
	}
	free(s.pixels);
	fflush(stdout);
	if (code != TOOL_EXIT_OK)
		return code;
	if (s.stats.corrupted > 0) {
		fprintf(stderr, "tdshm receive: %llu corrupted frame(s)\n",
			(unsigned long long)s.stats.corrupted);
		return TOOL_EXIT_VERIFY_FAILED;
	}
	if (timed_out) {
		fprintf(stderr, "tdshm receive: %s within %g s\n",
			s.stats.received ? "the sender stopped sending frames" : "no frame arrived",
			o.timeout_s);
		return TOOL_EXIT_RUNTIME;
	}
	return TOOL_EXIT_OK;
}
