/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_env_posix.h"
#include "test_support.h"

void tdshm_test_setenv(const char *key, const char *value)
{
	if (value)
		setenv(key, value, 1);
	else
		unsetenv(key);
}

pid_t tdshm_test_fork_with_pipe(int *fd)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	close(fds[pid == 0 ? 0 : 1]);
	*fd = fds[pid == 0 ? 1 : 0];
	return pid;
}

void tdshm_test_wait_ready(int fd)
{
	char byte;
	assert_int_equal(read(fd, &byte, 1), 1);
	close(fd);
}

void tdshm_test_wait_exit_ok(pid_t child)
{
	int wstatus;
	assert_int_equal(waitpid(child, &wstatus, 0), child);
	assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

static void *sleep_probe_main(void *arg)
{
	tdshm_test_sleep_probe *probe = arg;
	while (!atomic_load(&probe->stop)) {
		uint64_t t = tdshm_clock_ns();
		tdshm_sleep_ms(1);
		uint64_t took = tdshm_clock_ns() - t;
		if (took > 1000000u && took - 1000000u > probe->worst_ns)
			probe->worst_ns = took - 1000000u;
	}
	return NULL;
}

bool tdshm_test_sleep_probe_start(tdshm_test_sleep_probe *probe)
{
	probe->worst_ns = 0;
	atomic_init(&probe->stop, false);
	return pthread_create(&probe->thread, NULL, sleep_probe_main, probe) == 0;
}

uint64_t tdshm_test_sleep_probe_stop(tdshm_test_sleep_probe *probe)
{
	atomic_store(&probe->stop, true);
	pthread_join(probe->thread, NULL);
	return probe->worst_ns;
}
