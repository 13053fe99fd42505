/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHOP (channel) segments (docs/protocol.md §4): nine 32-bit header fields,
 * planar f32 samples, then NUL-separated channel names.
 *
 * The header comes from another process: tdshm_chop_parse checks every
 * offset and count against the mapped size before anything is read, and the
 * readers below re-check their own ranges so a caller's mistake cannot turn
 * into an out-of-bounds read either. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/top.h"
#include "byte_order.h"

enum {
	CHOP_MAGIC_AT = 0,
	CHOP_VERSION_AT = 4,
	CHOP_SIZE_AT = 8,
	CHOP_CHANNELS_AT = 12,
	CHOP_LENGTH_AT = 16,
	CHOP_SAMPLE_RATE_AT = 20,
	CHOP_NAMES_SENT_AT = 24,
	CHOP_DATA_OFFSET_AT = 28,
	CHOP_NAMES_OFFSET_AT = 32,
};

#define SAMPLE_BYTES 4u

static tdshm_status refuse_inside_header(const char *what, int32_t offset, tdshm_error *err)
{
	return tdshm_error_set(err, TDSHM_REFUSED,
			       "channel %s offset %" PRId32 " lies inside the %d-byte header", what,
			       offset, TDSHM_CHOP_HEADER_SIZE);
}

tdshm_status tdshm_chop_parse(const uint8_t *segment, size_t size, tdshm_chop_block *out,
			      tdshm_error *err)
{
	if (!segment || size < TDSHM_CHOP_HEADER_SIZE)
		return tdshm_error_set(
		    err, TDSHM_REFUSED,
		    "segment holds only %zu bytes, less than the %d-byte channel "
		    "header: the sender is not done creating it, or it is not a "
		    "TouchDesigner CHOP",
		    segment ? size : 0, TDSHM_CHOP_HEADER_SIZE);
	uint32_t magic = tdshm_load_u32le(segment, CHOP_MAGIC_AT);
	if (magic == TDSHM_TOP_MAGIC || magic == TDSHM_TOP_LEGACY_MAGIC)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "this is a TouchDesigner TOP (image) segment, not channels: "
				       "read it with a video source, or point this at a Shared Mem "
				       "Out CHOP");
	if (magic != TDSHM_CHOP_MAGIC)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "not a TouchDesigner CHOP segment (magic 0x%08" PRIx32
				       ", expected 0x%08x): is the name that of a Shared Mem Out "
				       "CHOP?",
				       magic, TDSHM_CHOP_MAGIC);

	tdshm_chop_block block;
	memset(&block, 0, sizeof(block));
	block.version = tdshm_load_i32le(segment, CHOP_VERSION_AT);
	if (block.version < 1)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "channel header version %" PRId32
				       " is not valid (TouchDesigner writes 1)",
				       block.version);

	int32_t declared_size = tdshm_load_i32le(segment, CHOP_SIZE_AT);
	if (declared_size < TDSHM_CHOP_HEADER_SIZE || (uint64_t)declared_size > size)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "channel segment says it is %" PRId32
				       " bytes, but %zu are mapped (it must be %d..%zu)",
				       declared_size, size, TDSHM_CHOP_HEADER_SIZE, size);
	block.declared_size = (uint32_t)declared_size;

	int32_t channels = tdshm_load_i32le(segment, CHOP_CHANNELS_AT);
	if (channels < 0 || channels > TDSHM_CHOP_MAX_CHANNELS)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "channel count %" PRId32 " is not valid (0..%d accepted)",
				       channels, TDSHM_CHOP_MAX_CHANNELS);
	int32_t length = tdshm_load_i32le(segment, CHOP_LENGTH_AT);
	if (length < 0)
		return tdshm_error_set(err, TDSHM_REFUSED, "channel length %" PRId32 " is negative",
				       length);
	block.channels = (uint32_t)channels;
	block.length = (uint32_t)length;

	block.sample_rate = tdshm_load_f32le(segment, CHOP_SAMPLE_RATE_AT);
	if (!isfinite(block.sample_rate) || block.sample_rate < 0.0f)
		return tdshm_error_set(err, TDSHM_REFUSED, "sample rate %g is not a usable rate",
				       (double)block.sample_rate);
	block.names_sent = tdshm_load_u32le(segment, CHOP_NAMES_SENT_AT) != 0;

	int32_t data_offset = tdshm_load_i32le(segment, CHOP_DATA_OFFSET_AT);
	if (data_offset < TDSHM_CHOP_HEADER_SIZE)
		return refuse_inside_header("data", data_offset, err);
	if (data_offset % SAMPLE_BYTES != 0)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "channel data offset %" PRId32
				       " is not a multiple of 4 (samples are 32-bit floats)",
				       data_offset);
	/* At most 4096 * (2^31 - 1) * 4 < 2^45: no overflow in 64 bits. */
	uint64_t data_bytes = (uint64_t)block.channels * block.length * SAMPLE_BYTES;
	if ((uint64_t)data_offset > size || data_bytes > size - (uint64_t)data_offset)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "%" PRIu32 " channels x %" PRIu32 " samples (%" PRIu64
				       " bytes at offset %" PRId32
				       ") run past the end of the %zu-byte segment",
				       block.channels, block.length, data_bytes, data_offset, size);
	block.data_offset = (size_t)data_offset;

	if (block.names_sent) {
		int32_t names_offset = tdshm_load_i32le(segment, CHOP_NAMES_OFFSET_AT);
		if (names_offset < TDSHM_CHOP_HEADER_SIZE)
			return refuse_inside_header("name", names_offset, err);
		if ((uint64_t)names_offset > size)
			return tdshm_error_set(err, TDSHM_REFUSED,
					       "channel name offset %" PRId32
					       " is past the end of the %zu-byte segment",
					       names_offset, size);
		block.names_offset = (size_t)names_offset;
		block.names_size = size - block.names_offset;
	}
	*out = block;
	return TDSHM_OK;
}

