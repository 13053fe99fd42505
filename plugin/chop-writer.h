/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OBS audio into a CHOP segment (docs/protocol.md §4): what the CHOP filter
 * and the Tools output's program audio both do. The audio thread only
 * pushes: it try-locks the writer and waits at most 1 ms for the segment's
 * data lock, and a miss drops one block. Creating, resizing and closing the
 * segment (which may wait on the info lock for seconds, docs/protocol.md §2)
 * happen on the writer's own worker thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <obs-module.h>

#include "dialog-status.h"

typedef struct tdshm_chop_writer tdshm_chop_writer;

/* Starts the worker. source names the log lines (may be NULL: owner is used
 * instead); rate and channels are OBS's audio output's. NULL on failure
 * (logged). */
tdshm_chop_writer *tdshm_chop_writer_create(obs_source_t *source, const char *owner, uint32_t rate,
					    uint32_t channels);
/* Stops the worker; the segment is closed with detach set. */
void tdshm_chop_writer_destroy(tdshm_chop_writer *writer);

/* UI thread. name "" stops sending; a changed name is used once it has
 * stayed the same for a moment (typing it creates no segment per letter).
 * block_length 0: one video frame's worth. speaker_names: left, right, ...
 * instead of chan1, chan2, .... */
void tdshm_chop_writer_configure(tdshm_chop_writer *writer, const char *name, uint32_t block_length,
				 bool speaker_names);

/* [AUDIO] planes: one float plane per OBS channel, frames samples each.
 * Never waits more than 1 ms. */
void tdshm_chop_writer_push(tdshm_chop_writer *writer, const float *const *planes, uint32_t frames);

/* The status row of a dialog (dialog-status.h; owner: the writer): "Sending
 * 'x': ...", "Error on 'x': ...", waiting for a typed name to settle, ....
 * Any thread. */
void tdshm_chop_writer_dialog_line(void *writer, tdshm_dialog_status_line *line);
