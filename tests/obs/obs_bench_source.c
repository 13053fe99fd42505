/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the "TouchDesigner Shared Mem In" source costs, measured on the real
 * source (the module loaded in libobs, fed by an in-process sender, drawn by
 * OBS's own graphics thread), next to the physical limit: one warm memcpy of
 * the same bytes from the same shared memory into the same kind of memory
 * the plugin copies into, interleaved frame by frame with the measured
 * frames, medians of many. Prints figures; never pass/fail
 * (tests/ci/stage-obs.sh runs it as a report).
 *
 * The per-frame times come from the source's own "get_timing" proc
 * (plugin/source-timing.h): collected only while the bench turns it on. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <util/platform.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "test_support.h"
#include "tdshm/pixel_convert.h"
#include "tdshm/receiver.h"

#define WARMUP 4
#define FRAMES 41

typedef struct bench_case {
	const char *label;
	uint32_t width, height;
	const char *format;
	enum gs_color_format gs_format;
} bench_case;

static const bench_case cases[] = {
    {"1080p BGRA8", 1920, 1080, "bgra8", GS_BGRA},
    {"1080p RGBA32F", 1920, 1080, "rgba32f", GS_RGBA32F},
    {"4K BGRA8", 3840, 2160, "bgra8", GS_BGRA},
    {"4K RGBA32F", 3840, 2160, "rgba32f", GS_RGBA32F},
};
#define CASES (sizeof(cases) / sizeof(cases[0]))

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(double));
	memcpy(c, v, n * sizeof(double));
	qsort(c, n, sizeof(double), compare_double);
	double m = n ? c[n / 2] : 0.0;
	free(c);
	return m;
}

/* ---- the source's timing proc ------------------------------------------ */

typedef struct timing {
	long long frames, lock_ns, map_ns, copy_ns, unmap_ns, unlock_ns, render_ns;
} timing;

static void timing_enable(obs_source_t *source, bool on)
{
	calldata_t cd = {0};
	calldata_set_bool(&cd, "enabled", on);
	proc_handler_call(obs_source_get_proc_handler(source), "set_timing", &cd);
	calldata_free(&cd);
}

static timing timing_get(obs_source_t *source)
{
	calldata_t cd = {0};
	timing t = {0};
	proc_handler_call(obs_source_get_proc_handler(source), "get_timing", &cd);
	t.frames = calldata_int(&cd, "frames");
	t.lock_ns = calldata_int(&cd, "lock_ns");
	t.map_ns = calldata_int(&cd, "map_ns");
	t.copy_ns = calldata_int(&cd, "copy_ns");
	t.unmap_ns = calldata_int(&cd, "unmap_ns");
	t.unlock_ns = calldata_int(&cd, "unlock_ns");
	t.render_ns = calldata_int(&cd, "render_ns");
	calldata_free(&cd);
	return t;
}

/* Waits (10 s at most: the machine may be loaded) until the source has
 * timed one more frame than before. */
static bool timing_wait_next(obs_source_t *source, const timing *before, timing *after)
{
	for (int i = 0; i < 10000; i++) {
		*after = timing_get(source);
		if (after->frames > before->frames)
			return true;
		os_sleep_ms(1);
	}
	return false;
}

/* ---- threads of this process, by name ----------------------------------- */

/* The tid of the first thread whose name starts with prefix, or 0. */
static pid_t thread_named(const char *prefix)
{
	DIR *dir = opendir("/proc/self/task");
	pid_t found = 0;
	struct dirent *e;
	while (dir && !found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], comm[64] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f) &&
			    strncmp(comm, prefix, strlen(prefix)) == 0)
				found = (pid_t)atoi(e->d_name);
			fclose(f);
		}
	}
	if (dir)
		closedir(dir);
	return found;
}

/* CPU ns of thread tid of this process: Linux's per-thread CPU clock, whose
 * id glibc's pthread_getcpuclockid builds the same way from the tid. */
