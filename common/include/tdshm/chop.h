/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHOP (channel) segments (docs/protocol.md §4). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDSHM_CHOP_MAGIC 0x12ED54CFu
#define TDSHM_CHOP_VERSION 1
#define TDSHM_CHOP_HEADER_SIZE 36
#define TDSHM_CHOP_MAX_CHANNELS 4096
#define TDSHM_CHOP_NAME_MAX 256

/* A validated CHOP block: channel data and names lie inside the segment. */
typedef struct tdshm_chop_block {
	int32_t version;
	uint32_t declared_size; /* the header's "size" field */
	uint32_t channels;
	uint32_t length; /* samples per channel */
	float sample_rate;
	bool names_sent;
	size_t data_offset;
	size_t names_offset;
	size_t names_size; /* bytes available for names (to segment end) */
} tdshm_chop_block;

tdshm_status tdshm_chop_parse(const uint8_t *segment, size_t size, tdshm_chop_block *out,
			      tdshm_error *err) TDSHM_MUST_CHECK;

/* Copies count samples of channel (from sample first) into dst. */
void tdshm_chop_read_samples(const uint8_t *segment, const tdshm_chop_block *block,
			     uint32_t channel, uint32_t first, uint32_t count, float *dst);

/* Name of channel index when names were sent: copied into out. If names were
 * not sent, or the name list ends early or is not NUL-terminated inside the
 * segment, writes "chan<index+1>" and returns false. */
bool tdshm_chop_channel_name(const uint8_t *segment, const tdshm_chop_block *block,
			     uint32_t channel, char *out, size_t cap);

/* Segment size for channels x length with the given names (names may be
 * NULL: none sent). */
tdshm_status tdshm_chop_segment_size(uint32_t channels, uint32_t length, const char *const *names,
				     size_t *out, tdshm_error *err) TDSHM_MUST_CHECK;
/* Writes header, planar samples (planes[c][s]) and names (may be NULL). */
tdshm_status tdshm_chop_write(uint8_t *segment, size_t size, uint32_t channels, uint32_t length,
			      float sample_rate, const float *const *planes,
			      const char *const *names, tdshm_error *err) TDSHM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
