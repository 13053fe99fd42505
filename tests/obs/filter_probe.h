/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Driving tdshm_top_probe (TouchDesigner's part, in its own process) and
 * reading the filter's counters, for obs_test_filter and obs_bench_filter. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <obs.h>

typedef struct filter_probe {
	int pid;
	char prefix[512];
} filter_probe;

typedef struct probe_event {
	char kind; /* 'f' frame, 'g' gone, 'r' refused */
	uint64_t serial;
	uint32_t width, height, format;
	int header_kind;
	char data_name[256];
	uint64_t ms;
} probe_event;

/* Starts a probe on name for at most seconds; false if it cannot start. */
bool probe_start(filter_probe *probe, const char *name, unsigned seconds);
/* For benchmarks: mode "--header-only" (reads headers only) or "--no-dump"
 * (copies each image out as TD does, writes no PREFIX.bin). */
bool probe_start_mode(filter_probe *probe, const char *name, unsigned seconds, const char *mode);
/* Asks it to stop and reaps it (bounded). */
void probe_stop(filter_probe *probe);
/* Events logged so far (malloc'd array; *count set). */
probe_event *probe_events(const filter_probe *probe, size_t *count);
/* Waits until at least `frames` frame events of width x height (0: any)
 * and format (0: any) were logged after the first `skip` events; returns
 * the event count then, or 0 on timeout. */
size_t probe_wait_frames(const filter_probe *probe, size_t skip, size_t frames, uint32_t width,
			 uint32_t height, uint32_t format, uint32_t timeout_ms);
/* Waits for a "gone" event after the first skip events. */
bool probe_wait_gone(const filter_probe *probe, size_t skip, uint32_t timeout_ms);
/* The latest frame's whole segment (malloc'd), or NULL. */
uint8_t *probe_segment(const filter_probe *probe, size_t *size);

typedef struct filter_stats {
	long long state, width, height;
	long long readbacks, frames_written, skipped_locked, frames_idle;
	long long resizes, senders_created, copy_ns_total, copy_ns_min, render_ns_total,
	    stage_ns_total;
	bool error;
	char status[1024];
	char message[600];
	char data_name[256];
} filter_stats;

/* The get_stats proc of a filter or of the program output source. */
bool filter_get_stats(obs_source_t *source, filter_stats *out);
uint64_t probe_now_ms(void);
