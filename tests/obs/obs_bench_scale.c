/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How the plugin's cost grows with the show (prints figures; exits non-zero
 * only when it cannot measure). In the headless harness, 1080p BGRA8:
 *  - N = 1, 2, 4, 8 "Shared Mem In" sources on program, each fed by its own
 *    `tdshm send` process: per OBS frame, the graphics-thread time of all N
 *    (their video_render: lock + copy + unlock + draw, timed from outside by
 *    harness_timed_source) and the plugin's total (that plus the CPU time
 *    of the sources' own threads, "tdshm-in-connect");
 *  - N = 1, 2, 4 "Shared Mem Out" filters, each with a receiver copying every
 *    frame as TD does: graphics-thread time of the captures, of which the
 *    plugin's own copy (lock + copy + unlock) and the driver's render/stage;
 *  - the slope per added source/filter against one frame's warm memcpy
 *    between the same kinds of memory (shared memory -> mapped texture
 *    upload buffer; mapped staging surface -> shared memory);
 *  - idle: a source waiting for a sender that never comes, with no leftover
 *    objects in /dev/shm and with 10,000 (made here, removed after), and a
 *    hidden source with its sender running: CPU time per second. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "filter_probe.h"
#include "harness_sources.h"
#include "obs_harness.h"
#include "source_helpers.h"
#include "tdshm/platform.h"
#include "tdshm/top.h"
#include "test_support.h"

#define FPS 60
#define WIDTH 1920
#define HEIGHT 1080
#define FRAME_BYTES ((size_t)WIDTH * HEIGHT * 4)
#define MEASURE_MS 2500
#define LEFTOVERS 10000

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* CPU time (ns) of this process's threads whose name starts with prefix
 * (thread names are cut to 15 characters). */
