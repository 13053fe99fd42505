/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two real processes talking through shared memory: the built `tdshm` tool
 * as sender and as receiver, started with fork/exec, exactly as a user runs
 * them. Every case runs twice: with the system's name limit, and with
 * TDSHM_POSIX_NAME_MAX=31 so the macOS name directory is used on Linux. */
/* kill, setenv, fork/exec: POSIX, beyond strict C11. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roles_support.h"
#include "tdshm/pixel_format.h"
#include "tdshm/platform.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"
#include "test_support.h"

/* ---- child processes ------------------------------------------------------ */

#define MAX_CHILDREN 64
#define MAX_ARGS 32

typedef struct child {
	pid_t pid;
	bool running;
	int status; /* exit code, or 128 + signal */
	char log_path[256];
} child;

/* Every child this suite started, so a failed assertion never leaves one
 * running (the teardown stops them by pid). */
static child children[MAX_CHILDREN];
static int child_count;

static child *child_start_v(const char *first, va_list ap)
{
	assert_true(child_count < MAX_CHILDREN);
	child *c = &children[child_count++];
	memset(c, 0, sizeof(*c));
	const char *tmp = getenv("TMPDIR");
	snprintf(c->log_path, sizeof(c->log_path), "%s/tdshm-tool-test-%u-%d.log",
		 tmp && tmp[0] ? tmp : "/tmp", (unsigned)getpid(), child_count);
	const char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = tdshm_test_tool_path();
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < MAX_ARGS);
		argv[argc++] = a;
	}
	argv[argc] = NULL;
	/* Created before the fork, so the output can be read at once. */
	int fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	c->pid = pid;
	c->running = true;
	return c;
}

/* Starts `tdshm ARGS...` (NULL-terminated) with stdout+stderr to a log. */
static child *child_start(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	child *c = child_start_v(first, ap);
	va_end(ap);
	return c;
}

static bool child_poll(child *c)
{
	if (!c->running)
		return true;
	int status;
	pid_t r = waitpid(c->pid, &status, WNOHANG);
	if (r == c->pid) {
		c->running = false;
		c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		return true;
	}
	return false;
}

/* Exit code; fails the test if the child is still running after timeout_ms. */
static int child_wait(child *c, uint32_t timeout_ms)
{
	uint64_t end = tdshm_clock_ms() + timeout_ms;
	while (!child_poll(c)) {
		if (tdshm_clock_ms() > end)
			fail_msg("tdshm child %d did not finish within %u ms; its output is in %s",
				 (int)c->pid, timeout_ms, c->log_path);
		tdshm_sleep_ms(5);
	}
	return c->status;
}

static void child_signal(child *c, int sig)
{
	if (!child_poll(c))
		kill(c->pid, sig);
}

/* Whole output so far (malloc'd, NUL-terminated). */
static char *child_output(const child *c)
{
	size_t size = 0;
	uint8_t *data = tdshm_test_read_file(c->log_path, &size);
	assert_non_null(data);
	char *text = malloc(size + 1);
	assert_non_null(text);
	memcpy(text, data, size);
	text[size] = '\0';
	free(data);
	return text;
}

static int count_in(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Waits until the output holds needle at least times times. Returns the
 * milliseconds waited, or fails the test after timeout_ms. */
static uint64_t child_wait_output(child *c, const char *needle, int times, uint32_t timeout_ms)
{
	uint64_t start = tdshm_clock_ms();
	for (;;) {
		char *text = child_output(c);
		int n = count_in(text, needle);
		free(text);
		uint64_t waited = tdshm_clock_ms() - start;
		if (n >= times)
			return waited;
		if (waited > timeout_ms) {
			char *all = child_output(c);
			fail_msg("'%s' did not appear %d time(s) within %u ms; output:\n%s", needle,
				 times, timeout_ms, all);
		}
		tdshm_sleep_ms(5);
	}
}

static void assert_output_has(const child *c, const char *needle)
{
	char *text = child_output(c);
	if (!strstr(text, needle))
		fail_msg("expected '%s' in the output of the tool:\n%s", needle, text);
	free(text);
}

static void assert_exit(child *c, int expected, uint32_t timeout_ms)
{
	int code = child_wait(c, timeout_ms);
	if (code != expected) {
		char *text = child_output(c);
		fail_msg("tdshm exited with %d, expected %d; output:\n%s", code, expected, text);
	}
}

static int teardown_children(void **state)
{
	(void)state;
	for (int i = 0; i < child_count; i++) {
		child *c = &children[i];
		if (!child_poll(c)) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
			c->running = false;
		}
		unlink(c->log_path);
	}
	child_count = 0;
	return 0;
}

