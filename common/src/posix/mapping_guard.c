/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mappings another process may shrink. A shm_open object can be truncated
 * by any process that may open it; a later access to a lost page of a
 * mapping raises SIGBUS and, unhandled, kills the reader (OBS). As
 * libwayland-server does for its clients' pools (wl_shm_buffer_begin_access),
 * one SIGBUS handler replaces the whole mapping in place with anonymous zero
 * pages, so the access completes, and marks it; readers ask
 * (tdshm_shm_check_intact and friends) before trusting what they read, and
 * report the sender gone.
 *
 * Every mapping the backend makes is registered in a fixed table, read by
 * the handler without locks (it may run on any thread, at any moment). A
 * fault at an address no registered mapping covers is not ours: it goes to
 * the handler that was there before (ASan's, OBS's crash handler), or
 * kills the process as it would have without us.
 *
 * Limits: a mapping is unregistered before it is unmapped, but a fault
 * that raced with the unmapping may still replace the freed range; so a
 * mapping is only unmapped by the thread that owns it, after its reads.
 * With the table full (GUARD_SLOTS mappings at once), further mappings are
 * unguarded. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "posix/internal.h"

#define GUARD_SLOTS 1024
/* start of a slot being filled or emptied: the handler skips it. */
#define GUARD_CLAIMED ((uintptr_t)1)

typedef struct guard_slot {
	_Atomic uintptr_t start; /* 0 free, GUARD_CLAIMED, else the mapping */
	_Atomic size_t size;
	_Atomic unsigned faulted; /* set by the handler, once */
} guard_slot;

static guard_slot guard_slots[GUARD_SLOTS];
static struct sigaction guard_previous; /* [guard_install_mutex] */

static void guard_chain(int sig, siginfo_t *info, void *context)
{
	if (guard_previous.sa_flags & SA_SIGINFO) {
		guard_previous.sa_sigaction(sig, info, context);
		return;
	}
	if (guard_previous.sa_handler != SIG_DFL && guard_previous.sa_handler != SIG_IGN) {
		guard_previous.sa_handler(sig);
		return;
	}
	/* The default: returning re-runs the access, which then faults
	 * with no handler and ends the process as it would have. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
}

static void guard_on_sigbus(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	uintptr_t addr = (uintptr_t)info->si_addr;
	for (size_t i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&guard_slots[i].start, memory_order_acquire);
		if (start <= GUARD_CLAIMED)
			continue;
		size_t size = atomic_load_explicit(&guard_slots[i].size, memory_order_relaxed);
		if (addr < start || addr - start >= size)
			continue;
		/* mmap is a plain system call, safe in a handler. */
		void *zeros = mmap((void *)start, size, PROT_READ | PROT_WRITE,
				   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (zeros == MAP_FAILED)
			break;
		atomic_store_explicit(&guard_slots[i].faulted, 1u, memory_order_release);
		errno = saved_errno;
		return;
	}
	errno = saved_errno;
	guard_chain(sig, info, context);
}

/* Installs the handler, or again when someone replaced it since (a test
 * framework, a crash reporter): that one becomes the one chained to.
 * Serialised by guard_install_mutex; guard_previous changes only here. */
static pthread_mutex_t guard_install_mutex = PTHREAD_MUTEX_INITIALIZER;

static bool guard_install(void)
{
	pthread_mutex_lock(&guard_install_mutex);
	struct sigaction current;
	bool ours = sigaction(SIGBUS, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
		    current.sa_sigaction == guard_on_sigbus;
	if (!ours) {
		struct sigaction action;
		memset(&action, 0, sizeof(action));
		action.sa_sigaction = guard_on_sigbus;
		/* NODEFER: a fault inside a chained handler is that handler's. */
		action.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&action.sa_mask);
		struct sigaction previous;
		if (sigaction(SIGBUS, &action, &previous) == 0) {
			guard_previous = previous;
			ours = true;
		}
	}
	pthread_mutex_unlock(&guard_install_mutex);
	return ours;
}

int tdshm_posix_guard_add(void *bytes, size_t size)
{
	if (!bytes || size == 0 || !guard_install())
		return -1;
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t expected = 0;
		if (!atomic_compare_exchange_strong(&guard_slots[i].start, &expected,
						    GUARD_CLAIMED))
			continue;
		atomic_store_explicit(&guard_slots[i].size, size, memory_order_relaxed);
		atomic_store_explicit(&guard_slots[i].faulted, 0u, memory_order_relaxed);
		atomic_store_explicit(&guard_slots[i].start, (uintptr_t)bytes,
				      memory_order_release);
		return i;
	}
	return -1;
}

void tdshm_posix_guard_remove(int slot)
{
	if (slot >= 0 && slot < GUARD_SLOTS)
		atomic_store_explicit(&guard_slots[slot].start, 0, memory_order_release);
}

bool tdshm_posix_guard_faulted(int slot)
{
	if (slot < 0 || slot >= GUARD_SLOTS)
		return false;
	return atomic_load_explicit(&guard_slots[slot].faulted, memory_order_acquire) != 0;
}

bool tdshm_posix_guard_range_faulted(const void *bytes, size_t size)
{
	uintptr_t first = (uintptr_t)bytes;
	for (size_t i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&guard_slots[i].start, memory_order_acquire);
		if (start <= GUARD_CLAIMED)
			continue;
		size_t mapped = atomic_load_explicit(&guard_slots[i].size, memory_order_relaxed);
		/* Any overlap: the reader's range lies in one mapping. */
		if (first < start + mapped && start < first + size &&
		    atomic_load_explicit(&guard_slots[i].faulted, memory_order_acquire))
			return true;
	}
	return false;
}
