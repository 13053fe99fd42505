/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the POSIX-only suites (test_env_posix.c): children
 * forked with a pipe back. They fail the running cmocka test on any error.
 * Included after cmocka.h. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tdshm/platform.h"

/* fork() with a pipe from the child back to the parent. In the child (0
 * returned) *fd is the pipe's write end, in the parent (the child's pid)
 * its read end; each closes the other end. */
pid_t tdshm_test_fork_with_pipe(int *fd);
/* Reads the one byte a child writes when it is ready, then closes fd. */
void tdshm_test_wait_ready(int fd);
/* Waits for child and checks it exited with status 0. */
void tdshm_test_wait_exit_ok(pid_t child);

/* How late a 1 ms sleep wakes at worst, sampled all the time on a thread
 * of its own between start and stop: the machine's own lateness under the
 * same load, for a timing check's tolerance. start returns false when no
 * thread could be made. */
typedef struct tdshm_test_sleep_probe {
	pthread_t thread;
	atomic_bool stop;  /* set by the caller's thread */
	uint64_t worst_ns; /* the probe's thread; read after the join */
} tdshm_test_sleep_probe;

bool tdshm_test_sleep_probe_start(tdshm_test_sleep_probe *probe);
/* Joins the probe; the worst lateness seen, in ns. */
uint64_t tdshm_test_sleep_probe_stop(tdshm_test_sleep_probe *probe);
