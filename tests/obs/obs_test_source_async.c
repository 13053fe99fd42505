/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In" with asynchronous output, and what both
 * modes show around a connection: a start without a "Refused" flash, every
 * "When TouchDesigner stops" mode, the status's frame count per connection,
 * "stopped" that stays, and a NaN float image (run under UBSan by the obs
 * stage). */
#include <math.h>
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
#include "tdshm/platform.h"
#include "test_support.h"

#define SIZE_ARG "640x360"
#define BAR_X 40 /* the white bar of "bars" */
#define BAR_Y 180
#define WHITE (3 * 255)

static void test_async_start_waits_without_a_refused_flash(void **state)
{
	(void)state;
	char name[64], settings[256], status[1024];
	tdshm_test_unique_name(name, sizeof(name), "obs-async-start");
	/* A sender that has created its segments but written no frame yet. */
	tdshm_sender *sender = source_sender_create(name, 640 * 360 * 4 + 64);
	assert_non_null(sender);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"async\":true}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	uint64_t end = source_now_ms() + 800;
	while (source_now_ms() < end) {
		source_status_text(source, status, sizeof(status));
		if (strstr(status, "Refused"))
			fail_msg("an unwritten segment was refused: %s", status);
		usleep(2000);
	}
	assert_non_null(strstr(status, "Waiting"));
	assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 640, 360, "bgra8"));
	assert_true(source_wait_connected(source, 5000, status, sizeof(status)));
	assert_int_equal(source_wait_output_sum_at(BAR_X, BAR_Y, WHITE, 3000), WHITE);
	source_hide_and_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

/* Shows bars from `tdshm send`, stops the sender (kill: a crash; else a
 * clean stop) and returns when the stop was seen. */
static obs_source_t *show_then_stop(const char *settings_tail, bool crash, char *status, size_t cap)
{
	int pid;
	obs_source_t *source =
	    source_show_tool_sender("obs-async-stop", settings_tail, &pid, status, cap, "--size",
				    SIZE_ARG, "--pattern", "bars", NULL);
	assert_int_equal(source_wait_output_sum_at(BAR_X, BAR_Y, WHITE, 3000), WHITE);
	harness_kill(pid, crash);
	if (!source_wait_status(source, "'", 1500, status, cap) || !strstr(status, "stopped"))
		fail_msg("stop not noticed within 1.5 s: %s", status);
	return source;
}

static void test_async_honours_every_when_td_stops_mode(void **state)
{
	(void)state;
	char status[1024];
	/* Keep: the last frame stays, and "stopped" is not replaced by
	 * "Waiting" while the sender is away (the receiver looks every 250 ms). */
	obs_source_t *source =
	    show_then_stop(",\"async\":true,\"on_stop\":\"keep\"", true, status, sizeof(status));
	for (int i = 0; i < 10; i++) {
		usleep(100000);
		source_status_text(source, status, sizeof(status));
		if (!strstr(status, "stopped"))
			fail_msg("'stopped' replaced after %d ms: %s", (i + 1) * 100, status);
	}
	assert_int_equal(source_output_sum_at(BAR_X, BAR_Y), WHITE);
	source_hide_and_release(source);

	/* Clear at once. */
	source =
	    show_then_stop(",\"async\":true,\"on_stop\":\"clear\"", true, status, sizeof(status));
	assert_int_equal(source_wait_output_sum_at(BAR_X, BAR_Y, 0, 1000), 0);
	source_hide_and_release(source);

	/* Clear after 1.5 s, as the sync path does (test_clear_after_waits_then_clears). */
	source =
	    show_then_stop(",\"async\":true,\"on_stop\":\"clear_after\",\"clear_after_ms\":1500",
			   false, status, sizeof(status));
	uint64_t cleared_after = source_ms_until_cleared(BAR_X, BAR_Y, WHITE, 4000);
	printf("  async: cleared %llu ms after the stop was seen (setting 1500)\n",
	       (unsigned long long)cleared_after);
	assert_true(cleared_after >= 1000 && cleared_after < 2500);
	source_hide_and_release(source);
}