/* ---- the two runs ------------------------------------------------------------- */

static int setup_native_names(void **state)
{
	(void)state;
	unsetenv("TDSHM_POSIX_NAME_MAX");
	return 0;
}

static int setup_macos_name_limit(void **state)
{
	(void)state;
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	return 0;
}

/* ---- helpers for one sender/receiver pair ------------------------------------ */

/* Stops a sender with SIGTERM and checks it shut down cleanly. */
static void stop_sender(child *sender)
{
	child_signal(sender, SIGTERM);
	assert_exit(sender, 0, 5000);
	assert_output_has(sender, "stopped by signal");
	assert_output_has(sender, "segments removed");
}

/* `tdshm receive NAME --frames FRAMES --expect counter --timeout 10`: the
 * receiver every round trip here checks with. */
static child *start_counter_receiver(const char *name, const char *frames)
{
	return child_start("receive", name, "--frames", frames, "--expect", "counter", "--timeout",
			   "10", NULL);
}

/* A 64x36 sender at 120 fps that switches to 32x18 and back every `every`
 * frames. */
static child *start_resizing_sender(const char *name, const char *every)
{
	return child_start("send", name, "--size", "64x36", "--fps", "120", "--resize-every", every,
			   NULL);
}

/* The receiver of a start_resizing_sender finished with every frame
 * intact, and saw both sizes. */
static void assert_received_both_sizes(child *receiver)
{
	assert_exit(receiver, 0, 20000);
	assert_output_has(receiver, "corrupted 0");
	assert_output_has(receiver, "header: 64x36 bgra8");
	assert_output_has(receiver, "header: 32x18 bgra8");
}

/* `tdshm receive NAME --frames 3 --expect PATTERN [option]` exits with code
 * and, unless needle is NULL, says needle. option NULL: none (it ends the
 * argument list). */
static void check_receive_of_3(const char *name, const char *pattern, const char *option, int code,
			       const char *needle)
{
	child *c = child_start("receive", name, "--frames", "3", "--expect", pattern, option, NULL);
	assert_exit(c, code, 10000);
	if (needle)
		assert_output_has(c, needle);
}

/* Runs every format in batches of concurrent pairs (2 cores: the pairs mostly
 * sleep between frames). */
#define FORMAT_BATCH 5

static void round_trip_formats(bool legacy)
{
	size_t count = tdshm_pixel_format_count(), tested = 0;
	const tdshm_pixel_format *batch[FORMAT_BATCH];
	child *senders[FORMAT_BATCH], *receivers[FORMAT_BATCH];
	size_t i = 0;
	while (i < count) {
		int n = 0;
		static char names[FORMAT_BATCH][64];
		for (; i < count && n < FORMAT_BATCH; i++) {
			const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
			uint32_t a, b, c;
			bool usable =
			    legacy ? tdshm_top_legacy_triple(f, &a, &b, &c) : f->wire_value != 0;
			if (!usable)
				continue;
			batch[n] = f;
			tdshm_test_unique_name(names[n], sizeof(names[n]), legacy ? "lg" : "fmt");
			if (legacy)
				senders[n] =
				    child_start("send", names[n], "--size", "64x36", "--format",
						f->name, "--fps", "120", "--legacy", NULL);
			else
				senders[n] = child_start("send", names[n], "--size", "64x36",
							 "--format", f->name, "--fps", "120", NULL);
			receivers[n] = start_counter_receiver(names[n], "8");
			n++;
		}
		for (int k = 0; k < n; k++) {
			int code = child_wait(receivers[k], 20000);
			if (code != 0) {
				char *text = child_output(receivers[k]);
				fail_msg("format %s%s: receive exited %d:\n%s", batch[k]->name,
					 legacy ? " (legacy)" : "", code, text);
			}
			assert_output_has(receivers[k], "received 8 frames");
			assert_output_has(receivers[k], "corrupted 0");
			char header[128];
			snprintf(header, sizeof(header), "64x36 %s, %s header", batch[k]->name,
				 legacy ? "legacy" : "current");
			assert_output_has(receivers[k], header);
			stop_sender(senders[k]);
			tested++;
		}
	}
	/* Every format of the table took part: 25 wire formats, 30 legacy. */
	assert_true(tested >= (legacy ? 30u : 25u));
}

