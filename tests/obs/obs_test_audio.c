/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Audio through CHOP segments in a real libobs (issue #5):
 *  - `tdshm chop-send` (another process, as TouchDesigner) -> the
 *    tdshm_chop_source -> OBS's mix: frequencies, channel order, continuity
 *    over 10 s (48 kHz, and 44.1 kHz resampled), drift over 60 s (44.1 kHz);
 *  - a sender restarting (killed, then closed) with another channel count;
 *  - every bad_chop_* vector in a live segment: refused with a status;
 *  - the harness tone -> the tdshm_chop_filter -> `tdshm chop-receive`
 *    (another process): samples, names, block length; and a receiver that
 *    holds the lock does not stall OBS's audio;
 *  - Tools -> TouchDesigner Output's program audio: the mix of two tones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <errno.h>
#include <pthread.h>

#include <obs.h>
#include <util/bmem.h>
#include <util/threading.h>
#include <media-io/audio-resampler.h>
#include <util/platform.h>

#include "obs_harness.h"
#include "tdshm/chop.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"
#include "test_support.h"

extern char **environ;

#define RATE 48000

/* ---- processes ------------------------------------------------------------ */

/* Processes and sources a test started, so that a failing test (cmocka
 * jumps out of it) leaves nothing running into the next one. */
#define MAX_LIVE 16
static int live_pids[MAX_LIVE];
static obs_source_t *live_sources[MAX_LIVE];

static void track_pid(int pid)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live_pids[i]) {
			live_pids[i] = pid;
			return;
		}
}

static void untrack_pid(int pid)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_pids[i] == pid)
			live_pids[i] = 0;
}

static void stop_process(int pid, bool hard)
{
	harness_kill(pid, hard);
	untrack_pid(pid);
}

static void track_source(obs_source_t *source)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (!live_sources[i]) {
			live_sources[i] = source;
			return;
		}
}

static void untrack_source(obs_source_t *source)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_sources[i] == source)
			live_sources[i] = NULL;
}

/* Starts argv with stdout and stderr into log_path (may be NULL: inherit). */
static int spawn_logged(const char *const *argv, const char *log_path)
{
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	if (log_path) {
		posix_spawn_file_actions_addopen(&actions, 1, log_path,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
		posix_spawn_file_actions_adddup2(&actions, 1, 2);
	}
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0)
		return -1;
	track_pid((int)pid);
	return (int)pid;
}