static double thread_cpu_ns(pid_t tid)
{
	struct timespec ts;
	clockid_t clock = (clockid_t)((~(unsigned)tid) << 3) | 4 /* per thread */ | 2 /* sched */;
	if (!tid || clock_gettime(clock, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double process_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Minor page faults of thread tid so far (field 10 of its stat). */
static long long thread_minor_faults(pid_t tid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long long faults = 0;
	if (fgets(line, sizeof(line), f)) {
		const char *p = strrchr(line, ')'); /* the name may hold spaces */
		int field = 2;
		while (p && *p && field < 10) {
			if (*p++ == ' ')
				field++;
		}
		if (p)
			faults = atoll(p);
	}
	fclose(f);
	return faults;
}

/* ---- the measured frames ------------------------------------------------ */

typedef struct case_result {
	size_t bytes;
	double memcpy_ms, plugin_ms, copy_ms, lock_ms, driver_ms, render_ms, faults;
	double out_ms; /* async: OBS's own copy (obs_source_output_video) */
	double ratio;  /* median of each frame's plugin / its own memcpy */
	bool ok;
} case_result;

/* Frames of 8 MB and more fit the caches in part (32 MB of L3 here), so
 * which copy finds its bytes cached would decide the ratio: before the
 * baseline and before each measured frame the bench reads a buffer twice
 * the size of any cache, and both copies start from memory. */
#define EVICT_BYTES (96u << 20)
static uint8_t *evict_buffer;

static void caches_evict(void)
{
	if (!evict_buffer) {
		evict_buffer = malloc(EVICT_BYTES);
		memset(evict_buffer, 1, EVICT_BYTES);
	}
	volatile uint64_t sum = 0;
	uint64_t s = 0;
	for (size_t i = 0; i < EVICT_BYTES; i += 64)
		s += evict_buffer[i];
	sum = s;
	(void)sum;
}

/* The physical limit: a warm copy (no page faults) of the frame from the
 * shared memory into dst, each from memory, the fastest of: one memcpy,
 * memcpy row by row, and (x86) a plain streaming copy. */
static double baseline_ms(tdshm_receiver *receiver, uint8_t *dst, size_t frame_bytes,
			  size_t row_bytes)
{
	const uint8_t *bytes;
	size_t size;
	tdshm_top_image image;
	tdshm_error err;
	if (tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err) != TDSHM_OK)
		return 0.0;
	double ms = 0.0;
	if (tdshm_top_parse(bytes, size, &image, &err) == TDSHM_OK) {
		const uint8_t *src = bytes + image.data_offset;
		caches_evict();
		uint64_t t0 = os_gettime_ns();
		memcpy(dst, src, frame_bytes);
		ms = (double)(os_gettime_ns() - t0) / 1e6;
		caches_evict();
		t0 = os_gettime_ns();
		for (size_t off = 0; off + row_bytes <= frame_bytes; off += row_bytes)
			memcpy(dst + off, src + frame_bytes - row_bytes - off, row_bytes);
		double rows_ms = (double)(os_gettime_ns() - t0) / 1e6;
		ms = rows_ms < ms ? rows_ms : ms;
		/* A streaming copy (stores around the caches; a plain memcpy
		 * where the CPU has none): the same routine the source uses. */
		caches_evict();
		t0 = os_gettime_ns();
		tdshm_copy_streaming(dst, src, frame_bytes);
		double stream_ms = (double)(os_gettime_ns() - t0) / 1e6;
		ms = stream_ms < ms ? stream_ms : ms;
	}
	tdshm_receiver_end_read(receiver);
	return ms;
}

/* Publishes the same image again as a new frame (the serial moves). */
static bool sender_bump(tdshm_sender *sender)
{
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	if (tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err) != TDSHM_OK)
		return false;
	tdshm_sender_end_write(sender);
	return true;
}

/* ---- the sync path's interleaving, on OBS's graphics thread ------------- */

/* A bench-only source that draws the tdshm source as its child. When armed,
 * its render first times the baseline copy, then publishes a new frame and
 * lets the child render it: baseline and plugin copy on the same thread,
 * in the same frame, from the same memory state. All fields: set by the
 * bench with the source off the output, or under mutex. */
static struct bench_wrap {
	pthread_mutex_t mutex;
	obs_source_t *child;
	tdshm_receiver *receiver;
	tdshm_sender *sender;
	uint8_t *dst;
	size_t frame_bytes, row_bytes;
	gs_texture_t *tiny; /* for llvmpipe_finish: staged and read back */
	gs_stagesurf_t *stage;
	bool armed;     /* the next render measures */
	double base_ms; /* what it measured (< 0: the bump failed) */
	bool done;
} wrap = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static bool sender_bump(tdshm_sender *sender);
static double baseline_ms(tdshm_receiver *receiver, uint8_t *dst, size_t frame_bytes,
			  size_t row_bytes);
static void caches_evict(void);

static const char *wrap_name(void *unused)
{
	(void)unused;
	return "bench wrapper";
}

static void *wrap_create(obs_data_t *settings, obs_source_t *source)
{
	(void)settings;
	return source;
}

static void wrap_destroy(void *data)
{
	(void)data;
}

static uint32_t wrap_width(void *data)
{
	(void)data;
	return wrap.child ? obs_source_get_width(wrap.child) : 0;
}

static uint32_t wrap_height(void *data)
{
	(void)data;
	return wrap.child ? obs_source_get_height(wrap.child) : 0;
}

/* Waits until llvmpipe's threads have done all the work queued so far (a
 * read-back waits for it): the plugin's map does the same before its copy,
 * so neither copy races the rasterizer. */
static void llvmpipe_finish(void)
{
	if (!wrap.tiny) {
		wrap.tiny = gs_texture_create(16, 16, GS_RGBA, 1, NULL, 0);
		wrap.stage = gs_stagesurface_create(16, 16, GS_RGBA);
	}
	uint8_t *data;
	uint32_t linesize;
	if (wrap.tiny && wrap.stage) {
		gs_stage_texture(wrap.stage, wrap.tiny);
		if (gs_stagesurface_map(wrap.stage, &data, &linesize))
			gs_stagesurface_unmap(wrap.stage);
	}
}

static void wrap_render(void *data, gs_effect_t *effect)
{
	(void)data;
	(void)effect;
	pthread_mutex_lock(&wrap.mutex);
	if (wrap.armed) {
		llvmpipe_finish();
		wrap.base_ms =
		    baseline_ms(wrap.receiver, wrap.dst, wrap.frame_bytes, wrap.row_bytes);
		if (!sender_bump(wrap.sender))
			wrap.base_ms = -1.0;
		caches_evict();
		wrap.armed = false;
		wrap.done = true;
	}
	pthread_mutex_unlock(&wrap.mutex);
	if (wrap.child)
		obs_source_video_render(wrap.child);
}

static void wrap_enum(void *data, obs_source_enum_proc_t cb, void *param)
{
	if (wrap.child)
		cb((obs_source_t *)data, wrap.child, param);
}

static struct obs_source_info wrap_info = {
    .id = "bench_source_wrapper",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_VIDEO | OBS_SOURCE_CUSTOM_DRAW,
    .get_name = wrap_name,
    .create = wrap_create,
    .destroy = wrap_destroy,
    .get_width = wrap_width,
    .get_height = wrap_height,
    .video_render = wrap_render,
    .enum_active_sources = wrap_enum,
};

/* Arms the wrapper and waits for its measurement; the baseline ms, or < 0. */
static double wrap_measure(void)
{
	pthread_mutex_lock(&wrap.mutex);
	wrap.done = false;
	wrap.armed = true;
	pthread_mutex_unlock(&wrap.mutex);
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&wrap.mutex);
		bool done = wrap.done;
		double ms = wrap.base_ms;
		pthread_mutex_unlock(&wrap.mutex);
		if (done)
			return ms;
		os_sleep_ms(1);
	}
	pthread_mutex_lock(&wrap.mutex);
	wrap.armed = false;
	pthread_mutex_unlock(&wrap.mutex);
	return -1.0;
}

