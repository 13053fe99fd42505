/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A receiver written as TouchDesigner's sample receiver is described to
 * behave (issue 13 §3): ONE receiver object kept for its whole life, which,
 * when it follows a postfix, remembers "name + postfix" and from then on
 * builds every object name, the info segment's included, from that. After a
 * resize such a receiver would never find a restarted sender (which starts
 * with no postfix) unless the sender returned to the plain name before it
 * closed. Here: the real `tdshm send` resizes while this receiver follows,
 * stops, starts again, and the receiver must be back within a second.
 * POSIX (posix_spawn); the receiver itself uses only the portable core. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/top.h"
#include "test_support.h"

extern char **environ;

/* One TouchDesigner cook at 60 fps: how often the receiver looks. */
#define COOK_MS 16
#define BACK_WITHIN_MS 1000
/* How long to wait for a tool process to start and reach its first frame
 * on a loaded machine (not the figure under test). */
#define START_WAIT_MS 10000

typedef struct sample_receiver {
	char base[TDSHM_USER_NAME_MAX + 1];
	/* base + the last postfix followed: what every name is built from. */
	char current[TDSHM_USER_NAME_MAX + TDSHM_INFO_POSTFIX_CAP + 1];
	char postfix[TDSHM_INFO_POSTFIX_CAP];
	tdshm_shm *info;
	tdshm_shm *data;
	unsigned follows; /* postfix changes followed */
} sample_receiver;

static void sample_drop(sample_receiver *r)
{
	tdshm_shm_close(r->data);
	tdshm_shm_close(r->info);
	r->data = r->info = NULL;
}

static bool sample_open_data(sample_receiver *r, const char *postfix)
{
	char name[TDSHM_FULL_NAME_CAP];
	tdshm_shm_close(r->data);
	r->data = NULL;
	snprintf(r->current, sizeof(r->current), "%s%s", r->base, postfix);
	snprintf(r->postfix, sizeof(r->postfix), "%s", postfix);
	tdshm_error err;
	return tdshm_name_data(r->current, "", name, sizeof(name), &err) == TDSHM_OK &&
	       tdshm_shm_open(name, &r->data, &err) == TDSHM_OK;
}

/* One cook: true when a valid image header was read. */
static bool sample_cook(sample_receiver *r)
{
	tdshm_error err;
	if (!r->info) {
		char info_name[TDSHM_FULL_NAME_CAP];
		/* The name it remembers, postfix and all. */
		if (tdshm_name_info(r->current, info_name, sizeof(info_name), &err) != TDSHM_OK ||
		    tdshm_shm_open(info_name, &r->info, &err) != TDSHM_OK)
			return false;
	}
	tdshm_info info;
	uint8_t *bytes = tdshm_shm_bytes(r->info);
	if (tdshm_info_read(bytes, tdshm_shm_size(r->info), tdshm_info_native_layout(), &info,
			    &err) != TDSHM_OK ||
	    (info.version > 1 && info.detach)) {
		sample_drop(r);
		return false;
	}
	tdshm_info_set_supported(bytes, tdshm_info_native_layout(), true);
	if (!r->data || strcmp(info.postfix, r->postfix) != 0) {
		if (r->data)
			r->follows++;
		if (!sample_open_data(r, info.postfix))
			return false;
	}
	tdshm_top_image img;
	return tdshm_top_parse(tdshm_shm_bytes(r->data), tdshm_shm_size(r->data), &img, NULL) ==
	       TDSHM_OK;
}

static pid_t start_sender(const char *name, const char *frames, const char *resize_every)
{
	const char *argv[16];
	int argc = 0;
	argv[argc++] = tdshm_test_tool_path();
	argv[argc++] = "send";
	argv[argc++] = name;
	argv[argc++] = "--size";
	argv[argc++] = "64x32";
	argv[argc++] = "--fps";
	argv[argc++] = "60";
	argv[argc++] = "--frames";
	argv[argc++] = frames;
	if (resize_every) {
		argv[argc++] = "--resize-every";
		argv[argc++] = resize_every;
	}
	argv[argc] = NULL;
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid = 0;
	int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	assert_int_equal(rc, 0);
	return pid;
}

