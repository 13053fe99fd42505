/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the sender (sender.c) uses of the name takeover
 * (sender_takeover.c). */
#pragma once

#include "tdshm/platform.h"
#include "tdshm/status.h"

/* The info segment info_name of user_name exists. If it is one of ours
 * whose process has died, the old sender crashed: its segments are removed
 * so the name can be taken over, and TDSHM_OK says to retry the create.
 * EXISTS (with a message naming user_name) when a live sender, or
 * TouchDesigner, holds the name. May wait SENDER_UNWRITTEN_WAIT_MS (100 ms)
 * for an info block not yet written. */
tdshm_status tdshm_sender_remove_stale(const char *user_name, const char *info_name,
				       tdshm_error *err) TDSHM_MUST_CHECK;
/* Removes a crashed sender's segment; a failure shows in the create that
 * follows. */
void tdshm_sender_remove_leftover(const char *full_name);
/* A try without waiting reclaims a lock whose recorded holder is dead
 * (platform.h); a live holder is left alone. */
void tdshm_sender_reclaim_lock(tdshm_lock *lock);
