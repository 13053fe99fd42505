/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The headless libobs harness (see obs_harness.h). */
#include "obs_harness.h"

#include <X11/Xlib.h>
#include <obs-module.h>
#include <obs-nix-platform.h>
#include <stdarg.h>
#include <util/base.h>
#include <util/platform.h>
#include <png.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness_sources.h"
#include "td_lock_posix.h"

extern char **environ;

#define HARNESS_AUDIO_MAX_CHANNELS 8
/* Audio kept when nobody takes it: 120 s at 48 kHz (tests measure drift over
 * a minute); older audio is dropped first. */
#define HARNESS_AUDIO_CAP (48000 * 120)

static struct harness_state {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool started;
	Display *display;
	obs_module_t *module;
	/* [video thread writes, tests read, under mutex] */
	uint64_t frames;
	uint8_t *latest;
	size_t latest_cap;
	uint32_t width, height, linesize;
	uint64_t latest_ts;
	harness_frame_hook hook;
	void *hook_param;
	/* [audio thread writes, tests consume, under mutex] */
	uint32_t channels;
	/* a ring of HARNESS_AUDIO_CAP frames per channel: O(n) in and out, so the
	 * audio callback never waits behind a big move */
	float *audio[HARNESS_AUDIO_MAX_CHANNELS];
	size_t audio_head; /* index of the oldest frame */
	size_t audio_frames;
} harness = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

void harness_config_default(harness_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->width = 640;
	cfg->height = 360;
	cfg->fps_num = 60;
	cfg->fps_den = 1;
	cfg->audio_rate = 48000;
	cfg->audio_channels = 2;
	cfg->module_path = HARNESS_MODULE_PATH;
	cfg->module_data_path = HARNESS_MODULE_DATA_PATH;
}

static void harness_on_video(void *param, struct video_data *frame)
{
	(void)param;
	pthread_mutex_lock(&harness.mutex);
	size_t bytes = (size_t)frame->linesize[0] * harness.height;
	if (bytes > harness.latest_cap) {
		free(harness.latest);
		harness.latest = malloc(bytes);
		harness.latest_cap = harness.latest ? bytes : 0;
	}
	if (harness.latest) {
		memcpy(harness.latest, frame->data[0], bytes);
		harness.linesize = frame->linesize[0];
		harness.latest_ts = frame->timestamp;
	}
	harness.frames++;
	harness_frame_hook hook = harness.hook;
	void *hook_param = harness.hook_param;
	if (hook) {
		harness_frame view = {.bgra = frame->data[0],
				      .width = harness.width,
				      .height = harness.height,
				      .linesize = frame->linesize[0],
				      .timestamp_ns = frame->timestamp,
				      .index = harness.frames - 1};
		hook(&view, hook_param);
	}
	pthread_cond_broadcast(&harness.cond);
	pthread_mutex_unlock(&harness.mutex);
}

/* Copies n samples between a ring plane (at index at, wrapping) and flat. */
static void harness_ring_write(float *ring, size_t at, const float *src, size_t n)
{
	size_t first = n < HARNESS_AUDIO_CAP - at ? n : HARNESS_AUDIO_CAP - at;
	memcpy(ring + at, src, first * sizeof(float));
	memcpy(ring, src + first, (n - first) * sizeof(float));
}

static void harness_ring_read(const float *ring, size_t at, float *dst, size_t n)
{
	size_t first = n < HARNESS_AUDIO_CAP - at ? n : HARNESS_AUDIO_CAP - at;
	memcpy(dst, ring + at, first * sizeof(float));
	memcpy(dst + first, ring, (n - first) * sizeof(float));
}

static void harness_on_audio(void *param, size_t mix_idx, struct audio_data *data)
{
	(void)param;
	(void)mix_idx;
	pthread_mutex_lock(&harness.mutex);
	size_t n = data->frames;
	size_t skip = 0;
	if (n > HARNESS_AUDIO_CAP) {
		skip = n - HARNESS_AUDIO_CAP;
		n = HARNESS_AUDIO_CAP;
	}
	if (harness.audio_frames + n > HARNESS_AUDIO_CAP) {
		/* Nobody is taking audio: drop the oldest. */
		size_t drop = harness.audio_frames + n - HARNESS_AUDIO_CAP;
		harness.audio_head = (harness.audio_head + drop) % HARNESS_AUDIO_CAP;
		harness.audio_frames -= drop;
	}
	size_t tail = (harness.audio_head + harness.audio_frames) % HARNESS_AUDIO_CAP;
	for (uint32_t c = 0; c < harness.channels; c++)
		harness_ring_write(harness.audio[c], tail, (const float *)data->data[c] + skip, n);
	harness.audio_frames += n;
	pthread_mutex_unlock(&harness.mutex);
}

