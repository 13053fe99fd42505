/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem Out" (tdshm_top_filter) and the Tools-menu
 * program output in a real headless libobs, with TouchDesigner played by
 * tdshm_top_probe in another process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <png.h>

#include "filter_probe.h"
#include "obs_harness.h"
#include "tdshm/names.h"
#include "tdshm/pixel_format.h"
#include "tdshm/platform.h"
#include "tdshm/top.h"
#include "test_support.h"

#define FPS 60

/* ---- helpers ----------------------------------------------------------- */

static obs_source_t *make_source(const char *json)
{
	static unsigned counter;
	char name[64];
	snprintf(name, sizeof(name), "colour %u", counter++);
	obs_source_t *source = harness_create_source("harness_color_source", name, json);
	assert_non_null(source);
	return source;
}

static obs_source_t *add_filter(obs_source_t *parent, const char *json)
{
	static unsigned counter;
	char name[64];
	snprintf(name, sizeof(name), "TD out %u", counter++);
	obs_data_t *settings = obs_data_create_from_json(json);
	assert_non_null(settings);
	obs_source_t *filter = obs_source_create("tdshm_top_filter", name, settings, NULL);
	obs_data_release(settings);
	assert_non_null(filter);
	obs_source_filter_add(parent, filter);
	return filter;
}

static void remove_filter(obs_source_t *parent, obs_source_t *filter)
{
	obs_source_filter_remove(parent, filter);
	obs_source_release(filter);
}

static void update_json(obs_source_t *source, const char *json)
{
	obs_data_t *settings = obs_data_create_from_json(json);
	assert_non_null(settings);
	obs_source_update(source, settings);
	obs_data_release(settings);
}

static void json_for(char *out, size_t cap, const char *name, const char *extra)
{
	snprintf(out, cap, "{\"name\":\"%s\"%s%s}", name, extra && extra[0] ? "," : "",
		 extra ? extra : "");
}

static bool segment_exists(const char *full_name)
{
	tdshm_error err;
	return tdshm_shm_probe(full_name, &err) == TDSHM_OK;
}

static bool info_exists(const char *name)
{
	char full[TDSHM_FULL_NAME_CAP];
	assert_int_equal(tdshm_name_info(name, full, sizeof(full), NULL), TDSHM_OK);
	return segment_exists(full);
}

static bool wait_stats(obs_source_t *filter, filter_stats *st, uint32_t timeout_ms,
		       bool (*done)(const filter_stats *))
{
	uint64_t start = probe_now_ms();
	do {
		assert_true(filter_get_stats(filter, st));
		if (done(st))
			return true;
		tdshm_sleep_ms(5);
	} while (probe_now_ms() - start < timeout_ms);
	return false;
}

static bool has_error(const filter_stats *st)
{
	return st->error;
}

static bool has_sender(const filter_stats *st)
{
	return st->senders_created > 0 && st->data_name[0];
}

/* Expected straight RGBA bytes of a harness colour source at (x, y), top row
 * first, as tests/obs/harness_sources.c draws it. */
typedef struct pattern {
	const char *kind;
	uint32_t color; /* 0xAABBGGRR */
	uint32_t width, height;
} pattern;

static void pattern_pixel(const pattern *p, uint32_t x, uint32_t y, uint8_t rgba[4])
{
	if (strcmp(p->kind, "gradient") == 0) {
		uint8_t v =
		    (uint8_t)(p->width > 1 ? (x * 255 + (p->width - 1) / 2) / (p->width - 1) : 0);
		rgba[0] = rgba[1] = rgba[2] = v;
		rgba[3] = 255;
	} else if (strcmp(p->kind, "quadrants") == 0) {
		static const uint8_t quadrant[4][4] = {
		    {255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}};
		int q = (y >= p->height / 2 ? 2 : 0) + (x >= p->width / 2 ? 1 : 0);
		memcpy(rgba, quadrant[q], 4);
	} else {
		rgba[0] = (uint8_t)(p->color & 0xff);
		rgba[1] = (uint8_t)((p->color >> 8) & 0xff);
		rgba[2] = (uint8_t)((p->color >> 16) & 0xff);
		rgba[3] = (uint8_t)((p->color >> 24) & 0xff);
	}
}

/* Compares every pixel of a received segment with the pattern. tolerance is
 * in 0..1 units (0 = exact bytes for 8-bit formats). premultiplied: the
 * expected colour is multiplied by alpha. Returns the number of bad pixels
 * and prints the first. */
static bool mismatch_expected; /* quiet when a test wants a mismatch */

static size_t check_segment(const uint8_t *seg, size_t size, const pattern *p, bool bottom_up,
			    bool premultiplied, float tolerance)
{
	tdshm_top_image image;
	tdshm_error err;
	if (tdshm_top_parse(seg, size, &image, &err) != TDSHM_OK) {
		print_error("segment refused: %s\n", err.message);
		return (size_t)-1;
	}
	if (image.width != p->width || image.height != p->height) {
		print_error("segment is %ux%u, expected %ux%u\n", image.width, image.height,
			    p->width, p->height);
		return (size_t)-1;
	}
	size_t bad = 0;
	for (uint32_t row = 0; row < image.height; row++) {
		uint32_t y = bottom_up ? image.height - 1 - row : row;
		for (uint32_t x = 0; x < image.width; x++) {
			const uint8_t *px = seg + image.data_offset + row * image.row_bytes +
					    (size_t)x * image.format->bytes_per_pixel;
			float got[4];
			tdshm_pixel_to_rgba_f32(image.format, px, got);
			uint8_t want8[4];
			pattern_pixel(p, x, y, want8);
			float want[4];
			for (int c = 0; c < 4; c++)
				want[c] = want8[c] / 255.0f;
			if (premultiplied)
				for (int c = 0; c < 3; c++)
					want[c] *= want[3];
			bool ok = true;
			for (int c = 0; c < 4; c++) {
				float tol = tolerance + 1e-4f;
				if (image.format->type == TDSHM_COMPONENT_UNORM &&
				    tolerance == 0.0f)
					ok = ok &&
					     lrintf(got[c] * 255.0f) == lrintf(want[c] * 255.0f);
				else
					ok = ok && fabsf(got[c] - want[c]) <= tol;
			}
			if (!ok && bad++ == 0 && !mismatch_expected)
				print_error(
				    "pixel (%u,%u) [%s]: got %.4f %.4f %.4f %.4f, want %.4f "
				    "%.4f %.4f %.4f\n",
				    x, y, image.format->name, got[0], got[1], got[2], got[3],
				    want[0], want[1], want[2], want[3]);
		}
	}
	return bad;
}

