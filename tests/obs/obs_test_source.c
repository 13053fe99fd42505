/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In" inside real libobs: what a user sees in OBS's
 * output for what TouchDesigner (here `tdshm send` in another process, or this
 * project's core in this process where exact control is needed) writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "test_support.h"

#define W 640
#define H 360
#define SIZE_ARG "640x360"

/* Waits until the source is connected and a few output frames have passed,
 * then returns the latest output frame. */
static void connected_frame(obs_source_t *source, harness_frame *frame)
{
	char status[1024];
	if (!source_wait_connected(source, 10000, status, sizeof(status)))
		fail_msg("never connected: %s", status);
	uint64_t deadline = source_now_ms() + 5000;
	while (source_frames_received(source) == 0 && source_now_ms() < deadline)
		usleep(5000);
	/* The raw video callback runs a couple of frames behind rendering. */
	assert_true(harness_wait_frames(6, 5000));
	assert_true(harness_copy_latest_frame(frame));
	assert_int_equal(frame->width, W);
	assert_int_equal(frame->height, H);
}

static bool legacy_header; /* the next senders write TD 099's header */
static bool header_v2;     /* the next senders write a version-2 header */

static void check_pattern_from_tool(const char *format, const char *pattern, float tolerance,
				    const char *extra_settings)
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-src");
	int pid = source_start_sender(name, "--size", SIZE_ARG, "--format", format, "--pattern",
				      pattern, legacy_header ? "--legacy" : "--header-version",
				      legacy_header ? NULL
				      : header_v2   ? "2"
						    : "1",
				      NULL);
	assert_true(pid > 0);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"%s}", name,
		 extra_settings ? extra_settings : "");
	obs_source_t *source = source_show("tdshm-in", settings);
	harness_frame frame;
	connected_frame(source, &frame);

	tdshm_pattern_kind kind;
	assert_true(tdshm_pattern_by_name(pattern, &kind));
	/* OBS's output runs a few frames behind, more on a loaded machine (it
	 * repeats frames when it lags): look at frames for up to 3 s until one
	 * shows the picture; any wrong pixel in the last one fails. */
	uint64_t deadline = source_now_ms() + 3000;
	uint64_t bad = 0;
	float worst = 0;
	for (;;) {
		uint32_t number = 0;
		bool number_ok = true;
		if (kind == TDSHM_PATTERN_COUNTER) {
			/* The frame number the output shows, then all of it. */
			tdshm_pattern_image image = {.width = W,
						     .height = H,
						     .format = tdshm_pixel_format_by_name("bgra8"),
						     .stride = frame.linesize};
			tdshm_pattern_check_options options = {.tolerance = 0.5f};
			tdshm_pattern_result result;
			tdshm_error err;
			tdshm_status st = tdshm_pattern_check(kind, &image, frame.bgra,
							      (size_t)frame.linesize * H, &options,
							      &result, &err);
			/* Colours are compared below by the format's own rules
			 * (REFUSED is fine for R/alpha formats); the number must read. */
			(void)st;
			number_ok = result.frame_number_valid;
			number = result.frame_number;
		}
		if (number_ok) {
			worst =
			    source_compare_pattern(&frame, kind, number, format, tolerance, &bad);
			if (bad == 0)
				break;
		}
		if (source_now_ms() >= deadline) {
			harness_save_png(&frame, "obs_test_source_failed.png");
			if (!number_ok)
				fail_msg("%s counter unreadable in OBS's output", format);
			break;
		}
		harness_frame_free(&frame);
		assert_true(harness_wait_frames(1, 2000));
		assert_true(harness_copy_latest_frame(&frame));
	}
	printf("  %-10s %-7s worst difference %.2f/255, %llu pixels over %.1f\n", format, pattern,
	       worst, (unsigned long long)bad, tolerance);
	assert_int_equal(bad, 0);
	harness_frame_free(&frame);
	source_hide_and_release(source);
	harness_kill(pid, false);
}

