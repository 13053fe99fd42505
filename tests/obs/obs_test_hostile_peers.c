/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Peers that misbehave must not freeze or crash OBS. With a sender, the
 * "TouchDesigner Shared Mem In" source and one more reader on one name:
 * TouchDesigner-like waiters killed or stopped inside the data lock's
 * condition variable (which left glibc's condvar wedged and froze OBS's
 * graphics thread for good), and a peer that truncates the data and info
 * segments to 0 and back (which raised SIGBUS in OBS). OBS must keep its
 * frame rate: rendered frames within 5% of its own pace measured in the
 * same run without the hostile peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "test_support.h"
#include "tdshm/names.h"

#define BASELINE_MS 3000

/* Rendered frames per second over ms, doing nothing else. */
static double render_rate(uint64_t ms)
{
	uint64_t r0 = harness_rendered_frames(), t0 = source_now_ms();
	usleep((useconds_t)ms * 1000);
	return (harness_rendered_frames() - r0) * 1000.0 / (double)(source_now_ms() - t0);
}

/* A sender, the source and one more reader (`tdshm receive`) on one name. */
typedef struct scene {
	char name[64];
	int sender, reader;
	obs_source_t *source;
} scene;

static void scene_start(scene *s, const char *stem)
{
	char settings[256], status[1024];
	tdshm_test_unique_name(s->name, sizeof(s->name), stem);
	s->sender = source_start_sender(s->name, "--size", "640x360", "--pattern", "bars", NULL);
	assert_true(s->sender > 0);
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", s->name);
	s->source = source_show(stem, settings);
	assert_true(source_wait_connected(s->source, 10000, status, sizeof(status)));
	const char *argv[] = {TDSHM_TOOL_PATH, "receive", s->name, "--timeout", "0", NULL};
	s->reader = harness_spawn(argv);
	assert_true(s->reader > 0);
	assert_true(harness_wait_frames(10, 5000));
}

static void scene_stop(scene *s)
{
	source_hide_and_release(s->source);
	harness_kill(s->reader, true);
	harness_kill(s->sender, false);
}

static void report_and_check(const char *what, double before, double during, double after)
{
	double baseline = (before + after) / 2;
	printf("  rendered frames/s: %.1f before, %.1f while %s, %.1f after (%.1f%% of the "
	       "baseline; nominal 60)\n",
	       before, during, what, after, 100.0 * during / baseline);
	assert_true(during >= baseline * 0.95);
}

#define KILLED_WAITERS 15
#define STOPPED_WAITERS 5

static void test_waiters_killed_or_stopped_in_the_lock_do_not_slow_obs(void **state)
{
	(void)state;
	scene s;
	scene_start(&s, "obs-waiters");
	double before = render_rate(BASELINE_MS);

	uint64_t r0 = harness_rendered_frames(), t0 = source_now_ms();
	const char *argv[] = {TDSHM_TD_WAITER_PATH, s.name, NULL};
	/* Each waiter churns on the lock for a while, then is killed, most
	 * likely inside its condition wait (the lock is busy most of the
	 * time with two readers and a sender on it). */
	for (int i = 0; i < KILLED_WAITERS; i++) {
		int waiter = harness_spawn(argv);
		assert_true(waiter > 0);
		usleep(150000 + (useconds_t)(i % 4) * 37000);
		harness_kill(waiter, true);
	}
	int stopped[STOPPED_WAITERS];
	for (int i = 0; i < STOPPED_WAITERS; i++) {
		stopped[i] = harness_spawn(argv);
		assert_true(stopped[i] > 0);
		usleep(150000);
		kill(stopped[i], SIGSTOP);
	}
	usleep(2000000); /* OBS goes on with every waiter stopped */
	double during = (harness_rendered_frames() - r0) * 1000.0 / (double)(source_now_ms() - t0);
	char status[1024];
	source_status_text(s.source, status, sizeof(status));
	printf("  source status with %d waiters killed and %d stopped: %s\n", KILLED_WAITERS,
	       STOPPED_WAITERS, status);
	for (int i = 0; i < STOPPED_WAITERS; i++)
		harness_kill(stopped[i], true);
	double after = render_rate(BASELINE_MS);
	report_and_check("TD-like waiters were killed and stopped in the lock", before, during,
			 after);
	scene_stop(&s);
}

/* ftruncate to 0 and back, as a hostile or buggy peer could, every 20 ms;
 * the info segment every fourth time. */
static void truncate_for(const char *data, const char *info, uint64_t ms, int *done)
{
	uint64_t end = source_now_ms() + ms;
	*done = 0;
	for (int i = 0; source_now_ms() < end; i++) {
		const char *object = i % 4 == 3 ? info : data;
		int fd = shm_open(object, O_RDWR, 0);
		if (fd >= 0) {
			struct stat st;
			if (fstat(fd, &st) == 0 && st.st_size > 0 && ftruncate(fd, 0) == 0) {
				usleep(2000);
				if (ftruncate(fd, st.st_size) == 0)
					(*done)++;
			}
			close(fd);
		}
		usleep(20000);
	}
}

static void test_segments_truncated_under_the_source_do_not_crash_obs(void **state)
{
	(void)state;
	scene s;
	scene_start(&s, "obs-trunc");
	char data[256], info[256];
	tdshm_error err;
	assert_int_equal(tdshm_name_data(s.name, "", data, sizeof(data), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_info(s.name, info, sizeof(info), &err), TDSHM_OK);
	double before = render_rate(BASELINE_MS);

	uint64_t r0 = harness_rendered_frames(), t0 = source_now_ms();
	int truncations = 0;
	truncate_for(data, info, 4000, &truncations);
	double during = (harness_rendered_frames() - r0) * 1000.0 / (double)(source_now_ms() - t0);
	char status[1024];
	source_status_text(s.source, status, sizeof(status));
	printf("  %d truncations; source status: %s\n", truncations, status);
	assert_true(truncations > 10);
	double after = render_rate(BASELINE_MS);
	report_and_check("a peer truncated the segments", before, during, after);
	scene_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_waiters_killed_or_stopped_in_the_lock_do_not_slow_obs),
	    cmocka_unit_test(test_segments_truncated_under_the_source_do_not_crash_obs),
	};
	return cmocka_run_group_tests(tests, source_harness_setup, source_harness_teardown);
}
