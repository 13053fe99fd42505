/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of "TouchDesigner Shared Mem Out" in the headless harness
 * (prints figures; exits non-zero only when it cannot measure). For 1080p
 * and 4K in bgra8, rgba8 and rgba32f, with a receiver attached, per frame:
 *  - the plugin's own work on OBS's graphics thread: take the data lock,
 *    copy the mapped staged frame (rows flipped) into the segment, unlock;
 *  - the baseline: a memcpy of the same number of bytes from the same kind
 *    of memory (a mapped staging surface, gs_stagesurface_map) into the
 *    same kind (a mapped shared-memory segment of the same size), done on
 *    the graphics thread right beside each measured frame, same buffers
 *    every time (warm), median of many;
 *  - the driver's part, reported apart: render-to-texture + stage, and the
 *    map/unmap of the staged frame (on llvmpipe the read-back is CPU work
 *    inside the driver), and the whole capture's graphics-thread time.
 * One table: bytes, memcpy ms, plugin ms, ratio (a ratio under 0.95 would
 * mean the baseline is not the physical limit it claims: a bench bug).
 * Then, with no receiver, read-backs and copies must be zero, and a
 * sustained 60 fps 1080p run (a receiver copying every frame as TD does):
 * OBS's skipped frames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_probe.h"
#include "obs_harness.h"
#include "tdshm/platform.h"
#include "tdshm/top.h"
#include "test_support.h"

#define FPS 60
#define SAMPLES_MAX 400

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), compare_u64);
	return (double)v[n / 2] / 1e6;
}

/* Everything the graphics-thread callback samples, per written frame. */
typedef struct bench_sampler {
	obs_source_t *filter;
	size_t bytes;
	/* the baseline's buffers [GFX after setup] */
	gs_texture_t *texture;
	gs_stagesurf_t *stage;
	tdshm_shm *segment;
	/* samples [GFX; read by main after the callback is removed] */
	long long last_written;
	size_t count, wanted;
	uint64_t write_ns[SAMPLES_MAX], memcpy_ns[SAMPLES_MAX], render_ns[SAMPLES_MAX],
	    map_ns[SAMPLES_MAX], capture_ns[SAMPLES_MAX];
	uint64_t sink;
} bench_sampler;

static long long stat_int(calldata_t *cd, const char *key)
{
	return calldata_int(cd, key);
}

/* Main render callback: after (or before) the filter's capture of the same
 * frame, take its figures, then copy the baseline's bytes once. */
static void bench_sample(void *param, uint32_t cx, uint32_t cy)
{
	(void)cx;
	(void)cy;
	bench_sampler *b = param;
	if (b->count >= b->wanted)
		return;
	calldata_t cd;
	calldata_init(&cd);
	bool ok = proc_handler_call(obs_source_get_proc_handler(b->filter), "get_stats", &cd);
	long long written = ok ? stat_int(&cd, "frames_written") : 0;
	bool one_new = ok && b->last_written && written == b->last_written + 1;
	if (one_new) {
		b->write_ns[b->count] = (uint64_t)stat_int(&cd, "write_ns_last");
		b->map_ns[b->count] = (uint64_t)stat_int(&cd, "map_ns_last");
		b->render_ns[b->count] = (uint64_t)stat_int(&cd, "render_ns_last");
		b->capture_ns[b->count] = (uint64_t)stat_int(&cd, "capture_ns_last");
	}
	b->last_written = written;
	calldata_free(&cd);
	if (!one_new)
		return;
	uint8_t *data = NULL;
	uint32_t linesize = 0;
	if (!gs_stagesurface_map(b->stage, &data, &linesize))
		return;
	uint8_t *to = tdshm_shm_bytes(b->segment) + TDSHM_TOP_V1_SIZE;
	uint64_t start = tdshm_clock_ns();
	memcpy(to, data, b->bytes);
	b->memcpy_ns[b->count] = tdshm_clock_ns() - start;
	b->sink += to[b->bytes - 1];
	gs_stagesurface_unmap(b->stage);
	b->count++;
}