/* ---- the cases ----------------------------------------------------------------- */

static void test_every_format_arrives_intact(void **state)
{
	(void)state;
	round_trip_formats(false);
}

static void test_every_legacy_format_arrives_intact(void **state)
{
	(void)state;
	round_trip_formats(true);
}

/* A receiver is attached, so resizes take a new postfix each time and the
 * receiver follows them without a corrupted frame. */
static void test_receiver_follows_resizes_through_postfix(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "rzp");
	child *receiver = start_counter_receiver(name, "60");
	child_wait_output(receiver, "waiting for the sender", 1, 5000);
	child *sender = start_resizing_sender(name, "6");
	assert_received_both_sizes(receiver);
	stop_sender(sender);
	assert_output_has(sender, "new postfix");
	/* Before the receiver's first look the sender may re-create the same
	 * name; from the moment a receiver has attached, only postfixes. */
	char *text = child_output(sender);
	const char *attached = strstr(text, "a receiver attached");
	assert_non_null(attached);
	assert_null(strstr(attached, "re-created (no receiver)"));
	assert_non_null(strstr(attached, "new postfix"));
	free(text);
	/* The receiver saw the data segment change name (TouchSHM + name +
	 * 31 letters): at least three distinct headers. */
	text = child_output(receiver);
	assert_true(count_in(text, "header: ") >= 3);
	free(text);
}

/* No receiver yet: the sender re-creates the same name on resize; a
 * receiver that comes later reads both sizes intact. */
static void test_resize_before_any_receiver_recreates_then_serves(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "rzc");
	child *sender = start_resizing_sender(name, "5");
	child_wait_output(sender, "re-created (no receiver)", 2, 5000);
	child *receiver = start_counter_receiver(name, "40");
	assert_received_both_sizes(receiver);
	stop_sender(sender);
	/* Once the receiver had attached, resizes switched to the postfix. */
	assert_output_has(sender, "a receiver attached");
	assert_output_has(sender, "new postfix");
}

/* SIGKILL leaves no detach flag: the receiver must notice within a second
 * and pick the restarted sender up again. */
static void test_killed_sender_is_reported_and_restart_is_received(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "kill");
	child *first = child_start("send", name, "--size", "64x36", "--fps", "60", NULL);
	child *receiver =
	    child_start("receive", name, "--expect", "counter", "--timeout", "10", NULL);
	child_wait_output(receiver, "header: 64x36", 1, 5000);
	tdshm_sleep_ms(300);
	uint64_t killed_at = tdshm_clock_ms();
	child_signal(first, SIGKILL);
	assert_int_equal(child_wait(first, 2000), 128 + SIGKILL);
	child_wait_output(receiver, "sender gone", 1, 3000);
	uint64_t gone_ms = tdshm_clock_ms() - killed_at;
	print_message("      sender gone reported %llu ms after SIGKILL\n",
		      (unsigned long long)gone_ms);
	assert_true(gone_ms <= 1000);

	child *second = child_start("send", name, "--size", "64x36", "--fps", "60", NULL);
	child_wait_output(second, "sending '", 1, 5000);
	child_wait_output(receiver, "connected to '", 2, 5000);
	/* A header line is printed per connection when its first frame is
	 * taken: frames arrived after the reconnect. */
	child_wait_output(receiver, "header: 64x36", 2, 5000);
	tdshm_sleep_ms(300);

	/* Ctrl+C on the second sender: a clean stop sets detach, and the
	 * receiver says so too. */
	uint64_t stopped_at = tdshm_clock_ms();
	child_signal(second, SIGINT);
	assert_exit(second, 0, 5000);
	assert_output_has(second, "stopped by signal");
	child_wait_output(receiver, "sender gone", 2, 3000);
	assert_true(tdshm_clock_ms() - stopped_at <= 1000);

	child_signal(receiver, SIGTERM);
	assert_exit(receiver, 0, 5000);
	assert_output_has(receiver, "reconnects 1");
	assert_output_has(receiver, "corrupted 0");
}