/* Exit code of pid within timeout_ms; -1 (and the process killed) if not. */
static int wait_exit(int pid, uint32_t timeout_ms)
{
	for (uint32_t waited = 0; waited <= timeout_ms; waited += 10) {
		int st = 0;
		if (waitpid((pid_t)pid, &st, WNOHANG) == (pid_t)pid) {
			untrack_pid(pid);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	stop_process(pid, true);
	return -1;
}

static char *read_text(const char *path)
{
	size_t size = 0;
	uint8_t *bytes = tdshm_test_read_file(path, &size);
	if (!bytes)
		return NULL;
	char *text = realloc(bytes, size + 1);
	text[size] = '\0';
	return text;
}

/* `tdshm chop-send NAME --channels C --rate R --freq F [--names N]`,
 * running until killed (at most 120 s), its output into log_path (NULL: none). */
static int start_chop_send_logged(const char *name, const char *channels, const char *rate,
				  const char *freq, const char *names, const char *log_path)
{
	const char *argv[16] = {tdshm_test_tool_path(),
				"chop-send",
				name,
				"--channels",
				channels,
				"--rate",
				rate,
				"--freq",
				freq,
				"--seconds",
				"120",
				/* full scale: the jump limits below are in its units */
				"--amplitude",
				"1"};
	int n = 13;
	if (names) {
		argv[n++] = "--names";
		argv[n++] = names;
	}
	argv[n] = NULL;
	int pid = spawn_logged(argv, log_path ? log_path : "/dev/null");
	assert_true(pid > 0);
	return pid;
}

static int start_chop_send(const char *name, const char *channels, const char *rate,
			   const char *freq, const char *names)
{
	return start_chop_send_logged(name, channels, rate, freq, names, NULL);
}

/* ---- the status line ------------------------------------------------------ */

static void status_of(obs_source_t *source, char *out, size_t cap)
{
	obs_properties_t *props = obs_source_properties(source);
	obs_property_t *p = props ? obs_properties_get(props, "status") : NULL;
	/* The status row: "Status" as its label, the line as its text. */
	const char *line = p ? obs_property_long_description(p) : NULL;
	snprintf(out, cap, "%s", line ? line : "(no status property)");
	obs_properties_destroy(props);
}

/* Waits until the status line contains needle. */
static bool wait_status(obs_source_t *source, const char *needle, uint32_t timeout_ms, char *out,
			size_t cap)
{
	for (uint32_t waited = 0;; waited += 20) {
		status_of(source, out, cap);
		if (strstr(out, needle))
			return true;
		if (waited >= timeout_ms)
			return false;
		os_sleep_ms(20);
	}
}

/* Waits until the status line no longer contains needle. */
static void assert_status_leaves(obs_source_t *source, const char *needle, uint32_t timeout_ms)
{
	char status[1024];
	for (uint32_t waited = 0;; waited += 10) {
		status_of(source, status, sizeof(status));
		if (!strstr(status, needle))
			break;
		if (waited >= timeout_ms)
			fail_msg("status still contains '%s': %s", needle, status);
		os_sleep_ms(10);
	}
	print_message("  status: %s\n", status);
}

static void assert_status(obs_source_t *source, const char *needle, uint32_t timeout_ms)
{
	char status[1024];
	if (!wait_status(source, needle, timeout_ms, status, sizeof(status)))
		fail_msg("status never contained '%s'; it says: %s", needle, status);
	print_message("  status: %s\n", status);
}

/* ---- capturing and measuring OBS's mix ------------------------------------ */

typedef struct capture {
	float *ch[2];
	size_t frames;
} capture;

/* Takes `seconds` of OBS's mix from now on. */
static void capture_take(capture *c, double seconds)
{
	size_t want = (size_t)(seconds * RATE);
	c->ch[0] = malloc(want * sizeof(float));
	c->ch[1] = malloc(want * sizeof(float));
	assert_non_null(c->ch[0]);
	assert_non_null(c->ch[1]);
	c->frames = 0;
	harness_audio_clear();
	uint64_t deadline = os_gettime_ns() + (uint64_t)((seconds + 5) * 1e9);
	while (c->frames < want) {
		float *planes[2] = {c->ch[0] + c->frames, c->ch[1] + c->frames};
		c->frames += harness_audio_take(planes, 2, want - c->frames);
		if (os_gettime_ns() > deadline)
			fail_msg("OBS delivered only %zu of %zu audio frames", c->frames, want);
		os_sleep_ms(20);
	}
}

static void capture_free(capture *c)
{
	free(c->ch[0]);
	free(c->ch[1]);
}

typedef struct tone_measure {
	double hz;          /* whole cycles over the time they span */
	double slip;        /* net phase slip in frames against hz_nominal (modulo one period) */
	double max_jump;    /* largest departure from a pure sine, in amplitude units */
	double peak;        /* largest |sample| */
	double jump_at;     /* where the largest jump is, in seconds from the start */
	size_t silent_runs; /* runs of >= 32 exact zeros */
} tone_measure;

/* Frequency from rising zero crossings (interpolated); continuity from the
 * sine recurrence x[n] = 2 cos(w) x[n-1] - x[n-2], which a pure sine meets
 * to rounding and any gap, skip or click breaks by up to the amplitude. */
/* Set while measuring many small windows: no report of each silence. */
static bool quiet_measure;

static tone_measure measure_tone(const float *x, size_t n, double hz_nominal)
{
	tone_measure m = {0};
	double first = -1, last = -1;
	size_t cycles = 0, zeros = 0;
	double k = 2.0 * cos(2.0 * M_PI * hz_nominal / RATE);
	for (size_t i = 0; i < n; i++) {
		double a = fabs(x[i]);
		if (a > m.peak)
			m.peak = a;
		if (x[i] == 0.0f) {
			if (++zeros == 32)
				m.silent_runs++;
		} else {
			if (zeros >= 32 && m.silent_runs <= 5 && !quiet_measure)
				print_message("    silence of %zu frames at %.3f s\n", zeros,
					      (double)(i - zeros) / RATE);
			zeros = 0;
		}
		if (i >= 2) {
			double r = fabs((double)x[i] - k * x[i - 1] + x[i - 2]);
			if (r > m.max_jump) {
				m.max_jump = r;
				m.jump_at = (double)i / RATE;
			}
		}
		if (i >= 1 && x[i - 1] < 0 && x[i] >= 0) {
			double at = (double)(i - 1) + (double)-x[i - 1] / ((double)x[i] - x[i - 1]);
			if (first < 0)
				first = at;
			else
				cycles++;
			last = at;
		}
	}
	if (zeros >= 32 && !quiet_measure)
		print_message("    silence of %zu frames at the end\n", zeros);
	if (cycles > 0) {
		double span = last - first;
		m.hz = cycles / span * RATE;
		/* Whole cycles against the span they cover: a gap or a skip
		 * shows as a slip, but only modulo one period (the cycles on
		 * either side of it still come every period). */
		m.slip = span - cycles * RATE / hz_nominal;
	}
	return m;
}

static void check_tone(const char *what, const float *x, size_t n, double hz, double max_jump,
		       tone_measure *out)
{
	tone_measure m = measure_tone(x, n, hz);
	print_message("  %s: %.3f Hz (want %.0f), peak %.4f, largest jump %.5f, phase slip %.1f "
		      "frames, silent runs %zu\n",
		      what, m.hz, hz, m.peak, m.max_jump, m.slip, m.silent_runs);
	if (fabs(m.hz - hz) > 1.0)
		fail_msg("%s: %.3f Hz is not within 1 Hz of %.0f Hz", what, m.hz, hz);
	if (max_jump > 0 && m.max_jump > max_jump)
		fail_msg("%s: a discontinuity of %.4f at %.3f s of %.3f s (more than %.4f)", what,
			 m.max_jump, m.jump_at, (double)n / RATE, max_jump);
	if (out)
		*out = m;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The frequency of a capture: the median of the estimates over windows of
 * it, so that a glitch (which other checks cover) does not pass for a wrong
 * pitch. */
static void check_median_hz(const char *what, const float *x, size_t n, double hz, size_t window)
{
	size_t windows = n / window;
	double *est = calloc(windows ? windows : 1, sizeof(double));
	assert_non_null(est);
	size_t silent = 0;
	quiet_measure = true;
	for (size_t w = 0; w < windows; w++) {
		tone_measure m = measure_tone(x + w * window, window, hz);
		est[w] = m.hz;
		silent += m.silent_runs > 0;
	}
	quiet_measure = false;
	qsort(est, windows, sizeof(double), compare_double);
	double median = windows ? est[windows / 2] : 0;
	print_message("  %s: median of %zu estimates over %.1f s each: %.3f Hz (want %.0f); "
		      "%zu window(s) with a gap\n",
		      what, windows, (double)window / RATE, median, hz, silent);
	free(est);
	if (fabs(median - hz) > 1.0)
		fail_msg("%s: %.3f Hz is not within 1 Hz of %.0f Hz", what, median, hz);
}

/* ---- fixtures ------------------------------------------------------------- */

/* A tone source handed to OBS ahead of time (defined with the filter tests). */
static struct obs_source_info early_tone_info;

static int group_setup(void **state)
{
	(void)state;
	harness_config cfg;
	harness_config_default(&cfg);
	/* Audio tests: the picture is not looked at, and a small one keeps
	 * llvmpipe's software rendering from taking the CPU the real-time
	 * parts need (60 fps stays: the filter's default block is one frame). */
	cfg.width = 128;
	cfg.height = 72;
	if (!harness_start(&cfg))
		return -1;
	obs_register_source(&early_tone_info);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	harness_stop();
	return 0;
}

static obs_source_t *make_chop_source(const char *name, const char *picker)
{
	char json[512];
	if (picker)
		snprintf(json, sizeof(json), "{\"name\": \"%s\", \"channels\": \"%s\"}", name,
			 picker);
	else
		snprintf(json, sizeof(json), "{\"name\": \"%s\"}", name); /* only the name */
	obs_source_t *source = harness_create_source("tdshm_chop_source", "chop in", json);
	assert_non_null(source);
	track_source(source);
	harness_set_output(source);
	return source;
}

static void drop_source(obs_source_t *source)
{
	harness_set_output(NULL);
	untrack_source(source);
	obs_source_release(source);
}

/* ---- source: tone, continuity, drift -------------------------------------- */

/* The bound on discontinuities: a resampler's transient, measured here on
 * libobs's own resampler (44.1 to 48 kHz, a 440 Hz sine of amplitude 1
 * starting from rest, in 735-frame blocks as chop-send writes them): the
 * largest departure from a pure sine in its first 2000 frames of output.
 * About 0.009; a clean stream stays near 1e-5, and a gap, a skipped block
 * or a click is of the size of the signal. */
static double resampler_transient(void)
{
	static double measured = -1;
	if (measured >= 0)
		return measured;
	struct resample_info from = {44100, AUDIO_FORMAT_FLOAT_PLANAR, SPEAKERS_MONO};
	struct resample_info to = {RATE, AUDIO_FORMAT_FLOAT_PLANAR, SPEAKERS_MONO};
	audio_resampler_t *rs = audio_resampler_create(&to, &from);
	assert_non_null(rs);
	float in[735], out[4096];
	size_t n = 0;
	double phase = 0;
	while (n < 2000) {
		for (int i = 0; i < 735; i++) {
			in[i] = (float)sin(phase);
			phase += 2.0 * M_PI * 440.0 / 44100.0;
		}
		const uint8_t *input[MAX_AV_PLANES] = {(const uint8_t *)in};
		uint8_t *output[MAX_AV_PLANES] = {0};
		uint32_t frames = 0;
		uint64_t offset = 0;
		assert_true(audio_resampler_resample(rs, output, &frames, &offset, input, 735));
		for (uint32_t i = 0; i < frames && n < 4096; i++)
			out[n++] = ((const float *)output[0])[i];
	}
	audio_resampler_destroy(rs);
	measured = measure_tone(out, 2000, 440).max_jump;
	print_message("  a resampler's transient: %.5f\n", measured);
	return measured;
}

/* What the source counts as lost, from its status line ("Lost so far: B
 * block(s) overwritten ..., S ms of silence played, D ms dropped."): zeros
 * when it reports nothing lost. */
typedef struct losses {
	long blocks, silence_ms, dropped_ms;
} losses;

static losses losses_of(obs_source_t *source)
{
	char status[1024];
	status_of(source, status, sizeof(status));
	losses l = {0, 0, 0};
	const char *at = strstr(status, "Lost so far:");
	if (at && sscanf(at,
			 "Lost so far: %ld block(s) overwritten before they could be read, %ld "
			 "ms of silence played, %ld ms dropped.",
			 &l.blocks, &l.silence_ms, &l.dropped_ms) != 3)
		fail_msg("cannot read the losses in: %s", status);
	return l;
}

static void play_chop_send(const char *rate, double seconds)
{
	char name[64], log_path[128];
	tdshm_test_unique_name(name, sizeof(name), "audio-in");
	snprintf(log_path, sizeof(log_path), "/tmp/obs_test_audio-send-%d.log", (int)getpid());
	int pid = start_chop_send_logged(name, "2", rate, "440,880", NULL, log_path);
	obs_source_t *source = make_chop_source(name, NULL);
	assert_status(source, "playing 2 of 2 channel(s)", 5000);
	os_sleep_ms(1000); /* past the start and the resampler's first transient */

	losses before = losses_of(source);
	capture c;
	capture_take(&c, seconds);
	os_sleep_ms(600); /* the status line is refreshed every 30 blocks */
	losses after = losses_of(source);

	/* The first 10 s: a clean sine on each channel, in order. */
	size_t ten_s = 10 * RATE < c.frames ? 10 * RATE : c.frames;
	tone_measure left, right;
	check_tone("channel 1, first 10 s", c.ch[0], ten_s, 440, resampler_transient(), &left);
	check_tone("channel 2, first 10 s", c.ch[1], ten_s, 880, resampler_transient(), &right);
	assert_true(left.peak > 0.9 && left.peak < 1.01);
	assert_int_equal(left.silent_runs, 0);
	assert_int_equal(right.silent_runs, 0);

	/* The whole capture: still the right tones, and drift under one block.
	 * Drift is how far OBS's timeline has moved against the sender's: the
	 * silence the source played pushed OBS's copy later, blocks it never
	 * saw (overwritten before it could read them: this project's sender
	 * numbers them) and audio it dropped pulled it earlier. A sine's phase
	 * shows this only modulo its period, so the source's own account is
	 * used; glitches themselves are what the 10 s check above looks for.
	 * chop-send, like TD, writes a longer block after a late cook, so a
	 * missed block held from one usual block up to the longest it wrote:
	 * the drift must be under a block at both ends of that range. */
	if (c.frames > ten_s) {
		check_median_hz("channel 1, whole", c.ch[0], c.frames, 440, RATE);
		check_median_hz("channel 2, whole", c.ch[1], c.frames, 880, RATE);
	}
	double block = RATE / 60.0; /* one chop-send block (a 60 fps cook) in OBS frames */
	long blocks = after.blocks - before.blocks;
	long silence_ms = after.silence_ms - before.silence_ms;
	long dropped_ms = after.dropped_ms - before.dropped_ms;
	double drift = (double)(silence_ms - dropped_ms) * RATE / 1000.0 - (double)blocks * block;
	print_message("  over %.0f s: %ld block(s) overwritten, %ld ms silence, %ld ms dropped: "
		      "drift %+.0f frames (%+.1f ms); a block is %.0f frames\n",
		      seconds, blocks, silence_ms, dropped_ms, drift, drift * 1000.0 / RATE, block);
	capture_free(&c);
	drop_source(source);
	stop_process(pid, false);
	/* How often the sender itself was late (a longer block for each). */
	char *log = read_text(log_path);
	const char *stopped = log ? strstr(log, "stopped") : NULL;
	const char *longest_at = stopped ? strstr(stopped, "longest ") : NULL;
	unsigned longest = 0;
	if (!longest_at || sscanf(longest_at, "longest %u", &longest) != 1)
		fail_msg("chop-send's final line is missing: %s", log ? log : "(no output)");
	print_message("  chop-send: %s", stopped);
	free(log);
	unlink(log_path);
	double longest_obs = longest * (double)RATE / atof(rate);
	double drift_if_long = drift - (double)blocks * (longest_obs - block);
	if (blocks > 0)
		print_message(
		    "  if every missed block was the longest (%.0f frames): drift %+.0f\n",
		    longest_obs, drift_if_long);
	assert_true(fabs(drift) < block);
	assert_true(fabs(drift_if_long) < block);
}

static void test_chop_send_48k_plays_continuously_in_order_for_10_s(void **state)
{
	(void)state;
	play_chop_send("48000", 10.0);
}

static void test_chop_send_44k1_resampled_does_not_drift_over_60_s(void **state)
{
	(void)state;
	play_chop_send("44100", 60.0);
}

/* ---- source: restarts and channel-count changes --------------------------- */

/* Which tone plays on each side: what these tests are about is routing, so
 * a glitch of a loaded machine (the 10 s and 60 s tests' business) must not
 * pass for a wrong channel. */
static void capture_hz(double seconds, double hz_left, double hz_right)
{
	capture c;
	capture_take(&c, seconds);
	check_median_hz("left", c.ch[0], c.frames, hz_left, RATE / 10);
	check_median_hz("right", c.ch[1], c.frames, hz_right, RATE / 10);
	capture_free(&c);
}

static void test_source_follows_sender_restarts_and_channel_count_changes(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "audio-restart");
	obs_source_t *source = make_chop_source(name, NULL);
	assert_status(source, "Waiting", 3000);

	int pid = start_chop_send(name, "2", "48000", "440,880", NULL);
	assert_status(source, "playing 2 of 2", 5000);
	os_sleep_ms(500);
	capture_hz(1.0, 440, 880);

	/* TouchDesigner crashes: no detach, the process is just gone. */
	stop_process(pid, true);
	assert_status_leaves(source, "playing", 5000);

	/* It comes back as one channel at 44.1 kHz: mono, upmixed by OBS. */
	pid = start_chop_send(name, "1", "44100", "660", NULL);
	assert_status(source, "playing 1 of 1 channel(s) at 44100 Hz", 5000);
	os_sleep_ms(500);
	capture_hz(1.0, 660, 660);

	/* Closed properly (detach), then back with ten named channels: eight
	 * play (7.1), the rest are named in the status. */
	stop_process(pid, false);
	pid = start_chop_send(name, "10", "48000", "100,200,300,400,500,600,700,800,900,1000",
			      "a,b,c,d,e,f,g,h,i,j");
	assert_status(source, "playing 8 of 10", 5000);
	assert_status(source, "past the 8th", 100);
	stop_process(pid, false);

	/* And back as stereo: picked channels follow. */
	pid = start_chop_send(name, "2", "48000", "300,600", NULL);
	assert_status(source, "playing 2 of 2", 5000);
	os_sleep_ms(500);
	capture_hz(1.0, 300, 600);
	stop_process(pid, false);
	drop_source(source);
}

static void test_channel_picker_by_name_and_number_reorders(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "audio-pick");
	int pid = start_chop_send(name, "3", "48000", "300,500,700", "kick,snare,hat");
	obs_source_t *source = make_chop_source(name, "hat, 1");
	assert_status(source, "playing 2 of 3", 5000);
	os_sleep_ms(500);
	capture_hz(1.0, 700, 300);

	/* An entry that is not there plays silence and is named. */
	obs_data_t *settings = obs_data_create_from_json("{\"channels\": \"snare,bass\"}");
	obs_source_update(source, settings);
	obs_data_release(settings);
	assert_status(source, "bass", 5000);
	os_sleep_ms(500);
	capture c;
	capture_take(&c, 1.0);
	check_median_hz("left (snare)", c.ch[0], c.frames, 500, RATE / 10);
	tone_measure right = measure_tone(c.ch[1], c.frames, 500);
	assert_true(right.peak == 0.0);
	capture_free(&c);
	drop_source(source);
	stop_process(pid, false);
}

/* ---- source: a sender like TouchDesigner's own (no serial) ---------------- */

/* Plays TouchDesigner's part the way TouchDesigner does it: the info segment
 * is TD's 44-byte block with nothing after it (no pid, no frame serial), so
 * the source can only tell new blocks by their content. A thread cooks every
 * 1/60 s and writes one 440/880 Hz block with every sample since its last
 * cook (800 frames on time, more after a late cook, as TD's CHOP does),
 * unless paused: a paused timeline makes no samples. */
#define TD_BLOCK 800
#define TD_MAX_BLOCK RATE /* a late cook writes at most 1 s */
typedef struct td_sender {
	char name[64];
	tdshm_lock *data_lock, *info_lock;
	tdshm_shm *info, *data;
	pthread_t thread;
	os_event_t *stop;
	volatile long paused;
	double phase[2];
} td_sender;

static void *td_sender_thread(void *data)
{
	td_sender *t = data;
	static float left[TD_MAX_BLOCK], right[TD_MAX_BLOCK];
	const float *planes[2] = {left, right};
	const char *names[2] = {"chan1", "chan2"};
	const uint64_t period = 1000000000ull / 60;
	uint64_t start = os_gettime_ns(), next = 0, sent = 0;
	while (os_event_try(t->stop) == EAGAIN) {
		uint64_t now = os_gettime_ns();
		uint64_t cook = (now - start) / period;
		if (cook < next)
			cook = next;
		uint64_t due = (cook + 1) * TD_BLOCK;
		if (os_atomic_load_long(&t->paused))
			sent = due; /* a paused timeline: no samples */
		else if (due - sent > TD_MAX_BLOCK)
			sent = due - TD_MAX_BLOCK;
		int length = (int)(due - sent);
		sent = due;
		if (length > 0) {
			for (int i = 0; i < length; i++) {
				left[i] = (float)sin(t->phase[0]);
				right[i] = (float)sin(t->phase[1]);
				t->phase[0] =
				    fmod(t->phase[0] + 2.0 * M_PI * 440.0 / RATE, 2.0 * M_PI);
				t->phase[1] =
				    fmod(t->phase[1] + 2.0 * M_PI * 880.0 / RATE, 2.0 * M_PI);
			}
			if (tdshm_lock_acquire(t->data_lock, 100, NULL) == TDSHM_OK) {
				tdshm_status st = tdshm_chop_write(
				    tdshm_shm_bytes(t->data), tdshm_shm_size(t->data), 2,
				    (uint32_t)length, (float)RATE, planes, names, NULL);
				tdshm_lock_release(t->data_lock);
				assert_int_equal(st, TDSHM_OK);
			}
		}
		/* The next cook on the 60 fps grid at least half a period on. */
		next = cook + 1;
		while (start + next * period < os_gettime_ns() + period / 2)
			next++;
		os_sleepto_ns(start + next * period);
	}
	return NULL;
}

/* The one TD-like sender a test may run (a global: it outlives a failed test
 * until the teardown stops it). */
static td_sender live_td;
static bool live_td_running;

static void td_sender_start(td_sender *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	char full[TDSHM_FULL_NAME_CAP];
	size_t size = 0;
	const char *names[2] = {"chan1", "chan2"};
	assert_int_equal(tdshm_chop_segment_size(2, TD_MAX_BLOCK, names, &size, NULL), TDSHM_OK);
	assert_int_equal(tdshm_name_data_lock(name, full, sizeof(full), NULL), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(full, &t->data_lock, NULL), TDSHM_OK);
	assert_int_equal(tdshm_name_info_lock(name, full, sizeof(full), NULL), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(full, &t->info_lock, NULL), TDSHM_OK);
	assert_int_equal(tdshm_name_info(name, full, sizeof(full), NULL), TDSHM_OK);
	assert_int_equal(tdshm_shm_create(full, TDSHM_INFO_SIZE_POSIX, true, &t->info, NULL),
			 TDSHM_OK);
	tdshm_info info = {.magic = TDSHM_INFO_MAGIC, .version = TDSHM_INFO_VERSION};
	assert_int_equal(tdshm_lock_acquire(t->info_lock, 5000, NULL), TDSHM_OK);
	assert_int_equal(tdshm_info_write(&info, TDSHM_INFO_LAYOUT_POSIX, tdshm_shm_bytes(t->info),
					  tdshm_shm_size(t->info), NULL),
			 TDSHM_OK);
	tdshm_lock_release(t->info_lock);
	assert_int_equal(tdshm_name_data(name, "", full, sizeof(full), NULL), TDSHM_OK);
	assert_int_equal(tdshm_shm_create(full, size, true, &t->data, NULL), TDSHM_OK);
	assert_int_equal(os_event_init(&t->stop, OS_EVENT_TYPE_MANUAL), 0);
	assert_int_equal(pthread_create(&t->thread, NULL, td_sender_thread, t), 0);
	live_td_running = true;
}

static void td_sender_stop(td_sender *t)
{
	live_td_running = false;
	os_event_signal(t->stop);
	pthread_join(t->thread, NULL);
	os_event_destroy(t->stop);
	if (tdshm_lock_acquire(t->info_lock, 5000, NULL) == TDSHM_OK) {
		tdshm_info_set_detach(tdshm_shm_bytes(t->info), TDSHM_INFO_LAYOUT_POSIX, true);
		tdshm_lock_release(t->info_lock);
	}
	tdshm_shm_close_and_remove(t->data);
	tdshm_shm_close_and_remove(t->info);
	tdshm_lock_close(t->data_lock);
	tdshm_lock_close(t->info_lock);
}

static void test_td_like_sender_plays_by_content_and_a_pause_is_silence(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "audio-td");
	td_sender *tdp = &live_td;
	td_sender_start(tdp, name);
	obs_source_t *source = make_chop_source(name, NULL);
	assert_status(source, "playing 2 of 2 channel(s) at 48000 Hz", 5000);
	os_sleep_ms(1000);

	/* Every block once, none twice: a clean tone. */
	capture c;
	capture_take(&c, 3.0);
	check_tone("channel 1", c.ch[0], c.frames, 440, resampler_transient(), NULL);
	check_tone("channel 2", c.ch[1], c.frames, 880, resampler_transient(), NULL);
	capture_free(&c);

	/* TouchDesigner paused: the last block stays in memory. It is not
	 * played again and again: silence. */
	os_atomic_set_long(&tdp->paused, 1);
	os_sleep_ms(300);
	capture_take(&c, 1.0);
	tone_measure paused = measure_tone(c.ch[0], c.frames, 440);
	print_message("  paused: peak %.5f\n", paused.peak);
	assert_true(paused.peak == 0.0);
	capture_free(&c);

	/* Playing again: the tone is back. */
	os_atomic_set_long(&tdp->paused, 0);
	os_sleep_ms(500);
	capture_hz(1.0, 440, 880);
	td_sender_stop(tdp);
	assert_status_leaves(source, "playing", 5000);
	drop_source(source);
}