static bool sampler_setup(bench_sampler *b, uint32_t width, uint32_t height,
			  enum gs_color_format format, size_t bytes)
{
	b->bytes = bytes;
	char name[64], full[96];
	tdshm_test_unique_name(name, sizeof(name), "bench-base");
	snprintf(full, sizeof(full), "TouchSHM%s", name);
	tdshm_error err;
	if (tdshm_shm_create(full, bytes + TDSHM_TOP_V1_SIZE, true, &b->segment, &err) !=
	    TDSHM_OK) {
		printf("baseline segment: %s\n", err.message);
		return false;
	}
	memset(tdshm_shm_bytes(b->segment), 0, bytes + TDSHM_TOP_V1_SIZE);
	uint8_t *pixels = malloc(bytes);
	if (!pixels)
		return false;
	for (size_t i = 0; i < bytes; i++)
		pixels[i] = (uint8_t)(i * 7 + (i >> 12));
	obs_enter_graphics();
	const uint8_t *planes[1] = {pixels};
	b->texture = gs_texture_create(width, height, format, 1, planes, 0);
	b->stage = gs_stagesurface_create(width, height, format);
	if (b->texture && b->stage)
		gs_stage_texture(b->stage, b->texture);
	uint8_t *data = NULL;
	uint32_t linesize = 0;
	bool mapped = b->stage && gs_stagesurface_map(b->stage, &data, &linesize);
	if (mapped)
		gs_stagesurface_unmap(b->stage);
	obs_leave_graphics();
	free(pixels);
	if (!mapped || (size_t)linesize * height != bytes) {
		printf("baseline staging surface: %s (linesize %u)\n",
		       mapped ? "rows not packed" : "could not map", linesize);
		return false;
	}
	return true;
}

static void sampler_free(bench_sampler *b)
{
	obs_enter_graphics();
	gs_stagesurface_destroy(b->stage);
	gs_texture_destroy(b->texture);
	obs_leave_graphics();
	tdshm_shm_close_and_remove(b->segment);
}

static obs_source_t *make_filter(obs_source_t *parent, const char *name, const char *format)
{
	char json[256];
	snprintf(json, sizeof(json), "{\"name\":\"%s\",\"format\":\"%s\"}", name, format);
	obs_data_t *settings = obs_data_create_from_json(json);
	obs_source_t *filter = obs_source_create("tdshm_top_filter", "bench out", settings, NULL);
	obs_data_release(settings);
	if (filter)
		obs_source_filter_add(parent, filter);
	return filter;
}

static obs_source_t *make_gradient(uint32_t width, uint32_t height)
{
	char json[128];
	snprintf(json, sizeof(json), "{\"pattern\":\"gradient\",\"width\":%u,\"height\":%u}", width,
		 height);
	return harness_create_source("harness_color_source", "bench gradient", json);
}

static bool wait_written(obs_source_t *filter, long long count, uint32_t timeout_ms)
{
	uint64_t start = probe_now_ms();
	filter_stats st;
	do {
		if (filter_get_stats(filter, &st) && st.frames_written >= count)
			return true;
		tdshm_sleep_ms(10);
	} while (probe_now_ms() - start < timeout_ms);
	return false;
}

/* A filter nobody reads: no read-back, no copy. */
static bool bench_idle(obs_source_t *source, const char *format, filter_stats *idle)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "bench-idle");
	obs_source_t *filter = make_filter(source, name, format);
	if (!filter)
		return false;
	harness_wait_frames(60, 10000);
	filter_get_stats(filter, idle);
	obs_source_filter_remove(source, filter);
	obs_source_release(filter);
	return idle->readbacks == 0 && idle->frames_written == 0 && idle->copy_ns_total == 0;
}

typedef struct bench_row {
	uint32_t width, height;
	const char *format;
	size_t bytes;
	double memcpy_ms, plugin_ms, render_ms, map_ms, capture_ms;
	size_t samples;
	long long idle_frames, skipped_locked;
	bool idle_ok;
} bench_row;

