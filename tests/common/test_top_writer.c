/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm_top_frame_* (common/src/top_writer.c) and the in-process name claims
 * (common/src/name_claim.c): what the OBS filter puts in the segment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdshm/name_claim.h"
#include "tdshm/names.h"
#include "tdshm/pixel_format.h"
#include "tdshm/top.h"
#include "tdshm/top_writer.h"
#include "test_support.h"

static tdshm_top_frame frame_for(const char *format_name, uint32_t w, uint32_t h)
{
	tdshm_top_frame frame;
	memset(&frame, 0, sizeof(frame));
	frame.header.kind = TDSHM_TOP_HEADER_CURRENT;
	frame.header.version = 1;
	frame.header.width = w;
	frame.header.height = h;
	frame.header.format = tdshm_pixel_format_by_name(format_name);
	assert_non_null(frame.header.format);
	frame.bottom_up = true;
	frame.alpha = TDSHM_ALPHA_PREMULTIPLIED;
	return frame;
}

/* A segment with guard bytes after it, to prove nothing is written past size. */
static uint8_t *segment_alloc(size_t size)
{
	uint8_t *seg = malloc(size + 64);
	assert_non_null(seg);
	memset(seg, 0xAB, size + 64);
	return seg;
}

/* A segment of the frame's size (into *size) with src written into it. */
static uint8_t *segment_written(const tdshm_top_frame *frame, const void *src, size_t linesize,
				size_t *size)
{
	assert_int_equal(tdshm_top_frame_segment_size(frame, size, NULL), TDSHM_OK);
	uint8_t *seg = segment_alloc(*size);
	assert_int_equal(tdshm_top_frame_write(frame, src, linesize, seg, *size, NULL), TDSHM_OK);
	return seg;
}

static void assert_guard_intact(const uint8_t *seg, size_t size)
{
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(seg[size + i], 0xAB);
}

static void test_bgra8_rows_are_written_bottom_up_with_a_parsable_header(void **state)
{
	(void)state;
	/* 3 rows of 2 pixels, each row a distinct colour, stride padded to 12. */
	uint8_t src[3 * 12];
	memset(src, 0xEE, sizeof(src));
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 2; x++) {
			uint8_t *p = src + y * 12 + x * 4;
			p[0] = (uint8_t)(10 * y + x);
			p[1] = (uint8_t)(100 + y);
			p[2] = (uint8_t)(200 + x);
			p[3] = 255;
		}
	tdshm_top_frame frame = frame_for("bgra8", 2, 3);
	size_t size = 0;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	assert_int_equal(size, TDSHM_TOP_V1_SIZE + 2 * 3 * 4);
	uint8_t *seg = segment_alloc(size);
	tdshm_error err;
	assert_int_equal(tdshm_top_frame_write(&frame, src, 12, seg, size, &err), TDSHM_OK);
	assert_guard_intact(seg, size);

	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(seg, size, &image, &err), TDSHM_OK);
	assert_int_equal(image.kind, TDSHM_TOP_HEADER_CURRENT);
	assert_int_equal(image.version, 1);
	assert_int_equal(image.width, 2);
	assert_int_equal(image.height, 3);
	assert_int_equal(image.format->value, TDSHM_FMT_B8G8R8A8_UNORM);
	assert_int_equal(image.data_offset, TDSHM_TOP_V1_SIZE);
	/* First row in memory is the source's last (bottom) row. */
	for (int y = 0; y < 3; y++)
		assert_memory_equal(seg + image.data_offset + y * 8, src + (2 - y) * 12, 8);
	free(seg);
}

static void test_top_down_option_keeps_source_row_order(void **state)
{
	(void)state;
	uint8_t src[4 * 4];
	for (int i = 0; i < 16; i++)
		src[i] = (uint8_t)(i * 3);
	tdshm_top_frame frame = frame_for("rgba8", 1, 4);
	frame.bottom_up = false;
	size_t size = 0;
	uint8_t *seg = segment_written(&frame, src, 4, &size);
	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(seg, size, &image, NULL), TDSHM_OK);
	assert_int_equal(image.format->value, TDSHM_FMT_R8G8B8A8_UNORM);
	assert_memory_equal(seg + image.data_offset, src, 16);
	free(seg);
}