/* "Connected ... N frames received" counts this connection's frames. */
static void check_frames_per_connection(const char *settings_tail)
{
	char status[1024];
	int pid;
	obs_source_t *source =
	    source_show_tool_sender("obs-frames", settings_tail, &pid, status, sizeof(status),
				    "--size", "320x180", "--pattern", "counter", NULL);
	char name[64];
	source_setting_name(source, name, sizeof(name));
	uint64_t deadline = source_now_ms() + 10000;
	while (source_frames_received(source) < 40 && source_now_ms() < deadline)
		usleep(10000);
	uint64_t first = source_frames_received(source);
	assert_true(first >= 40);
	harness_kill(pid, true);
	assert_true(source_wait_status(source, "'", 1500, status, sizeof(status)));
	pid = source_start_sender(name, "--size", "320x180", "--pattern", "counter", NULL);
	assert_true(pid > 0);
	assert_true(source_wait_connected(source, 3000, status, sizeof(status)));
	uint64_t second = source_frames_received(source);
	printf("  %s: %llu frames, then %llu after the reconnect\n",
	       *settings_tail ? "async" : "sync", (unsigned long long)first,
	       (unsigned long long)second);
	assert_true(second < first);
	source_hide_and_release(source);
	harness_kill(pid, false);
}

static void test_frames_received_count_this_connection(void **state)
{
	(void)state;
	check_frames_per_connection("");
	check_frames_per_connection(",\"async\":true");
}

/* A float image full of NaN in async mode: black, and no undefined
 * behaviour in the 8-bit conversion (UBSan build in the obs stage). */
static void test_async_nan_float_image_is_black(void **state)
{
	(void)state;
	char name[64], settings[256], status[1024];
	tdshm_test_unique_name(name, sizeof(name), "obs-async-nan");
	tdshm_sender *sender = source_sender_create(name, 4096);
	assert_non_null(sender);
	float pixel[4] = {NAN, -NAN, NAN, 1.0f};
	assert_true(source_sender_write_solid(sender, 640, 360, "rgba32f", (const uint8_t *)pixel));
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"async\":true}", name);
	obs_source_t *source = source_show("tdshm-in", settings);
	assert_true(source_wait_connected(source, 10000, status, sizeof(status)));
	assert_true(harness_wait_frames(6, 5000));
	assert_int_equal(source_output_sum_at(320, 180), 0);
	/* And a normal image after it shows as it should. */
	float white[4] = {1.0f, 1.0f, 1.0f, 1.0f};
	assert_true(source_sender_write_solid(sender, 640, 360, "rgba32f", (const uint8_t *)white));
	assert_int_equal(source_wait_output_sum_at(320, 180, WHITE, 3000), WHITE);
	source_hide_and_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

/* Async frames keep TD's row order and let OBS flip them (the frame's
 * flip): the right way up by default, upside down with flip off, for the
 * 8-bit copy and the float conversion alike. */
static void test_async_frames_are_the_right_way_up(void **state)
{
	(void)state;
	static const char *formats[] = {"bgra8", "rgba32f"};
	for (size_t i = 0; i < 2; i++) {
		char name[64], settings[256], status[1024];
		tdshm_test_unique_name(name, sizeof(name), "obs-async-flip");
		tdshm_sender *sender = source_sender_create(name, 4096);
		assert_non_null(sender);
		assert_true(source_sender_write_pattern(sender, TDSHM_PATTERN_RAMP, 0, 640, 360,
							formats[i]));
		snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"async\":true}", name);
		obs_source_t *source = source_show("tdshm-in", settings);
		assert_true(source_wait_connected(source, 10000, status, sizeof(status)));
		if (!source_wait_ramp(640, 360, false))
			fail_msg("%s: async frame not the right way up", formats[i]);
		obs_data_t *flip_off = obs_data_create_from_json("{\"flip\":false}");
		obs_source_update(source, flip_off);
		obs_data_release(flip_off);
		if (!source_wait_ramp(640, 360, true))
			fail_msg("%s: flip off did not show TD's rows as they are", formats[i]);
		source_hide_and_release(source);
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_async_start_waits_without_a_refused_flash),
	    cmocka_unit_test(test_async_honours_every_when_td_stops_mode),
	    cmocka_unit_test(test_frames_received_count_this_connection),
	    cmocka_unit_test(test_async_nan_float_image_is_black),
	    cmocka_unit_test(test_async_frames_are_the_right_way_up),
	};
	return cmocka_run_group_tests_name("source: async output and connections", tests,
					   source_harness_setup, source_harness_teardown);
}
