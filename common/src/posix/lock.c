/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named locks on POSIX (docs/protocol.md §1): a shm_open object holding
 * { pthread_mutex_t mutex; pthread_cond_t cond; bool locked; }, both pthread
 * objects process-shared. The pthread mutex is only held for a moment; the
 * lock proper is the `locked` flag.
 *
 * A process that dies holding the lock leaves `locked` set for ever, so this
 * project makes its lock objects larger than TouchDesigner's block and
 * records the holder's pid after it. A timed wait that fails on a lock whose
 * recorded holder no longer exists clears it (and says so), so the next wait
 * succeeds. Objects TouchDesigner created hold only the block (the system
 * may round them up to a page, with zeros after it): no pid there, and a
 * dead holder can only be reported as a timeout. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "posix/internal.h"
#include "tdshm/platform.h"

/* TouchDesigner's block: the wire format is this struct as the platform's
 * C compiler lays it out, which is why it is a struct and not offsets. */
typedef struct td_lock_block {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool locked;
} td_lock_block;

/* This project's addition after the block. */
typedef struct lock_extension {
	_Atomic uint32_t ready; /* LOCK_READY once the creator initialised */
	uint32_t holder_pid;    /* guarded by the mutex; 0 when free */
} lock_extension;

#define LOCK_READY 0x6b636f6cu /* "lock" */
#define LOCK_EXT_OFFSET                                                                            \
	((sizeof(td_lock_block) + alignof(lock_extension) - 1) / alignof(lock_extension) *         \
	 alignof(lock_extension))
#define LOCK_OBJECT_SIZE (LOCK_EXT_OFFSET + sizeof(lock_extension))
/* How long an opener waits for a creator to size a new lock object. The
 * creator does it right after creating it; an object still empty after
 * this was abandoned by a creator that died, and is replaced. Short, as a
 * receiver may open locks on OBS's video thread. */
#define LOCK_INIT_WAIT_MS 100
/* How long an opener waits for our ready mark before taking the object for
 * one TouchDesigner made (see lock_attach). */
#define LOCK_MARK_WAIT_MS 20

struct lock_waker;

/* A handle is used by one thread at a time (the caller's own locking);
 * only the waker is shared with a thread of its own. */
struct tdshm_lock {
	char full_name[TDSHM_POSIX_NAME_CAP];
	td_lock_block *block;
	lock_extension *ext; /* NULL on a TouchDesigner-sized object */
	size_t size;
	struct lock_waker *waker; /* owns the mapping once the lock is open */
	int guard;                /* mapping_guard slot of the mapping */
	pthread_t waker_thread;   /* valid while waker_started */
	bool waker_started;
	uint32_t waker_pid; /* the process whose thread it is (fork keeps no threads) */
};

/* ---- bounded waits on the pthread objects -------------------------------
 * Nothing here ever blocks in the shared condition variable, and the shared
 * mutex is only ever taken with trylock. Why: glibc's process-shared
 * condvar (2.25 and later) keeps per-group reference counts that a waiter
 * drops only when it returns. A waiter killed inside the wait (kill -9, a
 * crash, the OOM killer) never drops them, and a waiter that is stopped
 * (SIGSTOP, a debugger) drops them only when it resumes. Once that waiter's
 * group has to be closed, pthread_cond_signal, pthread_cond_broadcast and
 * the time-out path of every timed wait wait for those counts: for ever, or
 * until the stopped peer resumes. So the protocol's own acquire (wait on the
 * condition) and release (signal it) can each hang a thread for good.
 *
 * Acquire therefore polls: trylock the mutex, look at `locked`, give the
 * mutex back, sleep a little (never past the deadline), again. Release
 * clears `locked` under the mutex, gives it back, and only then asks this
 * lock's waker thread (below) to signal the condition, so that
 * TouchDesigner's waiters, which do wait on it, wake at once. If that signal
 * hangs, only the waker hangs.
 *
 * trylock also means no timed mutex lock is needed (macOS has none, and
 * ThreadSanitizer knows trylock but not glibc's clocklock). Where robust
 * mutexes exist (not macOS) and this project created the lock, a mutex
 * whose owner died between lock and unlock is handed over (EOWNERDEAD). A
 * lock TouchDesigner created has whatever attributes TouchDesigner gave it
 * (TouchDesigner runs on macOS, where there are none): an owner dying in
 * its few-instruction hold leaves the mutex taken for good, and every wait
 * on it then ends at its bound. */

/* Sleeps between polls grow from the first to the last: a short hold is
 * seen quickly, a long one costs few wake-ups. */
