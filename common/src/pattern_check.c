/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checking a received picture against the test pattern it should show (see
 * pattern.h): row by row, each distinct row's expected colours worked out
 * once, with a tolerance per format and the counter decoded from the cells'
 * signal. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pattern.h"
#include "pattern_internal.h"

/* Per-channel tolerance matching what each format can hold. sRGB formats get
 * room for a converter that linearises. */
static void pattern_tolerance(const tdshm_pixel_format *format, float tolerance, float out[4])
{
	if (tolerance > 0) {
		out[0] = out[1] = out[2] = out[3] = tolerance;
		return;
	}
	float t = 1e-5f;
	switch (format->type) {
	case TDSHM_COMPONENT_UNORM:
		t = 0.51f / (float)((1u << format->bits) - 1u);
		if (format->srgb)
			t = 4.0f / 255.0f;
		break;
	case TDSHM_COMPONENT_FLOAT:
		t = format->bits == 16 ? 1.0f / 1024.0f : 1e-5f;
		break;
	case TDSHM_COMPONENT_PACKED:
		t = format->layout == TDSHM_LAYOUT_B10G11R11 ? 1.0f / 32.0f : 0.51f / 1023.0f;
		break;
	}
	out[0] = out[1] = out[2] = out[3] = t;
	if (format->layout == TDSHM_LAYOUT_A2B10G10R10)
		out[3] = 0.34f; /* two bits of alpha */
}

/* Whether (x, y) lies within margin pixels of a boundary of the pattern. */
static bool pattern_near_edge(tdshm_pattern_kind kind, uint32_t x, uint32_t y, uint32_t width,
			      uint32_t height, uint32_t margin)
{
	if (margin == 0 || kind == TDSHM_PATTERN_RAMP)
		return false;
	uint32_t parts = kind == TDSHM_PATTERN_BARS ? BAR_COUNT : GRID;
	uint32_t lo = x > margin ? x - margin : 0;
	uint32_t hi = x + margin < width ? x + margin : width - 1;
	if (pattern_part(lo, width, parts) != pattern_part(hi, width, parts))
		return true;
	if (kind == TDSHM_PATTERN_BARS)
		return false;
	lo = y > margin ? y - margin : 0;
	hi = y + margin < height ? y + margin : height - 1;
	return pattern_part(lo, height, GRID) != pattern_part(hi, height, GRID);
}

/* The counter decoder samples a signal (0 black .. 1 white) at image
 * coordinates through one of these. */
typedef float (*pattern_signal_fn)(const void *ctx, uint32_t x, uint32_t y);

typedef struct pattern_pixel_ctx {
	const tdshm_pattern_image *image;
	const uint8_t *base;
} pattern_pixel_ctx;

static float pattern_pixel_signal(const void *opaque, uint32_t x, uint32_t y)
{
	const pattern_pixel_ctx *ctx = opaque;
	const tdshm_pixel_format *format = ctx->image->format;
	float rgba[4];
	tdshm_pixel_to_rgba_f32(
	    format, pattern_row_at(ctx->image, ctx->base, y) + (size_t)x * format->bytes_per_pixel,
	    rgba);
	return format->layout == TDSHM_LAYOUT_A ? rgba[3] : rgba[0];
}

typedef struct pattern_luma_ctx {
	const uint8_t *luma;
	size_t stride;
	uint32_t height;
	bool bottom_up;
} pattern_luma_ctx;

static float pattern_luma_signal(const void *opaque, uint32_t x, uint32_t y)
{
	const pattern_luma_ctx *ctx = opaque;
	uint32_t row = ctx->bottom_up ? ctx->height - 1 - y : y;
	return (float)ctx->luma[(size_t)row * ctx->stride + x] / 255.0f;
}

/* Averages a few samples from the middle half of each cell (away from edges
 * blurred by scaling or subsampling); a cell must be clearly dark or clearly
 * light, and the last 32 cells must hold the check word of the first 32. */
static bool pattern_counter_decode(pattern_signal_fn signal, const void *ctx, uint32_t width,
				   uint32_t height, uint32_t *frame_number)
{
	enum { SAMPLES = 4 };
	bool bits[GRID * GRID];
	for (uint32_t cy = 0; cy < GRID; cy++) {
		uint32_t y0 = pattern_part_start(cy, height, GRID);
		uint32_t y1 = pattern_part_start(cy + 1, height, GRID); /* exclusive */
		uint32_t yq = (y1 - y0) / 4;
		for (uint32_t cx = 0; cx < GRID; cx++) {
			uint32_t x0 = pattern_part_start(cx, width, GRID);
			uint32_t x1 = pattern_part_start(cx + 1, width, GRID);
			uint32_t xq = (x1 - x0) / 4;
			uint32_t sx0 = x0 + xq, sx_span = (x1 - xq) - sx0;
			uint32_t sy0 = y0 + yq, sy_span = (y1 - yq) - sy0;
			float sum = 0;
			for (uint32_t j = 0; j < SAMPLES; j++)
				for (uint32_t i = 0; i < SAMPLES; i++)
					sum += signal(
					    ctx, sx0 + (sx_span * (2 * i + 1)) / (2 * SAMPLES),
					    sy0 + (sy_span * (2 * j + 1)) / (2 * SAMPLES));
			float mean = sum / (SAMPLES * SAMPLES);
			if (!(mean < 0.3f || mean > 0.7f)) /* also rejects NaN */
				return false;
			bits[cy * GRID + cx] = mean > 0.7f;
		}
	}
	uint32_t value = 0, check = 0;
	for (uint32_t i = 0; i < 32; i++) {
		value = (value << 1) | (bits[i] ? 1u : 0u);
		check = (check << 1) | (bits[32 + i] ? 1u : 0u);
	}
	if (check != tdshm_pattern_check_word(value))
		return false;
	*frame_number = value;
	return true;
}

