/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named locks (platform.h, POSIX backend): exclusion across processes,
 * bounded waits, and a dead holder's lock reclaimed after one failed wait. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roles_support.h"
#include "td_lock_posix.h"
#include "test_env_posix.h"
#include "test_support.h"
#include "tdshm/platform.h"

/* A child that takes the lock name and holds it for hold_ms (for ever with
 * 0, until killed); returns once it holds it. */
static pid_t start_holder(const char *name, uint32_t hold_ms)
{
	int ready;
	pid_t child = tdshm_test_fork_with_pipe(&ready);
	if (child == 0) {
		tdshm_lock *mine = tdshm_test_lock_open(name);
		tdshm_error err;
		if (tdshm_lock_acquire(mine, 1000, &err) != TDSHM_OK)
			_exit(2);
		if (write(ready, "x", 1) != 1)
			_exit(3);
		if (!hold_ms) {
			for (;;)
				pause();
		}
		tdshm_sleep_ms(hold_ms);
		tdshm_lock_release(mine);
		_exit(0);
	}
	tdshm_test_wait_ready(ready);
	return child;
}

/* A new lock object made by hand, as another program would make it: the
 * empty object, no lock in it yet. Its descriptor. */
static int create_bare_lock_object(char *name, size_t cap)
{
	tdshm_test_lock_name(name, cap, "locktest");
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	return fd;
}

static void test_lock_excludes_second_handle_until_released(void **state)
{
	char name[256];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	tdshm_lock *a = tdshm_test_lock_open(name), *b = tdshm_test_lock_open(name);
	tdshm_error err;
	bool held = true;
	assert_int_equal(tdshm_lock_is_held(a, &held, &err), TDSHM_OK);
	assert_false(held);
	assert_int_equal(tdshm_lock_acquire(a, 0, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_is_held(b, &held, &err), TDSHM_OK);
	assert_true(held);
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_TIMED_OUT);
	/* The message names the lock and who holds it. */
	assert_non_null(strstr(err.message, name));
	char pid[32];
	snprintf(pid, sizeof(pid), "pid %u", tdshm_process_id());
	assert_non_null(strstr(err.message, pid));
	tdshm_lock_release(a);
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_OK);
	tdshm_lock_release(b);
	tdshm_lock_close(a);
	tdshm_lock_close(b);
	tdshm_test_lock_remove(name);
}

static uint64_t median_of_three(const uint64_t v[3])
{
	uint64_t lo = v[0] < v[1] ? v[0] : v[1], hi = v[0] < v[1] ? v[1] : v[0];
	return v[2] < lo ? lo : v[2] > hi ? hi : v[2];
}

static void test_lock_timed_wait_is_bounded(void **state)
{
	char name[256];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	tdshm_lock *a = tdshm_test_lock_open(name), *b = tdshm_test_lock_open(name);
	tdshm_error err;
	assert_int_equal(tdshm_lock_acquire(a, 0, &err), TDSHM_OK);
	/* The median of three decides, so one scheduling hiccup on a loaded
	 * machine does not; none may come near a hang. */
	uint64_t took[3];
	for (int i = 0; i < 3; i++) {
		uint64_t start = tdshm_clock_ms();
		assert_int_equal(tdshm_lock_acquire(b, 100, &err), TDSHM_TIMED_OUT);
		took[i] = tdshm_clock_ms() - start;
		printf("timed wait of 100 ms returned after %llu ms\n",
		       (unsigned long long)took[i]);
		assert_in_range(took[i], 99, 500);
	}
	assert_in_range(median_of_three(took), 50, 150);
	/* 0 means one try: no wait at all to speak of. */
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_TIMED_OUT);
	assert_in_range(tdshm_clock_ms() - start, 0, 50);
	tdshm_lock_release(a);
	tdshm_lock_close(a);
	tdshm_lock_close(b);
	tdshm_test_lock_remove(name);
}