void tdshm_chop_read_samples(const uint8_t *segment, const tdshm_chop_block *block,
			     uint32_t channel, uint32_t first, uint32_t count, float *dst)
{
	/* Out-of-range requests read as silence rather than past the block. */
	uint32_t available = 0;
	if (channel < block->channels && first < block->length)
		available = block->length - first;
	uint32_t n = count < available ? count : available;
	size_t at =
	    block->data_offset + ((size_t)channel * block->length + first) * (size_t)SAMPLE_BYTES;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = tdshm_load_f32le(segment, at + (size_t)i * SAMPLE_BYTES);
	for (uint32_t i = n; i < count; i++)
		dst[i] = 0.0f;
}

static bool fallback_name(uint32_t channel, char *out, size_t cap)
{
	if (cap > 0)
		snprintf(out, cap, "chan%" PRIu64, (uint64_t)channel + 1);
	return false;
}

bool tdshm_chop_channel_name(const uint8_t *segment, const tdshm_chop_block *block,
			     uint32_t channel, char *out, size_t cap)
{
	if (!block->names_sent || channel >= block->channels || cap == 0)
		return fallback_name(channel, out, cap);
	const uint8_t *names = segment + block->names_offset;
	size_t at = 0;
	/* Skip the names before this one; each must end inside the segment. */
	for (uint32_t i = 0; i < channel; i++) {
		const void *nul = memchr(names + at, '\0', block->names_size - at);
		if (!nul)
			return fallback_name(channel, out, cap);
		at = (size_t)((const uint8_t *)nul - names) + 1;
	}
	const uint8_t *nul = memchr(names + at, '\0', block->names_size - at);
	size_t name_length = nul ? (size_t)(nul - (names + at)) : 0;
	if (!nul || name_length == 0)
		return fallback_name(channel, out, cap);
	size_t copy = name_length < cap - 1 ? name_length : cap - 1;
	memcpy(out, names + at, copy);
	out[copy] = '\0';
	return true;
}

/* strlen bounded by max (strnlen is POSIX, not C11). */
static size_t bounded_length(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);
	return nul ? (size_t)(nul - s) : max;
}