bool tdshm_pattern_counter_decode_luma(const uint8_t *luma, size_t stride, uint32_t width,
				       uint32_t height, bool bottom_up, uint32_t *frame_number)
{
	if (!luma || width < TDSHM_PATTERN_COUNTER_MIN_SIZE ||
	    height < TDSHM_PATTERN_COUNTER_MIN_SIZE || stride < width)
		return false;
	pattern_luma_ctx ctx = {luma, stride, height, bottom_up};
	return pattern_counter_decode(pattern_luma_signal, &ctx, width, height, frame_number);
}

/* Compares one row pixel by pixel against the expected colours. */
static void pattern_check_row(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t y,
			      const tdshm_pattern_image *image, const uint8_t *row,
			      const float tolerance[4], uint32_t margin,
			      tdshm_pattern_result *result)
{
	const tdshm_pixel_format *format = image->format;
	for (uint32_t x = 0; x < image->width; x++) {
		if (pattern_near_edge(kind, x, y, image->width, image->height, margin))
			continue;
		float got[4], want[4];
		tdshm_pixel_to_rgba_f32(format, row + (size_t)x * format->bytes_per_pixel, got);
		tdshm_pattern_expected_rgba(kind, frame_number, x, y, image->width, image->height,
					    format, want);
		bool bad = false;
		for (int c = 0; c < 4; c++) {
			float diff = fabsf(got[c] - want[c]);
			if (!(diff <= tolerance[c])) /* NaN counts as bad */
				bad = true;
			if (diff > result->max_error || diff != diff)
				result->max_error = diff != diff ? INFINITY : diff;
		}
		if (bad) {
			if (result->bad_pixels == 0) {
				result->first_bad_x = x;
				result->first_bad_y = y;
			}
			result->bad_pixels++;
		}
	}
}

tdshm_status tdshm_pattern_check(tdshm_pattern_kind kind, const tdshm_pattern_image *image,
				 const uint8_t *src, size_t src_size,
				 const tdshm_pattern_check_options *options,
				 tdshm_pattern_result *result, tdshm_error *err)
{
	memset(result, 0, sizeof(*result));
	tdshm_status status = tdshm_pattern_check_args(kind, image, src_size, err);
	if (status != TDSHM_OK)
		return status;
	tdshm_pattern_check_options defaults = {0};
	if (!options)
		options = &defaults;

	uint32_t frame_number = 0;
	if (kind == TDSHM_PATTERN_COUNTER) {
		pattern_pixel_ctx ctx = {image, src};
		if (!pattern_counter_decode(pattern_pixel_signal, &ctx, image->width, image->height,
					    &frame_number))
			return tdshm_error_set(err, TDSHM_REFUSED,
					       "the counter cells do not decode to a frame number "
					       "(cells not clearly black/white, or the check bits "
					       "do not match): the picture is corrupted");
		result->frame_number_valid = true;
		result->frame_number = frame_number;
	}

	float tolerance[4];
	pattern_tolerance(image->format, options->tolerance, tolerance);
	size_t row_bytes = (size_t)image->width * image->format->bytes_per_pixel;
	uint8_t *expected_row = malloc(row_bytes);
	if (!expected_row)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory checking a %ux%u test pattern", image->width,
				       image->height);
	bool have_expected = false;
	uint32_t expected_key = 0;
	for (uint32_t y = 0; y < image->height; y++) {
		const uint8_t *row = pattern_row_at(image, src, y);
		uint32_t key = tdshm_pattern_row_key(kind, y, image->height);
		if (!have_expected || key != expected_key) {
			tdshm_pattern_encode_row(kind, frame_number, y, image, expected_row);
			have_expected = true;
			expected_key = key;
		}
		/* Fast path: the exact bytes this library writes. Anything else
		 * (another encoder, a conversion) is compared with tolerance. */
		if (memcmp(row, expected_row, row_bytes) == 0)
			continue;
		pattern_check_row(kind, frame_number, y, image, row, tolerance,
				  options->edge_margin, result);
	}
	free(expected_row);

	if (result->bad_pixels > 0)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "%llu pixel(s) of the %s pattern are wrong (first at x=%u "
				       "y=%u from the top, off by up to %.4f)",
				       (unsigned long long)result->bad_pixels,
				       tdshm_pattern_name(kind), result->first_bad_x,
				       result->first_bad_y, (double)result->max_error);
	result->ok = true;
	return TDSHM_OK;
}
