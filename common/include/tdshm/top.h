/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TOP (image) segment headers, current and legacy (docs/protocol.md §3). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pixel_format.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDSHM_TOP_MAGIC 0xd95ef835u
#define TDSHM_TOP_LEGACY_MAGIC 0xe95df673u
#define TDSHM_TOP_V1_SIZE 48
#define TDSHM_TOP_V2_SIZE 56
#define TDSHM_TOP_LEGACY_SIZE 40
#define TDSHM_TOP_LEGACY_VERSION 2
/* Largest width or height accepted from shared memory. */
#define TDSHM_TOP_MAX_DIMENSION 32768

/* Legacy header enums (OpenGL values). */
enum {
	TDSHM_GL_RED = 0x1903,
	TDSHM_GL_RG = 0x8227,
	TDSHM_GL_RGB = 0x1907,
	TDSHM_GL_RGBA = 0x1908,
	TDSHM_GL_BGR = 0x80E0,
	TDSHM_GL_BGRA = 0x80E1,
	TDSHM_GL_ABGR = 0x8000,
	TDSHM_GL_ALPHA = 0x1906,
	TDSHM_GL_LUMINANCE = 0x1909,
	TDSHM_GL_LUMINANCE_ALPHA = 0x190A,
	TDSHM_GL_UNSIGNED_BYTE = 0x1401,
	TDSHM_GL_UNSIGNED_SHORT = 0x1403,
	TDSHM_GL_FLOAT = 0x1406,
	TDSHM_GL_HALF_FLOAT = 0x140B,
};

typedef enum tdshm_top_header_kind {
	TDSHM_TOP_HEADER_CURRENT,
	TDSHM_TOP_HEADER_LEGACY,
} tdshm_top_header_kind;

/* A validated description of an image segment: every field was checked
 * against the mapped size, so data_offset + data_size <= segment size and
 * data_size >= height * row_bytes. */
typedef struct tdshm_top_image {
	tdshm_top_header_kind kind;
	int32_t version;
	uint32_t width;
	uint32_t height;
	float aspect_x;
	float aspect_y;
	const tdshm_pixel_format *format;
	bool has_color_info; /* version >= 2 current header */
	uint32_t gamut;
	uint32_t transfer;
	/* legacy header only */
	uint32_t legacy_data_format;
	uint32_t legacy_data_type;
	uint32_t legacy_internal_format;
	size_t data_offset;
	size_t data_size; /* as declared (>= height * row_bytes) */
	size_t row_bytes; /* width * bytes_per_pixel: rows are not padded */
} tdshm_top_image;

/* Parses and validates the header at the start of segment (size = mapped
 * size). REFUSED with a message naming the problem for anything hostile. */
tdshm_status tdshm_top_parse(const uint8_t *segment, size_t size, tdshm_top_image *out,
			     tdshm_error *err) TDSHM_MUST_CHECK;

/* What a sender writes. */
typedef struct tdshm_top_params {
	tdshm_top_header_kind kind;
	int32_t version; /* current header: 1 (default) or 2 */
	uint32_t width;
	uint32_t height;
	const tdshm_pixel_format *format;
	uint32_t gamut;    /* version 2 only */
	uint32_t transfer; /* version 2 only */
} tdshm_top_params;

/* Header bytes for params (48, 56 or 40). */
size_t tdshm_top_header_size(const tdshm_top_params *params);
/* Whole segment size (header + image), overflow-checked. */
tdshm_status tdshm_top_segment_size(const tdshm_top_params *params, size_t *out,
				    tdshm_error *err) TDSHM_MUST_CHECK;
/* Writes the header; INVALID_ARGUMENT if the format cannot be expressed in
 * that header kind or the segment is too small. Aspect is width:height. */
tdshm_status tdshm_top_write_header(const tdshm_top_params *params, uint8_t *segment, size_t size,
				    tdshm_error *err) TDSHM_MUST_CHECK;

/* The legacy (data format, data type, internal format) triple for a pixel
 * format, or false if the legacy header cannot express it. */
bool tdshm_top_legacy_triple(const tdshm_pixel_format *format, uint32_t *data_format,
			     uint32_t *data_type, uint32_t *internal_format);

#ifdef __cplusplus
}
#endif