/* A waiter in another process is woken by the release, not by its bound. */
static void test_lock_waiter_wakes_on_release_from_other_process(void **state)
{
	char name[256];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	tdshm_lock *lock = tdshm_test_lock_open(name);
	pid_t child = start_holder(name, 150);
	tdshm_error err;
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(lock, 3000, &err), TDSHM_OK);
	uint64_t took = tdshm_clock_ms() - start;
	printf("waited %llu ms for a 150 ms hold in another process\n", (unsigned long long)took);
	assert_in_range(took, 100, 600);
	tdshm_lock_release(lock);
	tdshm_test_wait_exit_ok(child);
	tdshm_lock_close(lock);
	tdshm_test_lock_remove(name);
}

/* Two processes bump a shared counter 2000 times each under the lock with a
 * deliberately racy read-modify-write: without exclusion updates get lost. */
static void test_lock_makes_cross_process_updates_atomic(void **state)
{
	char name[256], counter_name[300];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	snprintf(counter_name, sizeof(counter_name), "%sCounter", name);
	tdshm_shm *counter = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(counter_name, 64, true, &counter, &err), TDSHM_OK);
	volatile uint32_t *value = (volatile uint32_t *)tdshm_shm_bytes(counter);
	*value = 0;
	enum { PER_PROCESS = 2000 };
	uint64_t start = tdshm_clock_ns();
	pid_t children[2];
	for (int c = 0; c < 2; c++) {
		children[c] = fork();
		assert_true(children[c] >= 0);
		if (children[c] == 0) {
			tdshm_lock *lock = tdshm_test_lock_open(name);
			tdshm_error child_err;
			for (int i = 0; i < PER_PROCESS; i++) {
				if (tdshm_lock_acquire(lock, 5000, &child_err) != TDSHM_OK)
					_exit(2);
				uint32_t seen = *value;
				if (i % 64 == 0)
					sched_yield();
				*value = seen + 1;
				tdshm_lock_release(lock);
			}
			_exit(0);
		}
	}
	for (int c = 0; c < 2; c++)
		tdshm_test_wait_exit_ok(children[c]);
	assert_int_equal(*value, 2 * PER_PROCESS);
	printf("%d contended acquire/release pairs in 2 processes: %.1f us per pair\n",
	       2 * PER_PROCESS, (double)(tdshm_clock_ns() - start) / 1000.0 / (2 * PER_PROCESS));
	tdshm_shm_close_and_remove(counter);
	tdshm_test_lock_remove(name);
}

/* A holder killed with the lock taken: the next timed wait fails within its
 * bound and says the holder died; the one after succeeds. */
static void test_lock_held_by_killed_process_is_reclaimed(void **state)
{
	char name[256];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	pid_t child = start_holder(name, 0);
	assert_int_equal(kill(child, SIGKILL), 0);
	int wstatus;
	assert_int_equal(waitpid(child, &wstatus, 0), child);

	tdshm_lock *lock = tdshm_test_lock_open(name);
	tdshm_error err;
	uint64_t took = tdshm_test_held_lock_times_out(lock, 100, &err);
	/* Its bound, with slack for scheduling on a loaded machine. */
	assert_in_range(took, 99, 300);
	printf("dead holder: %s\n", err.message);
	char why[64];
	snprintf(why, sizeof(why), "process %d, which has died", (int)child);
	assert_non_null(strstr(err.message, why));
	assert_non_null(strstr(err.message, "reclaimed"));
	assert_int_equal(tdshm_lock_acquire(lock, 100, &err), TDSHM_OK);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
	tdshm_test_lock_remove(name);
}

static void test_lock_rejects_unusable_names(void **state)
{
	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open("", &lock, &err), TDSHM_INVALID_ARGUMENT);
	assert_null(lock);
	assert_non_null(strstr(err.message, "empty"));
	assert_int_equal(tdshm_lock_open("TouchSHMa/bMutex", &lock, &err), TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "'/'"));
	char huge[700];
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(tdshm_lock_open(huge, &lock, &err), TDSHM_INVALID_ARGUMENT);
	assert_null(lock);
	assert_non_null(strstr(err.message, "699 characters long"));
}

