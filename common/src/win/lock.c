/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Locks on Windows: named mutexes, open-or-create, as TouchDesigner uses them
 * (docs/protocol.md §1).
 *
 * Two Win32 properties differ from the POSIX lock, and this file evens them out
 * or states them:
 *  - A Win32 mutex is owned by a THREAD. Only the thread that acquired it can
 *    release it, and if that thread exits holding it the next waiter gets
 *    WAIT_ABANDONED, which counts as acquiring (the holder died; TD does the
 *    same). Callers (the OBS plugin) must acquire and release on one thread.
 *  - A Win32 mutex is recursive: its owner thread acquires it again at once.
 *    POSIX's lock is not, and a second acquire there waits out its timeout.
 *    Recursion would let, say, a receiver and a sender of the same name in one
 *    thread both "hold" the data lock and race on the bytes, so a recursive
 *    acquire is undone and reported as TIMED_OUT after the same bounded wait a
 *    POSIX lock would make. The held locks of this process are kept in a list
 *    to tell recursion apart. */
#include <stdlib.h>
#include <string.h>

#include "tdshm/platform.h"
#include "win/internal.h"

struct tdshm_lock {
	HANDLE mutex;
	char *name; /* UTF-8, as given */
	/* Guarded by tdshm_held_guard: set while this handle holds the mutex. */
	bool held;
	uint64_t holder; /* tdshm_lock_thread_token() of the holding thread */
	struct tdshm_lock *next_held;
};

/* Every lock handle of this process that holds its mutex right now. */
static SRWLOCK tdshm_held_guard = SRWLOCK_INIT;
static struct tdshm_lock *tdshm_held_list;

/* Identifies the calling thread for the held list. Not the thread id:
 * Windows reuses those once a thread has exited, and a reused id would make
 * a stale entry (a thread that died holding a lock) look like recursion. */
static uint64_t tdshm_lock_thread_token(void)
{
	static _Thread_local uint64_t token;
	static volatile LONG64 last_token;
	if (!token)
		token = (uint64_t)InterlockedIncrement64(&last_token);
	return token;
}

/* Under the guard. */
static void tdshm_held_unlink(struct tdshm_lock *lock)
{
	for (struct tdshm_lock **at = &tdshm_held_list; *at; at = &(*at)->next_held) {
		if (*at == lock) {
			*at = lock->next_held;
			break;
		}
	}
	lock->next_held = NULL;
	lock->held = false;
}

/* Under the guard: the entry of this process that holds the mutex of name. */
static struct tdshm_lock *tdshm_held_find(const char *name)
{
	for (struct tdshm_lock *it = tdshm_held_list; it; it = it->next_held)
		if (strcmp(it->name, name) == 0)
			return it;
	return NULL;
}

tdshm_status tdshm_lock_open(const char *full_name, tdshm_lock **out, tdshm_error *err)
{
	*out = NULL;
	wchar_t wide[MAX_PATH];
	tdshm_status status = tdshm_win_name_widen(full_name, wide, MAX_PATH, err);
	if (status != TDSHM_OK)
		return status;
	/* Not initially owned: whoever opens first only creates it. */
	HANDLE mutex = CreateMutexW(NULL, FALSE, wide);
	if (!mutex) {
		DWORD code = GetLastError();
		if (code == ERROR_ACCESS_DENIED)
			return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
					       "could not open the lock '%s': run OBS and "
					       "TouchDesigner as the same user, both as "
					       "administrator or neither",
					       full_name);
		if (code == ERROR_INVALID_HANDLE)
			return tdshm_win_error(err, TDSHM_EXISTS, code,
					       "could not open the lock '%s': another kind of "
					       "object already has that name",
					       full_name);
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
				       "could not open the lock '%s'", full_name);
	}
	tdshm_lock *lock = calloc(1, sizeof(*lock));
	char *name = tdshm_win_strdup(full_name);
	if (!lock || !name) {
		free(lock);
		free(name);
		CloseHandle(mutex);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory opening the lock '%s'", full_name);
	}
	lock->mutex = mutex;
	lock->name = name;
	*out = lock;
	return TDSHM_OK;
}