static void test_8bit_formats_arrive_with_exact_pixels(void **state)
{
	(void)state;
	static const char *formats[] = {"bgra8", "rgba8", "bgra8srgb", "rgba8srgb"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		check_pattern_from_tool(formats[i], "bars", 0, NULL);
		check_pattern_from_tool(formats[i], "counter", 0, NULL);
	}
	check_pattern_from_tool("bgra8", "ramp", 0, NULL);
	/* Version-2 headers (colour fields) show the same values. */
	header_v2 = true;
	check_pattern_from_tool("bgra8", "ramp", 0, NULL);
	check_pattern_from_tool("rgba8srgb", "ramp", 0, NULL);
	check_pattern_from_tool("rgba16f", "ramp", 1.0f, NULL);
	header_v2 = false;
}

static void test_one_and_two_channel_8bit_formats_show_td_colours(void **state)
{
	(void)state;
	/* R -> (r,0,0), RG -> (r,g,0), alpha-only -> (0,0,0,a), mono+alpha ->
	 * (r,r,r,a), as TD shows them. */
	static const char *formats[] = {"r8", "rg8", "a8", "ra8"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		check_pattern_from_tool(formats[i], "ramp", 0, NULL);
}

static void test_deep_formats_arrive_within_one_step(void **state)
{
	(void)state;
	static const char *formats[] = {
	    "rgba16", "rgba16f",  "rgba32f", "rgb10a2", "r16",  "r16f", "rg16",  "rg16f", "r32f",
	    "rg32f",  "rg11b10f", "a16",     "a16f",    "a32f", "ra16", "ra16f", "ra32f"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		check_pattern_from_tool(formats[i], "ramp", 1.0f, NULL);
	check_pattern_from_tool("rgba16f", "bars", 1.0f, NULL);
	check_pattern_from_tool("rgba32f", "counter", 1.0f, NULL);
}

static void test_legacy_headers_show_the_same_picture(void **state)
{
	(void)state;
	/* TD 099 / 2021 headers, including the three-channel and ABGR layouts
	 * OBS has no texture format for (converted while copying). */
	static const char *exact[] = {"rgba8", "bgra8", "rgb8", "bgr8", "abgr8", "ra8"};
	static const char *deep[] = {"rgba16", "rgb16", "bgr16f", "rgb32f", "rgba32f"};
	legacy_header = true;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		check_pattern_from_tool(exact[i], "ramp", 0, NULL);
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++)
		check_pattern_from_tool(deep[i], "ramp", 1.0f, NULL);
	legacy_header = false;
}

static void test_flip_off_shows_td_rows_upside_down(void **state)
{
	(void)state;
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-flip");
	int pid = source_start_sender(name, "--size", SIZE_ARG, "--format", "bgra8", "--pattern",
				      "ramp", NULL);
	assert_true(pid > 0);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"flip\":false}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	harness_frame frame;
	connected_frame(source, &frame);
	harness_frame_free(&frame);
	/* Flip off: TD's bottom-up rows appear upside down, and stay so. */
	assert_true(source_wait_ramp(W, H, true));
	assert_true(harness_wait_frames(10, 5000));
	assert_false(source_wait_ramp(W, H, false));

	/* And flip on (the default) turns it the right way up, live. */
	obs_data_t *settings_on = obs_data_create_from_json("{\"flip\":true}");
	obs_source_update(source, settings_on);
	obs_data_release(settings_on);
	assert_true(source_wait_ramp(W, H, false));
	source_hide_and_release(source);
	harness_kill(pid, false);
}

/* A 64x64 square of one colour over a blue background, in a scene. */
static void composite_over_blue(const char *alpha, const uint8_t bgra[4], uint8_t out_bgra[4])
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-alpha");
	tdshm_sender *sender = source_sender_create(name, 4096);
	assert_non_null(sender);
	assert_true(source_sender_write_solid(sender, 64, 64, "bgra8", bgra));

	obs_scene_t *scene = obs_scene_create_private("alpha-scene");
	obs_source_t *blue = harness_create_source(
	    "harness_color_source", "blue", "{\"color\":4294901760,\"width\":640,\"height\":360}");
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"alpha\":\"%s\"}", name, alpha);
	obs_source_t *td = harness_create_source("tdshm_top_source", "td", settings);
	assert_non_null(blue);
	assert_non_null(td);
	obs_scene_add(scene, blue);
	obs_scene_add(scene, td);
	harness_set_output(obs_scene_get_source(scene));
	char status[1024];
	if (!source_wait_connected(td, 10000, status, sizeof(status)))
		fail_msg("never connected: %s", status);
	/* On a loaded machine OBS's output runs behind and may still show the
	 * previous test's picture: first wait (up to 5 s) until it shows this
	 * scene's blue background. Until the first TD frame is drawn the
	 * square shows the background: then wait (up to 3 s) for it to
	 * change, then a few frames more. */
	harness_frame frame;
	uint64_t deadline = source_now_ms() + 5000;
	for (;;) {
		assert_true(harness_wait_frames(1, 2000));
		assert_true(harness_copy_latest_frame(&frame));
		const uint8_t *background = harness_frame_pixel(&frame, 320, 200);
		bool scene_shown = background[0] == 255 && background[1] == 0 && background[2] == 0;
		harness_frame_free(&frame);
		if (scene_shown || source_now_ms() >= deadline)
			break;
	}
	deadline = source_now_ms() + 3000;
	for (;;) {
		assert_true(harness_wait_frames(1, 2000));
		assert_true(harness_copy_latest_frame(&frame));
		bool drawn = memcmp(harness_frame_pixel(&frame, 32, 32),
				    harness_frame_pixel(&frame, 320, 200), 3) != 0;
		harness_frame_free(&frame);
		if (drawn || source_now_ms() >= deadline)
			break;
	}
	assert_true(harness_wait_frames(4, 5000));
	assert_true(harness_copy_latest_frame(&frame));
	memcpy(out_bgra, harness_frame_pixel(&frame, 32, 32), 4);
	const uint8_t *outside = harness_frame_pixel(&frame, 320, 200);
	assert_int_equal(outside[0], 255); /* the background itself is blue */
	assert_int_equal(outside[2], 0);
	harness_frame_free(&frame);
	harness_set_output(NULL);
	obs_source_release(td);
	obs_source_release(blue);
	obs_scene_release(scene);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

