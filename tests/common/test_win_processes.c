/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Windows backend across processes: a segment and a named mutex made by
 * one process are the ones another opens, by a non-ASCII UTF-8 name; a lock
 * held in another process times out here, within its bound; a process that
 * dies holding a lock leaves it abandoned, which the next acquire takes; a
 * mapping lives while any process holds a handle (docs/protocol.md §5).
 * The child is this same program, started with CreateProcessW in a child
 * mode. Windows-only (runs under Wine in CI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "tdshm/platform.h"
#include "roles_support.h"
#include "test_support.h"

#define SEGMENT_SIZE 65536
/* The first process Wine starts in a test can take seconds. */
#define CHILD_WAIT_MS 30000

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)(i * 7 % 251);
}

/* Names cross the command line hex-encoded, so a non-ASCII UTF-8 name
 * reaches the child byte for byte whatever its code page. */
static void hex_encode(const char *text, char *out, size_t cap)
{
	size_t at = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && at + 3 <= cap; p++)
		at += (size_t)snprintf(out + at, cap - at, "%02x", *p);
	out[at] = '\0';
}

static void hex_decode(const char *hex, char *out, size_t cap)
{
	size_t at = 0;
	for (; hex[0] && hex[1] && at + 1 < cap; hex += 2) {
		char pair[3] = {hex[0], hex[1], '\0'};
		out[at++] = (char)strtoul(pair, NULL, 16);
	}
	out[at] = '\0';
}

/* The events a parent and its child meet on: "<name>-ready" etc. Named in
 * ASCII from the hex name, so they never depend on the code under test. */
static HANDLE open_event(const char *hex_name, const char *what)
{
	char event_name[600];
	snprintf(event_name, sizeof(event_name), "tdshm-test-%.500s-%s", hex_name, what);
	return CreateEventA(NULL, TRUE, FALSE, event_name);
}

/* ---- child modes --------------------------------------------------------- */

static int child_fail(const char *what, const tdshm_error *err)
{
	fprintf(stderr, "child: %s: %s\n", what, err ? err->message : "");
	return 2;
}

/* Creates the segment and the lock, fills the segment, holds the lock until
 * told to release it, then waits to be told to exit. */
static int child_writer(const char *hex_name)
{
	char name[400], lock_name[420];
	hex_decode(hex_name, name, sizeof(name));
	snprintf(lock_name, sizeof(lock_name), "%sMutex", name);
	HANDLE ready = open_event(hex_name, "ready"), go = open_event(hex_name, "go"),
	       done = open_event(hex_name, "done");
	if (!ready || !go || !done)
		return child_fail("events", NULL);
	tdshm_error err;
	tdshm_shm *shm = NULL;
	tdshm_lock *lock = NULL;
	if (tdshm_shm_create(name, SEGMENT_SIZE, true, &shm, &err) != TDSHM_OK)
		return child_fail("create", &err);
	for (size_t i = 0; i < SEGMENT_SIZE; i++)
		tdshm_shm_bytes(shm)[i] = pattern_byte(i);
	if (tdshm_lock_open(lock_name, &lock, &err) != TDSHM_OK)
		return child_fail("lock open", &err);
	if (tdshm_lock_acquire(lock, 5000, &err) != TDSHM_OK)
		return child_fail("lock acquire", &err);
	SetEvent(ready);
	if (WaitForSingleObject(go, CHILD_WAIT_MS) != WAIT_OBJECT_0)
		return child_fail("no go from the parent", NULL);
	tdshm_lock_release(lock);
	if (WaitForSingleObject(done, CHILD_WAIT_MS) != WAIT_OBJECT_0)
		return child_fail("no done from the parent", NULL);
	/* The parent wrote its answer at the very end of the mapping. */
	int answer = tdshm_shm_bytes(shm)[SEGMENT_SIZE - 1] == 0xa5 ? 0 : 3;
	tdshm_lock_close(lock);
	tdshm_shm_close_and_remove(shm);
	return answer;
}

/* Takes the lock and dies holding it. */
static int child_abandon(const char *hex_name)
{
	char name[400];
	hex_decode(hex_name, name, sizeof(name));
	HANDLE ready = open_event(hex_name, "ready");
	tdshm_error err;
	tdshm_lock *lock = NULL;
	if (!ready || tdshm_lock_open(name, &lock, &err) != TDSHM_OK ||
	    tdshm_lock_acquire(lock, 5000, &err) != TDSHM_OK)
		return child_fail("lock", &err);
	SetEvent(ready);
	ExitProcess(0); /* no release, no close: the process just ends */
}

/* ---- the parent's side ---------------------------------------------------- */

struct child {
	PROCESS_INFORMATION info;
	HANDLE ready, go, done;
};

