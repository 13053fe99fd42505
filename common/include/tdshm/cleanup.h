/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Removing what a name left behind. The protocol never removes its locks
 * (another process may still map them), and a sender that crashed leaves its
 * segments, so on POSIX objects pile up in the system's shared memory. This
 * removes them once nobody uses the name any more: `tdshm remove NAME`, and
 * the test suites after each run. */
#pragma once

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Removes the data segment (plain name and the info block's last postfix),
 * the info segment and both locks of user_name. Refuses with TDSHM_EXISTS
 * while a sender that is still running owns the name (its pid in this
 * project's extension), or when the info block is TouchDesigner's own (no
 * extension: TD may be running) unless force is set. TDSHM_NOT_FOUND when
 * nothing of that name existed. On Windows objects vanish with their last
 * handle: nothing needs removing, and this only reports what still exists. */
tdshm_status tdshm_name_remove_leftovers(const char *user_name, int force,
					 tdshm_error *err) TDSHM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