static void bench_case_run(const bench_case *c, bool async, case_result *r)
{
	memset(r, 0, sizeof(*r));
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), async ? "obs-bench-async" : "obs-bench");
	const size_t frame_bytes =
	    (size_t)c->width * c->height * tdshm_pixel_format_by_name(c->format)->bytes_per_pixel;
	r->bytes = frame_bytes;
	tdshm_sender *sender = source_sender_create(name, 4096);
	if (!sender || !source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, c->width,
						    c->height, c->format)) {
		printf("%-14s could not create the sender\n", c->label);
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		return;
	}
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\",\"async\":%s}", name,
		 async ? "true" : "false");
	obs_source_t *source = harness_create_source("tdshm_top_source", "bench", settings);
	obs_source_t *wrapper = NULL;
	if (async) {
		harness_set_output(source);
	} else {
		wrap.child = source;
		wrapper = harness_create_source("bench_source_wrapper", "bench wrapper", NULL);
		harness_set_output(wrapper);
	}
	char status[1024];
	tdshm_receiver *receiver = NULL;
	tdshm_error err;
	gs_texture_t *texture = NULL;
	uint8_t *dst = NULL, *heap = NULL;
	double *v = calloc(9 * (size_t)FRAMES, sizeof(double));
	double *t_memcpy = v, *t_plugin = v + FRAMES, *t_copy = v + 2 * FRAMES,
	       *t_lock = v + 3 * FRAMES, *t_driver = v + 4 * FRAMES, *t_render = v + 5 * FRAMES,
	       *t_faults = v + 6 * FRAMES, *t_out = v + 7 * FRAMES, *t_ratio = v + 8 * FRAMES;
	if (!source || !source_wait_connected(source, 10000, status, sizeof(status))) {
		printf("%-14s %s\n", c->label, source ? status : "no source");
		goto done;
	}
	if (tdshm_receiver_create(name, NULL, &receiver, &err) != TDSHM_OK) {
		printf("%-14s receiver: %s\n", c->label, err.message);
		goto done;
	}
	if (async) {
		/* OBS's async frames live in plain heap memory. */
		heap = malloc(frame_bytes);
		memset(heap, 1, frame_bytes);
		dst = heap;
	} else {
		/* The same kind of texture as the source's, its upload buffer
		 * mapped once for the whole run: every copy into it is warm. */
		uint32_t linesize = 0;
		obs_enter_graphics();
		texture = gs_texture_create(c->width, c->height, c->gs_format, 1, NULL, GS_DYNAMIC);
		if (texture && !gs_texture_map(texture, &dst, &linesize))
			dst = NULL;
		obs_leave_graphics();
		if (!dst || (size_t)linesize * c->height < frame_bytes) {
			printf("%-14s cannot map a texture\n", c->label);
			dst = NULL;
			goto done;
		}
	}
	timing_enable(source, true);
	pid_t gfx = thread_named(async ? "tdshm-in-async" : "libobs: graph");
	pthread_mutex_lock(&wrap.mutex);
	wrap.receiver = receiver;
	wrap.sender = sender;
	wrap.dst = dst;
	wrap.frame_bytes = frame_bytes;
	wrap.row_bytes = frame_bytes / c->height;
	pthread_mutex_unlock(&wrap.mutex);
	int n = 0, missed = 0;
	for (int i = 0; i < WARMUP + FRAMES && n < FRAMES && missed < 3; i++) {
		timing before = timing_get(source), after;
		long long faults = thread_minor_faults(gfx);
		double base;
		if (async) {
			/* The async thread's copy races OBS's rendering; so does
			 * its baseline, on this thread. */
			base = baseline_ms(receiver, dst, frame_bytes, frame_bytes / c->height);
			caches_evict();
			if (!sender_bump(sender))
				base = -1.0;
		} else {
			/* On the graphics thread, just before the source's render. */
			base = wrap_measure();
		}
		if (base < 0.0 || !timing_wait_next(source, &before, &after)) {
			printf("%-14s no frame arrived within 10 s\n", c->label);
			missed++;
			continue;
		}
		faults = thread_minor_faults(gfx) - faults;
		if (i < WARMUP)
			continue;
		const double k = 1e6 * (double)(after.frames - before.frames);
		t_memcpy[n] = base;
		t_copy[n] = (double)(after.copy_ns - before.copy_ns) / k;
		t_lock[n] = (double)(after.lock_ns - before.lock_ns) / k;
		t_render[n] = (double)(after.render_ns - before.render_ns) / k;
		t_driver[n] =
		    (double)(after.map_ns - before.map_ns + after.unmap_ns - before.unmap_ns) / k;
		t_out[n] = (double)(after.unmap_ns - before.unmap_ns) / k;
		/* sync: the graphics thread's hold without the driver's map and
		 * unmap; async: our own pass (OBS's copy reported apart) */
		t_plugin[n] = async ? t_copy[n] : t_render[n] - t_driver[n];
		t_faults[n] = (double)faults / (double)(after.frames - before.frames);
		/* each frame against its own baseline: the load of the machine
		 * moves both alike */
		t_ratio[n] = base > 0.0 ? t_plugin[n] / base : 0.0;
		n++;
	}
	if (n > 0) {
		r->memcpy_ms = median(t_memcpy, (size_t)n);
		r->plugin_ms = median(t_plugin, (size_t)n);
		r->copy_ms = median(t_copy, (size_t)n);
		r->lock_ms = median(t_lock, (size_t)n);
		r->driver_ms = median(t_driver, (size_t)n);
		r->render_ms = median(t_render, (size_t)n);
		r->faults = median(t_faults, (size_t)n);
		r->out_ms = median(t_out, (size_t)n);
		r->ratio = median(t_ratio, (size_t)n);
		r->ok = true;
	}
