/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test patterns (see pattern.h). Filling and checking work row by row: a
 * row is encoded once through the pixel-format converters and copied to
 * every row that shares it, so a 1080p frame costs a few rows of conversions,
 * not two million, and the sender can keep up at 60 fps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pattern.h"

#define GRID TDSHM_PATTERN_COUNTER_GRID
#define BAR_COUNT 8

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

static size_t pattern_stride(const tdshm_pattern_image *image)
{
	return image->stride ? image->stride
			     : (size_t)image->width * image->format->bytes_per_pixel;
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

/* Which of n equal parts of length total the coordinate falls in. */
static uint32_t pattern_part(uint32_t coord, uint32_t total, uint32_t n)
{
	return (uint32_t)(((uint64_t)coord * n) / total);
}

static uint32_t pattern_part_start(uint32_t part, uint32_t total, uint32_t n)
{
	/* Smallest coord with pattern_part(coord) == part. */
	return (uint32_t)(((uint64_t)part * total + n - 1) / n);
}

/* The check word stored in cells 32..63: a mix of the frame number (the
 * murmur3 finaliser), so that a flipped or mirrored counter, an all-black or
 * an all-white picture almost never passes for a valid one. */
static uint32_t pattern_counter_check_word(uint32_t frame_number)
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
	uint32_t word = cell < 32 ? frame_number : pattern_counter_check_word(frame_number);
	return (word >> (31 - cell % 32)) & 1u;
}

void tdshm_pattern_ideal_rgba(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t x,
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
	tdshm_pattern_ideal_rgba(kind, frame_number, x, y, width, height, ideal);
	pattern_encode_rgba(format, ideal, encoded);
	pattern_visible_rgba(format, encoded, rgba);
}

/* Rows with the same key are identical, so only the first is encoded. */
static uint32_t pattern_row_key(tdshm_pattern_kind kind, uint32_t y, uint32_t height)
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

static void pattern_encode_row(tdshm_pattern_kind kind, uint32_t frame_number, uint32_t y,
			       const tdshm_pattern_image *image, uint8_t *row)
{
	const tdshm_pixel_format *format = image->format;
	for (uint32_t x = 0; x < image->width; x++) {
		float ideal[4], encoded[4];
		tdshm_pattern_ideal_rgba(kind, frame_number, x, y, image->width, image->height,
					 ideal);
		pattern_encode_rgba(format, ideal, encoded);
		tdshm_pixel_from_rgba_f32(format, encoded,
					  row + (size_t)x * format->bytes_per_pixel);
	}
}

static const uint8_t *pattern_row_at(const tdshm_pattern_image *image, const uint8_t *base,
				     uint32_t y)
{
	uint32_t memory_row = image->bottom_up ? image->height - 1 - y : y;
	return base + (size_t)memory_row * pattern_stride(image);
}

static tdshm_status pattern_check_args(tdshm_pattern_kind kind, const tdshm_pattern_image *image,
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
	tdshm_status status = pattern_check_args(kind, image, dst_size, err);
	if (status != TDSHM_OK)
		return status;
	size_t row_bytes = (size_t)image->width * image->format->bytes_per_pixel;
	const uint8_t *previous = NULL;
	uint32_t previous_key = 0;
	for (uint32_t y = 0; y < image->height; y++) {
		uint8_t *row = (uint8_t *)pattern_row_at(image, dst, y);
		uint32_t key = pattern_row_key(kind, y, image->height);
		if (previous && key == previous_key)
			memcpy(row, previous, row_bytes);
		else
			pattern_encode_row(kind, frame_number, y, image, row);
		previous = row;
		previous_key = key;
	}
	return TDSHM_OK;
}

/* ---- checking ------------------------------------------------------------ */

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
	if (check != pattern_counter_check_word(value))
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
	tdshm_status status = pattern_check_args(kind, image, src_size, err);
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
		uint32_t key = pattern_row_key(kind, y, image->height);
		if (!have_expected || key != expected_key) {
			pattern_encode_row(kind, frame_number, y, image, expected_row);
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