/* ---- source: hostile segments --------------------------------------------- */

static void test_every_bad_chop_vector_in_a_live_segment_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		const char *says;
	} bad[] = {
	    {"bad_chop_length.bin", "past the end"}, {"bad_chop_names_offset.bin", "name offset"},
	    {"bad_truncated_header.bin", "36-byte"}, {"bad_magic.bin", "not a TouchDesigner CHOP"},
	    {"top_v1_rgba8.bin", "TOP (image)"},
	};
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "audio-bad");
	obs_source_t *source = make_chop_source(name, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t size = 0;
		uint8_t *vector = tdshm_test_read_vector(bad[i].file, &size);
		if (!vector)
			fail_msg("missing vector %s", bad[i].file);
		tdshm_sender *sender = NULL;
		tdshm_error err;
		assert_int_equal(tdshm_sender_create(name, size, 5000, &sender, &err), TDSHM_OK);
		uint8_t *bytes;
		size_t mapped;
		assert_int_equal(tdshm_sender_begin_write(sender, 1000, &bytes, &mapped, &err),
				 TDSHM_OK);
		assert_true(mapped >= size);
		memcpy(bytes, vector, size);
		tdshm_sender_end_write(sender);
		print_message("  %s\n", bad[i].file);
		assert_status(source, "Refused", 5000);
		assert_status(source, bad[i].says, 2000);
		tdshm_sender_destroy(sender, 5000);
		free(vector);
		assert_status_leaves(source, "Refused", 5000);
	}
	/* Still working: a good block plays. */
	size_t size = 0;
	uint8_t *good = tdshm_test_read_vector("chop_3x4_named.bin", &size);
	assert_non_null(good);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(name, size, 5000, &sender, NULL), TDSHM_OK);
	uint8_t *bytes;
	size_t mapped;
	assert_int_equal(tdshm_sender_begin_write(sender, 1000, &bytes, &mapped, NULL), TDSHM_OK);
	memcpy(bytes, good, size);
	tdshm_sender_end_write(sender);
	assert_status(source, "playing 3 of 3 channel(s) at 48000 Hz", 5000);
	tdshm_sender_destroy(sender, 5000);
	free(good);
	drop_source(source);
}