/* Waits for a few frames of the given size and format after `skip` events
 * (so the ring holds real content), then checks the latest. */
static void expect_pixels(const filter_probe *probe, size_t skip, const pattern *p, uint32_t format,
			  bool bottom_up, bool premultiplied, float tolerance)
{
	size_t count = probe_wait_frames(probe, skip, 4, p->width, p->height, format, 5000);
	assert_true(count > 0);
	size_t size = 0;
	uint8_t *seg = probe_segment(probe, &size);
	assert_non_null(seg);
	size_t bad = check_segment(seg, size, p, bottom_up, premultiplied, tolerance);
	free(seg);
	assert_int_equal(bad, 0);
}

static size_t event_count(const filter_probe *probe)
{
	size_t count = 0;
	free(probe_events(probe, &count));
	return count;
}

/* Most tests: a harness colour source with the filter on it, sending as a
 * fresh name, and TouchDesigner's Shared Mem In TOP (the probe) reading it. */
typedef struct filter_rig {
	char name[64];
	obs_source_t *source;
	obs_source_t *filter;
	filter_probe probe;
} filter_rig;

/* filter_extra: more filter settings after the name (NULL: none). */
static void rig_start(filter_rig *rig, const char *prefix, const char *source_json,
		      const char *filter_extra)
{
	char json[512];
	tdshm_test_unique_name(rig->name, sizeof(rig->name), prefix);
	rig->source = make_source(source_json);
	json_for(json, sizeof(json), rig->name, filter_extra);
	rig->filter = add_filter(rig->source, json);
	assert_true(probe_start(&rig->probe, rig->name, 60));
}

static void rig_stop(filter_rig *rig)
{
	probe_stop(&rig->probe);
	remove_filter(rig->source, rig->filter);
	obs_source_release(rig->source);
}

/* The filter's settings: the rig's name and filter_extra. */
static void rig_update_filter(filter_rig *rig, const char *filter_extra)
{
	char json[512];
	json_for(json, sizeof(json), rig->name, filter_extra);
	update_json(rig->filter, json);
}

/* Frames per second OBS renders (total minus lagged) over the next ms, on
 * this machine as it is now. */
/* Frames per second OBS rendered (lagged ones counted out) over ms, and
 * into *delivered_fps those its raw output delivered. */
static double measure_rendered_fps(uint32_t ms, double *delivered_fps)
{
	uint32_t total0 = obs_get_total_frames(), lagged0 = obs_get_lagged_frames();
	uint64_t delivered0 = harness_frame_count();
	uint64_t t0 = tdshm_clock_ns();
	tdshm_sleep_ms(ms);
	double seconds = (tdshm_clock_ns() - t0) / 1e9;
	*delivered_fps = (double)(harness_frame_count() - delivered0) / seconds;
	return ((double)(obs_get_total_frames() - total0) -
		(double)(obs_get_lagged_frames() - lagged0)) /
	       seconds;
}

/* Another program (the tdshm tool) sending 16x16 as name; returns its pid
 * once the name's info segment exists. */
static int spawn_tool_sender(const char *name)
{
	const char *argv[] = {
	    tdshm_test_tool_path(), "send", name, "--size", "16x16", "--frames", "100000", NULL};
	int pid = harness_spawn(argv);
	assert_true(pid > 0);
	uint64_t start = probe_now_ms();
	while (!info_exists(name) && probe_now_ms() - start < 5000)
		tdshm_sleep_ms(5);
	assert_true(info_exists(name));
	return pid;
}

/* ---- tests --------------------------------------------------------------- */