static void test_straight_alpha_divides_8bit_colour_by_alpha(void **state)
{
	(void)state;
	/* premultiplied (64,32,0,128) is straight (128,64,0,128); alpha 0 -> 0;
	 * opaque untouched; colour above alpha (a GPU rounding step) clamps. */
	uint8_t src[4 * 4] = {64, 32, 0, 128, 9, 9, 9, 0, 1, 2, 3, 255, 130, 0, 0, 128};
	tdshm_top_frame frame = frame_for("bgra8", 4, 1);
	frame.alpha = TDSHM_ALPHA_STRAIGHT;
	size_t size = 0;
	uint8_t *seg = segment_written(&frame, src, 16, &size);
	const uint8_t expect[16] = {128, 64, 0, 128, 0, 0, 0, 0, 1, 2, 3, 255, 255, 0, 0, 128};
	assert_memory_equal(seg + TDSHM_TOP_V1_SIZE, expect, 16);
	/* The source (the mapped read-back) is never modified. */
	assert_int_equal(src[0], 64);
	free(seg);
}

static void test_premultiplied_alpha_copies_bytes_unchanged(void **state)
{
	(void)state;
	uint8_t src[8] = {64, 32, 0, 128, 9, 9, 9, 0};
	tdshm_top_frame frame = frame_for("rgba8", 2, 1);
	size_t size = 0;
	uint8_t *seg = segment_written(&frame, src, 8, &size);
	assert_memory_equal(seg + TDSHM_TOP_V1_SIZE, src, 8);
	free(seg);
}

static void test_straight_alpha_in_float_formats(void **state)
{
	(void)state;
	float px32[8] = {0.25f, 0.5f, 0.125f, 0.5f, 0.3f, 0.3f, 0.3f, 0.0f};
	tdshm_top_frame frame = frame_for("rgba32f", 2, 1);
	frame.alpha = TDSHM_ALPHA_STRAIGHT;
	size_t size = 0;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	uint8_t *seg = segment_alloc(size);
	assert_int_equal(
	    tdshm_top_frame_write(&frame, (const uint8_t *)px32, sizeof(px32), seg, size, NULL),
	    TDSHM_OK);
	float out[8];
	memcpy(out, seg + TDSHM_TOP_V1_SIZE, sizeof(out));
	const float expect[8] = {0.5f, 1.0f, 0.25f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f};
	for (int i = 0; i < 8; i++)
		assert_true(out[i] == expect[i]);
	free(seg);

	uint16_t px16[4] = {tdshm_float_to_half(0.25f), tdshm_float_to_half(0.125f),
			    tdshm_float_to_half(0.0f), tdshm_float_to_half(0.25f)};
	frame = frame_for("rgba16f", 1, 1);
	frame.alpha = TDSHM_ALPHA_STRAIGHT;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	seg = segment_alloc(size);
	assert_int_equal(tdshm_top_frame_write(&frame, (const uint8_t *)px16, 8, seg, size, NULL),
			 TDSHM_OK);
	uint16_t h[4];
	memcpy(h, seg + TDSHM_TOP_V1_SIZE, sizeof(h));
	assert_true(tdshm_half_to_float(h[0]) == 1.0f);
	assert_true(tdshm_half_to_float(h[1]) == 0.5f);
	assert_true(tdshm_half_to_float(h[2]) == 0.0f);
	assert_true(tdshm_half_to_float(h[3]) == 0.25f);
	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(seg, size, &image, NULL), TDSHM_OK);
	assert_int_equal(image.format->value, TDSHM_FMT_R16G16B16A16_FLOAT);
	free(seg);
}

static void test_legacy_header_is_parsed_back_with_the_same_image(void **state)
{
	(void)state;
	uint8_t src[2 * 2 * 4];
	for (int i = 0; i < 16; i++)
		src[i] = (uint8_t)(i + 1);
	tdshm_top_frame frame = frame_for("bgra8", 2, 2);
	frame.header.kind = TDSHM_TOP_HEADER_LEGACY;
	frame.header.version = TDSHM_TOP_LEGACY_VERSION;
	size_t size = 0;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	assert_int_equal(size, TDSHM_TOP_LEGACY_SIZE + 16);
	uint8_t *seg = segment_alloc(size);
	assert_int_equal(tdshm_top_frame_write(&frame, src, 8, seg, size, NULL), TDSHM_OK);
	tdshm_top_image image;
	tdshm_error err;
	assert_int_equal(tdshm_top_parse(seg, size, &image, &err), TDSHM_OK);
	assert_int_equal(image.kind, TDSHM_TOP_HEADER_LEGACY);
	assert_int_equal(image.legacy_data_format, TDSHM_GL_BGRA);
	assert_int_equal(image.format->value, TDSHM_FMT_B8G8R8A8_UNORM);
	assert_memory_equal(seg + image.data_offset, src + 8, 8);
	assert_memory_equal(seg + image.data_offset + 8, src, 8);
	free(seg);
}

