/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One writer per Shared Mem Name inside this process. Two OBS filters given
 * the same name must not both write into one segment; the second gets an
 * error naming the first. Other processes are kept out by the sender itself
 * (its info segment already exists: TDSHM_EXISTS). */
#pragma once

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdshm_name_claim tdshm_name_claim;

/* Claims user_name for owner (a label shown to the user, e.g. the filter's
 * source name; copied). EXISTS, with a message naming the current owner, when
 * the name is already claimed in this process. Thread-safe. */
tdshm_status tdshm_name_claim_take(const char *user_name, const char *owner, tdshm_name_claim **out,
				   tdshm_error *err) TDSHM_MUST_CHECK;
/* Gives the name back. NULL is ignored. */
void tdshm_name_claim_release(tdshm_name_claim *claim);
/* Number of names claimed now (for tests). */
unsigned tdshm_name_claim_count(void);

#ifdef __cplusplus
}
#endif