done:
	if (texture) {
		obs_enter_graphics();
		if (dst)
			gs_texture_unmap(texture);
		gs_texture_destroy(texture);
		obs_leave_graphics();
	}
	free(heap);
	free(v);
	harness_set_output(NULL);
	obs_source_release(wrapper);
	pthread_mutex_lock(&wrap.mutex);
	wrap.child = NULL;
	wrap.receiver = NULL;
	wrap.sender = NULL;
	wrap.dst = NULL;
	pthread_mutex_unlock(&wrap.mutex);
	tdshm_receiver_destroy(receiver);
	obs_source_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

static void bench_sync(void)
{
	printf("\nsource, sync path: per frame on OBS's graphics thread, median of %d, ms\n"
	       "  memcpy = one warm copy of the frame, shared memory -> a mapped texture "
	       "upload buffer (the fastest of memcpy, memcpy per row, a streaming copy)\n"
	       "  plugin = lock + copy + unlock + draw (the video_render minus the driver's "
	       "map/unmap)\n",
	       FRAMES);
	printf("| case | bytes | memcpy ms | plugin ms | ratio | of which copy ms | driver "
	       "map+unmap ms | whole render ms | page faults/frame |\n"
	       "|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < CASES; i++) {
		case_result r;
		bench_case_run(&cases[i], false, &r);
		if (!r.ok)
			continue;
		printf("| %s | %zu | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2f | %.0f |\n",
		       cases[i].label, r.bytes, r.memcpy_ms, r.plugin_ms, r.ratio, r.copy_ms,
		       r.driver_ms, r.render_ms, r.faults);
		fflush(stdout);
	}
}

