/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Windows backend (common/src/win/) inside one process: abandoned
 * mutexes, non-recursive locks, sizes bounded by VirtualQuery, UTF-8 names
 * that reach the system as the UTF-16 TouchDesigner uses, and names Windows
 * cannot take. Windows-only: built when WIN32 (run under Wine in CI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "tdshm/platform.h"
#include "roles_support.h"
#include "test_support.h"

/* ---- locks ------------------------------------------------------------- */

struct lock_thread_job {
	const char *name;
	HANDLE acquired;     /* set by the thread once it holds the lock */
	HANDLE may_release;  /* NULL: exit without releasing (abandon) */
	tdshm_status status; /* of the thread's acquire */
};

static DWORD WINAPI lock_thread_main(void *arg)
{
	struct lock_thread_job *job = arg;
	tdshm_lock *lock = NULL;
	tdshm_error err;
	job->status = tdshm_lock_open(job->name, &lock, &err);
	if (job->status == TDSHM_OK)
		job->status = tdshm_lock_acquire(lock, 2000, &err);
	SetEvent(job->acquired);
	if (job->status != TDSHM_OK)
		return 1;
	if (!job->may_release)
		return 0; /* the thread ends holding it: Windows marks it abandoned */
	WaitForSingleObject(job->may_release, 10000);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
	return 0;
}

static HANDLE start_lock_thread(struct lock_thread_job *job)
{
	job->acquired = CreateEventW(NULL, TRUE, FALSE, NULL);
	assert_non_null(job->acquired);
	HANDLE thread = CreateThread(NULL, 0, lock_thread_main, job, 0, NULL);
	assert_non_null(thread);
	assert_int_equal(WaitForSingleObject(job->acquired, 10000), WAIT_OBJECT_0);
	assert_int_equal(job->status, TDSHM_OK);
	return thread;
}

static void test_lock_abandoned_by_exited_thread_is_acquired(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_lock_name(name, sizeof(name), "winabandon");

	struct lock_thread_job job = {.name = name, .may_release = NULL};
	HANDLE thread = start_lock_thread(&job);
	assert_int_equal(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
	CloseHandle(thread);
	CloseHandle(job.acquired);

	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(name, &lock, &err), TDSHM_OK);
	bool held = true;
	assert_int_equal(tdshm_lock_is_held(lock, &held, &err), TDSHM_OK);
	assert_false(held); /* its holder is gone */
	uint64_t start = tdshm_clock_ms();
	tdshm_status status = tdshm_lock_acquire(lock, 3000, &err);
	uint64_t waited = tdshm_clock_ms() - start;
	assert_int_equal(status, TDSHM_OK);
	/* Reclaimed at once, not after the timeout. */
	assert_true(waited < 1000);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
}

static void test_lock_held_by_other_thread_times_out_then_frees(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_lock_name(name, sizeof(name), "winbusy");

	struct lock_thread_job job = {.name = name};
	job.may_release = CreateEventW(NULL, TRUE, FALSE, NULL);
	assert_non_null(job.may_release);
	HANDLE thread = start_lock_thread(&job);

	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(name, &lock, &err), TDSHM_OK);
	uint64_t waited = tdshm_test_held_lock_times_out(lock, 200, &err);
	print_message("busy lock: TIMED_OUT after %llu ms for a 200 ms timeout: %s\n",
		      (unsigned long long)waited, err.message);
	/* Bounded: about the timeout, never much more. */
	assert_true(waited >= 150 && waited < 2000);
	assert_non_null(strstr(err.message, name));
	assert_int_equal(err.status, TDSHM_TIMED_OUT);

	SetEvent(job.may_release);
	assert_int_equal(tdshm_lock_acquire(lock, 3000, &err), TDSHM_OK);
	tdshm_lock_release(lock);
	assert_int_equal(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
	CloseHandle(thread);
	CloseHandle(job.acquired);
	CloseHandle(job.may_release);
	tdshm_lock_close(lock);
}

/* A Win32 mutex is recursive; the POSIX lock is not. The backend makes a
 * second acquire in the same thread a timed-out one, as on POSIX. */
static void test_lock_is_not_recursive_in_one_thread(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_lock_name(name, sizeof(name), "winrecurse");
	tdshm_lock *first = NULL, *second = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(name, &first, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(name, &second, &err), TDSHM_OK);

	assert_int_equal(tdshm_lock_acquire(first, 0, &err), TDSHM_OK);
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(second, 100, &err), TDSHM_TIMED_OUT);
	uint64_t waited = tdshm_clock_ms() - start;
	assert_true(waited >= 80 && waited < 2000);
	assert_int_equal(tdshm_lock_acquire(first, 0, &err), TDSHM_TIMED_OUT);
	bool held = false;
	assert_int_equal(tdshm_lock_is_held(second, &held, &err), TDSHM_OK);
	assert_true(held);

	/* One release frees it for everyone: the recursion was undone. */
	tdshm_lock_release(first);
	assert_int_equal(tdshm_lock_is_held(second, &held, &err), TDSHM_OK);
	assert_false(held);
	assert_int_equal(tdshm_lock_acquire(second, 0, &err), TDSHM_OK);
	tdshm_lock_release(second);

	/* Another thread sees it free too (no leftover recursion count). */
	struct lock_thread_job job = {.name = name};
	job.may_release = CreateEventW(NULL, TRUE, TRUE, NULL);
	HANDLE thread = start_lock_thread(&job);
	assert_int_equal(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
	CloseHandle(thread);
	CloseHandle(job.acquired);
	CloseHandle(job.may_release);

	tdshm_lock_close(first);
	tdshm_lock_close(second);
}

static void test_lock_timeout_is_bounded_even_for_infinite(void **state)
{
	(void)state;
	/* UINT32_MAX is Win32's INFINITE: the backend must not pass it on. We
	 * cannot wait 49 days, so check the free path only returns at once
	 * and a held lock with timeout 0 answers at once. */
	char name[128];
	tdshm_test_lock_name(name, sizeof(name), "wininf");
	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(name, &lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(lock, UINT32_MAX, &err), TDSHM_OK);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
}

/* ---- segments ---------------------------------------------------------- */

static void test_segment_size_is_bounded_by_virtualquery(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_segment_name(name, sizeof(name), "winsize");
	const size_t asked = 10000;
	tdshm_shm *created = NULL, *opened = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, asked, true, &created, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_size(created), asked);
	assert_string_equal(tdshm_shm_name(created), name);
	uint8_t *out = tdshm_shm_bytes(created);
	for (size_t i = 0; i < asked; i++)
		out[i] = (uint8_t)(i * 7 % 251);

	assert_int_equal(tdshm_shm_open(name, &opened, &err), TDSHM_OK);
	size_t seen = tdshm_shm_size(opened);
	SYSTEM_INFO system;
	GetSystemInfo(&system);
	MEMORY_BASIC_INFORMATION region;
	assert_int_equal(VirtualQuery(tdshm_shm_bytes(opened), &region, sizeof(region)),
			 sizeof(region));
	print_message("asked %zu bytes; the opener sees %zu (page %lu, region %zu)\n", asked, seen,
		      (unsigned long)system.dwPageSize, (size_t)region.RegionSize);
	/* The opener cannot learn the exact size: it gets whole pages, never
	 * less than was made and never a page more. */
	assert_true(seen >= asked);
	assert_true(seen < asked + system.dwPageSize);
	assert_int_equal(seen, region.RegionSize);
	const uint8_t *in = tdshm_shm_bytes(opened);
	for (size_t i = 0; i < asked; i++)
		if (in[i] != (uint8_t)(i * 7 % 251))
			fail_msg("byte %zu differs between the two mappings", i);
	/* The last byte it reports is really mapped and shared. */
	tdshm_shm_bytes(opened)[seen - 1] = 0x5a;
	tdshm_shm_close(opened);
	tdshm_shm_close_and_remove(created);

	/* Gone with its last handle. */
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	assert_int_equal(tdshm_shm_open(name, &opened, &err), TDSHM_NOT_FOUND);
	assert_non_null(strstr(err.message, name));
}