static bool bench_case(bench_row *row, uint32_t width, uint32_t height, const char *format,
		       enum gs_color_format gs_format, uint32_t bpp)
{
	memset(row, 0, sizeof(*row));
	row->width = width;
	row->height = height;
	row->format = format;
	row->bytes = (size_t)width * height * bpp;
	obs_source_t *source = make_gradient(width, height);
	if (!source)
		return false;
	filter_stats idle;
	row->idle_ok = bench_idle(source, format, &idle);
	row->idle_frames = idle.frames_idle;

	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "bench");
	obs_source_t *filter = make_filter(source, name, format);
	filter_probe probe;
	bench_sampler *b = calloc(1, sizeof(*b));
	bool ok = filter && b && probe_start_mode(&probe, name, 120, "--header-only");
	if (ok)
		ok = sampler_setup(b, width, height, gs_format, row->bytes) &&
		     wait_written(filter, 10, 20000);
	if (ok) {
		filter_stats s0, s1;
		filter_get_stats(filter, &s0);
		b->filter = filter;
		b->wanted = width > 2000 ? 60 : 150;
		obs_add_main_render_callback(bench_sample, b);
		uint64_t start = probe_now_ms();
		while (probe_now_ms() - start < 60000) {
			obs_enter_graphics(); /* the callback's own lock order */
			size_t count = b->count;
			obs_leave_graphics();
			if (count >= b->wanted)
				break;
			tdshm_sleep_ms(20);
		}
		obs_remove_main_render_callback(bench_sample, b);
		filter_get_stats(filter, &s1);
		row->skipped_locked = s1.skipped_locked - s0.skipped_locked;
		row->samples = b->count;
		row->memcpy_ms = median_ms(b->memcpy_ns, b->count);
		row->plugin_ms = median_ms(b->write_ns, b->count);
		row->render_ms = median_ms(b->render_ns, b->count);
		row->map_ms = median_ms(b->map_ns, b->count);
		row->capture_ms = median_ms(b->capture_ns, b->count);
		ok = b->count >= 10;
	}
	if (filter) {
		probe_stop(&probe);
		obs_source_filter_remove(source, filter);
		obs_source_release(filter);
	}
	if (b && b->segment)
		sampler_free(b);
	free(b);
	obs_source_release(source);
	if (!ok)
		printf("%ux%u %s: could not measure\n", width, height, format);
	return ok && row->idle_ok;
}

static void print_rows(const bench_row *rows, size_t n)
{
	printf("\nfilter, per frame with a receiver attached (median of the samples; memcpy: the "
	       "same bytes, mapped staging surface -> mapped segment, warm, beside each frame)\n");
	printf("| size | format | bytes | memcpy ms | plugin ms (lock+copy+unlock) | ratio | "
	       "graphics thread ms (whole capture) | driver: render+stage ms | driver: map+unmap "
	       "ms | samples |\n|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const bench_row *r = &rows[i];
		if (!r->samples)
			continue;
		double ratio = r->memcpy_ms > 0 ? r->plugin_ms / r->memcpy_ms : 0;
		printf("| %ux%u | %s | %zu | %.2f | %.2f | %.2fx%s | %.2f | %.2f | %.2f | %zu |\n",
		       r->width, r->height, r->format, r->bytes, r->memcpy_ms, r->plugin_ms, ratio,
		       ratio < 0.95    ? " (BENCH BUG: under 0.95)"
		       : ratio <= 1.25 ? ""
				       : " (over 1.25)",
		       r->capture_ms, r->render_ms, r->map_ms, r->samples);
	}
	for (size_t i = 0; i < n; i++)
		printf("%ux%u %s: no receiver: %s over %lld frames; %lld frames skipped on a busy "
		       "lock while measuring\n",
		       rows[i].width, rows[i].height, rows[i].format,
		       rows[i].idle_ok ? "0 read-backs, 0 copies" : "READ BACK OR COPIED",
		       rows[i].idle_frames, rows[i].skipped_locked);
	fflush(stdout);
}

