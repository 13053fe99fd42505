/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operating-system layer: named segments, named locks, processes and time.
 * One implementation per platform (src/posix/, src/win/), chosen in CMake.
 * Names passed here are full object names (see names.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdshm_shm tdshm_shm;
typedef struct tdshm_lock tdshm_lock;

/* ---- segments ---------------------------------------------------------- */

/* Creates a segment of at least size bytes, mode 0600 on POSIX.
 * exclusive: fail with TDSHM_EXISTS if it exists; otherwise an existing one at
 * least as large is reused (docs/protocol.md §1). The handle remembers that it
 * created the object, so tdshm_shm_close_and_remove can unlink it. */
tdshm_status tdshm_shm_create(const char *full_name, size_t size, bool exclusive, tdshm_shm **out,
			      tdshm_error *err) TDSHM_MUST_CHECK;

/* Opens an existing segment read-write and maps all of it. TDSHM_NOT_FOUND if
 * there is none. The mapped size is learnt from the system (fstat /
 * VirtualQuery), never from the segment's contents. */
tdshm_status tdshm_shm_open(const char *full_name, tdshm_shm **out,
			    tdshm_error *err) TDSHM_MUST_CHECK;

uint8_t *tdshm_shm_bytes(const tdshm_shm *shm);
size_t tdshm_shm_size(const tdshm_shm *shm);
const char *tdshm_shm_name(const tdshm_shm *shm);

/* Unmaps and closes; the object itself stays (other processes may use it). */
void tdshm_shm_close(tdshm_shm *shm);
/* Unmaps, closes and, on POSIX, unlinks the name if this handle created it.
 * On Windows the mapping disappears once the last handle anywhere is closed. */
void tdshm_shm_close_and_remove(tdshm_shm *shm);
/* Removes the name of a segment this handle did not create: what a crashed
 * sender left behind, before a new sender takes the name over. POSIX
 * unlinks it (long names through the name directory). Windows has nothing
 * to remove (a mapping vanishes with its last handle): it returns TDSHM_OK.
 * TDSHM_NOT_FOUND if there is no such segment. */
tdshm_status tdshm_shm_remove(const char *full_name, tdshm_error *err) TDSHM_MUST_CHECK;

/* TDSHM_OK while the segment's name still refers to this very object;
 * TDSHM_NOT_FOUND once the name was removed or given to a new object (a
 * sender that re-created its segment while this handle kept the old one). */
tdshm_status tdshm_shm_is_current(const tdshm_shm *shm, tdshm_error *err) TDSHM_MUST_CHECK;

/* *alone = true when this handle is the only one left anywhere (Windows: the
 * mapping's handle count is 1): the sender has gone, closed or crashed, and
 * the segment lives on only because of this handle. NOT_FOUND (and *alone
 * false) where the system cannot tell (POSIX, which needs not: see
 * tdshm_shm_is_current). One system call: cheap enough for every read. */
tdshm_status tdshm_shm_sole_holder(const tdshm_shm *shm, bool *alone,
				   tdshm_error *err) TDSHM_MUST_CHECK;

/* TDSHM_OK if a segment of that name exists now, TDSHM_NOT_FOUND if not. */
tdshm_status tdshm_shm_probe(const char *full_name, tdshm_error *err) TDSHM_MUST_CHECK;

/* Calls visit for every segment name visible to this user that starts with
 * prefix (names as given to tdshm_shm_create). POSIX reads /dev/shm, long
 * names resolved through the name directory; Windows reads the session's
 * object directory (\Sessions\<id>\BaseNamedObjects) for file mappings.
 * TDSHM_NOT_FOUND where the system gives no way to enumerate: the caller
 * says so to the user. visit only collects: opening segments from inside it
 * is not allowed. */
tdshm_status tdshm_shm_list(const char *prefix, void (*visit)(const char *full_name, void *ctx),
			    void *ctx, tdshm_error *err) TDSHM_MUST_CHECK;

/* Whether what was just read from the mapping can be trusted. Another
 * process may shrink a POSIX segment under any mapping of it (ftruncate);
 * reading a lost page would raise SIGBUS. The backend catches that for
 * every mapping it made: the whole mapping then reads as zeros (and takes
 * writes nobody sees) from that moment on. TDSHM_REFUSED once that
 * happened or the object is smaller than the mapping now: drop what was
 * read, close the handle, treat the sender as gone. Call after reading,
 * before using what was read. Windows: a view never shrinks; always OK. */
tdshm_status tdshm_shm_check_intact(const tdshm_shm *shm, tdshm_error *err) TDSHM_MUST_CHECK;
/* The same for a range of some mapping of this backend, given by address
 * (for readers that are handed bytes, not the handle). */
tdshm_status tdshm_mapped_range_check(const void *bytes, size_t size,
				      tdshm_error *err) TDSHM_MUST_CHECK;

/* ---- locks ------------------------------------------------------------- */

/* Opens the named lock, creating it if nobody has (docs/protocol.md §1). */
tdshm_status tdshm_lock_open(const char *full_name, tdshm_lock **out,
			     tdshm_error *err) TDSHM_MUST_CHECK;

/* Waits at most timeout_ms (0 = try once). TDSHM_OK: held by the caller.
 * TDSHM_REFUSED: the lock object shrank under its mapping (POSIX; another
 * process truncated it): close the handle and open it again.
 * TDSHM_TIMED_OUT: not acquired; the message says how long and, when it can
 * tell, that the holder has died (such a lock is reclaimed so that a later
 * acquire succeeds). Never waits without a bound.
 * Not recursive on any platform: a second acquire while held, even by the
 * same thread, waits and times out. Release on the thread that acquired:
 * on Windows the lock is a named mutex, owned by a thread (a release from
 * another thread is ignored; a thread that exits holding it abandons it,
 * and the next acquire gets it). */
tdshm_status tdshm_lock_acquire(tdshm_lock *lock, uint32_t timeout_ms,
				tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_lock_release(tdshm_lock *lock);
/* Whether some process holds it right now (for `tdshm info`). */
tdshm_status tdshm_lock_is_held(tdshm_lock *lock, bool *held, tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_lock_close(tdshm_lock *lock);

/* ---- processes and time ------------------------------------------------ */

uint32_t tdshm_process_id(void);
/* false only when the system says the process does not exist. */
bool tdshm_process_alive(uint32_t pid);
/* Monotonic milliseconds and nanoseconds since an arbitrary start. */
uint64_t tdshm_clock_ms(void);
uint64_t tdshm_clock_ns(void);
void tdshm_sleep_ms(uint32_t ms);
/* Fills buf with len bytes of system randomness (falls back to the clock). */
void tdshm_random_bytes(void *buf, size_t len);

/* Longest name the system's segment API takes, after the run-time override
 * TDSHM_POSIX_NAME_MAX (POSIX only); longer names go through the POSIX name
 * directory. Windows returns its object-name limit. */
size_t tdshm_platform_name_max(void);

#ifdef __cplusplus
}
#endif
