/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "source_helpers.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "obs_harness.h"
#include "test_support.h"
#include "tdshm/pattern.h"
#include "tdshm/pixel_format.h"

uint64_t source_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

obs_source_t *source_show(const char *source_name, const char *settings_json)
{
	obs_source_t *source =
	    harness_create_source("tdshm_top_source", source_name, settings_json);
	assert_non_null(source);
	harness_set_output(source);
	return source;
}

void source_hide_and_release(obs_source_t *source)
{
	harness_set_output(NULL);
	obs_source_release(source);
}

int source_harness_setup(void **state)
{
	(void)state;
	harness_config cfg;
	harness_config_default(&cfg);
	return harness_start(&cfg) ? 0 : -1;
}

int source_harness_teardown(void **state)
{
	(void)state;
	harness_stop();
	return 0;
}

static char private_directory[16]; /* the suite's main thread */

const char *source_private_directory(void)
{
	return private_directory;
}

int source_harness_setup_private_directory(void **state)
{
	snprintf(private_directory, sizeof(private_directory), "TDpd%d", (int)getpid() % 100000);
	setenv("TDSHM_POSIX_NAME_DIRECTORY", private_directory, 1);
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	return source_harness_setup(state);
}

int source_harness_teardown_private_directory(void **state)
{
	int result = source_harness_teardown(state);
	size_t len = strlen(private_directory);
	DIR *dir = opendir("/dev/shm");
	struct dirent *entry;
	while (len && dir && (entry = readdir(dir)) != NULL) {
		if (strncmp(entry->d_name, private_directory, len) != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/dev/shm/%s", entry->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	return result;
}

void source_status_text(obs_source_t *source, char *out, size_t cap)
{
	calldata_t cd = {0};
	const char *status = NULL;
	if (proc_handler_call(obs_source_get_proc_handler(source), "get_status", &cd))
		status = calldata_string(&cd, "status");
	snprintf(out, cap, "%s", status ? status : "(no status)");
	calldata_free(&cd);
}

uint64_t source_frames_received(obs_source_t *source)
{
	char status[1024];
	source_status_text(source, status, sizeof(status));
	const char *tail = strstr(status, " frames received");
	if (!tail)
		return 0;
	const char *comma = tail;
	while (comma > status && comma[-1] != ',')
		comma--;
	return strtoull(comma, NULL, 10);
}

void source_status_property(obs_source_t *source, char *out, size_t cap)
{
	obs_properties_t *props = obs_source_properties(source);
	obs_property_t *status = props ? obs_properties_get(props, "status") : NULL;
	/* The status row: "Status" as its label, the line as its text. */
	const char *line = status ? obs_property_long_description(status) : NULL;
	snprintf(out, cap, "%s", line ? line : "(no status)");
	obs_properties_destroy(props);
}

bool source_wait_status(obs_source_t *source, const char *prefix, uint32_t timeout_ms, char *out,
			size_t cap)
{
	uint64_t deadline = source_now_ms() + timeout_ms;
	for (;;) {
		source_status_text(source, out, cap);
		if (strncmp(out, prefix, strlen(prefix)) == 0)
			return true;
		if (source_now_ms() >= deadline)
			return false;
		usleep(10000);
	}
}

bool source_wait_connected(obs_source_t *source, uint32_t timeout_ms, char *out, size_t cap)
{
	return source_wait_status(source, "Connected", timeout_ms, out, cap);
}

static int source_start_sender_v(const char *name, va_list args)
{
	const char *argv[32] = {TDSHM_TOOL_PATH, "send", name};
	int n = 3;
	const char *arg;
	while (n < 31 && (arg = va_arg(args, const char *)) != NULL)
		argv[n++] = arg;
	argv[n] = NULL;
	return harness_spawn(argv);
}

int source_start_sender(const char *name, ...)
{
	va_list args;
	va_start(args, name);
	int pid = source_start_sender_v(name, args);
	va_end(args);
	return pid;
}

obs_source_t *source_show_tool_sender(const char *stem, const char *settings_tail, int *pid,
				      char *status, size_t cap, ...)
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), stem);
	va_list args;
	va_start(args, cap);
	*pid = source_start_sender_v(name, args);
	va_end(args);
	assert_true(*pid > 0);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"%s}", name,
		 settings_tail ? settings_tail : "");
	obs_source_t *source = source_show("tdshm-in", settings);
	if (!source_wait_connected(source, 10000, status, cap))
		fail_msg("never connected: %s", status);
	return source;
}

