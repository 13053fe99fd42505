/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Taking over the name of a sender that crashed (docs/protocol.md §2): its
 * segments are still there, its process is not. Telling that apart from a
 * live sender, and from one caught between creating its info block and
 * writing it, before anything is removed. */
#include <string.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "sender_internal.h"

/* How long an info block may stay unwritten before it counts as a crashed
 * sender's: a live one writes it right after creating the segment. */
#define SENDER_UNWRITTEN_WAIT_MS 100

/* A crashed sender may have died holding a lock. A try without waiting
 * reclaims a lock whose recorded holder is dead (platform.h), so the first
 * write after a takeover does not time out; a live holder is left alone. */
void tdshm_sender_reclaim_lock(tdshm_lock *lock)
{
	tdshm_error ignored;
	if (tdshm_lock_acquire(lock, 0, &ignored) == TDSHM_OK)
		tdshm_lock_release(lock);
}

/* Removes a crashed sender's segment. Failure needs no report here: the
 * create that follows fails with EXISTS and says so. */
void tdshm_sender_remove_leftover(const char *full_name)
{
	tdshm_error ignored;
	if (tdshm_shm_remove(full_name, &ignored) != TDSHM_OK)
		return;
}

/* Whether an info segment's block was never written (magic still zero). */
static bool info_unwritten(const tdshm_shm *info)
{
	static const uint8_t zero[4] = {0};
	return tdshm_shm_size(info) >= sizeof(zero) &&
	       memcmp(tdshm_shm_bytes(info), zero, sizeof(zero)) == 0;
}

/* The info segment exists. If it is one of ours whose process has died, the
 * old sender crashed: remove its segments so the name can be taken over.
 * Returns TDSHM_OK when something stale was removed (the caller retries). */
tdshm_status tdshm_sender_remove_stale(const char *user_name, const char *info_name,
				       tdshm_error *err)
{
	tdshm_shm *old = NULL;
	tdshm_status status = tdshm_shm_open(info_name, &old, err);
	if (status == TDSHM_NOT_FOUND)
		return TDSHM_OK; /* gone meanwhile: just retry */
	if (status != TDSHM_OK)
		return status;
	tdshm_info_ext ext;
	bool has_ext = tdshm_info_ext_read(tdshm_shm_bytes(old), tdshm_shm_size(old), &ext);
	if (!has_ext && info_unwritten(old)) {
		/* A sender between creating the block and writing it, or one
		 * that died right there: only the second stays this way. */
		tdshm_sleep_ms(SENDER_UNWRITTEN_WAIT_MS);
		has_ext = tdshm_info_ext_read(tdshm_shm_bytes(old), tdshm_shm_size(old), &ext);
		if (!has_ext && info_unwritten(old)) {
			ext.pid = 0; /* no process: the takeover below applies */
			has_ext = true;
		}
	}
	tdshm_info info;
	tdshm_error ignored;
	bool has_info = tdshm_info_read(tdshm_shm_bytes(old), tdshm_shm_size(old),
					tdshm_info_native_layout(), &info, &ignored) == TDSHM_OK;
	tdshm_shm_close(old);
	if (!has_ext)
		return tdshm_error_set(err, TDSHM_EXISTS,
				       "Shared Mem Name '%s' is already used by another sender "
				       "(TouchDesigner or another program): pick another name or "
				       "stop that sender",
				       user_name);
	if (ext.pid != 0 && (ext.pid == tdshm_process_id() || tdshm_process_alive(ext.pid)))
		return tdshm_error_set(err, TDSHM_EXISTS,
				       "Shared Mem Name '%s' is already used by another sender "
				       "(pid %u): pick another name or stop that sender",
				       user_name, ext.pid);
	/* The crashed sender's data segment, under its last postfix and the
	 * plain name; either may be missing. */
	char name[TDSHM_FULL_NAME_CAP];
	if (has_info && info.postfix[0] &&
	    tdshm_name_data(user_name, info.postfix, name, sizeof(name), &ignored) == TDSHM_OK)
		tdshm_sender_remove_leftover(name);
	if (tdshm_name_data(user_name, "", name, sizeof(name), &ignored) == TDSHM_OK)
		tdshm_sender_remove_leftover(name);
	status = tdshm_shm_remove(info_name, err);
	return status == TDSHM_NOT_FOUND ? TDSHM_OK : status;
}
