/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm send`: plays TouchDesigner's Shared Mem Out TOP. Each frame is drawn
 * into a private buffer first, so the data lock is held only for the copy
 * (docs/protocol.md §2: TD's receiver stalls on a lock held long). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/names.h"
#include "tdshm/pattern.h"
#include "tdshm/platform.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"
#include "tool.h"

/* A frame that cannot get the data lock within this is dropped, not waited
 * for: a stuck receiver must not stall the sender. */
#define SEND_LOCK_TIMEOUT_MS 100

typedef struct send_options {
	const char *name;
	uint32_t width, height;
	const tdshm_pixel_format *format;
	double fps;
	tdshm_pattern_kind pattern;
	uint32_t frames; /* 0: until stopped */
	bool legacy;
	uint32_t resize_every; /* 0: never */
	uint32_t header_version;
	bool top_down; /* rows top row first, unlike TD */
} send_options;

static int send_parse(int argc, char **argv, send_options *o)
{
	tool_args args;
	tool_args_init(&args, "send", argc, argv);
	memset(o, 0, sizeof(*o));
	o->width = 640;
	o->height = 360;
	o->format = tdshm_pixel_format_by_name("bgra8");
	o->fps = 60;
	o->pattern = TDSHM_PATTERN_COUNTER;
	o->header_version = 1;
	const tool_option options[] = {
	    TOOL_OPT("--size", SIZE, &o->width, .out2 = &o->height),
	    TOOL_OPT("--format", FORMAT, &o->format),
	    TOOL_OPT("--fps", DOUBLE, &o->fps, .min = 0.1, .max = 1000),
	    TOOL_OPT("--pattern", PATTERN, &o->pattern),
	    TOOL_OPT("--frames", U32, &o->frames, .min = 1, .max = UINT32_MAX),
	    TOOL_OPT("--legacy", FLAG, &o->legacy),
	    TOOL_OPT("--top-down", FLAG, &o->top_down),
	    TOOL_OPT("--resize-every", U32, &o->resize_every, .min = 1, .max = UINT32_MAX),
	    TOOL_OPT("--header-version", U32, &o->header_version, .min = 1, .max = 2),
	};
	int code = tool_args_parse(&args, options, sizeof(options) / sizeof(options[0]), &o->name,
				   "give the Shared Mem Name to send as");
	if (code != TOOL_EXIT_OK)
		return code;
	uint32_t df, dt, inf;
	if (o->legacy && !tdshm_top_legacy_triple(o->format, &df, &dt, &inf))
		return tool_usage_error(&args, "the legacy header cannot express format '%s'",
					o->format->name);
	if (!o->legacy && o->format->wire_value == 0)
		return tool_usage_error(&args,
					"format '%s' exists only in the legacy header: add "
					"--legacy",
					o->format->name);
	if (o->legacy && o->header_version != 1)
		return tool_usage_error(&args, "--header-version applies to the current header "
					       "only, not with --legacy");
	if (o->pattern == TDSHM_PATTERN_COUNTER && (o->width < TDSHM_PATTERN_COUNTER_MIN_SIZE ||
						    o->height < TDSHM_PATTERN_COUNTER_MIN_SIZE))
		return tool_usage_error(&args, "the counter pattern needs at least %dx%d pixels",
					TDSHM_PATTERN_COUNTER_MIN_SIZE,
					TDSHM_PATTERN_COUNTER_MIN_SIZE);
	return TOOL_EXIT_OK;
}

static tdshm_top_params send_params(const send_options *o, uint32_t width, uint32_t height)
{
	tdshm_top_params p;
	memset(&p, 0, sizeof(p));
	p.kind = o->legacy ? TDSHM_TOP_HEADER_LEGACY : TDSHM_TOP_HEADER_CURRENT;
	p.version = o->legacy ? TDSHM_TOP_LEGACY_VERSION : (int32_t)o->header_version;
	p.width = width;
	p.height = height;
	p.format = o->format;
	p.gamut = 2; /* Rec.709 primaries (docs/protocol.md §3, unverified) */
	p.transfer = o->format->srgb ? 1 : 0;
	return p;
}

/* The other size of --resize-every: half, or 64 pixels more when half would
 * be too small for the pattern. */
static void send_other_size(const send_options *o, uint32_t *width, uint32_t *height)
{
	uint32_t min = o->pattern == TDSHM_PATTERN_COUNTER ? TDSHM_PATTERN_COUNTER_MIN_SIZE : 1;
	if (o->width / 2 >= min && o->height / 2 >= min) {
		*width = o->width / 2;
		*height = o->height / 2;
	} else {
		*width = o->width + 64;
		*height = o->height + 64;
	}
}

typedef struct send_state {
	const send_options *o;
	tdshm_sender *sender;
	tdshm_top_params params;
	size_t segment_size;
	uint8_t *staging; /* the image, drawn outside the lock */
	size_t staging_size;
	uint64_t dropped;
	bool lock_busy_reported;
	bool attached;
} send_state;

/* Draws frame into the staging buffer for the current params. */
static tdshm_status send_draw(send_state *s, uint32_t frame, tdshm_error *err)
{
	tdshm_pattern_image image = {s->params.width, s->params.height, s->o->format,
				     !s->o->top_down, 0};
	return tdshm_pattern_fill(s->o->pattern, frame, &image, s->staging, s->staging_size, err);
}

static tdshm_status send_resize(send_state *s, uint32_t width, uint32_t height, tdshm_error *err)
{
	tdshm_top_params params = send_params(s->o, width, height);
	size_t size;
	tdshm_status status = tdshm_top_segment_size(&params, &size, err);
	if (status != TDSHM_OK)
		return status;
	char old_name[TDSHM_FULL_NAME_CAP];
	snprintf(old_name, sizeof(old_name), "%s", tdshm_sender_data_name(s->sender));
	status = tdshm_sender_resize(s->sender, size, TDSHM_INFO_LOCK_TIMEOUT_MS, err);
	if (status != TDSHM_OK)
		return status;
	s->params = params;
	s->segment_size = size;
	const char *new_name = tdshm_sender_data_name(s->sender);
	printf("[%.3f] resized to %ux%u: %s data segment %s (%zu bytes)\n", tool_elapsed_seconds(),
	       width, height,
	       strcmp(old_name, new_name) != 0 ? "new postfix," : "re-created (no receiver), same",
	       new_name, size);
	return TDSHM_OK;
}

/* One frame: draw, lock, header + copy, unlock. A busy lock drops the frame. */
static tdshm_status send_frame(send_state *s, uint32_t frame, tdshm_error *err)
{
	tdshm_status status = send_draw(s, frame, err);
	if (status != TDSHM_OK)
		return status;
	uint8_t *bytes;
	size_t size;
	status = tdshm_sender_begin_write(s->sender, SEND_LOCK_TIMEOUT_MS, &bytes, &size, err);
	if (status == TDSHM_TIMED_OUT) {
		s->dropped++;
		if (!s->lock_busy_reported)
			printf("[%.3f] data lock busy, dropping frames: %s\n",
			       tool_elapsed_seconds(), err->message);
		s->lock_busy_reported = true;
		return TDSHM_OK;
	}
	if (status != TDSHM_OK)
		return status;
	if (s->lock_busy_reported)
		printf("[%.3f] data lock free again\n", tool_elapsed_seconds());
	s->lock_busy_reported = false;
	status = tdshm_top_write_header(&s->params, bytes, size, err);
	if (status == TDSHM_OK) {
		size_t offset = tdshm_top_header_size(&s->params);
		size_t image_bytes =
		    (size_t)s->params.width * s->params.height * s->o->format->bytes_per_pixel;
		memcpy(bytes + offset, s->staging, image_bytes);
	}
	tdshm_sender_end_write(s->sender);
	return status;
}

static int send_run(const send_options *o)
{
	tdshm_error err;
	tdshm_error_clear(&err);
	send_state s;
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.params = send_params(o, o->width, o->height);
	uint32_t other_w, other_h;
	send_other_size(o, &other_w, &other_h);
	tdshm_pattern_image a = {o->width, o->height, o->format, true, 0};
	tdshm_pattern_image b = {other_w, other_h, o->format, true, 0};
	size_t bytes_a = tdshm_pattern_image_bytes(&a), bytes_b = tdshm_pattern_image_bytes(&b);
	s.staging_size = o->resize_every && bytes_b > bytes_a ? bytes_b : bytes_a;
	s.staging = malloc(s.staging_size);
	if (!s.staging) {
		fprintf(stderr, "tdshm send: out of memory for a %ux%u %s frame\n", o->width,
			o->height, o->format->name);
		return TOOL_EXIT_RUNTIME;
	}
	int code = TOOL_EXIT_OK;
	if (tdshm_top_segment_size(&s.params, &s.segment_size, &err) != TDSHM_OK ||
	    tdshm_sender_create(o->name, s.segment_size, TDSHM_INFO_LOCK_TIMEOUT_MS, &s.sender,
				&err) != TDSHM_OK) {
		code = tool_report_error("send", "cannot start the sender", &err);
		free(s.staging);
		return code;
	}
	printf("[%.3f] sending '%s': %ux%u %s, %s header v%d, pattern %s at %g fps, data "
	       "segment %s (%zu bytes)\n",
	       tool_elapsed_seconds(), o->name, o->width, o->height, o->format->name,
	       o->legacy ? "legacy" : "current", (int)s.params.version,
	       tdshm_pattern_name(o->pattern), o->fps, tdshm_sender_data_name(s.sender),
	       s.segment_size);
	fflush(stdout);

	uint64_t period_ns = (uint64_t)(1e9 / o->fps);
	uint64_t start_ns = tdshm_clock_ns();
	bool small = false;
	uint32_t frame = 0;
	for (; !tool_stop_requested() && (o->frames == 0 || frame < o->frames); frame++) {
		if (o->resize_every && frame > 0 && frame % o->resize_every == 0) {
			small = !small;
			if (send_resize(&s, small ? other_w : o->width, small ? other_h : o->height,
					&err) != TDSHM_OK) {
				code = tool_report_error("send", "resize failed", &err);
				break;
			}
		}
		if (send_frame(&s, frame, &err) != TDSHM_OK) {
			code = tool_report_error("send", "writing a frame failed", &err);
			break;
		}
		bool attached = tdshm_sender_receiver_attached(s.sender);
		if (attached != s.attached)
			printf("[%.3f] %s\n", tool_elapsed_seconds(),
			       attached ? "a receiver attached (resizes now use a new postfix)"
					: "no receiver attached");
		s.attached = attached;
		fflush(stdout);
		/* Behind by more than a frame (a slow machine, a huge format): go
		 * on from now, as a cooking TD would, rather than burst to catch up. */
		uint64_t next_ns = start_ns + (frame + 1) * period_ns, now_ns = tdshm_clock_ns();
		if (now_ns > next_ns + period_ns)
			start_ns = now_ns - (frame + 1) * period_ns;
		tool_sleep_until_ns(start_ns + (frame + 1) * period_ns);
	}
	tdshm_sender_destroy(s.sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
	printf("[%.3f] stopped%s after %u frames (%llu dropped on a busy lock); segments "
	       "removed\n",
	       tool_elapsed_seconds(), tool_stop_requested() ? " by signal" : "", frame,
	       (unsigned long long)s.dropped);
	fflush(stdout);
	free(s.staging);
	return code;
}

int tool_cmd_send(int argc, char **argv)
{
	send_options o;
	int code = send_parse(argc, argv, &o);
	if (code != TOOL_EXIT_OK)
		return code;
	return send_run(&o);
}