static void test_filter_with_only_a_name_sends_exact_bgra8_bottom_up_off_program(void **state)
{
	(void)state;
	filter_rig rig;
	/* Never put on the output: a scene users send while it is not program. */
	rig_start(&rig, "flt-quad", "{\"pattern\":\"quadrants\",\"width\":64,\"height\":48}", NULL);

	pattern quad = {"quadrants", 0, 64, 48};
	expect_pixels(&rig.probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	size_t count = 0;
	probe_event *events = probe_events(&rig.probe, &count);
	assert_true(count > 0);
	assert_int_equal(events[count - 1].header_kind, TDSHM_TOP_HEADER_CURRENT);
	free(events);

	/* A solid colour and a gradient, on the same filter. */
	size_t skip = event_count(&rig.probe);
	update_json(rig.source,
		    "{\"pattern\":\"solid\",\"color\":4286611520,\"width\":40,\"height\":"
		    "30}"); /* 0xFF808040: R=0x40 G=0x80 B=0x80 */
	pattern solid = {"solid", 0xFF808040u, 40, 30};
	expect_pixels(&rig.probe, skip, &solid, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	skip = event_count(&rig.probe);
	update_json(rig.source, "{\"pattern\":\"gradient\",\"width\":256,\"height\":8}");
	pattern gradient = {"gradient", 0, 256, 8};
	expect_pixels(&rig.probe, skip, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	rig_stop(&rig);
}

static void test_every_format_arrives_exact_or_within_one_step(void **state)
{
	(void)state;
	filter_rig rig;
	rig_start(&rig, "flt-fmt", "{\"pattern\":\"gradient\",\"width\":256,\"height\":6}", NULL);
	pattern gradient = {"gradient", 0, 256, 6};
	pattern quad = {"quadrants", 0, 32, 16};

	const struct {
		const char *format;
		uint32_t value;
		float tolerance;
	} formats[] = {
	    {"rgba8", TDSHM_FMT_R8G8B8A8_UNORM, 0.0f},
	    {"rgba16f", TDSHM_FMT_R16G16B16A16_FLOAT, 1.0f / 255.0f},
	    {"rgba32f", TDSHM_FMT_R32G32B32A32_FLOAT, 1.0f / 255.0f},
	    {"bgra8", TDSHM_FMT_B8G8R8A8_UNORM, 0.0f},
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		size_t skip = event_count(&rig.probe);
		char extra[128];
		snprintf(extra, sizeof(extra), "\"format\":\"%s\"", formats[i].format);
		rig_update_filter(&rig, extra);
		expect_pixels(&rig.probe, skip, &gradient, formats[i].value, true, false,
			      formats[i].tolerance);
		/* Rows: the quadrants tell top from bottom in every format. */
		skip = event_count(&rig.probe);
		update_json(rig.source, "{\"pattern\":\"quadrants\",\"width\":32,\"height\":16}");
		expect_pixels(&rig.probe, skip, &quad, formats[i].value, true, false,
			      formats[i].tolerance);
		update_json(rig.source, "{\"pattern\":\"gradient\",\"width\":256,\"height\":6}");
	}
	rig_stop(&rig);
}

static void test_flip_off_sends_top_row_first_and_legacy_header_on_request(void **state)
{
	(void)state;
	filter_rig rig;
	rig_start(&rig, "flt-flip", "{\"pattern\":\"quadrants\",\"width\":20,\"height\":10}",
		  "\"flip\":false");
	pattern quad = {"quadrants", 0, 20, 10};
	expect_pixels(&rig.probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, false, false, 0.0f);

	/* Legacy header: a new sender (TD 2021 reads only that header). */
	size_t skip = event_count(&rig.probe);
	rig_update_filter(&rig, "\"header\":\"legacy\",\"flip\":true");
	expect_pixels(&rig.probe, skip, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	size_t count = 0;
	probe_event *events = probe_events(&rig.probe, &count);
	assert_int_equal(events[count - 1].header_kind, TDSHM_TOP_HEADER_LEGACY);
	free(events);

	rig_stop(&rig);
}

static void test_alpha_is_premultiplied_by_default_and_straight_on_request(void **state)
{
	(void)state;
	filter_rig rig;
	/* 0x804080C0: A=128, B=64, G=128, R=192. */
	rig_start(&rig, "flt-alpha",
		  "{\"pattern\":\"solid\",\"color\":2151710912,\"width\":16,\"height\":8}", NULL);
	pattern half = {"solid", 0x804080C0u, 16, 8};
	/* 8-bit: the GPU blend rounds c*a once, so one step of tolerance. */
	expect_pixels(&rig.probe, 0, &half, TDSHM_FMT_B8G8R8A8_UNORM, true, true, 1.0f / 255.0f);

	size_t skip = event_count(&rig.probe);
	rig_update_filter(&rig, "\"alpha\":\"straight\"");
	/* Straight from 8-bit premultiplied: c*a rounded, then divided: the
	 * original colour within one step. */
	expect_pixels(&rig.probe, skip, &half, TDSHM_FMT_B8G8R8A8_UNORM, true, false,
		      1.0f / 255.0f);
	/* And proof the two modes differ: straight is not premultiplied. */
	size_t size = 0;
	uint8_t *seg = probe_segment(&rig.probe, &size);
	assert_non_null(seg);
	mismatch_expected = true;
	assert_true(check_segment(seg, size, &half, true, true, 1.0f / 255.0f) > 0);
	mismatch_expected = false;
	free(seg);

	skip = event_count(&rig.probe);
	rig_update_filter(&rig, "\"alpha\":\"straight\",\"format\":\"rgba32f\"");
	expect_pixels(&rig.probe, skip, &half, TDSHM_FMT_R32G32B32A32_FLOAT, true, false,
		      1.0f / 255.0f);
	skip = event_count(&rig.probe);
	rig_update_filter(&rig, "\"format\":\"rgba32f\",\"alpha\":\"premultiplied\"");
	probe_wait_frames(&rig.probe, skip, 6, 16, 8, TDSHM_FMT_R32G32B32A32_FLOAT, 5000);
	skip = event_count(&rig.probe);
	expect_pixels(&rig.probe, skip, &half, TDSHM_FMT_R32G32B32A32_FLOAT, true, true,
		      1.0f / 255.0f);

	rig_stop(&rig);
}

static void test_no_receiver_means_no_readback_and_attach_resumes_at_once(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-idle");
	obs_source_t *source = make_source("{\"pattern\":\"gradient\",\"width\":64,\"height\":8}");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *filter = add_filter(source, json);

	filter_stats st, idle0;
	assert_true(wait_stats(filter, &idle0, 3000, has_sender));
	uint64_t idle_rendered0 = harness_rendered_frames();
	assert_true(harness_wait_frames(30, 5000));
	assert_true(filter_get_stats(filter, &st));
	long long idle_rendered = (long long)(harness_rendered_frames() - idle_rendered0);
	assert_true(info_exists(name));    /* TD can find it ... */
	assert_int_equal(st.readbacks, 0); /* ... but nothing was read back */
	assert_int_equal(st.frames_written, 0);
	assert_int_equal(st.copy_ns_total, 0);
	assert_true(st.frames_idle - idle0.frames_idle >= idle_rendered - 2);

	filter_probe probe;
	assert_true(probe_start(&probe, name, 60));
	pattern gradient = {"gradient", 0, 64, 8};
	expect_pixels(&probe, 0, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	/* Attached: one read-back per rendered frame, no idle frames any more.
	 * (A loaded machine makes OBS skip rendering some frames: "lagged".) */
	filter_stats before, after;
	assert_true(filter_get_stats(filter, &before));
	uint64_t rendered0 = harness_rendered_frames();
	assert_true(harness_wait_frames(30, 5000));
	assert_true(filter_get_stats(filter, &after));
	long long rendered = (long long)(harness_rendered_frames() - rendered0);
	print_message("attached: %lld read-backs, %lld written in %lld rendered frames\n",
		      after.readbacks - before.readbacks,
		      after.frames_written - before.frames_written, rendered);
	assert_int_equal(after.frames_idle, before.frames_idle);
	assert_true(rendered >= 10);
	assert_true(after.readbacks - before.readbacks >= rendered - 2);
	assert_true(after.frames_written - before.frames_written >= rendered - 4);
	probe_stop(&probe);
	remove_filter(source, filter);
	obs_source_release(source);
}

static void test_resize_follows_postfix_with_receiver_and_recreates_without(void **state)
{
	(void)state;
	filter_rig rig;
	rig_start(&rig, "flt-resize", "{\"pattern\":\"gradient\",\"width\":64,\"height\":8}", NULL);
	char json[256];
	pattern gradient = {"gradient", 0, 64, 8};
	expect_pixels(&rig.probe, 0, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	filter_stats st;
	assert_true(filter_get_stats(rig.filter, &st));
	char old_data[256];
	snprintf(old_data, sizeof(old_data), "%s", st.data_name);

	/* With a receiver: a new postfix; the receiver follows within 3 frames. */
	size_t skip = event_count(&rig.probe);
	/* Counted in frames OBS rendered (on a loaded machine the output
	 * repeats frames it had no time to render). */
	uint64_t rendered0 = harness_rendered_frames();
	update_json(rig.source, "{\"pattern\":\"gradient\",\"width\":96,\"height\":12}");
	size_t count = probe_wait_frames(&rig.probe, skip, 1, 96, 12, 0, 3000);
	long long rendered = (long long)(harness_rendered_frames() - rendered0);
	assert_true(count > 0);
	print_message("receiver saw the new size after %lld rendered OBS frames\n", rendered);
	assert_true(rendered <= 3);
	probe_event *events = probe_events(&rig.probe, &count);
	const char *new_data = NULL;
	for (size_t i = skip; i < count; i++)
		if (events[i].kind == 'f' && events[i].width == 96)
			new_data = events[i].data_name;
	assert_non_null(new_data);
	assert_string_not_equal(new_data, old_data);
	assert_true(strlen(new_data) == strlen(old_data) + TDSHM_POSTFIX_LEN);
	free(events);
	pattern bigger = {"gradient", 0, 96, 12};
	expect_pixels(&rig.probe, skip, &bigger, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	assert_false(segment_exists(old_data)); /* the old one was dropped */
	probe_stop(&rig.probe);

	/* Without a receiver: the same name, re-created at the new size. */
	remove_filter(rig.source, rig.filter);
	tdshm_test_unique_name(rig.name, sizeof(rig.name), "flt-resize");
	json_for(json, sizeof(json), rig.name, NULL);
	rig.filter = add_filter(rig.source, json);
	assert_true(wait_stats(rig.filter, &st, 3000, has_sender));
	snprintf(old_data, sizeof(old_data), "%s", st.data_name);
	update_json(rig.source, "{\"pattern\":\"gradient\",\"width\":50,\"height\":20}");
	uint64_t start = probe_now_ms();
	do {
		assert_true(filter_get_stats(rig.filter, &st));
		tdshm_sleep_ms(5);
	} while (st.resizes < 1 && probe_now_ms() - start < 3000);
	assert_int_equal(st.resizes, 1);
	assert_string_equal(st.data_name, old_data);
	tdshm_shm *shm = NULL;
	assert_int_equal(tdshm_shm_open(st.data_name, &shm, NULL), TDSHM_OK);
	assert_true(tdshm_shm_size(shm) >= TDSHM_TOP_V1_SIZE + 50 * 20 * 4);
	/* Nobody reading: nothing rendered, so no header either (a header is
	 * published only with an image OBS rendered at that size). */
	const uint8_t *bytes = tdshm_shm_bytes(shm);
	size_t nonzero = 0;
	for (size_t i = 0; i < TDSHM_TOP_V1_SIZE; i++)
		nonzero += bytes[i] != 0;
	assert_int_equal(nonzero, 0);
	tdshm_shm_close(shm);
	assert_int_equal(st.readbacks, 0);

	remove_filter(rig.source, rig.filter);
	obs_source_release(rig.source);
}

static void test_receiver_before_filter_and_removal_detaches_and_unlinks(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-life");
	filter_probe probe;
	assert_true(probe_start(&probe, name, 60)); /* TD waits for a sender */
	tdshm_sleep_ms(100);
	obs_source_t *source = make_source("{\"pattern\":\"quadrants\",\"width\":24,\"height\":8}");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *filter = add_filter(source, json);
	pattern quad = {"quadrants", 0, 24, 8};
	expect_pixels(&probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* Disabled: detach, segments gone; enabled: back. */
	filter_stats st;
	assert_true(filter_get_stats(filter, &st));
	char data_name[256];
	snprintf(data_name, sizeof(data_name), "%s", st.data_name);
	size_t skip = event_count(&probe);
	obs_source_set_enabled(filter, false);
	assert_true(probe_wait_gone(&probe, skip, 3000));
	assert_false(info_exists(name));
	assert_false(segment_exists(data_name));
	skip = event_count(&probe);
	obs_source_set_enabled(filter, true);
	expect_pixels(&probe, skip, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* Removed: detach seen, every segment unlinked. */
	assert_true(filter_get_stats(filter, &st));
	snprintf(data_name, sizeof(data_name), "%s", st.data_name);
	skip = event_count(&probe);
	remove_filter(source, filter);
	assert_true(probe_wait_gone(&probe, skip, 3000));
	assert_false(info_exists(name));
	assert_false(segment_exists(data_name));
	probe_stop(&probe);
	obs_source_release(source);
}

static void test_same_name_twice_is_an_error_not_two_writers(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-twice");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *red =
	    make_source("{\"pattern\":\"solid\",\"color\":4278190335,\"width\":8,\"height\":8}");
	obs_source_t *blue =
	    make_source("{\"pattern\":\"solid\",\"color\":4294901760,\"width\":8,\"height\":8}");
	obs_source_t *first = add_filter(red, json);
	filter_stats st;
	assert_true(wait_stats(first, &st, 3000, has_sender));
	obs_source_t *second = add_filter(blue, json);
	assert_true(wait_stats(second, &st, 3000, has_error));
	print_message("second filter: %s\n", st.status);
	assert_non_null(strstr(st.message, name));
	assert_non_null(strstr(st.message, "already"));
	assert_non_null(strstr(st.status, "Not sending"));
	assert_int_equal(st.senders_created, 0);

	/* The receiver sees only the first (red) source, frame after frame. */
	filter_probe probe;
	assert_true(probe_start(&probe, name, 60));
	pattern red_px = {"solid", 0xFF0000FFu, 8, 8};
	expect_pixels(&probe, 0, &red_px, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	size_t skip = event_count(&probe);
	expect_pixels(&probe, skip, &red_px, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* The first goes away: the second takes the name over (retried each second). */
	skip = event_count(&probe);
	remove_filter(red, first);
	pattern blue_px = {"solid", 0xFFFF0000u, 8, 8};
	size_t count = probe_wait_frames(&probe, skip, 6, 8, 8, 0, 5000);
	assert_true(count > 0);
	expect_pixels(&probe, count - 1, &blue_px, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	probe_stop(&probe);
	remove_filter(blue, second);

	/* Another program owns the name: the filter says so. */
	tdshm_test_unique_name(name, sizeof(name), "flt-other");
	int pid = spawn_tool_sender(name);
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *third = add_filter(red, json);
	assert_true(wait_stats(third, &st, 3000, has_error));
	print_message("name owned by another program: %s\n", st.status);
	assert_int_equal(st.senders_created, 0);
	harness_kill(pid, false);
	remove_filter(red, third);
	obs_source_release(red);
	obs_source_release(blue);
}

static void test_receiver_holding_the_lock_10s_costs_no_obs_frames(void **state)
{
	(void)state;
	filter_rig rig;
	rig_start(&rig, "flt-lock", "{\"pattern\":\"gradient\",\"width\":320,\"height\":180}",
		  NULL);
	pattern gradient = {"gradient", 0, 320, 180};
	expect_pixels(&rig.probe, 0, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* What this machine renders without the hold (a shared CI machine may
	 * lag on its own): the hold must not make it worse. */
	double base_delivered;
	double base_rate = measure_rendered_fps(5000, &base_delivered);

	filter_stats before, after;
	assert_true(filter_get_stats(rig.filter, &before));
	const char *argv[] = {TDSHM_LOCK_HOLDER_PATH, rig.name, "10000", NULL};
	uint64_t frames_before = harness_frame_count();
	uint32_t total_before = obs_get_total_frames(), lagged_before = obs_get_lagged_frames();
	uint64_t t0 = tdshm_clock_ns();
	int pid = harness_spawn(argv);
	assert_true(pid > 0);
	int status = -1;
	while (!harness_exited(pid, &status) && tdshm_clock_ns() - t0 < 15000000000ull)
		tdshm_sleep_ms(10);
	uint64_t elapsed = tdshm_clock_ns() - t0;
	uint64_t frames = harness_frame_count() - frames_before;
	/* OBS repeats a frame it had no time to render: count those out. */
	uint32_t lagged = obs_get_lagged_frames() - lagged_before;
	uint32_t total = obs_get_total_frames() - total_before;
	assert_int_equal(status, 0);
	assert_true(filter_get_stats(rig.filter, &after));
	double expected = (double)elapsed / 1e9 * FPS;
	double rendered = (double)total - (double)lagged;
	/* And once more after the hold, in case the machine got busier. */
	double delivered_after;
	double base_rate_after = measure_rendered_fps(5000, &delivered_after);
	if (base_rate_after < base_rate)
		base_rate = base_rate_after;
	if (delivered_after < base_delivered)
		base_delivered = delivered_after;
	double baseline = base_rate * elapsed / 1e9;
	double delivered_baseline = base_delivered * elapsed / 1e9;
	print_message("lock held 10 s: OBS rendered %.0f frames in %.2f s (expected %.0f at %d "
		      "fps, %.0f at this machine's rate without the hold; ratio %.3f; %u "
		      "lagged), %llu delivered (%.0f without the hold); %lld frames skipped by the "
		      "filter\n",
		      rendered, elapsed / 1e9, expected, FPS, baseline, rendered / expected, lagged,
		      (unsigned long long)frames, delivered_baseline,
		      after.skipped_locked - before.skipped_locked);
	assert_true(rendered <= 1.05 * expected);
	assert_true(rendered >= 0.95 * (baseline < expected ? baseline : expected));
	/* The raw output delivered as many frames as OBS delivers on this
	 * machine without the hold (a loaded machine delivers fewer than 60
	 * a second with or without it). */
	assert_true((double)frames <= 1.05 * expected);
	assert_true((double)frames >=
		    0.95 * (delivered_baseline < expected ? delivered_baseline : expected));
	/* Nearly every frame rendered while the lock was held was skipped. */
	assert_true(after.skipped_locked - before.skipped_locked >= (long long)(0.8 * rendered));

	/* Released: frames flow again. */
	size_t skip = event_count(&rig.probe);
	expect_pixels(&rig.probe, skip, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* A receiver that dies holding the lock: OBS keeps its frame rate and
	 * the filter gets the lock back once the dead holder is noticed. */
	const char *argv_dead[] = {TDSHM_LOCK_HOLDER_PATH, rig.name, "60000", NULL};
	assert_true(filter_get_stats(rig.filter, &before));
	pid = harness_spawn(argv_dead);
	assert_true(pid > 0);
	uint64_t start = probe_now_ms();
	do {
		assert_true(filter_get_stats(rig.filter, &after));
		tdshm_sleep_ms(5);
	} while (after.skipped_locked == before.skipped_locked && probe_now_ms() - start < 5000);
	assert_true(after.skipped_locked > before.skipped_locked); /* it holds the lock */
	harness_kill(pid, true);
	frames_before = harness_frame_count();
	t0 = tdshm_clock_ns();
	skip = event_count(&rig.probe);
	expect_pixels(&rig.probe, skip, &gradient, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	elapsed = tdshm_clock_ns() - t0;
	frames = harness_frame_count() - frames_before;
	print_message("holder killed with the lock: frames again after %.2f s, %llu OBS frames "
		      "meanwhile (expected %.0f)\n",
		      elapsed / 1e9, (unsigned long long)frames, elapsed / 1e9 * FPS);
	assert_true((double)frames >= 0.9 * (elapsed / 1e9 * FPS) - 2);
	rig_stop(&rig);
}

static void test_only_when_active_and_custom_size(void **state)
{
	(void)state;
	filter_rig rig;
	rig_start(&rig, "flt-active", "{\"pattern\":\"quadrants\",\"width\":64,\"height\":32}",
		  "\"only_when_active\":true");
	assert_true(harness_wait_frames(30, 5000));
	filter_stats st;
	assert_true(filter_get_stats(rig.filter, &st));
	assert_int_equal(st.readbacks, 0);
	assert_int_equal(event_count(&rig.probe), 0);

	harness_set_output(rig.source); /* on program now */
	pattern quad = {"quadrants", 0, 64, 32};
	expect_pixels(&rig.probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* Custom size: scaled to 32x16 (point-sampled quadrants stay exact). */
	size_t skip = event_count(&rig.probe);
	rig_update_filter(
	    &rig, "\"only_when_active\":true,\"custom_size\":true,\"width\":32,\"height\":16");
	probe_wait_frames(&rig.probe, skip, 1, 32, 16, 0, 5000);
	skip = event_count(&rig.probe);
	size_t count = probe_wait_frames(&rig.probe, skip, 4, 32, 16, 0, 5000);
	assert_true(count > 0);
	size_t size = 0;
	uint8_t *seg = probe_segment(&rig.probe, &size);
	assert_non_null(seg);
	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(seg, size, &image, NULL), TDSHM_OK);
	assert_int_equal(image.width, 32);
	assert_int_equal(image.height, 16);
	/* Corners: bottom-left blue is the first pixel in memory; top-right green last row. */
	const uint8_t *first = seg + image.data_offset;
	assert_true(first[0] > 200 && first[1] < 50 && first[2] < 50); /* B,G,R */
	const uint8_t *last = seg + image.data_offset + 15 * image.row_bytes + 31 * 4;
	assert_true(last[0] < 50 && last[1] > 200 && last[2] < 50);
	free(seg);
	harness_set_output(NULL);
	rig_stop(&rig);
}

static bool call_restore(const char *path)
{
	calldata_t cd = {0};
	calldata_set_string(&cd, "path", path);
	assert_true(proc_handler_call(obs_get_proc_handler(), "tdshm_output_restore", &cd));
	bool enabled = calldata_bool(&cd, "enabled");
	calldata_free(&cd);
	return enabled;
}

static bool call_save(const char *path)
{
	calldata_t cd = {0};
	calldata_set_string(&cd, "path", path);
	assert_true(proc_handler_call(obs_get_proc_handler(), "tdshm_output_save", &cd));
	bool saved = calldata_bool(&cd, "saved");
	calldata_free(&cd);
	return saved;
}

static void call_simple(const char *proc, int enabled)
{
	calldata_t cd = {0};
	if (enabled >= 0)
		calldata_set_bool(&cd, "enabled", enabled != 0);
	assert_true(proc_handler_call(obs_get_proc_handler(), proc, &cd));
	calldata_free(&cd);
}

static void test_program_output_start_stop_save_restore(void **state)
{
	(void)state;
	char name[64], path[256], saved[256], json[512];
	tdshm_test_unique_name(name, sizeof(name), "program");
	snprintf(path, sizeof(path), "/tmp/tdshm-output-%u.json", (unsigned)tdshm_process_id());
	snprintf(saved, sizeof(saved), "/tmp/tdshm-output-saved-%u.json",
		 (unsigned)tdshm_process_id());
	remove(saved);

	struct obs_video_info ovi;
	assert_true(obs_get_video_info(&ovi));
	char source_json[128];
	snprintf(source_json, sizeof(source_json),
		 "{\"pattern\":\"quadrants\",\"width\":%u,\"height\":%u}", ovi.base_width,
		 ovi.base_height);
	obs_source_t *source = make_source(source_json);
	harness_set_output(source);
	pattern quad = {"quadrants", 0, ovi.base_width, ovi.base_height};

	/* Missing state file: defaults, not running. */
	assert_false(call_restore("/tmp/tdshm-no-such-file.json"));
	call_simple("tdshm_output_unload", -1);

	/* A state saved while running starts at once (OBS restarted). */
	snprintf(json, sizeof(json), "{\"enabled\":true,\"name\":\"%s\"}", name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	filter_probe probe;
	assert_true(probe_start(&probe, name, 60));
	assert_true(call_restore(path));
	expect_pixels(&probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* Save while running keeps enabled = true. */
	assert_true(call_save(saved));
	obs_data_t *data = obs_data_create_from_json_file(saved);
	assert_non_null(data);
	assert_true(obs_data_get_bool(data, "enabled"));
	assert_string_equal(obs_data_get_string(data, "name"), name);
	obs_data_release(data);

	/* Stop: detach, segments gone. */
	size_t skip = event_count(&probe);
	call_simple("tdshm_output_set_enabled", 0);
	assert_true(probe_wait_gone(&probe, skip, 3000));
	assert_false(info_exists(name));
	/* Start again from the menu. */
	skip = event_count(&probe);
	call_simple("tdshm_output_set_enabled", 1);
	expect_pixels(&probe, skip, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* OBS exit (unload) then start-up with the saved state: running again. */
	skip = event_count(&probe);
	call_simple("tdshm_output_unload", -1);
	assert_true(probe_wait_gone(&probe, skip, 3000));
	assert_false(info_exists(name));
	skip = event_count(&probe);
	assert_true(call_restore(saved));
	expect_pixels(&probe, skip, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);

	/* Stopped at exit: not started next time. */
	call_simple("tdshm_output_set_enabled", 0);
	assert_true(call_save(saved));
	call_simple("tdshm_output_unload", -1);
	assert_false(call_restore(saved));
	assert_false(info_exists(name));
	call_simple("tdshm_output_unload", -1);

	probe_stop(&probe);
	harness_set_output(NULL);
	obs_source_release(source);
	remove(path);
	remove(saved);
	/* obs_data_save_json_safe keeps the previous file as a backup. */
	char backup[300];
	snprintf(backup, sizeof(backup), "%s.bak", saved);
	remove(backup);
}

static void test_bad_names_are_reported_in_the_status(void **state)
{
	(void)state;
	obs_source_t *source = make_source("{\"pattern\":\"solid\",\"width\":8,\"height\":8}");
	char longname[TDSHM_USER_NAME_MAX + 20], json[512];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	json_for(json, sizeof(json), longname, NULL);
	obs_source_t *filter = add_filter(source, json);
	filter_stats st;
	assert_true(wait_stats(filter, &st, 3000, has_error));
	print_message("too long: %s\n", st.status);
	assert_non_null(strstr(st.message, "at most"));

	update_json(filter, "{\"name\":\"a/b\"}");
	uint64_t start = probe_now_ms();
	do {
		assert_true(filter_get_stats(filter, &st));
		tdshm_sleep_ms(5);
	} while (!strstr(st.message, "'/'") && probe_now_ms() - start < 3000);
	print_message("slash: %s\n", st.status);
	assert_non_null(strstr(st.message, "'/'"));

	/* No name: not sending, no error. */
	update_json(filter, "{\"name\":\"\"}");
	start = probe_now_ms();
	do {
		assert_true(filter_get_stats(filter, &st));
		tdshm_sleep_ms(5);
	} while (st.error && probe_now_ms() - start < 3000);
	assert_false(st.error);
	assert_int_equal(st.state, 0); /* stopped */
	assert_int_equal(st.senders_created, 0);
	remove_filter(source, filter);
	obs_source_release(source);
}

static void test_renaming_moves_the_stream_to_the_new_name(void **state)
{
	(void)state;
	char first[64], second[64], json[256];
	tdshm_test_unique_name(first, sizeof(first), "flt-rename");
	tdshm_test_unique_name(second, sizeof(second), "flt-rename");
	obs_source_t *source = make_source("{\"pattern\":\"quadrants\",\"width\":16,\"height\":8}");
	json_for(json, sizeof(json), first, NULL);
	obs_source_t *filter = add_filter(source, json);
	filter_probe old_probe, new_probe;
	assert_true(probe_start(&old_probe, first, 60));
	assert_true(probe_start(&new_probe, second, 60));
	pattern quad = {"quadrants", 0, 16, 8};
	expect_pixels(&old_probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	assert_int_equal(event_count(&new_probe), 0);

	size_t skip = event_count(&old_probe);
	json_for(json, sizeof(json), second, NULL);
	update_json(filter, json);
	assert_true(probe_wait_gone(&old_probe, skip, 3000)); /* old name detached */
	assert_false(info_exists(first));
	expect_pixels(&new_probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	probe_stop(&old_probe);
	probe_stop(&new_probe);
	remove_filter(source, filter);
	obs_source_release(source);
}

static void test_properties_offer_every_setting_and_the_status(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-props");
	obs_source_t *source = make_source("{\"pattern\":\"solid\",\"width\":8,\"height\":8}");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *filter = add_filter(source, json);
	filter_stats st;
	assert_true(wait_stats(filter, &st, 3000, has_sender));

	obs_properties_t *props = obs_source_properties(filter);
	assert_non_null(props);
	const char *keys[] = {"name",   "format",           "flip",        "alpha",
			      "header", "only_when_active", "custom_size", "width",
			      "height", "status",           "refresh"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!obs_properties_get(props, keys[i]))
			print_error("no property '%s'\n", keys[i]);
		assert_non_null(obs_properties_get(props, keys[i]));
	}
	obs_property_t *format = obs_properties_get(props, "format");
	assert_int_equal(obs_property_list_item_count(format), 4);
	const char *values[] = {"bgra8", "rgba8", "rgba16f", "rgba32f"};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(obs_property_list_item_string(format, i), values[i]);
	const char *status = obs_property_long_description(obs_properties_get(props, "status"));
	print_message("status line: %s\n", status);
	assert_non_null(strstr(status, name));
	assert_non_null(strstr(status, "waiting for a TouchDesigner Shared Mem In TOP"));
	obs_properties_destroy(props);

	/* The defaults users' scenes rely on. */
	obs_data_t *defaults = obs_get_source_defaults("tdshm_top_filter");
	assert_string_equal(obs_data_get_string(defaults, "format"), "bgra8");
	assert_true(obs_data_get_bool(defaults, "flip"));
	assert_string_equal(obs_data_get_string(defaults, "alpha"), "premultiplied");
	assert_string_equal(obs_data_get_string(defaults, "header"), "current");
	assert_false(obs_data_get_bool(defaults, "only_when_active"));
	assert_false(obs_data_get_bool(defaults, "custom_size"));
	obs_data_release(defaults);
	remove_filter(source, filter);
	obs_source_release(source);
}

static void test_the_project_receive_tool_gets_the_picture_upright(void **state)
{
	(void)state;
	char name[64], json[256], png_path[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-tool");
	snprintf(png_path, sizeof(png_path), "/tmp/tdshm-filter-tool-%u.png",
		 (unsigned)tdshm_process_id());
	remove(png_path);
	obs_source_t *source =
	    make_source("{\"pattern\":\"quadrants\",\"width\":64,\"height\":48}");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *filter = add_filter(source, json);
	const char *argv[] = {tdshm_test_tool_path(),
			      "receive",
			      name,
			      "--frames",
			      "20",
			      "--png",
			      png_path,
			      "--timeout",
			      "20",
			      NULL};
	int pid = harness_spawn(argv);
	assert_true(pid > 0);
	int status = -1;
	uint64_t start = probe_now_ms();
	while (!harness_exited(pid, &status) && probe_now_ms() - start < 30000)
		tdshm_sleep_ms(10);
	assert_int_equal(status, 0);

	/* The tool writes the picture the right way up (bottom-up rows flipped
	 * back), so the quadrants sit where the source draws them. */
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_file(&image, png_path));
	image.format = PNG_FORMAT_RGBA;
	uint8_t *rgba = malloc(PNG_IMAGE_SIZE(image));
	assert_non_null(rgba);
	assert_true(png_image_finish_read(&image, NULL, rgba, 0, NULL));
	assert_int_equal(image.width, 64);
	assert_int_equal(image.height, 48);
	pattern quad = {"quadrants", 0, 64, 48};
	for (uint32_t y = 0; y < 48; y++)
		for (uint32_t x = 0; x < 64; x++) {
			uint8_t want[4];
			pattern_pixel(&quad, x, y, want);
			assert_memory_equal(rgba + ((size_t)y * 64 + x) * 4, want, 4);
		}
	free(rgba);
	remove(png_path);
	remove_filter(source, filter);
	obs_source_release(source);
}

static void test_name_left_by_a_crashed_sender_is_taken_over(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "flt-crash");
	/* A sender (an OBS or tdshm that crashed) leaves its segments behind. */
	int pid = spawn_tool_sender(name);
	harness_kill(pid, true);
	assert_true(info_exists(name)); /* still there: nobody removed it */

	obs_source_t *source = make_source("{\"pattern\":\"quadrants\",\"width\":16,\"height\":8}");
	json_for(json, sizeof(json), name, NULL);
	obs_source_t *filter = add_filter(source, json);
	filter_stats st;
	assert_true(wait_stats(filter, &st, 5000, has_sender));
	filter_probe probe;
	assert_true(probe_start(&probe, name, 60));
	pattern quad = {"quadrants", 0, 16, 8};
	expect_pixels(&probe, 0, &quad, TDSHM_FMT_B8G8R8A8_UNORM, true, false, 0.0f);
	probe_stop(&probe);
	remove_filter(source, filter);
	assert_false(info_exists(name));
	obs_source_release(source);
}

/* Left sending when OBS shuts down; the teardown checks it detached. */
static char exit_name[64];
static obs_source_t *exit_source;

static void test_filter_left_at_exit_is_attached_now(void **state)
{
	(void)state;
	tdshm_test_unique_name(exit_name, sizeof(exit_name), "flt-exit");
	char json[256];
	json_for(json, sizeof(json), exit_name, NULL);
	exit_source = make_source("{\"pattern\":\"solid\",\"width\":8,\"height\":8}");
	obs_source_t *filter = add_filter(exit_source, json);
	filter_stats st;
	assert_true(wait_stats(filter, &st, 3000, has_sender));
	assert_true(info_exists(exit_name));
	obs_source_release(filter); /* the parent keeps it */
}

static int group_setup(void **state)
{
	(void)state;
	harness_config cfg;
	harness_config_default(&cfg);
	cfg.fps_num = FPS;
	cfg.fps_den = 1;
	return harness_start(&cfg) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	/* exit_source is still referenced, as a scene is when OBS closes:
	 * obs_shutdown destroys it and its filter. */
	(void)exit_source;
	harness_stop();
	/* OBS exit destroyed the filter: detach set, segments unlinked. */
	if (exit_name[0] && info_exists(exit_name)) {
		print_error("'%s' still exists after OBS shut down\n", exit_name);
		return -1;
	}
	return 0;
}

int main(void)
{
	/* TDSHM_TEST_FILTER=pattern runs only the matching tests. */
	if (getenv("TDSHM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("TDSHM_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_with_only_a_name_sends_exact_bgra8_bottom_up_off_program),
	    cmocka_unit_test(test_every_format_arrives_exact_or_within_one_step),
	    cmocka_unit_test(test_flip_off_sends_top_row_first_and_legacy_header_on_request),
	    cmocka_unit_test(test_alpha_is_premultiplied_by_default_and_straight_on_request),
	    cmocka_unit_test(test_no_receiver_means_no_readback_and_attach_resumes_at_once),
	    cmocka_unit_test(test_resize_follows_postfix_with_receiver_and_recreates_without),
	    cmocka_unit_test(test_receiver_before_filter_and_removal_detaches_and_unlinks),
	    cmocka_unit_test(test_same_name_twice_is_an_error_not_two_writers),
	    cmocka_unit_test(test_only_when_active_and_custom_size),
	    cmocka_unit_test(test_program_output_start_stop_save_restore),
	    cmocka_unit_test(test_receiver_holding_the_lock_10s_costs_no_obs_frames),
	    cmocka_unit_test(test_the_project_receive_tool_gets_the_picture_upright),
	    cmocka_unit_test(test_name_left_by_a_crashed_sender_is_taken_over),
	    cmocka_unit_test(test_bad_names_are_reported_in_the_status),
	    cmocka_unit_test(test_properties_offer_every_setting_and_the_status),
	    cmocka_unit_test(test_renaming_moves_the_stream_to_the_new_name),
	    cmocka_unit_test(test_filter_left_at_exit_is_attached_now),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
