/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A headless libobs for tests: real libobs 29 on X11/EGL (Xvfb) with
 * libobs-opengl, BGRA output, the built obs-tdshm module loaded, and the raw
 * video and audio of output channel 0 captured for inspection. One harness
 * per process (libobs is a process-wide singleton). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <obs.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct harness_config {
	uint32_t width, height;       /* OBS base = output size */
	uint32_t fps_num, fps_den;    /* e.g. 60/1 */
	uint32_t audio_rate;          /* 48000 default */
	uint32_t audio_channels;      /* 2 default */
	const char *module_path;      /* built obs-tdshm.so (default: the build tree's) */
	const char *module_data_path; /* data/ dir (default: the source tree's data/) */
} harness_config;

/* 640x360 at 60/1, 48000 Hz stereo, the build tree's module and data. */
void harness_config_default(harness_config *cfg);
/* DISPLAY must name a running X server (Xvfb). Starts libobs, loads and
 * initialises the module, registers the test sources, hooks raw video+audio.
 * false (with a message on stderr) on any failure. */
bool harness_start(const harness_config *cfg);
void harness_stop(void);

/* A new source (the caller releases it with obs_source_release); NULL on
 * failure. settings_json may be NULL. */
obs_source_t *harness_create_source(const char *id, const char *name, const char *settings_json);
/* Puts source on output channel 0 (active and showing); NULL clears it. */
void harness_set_output(obs_source_t *source);

/* Raw video frames delivered so far. */
uint64_t harness_frame_count(void);
/* Frames OBS's graphics loop actually rendered (total minus lagged). Output
 * frames (harness_frame_count) keep their rate under load by repeating the
 * last frame, so stalls of the render path show only here. */
uint64_t harness_rendered_frames(void);
/* OBS's log as the harness saw it (the last 512 lines): forget it, or count
 * the lines holding needle. */
void harness_log_clear(void);
size_t harness_log_count(const char *needle);
/* Waits for count more frames; false on timeout. */
bool harness_wait_frames(uint64_t count, uint32_t timeout_ms);

typedef struct harness_frame {
	uint8_t *bgra;
	uint32_t width, height, linesize;
	uint64_t timestamp_ns;
	uint64_t index; /* 0-based number of the frame in delivery order */
} harness_frame;

/* A malloc'd copy of the latest frame; free with harness_frame_free. */
bool harness_copy_latest_frame(harness_frame *out);
void harness_frame_free(harness_frame *f);
/* Pixel (x, y) of f, top row first, as B,G,R,A bytes. */
const uint8_t *harness_frame_pixel(const harness_frame *f, uint32_t x, uint32_t y);
bool harness_save_png(const harness_frame *f, const char *path);
/* Called on OBS's video thread for every frame (the view is valid only during
 * the call); for latency measurements. NULL removes it. */
typedef void (*harness_frame_hook)(const harness_frame *frame, void *param);
void harness_set_frame_hook(harness_frame_hook hook, void *param);

/* Audio: the mix on track 0 as float planar at the harness rate. Returns the
 * frames copied into planes[0..channels-1], consuming them. */
size_t harness_audio_take(float **planes, uint32_t channels, size_t max_frames);
void harness_audio_clear(void);

/* Test sources the harness registers:
 *  "harness_color_source" video; settings "color" (int 0xAABBGGRR), "width",
 *      "height", "pattern": "solid" | "gradient" (x: 0..255 in R,G,B) |
 *      "quadrants" (TL red, TR green, BL blue, BR white, all opaque).
 *  "harness_tone_source" audio; settings "freq_left", "freq_right" (Hz),
 *      "amplitude" (0..1, default 0.5). */

/* ---- helpers for tests that play TouchDesigner in another process ---- */

/* Starts argv[0] (a path) with argv; returns the pid or -1. */
int harness_spawn(const char *const *argv);
/* true (and *status = exit code, or 128+signal) once pid has exited. */
bool harness_exited(int pid, int *status);
/* Sends SIGTERM (or SIGKILL when hard) and reaps it, bounded to 3 s.
 * harness_stop (and exit) do this for every child still running. */
void harness_kill(int pid, bool hard);

#ifdef __cplusplus
}
#endif