static void test_receiver_started_before_sender_waits_then_receives(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "early");
	child *receiver = start_counter_receiver(name, "20");
	child_wait_output(receiver, "waiting for the sender", 1, 5000);
	tdshm_sleep_ms(500);
	assert_false(child_poll(receiver));
	child *sender = child_start("send", name, "--size", "96x54", "--format", "rgba16f", "--fps",
				    "120", NULL);
	assert_exit(receiver, 0, 15000);
	assert_output_has(receiver, "received 20 frames");
	assert_output_has(receiver, "corrupted 0");
	stop_sender(sender);
}

/* The check can fail: a receiver expecting the wrong pattern exits 1. */
static void test_wrong_pattern_is_reported_as_corrupted(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "wrong");
	child *sender =
	    child_start("send", name, "--size", "64x36", "--pattern", "bars", "--fps", "120", NULL);
	child_wait_output(sender, "sending '", 1, 5000);
	check_receive_of_3(name, "counter", NULL, 1, "corrupted 3");
	check_receive_of_3(name, "ramp", NULL, 1, "pixel(s) of the ramp pattern are wrong");
	check_receive_of_3(name, "bars", NULL, 0, NULL);
	stop_sender(sender);

	/* Rows in the wrong order are caught too: a top-down sender read as
	 * TD's bottom-up fails, read with --top-down passes. */
	tdshm_test_unique_name(name, sizeof(name), "rows");
	sender = child_start("send", name, "--size", "64x36", "--top-down", "--fps", "120", NULL);
	child_wait_output(sender, "sending '", 1, 5000);
	check_receive_of_3(name, "counter", NULL, 1, "counter cells do not decode");
	check_receive_of_3(name, "counter", "--top-down", 0, NULL);
	stop_sender(sender);
}

/* A second sender on a live name is refused with a message, exit 3. */
static void test_second_sender_on_a_name_is_refused(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "twice");
	child *first = child_start("send", name, "--size", "64x36", NULL);
	child_wait_output(first, "sending '", 1, 5000);
	child *second = child_start("send", name, "--size", "64x36", NULL);
	assert_exit(second, 3, 10000);
	assert_output_has(second, "tdshm send: cannot start the sender:");
	stop_sender(first);
}

static void test_usage_errors_exit_2_with_a_message(void **state)
{
	(void)state;
	char long_name[260];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	child *c = child_start("send", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "give the Shared Mem Name");
	c = child_start("send", "x", "--format", "rgb565", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "unknown --format 'rgb565'");
	c = child_start("send", "x", "--format", "bgr8", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "add --legacy");
	c = child_start("send", "x", "--format", "rg11b10f", "--legacy", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "legacy header cannot express");
	c = child_start("receive", "x", "--frames", "many", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "--frames needs a whole number");
	c = child_start("send", long_name, NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "at most 200");
	c = child_start("frobnicate", NULL);
	assert_exit(c, 2, 5000);
	assert_output_has(c, "unknown command");
}

/* No sender at all: receive gives up after --timeout with exit 3. */
static void test_receive_without_sender_times_out(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "absent");
	uint64_t start = tdshm_clock_ms();
	child *c = child_start("receive", name, "--timeout", "1", NULL);
	assert_exit(c, 3, 5000);
	uint64_t took = tdshm_clock_ms() - start;
	assert_true(took >= 1000 && took < 3000);
	assert_output_has(c, "no frame arrived within 1 s");
}