static void bench_async(void)
{
	printf("\nsource, async path: per frame on the source's async thread, median of %d, ms\n"
	       "  memcpy = one warm copy of the shared-memory frame into heap memory (the "
	       "fastest of memcpy, memcpy per row, a streaming copy)\n"
	       "  plugin = the one pass into our obs_source_frame (8-bit with the alpha step; "
	       "float converted, so it writes a quarter of the bytes it reads)\n"
	       "  + OBS = plus obs_source_output_video (OBS's own copy into its frame cache)\n",
	       FRAMES);
	printf("| case | bytes | memcpy ms | plugin ms | ratio | + OBS ms | ratio |\n"
	       "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < CASES; i++) {
		case_result r;
		bench_case_run(&cases[i], true, &r);
		if (!r.ok)
			continue;
		double total = r.plugin_ms + r.out_ms;
		printf("| %s | %zu | %.2f | %.2f | %.2fx | %.2f | %.2fx |\n", cases[i].label,
		       r.bytes, r.memcpy_ms, r.plugin_ms, r.ratio, total, total / r.memcpy_ms);
		fflush(stdout);
	}
}

/* ---- idle cost ---------------------------------------------------------- */

#define LEFTOVER_MAX 10000
static int leftovers_made;

static void leftover_name(int i, char *out, size_t cap)
{
	/* Named like a TD sender's info segment, so listings look at them. */
	snprintf(out, cap, "/TouchSHMTouchSHMbenchleft%d-%d4jhd783h", (int)getpid(), i);
}