static uint64_t threads_cpu_ns(const char *prefix)
{
	uint64_t total = 0;
	DIR *dir = opendir("/proc/self/task");
	struct dirent *entry;
	while (dir && (entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char path[300], comm[64] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", entry->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool match =
		    fgets(comm, sizeof(comm), f) && strncmp(comm, prefix, strlen(prefix)) == 0;
		fclose(f);
		if (!match)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", entry->d_name);
		f = fopen(path, "r");
		unsigned long long on_cpu = 0;
		if (f && fscanf(f, "%llu", &on_cpu) == 1)
			total += on_cpu;
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return total;
}

static uint64_t process_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

/* ---- baselines: one frame's warm memcpy, median of 15 ------------------- */

/* Three buffer pairs in turn, as the plugin's three staging slots and a
 * sender's fresh frame are: the pages are mapped and faulted in (warm), but
 * the bytes are not all still in the cache from the copy before. */
#define PAIRS 3

static double memcpy_ms(uint8_t *const *to, uint8_t *const *from, size_t bytes)
{
	enum { RUNS = 15 };
	uint64_t runs[RUNS];
	for (int i = 0; i < RUNS; i++) {
		uint64_t start = tdshm_clock_ns();
		memcpy(to[i % PAIRS], from[i % PAIRS], bytes);
		runs[i] = tdshm_clock_ns() - start;
	}
	qsort(runs, RUNS, sizeof(runs[0]), compare_u64);
	return runs[RUNS / 2] / 1e6;
}

/* Shared memory -> a dynamic texture's mapped upload buffer (the source's
 * copy), and a mapped staging surface -> shared memory (the filter's). */
static bool baselines(double *source_ms, double *filter_ms)
{
	tdshm_shm *shm[PAIRS] = {0};
	uint8_t *seg[PAIRS] = {0}, *up[PAIRS] = {0}, *staged[PAIRS] = {0};
	gs_texture_t *tex[PAIRS] = {0};
	gs_stagesurf_t *stage[PAIRS] = {0};
	bool ok = true;
	for (int i = 0; ok && i < PAIRS; i++) {
		char name[64], full[96];
		tdshm_test_unique_name(name, sizeof(name), "scale-base");
		snprintf(full, sizeof(full), "TouchSHM%s", name);
		tdshm_error err;
		ok = tdshm_shm_create(full, FRAME_BYTES + TDSHM_TOP_V1_SIZE, true, &shm[i], &err) ==
		     TDSHM_OK;
		if (ok) {
			seg[i] = tdshm_shm_bytes(shm[i]) + TDSHM_TOP_V1_SIZE;
			memset(seg[i], 0x5a + i, FRAME_BYTES);
		}
	}
	obs_enter_graphics();
	uint32_t linesize = 0;
	for (int i = 0; ok && i < PAIRS; i++) {
		tex[i] = gs_texture_create(WIDTH, HEIGHT, GS_BGRA, 1, NULL, GS_DYNAMIC);
		stage[i] = gs_stagesurface_create(WIDTH, HEIGHT, GS_BGRA);
		ok = tex[i] && stage[i] && gs_texture_map(tex[i], &up[i], &linesize);
	}
	if (ok)
		*source_ms = memcpy_ms(up, seg, FRAME_BYTES);
	for (int i = 0; i < PAIRS; i++)
		if (up[i])
			gs_texture_unmap(tex[i]);
	for (int i = 0; ok && i < PAIRS; i++) {
		gs_stage_texture(stage[i], tex[i]);
		ok = gs_stagesurface_map(stage[i], &staged[i], &linesize);
	}
	if (ok)
		*filter_ms = memcpy_ms(seg, staged, FRAME_BYTES);
	for (int i = 0; i < PAIRS; i++) {
		if (staged[i])
			gs_stagesurface_unmap(stage[i]);
		gs_stagesurface_destroy(stage[i]);
		gs_texture_destroy(tex[i]);
	}
	obs_leave_graphics();
	for (int i = 0; i < PAIRS; i++)
		tdshm_shm_close_and_remove(shm[i]);
	return ok;
}

/* ---- N sources ---------------------------------------------------------- */

typedef struct scale_row {
	int n;
	double graphics_ms; /* per OBS frame, all N together */
	double total_ms;    /* graphics + the plugin's own threads */
	double draw_ms;     /* N plain 1080p image sources drawn instead */
	double fps;         /* frames OBS rendered per second meanwhile */
} scale_row;

/* N harness colour sources (a 1080p texture each) drawn the same way: what
 * any 1080p image costs llvmpipe to draw, for telling the plugin's part. */
static double bench_draw_reference(int n)
{
	enum { MAX = 8 };
	obs_source_t *sources[MAX] = {0}, *timed[MAX] = {0};
	obs_scene_t *scene = obs_scene_create_private("draw scene");
	for (int i = 0; i < n; i++) {
		char label[32], timed_json[64];
		snprintf(label, sizeof(label), "draw-%d", i);
		sources[i] = harness_create_source(
		    "harness_color_source", label,
		    "{\"pattern\":\"gradient\",\"width\":1920,\"height\":1080}");
		snprintf(timed_json, sizeof(timed_json), "{\"child\":\"%s\"}", label);
		snprintf(label, sizeof(label), "draw-timed-%d", i);
		timed[i] = harness_create_source("harness_timed_source", label, timed_json);
		if (timed[i])
			obs_scene_add(scene, timed[i]);
	}
	harness_set_output(obs_scene_get_source(scene));
	harness_wait_frames(10, 10000);
	harness_timing_reset();
	tdshm_sleep_ms(MEASURE_MS / 2);
	harness_timing t;
	harness_timing_get(&t);
	harness_set_output(NULL);
	obs_scene_release(scene);
	for (int i = 0; i < n; i++) {
		if (timed[i])
			obs_source_release(timed[i]);
		if (sources[i])
			obs_source_release(sources[i]);
	}
	double frames = (double)t.renders / n;
	return frames > 0 ? t.total_render_ns / frames / 1e6 : 0;
}

static bool bench_sources(int n, scale_row *row)
{
	enum { MAX = 8 };
	int senders[MAX] = {0};
	obs_source_t *sources[MAX] = {0}, *timed[MAX] = {0};
	obs_scene_t *scene = obs_scene_create_private("scale scene");
	bool ok = scene != NULL;
	char status[1024];
	for (int i = 0; ok && i < n; i++) {
		char name[64], settings[256], label[32], timed_json[64];
		tdshm_test_unique_name(name, sizeof(name), "scale-in");
		senders[i] = source_start_sender(name, "--size", "1920x1080", "--pattern", "bars",
						 "--fps", "60", NULL);
		snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
		snprintf(label, sizeof(label), "scale-in-%d", i);
		sources[i] = harness_create_source("tdshm_top_source", label, settings);
		snprintf(timed_json, sizeof(timed_json), "{\"child\":\"%s\"}", label);
		snprintf(label, sizeof(label), "scale-timed-%d", i);
		timed[i] = harness_create_source("harness_timed_source", label, timed_json);
		ok = senders[i] > 0 && sources[i] && timed[i];
		if (ok)
			obs_scene_add(scene, timed[i]);
	}
	if (ok)
		harness_set_output(obs_scene_get_source(scene));
	for (int i = 0; ok && i < n; i++)
		ok = source_wait_connected(sources[i], 20000, status, sizeof(status));
	if (ok) {
		harness_wait_frames(30, 10000);
		harness_timing_reset();
		uint64_t cpu0 = threads_cpu_ns("tdshm-in-conn"), t0 = tdshm_clock_ns();
		tdshm_sleep_ms(MEASURE_MS);
		harness_timing t;
		harness_timing_get(&t);
		uint64_t cpu = threads_cpu_ns("tdshm-in-conn") - cpu0;
		double seconds = (tdshm_clock_ns() - t0) / 1e9;
		double frames = (double)t.renders / n;
		ok = frames >= 3;
		row->n = n;
		row->graphics_ms = ok ? t.total_render_ns / frames / 1e6 : 0;
		row->total_ms = ok ? (t.total_render_ns + cpu) / frames / 1e6 : 0;
		row->fps = frames / seconds;
	}
	harness_set_output(NULL);
	if (scene)
		obs_scene_release(scene);
	for (int i = 0; i < n; i++) {
		if (timed[i])
			obs_source_release(timed[i]);
		if (sources[i])
			obs_source_release(sources[i]);
		if (senders[i] > 0)
			harness_kill(senders[i], false);
	}
	if (!ok)
		printf("%d sources: could not measure (%s)\n", n, status);
	if (ok)
		row->draw_ms = bench_draw_reference(n);
	return ok;
}

/* ---- N filters ---------------------------------------------------------- */

typedef struct writer_sums {
	long long write_ns, capture_ns, captures, written, render_ns, map_ns;
} writer_sums;

static bool writer_sums_get(obs_source_t *filter, writer_sums *out)
{
	calldata_t cd;
	calldata_init(&cd);
	bool ok = proc_handler_call(obs_source_get_proc_handler(filter), "get_stats", &cd);
	out->write_ns = calldata_int(&cd, "write_ns_total");
	out->capture_ns = calldata_int(&cd, "capture_ns_total");
	out->captures = calldata_int(&cd, "captures");
	out->written = calldata_int(&cd, "frames_written");
	out->render_ns = calldata_int(&cd, "render_ns_total");
	out->map_ns = calldata_int(&cd, "map_ns_total");
	calldata_free(&cd);
	return ok;
}

typedef struct filter_row {
	int n;
	double graphics_ms; /* all captures of one frame */
	double own_ms;      /* of which the plugin's copies */
	double driver_ms;   /* of which render + stage + map (llvmpipe) */
	double fps;
} filter_row;

static bool bench_filters(int n, filter_row *row)
{
	enum { MAX = 4 };
	obs_source_t *sources[MAX] = {0}, *filters[MAX] = {0};
	filter_probe probes[MAX];
	bool probing[MAX] = {0};
	bool ok = true;
	for (int i = 0; ok && i < n; i++) {
		char name[64], json[256], label[32];
		tdshm_test_unique_name(name, sizeof(name), "scale-out");
		snprintf(label, sizeof(label), "scale-gradient-%d", i);
		sources[i] = harness_create_source(
		    "harness_color_source", label,
		    "{\"pattern\":\"gradient\",\"width\":1920,\"height\":1080}");
		snprintf(json, sizeof(json), "{\"name\":\"%s\"}", name);
		obs_data_t *settings = obs_data_create_from_json(json);
		snprintf(label, sizeof(label), "scale-out-%d", i);
		filters[i] = obs_source_create("tdshm_top_filter", label, settings, NULL);
		obs_data_release(settings);
		ok = sources[i] && filters[i];
		if (ok) {
			obs_source_filter_add(sources[i], filters[i]);
			probing[i] = probe_start_mode(&probes[i], name, 120, "--no-dump");
			ok = probing[i];
		}
	}
	for (int i = 0; ok && i < n; i++) {
		uint64_t start = probe_now_ms();
		writer_sums s;
		do {
			tdshm_sleep_ms(20);
		} while (writer_sums_get(filters[i], &s) && s.written < 10 &&
			 probe_now_ms() - start < 30000);
		ok = s.written >= 10;
	}
	if (ok) {
		writer_sums before[MAX], after[MAX];
		for (int i = 0; i < n; i++)
			writer_sums_get(filters[i], &before[i]);
		uint64_t t0 = tdshm_clock_ns();
		tdshm_sleep_ms(MEASURE_MS);
		double seconds = (tdshm_clock_ns() - t0) / 1e9;
		double graphics = 0, own = 0, driver = 0, frames = 0;
		for (int i = 0; i < n; i++) {
			writer_sums_get(filters[i], &after[i]);
			long long captures = after[i].captures - before[i].captures;
			long long written = after[i].written - before[i].written;
			if (captures <= 0 || written <= 0) {
				ok = false;
				continue;
			}
			graphics += (double)(after[i].capture_ns - before[i].capture_ns) / captures;
			own += (double)(after[i].write_ns - before[i].write_ns) / written;
			driver += (double)(after[i].render_ns - before[i].render_ns +
					   after[i].map_ns - before[i].map_ns) /
				  captures;
			frames += (double)captures / n;
		}
		row->n = n;
		row->graphics_ms = graphics / 1e6;
		row->own_ms = own / 1e6;
		row->driver_ms = driver / 1e6;
		row->fps = frames / seconds;
	}
	for (int i = 0; i < n; i++) {
		if (probing[i])
			probe_stop(&probes[i]);
		if (filters[i]) {
			obs_source_filter_remove(sources[i], filters[i]);
			obs_source_release(filters[i]);
		}
		if (sources[i])
			obs_source_release(sources[i]);
	}
	if (!ok)
		printf("%d filters: could not measure\n", n);
	return ok;
}

/* ---- idle --------------------------------------------------------------- */

static char leftover_stem[64];

static void leftovers_remove(int count)
{
	for (int i = 0; i < count; i++) {
		char path[160];
		snprintf(path, sizeof(path), "/dev/shm/%s%d", leftover_stem, i);
		unlink(path);
	}
}

/* As many objects as a machine that ran many senders may hold: segments
 * of other names (TouchSHM...), empty, as crashed programs leave them. */
static int leftovers_make(int count)
{
	snprintf(leftover_stem, sizeof(leftover_stem), "TouchSHMscaleleft%d-",
		 (int)getpid() % 100000);
	for (int i = 0; i < count; i++) {
		char path[160];
		snprintf(path, sizeof(path), "/dev/shm/%s%d", leftover_stem, i);
		int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (fd < 0) {
			leftovers_remove(i);
			return 0;
		}
		close(fd);
	}
	return count;
}

/* CPU per second of the source's own thread and of the whole process,
 * and its graphics-thread time per frame. */
static void idle_measure(double *worker_ms_s, double *process_ms_s, double *render_us)
{
	harness_timing_reset();
	uint64_t w0 = threads_cpu_ns("tdshm-in-conn"), p0 = process_cpu_ns();
	uint64_t t0 = tdshm_clock_ns();
	tdshm_sleep_ms(MEASURE_MS + 500);
	double seconds = (tdshm_clock_ns() - t0) / 1e9;
	harness_timing t;
	harness_timing_get(&t);
	*worker_ms_s = (threads_cpu_ns("tdshm-in-conn") - w0) / 1e6 / seconds;
	*process_ms_s = (process_cpu_ns() - p0) / 1e6 / seconds;
	*render_us = t.renders ? t.total_render_ns / 1e3 / t.renders : 0;
}

static bool bench_idle(void)
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "scale-missing");
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *source = harness_create_source("tdshm_top_source", "idle-in", settings);
	obs_source_t *timed =
	    harness_create_source("harness_timed_source", "idle-timed", "{\"child\":\"idle-in\"}");
	if (!source || !timed)
		return false;
	harness_set_output(timed);
	harness_wait_frames(30, 10000);

	double w_none, p_none, r_none, w_many, p_many, r_many;
	idle_measure(&w_none, &p_none, &r_none);
	uint64_t t0 = tdshm_clock_ns();
	int made = leftovers_make(LEFTOVERS);
	double make_s = (tdshm_clock_ns() - t0) / 1e9;
	harness_wait_frames(30, 10000);
	idle_measure(&w_many, &p_many, &r_many);
	leftovers_remove(made);
	harness_set_output(NULL);
	obs_source_release(timed);
	obs_source_release(source);

	/* Hidden: connected to a running sender, shown nowhere. */
	tdshm_test_unique_name(name, sizeof(name), "scale-hidden");
	int sender = source_start_sender(name, "--size", "1920x1080", "--pattern", "bars", NULL);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	source = harness_create_source("tdshm_top_source", "hidden-in", settings);
	double w_hidden = 0, p_hidden = 0, r_hidden = 0;
	if (sender > 0 && source) {
		tdshm_sleep_ms(1500); /* past the hide-then-disconnect delay */
		idle_measure(&w_hidden, &p_hidden, &r_hidden);
	}
	if (source)
		obs_source_release(source);
	if (sender > 0)
		harness_kill(sender, false);

	printf("\nidle, CPU time per second (the source's own thread; the whole OBS process "
	       "for scale), graphics-thread time per frame\n");
	printf("| case | source thread ms/s | process ms/s | video_render us/frame |\n"
	       "|---|---|---|---|\n");
	printf("| waiting for a missing sender, no leftover objects | %.2f | %.1f | %.1f |\n",
	       w_none, p_none, r_none);
	printf("| waiting for a missing sender, %d leftover objects in /dev/shm | %.2f | %.1f | "
	       "%.1f |\n",
	       made, w_many, p_many, r_many);
	printf("| hidden, its sender running | %.2f | %.1f | - |\n", w_hidden, p_hidden);
	printf("(%d leftover objects made in %.2f s and removed; with them the source's thread "
	       "costs %.2fx)\n",
	       made, make_s, w_none > 0 ? w_many / w_none : 0);
	return made == LEFTOVERS;
}

