/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame writer's state, shared by its two halves: frame-writer.c (any
 * thread: config, stop, counters) and frame-writer-capture.c (the graphics
 * thread's capture). Nothing else includes this. */
#pragma once

#include "frame-writer.h"
#include "plugin-log.h"

#define writer_log(level, w, format, ...)                                                          \
	tdshm_log_as(level, "tdshm-out", (w)->owner, format, ##__VA_ARGS__)

struct tdshm_frame_writer {
	pthread_mutex_t mutex; /* guards everything below */
	char owner[128];

	/* What the user asked for (any thread, under the mutex). */
	tdshm_frame_writer_config wanted;
	bool running;
	bool configured;            /* set_config was called before */
	uint64_t name_settle_at_ns; /* wanted.name is used from then on */

	/* [RENDER] what the segment currently holds; changed only in capture,
	 * except the sender, which stop() may close from another thread. The
	 * sender is NULL while the worker makes or resizes it. */
	tdshm_frame_writer_config live;
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	size_t segment_size;
	uint32_t width, height;
	uint64_t retry_at_ns;
	bool receiver_attached; /* last seen, for logging changes once */

	/* Creates, resizes and closes senders off the graphics thread; its
	 * calls never wait (its own mutex). Set in create. */
	tdshm_sender_worker *worker;

	/* [RENDER] GPU objects: created, used and freed with graphics entered. */
	gs_texrender_t *texrender;
	enum gs_color_format texrender_format;
	tdshm_readback_ring ring;

	tdshm_writer_stats stats;
};

/* Mutex held: reports message once (state ERROR). */
void tdshm_writer_fail(tdshm_frame_writer *writer, const char *message);
/* Mutex held, graphics thread: forgets the sender; the worker closes it. */
void tdshm_writer_close_later(tdshm_frame_writer *writer);
/* The frame description of config at width x height. */
tdshm_top_frame tdshm_writer_frame(const tdshm_frame_writer_config *config, uint32_t width,
				   uint32_t height);