tdshm_sender *source_sender_create(const char *name, size_t data_size)
{
	tdshm_sender *sender = NULL;
	tdshm_error err;
	if (tdshm_sender_create(name, data_size, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err) !=
	    TDSHM_OK) {
		fprintf(stderr, "sender '%s': %s\n", name, err.message);
		return NULL;
	}
	return sender;
}

static bool source_sender_begin(tdshm_sender *sender, size_t needed, uint8_t **bytes, size_t *size)
{
	tdshm_error err;
	if (tdshm_sender_data_size(sender) != needed &&
	    tdshm_sender_resize(sender, needed, TDSHM_INFO_LOCK_TIMEOUT_MS, &err) != TDSHM_OK) {
		fprintf(stderr, "resize: %s\n", err.message);
		return false;
	}
	if (tdshm_sender_begin_write(sender, 1000, bytes, size, &err) != TDSHM_OK) {
		fprintf(stderr, "begin_write: %s\n", err.message);
		return false;
	}
	return true;
}

/* Begins a write of a width x height image in format and writes its header;
 * *pixels and *room: where the image goes and the bytes there. The caller
 * ends the write. */
static bool source_sender_header(tdshm_sender *sender, uint32_t width, uint32_t height,
				 const char *format, uint8_t **pixels, size_t *room,
				 tdshm_top_params *params)
{
	memset(params, 0, sizeof(*params));
	params->kind = TDSHM_TOP_HEADER_CURRENT;
	params->version = 1;
	params->width = width;
	params->height = height;
	params->format = tdshm_pixel_format_by_name(format);
	size_t needed;
	tdshm_error err;
	if (!params->format || tdshm_top_segment_size(params, &needed, &err) != TDSHM_OK)
		return false;
	uint8_t *bytes;
	size_t size;
	if (!source_sender_begin(sender, needed, &bytes, &size))
		return false;
	if (tdshm_top_write_header(params, bytes, size, &err) != TDSHM_OK) {
		tdshm_sender_end_write(sender);
		return false;
	}
	size_t offset = tdshm_top_header_size(params);
	*pixels = bytes + offset;
	*room = size - offset;
	return true;
}

bool source_sender_write_pattern(tdshm_sender *sender, tdshm_pattern_kind kind, uint32_t frame,
				 uint32_t width, uint32_t height, const char *format)
{
	uint8_t *pixels;
	size_t room;
	tdshm_top_params params;
	if (!source_sender_header(sender, width, height, format, &pixels, &room, &params))
		return false;
	tdshm_pattern_image image = {
	    .width = width, .height = height, .format = params.format, .bottom_up = true};
	tdshm_error err;
	bool ok = tdshm_pattern_fill(kind, frame, &image, pixels, room, &err) == TDSHM_OK;
	tdshm_sender_end_write(sender);
	return ok;
}

bool source_sender_write_solid(tdshm_sender *sender, uint32_t width, uint32_t height,
			       const char *format, const uint8_t *pixel)
{
	uint8_t *pixels;
	size_t room;
	tdshm_top_params params;
	if (!source_sender_header(sender, width, height, format, &pixels, &room, &params))
		return false;
	size_t bpp = params.format->bytes_per_pixel;
	for (size_t i = 0; i < (size_t)width * height; i++)
		memcpy(pixels + i * bpp, pixel, bpp);
	tdshm_sender_end_write(sender);
	return true;
}