/* libobs's log with milliseconds since harness_start; debug lines only with
 * HARNESS_DEBUG=1 (they drown everything else). */
static uint64_t harness_log_start_ns;

/* The last lines libobs and the plugin logged, for tests that check what a
 * user reads in OBS's log. Any thread logs: under the mutex. */
#define HARNESS_LOG_LINES 512
static struct {
	pthread_mutex_t mutex;
	char lines[HARNESS_LOG_LINES][512];
	size_t next, count;
} harness_log_ring = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static void harness_log_keep(const char *line)
{
	pthread_mutex_lock(&harness_log_ring.mutex);
	/* Long lines are cut: tests look for the start of a line. */
	char *slot = harness_log_ring.lines[harness_log_ring.next];
	size_t n = strnlen(line, sizeof(harness_log_ring.lines[0]) - 1);
	memcpy(slot, line, n);
	slot[n] = '\0';
	harness_log_ring.next = (harness_log_ring.next + 1) % HARNESS_LOG_LINES;
	if (harness_log_ring.count < HARNESS_LOG_LINES)
		harness_log_ring.count++;
	pthread_mutex_unlock(&harness_log_ring.mutex);
}

void harness_log_clear(void)
{
	pthread_mutex_lock(&harness_log_ring.mutex);
	harness_log_ring.next = harness_log_ring.count = 0;
	pthread_mutex_unlock(&harness_log_ring.mutex);
}

size_t harness_log_count(const char *needle)
{
	size_t n = 0;
	pthread_mutex_lock(&harness_log_ring.mutex);
	for (size_t i = 0; i < harness_log_ring.count; i++)
		if (strstr(harness_log_ring.lines[i], needle))
			n++;
	pthread_mutex_unlock(&harness_log_ring.mutex);
	return n;
}

static void harness_log(int level, const char *format, va_list args, void *param)
{
	(void)param;
	if (level >= LOG_DEBUG && !getenv("HARNESS_DEBUG"))
		return;
	char line[4096];
	vsnprintf(line, sizeof(line), format, args);
	harness_log_keep(line);
	const char *name = level <= LOG_ERROR     ? "error"
			   : level <= LOG_WARNING ? "warning"
			   : level <= LOG_INFO    ? "info"
						  : "debug";
	fprintf(stderr, "[%8.3f] %s: %s\n", (os_gettime_ns() - harness_log_start_ns) / 1e9, name,
		line);
}

static void harness_kill_children(void);

static bool harness_fail(const char *what)
{
	fprintf(stderr, "harness: %s\n", what);
	return false;
}