static void test_segment_exclusive_create_and_reuse(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_segment_name(name, sizeof(name), "winexcl");
	tdshm_shm *first = NULL, *again = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 8192, true, &first, &err), TDSHM_OK);
	tdshm_shm_bytes(first)[100] = 42;

	assert_int_equal(tdshm_shm_create(name, 8192, true, &again, &err), TDSHM_EXISTS);
	assert_null(again);
	assert_non_null(strstr(err.message, name));

	/* Not exclusive: the existing one is reused, with its bytes. */
	assert_int_equal(tdshm_shm_create(name, 4096, false, &again, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_bytes(again)[100], 42);
	assert_true(tdshm_shm_size(again) >= 8192);
	tdshm_shm_close(again);

	/* Asking for more than exists cannot grow it on Windows. */
	assert_int_equal(tdshm_shm_create(name, 65536, false, &again, &err), TDSHM_EXISTS);
	assert_null(again);
	print_message("too small to reuse: %s\n", err.message);

	/* The refused attempts left no handle behind: closing the first
	 * removes it. */
	tdshm_shm_close_and_remove(first);
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	assert_int_equal(tdshm_shm_remove(name, &err), TDSHM_NOT_FOUND);
}

static void count_visit(const char *full_name, void *ctx)
{
	(void)full_name;
	++*(int *)ctx;
}