#define LOCK_POLL_FIRST_US 20
#define LOCK_POLL_LAST_US 1000
/* Bound on the inner mutex in release, which runs on OBS's graphics and
 * audio threads: a live peer holds it for microseconds. */
#define LOCK_INNER_RELEASE_MS 5

static void lock_mutex_attr_init(pthread_mutexattr_t *attr)
{
	pthread_mutexattr_init(attr);
	pthread_mutexattr_setpshared(attr, PTHREAD_PROCESS_SHARED);
#if !defined(__APPLE__)
	pthread_mutexattr_setrobust(attr, PTHREAD_MUTEX_ROBUST);
#endif
}

static int lock_mutex_try(pthread_mutex_t *mutex)
{
	int rc = pthread_mutex_trylock(mutex);
#if !defined(__APPLE__)
	if (rc == EOWNERDEAD) {
		/* The block holds only a flag that is valid either way. */
		pthread_mutex_consistent(mutex);
		return 0;
	}
#endif
	return rc;
}

static void lock_pause_until(uint64_t deadline_ns, uint32_t *poll_us)
{
	uint64_t now = tdshm_clock_ns();
	if (now >= deadline_ns)
		return;
	uint64_t pause_ns = (uint64_t)*poll_us * 1000u;
	if (pause_ns > deadline_ns - now)
		pause_ns = deadline_ns - now;
	struct timespec ts = {.tv_sec = (time_t)(pause_ns / 1000000000u),
			      .tv_nsec = (long)(pause_ns % 1000000000u)};
	nanosleep(&ts, NULL);
	if (*poll_us < LOCK_POLL_LAST_US)
		*poll_us = *poll_us * 2 < LOCK_POLL_LAST_US ? *poll_us * 2 : LOCK_POLL_LAST_US;
}

/* The inner mutex by the deadline: 0, or EBUSY / ENOTRECOVERABLE. Always
 * tries at least once, even past the deadline. */
static int lock_mutex_by(pthread_mutex_t *mutex, uint64_t deadline_ns)
{
	uint32_t poll_us = LOCK_POLL_FIRST_US;
	for (;;) {
		int rc = lock_mutex_try(mutex);
		if (rc != EBUSY || tdshm_clock_ns() >= deadline_ns)
			return rc;
		lock_pause_until(deadline_ns, &poll_us);
	}
}

static uint64_t lock_deadline_ns(uint32_t ms)
{
	return tdshm_clock_ns() + (uint64_t)ms * 1000000u;
}

/* ---- the waker ----------------------------------------------------------
 * One thread per open lock, started at the first release, that signals the
 * shared condition on the releaser's behalf. Requests coalesce (one pending
 * flag): a release frees the lock for one waiter, and a waiter that finds
 * it taken again waits again, so one signal per burst is what the protocol
 * needs. The waker owns a reference to the mapping: a lock closed while its
 * waker is stuck in a wedged condvar leaves the mapping and the thread to
 * it (a few kilobytes), so that a signal that returns late never touches
 * unmapped memory. */
typedef struct lock_waker {
	pthread_mutex_t mutex; /* private; guards the fields below */
	pthread_cond_t wake;   /* private; the waker sleeps on it */
	bool pending;          /* [mutex] a release asked for a signal */
	bool stopping;         /* [mutex] the lock was closed */
	bool signalling;       /* [mutex] the waker is inside pthread_cond_signal */
	int refs;              /* [mutex] the lock's and the thread's */
	td_lock_block *block;  /* mapping, unmapped by the last reference */
	size_t size;
	int guard; /* mapping_guard slot of the mapping */
} lock_waker;

static void lock_waker_unref(lock_waker *waker)
{
	pthread_mutex_lock(&waker->mutex);
	bool last = --waker->refs == 0;
	pthread_mutex_unlock(&waker->mutex);
	if (!last)
		return;
	tdshm_posix_guard_remove(waker->guard);
	munmap(waker->block, waker->size);
	pthread_mutex_destroy(&waker->mutex);
	pthread_cond_destroy(&waker->wake);
	free(waker);
}

static void *lock_waker_main(void *arg)
{
	lock_waker *waker = arg;
	pthread_mutex_lock(&waker->mutex);
	for (;;) {
		while (!waker->pending && !waker->stopping)
			pthread_cond_wait(&waker->wake, &waker->mutex);
		if (!waker->pending)
			break;
		waker->pending = false;
		waker->signalling = true;
		pthread_mutex_unlock(&waker->mutex);
		/* May block for as long as a stopped waiter sleeps, or for
		 * ever after one died: on this thread only. */
		pthread_cond_signal(&waker->block->cond);
		pthread_mutex_lock(&waker->mutex);
		waker->signalling = false;
	}
	pthread_mutex_unlock(&waker->mutex);
	lock_waker_unref(waker);
	return NULL;
}