/* ---- filter --------------------------------------------------------------- */

typedef struct tone_with_filter {
	obs_source_t *tone;
	obs_source_t *filter;
} tone_with_filter;

/* "audio_test_early_tone": a 440/880 Hz tone (amplitude 0.5) handed to OBS
 * 50 ms before it is due. The harness tone hands each packet over exactly
 * when it is due, so any scheduling delay on a shared machine makes OBS drop
 * a tick of it (measured: a 1024-frame gap in about one 1.5 s capture in
 * five, with no filter at all); the stall test must see only what the
 * filter does. */
#define EARLY_TONE_BLOCK 480
#define EARLY_TONE_LEAD_NS 50000000ull

typedef struct early_tone {
	obs_source_t *source;
	pthread_t thread;
	os_event_t *stop;
} early_tone;

static const char *early_tone_name(void *unused)
{
	(void)unused;
	return "Early tone";
}

static void *early_tone_thread(void *data)
{
	early_tone *t = data;
	float left[EARLY_TONE_BLOCK], right[EARLY_TONE_BLOCK];
	double phase[2] = {0, 0};
	const double freq[2] = {440.0, 880.0};
	uint64_t start = os_gettime_ns(), sent = 0;
	while (os_event_try(t->stop) == EAGAIN) {
		float *planes[2] = {left, right};
		for (int c = 0; c < 2; c++)
			for (int i = 0; i < EARLY_TONE_BLOCK; i++) {
				planes[c][i] = (float)(0.5 * sin(phase[c]));
				phase[c] = fmod(phase[c] + 2.0 * M_PI * freq[c] / RATE, 2.0 * M_PI);
			}
		struct obs_source_audio audio = {
		    .data = {(uint8_t *)left, (uint8_t *)right},
		    .frames = EARLY_TONE_BLOCK,
		    .speakers = SPEAKERS_STEREO,
		    .format = AUDIO_FORMAT_FLOAT_PLANAR,
		    .samples_per_sec = RATE,
		    .timestamp = start + EARLY_TONE_LEAD_NS + sent * 1000000000ull / RATE,
		};
		obs_source_output_audio(t->source, &audio);
		sent += EARLY_TONE_BLOCK;
		os_sleepto_ns(start + sent * 1000000000ull / RATE);
	}
	return NULL;
}

