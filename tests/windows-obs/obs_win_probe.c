/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A Windows libobs with obs-tdshm.dll in it, for tests/ci/stage-windows-obs.sh:
 * starts libobs (obs.dll) with a graphics module, loads the plugin DLL,
 * plays one scenario with `tdshm.exe` as TouchDesigner in its own process,
 * and checks what OBS shows or hears, or what tdshm.exe receives.
 *
 *   obs_win_probe --renderer libobs-opengl|libobs-d3d11|none --tool TDSHM.EXE
 *                 --module OBS-TDSHM.DLL --module-data DIR --libobs-data DIR
 *                 SCENARIO [ARGS]
 * Scenarios:
 *   start                     libobs starts, the module loads, its sources exist
 *   source PATTERN FORMAT [legacy]   OBS's output shows the pattern exactly
 *   resize                    the source follows a sender that resizes
 *   restart                   sender killed, a new one started: picture back
 *   filter [resize]           filter on a source -> `tdshm receive --expect`
 *   chop-source               `tdshm chop-send` -> OBS's mix at 440/880 Hz
 *   chop-filter               tone source + CHOP filter -> `tdshm chop-receive`
 *   read-counter NAME N [resize]  (no libobs) strict reader of a filter's output
 * Exit 0 when the scenario holds, 1 when it does not, 2 on a setup failure. */
#include <windows.h>

#include <math.h>
#include <obs-module.h>
#include <obs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <util/base.h>
#include <util/platform.h>

#include "harness_sources.h"
#include "tdshm/pattern.h"
#include "tdshm/pixel_format.h"
#include "tdshm/receiver.h"
#include "tdshm/top.h"

#define PROBE_W 320
#define PROBE_H 180
#define PROBE_RATE 48000
#define PROBE_AUDIO_CAP (PROBE_RATE * 20)

static struct probe_options {
	const char *renderer, *tool, *module, *module_data, *libobs_data;
} opt;

/* [video thread writes, main thread reads, under lock] */
static CRITICAL_SECTION lock;
static uint8_t *latest;
static size_t latest_cap;
static uint32_t latest_linesize;
static uint64_t frames;
/* [audio thread writes, main thread reads, under lock] */
static float *audio[2];
static size_t audio_frames;
static bool audio_recording;

static uint64_t now_ms(void)
{
	return os_gettime_ns() / 1000000;
}

static void probe_log(int level, const char *format, va_list args, void *param)
{
	(void)param;
	if (level >= LOG_DEBUG)
		return;
	char line[4096];
	vsnprintf(line, sizeof(line), format, args);
	fprintf(stderr, "  obs %s: %s\n",
		level <= LOG_ERROR     ? "error"
		: level <= LOG_WARNING ? "warning"
				       : "info",
		line);
}

static void on_video(void *param, struct video_data *frame)
{
	(void)param;
	EnterCriticalSection(&lock);
	size_t bytes = (size_t)frame->linesize[0] * PROBE_H;
	if (bytes > latest_cap) {
		free(latest);
		latest = malloc(bytes);
		latest_cap = latest ? bytes : 0;
	}
	if (latest) {
		memcpy(latest, frame->data[0], bytes);
		latest_linesize = frame->linesize[0];
		frames++;
	}
	LeaveCriticalSection(&lock);
}

static void on_audio(void *param, size_t mix_idx, struct audio_data *data)
{
	(void)param;
	(void)mix_idx;
	EnterCriticalSection(&lock);
	if (audio_recording) {
		size_t n = data->frames;
		if (audio_frames + n > PROBE_AUDIO_CAP)
			n = PROBE_AUDIO_CAP - audio_frames;
		for (int c = 0; c < 2; c++)
			memcpy(audio[c] + audio_frames, data->data[c], n * sizeof(float));
		audio_frames += n;
	}
	LeaveCriticalSection(&lock);
}

/* A copy of the latest output frame (BGRA, top row first); NULL if none. */
static uint8_t *copy_frame(uint32_t *linesize)
{
	uint8_t *copy = NULL;
	EnterCriticalSection(&lock);
	if (latest && frames > 0) {
		copy = malloc((size_t)latest_linesize * PROBE_H);
		if (copy)
			memcpy(copy, latest, (size_t)latest_linesize * PROBE_H);
		*linesize = latest_linesize;
	}
	LeaveCriticalSection(&lock);
	return copy;
}

