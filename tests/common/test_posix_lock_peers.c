/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named locks (POSIX backend) against peers that misbehave while they wait:
 * a TouchDesigner-like waiter that blocks in the lock's shared condition
 * variable exactly as docs/protocol.md §1 describes, and is then killed or
 * stopped there. With glibc such a waiter leaves the condvar wedged (its
 * group references are never dropped), which made the protocol's own
 * signal and timed wait hang for ever. Every call of ours must still end
 * within its bound, measured against how late this loaded machine wakes a
 * plain sleep in the same run. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "roles_support.h"
#include "td_lock_posix.h"
#include "test_env_posix.h"
#include "test_support.h"
#include "tdshm/platform.h"

/* The bound OBS's render path uses. */
#define CALL_BOUND_MS 2
#define ROUNDS 8
/* A call that has not returned after this long has hung. */
#define HANG_MS 15000
/* No call of ours may take this long whatever the machine does: a call
 * that waits for a wedged condvar takes for ever. */
#define STALL_MAX_NS 1000000000ull

/* Every child a test starts, killed by the teardown even when the test
 * failed half way (a hung peer would otherwise outlive the suite). */
static pid_t children[64];
static int child_count;

/* tdshm_test_fork_with_pipe, the child recorded for the teardown. */
static pid_t fork_child(int *fd)
{
	pid_t pid = tdshm_test_fork_with_pipe(fd);
	if (pid == 0) {
		/* A child left behind by a crashed test (a stopped waiter)
		 * must not hold the test runner's output open. */
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	if (pid > 0 && child_count < (int)(sizeof(children) / sizeof(children[0])))
		children[child_count++] = pid;
	return pid;
}

static int kill_children(void **state)
{
	(void)state;
	for (int i = 0; i < child_count; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, WNOHANG);
	}
	child_count = 0;
	return 0;
}

/* A lock of a new name (in name), opened. */
static tdshm_lock *new_lock(char *name, size_t cap)
{
	tdshm_test_lock_name(name, cap, "peerlock");
	return tdshm_test_lock_open(name);
}

/* TouchDesigner's acquire and release as the protocol states them
 * (td_lock_posix.h), telling the parent (one byte on ready_fd) when it is
 * about to wait. */
static void td_waiter_main(const char *name, int ready_fd, uint32_t wait_ms)
{
	tdshm_test_td_block *block = tdshm_test_td_block_map(name);
	if (!block)
		_exit(3);
	struct timespec deadline;
	tdshm_test_realtime_deadline(&deadline, wait_ms);
	if (!tdshm_test_td_acquire(block, &deadline, ready_fd))
		_exit(1);
	tdshm_test_td_release(block);
	_exit(0);
}

/* Starts a TD-like waiter and returns once it sleeps in the condvar. */
static pid_t start_td_waiter(const char *name, uint32_t wait_ms)
{
	int fd;
	pid_t pid = fork_child(&fd);
	if (pid == 0)
		td_waiter_main(name, fd, wait_ms);
	tdshm_test_wait_ready(fd);
	uint64_t until = tdshm_clock_ms() + 2000;
	while (!tdshm_test_process_sleeping(pid) && tdshm_clock_ms() < until)
		tdshm_sleep_ms(1);
	assert_true(tdshm_test_process_sleeping(pid));
	tdshm_sleep_ms(20); /* deep in the futex wait, not on its way in */
	return pid;
}

/* What one churning peer saw. */
typedef struct churn_result {
	uint64_t calls, acquired, timed_out;
	uint64_t worst_acquire_ns, worst_release_ns;
	/* The three slowest calls of either kind, slowest first. */
	uint64_t slowest[3];
	uint64_t worst_oversleep_ns; /* of a plain 1 ms sleep, same process */
	int other_status;
} churn_result;

static void note_slowest(uint64_t slowest[3], uint64_t took)
{
	for (int i = 0; i < 3; i++) {
		if (took > slowest[i]) {
			for (int j = 2; j > i; j--)
				slowest[j] = slowest[j - 1];
			slowest[i] = took;
			return;
		}
	}
}

static uint64_t elapsed_since(uint64_t start)
{
	return tdshm_clock_ns() - start;
}

/* A peer of ours: acquire with the render bound, hold a moment, release,
 * for run_ms. */