static void *early_tone_create(obs_data_t *settings, obs_source_t *source)
{
	(void)settings;
	early_tone *t = bzalloc(sizeof(*t));
	t->source = source;
	if (os_event_init(&t->stop, OS_EVENT_TYPE_MANUAL) != 0 ||
	    pthread_create(&t->thread, NULL, early_tone_thread, t) != 0) {
		os_event_destroy(t->stop);
		bfree(t);
		return NULL;
	}
	return t;
}

static void early_tone_destroy(void *data)
{
	early_tone *t = data;
	os_event_signal(t->stop);
	pthread_join(t->thread, NULL);
	os_event_destroy(t->stop);
	bfree(t);
}

static struct obs_source_info early_tone_info = {
    .id = "audio_test_early_tone",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = early_tone_name,
    .create = early_tone_create,
    .destroy = early_tone_destroy,
};

static tone_with_filter start_tone_with_filter(const char *tone_id, const char *filter_json)
{
	tone_with_filter t;
	t.tone = harness_create_source(
	    tone_id, "tone", "{\"freq_left\": 440.0, \"freq_right\": 880.0, \"amplitude\": 0.5}");
	assert_non_null(t.tone);
	obs_data_t *settings = obs_data_create_from_json(filter_json);
	t.filter = obs_source_create_private("tdshm_chop_filter", "chop out", settings);
	obs_data_release(settings);
	assert_non_null(t.filter);
	obs_source_filter_add(t.tone, t.filter);
	harness_set_output(t.tone);
	track_source(t.tone);
	track_source(t.filter);
	return t;
}

