/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test patterns (common/src/pattern.c): what the sender writes must check
 * out in every pixel format, and any damage a user would see must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tdshm/pattern.h"
#include "test_support.h"

static const tdshm_pattern_kind all_kinds[] = {TDSHM_PATTERN_BARS, TDSHM_PATTERN_RAMP,
					       TDSHM_PATTERN_COUNTER};
#define KIND_COUNT (sizeof(all_kinds) / sizeof(all_kinds[0]))

/* An odd size, so cells and bars are of unequal widths. */
#define W 37
#define H 23

static uint8_t *fill_new(tdshm_pattern_kind kind, uint32_t frame, const tdshm_pattern_image *im,
			 size_t *size)
{
	*size = tdshm_pattern_image_bytes(im);
	assert_true(*size > 0);
	uint8_t *buf = malloc(*size);
	assert_non_null(buf);
	tdshm_error err;
	tdshm_error_clear(&err);
	assert_int_equal(tdshm_pattern_fill(kind, frame, im, buf, *size, &err), TDSHM_OK);
	return buf;
}

static void test_pattern_names_round_trip(void **state)
{
	(void)state;
	for (size_t k = 0; k < KIND_COUNT; k++) {
		tdshm_pattern_kind back;
		assert_true(tdshm_pattern_by_name(tdshm_pattern_name(all_kinds[k]), &back));
		assert_int_equal(back, all_kinds[k]);
	}
	tdshm_pattern_kind unused;
	assert_false(tdshm_pattern_by_name("stripes", &unused));
	assert_false(tdshm_pattern_by_name(NULL, &unused));
}

static void test_pattern_fill_then_check_every_format(void **state)
{
	(void)state;
	assert_true(tdshm_pixel_format_count() >= 25);
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		for (size_t k = 0; k < KIND_COUNT; k++) {
			for (int bottom_up = 0; bottom_up < 2; bottom_up++) {
				tdshm_pattern_image im = {W, H, f, bottom_up != 0, 0};
				size_t size;
				uint8_t *buf = fill_new(all_kinds[k], 0xA5C31234u, &im, &size);
				tdshm_pattern_result r;
				tdshm_error err;
				tdshm_error_clear(&err);
				tdshm_status st = tdshm_pattern_check(all_kinds[k], &im, buf, size,
								      NULL, &r, &err);
				if (st != TDSHM_OK)
					fail_msg("%s %s bottom_up=%d: %s", f->name,
						 tdshm_pattern_name(all_kinds[k]), bottom_up,
						 err.message);
				assert_true(r.ok);
				assert_int_equal(r.bad_pixels, 0);
				if (all_kinds[k] == TDSHM_PATTERN_COUNTER) {
					assert_true(r.frame_number_valid);
					assert_int_equal(r.frame_number, 0xA5C31234u);
				}
				free(buf);
			}
		}
	}
}

/* The pixel's colour as the format shows it, through the format's own
 * converter: the checks below must see what a viewer would. */
static void pixel_at(const tdshm_pattern_image *im, const uint8_t *buf, uint32_t x, uint32_t y,
		     float rgba[4])
{
	uint32_t row = im->bottom_up ? im->height - 1 - y : y;
	tdshm_pixel_to_rgba_f32(im->format,
				buf + (size_t)row * im->width * im->format->bytes_per_pixel +
				    (size_t)x * im->format->bytes_per_pixel,
				rgba);
}

static void set_pixel(const tdshm_pattern_image *im, uint8_t *buf, uint32_t x, uint32_t y,
		      const float rgba[4])
{
	uint32_t row = im->bottom_up ? im->height - 1 - y : y;
	tdshm_pixel_from_rgba_f32(im->format, rgba,
				  buf + (size_t)row * im->width * im->format->bytes_per_pixel +
				      (size_t)x * im->format->bytes_per_pixel);
}