static void test_info_and_list_describe_a_live_sender(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "info");
	child *sender = child_start("send", name, "--size", "80x40", "--format", "rgba32f",
				    "--header-version", "2", NULL);
	child_wait_output(sender, "sending '", 1, 5000);
	tdshm_sleep_ms(100);
	child *info = child_start("info", name, NULL);
	assert_exit(info, 0, 5000);
	assert_output_has(info, "magic 0x56ed34ba, version 2");
	assert_output_has(info, "TOP header   current v2: 80x40, format rgba32f (109)");
	char pid_line[64];
	snprintf(pid_line, sizeof(pid_line), "sender pid %d (alive)", (int)sender->pid);
	assert_output_has(info, pid_line);
	assert_output_has(info, "data lock");
	/* The version 2 header (56 bytes, colour fields) is received intact. */
	check_receive_of_3(name, "counter", NULL, 0,
			   "80x40 rgba32f, current header v2, data offset 56");
	child *list = child_start("list", NULL);
	assert_exit(list, 0, 5000);
	char *text = child_output(list);
	char *line = strstr(text, name);
	if (!line)
		fail_msg("'%s' missing from tdshm list:\n%s", name, text);
	assert_non_null(strstr(line, "top  80x40 rgba32f (current v2)"));
	free(text);
	stop_sender(sender);
	child *after = child_start("info", name, NULL);
	assert_exit(after, 3, 5000);
	assert_output_has(after, "no sender named");
}

/* A legacy header carries GL enums and no data size: info shows those
 * fields as they are, never a Vulkan format number or a "data size". */
static void test_info_shows_a_legacy_headers_own_fields(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "legacyinfo");
	child *sender =
	    child_start("send", name, "--size", "80x40", "--format", "rgba32f", "--legacy", NULL);
	child_wait_output(sender, "sending '", 1, 5000);
	tdshm_sleep_ms(100);
	child *info = child_start("info", name, NULL);
	assert_exit(info, 0, 5000);
	assert_output_has(info, "TOP header   legacy v2: 80x40, aspect 80:40");
	assert_output_has(info, "data format 0x1908 (RGBA), data type 0x1406 (FLOAT), pixel "
				"format 0x8814 (RGBA32F), data offset 40");
	assert_output_has(info, "read as rgba32f: 16 bytes a pixel, rows of 1280 bytes");
	char *text = child_output(info);
	const char *header = strstr(text, "TOP header");
	assert_non_null(header);
	if (strstr(header, "(109)") || strstr(header, "data size"))
		fail_msg("legacy header shown with fields it does not have:\n%s", header);
	free(text);
	stop_sender(sender);
}

static void test_chop_sines_arrive_with_names_and_frequencies(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "chop");
	child *sender =
	    child_start("chop-send", name, "--channels", "2", "--rate", "48000", "--length", "480",
			"--freq", "440,1000", "--names", "left,right", NULL);
	child_wait_output(sender, "sending CHOP", 1, 5000);
	child *receiver = child_start("chop-receive", name, "--blocks", "30", "--expect-names",
				      "left,right", "--expect-freq", "440,1000", NULL);
	assert_exit(receiver, 0, 10000);
	assert_output_has(receiver, "CHOP: 2 channels x 480 samples at 48000 Hz, names sent");
	assert_output_has(receiver, "received 30 blocks, 0 bad");
	child *wrong =
	    child_start("chop-receive", name, "--blocks", "10", "--expect-freq", "440,1100", NULL);
	assert_exit(wrong, 1, 10000);
	assert_output_has(wrong, "expected 1100 Hz");
	child *names = child_start("chop-receive", name, "--blocks", "5", "--expect-names",
				   "left,center", NULL);
	assert_exit(names, 1, 10000);
	stop_sender(sender);
}

