/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source's threads against each other: a UI thread asking the size (and
 * enumerating the active sources, and reading the status) while settings
 * changes switch async output on and off and the sender resizes. Under
 * ThreadSanitizer (stage tsan) this must give no report; under ASan (stage
 * obs) no use after free; here, sizes that are always one the sender
 * published (or 0). */
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
#include "test_support.h"

#define RACE_MS 3000

typedef struct size_query {
	obs_source_t *source;
	volatile long stop;
	uint64_t queries, bad, enumerated;
	uint32_t bad_width, bad_height;
} size_query;

static void count_child(obs_source_t *parent, obs_source_t *child, void *param)
{
	(void)parent;
	(void)child;
	((size_query *)param)->enumerated++;
}

static void *size_query_thread(void *data)
{
	size_query *q = data;
	char status[1024];
	while (!__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE)) {
		uint32_t w = obs_source_get_width(q->source);
		uint32_t h = obs_source_get_height(q->source);
		/* The sender alternates 320x180 and 160x90 (a torn pair of
		 * sizes is fine, a width or height of neither is not). */
		if ((w != 0 && w != 320 && w != 160) || (h != 0 && h != 180 && h != 90)) {
			q->bad++;
			q->bad_width = w;
			q->bad_height = h;
		}
		obs_source_enum_active_sources(q->source, count_child, q);
		if (q->queries % 64 == 0)
			source_status_text(q->source, status, sizeof(status));
		q->queries++;
	}
	return NULL;
}

static void test_size_queries_race_async_toggles_safely(void **state)
{
	(void)state;
	char status[1024];
	int pid;
	obs_source_t *source = source_show_tool_sender(
	    "obs-threads", NULL, &pid, status, sizeof(status), "--size", "320x180", "--pattern",
	    "counter", "--resize-every", "20", NULL);

	size_query q = {.source = source};
	pthread_t thread;
	assert_int_equal(pthread_create(&thread, NULL, size_query_thread, &q), 0);
	uint64_t start = source_now_ms(), toggles = 0;
	while (source_now_ms() - start < RACE_MS) {
		obs_data_t *change = obs_data_create();
		obs_data_set_bool(change, "async", toggles % 2 == 0);
		obs_source_update(source, change);
		obs_data_release(change);
		toggles++;
		usleep(20000 + (toggles % 5) * 10000);
	}
	__atomic_store_n(&q.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	printf("  %llu async toggles, %llu size queries, %llu enumerated children, %llu bad "
	       "sizes\n",
	       (unsigned long long)toggles, (unsigned long long)q.queries,
	       (unsigned long long)q.enumerated, (unsigned long long)q.bad);
	if (q.bad)
		fail_msg("size %ux%u reported", q.bad_width, q.bad_height);
	assert_true(q.queries > toggles);

	/* Still working after it all. */
	obs_data_t *change = obs_data_create();
	obs_data_set_bool(change, "async", false);
	obs_source_update(source, change);
	obs_data_release(change);
	assert_true(source_wait_connected(source, 5000, status, sizeof(status)));
	source_hide_and_release(source);
	harness_kill(pid, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_queries_race_async_toggles_safely),
	};
	return cmocka_run_group_tests_name("source: threads", tests, source_harness_setup,
					   source_harness_teardown);
}