static void test_pattern_one_corrupted_pixel_is_found_every_format(void **state)
{
	(void)state;
	/* x=2 lies in the white bar and, for the counter, inside a cell: a
	 * black pixel there is a visible defect in every format. */
	const uint32_t x = 2, y = 12;
	static const float black_clear[4] = {0, 0, 0, 0};
	static const float white[4] = {1, 1, 1, 1};
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		for (size_t k = 0; k < KIND_COUNT; k++) {
			tdshm_pattern_kind kind = all_kinds[k];
			tdshm_pattern_image im = {W, H, f, true, 0};
			size_t size;
			uint8_t *buf = fill_new(kind, 77, &im, &size);
			float before[4], expected[4];
			pixel_at(&im, buf, x, y, before);
			tdshm_pattern_expected_rgba(kind, 77, x, y, W, H, f, expected);
			/* Flip the pixel to whichever extreme is far from it. */
			float signal = f->layout == TDSHM_LAYOUT_A ? expected[3] : expected[0];
			set_pixel(&im, buf, x, y, signal > 0.5f ? black_clear : white);
			tdshm_pattern_result r;
			tdshm_error err;
			tdshm_error_clear(&err);
			tdshm_status st = tdshm_pattern_check(kind, &im, buf, size, NULL, &r, &err);
			if (st != TDSHM_REFUSED)
				fail_msg("%s %s: a damaged pixel went unnoticed (status %d)",
					 f->name, tdshm_pattern_name(kind), st);
			assert_false(r.ok);
			assert_int_equal(r.bad_pixels, 1);
			assert_int_equal(r.first_bad_x, x);
			assert_int_equal(r.first_bad_y, y);
			assert_true(r.max_error >= 0.3f);
			assert_non_null(strstr(err.message, "x=2 y=12"));
			free(buf);
		}
	}
}

static void test_pattern_counter_decodes_many_frame_numbers(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("bgra8");
	assert_non_null(f);
	tdshm_pattern_image im = {64, 36, f, true, 0};
	static const uint32_t numbers[] = {
	    0, 1, 2, 59, 60, 255, 256, 65535, 1000000, 0x7fffffffu, 0xfffffffeu, 0xffffffffu};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		size_t size;
		uint8_t *buf = fill_new(TDSHM_PATTERN_COUNTER, numbers[i], &im, &size);
		tdshm_pattern_result r;
		assert_int_equal(
		    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &im, buf, size, NULL, &r, NULL),
		    TDSHM_OK);
		assert_int_equal(r.frame_number, numbers[i]);
		free(buf);
	}
}

/* A receiver reading rows in the wrong order, a mirrored picture or a blank
 * one must not pass for a frame of the counter. */
static void test_pattern_counter_refuses_flipped_mirrored_and_blank(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("rgba8");
	assert_non_null(f);
	for (uint32_t n = 0; n < 200; n += 7) {
		tdshm_pattern_image written = {64, 64, f, true, 0};
		size_t size;
		uint8_t *buf = fill_new(TDSHM_PATTERN_COUNTER, n * 12345u, &written, &size);
		tdshm_pattern_image flipped = written;
		flipped.bottom_up = false;
		tdshm_pattern_result r;
		assert_int_equal(
		    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &flipped, buf, size, NULL, &r, NULL),
		    TDSHM_REFUSED);
		assert_false(r.ok);
		/* Mirror left-right in place. */
		for (uint32_t y = 0; y < 64; y++) {
			uint32_t *row = (uint32_t *)(void *)(buf + (size_t)y * 64 * 4);
			for (uint32_t x = 0; x < 32; x++) {
				uint32_t t = row[x];
				row[x] = row[63 - x];
				row[63 - x] = t;
			}
		}
		assert_int_equal(
		    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &written, buf, size, NULL, &r, NULL),
		    TDSHM_REFUSED);
		memset(buf, 0, size);
		assert_int_equal(
		    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &written, buf, size, NULL, &r, NULL),
		    TDSHM_REFUSED);
		memset(buf, 0xff, size);
		assert_int_equal(
		    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &written, buf, size, NULL, &r, NULL),
		    TDSHM_REFUSED);
		free(buf);
	}
}

/* What OBS does to a picture: float to 8 bits, limited-range levels, noise,
 * chroma-subsampling blur at the edges. The counter must still read; the
 * check passes with a tolerance and an edge margin and fails without. */