static void test_segment_missing_and_list(void **state)
{
	(void)state;
	char name[128];
	tdshm_test_segment_name(name, sizeof(name), "winmissing");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_NOT_FOUND);
	assert_null(shm);
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	assert_int_equal(tdshm_shm_create(name, 0, true, &shm, &err), TDSHM_INVALID_ARGUMENT);

	/* Windows lists mappings now (the object directory): none has this
	 * name (test_win_object_directory lists one that exists). */
	int found = 0;
	assert_int_equal(tdshm_shm_list(name, count_visit, &found, &err), TDSHM_OK);
	assert_int_equal(found, 0);
}

/* ---- names ------------------------------------------------------------- */

static void test_utf8_name_reaches_windows_as_utf16(void **state)
{
	(void)state;
	/* "TouchSHMÉcran-日本-🎥-<pid>" in UTF-8, and the same name as TD's
	 * wide API would write it. */
	char name[160];
	wchar_t wide[160];
	unsigned pid = (unsigned)GetCurrentProcessId();
	snprintf(name, sizeof(name),
		 "TouchSHM\xc3\x89"
		 "cran-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x8e\xa5-%u",
		 pid);
	swprintf(wide, 160, L"TouchSHM\u00c9cran-\u65e5\u672c-\U0001f3a5-%u", pid);

	tdshm_shm *created = NULL, *opened = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 4096, true, &created, &err), TDSHM_OK);
	memcpy(tdshm_shm_bytes(created), "hello", 6);
	assert_string_equal(tdshm_shm_name(created), name);

	/* Round trip through the backend. */
	assert_int_equal(tdshm_shm_open(name, &opened, &err), TDSHM_OK);
	assert_string_equal((const char *)tdshm_shm_bytes(opened), "hello");
	tdshm_shm_close(opened);

	/* And the very object a wide-API program opens by that name. */
	HANDLE mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
	assert_non_null(mapping);
	const char *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
	assert_non_null(view);
	assert_string_equal(view, "hello");
	UnmapViewOfFile(view);
	CloseHandle(mapping);

	/* Locks too: creating it with the wide name finds ours. */
	char lock_name[192];
	wchar_t lock_wide[192];
	snprintf(lock_name, sizeof(lock_name), "%sMutex", name);
	swprintf(lock_wide, 192, L"%lsMutex", wide);
	tdshm_lock *lock = NULL;
	assert_int_equal(tdshm_lock_open(lock_name, &lock, &err), TDSHM_OK);
	SetLastError(0);
	HANDLE mutex = CreateMutexW(NULL, FALSE, lock_wide);
	assert_non_null(mutex);
	assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
	CloseHandle(mutex);
	tdshm_lock_close(lock);
	tdshm_shm_close_and_remove(created);
}

