/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/src/pixel_convert.c: whole-row conversions give, byte for byte,
 * what the per-pixel reference (tdshm_pixel_to_rgba8) and the one straight-
 * alpha formula (tdshm_unpremultiply_row_rgba8) give, on every tail length
 * and alignment, with NaN, infinities, negatives, values above 1 and exact
 * ties. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "tdshm/pixel_convert.h"
#include "tdshm/pixel_format.h"

static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Floats a TD float image may hold: ordinary values, exact rounding ties
 * (k + 0.5) / 255, and the hostile ones. */
static float interesting_float(uint32_t *state)
{
	static const float specials[] = {0.0f,  -0.0f,  1.0f,   -1.0f,       2.0f,
					 1e30f, -1e30f, 1e-40f, 0.99999994f, 1.0000001f};
	uint32_t r = next_random(state);
	switch (r % 6) {
	case 0:
		return specials[(r >> 8) % (sizeof(specials) / sizeof(specials[0]))];
	case 1:
		return ((float)((r >> 8) % 255) + 0.5f) / 255.0f;
	case 2: {
		uint32_t bits = next_random(state); /* any bit pattern: NaNs, infinities */
		float f;
		memcpy(&f, &bits, 4);
		return f;
	}
	default:
		return (float)((r >> 8) & 0xffff) / 50000.0f - 0.1f; /* -0.1 .. 1.21 */
	}
}

static void test_known_float_values_round_to_nearest_even_and_clamp(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("rgba32f");
	assert_non_null(f);
	const float in[8] = {0.5f, 0.25f, 1.0f / 255.0f, NAN, -3.0f, 7.0f, INFINITY, -INFINITY};
	/* 127.5 ties to 128 (even), 63.75 -> 64, 1 -> 1, NaN/neg -> 0, >1 -> 255 */
	const uint8_t want[8] = {128, 64, 1, 0, 0, 255, 255, 0};
	uint8_t out[8];
	tdshm_convert_row_to_rgba8(f, (const uint8_t *)in, out, 2);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_float_rows_match_the_per_pixel_reference_at_every_tail(void **state)
{
	(void)state;
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name("rgba32f");
	uint32_t rng = 0x1234567u;
	enum { MAX_WIDTH = 37 };
	uint8_t src[MAX_WIDTH * 16 + 3], dst[MAX_WIDTH * 4 + 3], want[4];
	for (int round = 0; round < 400; round++) {
		for (uint32_t width = 0; width <= MAX_WIDTH; width++) {
			size_t src_off = (size_t)round % 4, dst_off = (size_t)(round / 4) % 4;
			for (uint32_t i = 0; i < width * 4; i++) {
				float v = interesting_float(&rng);
				memcpy(src + src_off + i * 4, &v, 4);
			}
			memset(dst, 0xa5, sizeof(dst));
			tdshm_convert_row_to_rgba8(f, src + src_off, dst + dst_off, width);
			for (uint32_t x = 0; x < width; x++) {
				tdshm_pixel_to_rgba8(f, src + src_off + x * 16, want);
				if (memcmp(dst + dst_off + x * 4, want, 4) != 0)
					fail_msg("width %u pixel %u: got %u %u %u %u, want %u %u "
						 "%u %u",
						 width, x, dst[dst_off + x * 4],
						 dst[dst_off + x * 4 + 1], dst[dst_off + x * 4 + 2],
						 dst[dst_off + x * 4 + 3], want[0], want[1],
						 want[2], want[3]);
			}
			/* nothing written past the row */
			if (dst_off + width * 4 < sizeof(dst))
				assert_int_equal(dst[dst_off + width * 4], 0xa5);
		}
	}
}

static void test_every_format_row_matches_the_per_pixel_reference(void **state)
{
	(void)state;
	uint32_t rng = 0xbeef01u;
	uint8_t src[19 * 16], dst[19 * 4], want[4];
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		for (size_t b = 0; b < sizeof(src); b++)
			src[b] = (uint8_t)next_random(&rng);
		tdshm_convert_row_to_rgba8(f, src, dst, 19);
		for (uint32_t x = 0; x < 19; x++) {
			tdshm_pixel_to_rgba8(f, src + (size_t)x * f->bytes_per_pixel, want);
			if (memcmp(dst + x * 4, want, 4) != 0)
				fail_msg("format %s pixel %u differs", f->name, x);
		}
	}
}