bool harness_start(const harness_config *cfg)
{
	harness_config defaults;
	harness_config_default(&defaults);
	if (!cfg)
		cfg = &defaults;
	if (harness.started)
		return harness_fail("already started (one harness per process)");
	if (cfg->audio_channels == 0 || cfg->audio_channels > HARNESS_AUDIO_MAX_CHANNELS)
		return harness_fail("audio_channels must be 1..8");

	harness_log_start_ns = os_gettime_ns();
	base_set_log_handler(harness_log, NULL);
	harness.display = XOpenDisplay(NULL);
	if (!harness.display)
		return harness_fail("cannot open the X display: start Xvfb and set DISPLAY");
	obs_set_nix_platform(OBS_NIX_PLATFORM_X11_EGL);
	obs_set_nix_platform_display(harness.display);
	if (!obs_startup("en-US", NULL, NULL))
		return harness_fail("obs_startup failed");

	int rc = harness_reset_video("libobs-opengl", cfg->width, cfg->height, cfg->fps_num,
				     cfg->fps_den);
	if (rc != OBS_VIDEO_SUCCESS) {
		fprintf(stderr, "harness: obs_reset_video failed (%d)\n", rc);
		return false;
	}
	struct obs_audio_info oai = {.samples_per_sec = cfg->audio_rate,
				     .speakers = (enum speaker_layout)cfg->audio_channels};
	if (cfg->audio_channels == 3)
		oai.speakers = SPEAKERS_2POINT1;
	else if (cfg->audio_channels == 4)
		oai.speakers = SPEAKERS_4POINT0;
	else if (cfg->audio_channels == 5)
		oai.speakers = SPEAKERS_4POINT1;
	else if (cfg->audio_channels == 6)
		oai.speakers = SPEAKERS_5POINT1;
	else if (cfg->audio_channels >= 7)
		oai.speakers = SPEAKERS_7POINT1;
	if (!obs_reset_audio(&oai))
		return harness_fail("obs_reset_audio failed");

	harness_register_test_sources();

	if (cfg->module_path && *cfg->module_path) {
		int mrc = obs_open_module(&harness.module, cfg->module_path, cfg->module_data_path);
		if (mrc != MODULE_SUCCESS) {
			fprintf(stderr, "harness: cannot open module %s (%d)\n", cfg->module_path,
				mrc);
			return false;
		}
		if (!obs_init_module(harness.module))
			return harness_fail("obs_init_module failed");
	}

	pthread_mutex_lock(&harness.mutex);
	harness.width = cfg->width;
	harness.height = cfg->height;
	harness.channels = audio_output_get_channels(obs_get_audio());
	for (uint32_t c = 0; c < harness.channels; c++)
		harness.audio[c] = calloc(HARNESS_AUDIO_CAP, sizeof(float));
	harness.audio_head = 0;
	harness.audio_frames = 0;
	harness.frames = 0;
	pthread_mutex_unlock(&harness.mutex);

	struct audio_convert_info aci = {.samples_per_sec = cfg->audio_rate,
					 .format = AUDIO_FORMAT_FLOAT_PLANAR,
					 .speakers = oai.speakers};
	obs_add_raw_video_callback(NULL, harness_on_video, NULL);
	obs_add_raw_audio_callback(0, &aci, harness_on_audio, NULL);
	harness.started = true;
	return true;
}

void harness_stop(void)
{
	harness_kill_children();
	if (!harness.started)
		return;
	obs_set_output_source(0, NULL);
	obs_remove_raw_video_callback(harness_on_video, NULL);
	obs_remove_raw_audio_callback(0, harness_on_audio, NULL);
	obs_shutdown();
	if (harness.display)
		XCloseDisplay(harness.display);
	pthread_mutex_lock(&harness.mutex);
	free(harness.latest);
	harness.latest = NULL;
	harness.latest_cap = 0;
	for (uint32_t c = 0; c < HARNESS_AUDIO_MAX_CHANNELS; c++) {
		free(harness.audio[c]);
		harness.audio[c] = NULL;
	}
	harness.display = NULL;
	harness.module = NULL;
	harness.started = false;
	pthread_mutex_unlock(&harness.mutex);
}

obs_source_t *harness_create_source(const char *id, const char *name, const char *settings_json)
{
	obs_data_t *settings = settings_json ? obs_data_create_from_json(settings_json) : NULL;
	if (settings_json && !settings) {
		fprintf(stderr, "harness: bad settings JSON: %s\n", settings_json);
		return NULL;
	}
	obs_source_t *source = obs_source_create(id, name, settings, NULL);
	obs_data_release(settings);
	return source;
}

void harness_set_output(obs_source_t *source)
{
	obs_set_output_source(0, source);
}

uint64_t harness_frame_count(void)
{
	pthread_mutex_lock(&harness.mutex);
	uint64_t n = harness.frames;
	pthread_mutex_unlock(&harness.mutex);
	return n;
}

uint64_t harness_rendered_frames(void)
{
	return (uint64_t)obs_get_total_frames() - obs_get_lagged_frames();
}

bool harness_wait_frames(uint64_t count, uint32_t timeout_ms)
{
	struct timespec deadline;
	tdshm_test_realtime_deadline(&deadline, timeout_ms);
	pthread_mutex_lock(&harness.mutex);
	uint64_t target = harness.frames + count;
	int rc = 0;
	while (harness.frames < target && rc == 0)
		rc = pthread_cond_timedwait(&harness.cond, &harness.mutex, &deadline);
	bool ok = harness.frames >= target;
	pthread_mutex_unlock(&harness.mutex);
	return ok;
}

bool harness_copy_latest_frame(harness_frame *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&harness.mutex);
	bool ok = harness.latest && harness.frames > 0;
	if (ok) {
		size_t bytes = (size_t)harness.linesize * harness.height;
		out->bgra = malloc(bytes);
		ok = out->bgra != NULL;
		if (ok) {
			memcpy(out->bgra, harness.latest, bytes);
			out->width = harness.width;
			out->height = harness.height;
			out->linesize = harness.linesize;
			out->timestamp_ns = harness.latest_ts;
			out->index = harness.frames - 1;
		}
	}
	pthread_mutex_unlock(&harness.mutex);
	return ok;
}