/* ---- tdshm.exe, TouchDesigner's part --------------------------------------- */

typedef struct child {
	PROCESS_INFORMATION pi;
	bool running;
} child;

/* Starts `TOOL args` (args one string, as on a command line). */
/* Starts `program args`; its stdout goes to out_path when given. */
static bool child_start_program(child *c, const char *program, const char *args,
				const char *out_path)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "\"%s\" %s", program, args);
	STARTUPINFOA si;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	memset(c, 0, sizeof(*c));
	HANDLE out = INVALID_HANDLE_VALUE;
	if (out_path) {
		SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
		out = CreateFileA(out_path, GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS,
				  FILE_ATTRIBUTE_NORMAL, NULL);
		if (out == INVALID_HANDLE_VALUE)
			return false;
		si.dwFlags = STARTF_USESTDHANDLES;
		si.hStdOutput = out;
		si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
		si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	}
	BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &c->pi);
	if (out != INVALID_HANDLE_VALUE)
		CloseHandle(out);
	if (!ok) {
		fprintf(stderr, "probe: cannot start %s (error %lu)\n", cmd, GetLastError());
		return false;
	}
	c->running = true;
	printf("probe: started %s %s\n",
	       strrchr(program, '\\') ? strrchr(program, '\\') + 1 : program, args);
	return true;
}

static bool child_start(child *c, const char *args)
{
	return child_start_program(c, opt.tool, args, NULL);
}

/* Waits up to timeout_ms for it to exit; its exit code, or -1 on timeout. */
static int child_wait(child *c, DWORD timeout_ms)
{
	if (!c->running)
		return -1;
	if (WaitForSingleObject(c->pi.hProcess, timeout_ms) != WAIT_OBJECT_0)
		return -1;
	DWORD code = 1;
	GetExitCodeProcess(c->pi.hProcess, &code);
	CloseHandle(c->pi.hProcess);
	CloseHandle(c->pi.hThread);
	c->running = false;
	return (int)code;
}

/* Kills it the way a crash does (no cleanup of its segments or mutexes). */
static void child_kill(child *c)
{
	if (!c->running)
		return;
	TerminateProcess(c->pi.hProcess, 9);
	child_wait(c, 5000);
}

/* ---- checks ------------------------------------------------------------------- */

/* Pixels of the w x h area at the output's top left that differ from what a
 * reader of format shows for the pattern by more than tolerance (0..255);
 * *worst gets the largest difference. */
static uint64_t count_bad(const uint8_t *bgra, uint32_t linesize, uint32_t w, uint32_t h,
			  tdshm_pattern_kind kind, const char *format, float tolerance,
			  bool flipped, float *worst)
{
	const tdshm_pixel_format *pf = tdshm_pixel_format_by_name(format);
	uint64_t bad = 0;
	*worst = 0;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			float rgba[4];
			tdshm_pattern_expected_rgba(kind, 0, x, flipped ? h - 1 - y : y, w, h, pf,
						    rgba);
			uint8_t stored[16];
			tdshm_pixel_from_rgba_f32(pf, rgba, stored);
			tdshm_pixel_to_rgba_f32(pf, stored, rgba);
			const uint8_t *p = bgra + (size_t)y * linesize + (size_t)x * 4;
			const float got[3] = {p[2], p[1], p[0]};
			for (int ch = 0; ch < 3; ch++) {
				float want = rgba[ch] < 0   ? 0
					     : rgba[ch] > 1 ? 255
							    : (float)(int)(rgba[ch] * 255 + 0.5f);
				float d = fabsf(got[ch] - want);
				if (d > *worst)
					*worst = d;
				if (d > tolerance) {
					bad++;
					break;
				}
			}
		}
	}
	return bad;
}

/* Polls OBS's output for up to timeout_ms until the source's area shows the
 * pattern; prints what it saw last either way. */