tdshm_status tdshm_chop_segment_size(uint32_t channels, uint32_t length, const char *const *names,
				     size_t *out, tdshm_error *err)
{
	if (channels > TDSHM_CHOP_MAX_CHANNELS)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "%" PRIu32 " channels cannot be sent (at most %d)", channels,
				       TDSHM_CHOP_MAX_CHANNELS);
	if (length > INT32_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "%" PRIu32 " samples per channel cannot be sent", length);
	uint64_t total = TDSHM_CHOP_HEADER_SIZE + (uint64_t)channels * length * SAMPLE_BYTES;
	if (names) {
		for (uint32_t c = 0; c < channels; c++) {
			if (!names[c])
				return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
						       "channel %" PRIu32 " has no name", c + 1);
			total += bounded_length(names[c], TDSHM_CHOP_NAME_MAX - 1) + 1;
		}
	}
	/* The header's size and offset fields are 32-bit signed. */
	if (total > INT32_MAX || total > SIZE_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "%" PRIu32 " channels x %" PRIu32
				       " samples do not fit one channel segment (%" PRIu64
				       " bytes, at most %d)",
				       channels, length, total, INT32_MAX);
	*out = (size_t)total;
	return TDSHM_OK;
}

tdshm_status tdshm_chop_write(uint8_t *segment, size_t size, uint32_t channels, uint32_t length,
			      float sample_rate, const float *const *planes,
			      const char *const *names, tdshm_error *err)
{
	size_t needed;
	tdshm_status status = tdshm_chop_segment_size(channels, length, names, &needed, err);
	if (status != TDSHM_OK)
		return status;
	if (size < needed)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "segment of %zu bytes is too small for %" PRIu32
				       " channels x %" PRIu32 " samples (%zu bytes)",
				       size, channels, length, needed);
	if (channels > 0 && length > 0 && !planes)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "no sample data given");

	size_t data_offset = TDSHM_CHOP_HEADER_SIZE;
	size_t names_offset = data_offset + (size_t)channels * length * SAMPLE_BYTES;
	/* The size field describes the whole segment (docs/protocol.md §4), bounded
	 * to what the 32-bit field can say; the data always lies within it. */
	uint32_t size_field = size > INT32_MAX ? (uint32_t)INT32_MAX : (uint32_t)size;

	tdshm_store_u32le(segment, CHOP_MAGIC_AT, TDSHM_CHOP_MAGIC);
	tdshm_store_i32le(segment, CHOP_VERSION_AT, TDSHM_CHOP_VERSION);
	tdshm_store_u32le(segment, CHOP_SIZE_AT, size_field);
	tdshm_store_u32le(segment, CHOP_CHANNELS_AT, channels);
	tdshm_store_u32le(segment, CHOP_LENGTH_AT, length);
	tdshm_store_f32le(segment, CHOP_SAMPLE_RATE_AT, sample_rate);
	tdshm_store_u32le(segment, CHOP_NAMES_SENT_AT, names ? 1u : 0u);
	tdshm_store_u32le(segment, CHOP_DATA_OFFSET_AT, (uint32_t)data_offset);
	tdshm_store_u32le(segment, CHOP_NAMES_OFFSET_AT, (uint32_t)names_offset);

	for (uint32_t c = 0; c < channels; c++) {
		size_t plane_at = data_offset + (size_t)c * length * SAMPLE_BYTES;
		for (uint32_t s = 0; s < length; s++)
			tdshm_store_f32le(segment, plane_at + (size_t)s * SAMPLE_BYTES,
					  planes[c] ? planes[c][s] : 0.0f);
	}
	if (names) {
		size_t at = names_offset;
		for (uint32_t c = 0; c < channels; c++) {
			size_t n = bounded_length(names[c], TDSHM_CHOP_NAME_MAX - 1);
			memcpy(segment + at, names[c], n);
			segment[at + n] = '\0';
			at += n + 1;
		}
	}
	return TDSHM_OK;
}
