/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "sender-worker.h"

typedef enum slot_state {
	SLOT_EMPTY,
	SLOT_PENDING, /* posted, not started */
	SLOT_RUNNING, /* the worker is on it (without the mutex) */
	SLOT_DONE,    /* result waiting to be collected */
} slot_state;

typedef struct close_item {
	struct close_item *next;
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	uint32_t timeout_ms;
} close_item;

struct tdshm_sender_worker {
	pthread_mutex_t mutex; /* guards everything below; never held across a wait */
	tdshm_sender_job slot;
	slot_state state;
	uint64_t slot_serial; /* bumped by every post and cancel */
	close_item *closes;   /* oldest first */
	bool stopping;

	os_event_t *wake; /* auto-reset: a post, a close or the stop */
	os_event_t *done; /* auto-reset: a job finished (for _post's short wait) */
	pthread_t thread;
};

static void close_now(tdshm_sender *sender, tdshm_name_claim *claim, uint32_t timeout_ms)
{
	tdshm_sender_destroy(sender, timeout_ms);
	tdshm_name_claim_release(claim);
}

/* Mutex held. */
static void queue_close(tdshm_sender_worker *worker, tdshm_sender *sender, tdshm_name_claim *claim,
			uint32_t timeout_ms)
{
	if (!sender && !claim)
		return;
	close_item *item = bzalloc(sizeof(*item));
	item->sender = sender;
	item->claim = claim;
	item->timeout_ms = timeout_ms;
	close_item **tail = &worker->closes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = item;
}

/* Worker thread, no mutex held. The only calls here that can wait on
 * another process. */
static void run_job(tdshm_sender_job *job, uint32_t timeout_ms)
{
	tdshm_error_clear(&job->err);
	if (job->kind == TDSHM_SENDER_JOB_RESIZE) {
		job->status = tdshm_sender_resize(job->sender, job->size, timeout_ms, &job->err);
		return;
	}
	job->sender = NULL;
	if (!job->claim) {
		job->status = tdshm_name_claim_take(job->name, job->owner, &job->claim, &job->err);
		if (job->status != TDSHM_OK)
			return;
	}
	job->status =
	    tdshm_sender_create(job->name, job->size, timeout_ms, &job->sender, &job->err);
	if (job->status != TDSHM_OK) {
		job->sender = NULL;
		tdshm_name_claim_release(job->claim);
		job->claim = NULL;
	}
}

/* The protocol's own bound (sender.h) would hold a closing filter for 5 s
 * behind a stuck info lock; half a second still outwaits any live peer. */
#define WORKER_INFO_TIMEOUT_MS 500

static void *worker_main(void *data)
{
	tdshm_sender_worker *worker = data;
	os_set_thread_name("tdshm-out-sender");
	for (;;) {
		pthread_mutex_lock(&worker->mutex);
		while (worker->closes) {
			close_item *item = worker->closes;
			worker->closes = item->next;
			pthread_mutex_unlock(&worker->mutex);
			close_now(item->sender, item->claim, item->timeout_ms);
			bfree(item);
			pthread_mutex_lock(&worker->mutex);
		}
		if (worker->stopping) {
			pthread_mutex_unlock(&worker->mutex);
			break;
		}
		if (worker->state != SLOT_PENDING) {
			pthread_mutex_unlock(&worker->mutex);
			os_event_wait(worker->wake);
			continue;
		}
		tdshm_sender_job job = worker->slot;
		uint64_t serial = worker->slot_serial;
		worker->state = SLOT_RUNNING;
		pthread_mutex_unlock(&worker->mutex);

		run_job(&job, WORKER_INFO_TIMEOUT_MS);

		pthread_mutex_lock(&worker->mutex);
		bool wanted = worker->slot_serial == serial && worker->state == SLOT_RUNNING;
		if (wanted) {
			worker->slot = job;
			worker->state = SLOT_DONE;
		}
		pthread_mutex_unlock(&worker->mutex);
		os_event_signal(worker->done);
		if (!wanted)
			close_now(job.sender, job.claim, WORKER_INFO_TIMEOUT_MS);
	}
	return NULL;
}