static bool wait_pattern(obs_source_t *source, tdshm_pattern_kind kind, const char *format,
			 float tolerance, uint32_t timeout_ms, uint32_t *shown_w, uint32_t *shown_h)
{
	uint64_t deadline = now_ms() + timeout_ms;
	uint64_t bad = 0, bad_flipped = 0;
	float worst = 0, worst_flipped = 0;
	uint32_t w = 0, h = 0;
	for (;;) {
		w = obs_source_get_width(source);
		h = obs_source_get_height(source);
		uint32_t linesize;
		uint8_t *f = copy_frame(&linesize);
		if (f && w > 0 && h > 0 && w <= PROBE_W && h <= PROBE_H) {
			bad = count_bad(f, linesize, w, h, kind, format, tolerance, false, &worst);
			if (bad > 0)
				bad_flipped = count_bad(f, linesize, w, h, kind, format, tolerance,
							true, &worst_flipped);
		}
		free(f);
		if (f && w > 0 && bad == 0) {
			if (shown_w)
				*shown_w = w;
			if (shown_h)
				*shown_h = h;
			return true;
		}
		if (now_ms() >= deadline)
			break;
		Sleep(50);
	}
	printf("probe: source %ux%u: %llu pixels off (worst %.1f/255); upside down it would be "
	       "%llu off (worst %.1f)\n",
	       w, h, (unsigned long long)bad, worst, (unsigned long long)bad_flipped,
	       worst_flipped);
	return false;
}

static obs_source_t *make_source(const char *id, const char *name, const char *json)
{
	obs_data_t *settings = obs_data_create_from_json(json);
	obs_source_t *source = obs_source_create(id, name, settings, NULL);
	obs_data_release(settings);
	if (!source)
		fprintf(stderr, "probe: cannot create a %s (is obs-tdshm.dll loaded?)\n", id);
	return source;
}

static void unique_name(char *out, size_t cap, const char *what)
{
	snprintf(out, cap, "winobs-%s-%lu", what, (unsigned long)GetCurrentProcessId());
}

/* A source or filter of id on Shared Mem Name name; NULL (said) if none. */
static obs_source_t *make_named_source(const char *id, const char *label, const char *name)
{
	char json[256];
	snprintf(json, sizeof(json), "{\"name\": \"%s\"}", name);
	return make_source(id, label, json);
}

/* A scenario's TouchDesigner and what OBS reads of it: `tdshm args` started
 * as the sender, then a source of id on name. false on a setup failure,
 * with nothing left running. */
static bool start_sender_and_source(child *sender, const char *args, const char *id,
				    const char *label, const char *name, obs_source_t **source)
{
	if (!child_start(sender, args))
		return false;
	*source = make_named_source(id, label, name);
	if (!*source) {
		child_kill(sender);
		return false;
	}
	return true;
}

/* `tdshm send name` at the probe's size and 30 fps, with more options. */
static void send_args(char *args, size_t cap, const char *name, const char *options)
{
	snprintf(args, cap, "send %s --size %dx%d --fps 30 %s", name, PROBE_W, PROBE_H, options);
}

/* A video scenario's start: `tdshm send` with options on a new name made
 * from stem, and OBS's source of it on output 0. false on a setup failure. */
static bool start_video(const char *stem, const char *options, char *name, size_t cap,
			child *sender, obs_source_t **source)
{
	char args[512];
	unique_name(name, cap, stem);
	send_args(args, sizeof(args), name, options);
	if (!start_sender_and_source(sender, args, "tdshm_top_source", "tdshm in", name, source))
		return false;
	obs_set_output_source(0, *source);
	return true;
}

/* Takes source off the output, releases it, kills the sender; the
 * scenario's exit code for ok. */
static int stop_sender_and_source(child *sender, obs_source_t *source, bool ok)
{
	obs_set_output_source(0, NULL);
	obs_source_release(source);
	child_kill(sender);
	return ok ? 0 : 1;
}

/* Takes source off the output and releases it and its filter. */
static void release_filtered(obs_source_t *source, obs_source_t *filter)
{
	obs_set_output_source(0, NULL);
	obs_source_filter_remove(source, filter);
	obs_source_release(filter);
	obs_source_release(source);
}

/* ---- scenarios ---------------------------------------------------------------- */

static int scenario_source(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "probe: source PATTERN FORMAT [legacy]\n");
		return 2;
	}
	const char *pattern = argv[0], *format = argv[1];
	bool legacy = argc > 2 && strcmp(argv[2], "legacy") == 0;
	tdshm_pattern_kind kind;
	if (!tdshm_pattern_by_name(pattern, &kind) || !tdshm_pixel_format_by_name(format))
		return 2;
	char name[128], options[256];
	snprintf(options, sizeof(options), "--format %s --pattern %s %s", format, pattern,
		 legacy ? "--legacy" : "");
	child sender;
	obs_source_t *source;
	if (!start_video("src", options, name, sizeof(name), &sender, &source))
		return 2;
	/* 8-bit formats arrive exactly; 32-bit float may round once. */
	float tolerance = strstr(format, "32f") || strstr(format, "16f") ? 1.0f : 0.0f;
	bool ok = wait_pattern(source, kind, format, tolerance, 20000, NULL, NULL);
	printf("probe: %s %s%s: %s\n", pattern, format, legacy ? " (legacy header)" : "",
	       ok ? "OBS shows it exactly, right way up" : "NOT shown");
	return stop_sender_and_source(&sender, source, ok);
}