/* Least-squares slope of y over n (every point counts, not just the ends). */
static double fit_slope(const int *n, const double *y, int count)
{
	double sn = 0, sy = 0, snn = 0, sny = 0;
	for (int i = 0; i < count; i++) {
		sn += n[i];
		sy += y[i];
		snn += (double)n[i] * n[i];
		sny += n[i] * y[i];
	}
	double d = count * snn - sn * sn;
	return d != 0 ? (count * sny - sn * sy) / d : 0;
}

static void print_slope(const char *what, const int *n, const double *y, int count, double copy_ms)
{
	double slope = fit_slope(n, y, count);
	printf("%s: slope %.2f ms per added one = %.2fx one frame's memcpy (%.2f ms)\n", what,
	       slope, copy_ms > 0 ? slope / copy_ms : 0, copy_ms);
}

int main(void)
{
	harness_config cfg;
	harness_config_default(&cfg);
	cfg.width = WIDTH;
	cfg.height = HEIGHT;
	cfg.fps_num = FPS;
	cfg.fps_den = 1;
	if (!harness_start(&cfg))
		return 1;
	uint64_t start = tdshm_clock_ns();
	double source_copy = 0, filter_copy = 0;
	bool ok = baselines(&source_copy, &filter_copy);
	printf("obs_bench_scale: OBS base %dx%d at %d fps on llvmpipe, 1080p BGRA8 (%zu bytes); "
	       "one frame's warm memcpy (3 buffer pairs in turn): shared memory -> texture upload "
	       "%.2f ms, staging -> shared memory %.2f ms\n",
	       WIDTH, HEIGHT, FPS, FRAME_BYTES, source_copy, filter_copy);

	static const int source_counts[] = {1, 2, 4, 8};
	scale_row srows[4];
	int sdone = 0;
	for (int i = 0; i < 4; i++)
		if (bench_sources(source_counts[i], &srows[sdone]))
			sdone++;
		else
			ok = false;
	printf(
	    "\nN sources on program, each its own `tdshm send` at 1080p, per OBS frame (draw "
	    "reference: N plain 1080p image sources drawn the same way)\n"
	    "| N | graphics thread ms (all N) | plugin total ms (+ its threads) | draw reference "
	    "ms | plugin beyond the draw, per source ms | OBS fps |\n|---|---|---|---|---|---|\n");
	int sn[4];
	double sg[4], st[4], sb[4];
	for (int i = 0; i < sdone; i++) {
		const scale_row *r = &srows[i];
		sn[i] = r->n;
		sg[i] = r->graphics_ms;
		st[i] = r->total_ms;
		sb[i] = r->total_ms - r->draw_ms;
		printf("| %d | %.2f | %.2f | %.2f | %.2f | %.1f |\n", r->n, r->graphics_ms,
		       r->total_ms, r->draw_ms, sb[i] / r->n, r->fps);
	}
	if (sdone >= 2) {
		print_slope("sources, graphics thread", sn, sg, sdone, source_copy);
		print_slope("sources, plugin total", sn, st, sdone, source_copy);
		print_slope("sources, plugin total beyond the draw", sn, sb, sdone, source_copy);
	}

	static const int filter_counts[] = {1, 2, 4};
	filter_row frows[3];
	int fdone = 0;
	for (int i = 0; i < 3; i++)
		if (bench_filters(filter_counts[i], &frows[fdone]))
			fdone++;
		else
			ok = false;
	printf("\nN filters, each on its own 1080p source with a receiver copying every frame, "
	       "per OBS frame\n| N | graphics thread ms (all captures) | plugin's copies ms | "
	       "driver (render+stage+map) ms | OBS fps |\n|---|---|---|---|---|\n");
	int fn[3];
	double fg[3], fo[3];
	for (int i = 0; i < fdone; i++) {
		fn[i] = frows[i].n;
		fg[i] = frows[i].graphics_ms;
		fo[i] = frows[i].own_ms;
		printf("| %d | %.2f | %.2f | %.2f | %.1f |\n", frows[i].n, frows[i].graphics_ms,
		       frows[i].own_ms, frows[i].driver_ms, frows[i].fps);
	}
	if (fdone >= 2) {
		print_slope("filters, plugin's copies", fn, fo, fdone, filter_copy);
		print_slope("filters, graphics thread", fn, fg, fdone, filter_copy);
	}

	ok = bench_idle() && ok;
	printf("obs_bench_scale: %.0f s\n", (tdshm_clock_ns() - start) / 1e9);
	harness_stop();
	return ok ? 0 : 1;
}