static void churn_main(const char *name, uint32_t run_ms, int result_fd)
{
	tdshm_lock *lock = NULL;
	tdshm_error err;
	if (tdshm_lock_open(name, &lock, &err) != TDSHM_OK)
		_exit(3);
	tdshm_test_sleep_probe probe;
	if (!tdshm_test_sleep_probe_start(&probe))
		_exit(5);
	churn_result r = {0};
	uint64_t end = tdshm_clock_ms() + run_ms;
	while (tdshm_clock_ms() < end) {
		uint64_t t = tdshm_clock_ns();
		tdshm_status status = tdshm_lock_acquire(lock, CALL_BOUND_MS, &err);
		uint64_t took = elapsed_since(t);
		r.calls++;
		if (took > r.worst_acquire_ns)
			r.worst_acquire_ns = took;
		note_slowest(r.slowest, took);
		if (status == TDSHM_OK) {
			r.acquired++;
			struct timespec hold = {0, 200000};
			nanosleep(&hold, NULL);
			t = tdshm_clock_ns();
			tdshm_lock_release(lock);
			took = elapsed_since(t);
			if (took > r.worst_release_ns)
				r.worst_release_ns = took;
			note_slowest(r.slowest, took);
		} else if (status == TDSHM_TIMED_OUT) {
			r.timed_out++;
		} else {
			r.other_status = (int)status;
		}
		/* Leave the lock to the others now and then. */
		struct timespec gap = {0, 100000};
		nanosleep(&gap, NULL);
	}
	r.worst_oversleep_ns = tdshm_test_sleep_probe_stop(&probe);
	if (write(result_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(4);
	/* Closing may leave a waker stuck in a wedged condvar: _exit, as a
	 * real process would exit. */
	tdshm_lock_close(lock);
	_exit(0);
}

typedef struct churners {
	pid_t pid[2];
	int fd[2];
} churners;

static void churners_start(churners *c, const char *name, uint32_t run_ms)
{
	for (int i = 0; i < 2; i++) {
		c->pid[i] = fork_child(&c->fd[i]);
		if (c->pid[i] == 0)
			churn_main(name, run_ms, c->fd[i]);
	}
}

/* Collects both results; a churner that does not report in time has a
 * call that hung, and fails the test. */
static void churners_finish(churners *c, uint32_t run_ms, churn_result out[2])
{
	uint64_t deadline = tdshm_clock_ms() + run_ms + HANG_MS;
	bool hung = false;
	for (int i = 0; i < 2; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		uint64_t now = tdshm_clock_ms();
		struct pollfd p = {.fd = c->fd[i], .events = POLLIN};
		int ready = now < deadline ? poll(&p, 1, (int)(deadline - now)) : 0;
		if (ready != 1 || read(c->fd[i], &out[i], sizeof(out[i])) != sizeof(out[i]))
			hung = true;
		close(c->fd[i]);
		kill(c->pid[i], SIGKILL);
		waitpid(c->pid[i], NULL, 0);
	}
	if (hung)
		fail_msg("a peer's lock call did not return within %u ms of its %u ms run: "
			 "a wedged condition variable hung it",
			 HANG_MS, run_ms);
}

static void assert_within_bound(const churn_result r[2], const char *what, bool need_progress)
{
	uint64_t oversleep = r[0].worst_oversleep_ns > r[1].worst_oversleep_ns
				 ? r[0].worst_oversleep_ns
				 : r[1].worst_oversleep_ns;
	for (int i = 0; i < 2; i++) {
		/* A call can lose the processor once, like a sleep, and its
		 * last pause can wake as late as a sleep does: twice the worst
		 * lateness of a sleep in these processes over the same run,
		 * plus a millisecond. */
		uint64_t tolerance = 2 * oversleep + 1000000u;
		uint64_t limit = (uint64_t)CALL_BOUND_MS * 1000000u + tolerance;
		printf("%s, peer %d: %llu calls, %llu acquired, %llu timed out; worst acquire "
		       "%.2f ms, worst release %.2f ms, worst lateness of its 1 ms sleeps %.2f ms "
		       "(limit %.2f ms)\n",
		       what, i, (unsigned long long)r[i].calls, (unsigned long long)r[i].acquired,
		       (unsigned long long)r[i].timed_out, r[i].worst_acquire_ns / 1e6,
		       r[i].worst_release_ns / 1e6, r[i].worst_oversleep_ns / 1e6, limit / 1e6);
		assert_int_equal(r[i].other_status, 0);
		/* A 2-core machine shared with other jobs can stop a process
		 * for longer than any probe saw: two such calls per peer are
		 * let through (printed above), never a hang. */
		assert_true(r[i].slowest[2] <= limit);
		assert_true(r[i].slowest[0] <= STALL_MAX_NS);
		/* And the lock kept working. Not with stopped waiters: one
		 * stopped inside its few-instruction hold of the inner mutex
		 * (after a wake-up) keeps everyone out, within the bound,
		 * until it resumes. */
		if (need_progress)
			assert_true(r[i].acquired * 10 >= r[i].calls);
	}
}

/* Rounds of: take the lock, let a TD-like waiter block on the condition,
 * kill or stop it there, release; two peers of ours churn throughout. */
static void run_hostile_waiter_rounds(int sig, const char *what)
{
	char name[256];
	tdshm_lock *lock = new_lock(name, sizeof(name));
	uint32_t run_ms = 0;
	pid_t waiters[ROUNDS];
	/* The churners run until all rounds are done and a while after. */
	const uint32_t round_guess_ms = 250;
	run_ms = ROUNDS * round_guess_ms + 1000;
	churners c;
	churners_start(&c, name, run_ms);
	tdshm_error err;
	for (int round = 0; round < ROUNDS; round++) {
		if (tdshm_test_lock_acquire_within(lock, 3000, &err) != TDSHM_OK)
			fail_msg("round %d: our lock never came free: %s", round, err.message);
		waiters[round] = start_td_waiter(name, 10000);
		assert_int_equal(kill(waiters[round], sig), 0);
		if (sig == SIGKILL)
			waitpid(waiters[round], NULL, 0);
		uint64_t t = tdshm_clock_ns();
		tdshm_lock_release(lock);
		uint64_t took = elapsed_since(t);
		if (took > 50000000u)
			fail_msg("round %d: release took %.1f ms", round, took / 1e6);
		tdshm_sleep_ms(100);
	}
	churn_result r[2];
	churners_finish(&c, run_ms, r);
	assert_within_bound(r, what, sig == SIGKILL);
	if (sig == SIGSTOP) {
		for (int round = 0; round < ROUNDS; round++) {
			kill(waiters[round], SIGKILL);
			waitpid(waiters[round], NULL, 0);
		}
	}
	tdshm_lock_close(lock);
	tdshm_test_lock_remove(name);
}

static void test_lock_calls_bounded_after_waiters_killed_in_condvar(void **state)
{
	(void)state;
	run_hostile_waiter_rounds(SIGKILL, "killed waiters");
}

static void test_lock_calls_bounded_while_waiters_stopped_in_condvar(void **state)
{
	(void)state;
	run_hostile_waiter_rounds(SIGSTOP, "stopped waiters");
}

/* TouchDesigner's waiters sleep on the condition: our release must wake
 * them at once (through the waker), not at their own time-out. */
static void test_lock_release_wakes_td_waiter_promptly(void **state)
{
	(void)state;
	char name[256];
	tdshm_lock *lock = new_lock(name, sizeof(name));
	tdshm_error err;
	for (int round = 0; round < 5; round++) {
		assert_int_equal(tdshm_lock_acquire(lock, 100, &err), TDSHM_OK);
		pid_t waiter = start_td_waiter(name, 5000);
		uint64_t t = tdshm_clock_ms();
		tdshm_lock_release(lock);
		int wstatus = 0;
		assert_int_equal(waitpid(waiter, &wstatus, 0), waiter);
		uint64_t took = tdshm_clock_ms() - t;
		printf("TD-like waiter woke and got the lock %llu ms after our release\n",
		       (unsigned long long)took);
		assert_true(WIFEXITED(wstatus));
		assert_int_equal(WEXITSTATUS(wstatus), 0);
		/* Its deadline was 5 s: a wake-up by time-out would show. */
		assert_true(took < 1000);
	}
	tdshm_lock_close(lock);
	tdshm_test_lock_remove(name);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Another process holds the lock for 10 s; every 2 ms acquire of ours
 * times out within its bound (plus what this machine adds to a 2 ms sleep
 * in the same run). The figures are printed. */
static void test_lock_acquire_bound_over_a_10s_hold(void **state)
{
	(void)state;
	char name[256];
	tdshm_lock *lock = new_lock(name, sizeof(name));
	int fd;
	pid_t holder = fork_child(&fd);
	if (holder == 0) {
		tdshm_lock *mine = NULL;
		tdshm_error e;
		if (tdshm_lock_open(name, &mine, &e) != TDSHM_OK ||
		    tdshm_lock_acquire(mine, 1000, &e) != TDSHM_OK)
			_exit(3);
		if (write(fd, "h", 1) != 1)
			_exit(4);
		tdshm_sleep_ms(10000);
		tdshm_lock_release(mine);
		tdshm_lock_close(mine);
		_exit(0);
	}
	tdshm_test_wait_ready(fd);
	enum { MAX_SAMPLES = 8000 };
	uint64_t *waits = calloc(MAX_SAMPLES, sizeof(*waits));
	assert_non_null(waits);
	size_t n = 0;
	uint64_t worst_oversleep = 0, total = 0;
	/* The machine's lateness also on a thread of its own, sampled all the
	 * time (the inline samples miss what happens during a call). */
	tdshm_test_sleep_probe probe;
	assert_true(tdshm_test_sleep_probe_start(&probe));
	uint64_t end = tdshm_clock_ms() + 9500;
	tdshm_error err;
	while (tdshm_clock_ms() < end && n < MAX_SAMPLES) {
		uint64_t t = tdshm_clock_ns();
		tdshm_status status = tdshm_lock_acquire(lock, CALL_BOUND_MS, &err);
		uint64_t took = elapsed_since(t);
		assert_int_equal(status, TDSHM_TIMED_OUT);
		waits[n++] = took;
		total += took;
		/* The machine's own lateness, sampled between the calls. */
		t = tdshm_clock_ns();
		tdshm_sleep_ms(CALL_BOUND_MS);
		took = elapsed_since(t);
		uint64_t bound_ns = (uint64_t)CALL_BOUND_MS * 1000000u;
		if (took > bound_ns && took - bound_ns > worst_oversleep)
			worst_oversleep = took - bound_ns;
	}
	tdshm_test_sleep_probe_stop(&probe);
	uint64_t inline_oversleep = worst_oversleep;
	if (probe.worst_ns > worst_oversleep)
		worst_oversleep = probe.worst_ns;
	int wstatus;
	assert_int_equal(waitpid(holder, &wstatus, 0), holder);
	assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
	qsort(waits, n, sizeof(*waits), compare_u64);
	uint64_t worst = waits[n - 1];
	uint64_t limit = (uint64_t)CALL_BOUND_MS * 1000000u + 2 * worst_oversleep + 1000000u;
	printf("10 s hold, %zu acquires with a %d ms bound: mean %.3f ms, median %.3f ms, "
	       "p99 %.3f ms, worst %.3f ms; worst lateness of a %d ms sleep between calls "
	       "%.3f ms, of a 1 ms sleep on a probe thread %.3f ms (limit %.3f ms)\n",
	       n, CALL_BOUND_MS, total / 1e6 / (double)n, waits[n / 2] / 1e6,
	       waits[n * 99 / 100] / 1e6, worst / 1e6, CALL_BOUND_MS, inline_oversleep / 1e6,
	       probe.worst_ns / 1e6, limit / 1e6);
	size_t over = 0;
	while (over < n && waits[n - 1 - over] > limit)
		over++;
	printf("%zu of %zu calls over the limit (the machine stopped this process for longer "
	       "than the probes saw)\n",
	       over, n);
	/* Never short of the bound: the wait is what was asked for. */
	assert_true(waits[0] >= (uint64_t)CALL_BOUND_MS * 1000000u);
	/* Within bound + lateness; at most 1 in 500 calls over it (a shared
	 * 2-core machine can stop a process for longer than any probe saw
	 * on one of ~2000 calls), and never anything like a hang. */
	assert_true(waits[n * 99 / 100] <= limit);
	assert_true(over * 500 <= n);
	assert_true(worst <= STALL_MAX_NS);
	free(waits);
	tdshm_lock_close(lock);
	tdshm_test_lock_remove(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_lock_release_wakes_td_waiter_promptly, kill_children),
	    cmocka_unit_test_teardown(test_lock_calls_bounded_after_waiters_killed_in_condvar,
				      kill_children),
	    cmocka_unit_test_teardown(test_lock_calls_bounded_while_waiters_stopped_in_condvar,
				      kill_children),
	    cmocka_unit_test_teardown(test_lock_acquire_bound_over_a_10s_hold, kill_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