static void assert_near(int got, int want, const char *what)
{
	if (abs(got - want) > 1)
		fail_msg("%s: got %d, want %d (+-1)", what, got, want);
}

static void test_alpha_modes_composite_as_chosen(void **state)
{
	(void)state;
	/* TD pixel: red 128, alpha 128 (premultiplied: a half-covering full red;
	 * straight: a half-covering dark red). Background: blue 255. */
	const uint8_t td_pixel[4] = {0, 0, 128, 128}; /* B,G,R,A */
	uint8_t out[4];

	composite_over_blue("premultiplied", td_pixel, out);
	printf("  premultiplied -> R %d G %d B %d\n", out[2], out[1], out[0]);
	assert_near(out[2], 128, "premultiplied red");
	assert_near(out[1], 0, "premultiplied green");
	assert_near(out[0], 127, "premultiplied blue (255 * (1 - 128/255))");

	composite_over_blue("straight", td_pixel, out);
	printf("  straight      -> R %d G %d B %d\n", out[2], out[1], out[0]);
	assert_near(out[2], 64, "straight red (128 * 128/255)");
	assert_near(out[0], 127, "straight blue");

	composite_over_blue("opaque", td_pixel, out);
	printf("  opaque        -> R %d G %d B %d\n", out[2], out[1], out[0]);
	assert_near(out[2], 128, "opaque red");
	assert_near(out[0], 0, "opaque hides the background");
}

/* Resizes an in-process sender and counts OBS frames until the source has
 * the new size and shows the new picture. */
static uint64_t frames_until_resized(obs_source_t *source, tdshm_sender *sender, uint32_t w,
				     uint32_t h)
{
	uint64_t start = harness_rendered_frames();
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, w, h, "bgra8"));
	uint64_t deadline = source_now_ms() + 3000;
	while (source_now_ms() < deadline) {
		if (obs_source_get_width(source) == w && obs_source_get_height(source) == h)
			return harness_rendered_frames() - start;
		usleep(1000);
	}
	fail_msg("never resized to %ux%u", w, h);
	return 0;
}