static int scenario_resize(void)
{
	char name[128];
	child sender;
	obs_source_t *source;
	if (!start_video("resize", "--pattern bars --resize-every 45", name, sizeof(name), &sender,
			 &source))
		return 2;
	/* Both sizes, each shown exactly, and back again: 3 changes followed. */
	uint32_t last_w = 0, changes = 0;
	uint64_t deadline = now_ms() + 30000;
	bool big = false, small = false;
	while (changes < 3 && now_ms() < deadline) {
		uint32_t w, h;
		if (!wait_pattern(source, TDSHM_PATTERN_BARS, "bgra8", 0, 8000, &w, &h))
			break;
		if (w != last_w) {
			printf("probe: source shows %ux%u bars exactly\n", w, h);
			if (last_w)
				changes++;
			last_w = w;
			big |= w == PROBE_W && h == PROBE_H;
			small |= w == PROBE_W / 2 && h == PROBE_H / 2;
		}
		Sleep(100);
	}
	bool ok = big && small && changes >= 3;
	printf("probe: resize: %u size changes followed (%s)\n", changes, ok ? "ok" : "FAILED");
	return stop_sender_and_source(&sender, source, ok);
}

static int scenario_restart(void)
{
	char name[128], args[512];
	child sender;
	obs_source_t *source;
	if (!start_video("restart", "--pattern bars", name, sizeof(name), &sender, &source))
		return 2;
	bool ok = wait_pattern(source, TDSHM_PATTERN_BARS, "bgra8", 0, 20000, NULL, NULL);
	printf("probe: first sender: %s\n", ok ? "bars shown" : "NOT shown");
	if (ok) {
		child_kill(&sender);
		printf("probe: sender killed (TerminateProcess: its mutexes abandoned)\n");
		Sleep(1000);
		/* The new one sends another picture, so the old one cannot pass. */
		send_args(args, sizeof(args), name, "--pattern ramp");
		if (!child_start(&sender, args))
			ok = false;
		else
			ok =
			    wait_pattern(source, TDSHM_PATTERN_RAMP, "bgra8", 0, 20000, NULL, NULL);
		printf("probe: restarted sender: %s\n",
		       ok ? "reconnected, ramp shown" : "NOT reconnected");
	}
	return stop_sender_and_source(&sender, source, ok);
}

