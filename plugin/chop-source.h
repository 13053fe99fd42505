/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP source's state, shared by its OBS callbacks
 * (tdshm-chop-source.c) and its reader thread (chop-source-worker.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <obs-module.h>
#include <util/threading.h>

#include "chop-pipeline.h"
#include "dialog-status.h"
#include "tdshm/chop_reader.h"
#include "tdshm/names.h"
#include "tdshm/receiver.h"

struct tdshm_chop_source {
	obs_source_t *source;

	/* [SETTINGS] under settings_mutex: handed from update (UI thread) to
	 * the worker. */
	pthread_mutex_t settings_mutex;
	char *pending_name;
	char *pending_picker;
	uint32_t pending_buffer_ms;
	bool settings_changed;

	/* [STATUS] under status_mutex: written by the worker, read by the
	 * dialog. */
	pthread_mutex_t status_mutex;
	char status[512];
	tdshm_dialog_status *dialog; /* the dialog's status row; thread-safe */

	pthread_t thread;
	bool thread_started;
	os_event_t *stop_event;

	/* [WORKER] only touched by the worker thread. */
	char name[TDSHM_USER_NAME_MAX + 1];
	uint32_t buffer_ms;
	tdshm_receiver *receiver;
	tdshm_chop_reader *reader;
	tdshm_chop_pipeline pipeline;
	uint64_t blocks;
	uint64_t last_block_ns; /* when the previous new block was found */
	uint64_t missed_filled; /* overwritten blocks already filled with silence */
	uint64_t status_missed; /* the counts the status line shows */
	uint64_t status_silence;
	uint64_t status_dropped;
	tdshm_status last_status;
	char last_message[TDSHM_ERROR_MESSAGE_MAX];
};

/* The reader thread: polls the segment until stop_event is set. */
void *tdshm_chop_source_worker(void *data);