static void stop_tone_with_filter(tone_with_filter *t)
{
	harness_set_output(NULL);
	obs_source_filter_remove(t->tone, t->filter);
	untrack_source(t->filter);
	untrack_source(t->tone);
	obs_source_release(t->filter);
	obs_source_release(t->tone);
}

/* Runs `tdshm chop-receive NAME args...`; returns its exit code, output in *log. */
static int run_chop_receive(const char *name, char **log, ...)
{
	const char *argv[24] = {tdshm_test_tool_path(), "chop-receive", name};
	int n = 3;
	va_list args;
	va_start(args, log);
	const char *arg;
	while (n < 22 && (arg = va_arg(args, const char *)) != NULL)
		argv[n++] = arg;
	va_end(args);
	argv[n] = NULL;
	char path[128];
	snprintf(path, sizeof(path), "/tmp/obs_test_audio-%d.log", (int)getpid());
	int pid = spawn_logged(argv, path);
	assert_true(pid > 0);
	int code = wait_exit(pid, 20000);
	*log = read_text(path);
	unlink(path);
	print_message("  chop-receive exited %d:\n%s\n", code, *log ? *log : "(no output)");
	return code;
}

/* Reads blocks of this project's sender directly and checks every sample is
 * the harness tone: a pure sine of the given amplitude. */
