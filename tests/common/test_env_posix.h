/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the POSIX-only suites (test_env_posix.c): children
 * forked with a pipe back. They fail the running cmocka test on any error.
 * Included after cmocka.h. */
#pragma once

#include <stddef.h>
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