static void test_resize_shows_new_size_within_three_frames(void **state)
{
	(void)state;
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-resize");
	tdshm_sender *sender = source_sender_create(name, 4096);
	assert_non_null(sender);
	/* Path 1: no receiver has said it follows postfixes yet, so the sender
	 * drops and re-creates the same name at the new size. */
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 160, 90, "bgra8"));
	assert_false(tdshm_sender_receiver_attached(sender));
	const char *name_before = tdshm_sender_data_name(sender);
	char first_name[TDSHM_FULL_NAME_CAP];
	snprintf(first_name, sizeof(first_name), "%s", name_before);
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 320, 180, "bgra8"));
	assert_string_equal(tdshm_sender_data_name(sender), first_name);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	char status[1024];
	assert_true(source_wait_connected(source, 10000, status, sizeof(status)));
	assert_true(harness_wait_frames(3, 5000));
	assert_int_equal(obs_source_get_width(source), 320);
	assert_int_equal(obs_source_get_height(source), 180);
	assert_true(tdshm_sender_receiver_attached(sender));

	/* Path 2: a receiver is attached, so the sender moves to a new postfix;
	 * the source follows it, growing and shrinking. */
	uint64_t frames = frames_until_resized(source, sender, 640, 360);
	printf("  postfix resize up: new size after %llu frames\n", (unsigned long long)frames);
	assert_true(frames <= 3);
	assert_string_not_equal(tdshm_sender_data_name(sender), first_name);
	frames = frames_until_resized(source, sender, 400, 200);
	printf("  postfix resize down: new size after %llu frames\n", (unsigned long long)frames);
	assert_true(frames <= 3);

	/* And the picture is the new one, at the new size. */
	assert_true(harness_wait_frames(6, 5000));
	harness_frame frame;
	assert_true(harness_copy_latest_frame(&frame));
	const uint8_t *inside = harness_frame_pixel(&frame, 10, 100);   /* white bar */
	const uint8_t *outside = harness_frame_pixel(&frame, 500, 100); /* beyond 400 */
	assert_int_equal(inside[0], 255);
	assert_int_equal(inside[2], 255);
	assert_int_equal(outside[0] + outside[1] + outside[2], 0);
	harness_frame_free(&frame);
	source_hide_and_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

static void test_format_change_and_unchanged_frames(void **state)
{
	(void)state;
	char name[64], settings[256], status[1024];
	tdshm_test_unique_name(name, sizeof(name), "obs-format");
	tdshm_sender *sender = source_sender_create(name, 4096);
	assert_non_null(sender);
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_RAMP, 0, W, H, "bgra8"));
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	assert_true(source_wait_connected(source, 10000, status, sizeof(status)));

	/* One frame from TD, 30 from OBS: the frame serial says nothing new
	 * came, so it is uploaded once, not 30 times. */
	assert_true(harness_wait_frames(30, 5000));
	source_status_text(source, status, sizeof(status));
	printf("  after 30 OBS frames of one TD frame: %s\n", status);
	assert_non_null(strstr(status, ", 1 frames received"));

	/* TD switches to 32-bit float at the same size: the next frame shows it. */
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_RAMP, 0, W, H, "rgba32f"));
	assert_true(source_wait_status(source, "Connected", 2000, status, sizeof(status)));
	uint64_t deadline = source_now_ms() + 2000;
	while (!strstr(status, "rgba32f") && source_now_ms() < deadline) {
		usleep(5000);
		source_status_text(source, status, sizeof(status));
	}
	assert_non_null(strstr(status, "rgba32f"));
	assert_true(harness_wait_frames(6, 5000));
	harness_frame frame;
	assert_true(harness_copy_latest_frame(&frame));
	uint64_t bad = 0;
	float worst = source_compare_pattern(&frame, TDSHM_PATTERN_RAMP, 0, "rgba32f", 1.0f, &bad);
	printf("  after the switch to rgba32f: worst %.2f/255, %llu bad pixels\n", worst,
	       (unsigned long long)bad);
	assert_int_equal(bad, 0);
	harness_frame_free(&frame);
	source_hide_and_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

