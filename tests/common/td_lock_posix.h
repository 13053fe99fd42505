/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TouchDesigner's side of a POSIX named lock, as docs/protocol.md §1 states
 * it, for the peers that tests start (tests/obs/tdshm_td_waiter.c, the
 * waiters in test_posix_lock_peers.c), and the waits around them. POSIX
 * only; no cmocka, so a plain helper program can link it. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The wire layout TouchDesigner maps (docs/protocol.md §1). */
typedef struct tdshm_test_td_block {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool locked;
} tdshm_test_td_block;

/* CLOCK_REALTIME now + ms, the deadline pthread_cond_timedwait takes. */
void tdshm_test_realtime_deadline(struct timespec *deadline, uint32_t ms);
/* Maps the lock object of that full name (shm_open name); NULL if it
 * cannot (errno says why). */
tdshm_test_td_block *tdshm_test_td_block_map(const char *lock_name);
/* TouchDesigner's acquire: take the mutex; while `locked`, wait on the
 * condition until deadline; set `locked` unless it timed out; give the
 * mutex back. A dead holder's mutex is made consistent. With ready_fd >= 0,
 * one byte is written there once the mutex is held, just before the wait
 * (false at once if that write fails). Whether it took the lock. */
bool tdshm_test_td_acquire(tdshm_test_td_block *block, const struct timespec *deadline,
			   int ready_fd);
/* TouchDesigner's release: take the mutex, clear `locked`, signal, give
 * the mutex back. */
void tdshm_test_td_release(tdshm_test_td_block *block);
/* Whether process pid is asleep in the kernel (state 'S' in /proc). */
bool tdshm_test_process_sleeping(int pid);
