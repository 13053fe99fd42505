/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for tests of the "TouchDesigner Shared Mem In" source. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <obs.h>

#include "obs_harness.h"

/* The source's status line (its "get_status" proc). */
void source_status_text(obs_source_t *source, char *out, size_t cap);
/* The status line as the properties dialog shows it (slow: lists segments). */
void source_status_property(obs_source_t *source, char *out, size_t cap);
/* N of "..., N frames received" in the status line (0 if absent). */
uint64_t source_frames_received(obs_source_t *source);
/* Waits until the status line starts with prefix; false on timeout. */
bool source_wait_status(obs_source_t *source, const char *prefix, uint32_t timeout_ms, char *out,
			size_t cap);
/* Waits until the source reports a connection ("Connected..."). */
bool source_wait_connected(obs_source_t *source, uint32_t timeout_ms, char *out, size_t cap);
/* Starts `tdshm send NAME args...` (args NULL-terminated); pid or -1. */
int source_start_sender(const char *name, ...);
/* Starts `tdshm send NAME args...` (args NULL-terminated) under a new name
 * from stem, shows a source reading it with {"name":NAME<settings_tail>}
 * and waits (10 s) until it is connected; fails the test otherwise.
 * *pid: the sender; status: the last status line. */
obs_source_t *source_show_tool_sender(const char *stem, const char *settings_tail, int *pid,
				      char *status, size_t cap, ...);
/* Milliseconds since an arbitrary start. */
uint64_t source_now_ms(void);

/* Creates a "TouchDesigner Shared Mem In" source called source_name with
 * these settings and puts it on the output; fails the test if it cannot. */
obs_source_t *source_show(const char *source_name, const char *settings_json);
/* Takes the source off the output and releases it. */
void source_hide_and_release(obs_source_t *source);

/* Whether OBS's output shows the ramp pattern at width x height (as TD
 * would lay it out: bottom_up, or top row first) within 3 s. */
bool source_wait_ramp(uint32_t width, uint32_t height, bool bottom_up);

/* cmocka group setup/teardown of the source suites: a headless OBS with
 * the harness's default video settings. */
int source_harness_setup(void **state);
int source_harness_teardown(void **state);
/* The same with every name going through a POSIX name directory of the
 * suite's own ("TDpd" + pid; TDSHM_POSIX_NAME_MAX=31 as on macOS), whose
 * objects the teardown removes: TouchDesigner's shared directory is never
 * touched. source_private_directory() names it. */
int source_harness_setup_private_directory(void **state);
int source_harness_teardown_private_directory(void **state);
const char *source_private_directory(void);

#include "tdshm/pattern.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"

/* In-process "TouchDesigner" for exact control (resizes, alpha, hostile
 * bytes): a sender of this project's core. */
tdshm_sender *source_sender_create(const char *name, size_t data_size);
/* Writes a whole image segment: header for width x height in format, then
 * the pattern (bottom row first). Resizes the segment if needed. */
bool source_sender_write_pattern(tdshm_sender *sender, tdshm_pattern_kind kind, uint32_t frame,
				 uint32_t width, uint32_t height, const char *format);
/* Writes one colour (bytes of one pixel in format) over the whole image. */
bool source_sender_write_solid(tdshm_sender *sender, uint32_t width, uint32_t height,
			       const char *format, const uint8_t *pixel);
/* Copies raw bytes into the data segment (resized to exactly size). */
bool source_sender_write_raw(tdshm_sender *sender, const uint8_t *bytes, size_t size);

/* Compares OBS's output (BGRA, top row first) with what a reader of format
 * shows for the pattern, colour only, composited over black with
 * premultiplied alpha. Returns the largest difference in 0..255 units and
 * counts pixels over tolerance_255 in *bad. */
float source_compare_pattern(const struct harness_frame *frame, tdshm_pattern_kind kind,
			     uint32_t frame_number, const char *format, float tolerance_255,
			     uint64_t *bad);

/* B+G+R of OBS's output pixel (x, y), a few output frames from now. */
int source_output_sum_at(uint32_t x, uint32_t y);
/* Polls that sum until it is want (up to timeout_ms); returns the last seen.
 * OBS's output lags rendering by a few frames. */
int source_wait_output_sum_at(uint32_t x, uint32_t y, int want, uint32_t timeout_ms);
/* From now: checks that (x, y) still sums to shown (the picture is kept
 * during a delay), then returns the ms until it reads 0 (timeout_ms at
 * most). */
uint64_t source_ms_until_cleared(uint32_t x, uint32_t y, int shown, uint32_t timeout_ms);
/* The source's "name" setting (its Shared Mem Name). */
void source_setting_name(obs_source_t *source, char *out, size_t cap);