static void test_tool_resizing_every_few_frames_is_followed(void **state)
{
	(void)state;
	/* `tdshm send --resize-every` alternates full and half size: every
	 * output frame shows one of the two sizes, never a torn mix. */
	char status[1024];
	int pid;
	obs_source_t *source =
	    source_show_tool_sender("obs-resize-tool", NULL, &pid, status, sizeof(status), "--size",
				    "640x360", "--pattern", "bars", "--resize-every", "10", NULL);
	int seen_full = 0, seen_half = 0;
	uint64_t deadline = source_now_ms() + 4000;
	while (source_now_ms() < deadline && (seen_full < 3 || seen_half < 3)) {
		assert_true(harness_wait_frames(1, 2000));
		uint32_t w = obs_source_get_width(source);
		seen_full += w == 640;
		seen_half += w == 320;
		assert_true(w == 640 || w == 320);
	}
	printf("  frames at full size %d, at half size %d\n", seen_full, seen_half);
	assert_true(seen_full >= 3 && seen_half >= 3);
	source_hide_and_release(source);
	harness_kill(pid, false);
}

/* The colour of the white bar, summed over B,G,R. */
static int centre_sum(void)
{
	return source_output_sum_at(40, 180);
}

static int wait_centre_sum(int want, uint32_t timeout_ms)
{
	return source_wait_output_sum_at(40, 180, want, timeout_ms);
}

static void check_sender_crash(const char *on_stop, bool expect_kept)
{
	char name[64], settings[256], status[1024];
	tdshm_test_unique_name(name, sizeof(name), "obs-restart");
	int pid = source_start_sender(name, "--size", SIZE_ARG, "--pattern", "bars", NULL);
	assert_true(pid > 0);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"on_stop\":\"%s\"}", name, on_stop);
	obs_source_t *source = source_show("tdshm-in", settings);
	assert_true(source_wait_connected(source, 10000, status, sizeof(status)));
	assert_int_equal(wait_centre_sum(3 * 255, 3000), 3 * 255);

	/* A crash: no detach, segments left behind. Noticed within a second. */
	blog(LOG_INFO, "test: killing the sender (SIGKILL)");
	harness_kill(pid, true);
	uint64_t killed = source_now_ms();
	blog(LOG_INFO, "test: killed");
	if (!source_wait_status(source, "'", 1500, status, sizeof(status)) ||
	    !strstr(status, "stopped"))
		fail_msg("crash not noticed within 1.5 s: %s", status);
	printf("  %s: crash noticed after %llu ms\n", on_stop,
	       (unsigned long long)(source_now_ms() - killed));
	if (expect_kept) {
		assert_true(harness_wait_frames(30, 5000));
		assert_int_equal(centre_sum(), 3 * 255);
	} else {
		assert_int_equal(wait_centre_sum(0, 1000), 0);
	}

	/* TD comes back under the same name: reconnected, picture again. */
	pid = source_start_sender(name, "--size", SIZE_ARG, "--pattern", "bars", NULL);
	assert_true(pid > 0);
	uint64_t restarted = source_now_ms();
	if (!source_wait_connected(source, 3000, status, sizeof(status)))
		fail_msg("not reconnected: %s", status);
	printf("  %s: reconnected %llu ms after the restart\n", on_stop,
	       (unsigned long long)(source_now_ms() - restarted));
	assert_int_equal(wait_centre_sum(3 * 255, 3000), 3 * 255);
	source_hide_and_release(source);
	harness_kill(pid, false);
}

static void test_sender_crash_keeps_or_clears_and_reconnects(void **state)
{
	(void)state;
	check_sender_crash("keep", true);
	check_sender_crash("clear", false);
}

