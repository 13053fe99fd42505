/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter_probe.h"
#include "obs_harness.h"
#include "tdshm/platform.h"
#include "test_support.h"

uint64_t probe_now_ms(void)
{
	return tdshm_clock_ms();
}

/* The probe's file of that suffix (".log", ".bin"...). */
static void probe_path(const filter_probe *probe, const char *suffix, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s", probe->prefix, suffix);
}

/* Every file the probe writes, so that none from an earlier run is read. */
static void probe_remove_files(const filter_probe *probe)
{
	const char *suffixes[] = {".log", ".bin", ".stop", ".bin.tmp"};
	char path[600];
	for (size_t i = 0; i < 4; i++) {
		probe_path(probe, suffixes[i], path, sizeof(path));
		remove(path);
	}
}

static bool probe_spawn(filter_probe *probe, const char *name, unsigned seconds, const char *mode)
{
	static unsigned counter;
	snprintf(probe->prefix, sizeof(probe->prefix), "/tmp/tdshm-probe-%u-%u",
		 (unsigned)tdshm_process_id(), counter++);
	probe_remove_files(probe);
	char secs[32];
	snprintf(secs, sizeof(secs), "%u", seconds);
	const char *argv[] = {TDSHM_TOP_PROBE_PATH, name, probe->prefix, secs, mode, NULL};
	probe->pid = harness_spawn(argv);
	return probe->pid > 0;
}

bool probe_start(filter_probe *probe, const char *name, unsigned seconds)
{
	return probe_spawn(probe, name, seconds, NULL);
}

bool probe_start_mode(filter_probe *probe, const char *name, unsigned seconds, const char *mode)
{
	return probe_spawn(probe, name, seconds, mode);
}

void probe_stop(filter_probe *probe)
{
	if (probe->pid <= 0)
		return;
	char path[600];
	probe_path(probe, ".stop", path, sizeof(path));
	FILE *f = fopen(path, "wb");
	if (f)
		fclose(f);
	int status = 0;
	uint64_t start = probe_now_ms();
	while (!harness_exited(probe->pid, &status)) {
		if (probe_now_ms() - start > 3000) {
			harness_kill(probe->pid, true);
			break;
		}
		tdshm_sleep_ms(5);
	}
	probe->pid = -1;
	probe_remove_files(probe);
}

probe_event *probe_events(const filter_probe *probe, size_t *count)
{
	*count = 0;
	char path[600];
	probe_path(probe, ".log", path, sizeof(path));
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 64;
	probe_event *events = calloc(cap, sizeof(*events));
	char line[1024];
	while (events && fgets(line, sizeof(line), f)) {
		/* A line still being written has no newline yet: stop there. */
		if (!strchr(line, '\n'))
			break;
		if (*count == cap) {
			cap *= 2;
			probe_event *grown = realloc(events, cap * sizeof(*events));
			if (!grown)
				break;
			events = grown;
		}
		probe_event *e = &events[*count];
		memset(e, 0, sizeof(*e));
		unsigned long long serial = 0, ms = 0;
		if (sscanf(line, "frame %llu %u %u %u %d %255s %llu", &serial, &e->width,
			   &e->height, &e->format, &e->header_kind, e->data_name, &ms) == 7) {
			e->kind = 'f';
		} else if (sscanf(line, "gone %llu", &ms) == 1) {
			e->kind = 'g';
		} else if (sscanf(line, "refused %llu", &ms) == 1) {
			e->kind = 'r';
		} else {
			continue;
		}
		e->serial = serial;
		e->ms = ms;
		(*count)++;
	}
	fclose(f);
	return events;
}

size_t probe_wait_frames(const filter_probe *probe, size_t skip, size_t frames, uint32_t width,
			 uint32_t height, uint32_t format, uint32_t timeout_ms)
{
	uint64_t start = probe_now_ms();
	do {
		size_t count = 0, matching = 0;
		probe_event *events = probe_events(probe, &count);
		for (size_t i = skip; i < count; i++) {
			const probe_event *e = &events[i];
			if (e->kind == 'f' && (!width || e->width == width) &&
			    (!height || e->height == height) && (!format || e->format == format))
				matching++;
		}
		free(events);
		if (matching >= frames)
			return count;
		tdshm_sleep_ms(2);
	} while (probe_now_ms() - start < timeout_ms);
	return 0;
}

bool probe_wait_gone(const filter_probe *probe, size_t skip, uint32_t timeout_ms)
{
	uint64_t start = probe_now_ms();
	do {
		size_t count = 0;
		bool gone = false;
		probe_event *events = probe_events(probe, &count);
		for (size_t i = skip; i < count; i++)
			gone = gone || events[i].kind == 'g';
		free(events);
		if (gone)
			return true;
		tdshm_sleep_ms(2);
	} while (probe_now_ms() - start < timeout_ms);
	return false;
}

uint8_t *probe_segment(const filter_probe *probe, size_t *size)
{
	char path[600];
	probe_path(probe, ".bin", path, sizeof(path));
	uint8_t *data = tdshm_test_read_file(path, size);
	/* An empty file holds no segment. */
	if (data && *size == 0) {
		free(data);
		data = NULL;
	}
	if (!data)
		*size = 0;
	return data;
}

bool filter_get_stats(obs_source_t *source, filter_stats *out)
{
	memset(out, 0, sizeof(*out));
	calldata_t cd = {0};
	bool ok = proc_handler_call(obs_source_get_proc_handler(source), "get_stats", &cd);
	if (ok) {
		out->state = calldata_int(&cd, "state");
		out->width = calldata_int(&cd, "width");
		out->height = calldata_int(&cd, "height");
		out->readbacks = calldata_int(&cd, "readbacks");
		out->frames_written = calldata_int(&cd, "frames_written");
		out->skipped_locked = calldata_int(&cd, "skipped_locked");
		out->frames_idle = calldata_int(&cd, "frames_idle");
		out->resizes = calldata_int(&cd, "resizes");
		out->senders_created = calldata_int(&cd, "senders_created");
		out->copy_ns_total = calldata_int(&cd, "copy_ns_total");
		out->copy_ns_min = calldata_int(&cd, "copy_ns_min");
		out->render_ns_total = calldata_int(&cd, "render_ns_total");
		out->stage_ns_total = calldata_int(&cd, "stage_ns_total");
		out->error = calldata_bool(&cd, "error");
		const char *s = calldata_string(&cd, "status");
		snprintf(out->status, sizeof(out->status), "%s", s ? s : "");
		s = calldata_string(&cd, "message");
		snprintf(out->message, sizeof(out->message), "%s", s ? s : "");
		s = calldata_string(&cd, "data_name");
		snprintf(out->data_name, sizeof(out->data_name), "%s", s ? s : "");
	}
	calldata_free(&cd);
	return ok;
}
