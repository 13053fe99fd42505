/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test patterns (see pattern.h). Filling and checking work row by row: a
 * row is encoded once through the pixel-format converters and copied to
 * every row that shares it, so a 1080p frame costs a few rows of conversions,
 * not two million, and the sender can keep up at 60 fps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pattern.h"
#include "pattern_internal.h"

/* white, yellow, cyan, green, magenta, red, blue, black */
static const float bar_colors[BAR_COUNT][3] = {
    {1, 1, 1}, {1, 1, 0}, {0, 1, 1}, {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {0, 0, 1}, {0, 0, 0},
};

const char *tdshm_pattern_name(tdshm_pattern_kind kind)
{
	switch (kind) {
	case TDSHM_PATTERN_BARS:
		return "bars";
	case TDSHM_PATTERN_RAMP:
		return "ramp";
	case TDSHM_PATTERN_COUNTER:
		return "counter";
	}
	return "unknown";
}

bool tdshm_pattern_by_name(const char *name, tdshm_pattern_kind *out)
{
	static const tdshm_pattern_kind kinds[] = {TDSHM_PATTERN_BARS, TDSHM_PATTERN_RAMP,
						   TDSHM_PATTERN_COUNTER};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (name && strcmp(name, tdshm_pattern_name(kinds[i])) == 0) {
			*out = kinds[i];
			return true;
		}
	}
	return false;
}

size_t tdshm_pattern_image_bytes(const tdshm_pattern_image *image)
{
	if (!image || !image->format || image->width == 0 || image->height == 0)
		return 0;
	size_t row = (size_t)image->width * image->format->bytes_per_pixel;
	size_t stride = pattern_stride(image);
	if (stride < row || (image->height - 1) > (SIZE_MAX - row) / stride)
		return 0;
	return stride * (image->height - 1) + row;
}

/* The check word stored in cells 32..63: a mix of the frame number (the
 * murmur3 finaliser), so that a flipped or mirrored counter, an all-black or
 * an all-white picture almost never passes for a valid one. */
