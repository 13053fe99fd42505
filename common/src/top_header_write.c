/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TOP (image) segment headers, current and legacy (docs/protocol.md §3):
 * writing them, for this project's senders. Padding and unknown fields are
 * written as zeros. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tdshm/top.h"
#include "byte_order.h"
#include "top_internal.h"

size_t tdshm_top_header_size(const tdshm_top_params *params)
{
	if (params->kind == TDSHM_TOP_HEADER_LEGACY)
		return TDSHM_TOP_LEGACY_SIZE;
	return params->version >= 2 ? TDSHM_TOP_V2_SIZE : TDSHM_TOP_V1_SIZE;
}

/* Everything a writer must refuse before touching the segment. */
static tdshm_status check_params(const tdshm_top_params *params, uint64_t *image_size,
				 tdshm_error *err)
{
	if (!params || !params->format)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "no pixel format given");
	if (params->width == 0 || params->height == 0 || params->width > TDSHM_TOP_MAX_DIMENSION ||
	    params->height > TDSHM_TOP_MAX_DIMENSION)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "image size %" PRIu32 "x%" PRIu32
				       " cannot be sent: width and height must be 1..%d",
				       params->width, params->height, TDSHM_TOP_MAX_DIMENSION);
	if (params->kind == TDSHM_TOP_HEADER_LEGACY) {
		if (!tdshm_top_legacy_triple(params->format, NULL, NULL, NULL))
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "pixel format %s cannot be described by a legacy "
					       "(TouchDesigner 2021 and earlier) header",
					       params->format->name);
	} else {
		if (params->format->wire_value == 0)
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "pixel format %s exists only in legacy headers",
					       params->format->name);
		if (params->version < 0 || params->version > 2)
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "image header version %" PRId32
					       " cannot be written (1 or 2)",
					       params->version);
	}
	if (!tdshm_top_image_bytes(params->width, params->height, params->format->bytes_per_pixel,
				   image_size))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "image size overflows");
	return TDSHM_OK;
}

tdshm_status tdshm_top_segment_size(const tdshm_top_params *params, size_t *out, tdshm_error *err)
{
	uint64_t image_size = 0;
	tdshm_status status = check_params(params, &image_size, err);
	if (status != TDSHM_OK)
		return status;
	uint64_t total = image_size + tdshm_top_header_size(params);
	if (total > SIZE_MAX || total > INT64_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a %" PRIu32 "x%" PRIu32 " %s segment is too large",
				       params->width, params->height, params->format->name);
	*out = (size_t)total;
	return TDSHM_OK;
}

/* Both header kinds begin with magic, version, width, height and aspect at
 * the same offsets (docs/protocol.md §3); aspect is width:height. */
_Static_assert((int)LEGACY_MAGIC_AT == (int)TOP_MAGIC_AT &&
		   (int)LEGACY_VERSION_AT == (int)TOP_VERSION_AT &&
		   (int)LEGACY_WIDTH_AT == (int)TOP_WIDTH_AT &&
		   (int)LEGACY_HEIGHT_AT == (int)TOP_HEIGHT_AT &&
		   (int)LEGACY_ASPECT_X_AT == (int)TOP_ASPECT_X_AT &&
		   (int)LEGACY_ASPECT_Y_AT == (int)TOP_ASPECT_Y_AT,
	       "the leading fields of both header kinds");

static void store_leading_fields(uint8_t *segment, uint32_t magic, int32_t version,
				 const tdshm_top_params *params)
{
	tdshm_store_u32le(segment, TOP_MAGIC_AT, magic);
	tdshm_store_i32le(segment, TOP_VERSION_AT, version);
	tdshm_store_i32le(segment, TOP_WIDTH_AT, (int32_t)params->width);
	tdshm_store_i32le(segment, TOP_HEIGHT_AT, (int32_t)params->height);
	tdshm_store_f32le(segment, TOP_ASPECT_X_AT, (float)params->width);
	tdshm_store_f32le(segment, TOP_ASPECT_Y_AT, (float)params->height);
}

tdshm_status tdshm_top_write_header(const tdshm_top_params *params, uint8_t *segment, size_t size,
				    tdshm_error *err)
{
	size_t total;
	tdshm_status status = tdshm_top_segment_size(params, &total, err);
	if (status != TDSHM_OK)
		return status;
	if (size < total)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "segment of %zu bytes is too small for a %" PRIu32
				       "x%" PRIu32 " %s image (%zu bytes with its header)",
				       size, params->width, params->height, params->format->name,
				       total);
	size_t header_size = tdshm_top_header_size(params);
	uint64_t image_size = (uint64_t)total - header_size;
	/* Padding and unknown fields are zero, never left-over bytes. */
	memset(segment, 0, header_size);

	if (params->kind == TDSHM_TOP_HEADER_LEGACY) {
		uint32_t data_format = 0, data_type = 0, internal_format = 0;
		(void)tdshm_top_legacy_triple(params->format, &data_format, &data_type,
					      &internal_format);
		store_leading_fields(segment, TDSHM_TOP_LEGACY_MAGIC, TDSHM_TOP_LEGACY_VERSION,
				     params);
		tdshm_store_u32le(segment, LEGACY_DATA_FORMAT_AT, data_format);
		tdshm_store_u32le(segment, LEGACY_DATA_TYPE_AT, data_type);
		tdshm_store_u32le(segment, LEGACY_INTERNAL_FORMAT_AT, internal_format);
		tdshm_store_i32le(segment, LEGACY_DATA_OFFSET_AT, TDSHM_TOP_LEGACY_SIZE);
		return TDSHM_OK;
	}

	int32_t version = params->version >= 2 ? 2 : 1;
	store_leading_fields(segment, TDSHM_TOP_MAGIC, version, params);
	tdshm_store_u32le(segment, TOP_FORMAT_AT, params->format->wire_value);
	tdshm_store_i64le(segment, TOP_DATA_SIZE_AT, (int64_t)image_size);
	tdshm_store_i32le(segment, TOP_DATA_OFFSET_AT, (int32_t)header_size);
	if (version >= 2) {
		tdshm_store_u32le(segment, TOP_GAMUT_AT, params->gamut);
		tdshm_store_u32le(segment, TOP_TRANSFER_AT, params->transfer);
	}
	return TDSHM_OK;
}