static void check_blocks_in_process(const char *name, uint32_t want_length)
{
	tdshm_receiver *receiver = NULL;
	assert_int_equal(tdshm_receiver_create(name, NULL, &receiver, NULL), TDSHM_OK);
	uint64_t last_serial = 0;
	int blocks = 0;
	float *x = malloc((size_t)want_length * 2 * sizeof(float));
	for (int tries = 0; blocks < 10 && tries < 2000; tries++) {
		const uint8_t *bytes;
		size_t size;
		tdshm_error err;
		if (tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err) != TDSHM_OK) {
			os_sleep_ms(5);
			continue;
		}
		uint64_t serial = 0;
		bool has_serial = tdshm_receiver_frame_serial(receiver, &serial);
		tdshm_chop_block block;
		bool fresh = has_serial && serial != last_serial &&
			     tdshm_chop_parse(bytes, size, &block, &err) == TDSHM_OK;
		char n0[32] = "", n1[32] = "";
		if (fresh) {
			assert_int_equal(block.channels, 2);
			assert_int_equal(block.length, want_length);
			tdshm_chop_read_samples(bytes, &block, 0, 0, want_length, x);
			tdshm_chop_read_samples(bytes, &block, 1, 0, want_length, x + want_length);
			tdshm_chop_channel_name(bytes, &block, 0, n0, sizeof(n0));
			tdshm_chop_channel_name(bytes, &block, 1, n1, sizeof(n1));
		}
		tdshm_receiver_end_read(receiver);
		if (!fresh) {
			os_sleep_ms(2);
			continue;
		}
		last_serial = serial;
		blocks++;
		assert_true(block.sample_rate == (float)RATE);
		assert_true(block.names_sent);
		tone_measure l = measure_tone(x, want_length, 440);
		tone_measure r = measure_tone(x + want_length, want_length, 880);
		/* Over a block of 800 frames the peak of 440 Hz is reached
		 * within a hair of the amplitude. */
		assert_true(l.peak > 0.49 && l.peak <= 0.5001);
		assert_true(r.peak > 0.49 && r.peak <= 0.5001);
		assert_true(l.max_jump < 1e-4);
		assert_true(r.max_jump < 1e-4);
		if (blocks == 1)
			print_message("  in-process: %s/%s, %u samples, jumps %.2g/%.2g\n", n0, n1,
				      block.length, l.max_jump, r.max_jump);
	}
	assert_int_equal(blocks, 10);
	free(x);
	tdshm_receiver_destroy(receiver);
}

static void test_filter_sends_the_tone_to_chop_receive_with_names(void **state)
{
	(void)state;
	char name[64], json[256], *log = NULL;
	tdshm_test_unique_name(name, sizeof(name), "audio-out");
	snprintf(json, sizeof(json), "{\"name\": \"%s\"}", name); /* only the name */
	tone_with_filter t = start_tone_with_filter("harness_tone_source", json);
	assert_status(t.filter, "Sending", 5000);

	int code = run_chop_receive(name, &log, "--blocks", "60", "--expect-names", "chan1,chan2",
				    "--expect-freq", "440,880", "--print", "--timeout", "10", NULL);
	assert_int_equal(code, 0);
	/* One video frame's worth at 60 fps: 800 samples at 48 kHz. */
	assert_non_null(strstr(log, "2 channels x 800 samples at 48000 Hz, names sent"));
	free(log);
	check_blocks_in_process(name, 800);

	/* Speaker names and a block length of the user's choice. */
	obs_data_t *settings =
	    obs_data_create_from_json("{\"channel_names\": \"speakers\", \"block_length\": 256}");
	obs_source_update(t.filter, settings);
	obs_data_release(settings);
	os_sleep_ms(300);
	code = run_chop_receive(name, &log, "--blocks", "20", "--expect-names", "left,right",
				"--expect-freq", "440,880", "--timeout", "10", NULL);
	assert_int_equal(code, 0);
	assert_non_null(strstr(log, "2 channels x 256 samples at 48000 Hz"));
	free(log);
	check_blocks_in_process(name, 256);
	stop_tone_with_filter(&t);
}

static long status_number(obs_source_t *source, const char *after)
{
	char status[1024];
	status_of(source, status, sizeof(status));
	const char *at = strstr(status, after);
	long value = -1;
	if (at) {
		while (at > status && (at[-1] == ' ' || (at[-1] >= '0' && at[-1] <= '9')))
			at--;
		value = strtol(at, NULL, 10);
	}
	return value;
}