uint32_t tdshm_pattern_check_word(uint32_t frame_number)
{
	uint32_t h = frame_number ^ 0x9e3779b9u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Cell i of the 64: the frame number's 32 bits, most significant first,
 * then the 32 bits of its check word. */
static bool pattern_counter_bit(uint32_t frame_number, uint32_t cell)
{
	uint32_t word = cell < 32 ? frame_number : tdshm_pattern_check_word(frame_number);
	return (word >> (31 - cell % 32)) & 1u;
}

/* The ideal colour of pixel (x, y) (y = 0 is the top row), straight alpha. */
static void pattern_ideal_rgba(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t x,
			       uint32_t y, uint32_t width, uint32_t height, float rgba[4])
{
	rgba[3] = 1.0f;
	switch (kind) {
	case TDSHM_PATTERN_BARS: {
		const float *c = bar_colors[pattern_part(x, width, BAR_COUNT)];
		rgba[0] = c[0];
		rgba[1] = c[1];
		rgba[2] = c[2];
		return;
	}
	case TDSHM_PATTERN_RAMP:
		rgba[0] = width > 1 ? (float)x / (float)(width - 1) : 0.0f;
		rgba[1] = height > 1 ? (float)y / (float)(height - 1) : 0.0f;
		rgba[2] = 1.0f - rgba[0];
		return;
	case TDSHM_PATTERN_COUNTER: {
		uint32_t cell = pattern_part(y, height, GRID) * GRID + pattern_part(x, width, GRID);
		float v = pattern_counter_bit(frame_number, cell) ? 1.0f : 0.0f;
		rgba[0] = rgba[1] = rgba[2] = v;
		return;
	}
	}
	rgba[0] = rgba[1] = rgba[2] = 0.0f;
}

/* The colour handed to the format's encoder: formats without colour carry
 * the pattern's red signal in alpha, mono+alpha formats get grey. */
static void pattern_encode_rgba(const tdshm_pixel_format *format, const float ideal[4],
				float out[4])
{
	memcpy(out, ideal, sizeof(float) * 4);
	if (format->layout == TDSHM_LAYOUT_A) {
		out[0] = out[1] = out[2] = 0.0f;
		out[3] = ideal[0];
	} else if (format->layout == TDSHM_LAYOUT_RA) {
		out[1] = out[2] = ideal[0];
	}
}

/* What a reader shows for an encoded colour: the layout rules of
 * pixel_format.h, restated here so the check does not trust the converter it
 * is testing. */
static void pattern_visible_rgba(const tdshm_pixel_format *format, const float e[4], float out[4])
{
	switch (format->layout) {
	case TDSHM_LAYOUT_R:
		out[0] = e[0], out[1] = 0, out[2] = 0, out[3] = 1;
		return;
	case TDSHM_LAYOUT_RG:
		out[0] = e[0], out[1] = e[1], out[2] = 0, out[3] = 1;
		return;
	case TDSHM_LAYOUT_RGB:
	case TDSHM_LAYOUT_BGR:
	case TDSHM_LAYOUT_B10G11R11:
		out[0] = e[0], out[1] = e[1], out[2] = e[2], out[3] = 1;
		return;
	case TDSHM_LAYOUT_A:
		out[0] = 0, out[1] = 0, out[2] = 0, out[3] = e[3];
		return;
	case TDSHM_LAYOUT_RA:
		out[0] = e[0], out[1] = e[0], out[2] = e[0], out[3] = e[3];
		return;
	case TDSHM_LAYOUT_RGBA:
	case TDSHM_LAYOUT_BGRA:
	case TDSHM_LAYOUT_ABGR:
	case TDSHM_LAYOUT_A2B10G10R10:
		break;
	}
	memcpy(out, e, sizeof(float) * 4);
}

void tdshm_pattern_expected_rgba(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t x,
				 uint32_t y, uint32_t width, uint32_t height,
				 const tdshm_pixel_format *format, float rgba[4])
{
	float ideal[4], encoded[4];
	pattern_ideal_rgba(kind, frame_number, x, y, width, height, ideal);
	pattern_encode_rgba(format, ideal, encoded);
	pattern_visible_rgba(format, encoded, rgba);
}

/* Rows with the same key are identical, so only the first is encoded. */
uint32_t tdshm_pattern_row_key(tdshm_pattern_kind kind, uint32_t y, uint32_t height)
{
	switch (kind) {
	case TDSHM_PATTERN_BARS:
		return 0;
	case TDSHM_PATTERN_COUNTER:
		return pattern_part(y, height, GRID);
	case TDSHM_PATTERN_RAMP:
		break;
	}
	return y;
}

void tdshm_pattern_encode_row(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t y,
			      const tdshm_pattern_image *image, uint8_t *row)
{
	const tdshm_pixel_format *format = image->format;
	for (uint32_t x = 0; x < image->width; x++) {
		float ideal[4], encoded[4];
		pattern_ideal_rgba(kind, frame_number, x, y, image->width, image->height, ideal);
		pattern_encode_rgba(format, ideal, encoded);
		tdshm_pixel_from_rgba_f32(format, encoded,
					  row + (size_t)x * format->bytes_per_pixel);
	}
}

tdshm_status tdshm_pattern_check_args(tdshm_pattern_kind kind, const tdshm_pattern_image *image,
				      size_t buffer_size, tdshm_error *err)
{
	if (!image || !image->format)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "test pattern: no pixel format given");
	if (kind != TDSHM_PATTERN_BARS && kind != TDSHM_PATTERN_RAMP &&
	    kind != TDSHM_PATTERN_COUNTER)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "test pattern: unknown pattern %d", (int)kind);
	size_t needed = tdshm_pattern_image_bytes(image);
	if (needed == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "test pattern: a %ux%u image with a %zu-byte stride is not "
				       "a usable size",
				       image->width, image->height, image->stride);
	if (kind == TDSHM_PATTERN_COUNTER && (image->width < TDSHM_PATTERN_COUNTER_MIN_SIZE ||
					      image->height < TDSHM_PATTERN_COUNTER_MIN_SIZE))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the counter pattern needs at least %dx%d pixels, the image "
				       "is %ux%u",
				       TDSHM_PATTERN_COUNTER_MIN_SIZE,
				       TDSHM_PATTERN_COUNTER_MIN_SIZE, image->width, image->height);
	if (buffer_size < needed)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "test pattern: %ux%u %s needs %zu bytes, the buffer has %zu",
				       image->width, image->height, image->format->name, needed,
				       buffer_size);
	return TDSHM_OK;
}

tdshm_status tdshm_pattern_fill(tdshm_pattern_kind kind, uint32_t frame_number,
				const tdshm_pattern_image *image, uint8_t *dst, size_t dst_size,
				tdshm_error *err)
{
	tdshm_status status = tdshm_pattern_check_args(kind, image, dst_size, err);
	if (status != TDSHM_OK)
		return status;
	size_t row_bytes = (size_t)image->width * image->format->bytes_per_pixel;
	const uint8_t *previous = NULL;
	uint32_t previous_key = 0;
	for (uint32_t y = 0; y < image->height; y++) {
		uint8_t *row = (uint8_t *)pattern_row_at(image, dst, y);
		uint32_t key = tdshm_pattern_row_key(kind, y, image->height);
		if (previous && key == previous_key)
			memcpy(row, previous, row_bytes);
		else
			tdshm_pattern_encode_row(kind, frame_number, y, image, row);
		previous = row;
		previous_key = key;
	}
	return TDSHM_OK;
}