static void start_child(struct child *child, const char *mode, const char *name)
{
	char hex[800];
	hex_encode(name, hex, sizeof(hex));
	child->ready = open_event(hex, "ready");
	child->go = open_event(hex, "go");
	child->done = open_event(hex, "done");
	assert_non_null(child->ready);
	assert_non_null(child->go);
	assert_non_null(child->done);

	wchar_t self[MAX_PATH];
	DWORD len = GetModuleFileNameW(NULL, self, MAX_PATH);
	assert_true(len > 0 && len < MAX_PATH);
	wchar_t command[2048];
	swprintf(command, 2048, L"\"%ls\" %hs %hs", self, mode, hex);
	STARTUPINFOW startup = {.cb = sizeof(startup)};
	assert_true(CreateProcessW(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup,
				   &child->info));
	HANDLE either[2] = {child->ready, child->info.hProcess};
	DWORD woke = WaitForMultipleObjects(2, either, FALSE, CHILD_WAIT_MS);
	if (woke != WAIT_OBJECT_0) {
		DWORD code = 0;
		GetExitCodeProcess(child->info.hProcess, &code);
		fail_msg("the child (%s) did not get ready: wait %lu, exit code %lu", mode,
			 (unsigned long)woke, (unsigned long)code);
	}
}

static DWORD finish_child(struct child *child)
{
	assert_int_equal(WaitForSingleObject(child->info.hProcess, CHILD_WAIT_MS), WAIT_OBJECT_0);
	DWORD code = 99;
	GetExitCodeProcess(child->info.hProcess, &code);
	CloseHandle(child->info.hProcess);
	CloseHandle(child->info.hThread);
	CloseHandle(child->ready);
	CloseHandle(child->go);
	CloseHandle(child->done);
	return code;
}

static void test_segment_and_lock_are_shared_between_processes(void **state)
{
	(void)state;
	/* "TouchSHMVidéo-<pid>-<n>": one non-ASCII character on the way. */
	char name[128], lock_name[160];
	tdshm_test_segment_name(name, sizeof(name), "Vid\xc3\xa9o");
	snprintf(lock_name, sizeof(lock_name), "%sMutex", name);

	struct child child;
	start_child(&child, "--child-writer", name);

	tdshm_error err;
	tdshm_shm *shm = NULL, *second = NULL;
	/* A second sender of the name is refused: the segment is the child's. */
	assert_int_equal(tdshm_shm_create(name, SEGMENT_SIZE, true, &second, &err), TDSHM_EXISTS);
	assert_null(second);

	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_OK);
	size_t size = tdshm_shm_size(shm);
	assert_true(size >= SEGMENT_SIZE && size < SEGMENT_SIZE + 65536);
	const uint8_t *bytes = tdshm_shm_bytes(shm);
	for (size_t i = 0; i < SEGMENT_SIZE; i++)
		if (bytes[i] != pattern_byte(i))
			fail_msg("byte %zu is %u, the child wrote %u", i, bytes[i],
				 pattern_byte(i));

	/* The child holds the lock: a bounded wait here, then a clear
	 * TIMED_OUT. */
	tdshm_lock *lock = NULL;
	assert_int_equal(tdshm_lock_open(lock_name, &lock, &err), TDSHM_OK);
	uint64_t waited = tdshm_test_held_lock_times_out(lock, 150, &err);
	print_message("lock held by pid %lu: TIMED_OUT after %llu ms (timeout 150)\n",
		      (unsigned long)child.info.dwProcessId, (unsigned long long)waited);
	assert_true(waited >= 130 && waited < 3000);

	/* Released over there: ours within the bound. */
	SetEvent(child.go);
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(lock, 5000, &err), TDSHM_OK);
	print_message("acquired %llu ms after the child was told to release\n",
		      (unsigned long long)(tdshm_clock_ms() - start));
	tdshm_shm_bytes(shm)[SEGMENT_SIZE - 1] = 0xa5; /* the child checks this */
	tdshm_lock_release(lock);
	SetEvent(child.done);
	uint32_t child_pid = (uint32_t)child.info.dwProcessId;
	assert_int_equal(finish_child(&child), 0);
	assert_false(tdshm_process_alive(child_pid));

	/* The creator is gone, but our handle keeps the mapping alive: why a
	 * receiver must drop its handles when the sender leaves (§5). */
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_OK);
	tdshm_shm_close(shm);
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	tdshm_lock_close(lock);
}

static void test_lock_abandoned_by_dead_process_is_acquired(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_lock_name(name, sizeof(name), "deadholder");

	struct child child;
	start_child(&child, "--child-abandon", name);
	uint32_t child_pid = (uint32_t)child.info.dwProcessId;
	assert_int_equal(finish_child(&child), 0);
	assert_false(tdshm_process_alive(child_pid));

	tdshm_error err;
	tdshm_lock *lock = NULL;
	assert_int_equal(tdshm_lock_open(name, &lock, &err), TDSHM_OK);
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(lock, 3000, &err), TDSHM_OK);
	uint64_t waited = tdshm_clock_ms() - start;
	print_message("lock left by a dead process: acquired in %llu ms (timeout 3000)\n",
		      (unsigned long long)waited);
	assert_true(waited < 1000);
	tdshm_lock_release(lock);
	/* And it works normally afterwards. */
	bool held = true;
	assert_int_equal(tdshm_lock_is_held(lock, &held, &err), TDSHM_OK);
	assert_false(held);
	tdshm_lock_close(lock);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child-writer") == 0)
		return child_writer(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--child-abandon") == 0)
		return child_abandon(argv[2]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_segment_and_lock_are_shared_between_processes),
	    cmocka_unit_test(test_lock_abandoned_by_dead_process_is_acquired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