static void test_filter_never_stalls_obs_audio_while_a_receiver_holds_the_lock(void **state)
{
	(void)state;
	char name[64], json[256];
	tdshm_test_unique_name(name, sizeof(name), "audio-stuck");
	snprintf(json, sizeof(json), "{\"name\": \"%s\"}", name);
	tone_with_filter t = start_tone_with_filter("audio_test_early_tone", json);
	assert_status(t.filter, "Sending", 5000);
	os_sleep_ms(300);
	long dropped_before = status_number(t.filter, " dropped");
	long written_before = status_number(t.filter, " blocks written");

	/* A stuck TouchDesigner: holds the data lock for 2 s. */
	const char *argv[] = {TDSHM_LOCK_HOLDER_PATH, name, "2000", NULL};
	int pid = spawn_logged(argv, "/dev/null");
	assert_true(pid > 0);
	os_sleep_ms(200); /* it has the lock by now */
	uint64_t start = os_gettime_ns();
	capture c;
	capture_take(&c, 1.5);
	double took = (double)(os_gettime_ns() - start) / 1e9;
	/* OBS's audio kept flowing in real time through the filter... */
	check_tone("left through the filter", c.ch[0], c.frames, 440, resampler_transient(), NULL);
	capture_free(&c);
	print_message("  1.5 s of audio took %.2f s to arrive\n", took);
	assert_true(took < 1.5 * 1.3);
	long dropped_during = status_number(t.filter, " dropped");
	assert_int_equal(wait_exit(pid, 5000), 0);
	os_sleep_ms(500);
	long dropped_after = status_number(t.filter, " dropped");
	long written_after = status_number(t.filter, " blocks written");
	print_message("  blocks written %ld -> %ld, dropped %ld -> %ld -> %ld\n", written_before,
		      written_after, dropped_before, dropped_during, dropped_after);
	/* ...one block dropped per miss (about 47 a second: one per OBS
	 * audio packet of 1024 frames)... */
	assert_true(dropped_during - dropped_before > 40);
	/* ...and writing resumed once the lock was free. */
	assert_true(written_after > written_before + 20);
	stop_tone_with_filter(&t);
}

/* After each test, passed or failed: nothing it started keeps running. */
static int test_cleanup(void **state)
{
	(void)state;
	harness_set_output(NULL);
	if (live_td_running)
		td_sender_stop(&live_td);
	for (int i = 0; i < MAX_LIVE; i++) {
		if (live_pids[i])
			stop_process(live_pids[i], false);
		if (live_sources[i]) {
			obs_source_release(live_sources[i]);
			live_sources[i] = NULL;
		}
	}
	return 0;
}

/* Tools -> TouchDesigner Output's program audio: OBS's master mix. Two
 * sources, each on its own output channel and each sounding on one side
 * only (440 Hz left from one, 880 Hz right from the other), so that both
 * frequencies at `tdshm chop-receive` prove the mix, not one source. */
static void test_program_output_sends_the_mix_of_two_sources(void **state)
{
	(void)state;
	char video_name[64], audio_name[64], path[128], json[512], *log = NULL;
	tdshm_test_unique_name(video_name, sizeof(video_name), "program-video");
	tdshm_test_unique_name(audio_name, sizeof(audio_name), "program-audio");
	obs_source_t *left = harness_create_source(
	    "harness_tone_source", "left tone",
	    "{\"freq_left\": 440.0, \"freq_right\": 0.0, \"amplitude\": 0.3}");
	obs_source_t *right = harness_create_source(
	    "harness_tone_source", "right tone",
	    "{\"freq_left\": 0.0, \"freq_right\": 880.0, \"amplitude\": 0.3}");
	assert_non_null(left);
	assert_non_null(right);
	track_source(left);
	track_source(right);
	obs_set_output_source(0, left);
	obs_set_output_source(1, right);

	snprintf(path, sizeof(path), "/tmp/obs_test_audio-output-%d.json", (int)getpid());
	snprintf(json, sizeof(json),
		 "{\"enabled\": true, \"name\": \"%s\", \"audio_enabled\": true, "
		 "\"audio_name\": \"%s\", \"audio_channel_names\": \"speakers\"}",
		 video_name, audio_name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	calldata_t cd = {0};
	calldata_set_string(&cd, "path", path);
	assert_true(proc_handler_call(obs_get_proc_handler(), "tdshm_output_restore", &cd));
	bool running = calldata_bool(&cd, "enabled");
	calldata_free(&cd);
	unlink(path);
	assert_true(running);

	int code =
	    run_chop_receive(audio_name, &log, "--blocks", "60", "--expect-names", "left,right",
			     "--expect-freq", "440,880", "--timeout", "10", NULL);
	assert_int_equal(code, 0);
	/* One video frame's worth at 60 fps, as the CHOP filter. */
	assert_non_null(strstr(log, "2 channels x 800 samples at 48000 Hz, names sent"));
	free(log);

	/* Stopped with the output: the segment goes (detach, then removed). */
	calldata_t unload = {0};
	assert_true(proc_handler_call(obs_get_proc_handler(), "tdshm_output_unload", &unload));
	calldata_free(&unload);
	char info_name[TDSHM_FULL_NAME_CAP];
	assert_int_equal(tdshm_name_info(audio_name, info_name, sizeof(info_name), NULL), TDSHM_OK);
	/* libobs destroys the released output on its own thread: soon. */
	uint64_t until = tdshm_clock_ms() + 3000;
	while (tdshm_shm_probe(info_name, NULL) == TDSHM_OK && tdshm_clock_ms() < until)
		os_sleep_ms(10);
	assert_int_equal(tdshm_shm_probe(info_name, NULL), TDSHM_NOT_FOUND);

	obs_set_output_source(1, NULL);
	obs_set_output_source(0, NULL);
	untrack_source(right);
	untrack_source(left);
	obs_source_release(right);
	obs_source_release(left);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* The long listening tests first: OBS's audio buffering only ever
	     * grows, so they run before anything that could make it grow. */
	    cmocka_unit_test_teardown(test_chop_send_48k_plays_continuously_in_order_for_10_s,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_chop_send_44k1_resampled_does_not_drift_over_60_s,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_source_follows_sender_restarts_and_channel_count_changes,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_channel_picker_by_name_and_number_reorders,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_td_like_sender_plays_by_content_and_a_pause_is_silence,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_every_bad_chop_vector_in_a_live_segment_is_refused,
				      test_cleanup),
	    cmocka_unit_test_teardown(test_filter_sends_the_tone_to_chop_receive_with_names,
				      test_cleanup),
	    cmocka_unit_test_teardown(
		test_filter_never_stalls_obs_audio_while_a_receiver_holds_the_lock, test_cleanup),
	    cmocka_unit_test_teardown(test_program_output_sends_the_mix_of_two_sources,
				      test_cleanup),
	};
	/* OBS_TEST_AUDIO_ONLY=pattern runs the matching tests only. */
	const char *only = getenv("OBS_TEST_AUDIO_ONLY");
	if (only && only[0])
		cmocka_set_test_filter(only);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