/* --png writes the last frame as an 8-bit RGBA PNG of the image's size. */
static void test_receive_writes_the_last_frame_as_png(void **state)
{
	(void)state;
	char name[64], path[300];
	tdshm_test_unique_name(name, sizeof(name), "png");
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/%s.png", tmp && tmp[0] ? tmp : "/tmp", name);
	child *sender = child_start("send", name, "--size", "72x40", "--format", "rgba16",
				    "--pattern", "ramp", NULL);
	child *receiver =
	    child_start("receive", name, "--frames", "2", "--expect", "ramp", "--png", path, NULL);
	assert_exit(receiver, 0, 10000);
	stop_sender(sender);
	size_t size = 0;
	uint8_t *png = tdshm_test_read_file(path, &size);
	assert_non_null(png);
	unlink(path);
	static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	assert_true(size > 33);
	assert_memory_equal(png, signature, 8);
	assert_memory_equal(png + 12, "IHDR", 4);
	uint32_t width = (uint32_t)png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19];
	uint32_t height = (uint32_t)png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23];
	assert_int_equal(width, 72);
	assert_int_equal(height, 40);
	assert_int_equal(png[24], 8); /* bit depth */
	assert_int_equal(png[25], 6); /* colour type RGBA */
	free(png);
}

/* bench runs every case and prints its table (figures, never pass/fail). */
static void test_bench_prints_the_table(void **state)
{
	(void)state;
	child *bench = child_start("bench", "--seconds", "0.5", NULL);
	assert_exit(bench, 0, 60000);
	assert_output_has(bench, "memcpy     send   ratio |   memcpy  receive   ratio");
	/* Each row names the bytes its two baselines copy: one frame. */
	assert_output_has(bench, " 1920x1080  bgra8       8294400 |");
	assert_output_has(bench, " 3840x2160  rgba32f   132710400 |");
}

/* A sender (this test process) whose segment holds a hostile header from
 * the shared vectors: the receiving tool reports it once, exits 1, and never
 * crashes or hangs; info explains it. */
static void test_hostile_segments_are_refused_with_a_message(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		bool chop;
	} vectors[] = {
	    {"bad_magic.bin", false},
	    {"bad_offset_past_end.bin", false},
	    {"bad_offset_inside_header.bin", false},
	    {"bad_size_too_small.bin", false},
	    {"bad_size_past_end.bin", false},
	    {"bad_negative_width.bin", false},
	    {"bad_zero_height.bin", false},
	    {"bad_overflow_dims.bin", false},
	    {"bad_unknown_format.bin", false},
	    {"bad_truncated_header.bin", false},
	    {"bad_legacy_type.bin", false},
	    {"bad_chop_length.bin", true},
	    {"bad_chop_names_offset.bin", true},
	};
	enum { COUNT = sizeof(vectors) / sizeof(vectors[0]) };
	tdshm_sender *senders[COUNT];
	child *receivers[COUNT];
	char names[COUNT][64];
	for (int i = 0; i < COUNT; i++) {
		size_t size = 0;
		uint8_t *bytes = tdshm_test_read_vector(vectors[i].file, &size);
		if (!bytes)
			fail_msg("missing vector %s in %s", vectors[i].file,
				 tdshm_test_vectors_dir());
		tdshm_test_unique_name(names[i], sizeof(names[i]), "bad");
		tdshm_error err;
		tdshm_error_clear(&err);
		if (tdshm_sender_create(names[i], size, TDSHM_INFO_LOCK_TIMEOUT_MS, &senders[i],
					&err) != TDSHM_OK)
			fail_msg("sender for %s: %s", vectors[i].file, err.message);
		uint8_t *dst;
		size_t mapped;
		assert_int_equal(tdshm_sender_begin_write(senders[i], 1000, &dst, &mapped, &err),
				 TDSHM_OK);
		assert_true(mapped >= size);
		memset(dst, 0, mapped);
		memcpy(dst, bytes, size);
		tdshm_sender_end_write(senders[i]);
		free(bytes);
		receivers[i] = vectors[i].chop
				   ? child_start("chop-receive", names[i], "--blocks", "1",
						 "--timeout", "1", NULL)
				   : child_start("receive", names[i], "--frames", "1", "--expect",
						 "counter", "--timeout", "1", NULL);
	}
	for (int i = 0; i < COUNT; i++) {
		int code = child_wait(receivers[i], 10000);
		char *text = child_output(receivers[i]);
		if (code != 1)
			fail_msg("%s: exit %d, expected 1:\n%s", vectors[i].file, code, text);
		if (vectors[i].chop) {
			assert_non_null(strstr(text, "bad CHOP block: "));
			assert_non_null(strstr(text, "received 0 blocks, 1 bad"));
		} else {
			assert_non_null(strstr(text, "bad header in "));
			assert_non_null(
			    strstr(text, "received 0 frames, repeated 0, skipped 0, corrupted 1,"));
		}
		free(text);
	}
	child *info = child_start("info", names[0], NULL);
	assert_exit(info, 0, 5000);
	assert_output_has(info, "not a valid TOP or CHOP header");
	for (int i = 0; i < COUNT; i++)
		tdshm_sender_destroy(senders[i], TDSHM_INFO_LOCK_TIMEOUT_MS);
}