static void test_make_opaque_sets_only_alpha(void **state)
{
	(void)state;
	uint8_t row[7 * 4];
	for (size_t i = 0; i < sizeof(row); i++)
		row[i] = (uint8_t)(i * 7);
	tdshm_make_opaque_row8(row, 7);
	for (size_t i = 0; i < sizeof(row); i++)
		assert_int_equal(row[i], i % 4 == 3 ? 255 : (uint8_t)(i * 7));
}

/* The fused copies give what a copy followed by the in-place step gives,
 * at every alignment of src and dst and every tail length. */
static void test_fused_copies_match_copy_then_step(void **state)
{
	(void)state;
	uint32_t rng = 0x5eed5u;
	enum { MAX_WIDTH = 70 };
	uint8_t src[MAX_WIDTH * 4 + 16], dst[MAX_WIDTH * 4 + 16], want[MAX_WIDTH * 4];
	for (int round = 0; round < 600; round++) {
		const uint32_t width = (uint32_t)round % (MAX_WIDTH + 1);
		const size_t src_off = (size_t)round % 13, dst_off = (size_t)(round / 7) % 16;
		for (size_t i = 0; i < (size_t)width * 4; i++) {
			uint32_t r = next_random(&rng);
			/* alpha mostly 0 or 255, sometimes anything */
			src[src_off + i] =
			    i % 4 == 3 && r % 3 ? (r & 8 ? 255 : 0) : (uint8_t)(r >> 8);
		}
		for (int opaque = 0; opaque < 2; opaque++) {
			memcpy(want, src + src_off, (size_t)width * 4);
			if (opaque)
				tdshm_make_opaque_row8(want, width);
			else
				tdshm_unpremultiply_row_rgba8(want, width);
			memset(dst, 0x5a, sizeof(dst));
			if (opaque)
				tdshm_copy_row8_opaque(src + src_off, dst + dst_off, width);
			else
				tdshm_copy_row8_unpremultiply(src + src_off, dst + dst_off, width);
			if (width)
				assert_memory_equal(dst + dst_off, want, (size_t)width * 4);
			if (dst_off + (size_t)width * 4 < sizeof(dst))
				assert_int_equal(dst[dst_off + (size_t)width * 4], 0x5a);
			if (dst_off)
				assert_int_equal(dst[dst_off - 1], 0x5a);
		}
	}
}

static void test_streaming_copy_equals_memcpy_at_every_alignment(void **state)
{
	(void)state;
	uint8_t src[600], dst[640];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 31 + 7);
	for (size_t bytes = 0; bytes <= 300; bytes += 7) {
		for (size_t so = 0; so < 16; so += 5) {
			for (size_t d = 0; d < 16; d++) {
				memset(dst, 0xee, sizeof(dst));
				tdshm_copy_streaming(dst + d, src + so, bytes);
				if (bytes)
					assert_memory_equal(dst + d, src + so, bytes);
				assert_int_equal(dst[d + bytes], 0xee);
				if (d)
					assert_int_equal(dst[d - 1], 0xee);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_float_values_round_to_nearest_even_and_clamp),
	    cmocka_unit_test(test_float_rows_match_the_per_pixel_reference_at_every_tail),
	    cmocka_unit_test(test_every_format_row_matches_the_per_pixel_reference),
	    cmocka_unit_test(test_make_opaque_sets_only_alpha),
	    cmocka_unit_test(test_fused_copies_match_copy_then_step),
	    cmocka_unit_test(test_streaming_copy_equals_memcpy_at_every_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
