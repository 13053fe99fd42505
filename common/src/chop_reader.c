/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One read of a live CHOP segment, done under the data lock: validate, decide
 * whether the block is new, follow names and the picker, copy the picked
 * channels out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop_detect.h"
#include "tdshm/chop_reader.h"
#include "tdshm/platform.h"

struct tdshm_chop_reader {
	tdshm_chop_detector detector;
	tdshm_chop_names names;
	tdshm_chop_channel_map map;
	char picker[256];
	uint32_t chop_channels; /* of the last block taken, 0 before */
	float sample_rate;
	float *planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	uint32_t capacity; /* frames each plane holds */
};

tdshm_status tdshm_chop_reader_create(const char *picker, tdshm_chop_reader **out, tdshm_error *err)
{
	*out = NULL;
	tdshm_chop_reader *reader = calloc(1, sizeof(*reader));
	if (!reader)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory for a CHOP reader");
	tdshm_chop_detector_reset(&reader->detector);
	tdshm_chop_names_init(&reader->names);
	snprintf(reader->picker, sizeof(reader->picker), "%s", picker ? picker : "");
	*out = reader;
	return TDSHM_OK;
}

void tdshm_chop_reader_destroy(tdshm_chop_reader *reader)
{
	if (!reader)
		return;
	tdshm_chop_names_free(&reader->names);
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++)
		free(reader->planes[c]);
	free(reader);
}

uint32_t tdshm_chop_reader_chop_channels(const tdshm_chop_reader *reader)
{
	return reader->chop_channels;
}

float tdshm_chop_reader_sample_rate(const tdshm_chop_reader *reader)
{
	return reader->sample_rate;
}

const tdshm_chop_channel_map *tdshm_chop_reader_map(const tdshm_chop_reader *reader)
{
	return &reader->map;
}

const tdshm_chop_names *tdshm_chop_reader_names(const tdshm_chop_reader *reader)
{
	return &reader->names;
}

uint64_t tdshm_chop_reader_missed(const tdshm_chop_reader *reader)
{
	return reader->detector.missed;
}

void tdshm_chop_reader_forget(tdshm_chop_reader *reader)
{
	/* The counters describe the whole session: they survive. */
	uint64_t repeats = reader->detector.repeats, missed = reader->detector.missed;
	tdshm_chop_detector_reset(&reader->detector);
	reader->detector.repeats = repeats;
	reader->detector.missed = missed;
}

static tdshm_status reserve_planes(tdshm_chop_reader *reader, uint32_t frames, tdshm_error *err)
{
	if (frames <= reader->capacity)
		return TDSHM_OK;
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++) {
		float *grown = realloc(reader->planes[c], (size_t)frames * sizeof(float));
		if (!grown)
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "out of memory for a block of %u samples", frames);
		reader->planes[c] = grown;
	}
	reader->capacity = frames;
	return TDSHM_OK;
}

tdshm_status tdshm_chop_reader_take(tdshm_chop_reader *reader, const uint8_t *segment, size_t size,
				    bool has_serial, uint64_t serial, tdshm_chop_take *take,
				    tdshm_error *err)
{
	memset(take, 0, sizeof(*take));
	take->map = &reader->map;
	take->planes = (const float *const *)reader->planes;

	/* New shared memory reads all zero until its sender writes the first
	 * block (a moment later): not written yet, not a foreign segment
	 * (seen as a "refused ... magic 0x00000000" warning in real OBS when
	 * the source connected in that moment). */
	size_t zero = 0;
	while (zero < size && segment[zero] == 0)
		zero++;
	if (zero == size)
		return tdshm_error_set(err, TDSHM_NOT_FOUND, "not written yet");
	tdshm_chop_block block;
	tdshm_status status = tdshm_chop_parse(segment, size, &block, err);
	if (status != TDSHM_OK)
		return status;
	if (block.length > TDSHM_CHOP_READER_MAX_LENGTH)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "CHOP block of %u samples per channel is longer than "
				       "the %u this source takes: send audio time-sliced",
				       block.length, TDSHM_CHOP_READER_MAX_LENGTH);
	if (block.channels == 0)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "the CHOP has no channels: give the Shared Mem Out CHOP "
				       "an audio input");
	if (!(block.sample_rate >= 1.0f && block.sample_rate <= 1000000.0f))
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "CHOP sample rate %g is not an audio rate (1 Hz to 1 MHz)",
				       (double)block.sample_rate);

	if (block.length == 0)
		return TDSHM_OK; /* nothing to play; not an error */

	/* With a serial the hash is not needed: a late cook's block can hold a
	 * second of audio, and this runs under the data lock on every poll. */
	uint64_t hash = has_serial ? 0 : tdshm_chop_block_hash(segment, &block);
	if (!tdshm_chop_detector_is_new(&reader->detector, has_serial, serial, hash))
		return TDSHM_OK;

	bool names_changed = false;
	status = tdshm_chop_names_update(&reader->names, segment, &block, &names_changed, err);
	if (status != TDSHM_OK)
		return status;
	if (names_changed || block.channels != reader->chop_channels) {
		tdshm_chop_channel_map previous = reader->map;
		tdshm_chop_channel_map_resolve(reader->picker, &reader->names, &reader->map);
		take->layout_changed =
		    previous.count != reader->map.count ||
		    memcmp(previous.source, reader->map.source, sizeof(previous.source)) != 0;
	}
	reader->chop_channels = block.channels;
	reader->sample_rate = block.sample_rate;

	status = reserve_planes(reader, block.length, err);
	if (status != TDSHM_OK)
		return status;
	for (uint32_t c = 0; c < reader->map.count; c++) {
		uint32_t source = reader->map.source[c];
		if (source == TDSHM_CHOP_CHANNEL_NONE)
			memset(reader->planes[c], 0, (size_t)block.length * sizeof(float));
		else
			tdshm_chop_read_samples(segment, &block, source, 0, block.length,
						reader->planes[c]);
	}
	/* Everything is copied: trust it only if the segment did not shrink
	 * meanwhile (platform.h; the lost pages read as zeros). */
	status = tdshm_mapped_range_check(segment, size, err);
	if (status != TDSHM_OK)
		return status;
	take->is_new = true;
	take->frames = block.length;
	take->sample_rate = block.sample_rate;
	return TDSHM_OK;
}
