/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The filter's capture (OBS's graphics thread) never waits for a sender to
 * be made: with the POSIX name directory's lock held by another process
 * (macOS name limit, TDSHM_POSIX_NAME_MAX=31: every name goes through the
 * directory, whose lock a create waits for up to 5 s), a renamed filter's
 * new sender is made on the writer's own thread, and every capture meanwhile
 * stays within its bounds. Measured per capture (the writer's own
 * capture_ns_last, read by a main render callback every frame) against this
 * run's baseline and the lateness of a 1 ms sleep on this machine in the
 * same windows. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "tdshm/platform.h"
#include "test_support.h"

#define HOLD_MS 3000

/* ---- what the graphics thread and the machine do, per window ----------- */

static struct {
	pthread_mutex_t mutex;
	obs_source_t *filter;
	uint64_t longest_capture_ns, captures;
	uint64_t longest_sleep_late_ns;
	bool stop;
} watch = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static void watch_capture(void *param, uint32_t cx, uint32_t cy)
{
	(void)param;
	(void)cx;
	(void)cy;
	calldata_t cd;
	calldata_init(&cd);
	pthread_mutex_lock(&watch.mutex);
	if (watch.filter &&
	    proc_handler_call(obs_source_get_proc_handler(watch.filter), "get_stats", &cd)) {
		uint64_t took = (uint64_t)calldata_int(&cd, "capture_ns_last");
		if (took > watch.longest_capture_ns)
			watch.longest_capture_ns = took;
		watch.captures = (uint64_t)calldata_int(&cd, "captures");
	}
	pthread_mutex_unlock(&watch.mutex);
	calldata_free(&cd);
}

static void *watch_sleep(void *unused)
{
	(void)unused;
	for (;;) {
		uint64_t start = tdshm_clock_ns();
		usleep(1000);
		uint64_t late = tdshm_clock_ns() - start - 1000000ull;
		pthread_mutex_lock(&watch.mutex);
		bool stop = watch.stop;
		if (late > watch.longest_sleep_late_ns && (int64_t)late > 0)
			watch.longest_sleep_late_ns = late;
		pthread_mutex_unlock(&watch.mutex);
		if (stop)
			return NULL;
	}
}

typedef struct window {
	uint64_t longest_capture_ns, captures, longest_sleep_late_ns;
} window;

static window measure(uint32_t ms)
{
	pthread_mutex_lock(&watch.mutex);
	watch.longest_capture_ns = 0;
	watch.longest_sleep_late_ns = 0;
	uint64_t captures0 = watch.captures;
	pthread_mutex_unlock(&watch.mutex);
	usleep(ms * 1000);
	pthread_mutex_lock(&watch.mutex);
	window w = {watch.longest_capture_ns, watch.captures - captures0,
		    watch.longest_sleep_late_ns};
	pthread_mutex_unlock(&watch.mutex);
	return w;
}

static long long stat_of(obs_source_t *filter, const char *key)
{
	calldata_t cd;
	calldata_init(&cd);
	long long value = -1;
	if (proc_handler_call(obs_source_get_proc_handler(filter), "get_stats", &cd))
		value = calldata_int(&cd, key);
	calldata_free(&cd);
	return value;
}

static bool wait_senders(obs_source_t *filter, long long count, uint32_t timeout_ms)
{
	uint64_t start = source_now_ms();
	while (stat_of(filter, "senders_created") < count) {
		if (source_now_ms() - start > timeout_ms)
			return false;
		usleep(10000);
	}
	return true;
}