/* From `tdshm receive`'s last line: "received N frames, ..., corrupted C, ...". */
static bool parse_receive_summary(const char *path, long long *received, long long *corrupted)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		fputs("  | ", stdout);
		fputs(line, stdout);
		const char *r = strstr(line, "received ");
		const char *c = strstr(line, "corrupted ");
		if (r && c && strstr(line, "frames, repeated")) {
			*received = atoll(r + 9);
			*corrupted = atoll(c + 10);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static int scenario_filter(bool resize)
{
	char in[128], out[128], args[512];
	unique_name(in, sizeof(in), "filter-in");
	unique_name(out, sizeof(out), "filter-out");
	send_args(args, sizeof(args), in,
		  resize ? "--pattern counter --resize-every 30" : "--pattern counter");
	child sender;
	obs_source_t *source;
	if (!start_sender_and_source(&sender, args, "tdshm_top_source", "tdshm in", in, &source))
		return 2;
	obs_source_t *filter = make_named_source("tdshm_top_filter", "tdshm out", out);
	if (!filter) {
		stop_sender_and_source(&sender, source, false);
		return 2;
	}
	obs_source_filter_add(source, filter);
	obs_set_output_source(0, source);
	/* Two receivers in their own processes at once: `tdshm receive
	 * --expect counter` (TD's part, as in the windows stage) and this
	 * program's strict reader. The filter publishes a header only with a
	 * rendered image, so neither may see an empty or damaged frame, on
	 * attach or after a resize. */
	int frames = resize ? 120 : 30;
	char receive_log[MAX_PATH];
	snprintf(receive_log, sizeof(receive_log), "receive-%lu.txt",
		 (unsigned long)GetCurrentProcessId());
	snprintf(args, sizeof(args), "receive %s --expect counter --frames %d --timeout 30", out,
		 frames);
	child receiver, reader;
	char self[MAX_PATH];
	GetModuleFileNameA(NULL, self, sizeof(self));
	char reader_args[512];
	snprintf(reader_args, sizeof(reader_args), "read-counter %s %d %s", out, frames,
		 resize ? "resize" : "");
	bool started = child_start_program(&receiver, opt.tool, args, receive_log);
	started = child_start_program(&reader, self, reader_args, NULL) && started;
	int receive_code = child_wait(&receiver, 60000);
	int reader_code = child_wait(&reader, 60000);
	child_kill(&receiver);
	child_kill(&reader);
	long long received = 0, corrupted = -1;
	bool parsed = parse_receive_summary(receive_log, &received, &corrupted);
	remove(receive_log);
	/* First try: every frame the counter, nothing refused. */
	bool receive_ok = parsed && received >= frames && corrupted == 0 && receive_code == 0;
	printf("probe: filter%s: tdshm receive --expect counter: exit %d, %lld frames, %lld "
	       "refused\n",
	       resize ? " with resizes" : "", receive_code, received, corrupted);
	printf("probe: filter%s: strict reader exit %d\n", resize ? " with resizes" : "",
	       reader_code);
	bool ok = started && receive_ok && reader_code == 0;
	printf("probe: filter%s: %s\n", resize ? " with resizes" : "", ok ? "ok" : "FAILED");
	release_filtered(source, filter);
	child_kill(&sender);
	return ok ? 0 : 1;
}

/* Not a libobs scenario: reads the filter's output in its own process. Every
 * frame must be the counter (an all-zero image counts as damaged: the filter
 * never publishes one); with "resize", both sizes must be seen. */
static int read_counter(const char *name, int frames, bool resize)
{
	tdshm_receiver *r;
	tdshm_error err;
	if (tdshm_receiver_create(name, NULL, &r, &err) != TDSHM_OK) {
		printf("reader: %s\n", err.message);
		return 2;
	}
	uint64_t deadline = now_ms() + 30000, last_serial = 0;
	int good = 0, blank = 0, bad = 0;
	uint32_t sizes_seen[2] = {0, 0};
	uint8_t *copy = NULL;
	size_t copy_cap = 0;
	while (good < frames && now_ms() < deadline && bad == 0) {
		const uint8_t *bytes;
		size_t size;
		tdshm_status st = tdshm_receiver_begin_read(r, 20, &bytes, &size, &err);
		if (st != TDSHM_OK) {
			Sleep(5);
			continue;
		}
		uint64_t serial = 0;
		bool has_serial = tdshm_receiver_frame_serial(r, &serial);
		tdshm_top_image img;
		bool fresh = !has_serial || serial != last_serial;
		bool parsed =
		    fresh && bytes[0] && tdshm_top_parse(bytes, size, &img, &err) == TDSHM_OK;
		size_t n = parsed ? img.row_bytes * img.height : 0;
		if (parsed && n > copy_cap) {
			free(copy);
			copy = malloc(n);
			copy_cap = copy ? n : 0;
		}
		if (parsed && copy)
			memcpy(copy, bytes + img.data_offset, n);
		tdshm_receiver_end_read(r);
		if (!parsed || !copy) {
			Sleep(2);
			continue;
		}
		last_serial = serial;
		bool zero = true;
		for (size_t i = 0; i < n && zero; i++)
			zero = copy[i] == 0;
		if (zero) {
			blank++;
			bad++;
			printf("reader: empty %ux%u frame with a valid header\n", img.width,
			       img.height);
			continue;
		}
		tdshm_pattern_image image = {img.width, img.height, img.format, true, 0};
		tdshm_pattern_result result;
		if (tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &image, copy, n, NULL, &result,
					&err) == TDSHM_OK &&
		    result.frame_number_valid) {
			good++;
			sizes_seen[img.width == PROBE_W ? 0 : 1] = img.width;
		} else {
			bad++;
			printf("reader: damaged %ux%u frame: %s\n", img.width, img.height,
			       err.message);
		}
	}
	tdshm_receiver_destroy(r);
	free(copy);
	bool ok = good >= frames && bad == 0 && (!resize || (sizes_seen[0] && sizes_seen[1]));
	printf("reader: %d counter frames, %d empty, %d damaged%s: %s\n", good, blank, bad,
	       resize ? (sizes_seen[0] && sizes_seen[1] ? ", both sizes" : ", NOT both sizes") : "",
	       ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

/* Frequency of x by positive zero crossings (interpolated); 0 if too few. */
static double crossing_hz(const float *x, size_t n)
{
	double first = -1, last = -1;
	size_t count = 0;
	for (size_t i = 1; i < n; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			double t = (double)(i - 1) + x[i - 1] / (x[i - 1] - x[i]);
			if (first < 0)
				first = t;
			last = t;
			count++;
		}
	}
	return count > 2 ? (double)(count - 1) * PROBE_RATE / (last - first) : 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of the estimates over 0.25 s windows (a glitch, which the
 * Linux audio tests cover, does not pass for a wrong pitch here). */
static double median_hz(const float *x, size_t n, float *peak)
{
	enum { WINDOW = PROBE_RATE / 4 };
	double est[128];
	size_t windows = n / WINDOW < 128 ? n / WINDOW : 128;
	*peak = 0;
	for (size_t i = 0; i < n; i++)
		*peak = fabsf(x[i]) > *peak ? fabsf(x[i]) : *peak;
	for (size_t w = 0; w < windows; w++)
		est[w] = crossing_hz(x + w * WINDOW, WINDOW);
	qsort(est, windows, sizeof(double), compare_double);
	return windows ? est[windows / 2] : 0;
}

static int scenario_chop_source(void)
{
	char name[128], args[512];
	unique_name(name, sizeof(name), "chop");
	snprintf(
	    args, sizeof(args),
	    "chop-send %s --channels 2 --rate 48000 --freq 440,880 --names left,right --seconds 40",
	    name);
	child sender;
	obs_source_t *source;
	if (!start_sender_and_source(&sender, args, "tdshm_chop_source", "chop in", name, &source))
		return 2;
	obs_set_output_source(0, source);
	/* Let it connect and OBS's audio buffering settle, then record 4 s. */
	Sleep(3000);
	EnterCriticalSection(&lock);
	audio_frames = 0;
	audio_recording = true;
	LeaveCriticalSection(&lock);
	uint64_t deadline = now_ms() + 20000;
	size_t got = 0;
	while (got < (size_t)PROBE_RATE * 4 && now_ms() < deadline) {
		Sleep(200);
		EnterCriticalSection(&lock);
		got = audio_frames;
		LeaveCriticalSection(&lock);
	}
	EnterCriticalSection(&lock);
	audio_recording = false;
	LeaveCriticalSection(&lock);
	const double want[2] = {440, 880};
	bool ok = got >= (size_t)PROBE_RATE * 4;
	printf("probe: %.2f s of OBS's mix recorded\n", (double)got / PROBE_RATE);
	for (int c = 0; c < 2 && ok; c++) {
		float peak;
		double hz = median_hz(audio[c], got, &peak);
		printf("probe: channel %d: %.2f Hz (want %.0f), peak %.3f\n", c, hz, want[c], peak);
		ok = fabs(hz - want[c]) <= 1.0 && peak > 0.05f;
	}
	printf("probe: chop-send -> CHOP source -> OBS audio: %s\n", ok ? "ok" : "FAILED");
	return stop_sender_and_source(&sender, source, ok);
}

static int scenario_chop_filter(void)
{
	char name[128], args[512];
	unique_name(name, sizeof(name), "chop-out");
	obs_source_t *tone =
	    make_source("harness_tone_source", "tone",
			"{\"freq_left\": 440.0, \"freq_right\": 880.0, \"amplitude\": 0.5}");
	obs_source_t *filter = make_named_source("tdshm_chop_filter", "chop out", name);
	if (!tone || !filter)
		return 2;
	obs_source_filter_add(tone, filter);
	obs_set_output_source(0, tone);
	snprintf(args, sizeof(args),
		 "chop-receive %s --blocks 60 --expect-freq 440,880 --timeout 20", name);
	child receiver;
	int code = 2;
	if (child_start(&receiver, args)) {
		code = child_wait(&receiver, 60000);
		if (code < 0)
			child_kill(&receiver);
	}
	printf("probe: tone -> CHOP filter -> tdshm chop-receive --expect-freq 440,880: %s (exit "
	       "%d)\n",
	       code == 0 ? "accepted" : "did NOT accept", code);
	release_filtered(tone, filter);
	return code == 0 ? 0 : 1;
}

/* ---- libobs --------------------------------------------------------------- */

static bool start_obs(void)
{
	base_set_log_handler(probe_log, NULL);
	char data[1024];
	snprintf(data, sizeof(data), "%s/", opt.libobs_data);
	obs_add_data_path(data);
	if (!obs_startup("en-US", NULL, NULL)) {
		fprintf(stderr, "probe: obs_startup failed\n");
		return false;
	}
	struct obs_audio_info oai = {.samples_per_sec = PROBE_RATE, .speakers = SPEAKERS_STEREO};
	if (!obs_reset_audio(&oai)) {
		fprintf(stderr, "probe: obs_reset_audio failed\n");
		return false;
	}
	if (strcmp(opt.renderer, "none") != 0) {
		int rc = harness_reset_video(opt.renderer, PROBE_W, PROBE_H, 30, 1);
		if (rc != OBS_VIDEO_SUCCESS) {
			fprintf(stderr, "probe: obs_reset_video with %s failed (%d)\n",
				opt.renderer, rc);
			return false;
		}
		obs_add_raw_video_callback(NULL, on_video, NULL);
	}
	obs_module_t *module = NULL;
	int rc = obs_open_module(&module, opt.module, opt.module_data);
	if (rc != MODULE_SUCCESS) {
		fprintf(stderr, "probe: obs_open_module(%s) failed (%d)\n", opt.module, rc);
		return false;
	}
	if (!obs_init_module(module)) {
		fprintf(stderr, "probe: obs_init_module failed\n");
		return false;
	}
	obs_log_loaded_modules();
	harness_register_test_sources();
	obs_add_raw_audio_callback(0, NULL, on_audio, NULL);
	return true;
}

static int scenario_start(void)
{
	static const char *ids[] = {"tdshm_top_source", "tdshm_top_filter", "tdshm_chop_source",
				    "tdshm_chop_filter"};
	int missing = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *name = obs_source_get_display_name(ids[i]);
		printf("probe: %s: %s\n", ids[i], name ? name : "NOT registered");
		missing += !name;
	}
	return missing ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i] + 2, *v = argv[i + 1];
		if (!strcmp(k, "renderer"))
			opt.renderer = v;
		else if (!strcmp(k, "tool"))
			opt.tool = v;
		else if (!strcmp(k, "module"))
			opt.module = v;
		else if (!strcmp(k, "module-data"))
			opt.module_data = v;
		else if (!strcmp(k, "libobs-data"))
			opt.libobs_data = v;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (i + 2 < argc && !strcmp(argv[i], "read-counter"))
		return read_counter(argv[i + 1], atoi(argv[i + 2]),
				    i + 3 < argc && !strcmp(argv[i + 3], "resize"));
	if (i >= argc || !opt.renderer || !opt.tool || !opt.module || !opt.module_data ||
	    !opt.libobs_data) {
		fprintf(stderr,
			"usage: obs_win_probe --renderer R --tool T --module M --module-data D "
			"--libobs-data D SCENARIO [ARGS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	InitializeCriticalSection(&lock);
	audio[0] = calloc(PROBE_AUDIO_CAP, sizeof(float));
	audio[1] = calloc(PROBE_AUDIO_CAP, sizeof(float));
	if (!audio[0] || !audio[1] || !start_obs())
		return 2;
	const char *s = argv[i];
	int code;
	if (!strcmp(s, "start"))
		code = scenario_start();
	else if (!strcmp(s, "source"))
		code = scenario_source(argc - i - 1, argv + i + 1);
	else if (!strcmp(s, "resize"))
		code = scenario_resize();
	else if (!strcmp(s, "restart"))
		code = scenario_restart();
	else if (!strcmp(s, "filter"))
		code = scenario_filter(i + 1 < argc && !strcmp(argv[i + 1], "resize"));
	else if (!strcmp(s, "chop-source"))
		code = scenario_chop_source();
	else if (!strcmp(s, "chop-filter"))
		code = scenario_chop_filter();
	else {
		fprintf(stderr, "probe: no such scenario %s\n", s);
		code = 2;
	}
	obs_remove_raw_audio_callback(0, on_audio, NULL);
	if (strcmp(opt.renderer, "none") != 0)
		obs_remove_raw_video_callback(on_video, NULL);
	obs_shutdown();
	return code;
}