static tdshm_status lock_waker_create(tdshm_lock *lock, tdshm_error *err)
{
	lock_waker *waker = calloc(1, sizeof(*waker));
	if (!waker)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	pthread_mutex_init(&waker->mutex, NULL);
	pthread_cond_init(&waker->wake, NULL);
	waker->refs = 1;
	waker->block = lock->block;
	waker->size = lock->size;
	waker->guard = lock->guard;
	lock->waker = waker;
	return TDSHM_OK;
}

/* ---- opening ------------------------------------------------------------ */

static tdshm_status lock_initialise(tdshm_lock *lock, tdshm_error *err)
{
	pthread_mutexattr_t mattr;
	pthread_condattr_t cattr;
	lock_mutex_attr_init(&mattr);
	pthread_condattr_init(&cattr);
	pthread_condattr_setpshared(&cattr, PTHREAD_PROCESS_SHARED);
	int rc = pthread_mutex_init(&lock->block->mutex, &mattr);
	if (rc == 0)
		rc = pthread_cond_init(&lock->block->cond, &cattr);
	pthread_mutexattr_destroy(&mattr);
	pthread_condattr_destroy(&cattr);
	if (rc != 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot initialise lock '%s': %s",
				       lock->full_name, strerror(rc));
	lock->block->locked = false;
	lock->ext->holder_pid = 0;
	atomic_store_explicit(&lock->ext->ready, LOCK_READY, memory_order_release);
	return TDSHM_OK;
}

static tdshm_status lock_map(tdshm_lock *lock, int fd, size_t size, tdshm_error *err)
{
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot map lock '%s': %s%s",
				       lock->full_name, strerror(errno),
				       tdshm_posix_error_hint(errno));
	lock->block = map;
	lock->size = size;
	lock->guard = tdshm_posix_guard_add(map, size);
	lock->ext =
	    size >= LOCK_OBJECT_SIZE ? (lock_extension *)((uint8_t *)map + LOCK_EXT_OFFSET) : NULL;
	return TDSHM_OK;
}

static tdshm_status lock_create(tdshm_lock *lock, int fd, const char *system_name, tdshm_error *err)
{
	fchmod(fd, 0600);
	if (ftruncate(fd, (off_t)LOCK_OBJECT_SIZE) != 0) {
		tdshm_status status = tdshm_error_set(
		    err, TDSHM_SYSTEM_ERROR, "cannot size lock '%s': %s%s", lock->full_name,
		    strerror(errno), tdshm_posix_error_hint(errno));
		shm_unlink(system_name);
		return status;
	}
	tdshm_status status = tdshm_posix_reserve(fd, LOCK_OBJECT_SIZE, lock->full_name, err);
	if (status == TDSHM_OK)
		status = lock_map(lock, fd, LOCK_OBJECT_SIZE, err);
	if (status == TDSHM_OK)
		status = lock_initialise(lock, err);
	if (status != TDSHM_OK)
		shm_unlink(system_name);
	return status;
}

/* Maps a lock someone else created, waiting (bounded) until its creator has
 * sized and initialised it. TDSHM_NOT_FOUND: it stayed empty (abandoned). */
static tdshm_status lock_attach(tdshm_lock *lock, int fd, tdshm_error *err)
{
	uint64_t deadline = tdshm_clock_ms() + LOCK_INIT_WAIT_MS;
	struct stat st;
	bool waited = false;
	for (;;) {
		if (fstat(fd, &st) != 0)
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "cannot inspect lock '%s': %s%s", lock->full_name,
					       strerror(errno), tdshm_posix_error_hint(errno));
		if ((size_t)st.st_size >= sizeof(td_lock_block))
			break;
		if (tdshm_clock_ms() >= deadline)
			return TDSHM_NOT_FOUND; /* abandoned: the caller replaces it */
		waited = true;
		tdshm_sleep_ms(1);
	}
	tdshm_status status = lock_map(lock, fd, (size_t)st.st_size, err);
	if (status != TDSHM_OK)
		return status;
	if (!lock->ext) {
		/* TouchDesigner's object has no ready mark: if we saw it empty,
		 * give its creator a moment to initialise what it just sized. */
		if (waited)
			tdshm_sleep_ms(20);
		return TDSHM_OK;
	}
	/* Large enough for the extension but no ready mark: either one of
	 * ours between ftruncate and initialisation (microseconds), or
	 * TouchDesigner's, whose object the system rounded up to a page
	 * (macOS does) and which never gets a mark. After a short wait it is
	 * taken as TouchDesigner's: no pid slot. */
	uint64_t mark_deadline = tdshm_clock_ms() + LOCK_MARK_WAIT_MS;
	while (atomic_load_explicit(&lock->ext->ready, memory_order_acquire) != LOCK_READY) {
		if (tdshm_clock_ms() >= mark_deadline) {
			lock->ext = NULL;
			break;
		}
		tdshm_sleep_ms(1);
	}
	return TDSHM_OK;
}