static double ms_of(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void test_capture_never_waits_for_a_sender_behind_a_stuck_name_directory(void **state)
{
	(void)state;
	char first[32], second[32], json[128], lock[32], hold[16];
	/* Short names: the directory's lock, not the name limit, is the point. */
	snprintf(first, sizeof(first), "fb%da", (int)getpid() % 100000);
	snprintf(second, sizeof(second), "fb%db", (int)getpid() % 100000);
	obs_source_t *source =
	    harness_create_source("harness_color_source", "bound colour",
				  "{\"pattern\":\"gradient\",\"width\":640,\"height\":360}");
	assert_non_null(source);
	snprintf(json, sizeof(json), "{\"name\":\"%s\"}", first);
	obs_data_t *settings = obs_data_create_from_json(json);
	obs_source_t *filter = obs_source_create("tdshm_top_filter", "bound out", settings, NULL);
	obs_data_release(settings);
	assert_non_null(filter);
	obs_source_filter_add(source, filter);
	harness_set_output(source);
	assert_true(wait_senders(filter, 1, 10000));

	pthread_mutex_lock(&watch.mutex);
	watch.filter = filter;
	pthread_mutex_unlock(&watch.mutex);
	obs_add_main_render_callback(watch_capture, NULL);
	pthread_t sleeper;
	assert_int_equal(pthread_create(&sleeper, NULL, watch_sleep, NULL), 0);
	assert_true(harness_wait_frames(30, 5000));

	window base = measure(2000);
	assert_true(base.captures > 10);

	/* Another process holds the name directory's lock; the filter is
	 * renamed, so its new sender must go through the directory. */
	snprintf(lock, sizeof(lock), "%sLock", source_private_directory());
	snprintf(hold, sizeof(hold), "%d", HOLD_MS);
	const char *argv[] = {TDSHM_LOCK_HOLDER_PATH, "--full", lock, hold, NULL};
	int holder = harness_spawn(argv);
	assert_true(holder > 0);
	usleep(200000); /* let it take the lock */
	uint64_t held_at = source_now_ms();
	snprintf(json, sizeof(json), "{\"name\":\"%s\"}", second);
	settings = obs_data_create_from_json(json);
	obs_source_update(filter, settings);
	obs_data_release(settings);
	window held = measure(HOLD_MS - 800);
	long long made_while_held = stat_of(filter, "senders_created");
	int exit_status = -1;
	for (int i = 0; i < 1000 && !harness_exited(holder, &exit_status); i++)
		usleep(10000);
	assert_int_equal(exit_status, 0); /* it really held the lock */

	/* Once the directory is free the new name is sent. */
	assert_true(wait_senders(filter, 2, 10000));
	uint64_t sent_after = source_now_ms() - held_at;

	pthread_mutex_lock(&watch.mutex);
	watch.stop = true;
	watch.filter = NULL;
	pthread_mutex_unlock(&watch.mutex);
	pthread_join(sleeper, NULL);
	obs_remove_main_render_callback(watch_capture, NULL);

	printf("  filter capture, longest: baseline %.2f ms (%llu captures), directory held "
	       "%.2f ms (%llu captures); a 1 ms sleep's longest lateness meanwhile: %.2f ms, "
	       "%.2f ms; senders made while held: %lld of 2; the new name sent %.2f s after "
	       "the hold began; %lld frames skipped while the sender was made\n",
	       ms_of(base.longest_capture_ns), (unsigned long long)base.captures,
	       ms_of(held.longest_capture_ns), (unsigned long long)held.captures,
	       ms_of(base.longest_sleep_late_ns), ms_of(held.longest_sleep_late_ns),
	       made_while_held, sent_after / 1000.0, stat_of(filter, "skipped_pending"));
	/* Rendering went on through the hold... */
	assert_true(held.captures > base.captures / 2);
	/* ...the sender really waited for the directory... */
	assert_int_equal(made_while_held, 1);
	/* ...and no capture did: this run's own longest plus the two 2 ms
	 * bounds (data lock, the short wait for the writer's thread) plus how
	 * late this machine wakes a sleeper right now. Without the worker a
	 * capture waited the whole hold. */
	uint64_t late = held.longest_sleep_late_ns > base.longest_sleep_late_ns
			    ? held.longest_sleep_late_ns
			    : base.longest_sleep_late_ns;
	uint64_t allowed = base.longest_capture_ns + 4000000ull + late + 2000000ull;
	assert_true(held.longest_capture_ns <= allowed);
	assert_true(held.longest_capture_ns < (uint64_t)HOLD_MS * 1000000ull / 10);

	harness_set_output(NULL);
	obs_source_filter_remove(source, filter);
	obs_source_release(filter);
	obs_source_release(source);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_never_waits_for_a_sender_behind_a_stuck_name_directory),
	};
	return cmocka_run_group_tests_name("filter: capture bound", tests,
					   source_harness_setup_private_directory,
					   source_harness_teardown_private_directory);
}