/* After the wait succeeded: records the hold, or undoes it when it was only
 * recursion. Returns whether this thread already held it before. An
 * abandoned mutex is never recursion: its owner had died. */
static bool tdshm_lock_record_hold(tdshm_lock *lock, bool abandoned)
{
	uint64_t self = tdshm_lock_thread_token();
	bool recursive = false;
	AcquireSRWLockExclusive(&tdshm_held_guard);
	struct tdshm_lock *previous = tdshm_held_find(lock->name);
	if (previous && !abandoned && previous->holder == self) {
		recursive = true;
	} else {
		/* A previous entry of another thread is stale: that thread
		 * exited holding the mutex (we got it abandoned). */
		if (previous)
			tdshm_held_unlink(previous);
		lock->held = true;
		lock->holder = self;
		lock->next_held = tdshm_held_list;
		tdshm_held_list = lock;
	}
	ReleaseSRWLockExclusive(&tdshm_held_guard);
	if (recursive)
		ReleaseMutex(lock->mutex);
	return recursive;
}

tdshm_status tdshm_lock_acquire(tdshm_lock *lock, uint32_t timeout_ms, tdshm_error *err)
{
	/* INFINITE is 0xFFFFFFFF: never let a caller's large value mean "for
	 * ever" (a stuck TD must not freeze OBS). */
	DWORD wait_ms = timeout_ms >= INFINITE ? INFINITE - 1 : timeout_ms;
	DWORD result = WaitForSingleObject(lock->mutex, wait_ms);
	switch (result) {
	case WAIT_OBJECT_0:
	case WAIT_ABANDONED:
		if (!tdshm_lock_record_hold(lock, result == WAIT_ABANDONED))
			return TDSHM_OK;
		/* This thread holds it already: wait as a POSIX lock would,
		 * since nothing can release it meanwhile. */
		Sleep(wait_ms);
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "the lock '%s' stayed busy for %lu ms: this same thread "
				       "already holds it",
				       lock->name, (unsigned long)wait_ms);
	case WAIT_TIMEOUT:
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "the lock '%s' stayed busy for %lu ms: another program "
				       "(TouchDesigner, or another sender or receiver of this "
				       "name) holds it",
				       lock->name, (unsigned long)wait_ms);
	default:
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, GetLastError(),
				       "could not wait for the lock '%s'", lock->name);
	}
}

void tdshm_lock_release(tdshm_lock *lock)
{
	AcquireSRWLockExclusive(&tdshm_held_guard);
	bool held = lock->held;
	if (held)
		tdshm_held_unlink(lock);
	ReleaseSRWLockExclusive(&tdshm_held_guard);
	/* Fails harmlessly when called from another thread than the holder:
	 * Windows keeps the owner, which is the documented restriction. */
	if (held)
		ReleaseMutex(lock->mutex);
}

tdshm_status tdshm_lock_is_held(tdshm_lock *lock, bool *held, tdshm_error *err)
{
	*held = false;
	DWORD result = WaitForSingleObject(lock->mutex, 0);
	switch (result) {
	case WAIT_OBJECT_0:
	case WAIT_ABANDONED: {
		/* Free (or its holder died): give it back at once. When this
		 * thread held it already, the wait only recursed, and it is
		 * held, by us. */
		AcquireSRWLockExclusive(&tdshm_held_guard);
		struct tdshm_lock *previous = tdshm_held_find(lock->name);
		*held = previous && result == WAIT_OBJECT_0 &&
			previous->holder == tdshm_lock_thread_token();
		if (previous && !*held)
			tdshm_held_unlink(previous);
		ReleaseSRWLockExclusive(&tdshm_held_guard);
		ReleaseMutex(lock->mutex);
		return TDSHM_OK;
	}
	case WAIT_TIMEOUT:
		*held = true;
		return TDSHM_OK;
	default:
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, GetLastError(),
				       "could not look at the lock '%s'", lock->name);
	}
}

void tdshm_lock_close(tdshm_lock *lock)
{
	if (!lock)
		return;
	tdshm_lock_release(lock);
	CloseHandle(lock->mutex);
	free(lock->name);
	free(lock);
}