tdshm_status tdshm_lock_open(const char *full_name, tdshm_lock **out, tdshm_error *err)
{
	*out = NULL;
	char system_name[TDSHM_POSIX_NAME_CAP];
	/* Open-or-create: whoever comes first registers a long name. */
	tdshm_status status =
	    tdshm_posix_system_name(full_name, true, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	tdshm_lock *lock = calloc(1, sizeof(*lock));
	if (!lock)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	strcpy(lock->full_name, full_name);

	/* Create, or open what exists; if it vanished in between (a user
	 * removed it), try again a few times. */
	status = TDSHM_SYSTEM_ERROR;
	for (int attempt = 0; attempt < 5; attempt++) {
		int fd = shm_open(system_name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			status = lock_create(lock, fd, system_name, err);
			close(fd);
			break;
		}
		if (errno != EEXIST) {
			status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
						 "cannot create lock '%s': %s%s", full_name,
						 strerror(errno), tdshm_posix_error_hint(errno));
			break;
		}
		fd = shm_open(system_name, O_RDWR, 0600);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
						 "cannot open lock '%s': %s%s", full_name,
						 strerror(errno), tdshm_posix_error_hint(errno));
			break;
		}
		status = lock_attach(lock, fd, err);
		close(fd);
		if (status == TDSHM_NOT_FOUND) {
			/* Left empty by a creator that died between creating
			 * and sizing it: nobody can be using it. */
			shm_unlink(system_name);
			continue;
		}
		break;
	}
	if (status == TDSHM_NOT_FOUND)
		status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					 "lock '%s' keeps being left empty by another process",
					 full_name);
	if (status == TDSHM_OK)
		status = lock_waker_create(lock, err);
	if (status != TDSHM_OK) {
		if (lock->block) {
			tdshm_posix_guard_remove(lock->guard);
			munmap(lock->block, lock->size);
		}
		free(lock);
		return status;
	}
	*out = lock;
	return TDSHM_OK;
}

/* ---- acquire and release ------------------------------------------------ */

/* Asks the waker to signal the shared condition; never blocks on another
 * process. A waker that cannot be started costs TouchDesigner's waiters
 * their own time-out, which is all a lost signal can cost them. */
static void lock_wake_waiters(tdshm_lock *lock)
{
	lock_waker *waker = lock->waker;
	pthread_mutex_lock(&waker->mutex);
	if (lock->waker_started && lock->waker_pid != tdshm_process_id())
		lock->waker_started = false; /* a forked child: the thread stayed behind */
	if (!lock->waker_started) {
		waker->refs++;
		if (pthread_create(&lock->waker_thread, NULL, lock_waker_main, waker) == 0) {
			lock->waker_started = true;
			lock->waker_pid = tdshm_process_id();
		} else {
			waker->refs--;
			pthread_mutex_unlock(&waker->mutex);
			return;
		}
	}
	waker->pending = true;
	pthread_cond_signal(&waker->wake);
	pthread_mutex_unlock(&waker->mutex);
}

static uint32_t lock_holder(const tdshm_lock *lock)
{
	return lock->ext ? lock->ext->holder_pid : 0;
}

/* A lock object truncated by another process: the fault handler gave this
 * mapping private zero pages, so it excludes nobody any more. */
static tdshm_status lock_refuse_if_shrunk(const tdshm_lock *lock, tdshm_error *err)
{
	if (!tdshm_posix_guard_faulted(lock->guard))
		return TDSHM_OK;
	return tdshm_error_set(err, TDSHM_REFUSED,
			       "refused: lock '%s' shrank under its mapping (another process "
			       "truncated it); open it again",
			       lock->full_name);
}

