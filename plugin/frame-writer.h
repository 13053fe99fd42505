/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sends GPU-rendered frames under one Shared Mem Name: owns the sender, the
 * render target and the read-back ring, and keeps counters a user (status
 * text) and the tests (get_stats) can read. Used by the filter and by the
 * Tools-menu program output; neither knows about segments or locks.
 *
 * Threads: tdshm_frame_writer_capture runs on the graphics thread; every
 * other function may be called from any thread. A mutex guards all state;
 * the graphics thread holds it for one capture (bounded: the only waits in a
 * capture are the 2 ms data-lock try and, when a sender is asked for, at
 * most 2 ms for the writer's own thread). Creating, resizing and closing the
 * sender happen on that thread (sender-worker.h), where they may wait on
 * other processes as long as they need; frames that come while it is not
 * ready are skipped and counted (skipped_pending). Code: frame-writer.c (state, capture),
 * frame-writer-settings.c (settings, properties, status text, stats). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <obs.h>
#include <util/threading.h>

#include "dialog-status.h"
#include "readback-ring.h"
#include "sender-worker.h"
#include "tdshm/name_claim.h"
#include "tdshm/names.h"
#include "tdshm/sender.h"
#include "tdshm/top_writer.h"

/* Bound on every lock wait on the graphics thread: a receiver holding a lock
 * costs one skipped frame, never a stall. */
#define TDSHM_WRITER_LOCK_TIMEOUT_MS 2
/* Bound when stopping from the UI thread (detach must reach TD's receiver). */
#define TDSHM_WRITER_STOP_TIMEOUT_MS 20
/* A new name is used once it has stayed the same TDSHM_NAME_SETTLE_MS
 * (dialog-status.h): a name being typed never creates (and removes) a
 * segment per partial name. */
/* How often a name that is taken (or failed) is tried again. */
#define TDSHM_WRITER_RETRY_NS 1000000000ull

/* Setting keys and values users' saved scenes depend on: keep them stable. */
#define TDSHM_SETTING_NAME "name"
#define TDSHM_SETTING_FORMAT "format"
#define TDSHM_SETTING_FLIP "flip"
#define TDSHM_SETTING_ALPHA "alpha"
#define TDSHM_SETTING_HEADER "header"
#define TDSHM_FORMAT_BGRA8 "bgra8"
#define TDSHM_FORMAT_RGBA8 "rgba8"
#define TDSHM_FORMAT_RGBA16F "rgba16f"
#define TDSHM_FORMAT_RGBA32F "rgba32f"
#define TDSHM_ALPHA_VALUE_PREMULTIPLIED "premultiplied"
#define TDSHM_ALPHA_VALUE_STRAIGHT "straight"
#define TDSHM_HEADER_VALUE_CURRENT "current"
#define TDSHM_HEADER_VALUE_LEGACY "legacy"

typedef struct tdshm_frame_writer_config {
	/* Room for names far over the limit, so a too-long name is refused
	 * with its real length instead of being cut to a valid one. */
	char name[4096];
	const tdshm_pixel_format *format;
	enum gs_color_format gs_format;
	bool bottom_up;
	tdshm_alpha_mode alpha;
	tdshm_top_header_kind header;
} tdshm_frame_writer_config;

typedef enum tdshm_writer_state {
	TDSHM_WRITER_STOPPED,  /* not sending (disabled, no name, only-when-active) */
	TDSHM_WRITER_WAITING,  /* sending; no receiver attached: nothing read back */
	TDSHM_WRITER_SENDING,  /* a receiver is attached: frames are read back */
	TDSHM_WRITER_ERROR,    /* the last attempt failed: message says why */
	TDSHM_WRITER_STARTING, /* asked to send; the source has no size yet */
	TDSHM_WRITER_SETTLING, /* a new name: waiting for it to stay the same */
} tdshm_writer_state;

typedef struct tdshm_writer_stats {
	tdshm_writer_state state;
	char message[TDSHM_ERROR_MESSAGE_MAX]; /* error text when state is ERROR */
	char name[TDSHM_USER_NAME_MAX + 1];
	char data_name[TDSHM_FULL_NAME_CAP]; /* current data segment */
	uint32_t width, height;
	uint64_t readbacks;       /* textures staged for read-back */
	uint64_t frames_written;  /* frames copied into the segment */
	uint64_t skipped_locked;  /* frames dropped: the receiver held the lock */
	uint64_t frames_idle;     /* frames with no receiver attached */
	uint64_t resizes;         /* successful tdshm_sender_resize calls */
	uint64_t senders_created; /* successful tdshm_sender_create calls */
	uint64_t copy_ns_total;   /* map + lock + copy + unlock, all written frames */
	uint64_t copy_ns_min;     /* the fastest of those (0 before the first) */
	uint64_t render_ns_total; /* render-to-texture + stage calls, all read-backs */
	uint64_t stage_ns_total;  /* the stage calls alone (part of render_ns_total) */
	uint64_t skipped_pending; /* frames dropped: the sender was being made */
	/* Where the graphics thread's time goes (figures for the benchmarks;
	 * the clock is read a few times per frame, on or off). */
	uint64_t map_ns_total;       /* map + unmap of staged frames (driver) */
	uint64_t write_ns_total;     /* lock + copy + unlock, all written frames */
	uint64_t capture_ns_total;   /* whole captures, every one that ran */
	uint64_t capture_ns_longest; /* the longest capture */
	uint64_t captures;           /* captures that ran (running, sized) */
	/* The latest written frame's parts, and the latest capture. */
	uint64_t render_ns_last, map_ns_last, write_ns_last, capture_ns_last;
} tdshm_writer_stats;

typedef struct tdshm_frame_writer tdshm_frame_writer;

/* Renders the image to send into the current render target (size w x h, an
 * orthographic projection already set to the caller's own source size). */
typedef void (*tdshm_frame_render_fn)(void *param, uint32_t width, uint32_t height);

/* owner: a label for "name is taken" messages (e.g. the source's name). */
tdshm_frame_writer *tdshm_frame_writer_create(const char *owner);
/* Stops (detach, segments removed) and frees. Any thread. */
void tdshm_frame_writer_destroy(tdshm_frame_writer *writer);

/* Reads the settings keys above (defaults: bgra8, flip, premultiplied,
 * current header); returns false when the name is empty. */
bool tdshm_frame_writer_config_from_settings(tdshm_frame_writer_config *config,
					     obs_data_t *settings);
void tdshm_frame_writer_config_defaults(obs_data_t *settings);

/* Takes effect at the next capture; a new name or header kind re-creates the
 * sender, a new size or format resizes it. */
void tdshm_frame_writer_set_config(tdshm_frame_writer *writer,
				   const tdshm_frame_writer_config *config);
/* Stops sending now: detach is set and the segments removed (before it
 * returns; called on the graphics thread, by the writer's own thread within
 * moments). The next capture with a config starts again. */
void tdshm_frame_writer_stop(tdshm_frame_writer *writer);
void tdshm_frame_writer_set_owner(tdshm_frame_writer *writer, const char *owner);

/* Graphics thread, graphics context entered. Sends one frame of width x
 * height drawn by render(param) at source size src_width x src_height. */
void tdshm_frame_writer_capture(tdshm_frame_writer *writer, uint32_t width, uint32_t height,
				uint32_t src_width, uint32_t src_height,
				tdshm_frame_render_fn render, void *param);

void tdshm_frame_writer_get_stats(tdshm_frame_writer *writer, tdshm_writer_stats *out);
/* A one-line status for the properties dialog. */
void tdshm_frame_writer_status_text(const tdshm_writer_stats *stats, char *out, size_t cap);
/* The stream settings shared by the filter and the program output: name
 * (typing in it watched by dialog, which may be NULL), format, flip, alpha,
 * header. */
void tdshm_frame_writer_add_properties(obs_properties_t *props, tdshm_dialog_status *dialog);
/* The status row of the filter's and the output's dialogs (dialog-status.h;
 * owner: the tdshm_frame_writer). The key leaves out the frame counters. */
void tdshm_frame_writer_dialog_line(void *owner, tdshm_dialog_status_line *line);
/* Fills calldata with the stats (the get_stats procs of filter and output,
 * declared as below: tests and scripts read the counters through them). */
#define TDSHM_WRITER_STATS_PROC                                                                    \
	"void get_stats(out int state, out bool error, out string status, "                        \
	"out string message, out string data_name, out int width, out int height, "                \
	"out int readbacks, out int frames_written, out int skipped_locked, "                      \
	"out int frames_idle, out int resizes, out int senders_created, "                          \
	"out int copy_ns_total, out int copy_ns_min, out int render_ns_total, "                    \
	"out int stage_ns_total, out int skipped_pending, out int map_ns_total, "                  \
	"out int write_ns_total, out int capture_ns_total, out int capture_ns_longest, "           \
	"out int captures, out int render_ns_last, out int map_ns_last, "                          \
	"out int write_ns_last, out int capture_ns_last)"
void tdshm_frame_writer_stats_to_calldata(const tdshm_writer_stats *stats, calldata_t *cd);
