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
/* glibc declares its monotonic-clock waits only under _GNU_SOURCE. */
#define _GNU_SOURCE
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
/* Condition waits are cut into slices: a missed signal (a waiter that died,
 * a clock step) then costs at most one slice, never the whole bound. */
#define LOCK_WAIT_SLICE_MS 50
/* Bound on the inner mutex where the caller gave none of its own. */
#define LOCK_INNER_RELEASE_MS 1000

struct tdshm_lock {
	char full_name[TDSHM_POSIX_NAME_CAP];
	td_lock_block *block;
	lock_extension *ext; /* NULL on a TouchDesigner-sized object */
	size_t size;
};

/* ---- bounded waits on the pthread objects -------------------------------
 * Every wait has a deadline on the monotonic clock where the system allows,
 * so a change of the wall clock can neither stretch nor cut it. glibc has
 * monotonic variants of both waits. macOS has a relative condition wait,
 * but neither a timed mutex lock (trylock is polled) nor robust mutexes.
 * Elsewhere the wall clock is used, and condition waits are cut into short
 * slices by the caller, which bounds the harm of a clock step.
 * Where robust mutexes exist, a pthread mutex whose owner died between lock
 * and unlock is handed over (EOWNERDEAD) rather than stuck. */

static void lock_mutex_attr_init(pthread_mutexattr_t *attr)
{
	pthread_mutexattr_init(attr);
	pthread_mutexattr_setpshared(attr, PTHREAD_PROCESS_SHARED);
#if !defined(__APPLE__)
	pthread_mutexattr_setrobust(attr, PTHREAD_MUTEX_ROBUST);
#endif
}

static int lock_mutex_recover(pthread_mutex_t *mutex, int rc)
{
#if !defined(__APPLE__)
	if (rc == EOWNERDEAD) {
		/* The block holds only a flag that is valid either way. */
		pthread_mutex_consistent(mutex);
		return 0;
	}
#endif
	return rc;
}

#if !defined(__APPLE__)
static struct timespec lock_deadline_after(clockid_t clock, uint32_t ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}
#endif

static int lock_mutex_timed(pthread_mutex_t *mutex, uint32_t timeout_ms)
{
#if defined(__APPLE__)
	uint64_t deadline = tdshm_clock_ms() + timeout_ms;
	for (;;) {
		int rc = pthread_mutex_trylock(mutex);
		if (rc != EBUSY)
			return rc;
		if (tdshm_clock_ms() >= deadline)
			return ETIMEDOUT;
		usleep(200);
	}
#else
	int rc;
#if defined(__GLIBC__)
	struct timespec deadline = lock_deadline_after(CLOCK_MONOTONIC, timeout_ms);
	do {
		rc = lock_mutex_recover(mutex,
					pthread_mutex_clocklock(mutex, CLOCK_MONOTONIC, &deadline));
	} while (rc == EINTR);
#else
	struct timespec deadline = lock_deadline_after(CLOCK_REALTIME, timeout_ms);
	do {
		rc = lock_mutex_recover(mutex, pthread_mutex_timedlock(mutex, &deadline));
	} while (rc == EINTR);
#endif
	return rc;
#endif
}

/* One bounded wait on the condition (the mutex held, as ever). */
static int lock_cond_wait_ms(td_lock_block *block, uint32_t ms)
{
	int rc;
#if defined(__APPLE__)
	struct timespec relative = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	rc = pthread_cond_timedwait_relative_np(&block->cond, &block->mutex, &relative);
#elif defined(__GLIBC__)
	struct timespec deadline = lock_deadline_after(CLOCK_MONOTONIC, ms);
	rc = pthread_cond_clockwait(&block->cond, &block->mutex, CLOCK_MONOTONIC, &deadline);
#else
	struct timespec deadline = lock_deadline_after(CLOCK_REALTIME, ms);
	rc = pthread_cond_timedwait(&block->cond, &block->mutex, &deadline);
#endif
	return lock_mutex_recover(&block->mutex, rc);
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
	tdshm_status status = lock_map(lock, fd, LOCK_OBJECT_SIZE, err);
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
	if (status != TDSHM_OK) {
		if (lock->block)
			munmap(lock->block, lock->size);
		free(lock);
		return status;
	}
	*out = lock;
	return TDSHM_OK;
}

/* ---- acquire and release ------------------------------------------------ */

static uint32_t lock_holder(const tdshm_lock *lock)
{
	return lock->ext ? lock->ext->holder_pid : 0;
}

tdshm_status tdshm_lock_acquire(tdshm_lock *lock, uint32_t timeout_ms, tdshm_error *err)
{
	td_lock_block *block = lock->block;
	uint64_t start = tdshm_clock_ms();
	/* "Try once" still lets a peer finish its few-instruction hold. */
	int rc = lock_mutex_timed(&block->mutex, timeout_ms ? timeout_ms : 1);
	if (rc != 0)
		return tdshm_error_set(err, TDSHM_TIMED_OUT,
				       "lock '%s' busy for %u ms (its inner mutex: %s)",
				       lock->full_name, timeout_ms, strerror(rc));
	while (block->locked) {
		uint64_t elapsed = tdshm_clock_ms() - start;
		if (elapsed >= timeout_ms)
			break;
		uint64_t left = timeout_ms - elapsed;
		lock_cond_wait_ms(block,
				  left < LOCK_WAIT_SLICE_MS ? (uint32_t)left : LOCK_WAIT_SLICE_MS);
	}
	if (!block->locked) {
		block->locked = true;
		if (lock->ext)
			lock->ext->holder_pid = tdshm_process_id();
		pthread_mutex_unlock(&block->mutex);
		return TDSHM_OK;
	}
	uint32_t holder = lock_holder(lock);
	if (holder && !tdshm_process_alive(holder)) {
		block->locked = false;
		lock->ext->holder_pid = 0;
		pthread_cond_signal(&block->cond);
		pthread_mutex_unlock(&block->mutex);
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
	if (lock_mutex_timed(&block->mutex, LOCK_INNER_RELEASE_MS) != 0) {
		/* The inner mutex is stuck (its owner died on a system without
		 * robust mutexes). Clearing the flag without it is a race, but
		 * leaving the lock held would stall every peer for good. */
		block->locked = false;
		return;
	}
	block->locked = false;
	if (lock->ext)
		lock->ext->holder_pid = 0;
	pthread_cond_signal(&block->cond);
	pthread_mutex_unlock(&block->mutex);
}

tdshm_status tdshm_lock_is_held(tdshm_lock *lock, bool *held, tdshm_error *err)
{
	int rc = lock_mutex_timed(&lock->block->mutex, 100);
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
	munmap(lock->block, lock->size);
	free(lock);
}