static void test_receiver_that_followed_a_resize_finds_a_restarted_sender(void **state)
{
	(void)state;
	sample_receiver r;
	memset(&r, 0, sizeof(r));
	tdshm_test_unique_name(r.base, sizeof(r.base), "restart");
	snprintf(r.current, sizeof(r.current), "%s", r.base);

	/* First life: 60 frames, resized every 10 once the receiver said it
	 * follows postfixes, then a normal close (detach). */
	pid_t first = start_sender(r.base, "60", "10");
	int status = 0;
	uint64_t deadline = tdshm_clock_ms() + START_WAIT_MS;
	while (waitpid(first, &status, WNOHANG) == 0) {
		if (tdshm_clock_ms() > deadline) {
			kill(first, SIGKILL);
			waitpid(first, &status, 0);
			fail_msg("the first sender did not finish");
		}
		(void)sample_cook(&r);
		tdshm_sleep_ms(COOK_MS);
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(r.follows >= 2);
	/* The sender has closed: the receiver sees it (detach or gone). */
	for (int i = 0; i < 5; i++) {
		(void)sample_cook(&r);
		tdshm_sleep_ms(COOK_MS);
	}
	assert_null(r.info);
	printf("receiver followed %u postfix changes; now builds names from '%s'\n", r.follows,
	       r.current);

	/* Second life: the same name, no resize. */
	pid_t second = start_sender(r.base, "100000", NULL);
	/* Its info segment appearing starts the clock: process start-up is
	 * not the receiver's to answer for. */
	char info_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	assert_int_equal(tdshm_name_info(r.base, info_name, sizeof(info_name), &err), TDSHM_OK);
	deadline = tdshm_clock_ms() + START_WAIT_MS;
	while (tdshm_shm_probe(info_name, &err) != TDSHM_OK && tdshm_clock_ms() < deadline)
		tdshm_sleep_ms(2);
	uint64_t started = tdshm_clock_ms();
	bool back = false;
	while (!back && tdshm_clock_ms() - started < 3 * BACK_WITHIN_MS) {
		back = sample_cook(&r);
		if (!back)
			tdshm_sleep_ms(COOK_MS);
	}
	uint64_t took = tdshm_clock_ms() - started;
	kill(second, SIGTERM);
	waitpid(second, &status, 0);
	sample_drop(&r);
	if (!back)
		fail_msg("the receiver never found the restarted sender (it looks for '%s')",
			 r.current);
	printf("receiver back %llu ms after the sender restarted\n", (unsigned long long)took);
	assert_true(took < BACK_WITHIN_MS);
}

/* A sender that closes (detach set) and exits before the receiver's next
 * look is reported as closed, not as died: a user stopping TouchDesigner's
 * operator, or `tdshm send`, gets no warning that it crashed. */
static void test_sender_that_closed_and_exited_is_reported_closed_not_died(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "closed-exited");
	pid_t pid = start_sender(name, "100000", NULL);
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 0;
	options.liveness_interval_ms = 0; /* the pid is looked at on every read */
	tdshm_receiver *receiver = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_receiver_create(name, &options, &receiver, &err), TDSHM_OK);
	tdshm_status status = TDSHM_NOT_FOUND;
	for (int i = 0; i < 400 && status != TDSHM_OK; i++) {
		const uint8_t *bytes;
		size_t size;
		status = tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err);
		if (status == TDSHM_OK)
			tdshm_receiver_end_read(receiver);
		else
			tdshm_sleep_ms(5);
	}
	assert_int_equal(status, TDSHM_OK);
	/* SIGTERM: `tdshm send` closes (detach, then removes) and exits. */
	assert_int_equal(kill(pid, SIGTERM), 0);
	int wstatus = 0;
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	const uint8_t *bytes;
	size_t size;
	status = tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err);
	printf("  after the sender closed and exited: %s\n", err.message);
	assert_int_equal(status, TDSHM_GONE);
	assert_non_null(strstr(err.message, "has closed"));
	tdshm_receiver_destroy(receiver);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receiver_that_followed_a_resize_finds_a_restarted_sender),
	    cmocka_unit_test(test_sender_that_closed_and_exited_is_reported_closed_not_died),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