static void test_clear_after_waits_then_clears(void **state)
{
	(void)state;
	char name[64], settings[256], status[1024];
	tdshm_test_unique_name(name, sizeof(name), "obs-clear-after");
	int pid = source_start_sender(name, "--size", SIZE_ARG, "--pattern", "bars", NULL);
	snprintf(settings, sizeof(settings),
		 "{\"name\":\"%s\",\"on_stop\":\"clear_after\",\"clear_after_ms\":1500}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	assert_true(source_wait_connected(source, 10000, status, sizeof(status)));
	assert_int_equal(wait_centre_sum(3 * 255, 3000), 3 * 255);
	harness_kill(pid, false); /* a clean stop: detach is set */
	assert_true(source_wait_status(source, "'", 1000, status, sizeof(status)));
	assert_non_null(strstr(status, "stopped"));
	/* Still there during the delay, then cleared. */
	uint64_t cleared_after = source_ms_until_cleared(40, 180, 3 * 255, 4000);
	printf("  cleared %llu ms after the stop was seen (setting 1500)\n",
	       (unsigned long long)cleared_after);
	assert_true(cleared_after >= 1000 && cleared_after < 2500);
	source_hide_and_release(source);
}

static void check_hidden(const char *extra_settings)
{
	char status[1024];
	int pid;
	obs_source_t *source =
	    source_show_tool_sender("obs-hidden", extra_settings, &pid, status, sizeof(status),
				    "--size", SIZE_ARG, "--pattern", "counter", NULL);
	/* 30 frames that OBS really rendered (a loaded machine repeats output
	 * frames without rendering them): the source had them to copy. */
	uint64_t rendered = harness_rendered_frames(), deadline = source_now_ms() + 10000;
	while (harness_rendered_frames() - rendered < 30 && source_now_ms() < deadline)
		usleep(5000);
	uint64_t shown = source_frames_received(source);
	assert_true(shown > 10);

	harness_set_output(NULL);
	assert_true(harness_wait_frames(90, 5000)); /* 1.5 s */
	source_status_text(source, status, sizeof(status));
	printf("  hidden: %s\n", status);
	assert_non_null(strstr(status, "Hidden"));
	uint64_t hidden = source_frames_received(source);
	assert_true(harness_wait_frames(60, 5000));
	/* Not a frame copied while hidden (the sender kept writing). */
	assert_true(source_frames_received(source) == hidden);

	uint64_t back = source_now_ms();
	harness_set_output(source);
	assert_true(source_wait_connected(source, 1000, status, sizeof(status)));
	/* The source's own resume time; OBS's output frames after it are
	 * OBS's pace, not the source's. */
	uint64_t resumed = source_now_ms() - back;
	assert_true(harness_wait_frames(3, 5000));
	printf("  shown again: connected after %llu ms\n", (unsigned long long)resumed);
	assert_true(resumed < 600);
	source_hide_and_release(source);
	harness_kill(pid, false);
}

static void test_hidden_source_copies_nothing_and_resumes_at_once(void **state)
{
	(void)state;
	check_hidden("");
	check_hidden(",\"async\":true");
}

static void test_async_mode_shows_the_same_pixels(void **state)
{
	(void)state;
	check_pattern_from_tool("bgra8", "bars", 0, ",\"async\":true");
	check_pattern_from_tool("rgba8", "counter", 0, ",\"async\":true");
	/* Other formats reach the async path as 8-bit RGBA. */
	check_pattern_from_tool("rgba32f", "ramp", 1.0f, ",\"async\":true");
	check_pattern_from_tool("ra8", "ramp", 0, ",\"async\":true,\"alpha\":\"opaque\"");
}

static void test_name_only_settings_get_every_default(void **state)
{
	(void)state;
	obs_source_t *source =
	    harness_create_source("tdshm_top_source", "defaults", "{\"name\":\"x\"}");
	assert_non_null(source);
	obs_data_t *settings = obs_source_get_settings(source);
	assert_string_equal(obs_data_get_string(settings, "name"), "x");
	assert_true(obs_data_get_bool(settings, "flip"));
	assert_string_equal(obs_data_get_string(settings, "alpha"), "premultiplied");
	assert_string_equal(obs_data_get_string(settings, "on_stop"), "keep");
	assert_false(obs_data_get_bool(settings, "async"));
	assert_true(obs_data_get_int(settings, "clear_after_ms") > 0);
	obs_data_release(settings);
	obs_source_release(source);
}

/* Whether the pick list offers name, and with which label. */
static const char *pick_label_of(obs_property_t *pick, const char *name)
{
	for (size_t i = 0; i < obs_property_list_item_count(pick); i++)
		if (strcmp(obs_property_list_item_string(pick, i), name) == 0)
			return obs_property_list_item_name(pick, i);
	return NULL;
}

/* The list offers other programs' image senders, sorted, with size and
 * format; never this OBS's own outputs (an in-process sender here, as a
 * filter or the Tools output would be) and never a CHOP segment. "First
 * available" takes an image sender of another process, not our own. */
static void test_live_segments_are_listed_and_pick_fills_the_name(void **state)
{
	(void)state;
	char name[64], own[64], chop[64];
	/* "0-…" sorts before any other sender of this run, "00-" before it. */
	tdshm_test_unique_name(name, sizeof(name), "0-obs-live");
	tdshm_test_unique_name(own, sizeof(own), "00-obs-own");
	tdshm_test_unique_name(chop, sizeof(chop), "00-obs-chop");
	int pid = source_start_sender(name, "--size", "320x180", "--format", "rgba16f", NULL);
	assert_true(pid > 0);
	int chop_pid = -1;
	{
		const char *argv[] = {tdshm_test_tool_path(), "chop-send", chop, NULL};
		chop_pid = harness_spawn(argv);
	}
	assert_true(chop_pid > 0);
	tdshm_sender *sender = source_sender_create(own, 4096);
	assert_non_null(sender);
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 64, 32, "bgra8"));
	obs_source_t *source = harness_create_source("tdshm_top_source", "live", "{\"name\":\"\"}");
	assert_non_null(source);

	obs_properties_t *props = NULL;
	obs_property_t *pick = NULL;
	const char *label = NULL;
	/* The tools take a moment to start. */
	for (uint64_t until = source_now_ms() + 10000; !label && source_now_ms() < until;) {
		obs_properties_destroy(props);
		props = obs_source_properties(source);
		pick = obs_properties_get(props, "pick");
		assert_non_null(pick);
		label = pick_label_of(pick, name);
		if (!label || !pick_label_of(pick, chop))
			tdshm_sleep_ms(100);
	}
	if (!label)
		fail_msg("'%s' (another process's image sender) is not listed", name);
	printf("  listed as '%s'\n", label);
	assert_non_null(strstr(label, "320x180 rgba16f"));
	assert_null(pick_label_of(pick, own));
	assert_null(pick_label_of(pick, chop));

	obs_data_t *settings = obs_source_get_settings(source);
	/* "First available": the first image sender of another process. */
	obs_data_set_string(settings, "pick", "\x01first");
	assert_true(obs_property_modified(pick, settings));
	assert_string_equal(obs_data_get_string(settings, "name"), name);

	/* Picking one fills in the name (the setting saved with the scene). */
	obs_data_set_string(settings, "name", "");
	obs_data_set_string(settings, "pick", name);
	assert_true(obs_property_modified(pick, settings));
	assert_string_equal(obs_data_get_string(settings, "name"), name);
	assert_string_equal(obs_data_get_string(settings, "pick"), "");
	harness_kill(pid, false);
	harness_kill(chop_pid, false);

	/* The delay field is only shown for "clear after". */
	obs_property_t *on_stop = obs_properties_get(props, "on_stop");
	obs_data_set_string(settings, "on_stop", "keep");
	obs_property_modified(on_stop, settings);
	assert_false(obs_property_visible(obs_properties_get(props, "clear_after_ms")));
	obs_data_set_string(settings, "on_stop", "clear_after");
	obs_property_modified(on_stop, settings);
	assert_true(obs_property_visible(obs_properties_get(props, "clear_after_ms")));
	obs_data_release(settings);
	obs_properties_destroy(props);
	obs_source_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