/* TouchDesigner's own senders publish no serial: `tdshm receive` counts a
 * frame when the picture changed, not every poll (it polls every 4 ms). */
static void test_receive_counts_td_frames_by_content_change(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "td-noserial");
	tdshm_test_td_top_sender td;
	tdshm_test_td_top_sender_start(&td, name, 32, 16);
	tdshm_test_td_top_sender_write(&td, 1);
	child *receiver = child_start("receive", name, "--frames", "8", "--timeout", "20", NULL);
	unsigned written = 1;
	uint64_t end = tdshm_clock_ms() + 20000;
	/* A new picture every 40 ms, the same one rewritten in between; the
	 * receiver cannot have 8 frames before 8 different pictures exist. */
	while (!child_poll(receiver) && tdshm_clock_ms() < end) {
		tdshm_sleep_ms(20);
		tdshm_test_td_top_sender_write(&td, written);
		tdshm_sleep_ms(20);
		tdshm_test_td_top_sender_write(&td, ++written);
	}
	int code = child_wait(receiver, 1000);
	char *text = child_output(receiver);
	if (code != 0 || written < 8)
		fail_msg("exit %d after %u pictures:\n%s", code, written, text);
	assert_non_null(strstr(text, "received 8 frames"));
	printf("  8 frames counted after %u different pictures\n", written);
	free(text);
	tdshm_test_td_top_sender_stop(&td);
}

#define TOOL_TESTS                                                                                 \
	cmocka_unit_test_teardown(test_every_format_arrives_intact, teardown_children),            \
	    cmocka_unit_test_teardown(test_every_legacy_format_arrives_intact, teardown_children), \
	    cmocka_unit_test_teardown(test_receiver_follows_resizes_through_postfix,               \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_resize_before_any_receiver_recreates_then_serves,       \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_killed_sender_is_reported_and_restart_is_received,      \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_receiver_started_before_sender_waits_then_receives,     \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_wrong_pattern_is_reported_as_corrupted,                 \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_second_sender_on_a_name_is_refused, teardown_children), \
	    cmocka_unit_test_teardown(test_usage_errors_exit_2_with_a_message, teardown_children), \
	    cmocka_unit_test_teardown(test_receive_without_sender_times_out, teardown_children),   \
	    cmocka_unit_test_teardown(test_info_and_list_describe_a_live_sender,                   \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_info_shows_a_legacy_headers_own_fields,                 \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_receive_writes_the_last_frame_as_png,                   \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_bench_prints_the_table, teardown_children),             \
	    cmocka_unit_test_teardown(test_hostile_segments_are_refused_with_a_message,            \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_chop_sines_arrive_with_names_and_frequencies,           \
				      teardown_children),                                          \
	    cmocka_unit_test_teardown(test_receive_counts_td_frames_by_content_change,             \
				      teardown_children)

int main(void)
{
	const struct CMUnitTest tests[] = {TOOL_TESTS};
	/* The tool's stdout goes to a log file per child; keep ours unbuffered
	 * so fork does not duplicate pending output. */
	setvbuf(stdout, NULL, _IONBF, 0);
	int failed = cmocka_run_group_tests_name("tool processes, system name limit", tests,
						 setup_native_names, NULL);
	failed += cmocka_run_group_tests_name("tool processes, TDSHM_POSIX_NAME_MAX=31", tests,
					      setup_macos_name_limit, NULL);
	return failed;
}