bool source_sender_write_raw(tdshm_sender *sender, const uint8_t *raw, size_t raw_size)
{
	uint8_t *bytes;
	size_t size;
	if (!source_sender_begin(sender, raw_size, &bytes, &size))
		return false;
	memcpy(bytes, raw, raw_size < size ? raw_size : size);
	tdshm_sender_end_write(sender);
	return true;
}

float source_compare_pattern(const struct harness_frame *frame, tdshm_pattern_kind kind,
			     uint32_t frame_number, const char *format, float tolerance_255,
			     uint64_t *bad)
{
	const tdshm_pixel_format *pf = tdshm_pixel_format_by_name(format);
	float worst = 0;
	*bad = 0;
	for (uint32_t y = 0; y < frame->height; y++) {
		for (uint32_t x = 0; x < frame->width; x++) {
			float rgba[4];
			tdshm_pattern_expected_rgba(kind, frame_number, x, y, frame->width,
						    frame->height, pf, rgba);
			/* What the format can hold of it (11-bit floats, 8 bits...). */
			uint8_t stored[16];
			tdshm_pixel_from_rgba_f32(pf, rgba, stored);
			tdshm_pixel_to_rgba_f32(pf, stored, rgba);
			const uint8_t *p = harness_frame_pixel(frame, x, y);
			const float got[3] = {p[2], p[1], p[0]};
			for (int c = 0; c < 3; c++) {
				float want = rgba[c] < 0   ? 0
					     : rgba[c] > 1 ? 255
							   : (float)(int)(rgba[c] * 255 + 0.5f);
				float d = got[c] > want ? got[c] - want : want - got[c];
				if (d > worst)
					worst = d;
				if (d > tolerance_255) {
					(*bad)++;
					break;
				}
			}
		}
	}
	return worst;
}

int source_output_sum_at(uint32_t x, uint32_t y)
{
	harness_frame frame;
	assert_true(harness_wait_frames(3, 5000));
	assert_true(harness_copy_latest_frame(&frame));
	const uint8_t *p = harness_frame_pixel(&frame, x, y);
	int sum = p[0] + p[1] + p[2];
	harness_frame_free(&frame);
	return sum;
}

int source_wait_output_sum_at(uint32_t x, uint32_t y, int want, uint32_t timeout_ms)
{
	uint64_t deadline = source_now_ms() + timeout_ms;
	int sum;
	while ((sum = source_output_sum_at(x, y)) != want && source_now_ms() < deadline)
		;
	return sum;
}

uint64_t source_ms_until_cleared(uint32_t x, uint32_t y, int shown, uint32_t timeout_ms)
{
	uint64_t start = source_now_ms();
	assert_int_equal(source_output_sum_at(x, y), shown);
	while (source_output_sum_at(x, y) != 0 && source_now_ms() - start < timeout_ms)
		usleep(20000);
	return source_now_ms() - start;
}

void source_setting_name(obs_source_t *source, char *out, size_t cap)
{
	obs_data_t *settings = obs_source_get_settings(source);
	snprintf(out, cap, "%s", obs_data_get_string(settings, "name"));
	obs_data_release(settings);
}

bool source_wait_ramp(uint32_t width, uint32_t height, bool bottom_up)
{
	uint64_t deadline = source_now_ms() + 3000;
	for (;;) {
		harness_frame frame;
		assert_true(harness_wait_frames(1, 2000));
		assert_true(harness_copy_latest_frame(&frame));
		tdshm_pattern_image image = {.width = width,
					     .height = height,
					     .format = tdshm_pixel_format_by_name("bgra8"),
					     .bottom_up = bottom_up,
					     .stride = frame.linesize};
		tdshm_pattern_result result;
		tdshm_error err;
		bool ok = tdshm_pattern_check(TDSHM_PATTERN_RAMP, &image, frame.bgra,
					      (size_t)frame.linesize * height, NULL, &result,
					      &err) == TDSHM_OK;
		harness_frame_free(&frame);
		if (ok)
			return true;
		if (source_now_ms() >= deadline)
			return false;
	}
}