void harness_frame_free(harness_frame *f)
{
	if (!f)
		return;
	free(f->bgra);
	f->bgra = NULL;
}

const uint8_t *harness_frame_pixel(const harness_frame *f, uint32_t x, uint32_t y)
{
	return f->bgra + (size_t)y * f->linesize + (size_t)x * 4;
}

void harness_set_frame_hook(harness_frame_hook hook, void *param)
{
	pthread_mutex_lock(&harness.mutex);
	harness.hook = hook;
	harness.hook_param = param;
	pthread_mutex_unlock(&harness.mutex);
}

bool harness_save_png(const harness_frame *f, const char *path)
{
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	image.width = f->width;
	image.height = f->height;
	image.format = PNG_FORMAT_BGRA;
	if (!png_image_write_to_file(&image, path, 0, f->bgra, (png_int_32)f->linesize, NULL)) {
		fprintf(stderr, "harness: cannot write %s: %s\n", path, image.message);
		return false;
	}
	return true;
}

size_t harness_audio_take(float **planes, uint32_t channels, size_t max_frames)
{
	pthread_mutex_lock(&harness.mutex);
	size_t n = harness.audio_frames < max_frames ? harness.audio_frames : max_frames;
	for (uint32_t c = 0; c < channels; c++) {
		if (!planes[c])
			continue;
		if (c < harness.channels)
			harness_ring_read(harness.audio[c], harness.audio_head, planes[c], n);
		else
			memset(planes[c], 0, n * sizeof(float));
	}
	harness.audio_head = (harness.audio_head + n) % HARNESS_AUDIO_CAP;
	harness.audio_frames -= n;
	pthread_mutex_unlock(&harness.mutex);
	return n;
}

void harness_audio_clear(void)
{
	pthread_mutex_lock(&harness.mutex);
	harness.audio_frames = 0;
	pthread_mutex_unlock(&harness.mutex);
}

/* Children still running: a failed assertion jumps past a test's own
 * harness_kill, so harness_stop (and exit) end whatever is left. */
#define HARNESS_MAX_CHILDREN 64
static int harness_children[HARNESS_MAX_CHILDREN];
static pthread_mutex_t harness_children_mutex = PTHREAD_MUTEX_INITIALIZER;

static void harness_forget_child(int pid)
{
	pthread_mutex_lock(&harness_children_mutex);
	for (int i = 0; i < HARNESS_MAX_CHILDREN; i++)
		if (harness_children[i] == pid)
			harness_children[i] = 0;
	pthread_mutex_unlock(&harness_children_mutex);
}

static void harness_kill_children(void)
{
	for (int i = 0; i < HARNESS_MAX_CHILDREN; i++) {
		pthread_mutex_lock(&harness_children_mutex);
		int pid = harness_children[i];
		pthread_mutex_unlock(&harness_children_mutex);
		if (pid > 0)
			harness_kill(pid, false);
	}
}

int harness_spawn(const char *const *argv)
{
	static bool at_exit_registered;
	if (!at_exit_registered)
		at_exit_registered = atexit(harness_kill_children) == 0;
	pid_t pid;
	if (posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)argv, environ) != 0)
		return -1;
	pthread_mutex_lock(&harness_children_mutex);
	for (int i = 0; i < HARNESS_MAX_CHILDREN; i++) {
		if (harness_children[i] == 0) {
			harness_children[i] = (int)pid;
			break;
		}
	}
	pthread_mutex_unlock(&harness_children_mutex);
	return (int)pid;
}

bool harness_exited(int pid, int *status)
{
	int st = 0;
	pid_t r = waitpid((pid_t)pid, &st, WNOHANG);
	if (r == (pid_t)pid && status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (r == (pid_t)pid)
		harness_forget_child(pid);
	return r == (pid_t)pid;
}

void harness_kill(int pid, bool hard)
{
	if (pid <= 0)
		return;
	harness_forget_child(pid);
	kill((pid_t)pid, hard ? SIGKILL : SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid((pid_t)pid, NULL, WNOHANG) == (pid_t)pid)
			return;
		usleep(10000);
	}
	kill((pid_t)pid, SIGKILL);
	waitpid((pid_t)pid, NULL, 0);
}