static void test_bad_utf8_name_is_invalid_argument(void **state)
{
	(void)state;
	tdshm_shm *shm = NULL;
	tdshm_lock *lock = NULL;
	tdshm_error err;
	/* A lone continuation byte and a truncated sequence. */
	assert_int_equal(tdshm_shm_create("TouchSHMbad\x80name", 4096, true, &shm, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "UTF-8"));
	assert_int_equal(tdshm_shm_open("TouchSHMbad\xe6\x97", &shm, &err), TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_lock_open("TouchSHMbad\xffMutex", &lock, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_null(shm);
	assert_null(lock);
	/* A backslash would leave the local namespace. */
	assert_int_equal(tdshm_shm_create("Global\\TouchSHMx", 4096, true, &shm, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_shm_create("", 4096, true, &shm, &err), TDSHM_INVALID_ARGUMENT);
}

static void test_name_too_long_is_invalid_argument(void **state)
{
	(void)state;
	size_t max = tdshm_platform_name_max();
	assert_int_equal(max, MAX_PATH - 1);
	char name[400];
	/* Exactly the limit works. */
	memset(name, 'a', sizeof(name));
	int head = snprintf(name, sizeof(name), "TouchSHM%u-", (unsigned)GetCurrentProcessId());
	name[head] = 'a';
	name[max] = '\0';
	tdshm_shm *shm = NULL;
	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 4096, true, &shm, &err), TDSHM_OK);
	tdshm_shm_close_and_remove(shm);
	shm = NULL;

	/* One more is refused by us, with the numbers, before Windows sees it. */
	name[max] = 'a';
	name[max + 1] = '\0';
	assert_int_equal(tdshm_shm_create(name, 4096, true, &shm, &err), TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "259"));
	print_message("%zu characters: %.80s...\n", max + 1, err.message);
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_lock_open(name, &lock, &err), TDSHM_INVALID_ARGUMENT);
	assert_null(shm);
	assert_null(lock);

	/* The limit counts UTF-16 units, not bytes: 200 two-byte characters
	 * are 400 bytes but fit. */
	char wide_name[512];
	int at =
	    snprintf(wide_name, sizeof(wide_name), "TouchSHM%u", (unsigned)GetCurrentProcessId());
	for (int i = 0; i < 200; i++) {
		wide_name[at++] = (char)0xc3;
		wide_name[at++] = (char)0xa9; /* é */
	}
	wide_name[at] = '\0';
	assert_int_equal(tdshm_lock_open(wide_name, &lock, &err), TDSHM_OK);
	tdshm_lock_close(lock);
}

/* ---- processes, time, randomness --------------------------------------- */

static void test_process_alive_and_clock(void **state)
{
	(void)state;
	assert_int_equal(tdshm_process_id(), GetCurrentProcessId());
	assert_true(tdshm_process_alive(tdshm_process_id()));

	/* A process that has exited is not alive, even while we still hold a
	 * handle to it. */
	STARTUPINFOW startup = {.cb = sizeof(startup)};
	PROCESS_INFORMATION child;
	wchar_t command[] = L"cmd.exe /c exit 0";
	assert_true(CreateProcessW(NULL, command, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL,
				   &startup, &child));
	assert_int_equal(WaitForSingleObject(child.hProcess, 20000), WAIT_OBJECT_0);
	assert_false(tdshm_process_alive(child.dwProcessId));
	CloseHandle(child.hThread);
	CloseHandle(child.hProcess);

	uint64_t ms0 = tdshm_clock_ms(), ns0 = tdshm_clock_ns();
	tdshm_sleep_ms(100);
	uint64_t ms = tdshm_clock_ms() - ms0, ns = tdshm_clock_ns() - ns0;
	print_message("sleep 100 ms took %llu ms (%llu ns)\n", (unsigned long long)ms,
		      (unsigned long long)ns);
	assert_true(ms >= 95 && ms < 2000);
	/* The two clocks agree within a millisecond or two. */
	assert_true(ns / 1000000 + 3 >= ms && ns / 1000000 <= ms + 3);

	/* Short sleeps are short: Sleep(2) on a default Windows tick would
	 * take 15.6 ms; a pacing loop needs the millisecond. */
	uint64_t many0 = tdshm_clock_ns();
	for (int i = 0; i < 20; i++)
		tdshm_sleep_ms(2);
	double each_ms = (double)(tdshm_clock_ns() - many0) / 20 / 1e6;
	print_message("sleep 2 ms: %.2f ms each on average\n", each_ms);
	assert_true(each_ms >= 1.9 && each_ms < 6.0);

	uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
	tdshm_random_bytes(a, sizeof(a));
	tdshm_random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_abandoned_by_exited_thread_is_acquired),
	    cmocka_unit_test(test_lock_held_by_other_thread_times_out_then_frees),
	    cmocka_unit_test(test_lock_is_not_recursive_in_one_thread),
	    cmocka_unit_test(test_lock_timeout_is_bounded_even_for_infinite),
	    cmocka_unit_test(test_segment_size_is_bounded_by_virtualquery),
	    cmocka_unit_test(test_segment_exclusive_create_and_reuse),
	    cmocka_unit_test(test_segment_missing_and_list),
	    cmocka_unit_test(test_utf8_name_reaches_windows_as_utf16),
	    cmocka_unit_test(test_bad_utf8_name_is_invalid_argument),
	    cmocka_unit_test(test_name_too_long_is_invalid_argument),
	    cmocka_unit_test(test_process_alive_and_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
