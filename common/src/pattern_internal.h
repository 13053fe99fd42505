/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What drawing the test patterns (pattern.c) and checking them
 * (pattern_check.c) share: the geometry of the pattern and the row
 * machinery both walk. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/pattern.h"

#define GRID TDSHM_PATTERN_COUNTER_GRID
#define BAR_COUNT 8

static inline size_t pattern_stride(const tdshm_pattern_image *image)
{
	return image->stride ? image->stride
			     : (size_t)image->width * image->format->bytes_per_pixel;
}

/* Which of n equal parts of length total the coordinate falls in. */
static inline uint32_t pattern_part(uint32_t coord, uint32_t total, uint32_t n)
{
	return (uint32_t)(((uint64_t)coord * n) / total);
}

static inline uint32_t pattern_part_start(uint32_t part, uint32_t total, uint32_t n)
{
	/* Smallest coord with pattern_part(coord) == part. */
	return (uint32_t)(((uint64_t)part * total + n - 1) / n);
}

static inline const uint8_t *pattern_row_at(const tdshm_pattern_image *image, const uint8_t *base,
					    uint32_t y)
{
	uint32_t memory_row = image->bottom_up ? image->height - 1 - y : y;
	return base + (size_t)memory_row * pattern_stride(image);
}

/* The check word stored in cells 32..63: a mix of the frame number (the
 * murmur3 finaliser), so that a flipped or mirrored counter, an all-black or
 * an all-white picture almost never passes for a valid one. */
uint32_t tdshm_pattern_check_word(uint32_t frame_number);

/* Rows with the same key are identical, so only the first is encoded. */
uint32_t tdshm_pattern_row_key(tdshm_pattern_kind kind, uint32_t y, uint32_t height);

void tdshm_pattern_encode_row(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t y,
			      const tdshm_pattern_image *image, uint8_t *row);

tdshm_status tdshm_pattern_check_args(tdshm_pattern_kind kind, const tdshm_pattern_image *image,
				      size_t buffer_size, tdshm_error *err);