/* Only the same user may touch a lock: created 0600, never unlinked. */
static void test_lock_object_is_private_and_persistent(void **state)
{
	char name[256], path[300];
	tdshm_test_lock_name(name, sizeof(name), "locktest");
	tdshm_lock *lock = tdshm_test_lock_open(name);
	tdshm_lock_close(lock);
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Bigger than TouchDesigner's block: room for the holder's pid. */
	assert_true((size_t)st.st_size > 40 + 48);
	tdshm_test_lock_remove(name);
}

/* A lock object made the way TouchDesigner makes it on macOS: just the
 * block, initialised process-shared, in an object the system rounded up to
 * a page, with no pid slot or ready mark of ours. It must work as a lock;
 * a stuck holder can only be reported, not named. */
static void test_lock_made_by_touchdesigner_works_without_pid_slot(void **state)
{
	char name[256];
	int fd = create_bare_lock_object(name, sizeof(name));
	assert_int_equal(ftruncate(fd, 4096), 0);
	tdshm_test_td_block *block = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(block != MAP_FAILED);
	close(fd);
	pthread_mutexattr_t mattr;
	pthread_condattr_t cattr;
	pthread_mutexattr_init(&mattr);
	pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&cattr);
	pthread_condattr_setpshared(&cattr, PTHREAD_PROCESS_SHARED);
	assert_int_equal(pthread_mutex_init(&block->mutex, &mattr), 0);
	assert_int_equal(pthread_cond_init(&block->cond, &cattr), 0);
	block->locked = false;

	uint64_t start = tdshm_clock_ms();
	tdshm_lock *a = tdshm_test_lock_open(name), *b = tdshm_test_lock_open(name);
	assert_in_range(tdshm_clock_ms() - start, 0, 200);
	tdshm_error err;
	assert_int_equal(tdshm_lock_acquire(a, 0, &err), TDSHM_OK);
	assert_true(block->locked);
	assert_int_equal(tdshm_lock_acquire(b, 50, &err), TDSHM_TIMED_OUT);
	assert_non_null(strstr(err.message, "possibly TouchDesigner"));
	tdshm_lock_release(a);
	assert_false(block->locked);
	/* Nothing of ours was written past TouchDesigner's block. */
	const uint8_t *after = (const uint8_t *)(block + 1);
	for (size_t i = 0; i < 4096 - sizeof(*block); i++)
		assert_int_equal(after[i], 0);
	tdshm_lock_close(a);
	tdshm_lock_close(b);
	munmap(block, 4096);
	tdshm_test_lock_remove(name);
}

/* A creator that died between creating the object and sizing it left it
 * empty: the next opener replaces it after a short wait, never hangs. */
static void test_lock_left_empty_by_dead_creator_is_replaced(void **state)
{
	char name[256];
	int fd = create_bare_lock_object(name, sizeof(name));
	close(fd);
	uint64_t start = tdshm_clock_ms();
	tdshm_lock *a = tdshm_test_lock_open(name);
	uint64_t took = tdshm_clock_ms() - start;
	printf("empty lock object replaced after %llu ms\n", (unsigned long long)took);
	assert_in_range(took, 90, 500);
	tdshm_lock *b = tdshm_test_lock_open(name);
	tdshm_error err;
	assert_int_equal(tdshm_lock_acquire(a, 0, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_TIMED_OUT);
	tdshm_lock_release(a);
	tdshm_lock_close(a);
	tdshm_lock_close(b);
	tdshm_test_lock_remove(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_excludes_second_handle_until_released),
	    cmocka_unit_test(test_lock_timed_wait_is_bounded),
	    cmocka_unit_test(test_lock_waiter_wakes_on_release_from_other_process),
	    cmocka_unit_test(test_lock_makes_cross_process_updates_atomic),
	    cmocka_unit_test(test_lock_held_by_killed_process_is_reclaimed),
	    cmocka_unit_test(test_lock_rejects_unusable_names),
	    cmocka_unit_test(test_lock_object_is_private_and_persistent),
	    cmocka_unit_test(test_lock_made_by_touchdesigner_works_without_pid_slot),
	    cmocka_unit_test(test_lock_left_empty_by_dead_creator_is_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
