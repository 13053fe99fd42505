/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "tdshm/top_writer.h"

bool tdshm_top_frame_format_supported(const tdshm_pixel_format *format)
{
	if (!format || format->channels != 4)
		return false;
	if (format->layout != TDSHM_LAYOUT_RGBA && format->layout != TDSHM_LAYOUT_BGRA)
		return false;
	if (format->type == TDSHM_COMPONENT_UNORM)
		return format->bits == 8;
	if (format->type == TDSHM_COMPONENT_FLOAT)
		return format->bits == 16 || format->bits == 32;
	return false;
}

static tdshm_status tdshm_top_frame_check(const tdshm_top_frame *frame, tdshm_error *err)
{
	const tdshm_pixel_format *format = frame->header.format;
	if (!tdshm_top_frame_format_supported(format))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "pixel format %s cannot be sent: choose bgra8, rgba8, "
				       "rgba16f or rgba32f",
				       format ? format->name : "(none)");
	if (frame->header.width == 0 || frame->header.height == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the image to send is %ux%u: nothing to send until the "
				       "source has a size",
				       frame->header.width, frame->header.height);
	return TDSHM_OK;
}

tdshm_status tdshm_top_frame_segment_size(const tdshm_top_frame *frame, size_t *out,
					  tdshm_error *err)
{
	tdshm_status status = tdshm_top_frame_check(frame, err);
	if (status != TDSHM_OK)
		return status;
	return tdshm_top_segment_size(&frame->header, out, err);
}

static void tdshm_straighten_row_f16(uint8_t *row, size_t count)
{
	for (size_t i = 0; i < count; i++, row += 8) {
		uint16_t h[4];
		memcpy(h, row, sizeof(h));
		float a = tdshm_half_to_float(h[3]);
		if (a == 1.0f)
			continue;
		for (int c = 0; c < 3; c++)
			h[c] = tdshm_float_to_half(
			    tdshm_unpremultiply_f32(tdshm_half_to_float(h[c]), a));
		memcpy(row, h, sizeof(h));
	}
}

static void tdshm_straighten_row_f32(uint8_t *row, size_t count)
{
	for (size_t i = 0; i < count; i++, row += 16) {
		float v[4];
		memcpy(v, row, sizeof(v));
		if (v[3] == 1.0f)
			continue;
		for (int c = 0; c < 3; c++)
			v[c] = tdshm_unpremultiply_f32(v[c], v[3]);
		memcpy(row, v, sizeof(v));
	}
}

/* Straightens count premultiplied pixels of format in place. */
static void top_straighten_row(const tdshm_pixel_format *format, uint8_t *row, size_t count)
{
	if (format->type == TDSHM_COMPONENT_UNORM)
		tdshm_unpremultiply_row_rgba8(row, count);
	else if (format->bits == 16)
		tdshm_straighten_row_f16(row, count);
	else
		tdshm_straighten_row_f32(row, count);
}

/* Header first, then checks that the image fits: returns the image start. */
static tdshm_status tdshm_top_frame_begin(const tdshm_top_frame *frame, uint8_t *segment,
					  size_t size, uint8_t **image, size_t *row_bytes,
					  tdshm_error *err)
{
	size_t needed = 0;
	tdshm_status status = tdshm_top_frame_segment_size(frame, &needed, err);
	if (status != TDSHM_OK)
		return status;
	if (needed > size)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the segment holds %zu bytes but a %ux%u %s image needs %zu",
				       size, frame->header.width, frame->header.height,
				       frame->header.format->name, needed);
	status = tdshm_top_write_header(&frame->header, segment, size, err);
	if (status != TDSHM_OK)
		return status;
	*image = segment + tdshm_top_header_size(&frame->header);
	*row_bytes = (size_t)frame->header.width * frame->header.format->bytes_per_pixel;
	return TDSHM_OK;
}

tdshm_status tdshm_top_frame_write(const tdshm_top_frame *frame, const uint8_t *src,
				   size_t src_stride, uint8_t *segment, size_t size,
				   tdshm_error *err)
{
	uint8_t *image = NULL;
	size_t row_bytes = 0;
	tdshm_status status = tdshm_top_frame_begin(frame, segment, size, &image, &row_bytes, err);
	if (status != TDSHM_OK)
		return status;
	if (src_stride < row_bytes)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the read-back rows are %zu bytes apart but a row needs %zu",
				       src_stride, row_bytes);
	uint32_t height = frame->header.height;
	bool straighten = frame->alpha == TDSHM_ALPHA_STRAIGHT;
	for (uint32_t y = 0; y < height; y++) {
		uint32_t src_row = frame->bottom_up ? height - 1 - y : y;
		uint8_t *dst = image + (size_t)y * row_bytes;
		memcpy(dst, src + (size_t)src_row * src_stride, row_bytes);
		if (straighten)
			top_straighten_row(frame->header.format, dst, frame->header.width);
	}
	return TDSHM_OK;
}

tdshm_status tdshm_top_frame_write_blank(const tdshm_top_frame *frame, uint8_t *segment,
					 size_t size, tdshm_error *err)
{
	uint8_t *image = NULL;
	size_t row_bytes = 0;
	tdshm_status status = tdshm_top_frame_begin(frame, segment, size, &image, &row_bytes, err);
	if (status != TDSHM_OK)
		return status;
	memset(image, 0, row_bytes * frame->header.height);
	return TDSHM_OK;
}
