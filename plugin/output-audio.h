/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Tools output's program audio: OBS's master mix of one track, sent as a
 * CHOP segment for a Shared Mem In CHOP, with the CHOP filter's block and
 * channel-name options (and its writer, chop-writer.c: never more than 1 ms
 * of OBS's audio thread). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <obs-module.h>

#include "dialog-status.h"

#define TDSHM_OUTPUT_AUDIO_ENABLED "audio_enabled"
#define TDSHM_OUTPUT_AUDIO_NAME "audio_name"
#define TDSHM_OUTPUT_AUDIO_TRACK "audio_track"
#define TDSHM_OUTPUT_AUDIO_BLOCK_LENGTH "audio_block_length"
#define TDSHM_OUTPUT_AUDIO_CHANNEL_NAMES "audio_channel_names"

typedef struct tdshm_output_audio tdshm_output_audio;

tdshm_output_audio *tdshm_output_audio_create(void);
void tdshm_output_audio_destroy(tdshm_output_audio *audio);
/* UI thread. Sends while output_running and the audio option is on. */
void tdshm_output_audio_update(tdshm_output_audio *audio, obs_data_t *settings,
			       bool output_running);
void tdshm_output_audio_defaults(obs_data_t *settings);
/* The audio group of the Tools output's dialog (typing in its name field
 * watched by dialog, which may be NULL). */
void tdshm_output_audio_add_properties(obs_properties_t *props, tdshm_output_audio *audio,
				       tdshm_dialog_status *dialog);
/* The program audio's part of the dialog's status row. Any thread. */
void tdshm_output_audio_dialog_line(tdshm_output_audio *audio, tdshm_dialog_status_line *line);
