/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the TOP header's reader (top.c), writer (top_header_write.c) and
 * legacy format table (top_legacy.c) share: the field offsets of both
 * header kinds (docs/protocol.md §3) and the image size arithmetic. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "tdshm/top.h"

/* Current header offsets. */
enum {
	TOP_MAGIC_AT = 0,
	TOP_VERSION_AT = 4,
	TOP_WIDTH_AT = 8,
	TOP_HEIGHT_AT = 12,
	TOP_ASPECT_X_AT = 16,
	TOP_ASPECT_Y_AT = 20,
	TOP_FORMAT_AT = 24,
	TOP_DATA_SIZE_AT = 32,
	TOP_DATA_OFFSET_AT = 40,
	TOP_GAMUT_AT = 44,
	TOP_TRANSFER_AT = 48,
};

/* Legacy header offsets: ten 32-bit fields. */
enum {
	LEGACY_MAGIC_AT = 0,
	LEGACY_VERSION_AT = 4,
	LEGACY_WIDTH_AT = 8,
	LEGACY_HEIGHT_AT = 12,
	LEGACY_ASPECT_X_AT = 16,
	LEGACY_ASPECT_Y_AT = 20,
	LEGACY_DATA_FORMAT_AT = 24,
	LEGACY_DATA_TYPE_AT = 28,
	LEGACY_INTERNAL_FORMAT_AT = 32,
	LEGACY_DATA_OFFSET_AT = 36,
};

/* width * height * bpp in 64 bits; false on overflow (cannot happen after
 * check_dimensions, but the arithmetic does not rely on that). */
static inline bool tdshm_top_image_bytes(uint64_t width, uint64_t height, uint64_t bpp,
					 uint64_t *out)
{
	if (width != 0 && height > UINT64_MAX / width)
		return false;
	uint64_t pixels = width * height;
	if (bpp != 0 && pixels > UINT64_MAX / bpp)
		return false;
	*out = pixels * bpp;
	return SIZE_MAX >= UINT64_MAX || *out <= (uint64_t)SIZE_MAX;
}

/* The pixel format a legacy (data format, data type) pair reads as; REFUSED
 * with a message naming the pair when obs-tdshm does not read it. */
tdshm_status tdshm_top_legacy_format(uint32_t data_format, uint32_t data_type,
				     const tdshm_pixel_format **out, tdshm_error *err);
