/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/name_claim.h"
#include "tdshm/names.h"

struct tdshm_name_claim {
	struct tdshm_name_claim *next;
	char name[TDSHM_USER_NAME_MAX + 1];
	char owner[128];
};

/* The list is touched for a few hundred nanoseconds when a filter starts or
 * stops, so a spin lock is enough and needs no platform threading layer. */
static atomic_flag tdshm_claims_busy = ATOMIC_FLAG_INIT;
static struct tdshm_name_claim *tdshm_claims;

static void tdshm_claims_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&tdshm_claims_busy, memory_order_acquire))
		;
}

static void tdshm_claims_unlock(void)
{
	atomic_flag_clear_explicit(&tdshm_claims_busy, memory_order_release);
}

tdshm_status tdshm_name_claim_take(const char *user_name, const char *owner, tdshm_name_claim **out,
				   tdshm_error *err)
{
	*out = NULL;
	tdshm_status status = tdshm_name_check(user_name, err);
	if (status != TDSHM_OK)
		return status;
	struct tdshm_name_claim *claim = calloc(1, sizeof(*claim));
	if (!claim)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	snprintf(claim->name, sizeof(claim->name), "%s", user_name);
	snprintf(claim->owner, sizeof(claim->owner), "%s", owner ? owner : "another sender");

	tdshm_claims_lock();
	for (struct tdshm_name_claim *it = tdshm_claims; it; it = it->next) {
		if (strcmp(it->name, user_name) == 0) {
			status = tdshm_error_set(err, TDSHM_EXISTS,
						 "the Shared Mem Name '%s' is already sent by '%s' "
						 "in this program: give this one another name",
						 user_name, it->owner);
			break;
		}
	}
	if (status == TDSHM_OK) {
		claim->next = tdshm_claims;
		tdshm_claims = claim;
	}
	tdshm_claims_unlock();

	if (status != TDSHM_OK) {
		free(claim);
		return status;
	}
	*out = claim;
	return TDSHM_OK;
}

void tdshm_name_claim_release(tdshm_name_claim *claim)
{
	if (!claim)
		return;
	tdshm_claims_lock();
	for (struct tdshm_name_claim **it = &tdshm_claims; *it; it = &(*it)->next) {
		if (*it == claim) {
			*it = claim->next;
			break;
		}
	}
	tdshm_claims_unlock();
	free(claim);
}

unsigned tdshm_name_claim_count(void)
{
	unsigned count = 0;
	tdshm_claims_lock();
	for (struct tdshm_name_claim *it = tdshm_claims; it; it = it->next)
		count++;
	tdshm_claims_unlock();
	return count;
}
