/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sending side: OBS hands audio over in packets of its own size (1024
 * frames at a time in libobs 29); a CHOP segment carries blocks of the length
 * the user chose. This cuts the stream into consecutive blocks and keeps the
 * latest complete one, with no allocation after create (it runs on OBS's
 * audio thread). */
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop_assembler.h"
#include "tdshm/chop_reader.h"

struct tdshm_chop_assembler {
	uint32_t channels;
	uint32_t length;
	uint32_t filled; /* frames in the partial block */
	bool have_block;
	float *partial[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	float *complete[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
};

uint32_t tdshm_chop_frame_block_length(uint32_t rate, uint32_t fps_num, uint32_t fps_den)
{
	if (fps_num == 0 || fps_den == 0)
		return rate / 60 ? rate / 60 : 1;
	uint64_t length = ((uint64_t)rate * fps_den + fps_num / 2) / fps_num;
	if (length < 1)
		return 1;
	return length > TDSHM_CHOP_READER_MAX_LENGTH ? TDSHM_CHOP_READER_MAX_LENGTH
						     : (uint32_t)length;
}

tdshm_status tdshm_chop_assembler_create(uint32_t channels, uint32_t length,
					 tdshm_chop_assembler **out, tdshm_error *err)
{
	*out = NULL;
	if (channels == 0 || channels > TDSHM_CHOP_OUTPUT_MAX_CHANNELS)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "audio has %u channels; 1 to %u can be sent", channels,
				       TDSHM_CHOP_OUTPUT_MAX_CHANNELS);
	if (length == 0 || length > TDSHM_CHOP_READER_MAX_LENGTH)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "block length %u is outside 1 to %u samples", length,
				       TDSHM_CHOP_READER_MAX_LENGTH);
	tdshm_chop_assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory for audio blocks");
	a->channels = channels;
	a->length = length;
	for (uint32_t c = 0; c < channels; c++) {
		a->partial[c] = calloc(length, sizeof(float));
		a->complete[c] = calloc(length, sizeof(float));
		if (!a->partial[c] || !a->complete[c]) {
			tdshm_chop_assembler_destroy(a);
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "out of memory for blocks of %u samples", length);
		}
	}
	*out = a;
	return TDSHM_OK;
}

void tdshm_chop_assembler_destroy(tdshm_chop_assembler *a)
{
	if (!a)
		return;
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++) {
		free(a->partial[c]);
		free(a->complete[c]);
	}
	free(a);
}

uint32_t tdshm_chop_assembler_channels(const tdshm_chop_assembler *a)
{
	return a->channels;
}

uint32_t tdshm_chop_assembler_push(tdshm_chop_assembler *a, const float *const *planes,
				   uint32_t frames)
{
	uint32_t completed = 0;
	uint32_t done = 0;
	while (done < frames) {
		uint32_t run = a->length - a->filled;
		if (run > frames - done)
			run = frames - done;
		for (uint32_t c = 0; c < a->channels; c++)
			memcpy(a->partial[c] + a->filled, planes[c] + done, run * sizeof(float));
		a->filled += run;
		done += run;
		if (a->filled == a->length) {
			/* Swap rather than copy: the full partial becomes the
			 * latest block, the old block is the next partial. */
			for (uint32_t c = 0; c < a->channels; c++) {
				float *t = a->complete[c];
				a->complete[c] = a->partial[c];
				a->partial[c] = t;
			}
			a->filled = 0;
			a->have_block = true;
			completed++;
		}
	}
	return completed;
}

const float *const *tdshm_chop_assembler_block(const tdshm_chop_assembler *a)
{
	return a->have_block ? (const float *const *)a->complete : NULL;
}