static void leftovers_remove(void)
{
	char name[128];
	for (int i = 0; i < leftovers_made; i++) {
		leftover_name(i, name, sizeof(name));
		shm_unlink(name);
	}
	leftovers_made = 0;
}

static void leftovers_make(int count)
{
	char name[128];
	for (; leftovers_made < count; leftovers_made++) {
		leftover_name(leftovers_made, name, sizeof(name));
		int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
		if (fd < 0)
			break;
		close(fd);
	}
}

/* CPU ms per second of the source's worker thread and of the whole process,
 * over window_ms. */
static void idle_measure(const char *label, uint32_t window_ms)
{
	os_sleep_ms(300); /* let a state change settle */
	pid_t worker = thread_named("tdshm-in-conn");
	double w0 = thread_cpu_ns(worker), p0 = process_cpu_ns();
	uint64_t t0 = os_gettime_ns();
	os_sleep_ms(window_ms);
	double secs = (double)(os_gettime_ns() - t0) / 1e9;
	double w = (thread_cpu_ns(worker) - w0) / 1e6 / secs;
	double p = (process_cpu_ns() - p0) / 1e6 / secs;
	if (worker)
		printf("| %s | %.3f | %.1f |\n", label, w, p);
	else
		printf("| %s | (no worker thread) | %.1f |\n", label, p);
	fflush(stdout);
}

static void bench_idle(void)
{
	printf("\nidle cost, CPU ms per second (of the source's worker thread "
	       "'tdshm-in-connect'; of the whole OBS process, which renders a 640x360 canvas "
	       "at 60 fps on llvmpipe)\n");
	printf("| state | worker ms/s | process ms/s |\n|---|---|---|\n");
	idle_measure("no source (the process's own floor)", 2000);

	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-bench-never");
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *waiting = harness_create_source("tdshm_top_source", "waiting", settings);
	harness_set_output(waiting);
	idle_measure("waiting for a sender that never comes", 2000);
	atexit(leftovers_remove);
	const int counts[] = {1000, LEFTOVER_MAX};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		leftovers_make(counts[i]);
		char label[128];
		snprintf(label, sizeof(label), "waiting, %d leftover objects in /dev/shm",
			 leftovers_made);
		idle_measure(label, 2000);
	}
	leftovers_remove();
	harness_set_output(NULL);
	obs_source_release(waiting);

	tdshm_test_unique_name(name, sizeof(name), "obs-bench-hidden");
	tdshm_sender *sender = source_sender_create(name, 4096);
	if (sender &&
	    source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 1920, 1080, "bgra8")) {
		snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
		obs_source_t *hidden =
		    harness_create_source("tdshm_top_source", "hidden", settings);
		harness_set_output(hidden);
		char status[1024];
		if (source_wait_connected(hidden, 10000, status, sizeof(status))) {
			idle_measure("shown, sender alive but not writing (1080p)", 2000);
			harness_set_output(NULL);
			idle_measure("hidden (taken off the output), sender alive", 2000);
		}
		obs_source_release(hidden);
	}
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

/* ---- latency: sender unlock -> frame in OBS's output ---------------------- */

#define LATENCY_FRAMES 240

static struct latency_state {
	pthread_mutex_t mutex;
	uint64_t unlocked_ns[LATENCY_FRAMES + 1];
	uint64_t seen_ns[LATENCY_FRAMES + 1];
	uint64_t delivered_ns[LATENCY_FRAMES + 1];
} latency = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static void latency_hook(const harness_frame *frame, void *param)
{
	(void)param;
	tdshm_pattern_image image = {.width = frame->width,
				     .height = frame->height,
				     .format = tdshm_pixel_format_by_name("bgra8"),
				     .stride = frame->linesize};
	tdshm_pattern_check_options options = {.tolerance = 0.5f};
	tdshm_pattern_result result;
	tdshm_error err;
	tdshm_status st =
	    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &image, frame->bgra,
				(size_t)frame->linesize * frame->height, &options, &result, &err);
	(void)st; /* only the decoded number matters here */
	if (!result.frame_number_valid || result.frame_number == 0 ||
	    result.frame_number > LATENCY_FRAMES)
		return;
	pthread_mutex_lock(&latency.mutex);
	/* OBS's frame time: when it rendered the frame, not when the copy
	 * reached this callback (which is a few frames later by design). */
	if (!latency.seen_ns[result.frame_number]) {
		latency.seen_ns[result.frame_number] = frame->timestamp_ns;
		latency.delivered_ns[result.frame_number] = os_gettime_ns();
	}
	pthread_mutex_unlock(&latency.mutex);
}

