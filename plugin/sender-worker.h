/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame writer's own thread ("tdshm-out-sender"): everything that can
 * wait longer than a frame on another process happens here, never on OBS's
 * graphics thread. Creating a sender (its name claim, its segments and
 * locks, a crashed sender's leftovers: up to 100 ms, and up to 5 s through
 * a slow POSIX name directory), resizing it and closing it.
 *
 * One job at a time: the graphics thread posts it, waits for it at most a
 * bounded moment, and otherwise collects the result on a later frame (both
 * only take the worker's mutex, which nobody holds across a wait). A sender handed over for a
 * resize belongs to the worker until it is collected. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/name_claim.h"
#include "tdshm/names.h"
#include "tdshm/sender.h"
#include "tdshm/status.h"

typedef enum tdshm_sender_job_kind {
	TDSHM_SENDER_JOB_CREATE, /* claim name, create a sender of size bytes */
	TDSHM_SENDER_JOB_RESIZE, /* make sender's data segment size bytes */
} tdshm_sender_job_kind;

typedef struct tdshm_sender_job {
	tdshm_sender_job_kind kind;
	char name[TDSHM_USER_NAME_MAX + 1];
	char owner[128]; /* named in "name is taken" messages */
	size_t size;
	uint32_t width, height, format; /* what the size was computed for */
	bool repair;                    /* RESIZE to the same size: the segment was truncated */
	/* RESIZE: handed over with the job; CREATE: filled on success. */
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	/* The result, once collected. */
	tdshm_status status;
	tdshm_error err;
} tdshm_sender_job;

typedef struct tdshm_sender_worker tdshm_sender_worker;

tdshm_sender_worker *tdshm_sender_worker_create(void);
/* Finishes the job in hand (its result is closed), closes every sender
 * still handed over, joins the thread. NULL is ignored. */
void tdshm_sender_worker_destroy(tdshm_sender_worker *worker);

/* false when a job is still in hand (posted, not collected). Then waits at
 * most wait_ms for the job to finish (a create or resize nobody blocks
 * takes well under a millisecond), never longer: collect says if it did. */
bool tdshm_sender_worker_post(tdshm_sender_worker *worker, const tdshm_sender_job *job,
			      uint32_t wait_ms);
/* Never waits. true once the posted job is done: *out holds it with its
 * result (the sender and claim are the caller's again). */
bool tdshm_sender_worker_collect(tdshm_sender_worker *worker, tdshm_sender_job *out);
/* Whether a job is in hand (posted and not collected). */
bool tdshm_sender_worker_busy(tdshm_sender_worker *worker);
/* The job in hand is no longer wanted: whatever it yields is closed by the
 * worker, and the slot is free for the next post at once. */
void tdshm_sender_worker_cancel(tdshm_sender_worker *worker);
/* Closes sender (detach set, segments removed, bounded by timeout_ms) and
 * releases claim, on the worker, before any job posted after this call.
 * Either may be NULL. Never waits. */
void tdshm_sender_worker_close(tdshm_sender_worker *worker, tdshm_sender *sender,
			       tdshm_name_claim *claim, uint32_t timeout_ms);