tdshm_sender_worker *tdshm_sender_worker_create(void)
{
	tdshm_sender_worker *worker = bzalloc(sizeof(*worker));
	if (pthread_mutex_init(&worker->mutex, NULL) != 0)
		goto fail_mutex;
	if (os_event_init(&worker->wake, OS_EVENT_TYPE_AUTO) != 0)
		goto fail_event;
	if (os_event_init(&worker->done, OS_EVENT_TYPE_AUTO) != 0)
		goto fail_done;
	if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0)
		goto fail_thread;
	return worker;
fail_thread:
	os_event_destroy(worker->done);
fail_done:
	os_event_destroy(worker->wake);
fail_event:
	pthread_mutex_destroy(&worker->mutex);
fail_mutex:
	bfree(worker);
	return NULL;
}

void tdshm_sender_worker_destroy(tdshm_sender_worker *worker)
{
	if (!worker)
		return;
	pthread_mutex_lock(&worker->mutex);
	worker->stopping = true;
	pthread_mutex_unlock(&worker->mutex);
	os_event_signal(worker->wake);
	pthread_join(worker->thread, NULL);

	/* The thread has drained the closes it had; what is left is ours. */
	if (worker->state == SLOT_PENDING || worker->state == SLOT_DONE)
		close_now(worker->slot.sender, worker->slot.claim, WORKER_INFO_TIMEOUT_MS);
	while (worker->closes) {
		close_item *item = worker->closes;
		worker->closes = item->next;
		close_now(item->sender, item->claim, item->timeout_ms);
		bfree(item);
	}
	os_event_destroy(worker->done);
	os_event_destroy(worker->wake);
	pthread_mutex_destroy(&worker->mutex);
	bfree(worker);
}

bool tdshm_sender_worker_post(tdshm_sender_worker *worker, const tdshm_sender_job *job,
			      uint32_t wait_ms)
{
	os_event_reset(worker->done);
	pthread_mutex_lock(&worker->mutex);
	bool free_slot = worker->state == SLOT_EMPTY;
	if (free_slot) {
		worker->slot = *job;
		worker->state = SLOT_PENDING;
		worker->slot_serial++;
	}
	pthread_mutex_unlock(&worker->mutex);
	if (free_slot) {
		os_event_signal(worker->wake);
		/* Blocking here hands the core to the worker, so on a busy
		 * machine a quick job is still done within this frame. */
		if (wait_ms)
			os_event_timedwait(worker->done, wait_ms);
	}
	return free_slot;
}

bool tdshm_sender_worker_collect(tdshm_sender_worker *worker, tdshm_sender_job *out)
{
	pthread_mutex_lock(&worker->mutex);
	bool done = worker->state == SLOT_DONE;
	if (done) {
		*out = worker->slot;
		worker->state = SLOT_EMPTY;
	}
	pthread_mutex_unlock(&worker->mutex);
	return done;
}

bool tdshm_sender_worker_busy(tdshm_sender_worker *worker)
{
	pthread_mutex_lock(&worker->mutex);
	bool busy = worker->state != SLOT_EMPTY;
	pthread_mutex_unlock(&worker->mutex);
	return busy;
}

void tdshm_sender_worker_cancel(tdshm_sender_worker *worker)
{
	pthread_mutex_lock(&worker->mutex);
	/* A running job is closed by the worker when it ends (the serial no
	 * longer matches); a pending or finished one's sender is queued. */
	if (worker->state == SLOT_PENDING || worker->state == SLOT_DONE)
		queue_close(worker, worker->slot.sender, worker->slot.claim,
			    WORKER_INFO_TIMEOUT_MS);
	worker->state = SLOT_EMPTY;
	worker->slot_serial++;
	pthread_mutex_unlock(&worker->mutex);
	os_event_signal(worker->wake);
}

void tdshm_sender_worker_close(tdshm_sender_worker *worker, tdshm_sender *sender,
			       tdshm_name_claim *claim, uint32_t timeout_ms)
{
	if (!sender && !claim)
		return;
	pthread_mutex_lock(&worker->mutex);
	queue_close(worker, sender, claim, timeout_ms);
	pthread_mutex_unlock(&worker->mutex);
	os_event_signal(worker->wake);
}