static void bench_latency(void)
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-latency");
	tdshm_sender *sender = source_sender_create(name, 4096);
	if (!sender ||
	    !source_sender_write_pattern(sender, TDSHM_PATTERN_COUNTER, 0, 640, 360, "bgra8")) {
		printf("latency: could not create the sender\n");
		return;
	}
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *source = harness_create_source("tdshm_top_source", "latency", settings);
	harness_set_output(source);
	char status[1024];
	if (!source_wait_connected(source, 10000, status, sizeof(status))) {
		printf("latency: %s\n", status);
		return;
	}
	harness_wait_frames(10, 5000);
	harness_set_frame_hook(latency_hook, NULL);
	/* TD at 60 fps, not in step with OBS's clock. */
	uint64_t next = os_gettime_ns();
	for (uint32_t n = 1; n <= LATENCY_FRAMES; n++) {
		next += 16666667;
		os_sleepto_ns(next + 3000000);
		if (!source_sender_write_pattern(sender, TDSHM_PATTERN_COUNTER, n, 640, 360,
						 "bgra8"))
			continue;
		uint64_t now = os_gettime_ns();
		pthread_mutex_lock(&latency.mutex);
		latency.unlocked_ns[n] = now;
		pthread_mutex_unlock(&latency.mutex);
	}
	harness_wait_frames(10, 5000);
	harness_set_frame_hook(NULL, NULL);

	double lat[LATENCY_FRAMES], out[LATENCY_FRAMES];
	size_t n = 0, missed = 0;
	pthread_mutex_lock(&latency.mutex);
	for (uint32_t i = 1; i <= LATENCY_FRAMES; i++) {
		if (latency.seen_ns[i] && latency.unlocked_ns[i] &&
		    latency.seen_ns[i] >= latency.unlocked_ns[i]) {
			lat[n] = (double)(latency.seen_ns[i] - latency.unlocked_ns[i]) / 1e6;
			out[n++] = (double)(latency.delivered_ns[i] - latency.unlocked_ns[i]) / 1e6;
		} else {
			missed++;
		}
	}
	pthread_mutex_unlock(&latency.mutex);
	if (n) {
		qsort(lat, n, sizeof(double), compare_double);
		printf("\nlatency, sender unlock -> OBS renders the frame (640x360 counter, %zu "
		       "frames, %zu overwritten by TD before OBS's next frame):\n  median %.1f ms "
		       "(%.2f OBS frames at 60 fps), "
		       "p95 %.1f ms (%.2f frames), max %.1f ms\n",
		       n, missed, lat[n / 2], lat[n / 2] / 16.667, lat[n * 95 / 100],
		       lat[n * 95 / 100] / 16.667, lat[n - 1]);
		qsort(out, n, sizeof(double), compare_double);
		printf("  to OBS's raw output callback (includes OBS's own GPU readback queue): "
		       "median %.1f ms (%.2f frames), p95 %.1f ms\n",
		       out[n / 2], out[n / 2] / 16.667, out[n * 95 / 100]);
	}
	harness_set_output(NULL);
	obs_source_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

int main(void)
{
	harness_config cfg;
	harness_config_default(&cfg);
	if (!harness_start(&cfg))
		return 3;
	obs_register_source(&wrap_info);
	bench_sync();
	bench_async();
	bench_idle();
	bench_latency();
	obs_enter_graphics();
	gs_stagesurface_destroy(wrap.stage);
	gs_texture_destroy(wrap.tiny);
	obs_leave_graphics();
	harness_stop();
	return 0;
}