static void test_unusable_names_say_why(void **state)
{
	(void)state;
	char long_name[400], settings[512], status[1024];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *names[] = {long_name, "with/slash"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", names[i]);
		obs_source_t *source = source_show("tdshm-in", settings);
		assert_true(harness_wait_frames(5, 3000));
		source_status_text(source, status, sizeof(status));
		printf("  %.40s... -> %.160s\n", names[i], status);
		assert_true(strncmp(status, "Error on", 8) == 0);
		source_hide_and_release(source);
	}
	obs_source_t *source = source_show("tdshm-in", "{\"name\":\"\"}");
	assert_true(harness_wait_frames(3, 3000));
	source_status_text(source, status, sizeof(status));
	assert_string_equal(status, "No Shared Mem Name set");
	source_hide_and_release(source);
}

/* Typing a name in the dialog updates the source at every key: the log gets
 * no "Waiting for" line per partial name, only one for the name typed. */
static void test_typing_a_name_logs_waiting_once_for_the_whole_name(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "typed");
	harness_log_clear();
	obs_source_t *source = source_show("typing", "{\"name\":\"t\"}");
	char settings[128];
	for (size_t n = 2; n <= strlen(name); n++) {
		tdshm_sleep_ms(80); /* a fast typist */
		snprintf(settings, sizeof(settings), "{\"name\":\"%.*s\"}", (int)n, name);
		obs_data_t *data = obs_data_create_from_json(settings);
		obs_source_update(source, data);
		obs_data_release(data);
	}
	/* Well past the plugin's settle time (700 ms, source-status.h), with
	 * frames rendered: the tick flushes the held-back line. */
	tdshm_sleep_ms(1500);
	assert_true(harness_wait_frames(10, 5000));
	char whole[128], partial[128];
	snprintf(whole, sizeof(whole), "Waiting for '%s'", name);
	snprintf(partial, sizeof(partial), "Waiting for '%.*s'", 3, name);
	size_t whole_lines = harness_log_count(whole);
	size_t waiting_lines = harness_log_count("Waiting for '");
	printf("  %zu 'Waiting for' lines while typing '%s', %zu for the whole name\n",
	       waiting_lines, name, whole_lines);
	assert_int_equal(whole_lines, 1);
	assert_int_equal(waiting_lines, 1);
	assert_int_equal(harness_log_count(partial), 0); /* 'typ', a partial name */
	source_hide_and_release(source);
}