tdshm_status tdshm_lock_acquire(tdshm_lock *lock, uint32_t timeout_ms, tdshm_error *err)
{
	td_lock_block *block = lock->block;
	if (lock_refuse_if_shrunk(lock, err) != TDSHM_OK)
		return TDSHM_REFUSED;
	/* "Try once" still lets a peer finish its few-instruction hold of
	 * the inner mutex. */
	uint64_t deadline = lock_deadline_ns(timeout_ms ? timeout_ms : 1);
	uint32_t poll_us = LOCK_POLL_FIRST_US;
	bool saw_mutex = false;
	int rc = 0;
	for (;;) {
		rc = lock_mutex_try(&block->mutex);
		if (rc == 0) {
			saw_mutex = true;
			if (!block->locked) {
				block->locked = true;
				if (lock->ext)
					lock->ext->holder_pid = tdshm_process_id();
				pthread_mutex_unlock(&block->mutex);
				return lock_refuse_if_shrunk(lock, err);
			}
			if (timeout_ms == 0 || tdshm_clock_ns() >= deadline)
				break; /* the inner mutex still held: see below */
			pthread_mutex_unlock(&block->mutex);
		} else if (rc != EBUSY || tdshm_clock_ns() >= deadline) {
			break;
		}
		lock_pause_until(deadline, &poll_us);
	}
	if (rc != 0 && saw_mutex) /* held all along; the last look found the mutex busy */
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "lock '%s' busy for %u ms (held by another process)",
				       lock->full_name, timeout_ms);
	if (rc != 0)
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "lock '%s' busy for %u ms (its inner mutex: %s; a process "
				       "that stays inside it has stopped or died there: restart "
				       "it)",
				       lock->full_name, timeout_ms, strerror(rc));
	uint32_t holder = lock_holder(lock);
	if (holder && !tdshm_process_alive(holder)) {
		block->locked = false;
		lock->ext->holder_pid = 0;
		pthread_mutex_unlock(&block->mutex);
		lock_wake_waiters(lock);
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "lock '%s' was held by process %u, which has died; the "
				       "lock was reclaimed and the next try will get it",
				       lock->full_name, holder);
	}
	pthread_mutex_unlock(&block->mutex);
	if (holder)
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "lock '%s' busy for %u ms (held by pid %u)", lock->full_name,
				       timeout_ms, holder);
	return tdshm_error_set(err, TDSHM_TIMED_OUT,
			       "lock '%s' busy for %u ms (held by another process, possibly "
			       "TouchDesigner; if it stays busy, restart that process)",
			       lock->full_name, timeout_ms);
}

void tdshm_lock_release(tdshm_lock *lock)
{
	td_lock_block *block = lock->block;
	if (lock_mutex_by(&block->mutex, lock_deadline_ns(LOCK_INNER_RELEASE_MS)) != 0) {
		/* The inner mutex is stuck (a peer stopped or died in its
		 * moment of holding it, on a mutex that is not robust).
		 * Clearing the flag without it is a race, but leaving the
		 * lock held would stall every peer for good. */
		block->locked = false;
	} else {
		block->locked = false;
		if (lock->ext)
			lock->ext->holder_pid = 0;
		pthread_mutex_unlock(&block->mutex);
	}
	lock_wake_waiters(lock);
}

tdshm_status tdshm_lock_is_held(tdshm_lock *lock, bool *held, tdshm_error *err)
{
	int rc = lock_mutex_by(&lock->block->mutex, lock_deadline_ns(100));
	if (rc != 0)
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "cannot inspect lock '%s': its inner mutex stayed busy (%s)",
				       lock->full_name, strerror(rc));
	*held = lock->block->locked;
	pthread_mutex_unlock(&lock->block->mutex);
	return TDSHM_OK;
}

void tdshm_lock_close(tdshm_lock *lock)
{
	if (!lock)
		return;
	/* Never unlinked: TouchDesigner may hold it (docs/protocol.md §1). */
	lock_waker *waker = lock->waker;
	pthread_mutex_lock(&waker->mutex);
	waker->stopping = true;
	pthread_cond_signal(&waker->wake);
	bool idle = !waker->pending && !waker->signalling;
	pthread_mutex_unlock(&waker->mutex);
	if (lock->waker_started && lock->waker_pid == tdshm_process_id()) {
		/* An idle waker exits at once; a busy one may be stuck in a
		 * wedged condvar and is left to finish (or not) on its own. */
		if (idle)
			pthread_join(lock->waker_thread, NULL);
		else
			pthread_detach(lock->waker_thread);
	}
	lock_waker_unref(waker);
	free(lock);
}
