/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm_top_probe NAME PREFIX SECONDS: plays TouchDesigner's Shared Mem In
 * TOP in a process of its own for the filter tests. It attaches as a
 * receiver (sets `supported`), reads every new frame under the data lock and
 * records what it saw:
 *   PREFIX.log  one line per event, appended and flushed at once:
 *               "frame SERIAL WIDTH HEIGHT FORMAT KIND DATA_NAME MS"
 *               "gone MS"  (detach seen or sender vanished)
 *               "refused MS MESSAGE"
 *   PREFIX.bin  the whole data segment of the latest frame (replaced
 *               atomically by rename), for pixel checks.
 * It stops after SECONDS, or when PREFIX.stop exists. A fourth argument,
 * for benchmarks, changes what it does with each frame:
 *   --header-only  reads only the header under the lock (the sender's own
 *                  cost is measured, not a reader's copy)
 *   --no-dump      copies the image out under the lock as TD does, but
 *                  writes no PREFIX.bin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/platform.h"
#include "tdshm/top_reader.h"

static void probe_write_segment(const char *prefix, const uint8_t *bytes, size_t size)
{
	char tmp[1024], final[1024];
	snprintf(tmp, sizeof(tmp), "%s.bin.tmp", prefix);
	snprintf(final, sizeof(final), "%s.bin", prefix);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return;
	size_t written = fwrite(bytes, 1, size, f);
	fclose(f);
	if (written == size)
		rename(tmp, final);
}

static bool probe_stop_requested(const char *prefix)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s.stop", prefix);
	FILE *f = fopen(path, "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

int main(int argc, char **argv)
{
	bool header_only = argc == 5 && strcmp(argv[4], "--header-only") == 0;
	bool no_dump = argc == 5 && strcmp(argv[4], "--no-dump") == 0;
	if (argc != 4 && !header_only && !no_dump) {
		fprintf(stderr, "usage: %s NAME PREFIX SECONDS [--header-only|--no-dump]\n",
			argv[0]);
		return 2;
	}
	const char *name = argv[1], *prefix = argv[2];
	uint64_t seconds = strtoull(argv[3], NULL, 10);
	char log_path[1024];
	snprintf(log_path, sizeof(log_path), "%s.log", prefix);
	FILE *log = fopen(log_path, "a");
	if (!log) {
		fprintf(stderr, "tdshm_top_probe: cannot open %s\n", log_path);
		return 1;
	}

	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 5; /* tests measure attach latency in frames */
	tdshm_top_reader *reader = NULL;
	tdshm_error err;
	if (tdshm_top_reader_create(name, &options, &reader, &err) != TDSHM_OK) {
		fprintf(stderr, "tdshm_top_probe: %s\n", err.message);
		return 1;
	}

	uint8_t *copy = NULL;
	size_t copy_cap = 0;
	uint64_t start = tdshm_clock_ms();
	char last_data_name[TDSHM_ERROR_MESSAGE_MAX] = "";
	while (tdshm_clock_ms() - start < seconds * 1000 && !probe_stop_requested(prefix)) {
		tdshm_top_read read;
		tdshm_top_reader_event ev;
		tdshm_status status = tdshm_top_reader_poll(reader, 5, &read, &ev);
		uint64_t ms = tdshm_clock_ms() - start;
		if (status == TDSHM_GONE) {
			fprintf(log, "gone %llu\n", (unsigned long long)ms);
			fflush(log);
			last_data_name[0] = '\0';
		} else if (status == TDSHM_REFUSED && !tdshm_top_reader_connected(reader)) {
			fprintf(log, "refused %llu %s\n", (unsigned long long)ms, ev.detail);
			fflush(log);
		} else if (status == TDSHM_OK) {
			const char *data_name = tdshm_top_reader_data_name(reader);
			/* A new data segment (a resize) is a frame to report even
			 * when its serial goes on. */
			bool fresh = read.is_new || strcmp(data_name, last_data_name) != 0;
			if (fresh) {
				size_t size = read.size;
				if (!header_only && copy_cap < size) {
					free(copy);
					copy = malloc(size);
					copy_cap = copy ? size : 0;
				}
				if (copy && !header_only)
					memcpy(copy, read.segment, size);
				tdshm_top_image image = read.image;
				tdshm_top_reader_end(reader, &read, true);
				if (copy && !header_only && !no_dump)
					probe_write_segment(prefix, copy, size);
				fprintf(log, "frame %llu %u %u %u %d %s %llu\n",
					(unsigned long long)read.serial, image.width, image.height,
					image.format->value, (int)image.kind, data_name,
					(unsigned long long)ms);
				fflush(log);
				snprintf(last_data_name, sizeof(last_data_name), "%s", data_name);
			} else {
				tdshm_top_reader_end(reader, &read, false);
			}
		}
		tdshm_sleep_ms(1);
	}
	tdshm_top_reader_destroy(reader);
	free(copy);
	fclose(log);
	return 0;
}