/* OBS alone with the 1080p source on program, for comparison with (5). */
static void bench_baseline(unsigned seconds)
{
	obs_source_t *source = make_gradient(1920, 1080);
	if (!source)
		return;
	harness_set_output(source);
	harness_wait_frames(60, 5000);
	uint32_t lagged0 = obs_get_lagged_frames(), total0 = obs_get_total_frames();
	tdshm_sleep_ms(seconds * 1000);
	printf("(5a) 1080p at %d fps for %u s without the filter: OBS rendered %u frames, "
	       "lagged (skipped) %u\n",
	       FPS, seconds, obs_get_total_frames() - total0, obs_get_lagged_frames() - lagged0);
	fflush(stdout);
	harness_set_output(NULL);
	obs_source_release(source);
}

static bool bench_sustained(unsigned seconds)
{
	obs_source_t *source = make_gradient(1920, 1080);
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "bench-60");
	obs_source_t *filter = source ? make_filter(source, name, "bgra8") : NULL;
	filter_probe probe;
	if (!filter || !probe_start_mode(&probe, name, seconds + 30, "--no-dump"))
		return false;
	harness_set_output(source);
	bool ok = wait_written(filter, 30, 20000);
	harness_wait_frames(60, 5000);
	filter_stats s0, s1;
	filter_get_stats(filter, &s0);
	uint32_t lagged0 = obs_get_lagged_frames(), total0 = obs_get_total_frames();
	uint64_t frames0 = harness_frame_count(), t0 = tdshm_clock_ns();
	tdshm_sleep_ms(seconds * 1000);
	uint64_t elapsed = tdshm_clock_ns() - t0;
	uint64_t frames = harness_frame_count() - frames0;
	uint32_t lagged = obs_get_lagged_frames() - lagged0;
	uint32_t total = obs_get_total_frames() - total0;
	filter_get_stats(filter, &s1);
	harness_set_output(NULL);
	probe_stop(&probe);
	obs_source_filter_remove(source, filter);
	obs_source_release(filter);
	obs_source_release(source);
	double expected = elapsed / 1e9 * FPS;
	long long written = s1.frames_written - s0.frames_written;
	printf("(5b) 1080p bgra8 at %d fps for %.1f s, receiver copying every frame: OBS rendered "
	       "%u frames, lagged (skipped) %u; %llu frames delivered (expected %.0f, ratio "
	       "%.3f); filter wrote %lld, skipped %lld on a busy lock; per frame: copy %.2f ms, "
	       "render+stage %.2f ms\n",
	       FPS, elapsed / 1e9, total, lagged, (unsigned long long)frames, expected,
	       frames / expected, written, s1.skipped_locked - s0.skipped_locked,
	       written ? (s1.copy_ns_total - s0.copy_ns_total) / 1e6 / written : 0.0,
	       (s1.readbacks - s0.readbacks)
		   ? (s1.render_ns_total - s0.render_ns_total) / 1e6 / (s1.readbacks - s0.readbacks)
		   : 0.0);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 30;
	harness_config cfg;
	harness_config_default(&cfg);
	cfg.width = 1920;
	cfg.height = 1080;
	cfg.fps_num = FPS;
	cfg.fps_den = 1;
	if (!harness_start(&cfg))
		return 1;
	double load[1] = {0};
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load[0]) != 1)
			load[0] = 0;
		fclose(f);
	}
	printf("obs_bench_filter: OBS base 1920x1080 at %d fps on llvmpipe, figures per frame "
	       "(load average %.1f at start)\n",
	       FPS, load[0]);
	bool ok = true;
	bench_row rows[6];
	ok = bench_case(&rows[0], 1920, 1080, "bgra8", GS_BGRA, 4) && ok;
	ok = bench_case(&rows[1], 1920, 1080, "rgba8", GS_RGBA, 4) && ok;
	ok = bench_case(&rows[2], 1920, 1080, "rgba32f", GS_RGBA32F, 16) && ok;
	ok = bench_case(&rows[3], 3840, 2160, "bgra8", GS_BGRA, 4) && ok;
	ok = bench_case(&rows[4], 3840, 2160, "rgba8", GS_RGBA, 4) && ok;
	ok = bench_case(&rows[5], 3840, 2160, "rgba32f", GS_RGBA32F, 16) && ok;
	print_rows(rows, 6);
	bench_baseline(seconds / 3 ? seconds / 3 : 1);
	ok = bench_sustained(seconds) && ok;
	harness_stop();
	return ok ? 0 : 1;
}