static void assert_resolved(const char *text)
{
	if (!text || !*text || strncmp(text, "TopSource.", 10) == 0)
		fail_msg("string not in the locale file: '%s'", text ? text : "(null)");
}

static void test_property_strings_resolve_from_the_locale(void **state)
{
	(void)state;
	obs_source_t *source = harness_create_source("tdshm_top_source", "strings",
						     "{\"name\":\"obs-no-such-sender\"}");
	assert_non_null(source);
	assert_resolved(obs_source_get_display_name("tdshm_top_source"));
	obs_properties_t *props = obs_source_properties(source);
	size_t count = 0;
	for (obs_property_t *p = obs_properties_first(props); p; obs_property_next(&p)) {
		assert_resolved(obs_property_description(p));
		const char *hint = obs_property_long_description(p);
		if (hint)
			assert_resolved(hint);
		if (obs_property_get_type(p) == OBS_PROPERTY_LIST)
			for (size_t i = 0; i < obs_property_list_item_count(p); i++)
				assert_resolved(obs_property_list_item_name(p, i));
		count++;
	}
	assert_true(count >= 9);
	obs_properties_destroy(props);
	/* The dialog's status line is the same text the source reports. */
	char shown[1024], reported[1024];
	source_status_property(source, shown, sizeof(shown));
	source_status_text(source, reported, sizeof(reported));
	assert_string_equal(shown, reported);
	assert_non_null(strstr(shown, "obs-no-such-sender"));
	obs_source_release(source);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_only_settings_get_every_default),
	    cmocka_unit_test(test_property_strings_resolve_from_the_locale),
	    cmocka_unit_test(test_unusable_names_say_why),
	    cmocka_unit_test(test_live_segments_are_listed_and_pick_fills_the_name),
	    cmocka_unit_test(test_8bit_formats_arrive_with_exact_pixels),
	    cmocka_unit_test(test_one_and_two_channel_8bit_formats_show_td_colours),
	    cmocka_unit_test(test_deep_formats_arrive_within_one_step),
	    cmocka_unit_test(test_flip_off_shows_td_rows_upside_down),
	    cmocka_unit_test(test_alpha_modes_composite_as_chosen),
	    cmocka_unit_test(test_resize_shows_new_size_within_three_frames),
	    cmocka_unit_test(test_tool_resizing_every_few_frames_is_followed),
	    cmocka_unit_test(test_format_change_and_unchanged_frames),
	    cmocka_unit_test(test_legacy_headers_show_the_same_picture),
	    cmocka_unit_test(test_sender_crash_keeps_or_clears_and_reconnects),
	    cmocka_unit_test(test_clear_after_waits_then_clears),
	    cmocka_unit_test(test_hidden_source_copies_nothing_and_resumes_at_once),
	    cmocka_unit_test(test_async_mode_shows_the_same_pixels),
	    cmocka_unit_test(test_typing_a_name_logs_waiting_once_for_the_whole_name),
	};
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, source_harness_setup, source_harness_teardown);
}
