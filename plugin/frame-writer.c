/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame writer's state: config, stop, counters (frame-writer.h); the
 * capture itself is frame-writer-capture.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>
#include <util/platform.h>

#include "frame-writer-internal.h"

tdshm_frame_writer *tdshm_frame_writer_create(const char *owner)
{
	tdshm_frame_writer *writer = bzalloc(sizeof(*writer));
	if (pthread_mutex_init(&writer->mutex, NULL) != 0) {
		bfree(writer);
		return NULL;
	}
	writer->worker = tdshm_sender_worker_create();
	if (!writer->worker) {
		pthread_mutex_destroy(&writer->mutex);
		bfree(writer);
		return NULL;
	}
	snprintf(writer->owner, sizeof(writer->owner), "%s", owner ? owner : "");
	tdshm_readback_ring_init(&writer->ring);
	writer->texrender_format = GS_UNKNOWN;
	return writer;
}

void tdshm_frame_writer_set_owner(tdshm_frame_writer *writer, const char *owner)
{
	pthread_mutex_lock(&writer->mutex);
	snprintf(writer->owner, sizeof(writer->owner), "%s", owner ? owner : "");
	pthread_mutex_unlock(&writer->mutex);
}

void tdshm_writer_fail(tdshm_frame_writer *writer, const char *message)
{
	if (writer->stats.state != TDSHM_WRITER_ERROR ||
	    strcmp(writer->stats.message, message) != 0)
		writer_log(LOG_WARNING, writer, "%s", message);
	writer->stats.state = TDSHM_WRITER_ERROR;
	snprintf(writer->stats.message, sizeof(writer->stats.message), "%s", message);
}

/* Mutex held. Forgets the sender (and any job for it); the caller closes
 * the sender and claim it is handed. */
static void tdshm_writer_drop_sender(tdshm_frame_writer *writer, tdshm_sender **sender,
				     tdshm_name_claim **claim)
{
	if (writer->sender)
		writer_log(LOG_INFO, writer, "stopped sending '%s'", writer->live.name);
	*sender = writer->sender;
	*claim = writer->claim;
	writer->sender = NULL;
	writer->claim = NULL;
	tdshm_sender_worker_cancel(writer->worker);
	writer->segment_size = 0;
	writer->width = writer->height = 0;
	writer->receiver_attached = false;
	writer->stats.data_name[0] = '\0';
	/* Staged frames belong to the old segment; GPU objects stay for reuse. */
	for (int i = 0; i < TDSHM_READBACK_SLOTS; i++)
		writer->ring.slots[i].staged = false;
	writer->ring.frame = 0;
}

/* Mutex held, graphics thread: the close (detach, removal) is the worker's. */
void tdshm_writer_close_later(tdshm_frame_writer *writer)
{
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	tdshm_writer_drop_sender(writer, &sender, &claim);
	tdshm_sender_worker_close(writer->worker, sender, claim, TDSHM_WRITER_STOP_TIMEOUT_MS);
}

void tdshm_frame_writer_set_config(tdshm_frame_writer *writer,
				   const tdshm_frame_writer_config *config)
{
	pthread_mutex_lock(&writer->mutex);
	/* The first name (a scene loading, a filter created with settings) is
	 * used at once; a changed one once it has stopped changing. */
	if (writer->configured && strcmp(config->name, writer->wanted.name) != 0)
		writer->name_settle_at_ns = os_gettime_ns() + TDSHM_NAME_SETTLE_NS;
	writer->configured = true;
	writer->wanted = *config;
	if (!writer->running || strcmp(writer->wanted.name, writer->live.name) != 0)
		writer->retry_at_ns = 0; /* a new name is tried at once */
	writer->running = true;
	if (writer->stats.state == TDSHM_WRITER_STOPPED)
		writer->stats.state = TDSHM_WRITER_STARTING;
	pthread_mutex_unlock(&writer->mutex);
}

/* Detach and removal happen before this returns (a receiver sees them at
 * once), outside the mutex, so a capture never waits behind them; on the
 * graphics thread they are handed to the worker. A sender the worker is
 * making meanwhile is closed by the worker. */
void tdshm_frame_writer_stop(tdshm_frame_writer *writer)
{
	tdshm_sender *sender;
	tdshm_name_claim *claim;
	pthread_mutex_lock(&writer->mutex);
	writer->running = false;
	tdshm_writer_drop_sender(writer, &sender, &claim);
	writer->stats.state = TDSHM_WRITER_STOPPED;
	writer->stats.message[0] = '\0';
	pthread_mutex_unlock(&writer->mutex);
	/* A filter's update runs on the graphics thread (a name cleared, the
	 * filter disabled in its settings): there the close, which may wait on
	 * other processes, is the worker's, done within moments. */
	if (obs_in_task_thread(OBS_TASK_GRAPHICS)) {
		tdshm_sender_worker_close(writer->worker, sender, claim,
					  TDSHM_WRITER_STOP_TIMEOUT_MS);
		return;
	}
	tdshm_sender_destroy(sender, TDSHM_WRITER_STOP_TIMEOUT_MS);
	tdshm_name_claim_release(claim);
}

void tdshm_frame_writer_destroy(tdshm_frame_writer *writer)
{
	if (!writer)
		return;
	tdshm_frame_writer_stop(writer);
	tdshm_sender_worker_destroy(writer->worker);
	obs_enter_graphics();
	tdshm_readback_ring_free(&writer->ring);
	gs_texrender_destroy(writer->texrender);
	obs_leave_graphics();
	pthread_mutex_destroy(&writer->mutex);
	bfree(writer);
}

void tdshm_frame_writer_get_stats(tdshm_frame_writer *writer, tdshm_writer_stats *out)
{
	pthread_mutex_lock(&writer->mutex);
	*out = writer->stats;
	/* Status lines show at most the longest valid name. */
	snprintf(out->name, sizeof(out->name), "%.200s", writer->wanted.name);
	out->width = writer->width;
	out->height = writer->height;
	if (!writer->running)
		out->state = TDSHM_WRITER_STOPPED;
	else if (os_gettime_ns() < writer->name_settle_at_ns)
		out->state = TDSHM_WRITER_SETTLING;
	pthread_mutex_unlock(&writer->mutex);
}

tdshm_top_frame tdshm_writer_frame(const tdshm_frame_writer_config *config, uint32_t width,
				   uint32_t height)
{
	tdshm_top_frame frame;
	memset(&frame, 0, sizeof(frame));
	frame.header.kind = config->header;
	frame.header.version =
	    config->header == TDSHM_TOP_HEADER_LEGACY ? TDSHM_TOP_LEGACY_VERSION : 1;
	frame.header.width = width;
	frame.header.height = height;
	frame.header.format = config->format;
	frame.bottom_up = config->bottom_up;
	frame.alpha = config->alpha;
	return frame;
}
