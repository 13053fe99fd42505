/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sender on a full /dev/shm (a container's small one, several large
 * outputs): it must fail with a message that names the size needed and the
 * space free, leave no segment behind, and never die of SIGBUS on its first
 * write. Each case runs in a child process with a mount namespace of its
 * own, where /dev/shm is a 64 KiB tmpfs (needs root, as CI runs). */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_env_posix.h"
#include "test_support.h"
#include "tdshm/platform.h"
#include "tdshm/sender.h"

#define TINY_SHM "size=64k"

/* In a child: a private mount namespace with a tiny tmpfs on /dev/shm.
 * Returns 0 or an errno. */
static int enter_tiny_shm(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		return errno;
	/* Nothing mounted here may reach the machine's own /dev/shm. */
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return errno;
	if (mount("tmpfs", "/dev/shm", "tmpfs", 0, TINY_SHM) != 0)
		return errno;
	return 0;
}

/* Names in /dev/shm that are not lock objects (those are never removed,
 * docs/protocol.md §1: a peer may have mapped one already). */
static int segments_left(char *list, size_t cap)
{
	DIR *dir = opendir("/dev/shm");
	if (!dir)
		return -1;
	int n = 0;
	list[0] = '\0';
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || (len > 5 && strcmp(e->d_name + len - 5, "Mutex") == 0))
			continue;
		n++;
		size_t used = strlen(list);
		snprintf(list + used, cap - used, "%s ", e->d_name);
	}
	closedir(dir);
	return n;
}

/* Runs body in a child inside the tiny /dev/shm, then checks that it left
 * no segment; the child writes what it found wrong (nothing when all is
 * well) to a pipe. */