static void test_pattern_counter_survives_quantisation_levels_and_blur(void **state)
{
	(void)state;
	const uint32_t w = 160, h = 90, n = 123456789u;
	const tdshm_pixel_format *f32 = tdshm_pixel_format_by_name("rgba32f");
	const tdshm_pixel_format *bgra = tdshm_pixel_format_by_name("bgra8");
	assert_non_null(f32);
	assert_non_null(bgra);
	tdshm_pattern_image src_im = {w, h, f32, false, 0};
	size_t src_size;
	uint8_t *src = fill_new(TDSHM_PATTERN_COUNTER, n, &src_im, &src_size);

	/* 8-bit BGRA, limited range (16..235), +-12 of noise, and a 3-tap
	 * horizontal blur standing in for subsampled chroma. */
	uint8_t *out = malloc((size_t)w * h * 4);
	uint8_t *luma = malloc((size_t)w * h);
	assert_non_null(out);
	assert_non_null(luma);
	srand(7);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			float sum = 0;
			for (int d = -1; d <= 1; d++) {
				int xx = (int)x + d < 0         ? 0
					 : (int)x + d >= (int)w ? (int)w - 1
								: (int)x + d;
				float c[4];
				pixel_at(&src_im, src, (uint32_t)xx, y, c);
				sum += c[0];
			}
			float v = sum / 3.0f;
			int level = (int)(16 + v * 219 + (rand() % 25) - 12);
			level = level < 0 ? 0 : level > 255 ? 255 : level;
			uint8_t *p = out + ((size_t)y * w + x) * 4;
			p[0] = p[1] = p[2] = (uint8_t)level;
			p[3] = 255;
			luma[(size_t)y * w + x] = (uint8_t)level;
		}
	}
	tdshm_pattern_image obs_im = {w, h, bgra, false, 0};
	tdshm_pattern_result r;
	tdshm_pattern_check_options loose = {0.15f, 2};
	assert_int_equal(tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &obs_im, out, (size_t)w * h * 4,
					     &loose, &r, NULL),
			 TDSHM_OK);
	assert_int_equal(r.frame_number, n);
	/* Without the margin the blurred cell edges are reported. */
	tdshm_pattern_check_options no_margin = {0.15f, 0};
	assert_int_equal(tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &obs_im, out, (size_t)w * h * 4,
					     &no_margin, &r, NULL),
			 TDSHM_REFUSED);
	assert_true(r.frame_number_valid);
	assert_true(r.bad_pixels > 0);

	uint32_t decoded = 0;
	assert_true(tdshm_pattern_counter_decode_luma(luma, w, w, h, false, &decoded));
	assert_int_equal(decoded, n);
	/* Read upside down, the luma plane is refused, not misread. */
	assert_false(tdshm_pattern_counter_decode_luma(luma, w, w, h, true, &decoded));
	free(src);
	free(out);
	free(luma);
}

static void test_pattern_stride_leaves_padding_alone(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("rgba16f");
	assert_non_null(f);
	const size_t row = (size_t)W * f->bytes_per_pixel, stride = row + 24;
	tdshm_pattern_image im = {W, H, f, true, stride};
	size_t size = tdshm_pattern_image_bytes(&im);
	assert_int_equal(size, stride * (H - 1) + row);
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	memset(buf, 0xEE, size);
	assert_int_equal(tdshm_pattern_fill(TDSHM_PATTERN_RAMP, 0, &im, buf, size, NULL), TDSHM_OK);
	for (uint32_t y = 0; y + 1 < H; y++)
		for (size_t i = row; i < stride; i++)
			assert_int_equal(buf[(size_t)y * stride + i], 0xEE);
	tdshm_pattern_result r;
	assert_int_equal(tdshm_pattern_check(TDSHM_PATTERN_RAMP, &im, buf, size, NULL, &r, NULL),
			 TDSHM_OK);
	free(buf);
}

static void test_pattern_refuses_unusable_arguments(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("bgra8");
	uint8_t buf[16 * 16 * 4];
	tdshm_error err;
	tdshm_pattern_image tiny = {7, 16, f, true, 0};
	tdshm_error_clear(&err);
	assert_int_equal(
	    tdshm_pattern_fill(TDSHM_PATTERN_COUNTER, 1, &tiny, buf, sizeof(buf), &err),
	    TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "at least 8x8"));
	tdshm_pattern_image ok = {16, 16, f, true, 0};
	tdshm_error_clear(&err);
	assert_int_equal(tdshm_pattern_fill(TDSHM_PATTERN_BARS, 1, &ok, buf, sizeof(buf) - 1, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "needs 1024 bytes"));
	tdshm_pattern_image none = {16, 16, NULL, true, 0};
	assert_int_equal(tdshm_pattern_fill(TDSHM_PATTERN_BARS, 1, &none, buf, sizeof(buf), NULL),
			 TDSHM_INVALID_ARGUMENT);
	tdshm_pattern_image short_stride = {16, 16, f, true, 8};
	tdshm_pattern_result r;
	assert_int_equal(tdshm_pattern_check(TDSHM_PATTERN_BARS, &short_stride, buf, sizeof(buf),
					     NULL, &r, NULL),
			 TDSHM_INVALID_ARGUMENT);
	assert_false(r.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pattern_names_round_trip),
	    cmocka_unit_test(test_pattern_fill_then_check_every_format),
	    cmocka_unit_test(test_pattern_one_corrupted_pixel_is_found_every_format),
	    cmocka_unit_test(test_pattern_counter_decodes_many_frame_numbers),
	    cmocka_unit_test(test_pattern_counter_refuses_flipped_mirrored_and_blank),
	    cmocka_unit_test(test_pattern_counter_survives_quantisation_levels_and_blur),
	    cmocka_unit_test(test_pattern_stride_leaves_padding_alone),
	    cmocka_unit_test(test_pattern_refuses_unusable_arguments),
	};
	return cmocka_run_group_tests_name("pattern", tests, NULL, NULL);
}