static void test_too_small_segment_or_short_stride_is_refused_without_writing(void **state)
{
	(void)state;
	uint8_t src[64] = {0};
	tdshm_top_frame frame = frame_for("rgba32f", 2, 2);
	size_t size = 0;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	uint8_t *seg = segment_alloc(size - 1);
	tdshm_error err;
	assert_int_equal(tdshm_top_frame_write(&frame, src, 32, seg, size - 1, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "needs"));
	for (size_t i = 0; i < size - 1 + 64; i++)
		assert_int_equal(seg[i], 0xAB);
	free(seg);

	seg = segment_alloc(size);
	assert_int_equal(tdshm_top_frame_write(&frame, src, 16, seg, size, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_guard_intact(seg, size);
	free(seg);
}

static void test_unsupported_format_and_empty_size_are_refused(void **state)
{
	(void)state;
	tdshm_top_frame frame = frame_for("bgra8", 2, 2);
	frame.header.format = tdshm_pixel_format_find(TDSHM_FMT_R8_UNORM);
	size_t size = 0;
	tdshm_error err;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, &err), TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "bgra8"));
	frame = frame_for("bgra8", 0, 2);
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, &err), TDSHM_INVALID_ARGUMENT);
	assert_false(
	    tdshm_top_frame_format_supported(tdshm_pixel_format_find(TDSHM_FMT_A2B10G10R10_UNORM)));
	assert_true(tdshm_top_frame_format_supported(tdshm_pixel_format_by_name("rgba16f")));
}

static void test_blank_frame_is_valid_and_transparent(void **state)
{
	(void)state;
	tdshm_top_frame frame = frame_for("rgba16f", 3, 2);
	size_t size = 0;
	assert_int_equal(tdshm_top_frame_segment_size(&frame, &size, NULL), TDSHM_OK);
	uint8_t *seg = segment_alloc(size);
	assert_int_equal(tdshm_top_frame_write_blank(&frame, seg, size, NULL), TDSHM_OK);
	assert_guard_intact(seg, size);
	tdshm_top_image image;
	assert_int_equal(tdshm_top_parse(seg, size, &image, NULL), TDSHM_OK);
	for (size_t i = 0; i < image.data_size; i++)
		assert_int_equal(seg[image.data_offset + i], 0);
	free(seg);
}

static void test_second_claim_on_a_name_is_refused_naming_the_owner(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "claim");
	unsigned before = tdshm_name_claim_count();
	tdshm_name_claim *first = NULL, *second = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_name_claim_take(name, "Scene 1", &first, &err), TDSHM_OK);
	assert_int_equal(tdshm_name_claim_take(name, "Camera", &second, &err), TDSHM_EXISTS);
	assert_null(second);
	assert_non_null(strstr(err.message, "Scene 1"));
	assert_non_null(strstr(err.message, name));
	assert_int_equal(tdshm_name_claim_count(), before + 1);

	/* Another name is free; the first name is free again once released. */
	char other[64];
	tdshm_test_unique_name(other, sizeof(other), "claim");
	tdshm_name_claim *third = NULL;
	assert_int_equal(tdshm_name_claim_take(other, "Camera", &third, &err), TDSHM_OK);
	tdshm_name_claim_release(first);
	assert_int_equal(tdshm_name_claim_take(name, "Camera", &second, &err), TDSHM_OK);
	tdshm_name_claim_release(second);
	tdshm_name_claim_release(third);
	tdshm_name_claim_release(NULL);
	assert_int_equal(tdshm_name_claim_count(), before);
}

static void test_claim_refuses_bad_names(void **state)
{
	(void)state;
	char longname[TDSHM_USER_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tdshm_name_claim *claim = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_name_claim_take(longname, "x", &claim, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_null(claim);
	assert_int_equal(tdshm_name_claim_take("", "x", &claim, &err), TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_name_claim_take("a/b", "x", &claim, &err), TDSHM_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bgra8_rows_are_written_bottom_up_with_a_parsable_header),
	    cmocka_unit_test(test_top_down_option_keeps_source_row_order),
	    cmocka_unit_test(test_straight_alpha_divides_8bit_colour_by_alpha),
	    cmocka_unit_test(test_premultiplied_alpha_copies_bytes_unchanged),
	    cmocka_unit_test(test_straight_alpha_in_float_formats),
	    cmocka_unit_test(test_legacy_header_is_parsed_back_with_the_same_image),
	    cmocka_unit_test(test_too_small_segment_or_short_stride_is_refused_without_writing),
	    cmocka_unit_test(test_unsupported_format_and_empty_size_are_refused),
	    cmocka_unit_test(test_blank_frame_is_valid_and_transparent),
	    cmocka_unit_test(test_second_claim_on_a_name_is_refused_naming_the_owner),
	    cmocka_unit_test(test_claim_refuses_bad_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