static void run_in_tiny_shm(void (*body)(char *problem, size_t cap))
{
	if (geteuid() != 0) {
		printf("needs root for a mount namespace (CI runs as root): not run\n");
		skip();
	}
	int fd;
	pid_t child = tdshm_test_fork_with_pipe(&fd);
	if (child == 0) {
		char problem[2048] = "";
		int rc = enter_tiny_shm();
		if (rc != 0)
			snprintf(problem, sizeof(problem), "cannot set up a tiny /dev/shm: %s",
				 strerror(rc));
		else
			body(problem, sizeof(problem));
		char left[1024];
		if (!problem[0] && segments_left(left, sizeof(left)) != 0)
			snprintf(problem, sizeof(problem), "segments left behind: %s", left);
		ssize_t n = write(fd, problem, strlen(problem));
		(void)n;
		fflush(stdout);
		_exit(0);
	}
	char problem[2048];
	ssize_t n = read(fd, problem, sizeof(problem) - 1);
	close(fd);
	int wstatus = 0;
	assert_int_equal(waitpid(child, &wstatus, 0), child);
	if (WIFSIGNALED(wstatus))
		fail_msg("the sender was killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	problem[n > 0 ? n : 0] = '\0';
	if (problem[0])
		fail_msg("%s", problem);
}

static void expect_full_message(const char *message, char *problem, size_t cap)
{
	printf("error: %s\n", message);
	if (!strstr(message, "shared memory is full: ") || !strstr(message, " needed, ") ||
	    !strstr(message, " free in /dev/shm"))
		snprintf(problem, cap, "unclear error: '%s'", message);
}

static void body_sender_create_on_full_shm(char *problem, size_t cap)
{
	tdshm_sender *sender = NULL;
	tdshm_error err;
	/* 1 MB: far more than the 64 KB there are. */
	tdshm_status status =
	    tdshm_sender_create("fullshm", 1024 * 1024, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err);
	if (status == TDSHM_OK) {
		snprintf(problem, cap, "a 1 MB sender was created in a 64 KB /dev/shm");
		tdshm_sender_destroy(sender, 100);
		return;
	}
	expect_full_message(err.message, problem, cap);
	if (!strstr(err.message, "1024 KB needed"))
		snprintf(problem, cap, "the size needed is not named: '%s'", err.message);
}

static void body_sender_resize_on_full_shm(char *problem, size_t cap)
{
	tdshm_sender *sender = NULL;
	tdshm_error err;
	if (tdshm_sender_create("fullshm", 8 * 1024, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err) !=
	    TDSHM_OK) {
		snprintf(problem, cap, "an 8 KB sender failed: %s", err.message);
		return;
	}
	uint8_t *bytes;
	size_t size;
	if (tdshm_sender_begin_write(sender, 100, &bytes, &size, &err) == TDSHM_OK) {
		memset(bytes, 0x5a, size); /* every page reserved: no SIGBUS */
		tdshm_sender_end_write(sender);
	}
	tdshm_status status =
	    tdshm_sender_resize(sender, 2 * 1024 * 1024, TDSHM_INFO_LOCK_TIMEOUT_MS, &err);
	if (status == TDSHM_OK) {
		snprintf(problem, cap, "a 2 MB resize succeeded in a 64 KB /dev/shm");
	} else {
		expect_full_message(err.message, problem, cap);
		/* The failed resize's segment is gone; the sender says why it
		 * cannot write instead of faulting. */
		if (!problem[0] &&
		    tdshm_sender_begin_write(sender, 100, &bytes, &size, &err) == TDSHM_OK) {
			snprintf(problem, cap, "a write after the failed resize was allowed");
			tdshm_sender_end_write(sender);
		}
	}
	tdshm_sender_destroy(sender, 100);
}

/* The tool, as a user runs it in a container: exit code 3 and the message
 * on stderr. */
static void run_tool(const char *const argv[], int *code, char *out, size_t cap)
{
	int fds[2];
	*code = -1;
	out[0] = '\0';
	if (pipe(fds) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		dup2(fds[1], 1);
		close(fds[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t used = 0;
	ssize_t n;
	while (used + 1 < cap && (n = read(fds[0], out + used, cap - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(fds[0]);
	int wstatus = 0;
	waitpid(pid, &wstatus, 0);
	*code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

static void body_tool_on_full_shm(char *problem, size_t cap)
{
	const char *tool = tdshm_test_tool_path();
	const char *send[] = {tool, "send", "fulltool", "--size", "640x360", "--frames", "3", NULL};
	const char *chop[] = {tool,       "chop-send", "fullchop", "--channels", "8",
			      "--length", "48000",     "--blocks", "2",          NULL};
	const char *const *runs[] = {send, chop};
	for (int i = 0; i < 2 && !problem[0]; i++) {
		int code;
		char out[2048];
		run_tool(runs[i], &code, out, sizeof(out));
		printf("tdshm %s: exit %d: %s", runs[i][1], code, out);
		if (code != 3)
			snprintf(problem, cap, "tdshm %s exited %d (want 3, a runtime error): %s",
				 runs[i][1], code, out);
		else
			expect_full_message(out, problem, cap);
	}
}

/* Each test is one body run in the tiny /dev/shm (its initial state). */
typedef struct tiny_shm_case {
	void (*body)(char *problem, size_t cap);
} tiny_shm_case;

static void test_in_tiny_shm(void **state)
{
	const tiny_shm_case *c = *state;
	run_in_tiny_shm(c->body);
}

static tiny_shm_case sender_create = {body_sender_create_on_full_shm},
		     sender_resize = {body_sender_resize_on_full_shm},
		     tool_send = {body_tool_on_full_shm};
#define TINY_SHM_TEST(name, c)                                                                     \
	{                                                                                          \
		name, test_in_tiny_shm, NULL, NULL, &c                                             \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TINY_SHM_TEST("test_sender_create_on_full_shm_fails_clearly_and_cleans_up",
			  sender_create),
	    TINY_SHM_TEST("test_sender_resize_on_full_shm_fails_clearly", sender_resize),
	    TINY_SHM_TEST("test_tool_send_and_chop_send_on_full_shm_fail_clearly", tool_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
