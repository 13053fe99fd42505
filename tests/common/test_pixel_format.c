/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/src/pixel_format.c: the format table, what each layout means in
 * RGBA, and the small-float conversions, checked against an independent
 * reference (the nearest representable value found by search, ties to even)
 * rather than against a copy of the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "tdshm/pixel_format.h"
#include "byte_order.h"
#include "test_support.h"

static const tdshm_pixel_format *format_named(const char *name)
{
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name(name);
	if (!f)
		fail_msg("no pixel format named %s", name);
	return f;
}

static void assert_rgba(const float got[4], float r, float g, float b, float a)
{
	const float want[4] = {r, g, b, a};
	for (int i = 0; i < 4; i++) {
		if (fabsf(got[i] - want[i]) > 1e-6f)
			fail_msg("component %d: got %.9g, want %.9g (pixel %g %g %g %g)", i,
				 (double)got[i], (double)want[i], (double)got[0], (double)got[1],
				 (double)got[2], (double)got[3]);
	}
}

/* Deterministic xorshift: the same cases on every run. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static float float_from_bits(uint32_t bits)
{
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* ---- the table ------------------------------------------------------------ */

static void test_table_has_every_protocol_format_by_name_and_number(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint32_t wire;
		uint32_t bpp;
	} wire_formats[] = {
	    {"r8", 9, 1},          {"rg8", 16, 2},       {"rgba8", 37, 4},
	    {"rgba8srgb", 43, 4},  {"bgra8", 44, 4},     {"bgra8srgb", 50, 4},
	    {"rgb10a2", 64, 4},    {"r16", 70, 2},       {"r16f", 76, 2},
	    {"rg16", 77, 4},       {"rg16f", 83, 4},     {"rgba16", 91, 8},
	    {"rgba16f", 97, 8},    {"r32f", 100, 4},     {"rg32f", 103, 8},
	    {"rgba32f", 109, 16},  {"rg11b10f", 122, 4}, {"a8", 0xF0001, 1},
	    {"a16", 0xF0002, 2},   {"a16f", 0xF0003, 2}, {"a32f", 0xF0004, 4},
	    {"ra8", 0xF0005, 2},   {"ra16", 0xF0006, 4}, {"ra16f", 0xF0007, 4},
	    {"ra32f", 0xF0008, 8},
	};
	static const char *const legacy_only[] = {"rgb8",   "bgr8",   "rgb16",  "bgr16", "rgb16f",
						  "bgr16f", "rgb32f", "bgr32f", "abgr8"};
	size_t n_wire = sizeof(wire_formats) / sizeof(wire_formats[0]);
	size_t n_legacy = sizeof(legacy_only) / sizeof(legacy_only[0]);
	for (size_t i = 0; i < n_wire; i++) {
		const tdshm_pixel_format *f = format_named(wire_formats[i].name);
		assert_int_equal(f->wire_value, wire_formats[i].wire);
		assert_int_equal(f->value, wire_formats[i].wire);
		assert_int_equal(f->bytes_per_pixel, wire_formats[i].bpp);
		assert_ptr_equal(tdshm_pixel_format_find(wire_formats[i].wire), f);
	}
	for (size_t i = 0; i < n_legacy; i++) {
		const tdshm_pixel_format *f = format_named(legacy_only[i]);
		assert_int_equal(f->wire_value, 0);
		assert_ptr_equal(tdshm_pixel_format_find(f->value), f);
	}
	assert_int_equal(tdshm_pixel_format_count(), n_wire + n_legacy);
	assert_null(tdshm_pixel_format_at(tdshm_pixel_format_count()));
	assert_null(tdshm_pixel_format_find(12345));
	assert_null(tdshm_pixel_format_find(0));
	assert_null(tdshm_pixel_format_by_name("rgba"));
	assert_null(tdshm_pixel_format_by_name(NULL));

	/* Every entry is self-consistent: size = channels x bits for plain
	 * formats, names unique. */
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		if (f->type == TDSHM_COMPONENT_PACKED)
			assert_int_equal(f->bytes_per_pixel, 4);
		else
			assert_int_equal(f->bytes_per_pixel, f->channels * f->bits / 8);
		assert_ptr_equal(tdshm_pixel_format_by_name(f->name), f);
	}
	assert_true(format_named("rgba8srgb")->srgb);
	assert_true(format_named("bgra8srgb")->srgb);
	assert_false(format_named("rgba8")->srgb);
	assert_false(format_named("bgra8")->srgb);
}

/* ---- layouts ---------------------------------------------------------------- */

static void test_each_layout_places_components_as_the_protocol_says(void **state)
{
	(void)state;
	float px[4];
	const uint8_t rgba[4] = {51, 102, 153, 204}; /* 0.2 0.4 0.6 0.8 */

	tdshm_pixel_to_rgba_f32(format_named("rgba8"), rgba, px);
	assert_rgba(px, 0.2f, 0.4f, 0.6f, 0.8f);
	tdshm_pixel_to_rgba_f32(format_named("bgra8"), rgba, px);
	assert_rgba(px, 0.6f, 0.4f, 0.2f, 0.8f);
	tdshm_pixel_to_rgba_f32(format_named("abgr8"), rgba, px);
	assert_rgba(px, 0.8f, 0.6f, 0.4f, 0.2f);
	tdshm_pixel_to_rgba_f32(format_named("rgb8"), rgba, px);
	assert_rgba(px, 0.2f, 0.4f, 0.6f, 1.0f);
	tdshm_pixel_to_rgba_f32(format_named("bgr8"), rgba, px);
	assert_rgba(px, 0.6f, 0.4f, 0.2f, 1.0f);
	tdshm_pixel_to_rgba_f32(format_named("r8"), rgba, px);
	assert_rgba(px, 0.2f, 0.0f, 0.0f, 1.0f);
	tdshm_pixel_to_rgba_f32(format_named("rg8"), rgba, px);
	assert_rgba(px, 0.2f, 0.4f, 0.0f, 1.0f);
	/* Alpha only shows as (0,0,0,A); mono+alpha as (R,R,R,A). */
	tdshm_pixel_to_rgba_f32(format_named("a8"), rgba, px);
	assert_rgba(px, 0.0f, 0.0f, 0.0f, 0.2f);
	tdshm_pixel_to_rgba_f32(format_named("ra8"), rgba, px);
	assert_rgba(px, 0.2f, 0.2f, 0.2f, 0.4f);
	/* sRGB formats hand back the stored (encoded) values unchanged. */
	tdshm_pixel_to_rgba_f32(format_named("rgba8srgb"), rgba, px);
	assert_rgba(px, 0.2f, 0.4f, 0.6f, 0.8f);
	tdshm_pixel_to_rgba_f32(format_named("bgra8srgb"), rgba, px);
	assert_rgba(px, 0.6f, 0.4f, 0.2f, 0.8f);

	/* 16-bit unorm is little-endian: 0x1234 from bytes 34 12. */
	const uint8_t r16[2] = {0x34, 0x12};
	tdshm_pixel_to_rgba_f32(format_named("r16"), r16, px);
	assert_rgba(px, (float)0x1234 / 65535.0f, 0.0f, 0.0f, 1.0f);
	tdshm_pixel_to_rgba_f32(format_named("a16"), r16, px);
	assert_rgba(px, 0.0f, 0.0f, 0.0f, (float)0x1234 / 65535.0f);

	/* Half: 0x3C00 = 1.0, 0x3800 = 0.5, 0xC000 = -2. */
	uint8_t ra16f[4];
	tdshm_store_u16le(ra16f, 0, 0x3800);
	tdshm_store_u16le(ra16f, 2, 0x3C00);
	tdshm_pixel_to_rgba_f32(format_named("ra16f"), ra16f, px);
	assert_rgba(px, 0.5f, 0.5f, 0.5f, 1.0f);
	uint8_t a16f[2];
	tdshm_store_u16le(a16f, 0, 0xC000);
	tdshm_pixel_to_rgba_f32(format_named("a16f"), a16f, px);
	assert_rgba(px, 0.0f, 0.0f, 0.0f, -2.0f);

	uint8_t ra32f[8];
	tdshm_store_f32le(ra32f, 0, 0.25f);
	tdshm_store_f32le(ra32f, 4, 0.75f);
	tdshm_pixel_to_rgba_f32(format_named("ra32f"), ra32f, px);
	assert_rgba(px, 0.25f, 0.25f, 0.25f, 0.75f);
	tdshm_pixel_to_rgba_f32(format_named("rg32f"), ra32f, px);
	assert_rgba(px, 0.25f, 0.75f, 0.0f, 1.0f);
	tdshm_pixel_to_rgba_f32(format_named("a32f"), ra32f, px);
	assert_rgba(px, 0.0f, 0.0f, 0.0f, 0.25f);

	uint8_t bgr32f[12];
	tdshm_store_f32le(bgr32f, 0, 3.0f); /* B */
	tdshm_store_f32le(bgr32f, 4, 2.0f); /* G */
	tdshm_store_f32le(bgr32f, 8, 1.0f); /* R */
	tdshm_pixel_to_rgba_f32(format_named("bgr32f"), bgr32f, px);
	assert_rgba(px, 1.0f, 2.0f, 3.0f, 1.0f);
}

static void test_packed_formats_use_the_documented_bits(void **state)
{
	(void)state;
	float px[4];
	uint8_t bytes[4];

	/* A2B10G10R10: R bits 0-9, G 10-19, B 20-29, A 30-31. */
	uint32_t packed = 1023u | (512u << 10) | (1u << 20) | (2u << 30);
	tdshm_store_u32le(bytes, 0, packed);
	tdshm_pixel_to_rgba_f32(format_named("rgb10a2"), bytes, px);
	assert_rgba(px, 1.0f, 512.0f / 1023.0f, 1.0f / 1023.0f, 2.0f / 3.0f);
	const float in[4] = {1.0f, 512.0f / 1023.0f, 1.0f / 1023.0f, 2.0f / 3.0f};
	memset(bytes, 0, sizeof(bytes));
	tdshm_pixel_from_rgba_f32(format_named("rgb10a2"), in, bytes);
	assert_int_equal(tdshm_load_u32le(bytes, 0), packed);

	/* B10G11R11: R 11-bit float bits 0-10, G 11-21, B 10-bit 22-31; all
	 * with a 5-bit exponent biased by 15: 1.0 = 15 << 6 (11-bit). */
	uint32_t r = 15u << 6;         /* 1.0 */
	uint32_t g = (16u << 6) | 32u; /* 2 * 1.5 = 3.0 */
	uint32_t b = 14u << 5;         /* 0.5 */
	packed = r | (g << 11) | (b << 22);
	tdshm_store_u32le(bytes, 0, packed);
	tdshm_pixel_to_rgba_f32(format_named("rg11b10f"), bytes, px);
	assert_rgba(px, 1.0f, 3.0f, 0.5f, 1.0f);
	const float in2[4] = {1.0f, 3.0f, 0.5f, 0.25f};
	memset(bytes, 0, sizeof(bytes));
	tdshm_pixel_from_rgba_f32(format_named("rg11b10f"), in2, bytes);
	assert_int_equal(tdshm_load_u32le(bytes, 0), packed);

	/* Unsigned floats: negatives store 0, infinity the all-ones exponent. */
	const float odd[4] = {-1.0f, INFINITY, 1e9f, 1.0f};
	tdshm_pixel_from_rgba_f32(format_named("rg11b10f"), odd, bytes);
	packed = tdshm_load_u32le(bytes, 0);
	assert_int_equal(packed & 0x7ffu, 0);
	assert_int_equal((packed >> 11) & 0x7ffu, 31u << 6);
	assert_int_equal(packed >> 22, 31u << 5);
}

/* ---- small floats against a reference ------------------------------------ */

/* Value of an unsigned small float (5-bit exponent, bias 15) in double. */
static double minifloat_value(uint32_t bits, unsigned mantissa_bits)
{
	uint32_t e = bits >> mantissa_bits;
	uint32_t m = bits & ((1u << mantissa_bits) - 1u);
	if (e == 0)
		return ldexp((double)m, -14 - (int)mantissa_bits);
	return ldexp((double)(m | (1u << mantissa_bits)), (int)e - 15 - (int)mantissa_bits);
}

/* The representable value nearest to f >= 0, ties to the even encoding;
 * past the largest finite value, rounding goes to infinity (the next
 * encoding up), exactly as IEEE round-to-nearest does. Found by binary
 * search over the ordered encodings: independent of the code under test. */
static uint32_t minifloat_reference(double f, unsigned mantissa_bits)
{
	uint32_t infinity = 31u << mantissa_bits;
	/* largest encoding whose value <= f */
	uint32_t lo = 0, hi = infinity; /* value(infinity) treated as 2^16 */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (minifloat_value(mid, mantissa_bits) <= f)
			lo = mid;
		else
			hi = mid;
	}
	double below = minifloat_value(lo, mantissa_bits);
	double above = ldexp(1.0, 16); /* the value infinity stands for */
	if (lo + 1 < infinity)
		above = minifloat_value(lo + 1, mantissa_bits);
	if (f >= above)
		return lo + 1;
	double d_below = f - below, d_above = above - f;
	if (d_below < d_above)
		return lo;
	if (d_above < d_below)
		return lo + 1;
	return (lo & 1u) ? lo + 1 : lo;
}

static void test_every_half_converts_exactly_both_ways(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 0x10000u; h++) {
		float f = tdshm_half_to_float((uint16_t)h);
		uint32_t magnitude = h & 0x7fffu;
		bool negative = (h & 0x8000u) != 0;
		if ((magnitude >> 10) == 31) {
			if (magnitude & 0x3ffu)
				assert_true(isnan(f));
			else
				assert_true(isinf(f));
		} else {
			double want = minifloat_value(magnitude, 10);
			if ((double)f != (negative ? -want : want))
				fail_msg("half 0x%04x: got %.9g, want %.9g", h, (double)f,
					 negative ? -want : want);
		}
		assert_int_equal(signbit(f) != 0, negative);
		/* ... and back to the same bits, NaN payloads included. */
		assert_int_equal(tdshm_float_to_half(f), h);
	}
}

static void test_float_to_half_rounds_to_nearest_even_like_a_gpu(void **state)
{
	(void)state;
	/* Named cases a reader can check by hand. */
	assert_int_equal(tdshm_float_to_half(65504.0f), 0x7bff);
	assert_int_equal(tdshm_float_to_half(65519.99f), 0x7bff);
	assert_int_equal(tdshm_float_to_half(65520.0f), 0x7c00); /* tie to even: inf */
	assert_int_equal(tdshm_float_to_half(1e10f), 0x7c00);
	assert_int_equal(tdshm_float_to_half(-1e10f), 0xfc00);
	assert_int_equal(tdshm_float_to_half(ldexpf(1.0f, -24)), 0x0001);
	assert_int_equal(tdshm_float_to_half(ldexpf(1.0f, -25)), 0x0000); /* tie to even */
	assert_int_equal(tdshm_float_to_half(ldexpf(1.5f, -25)), 0x0001);
	assert_int_equal(tdshm_float_to_half(ldexpf(3.0f, -25)), 0x0002); /* 1.5 ulp: even */
	assert_int_equal(tdshm_float_to_half(1.0f + ldexpf(1.0f, -11)), 0x3c00);
	assert_int_equal(tdshm_float_to_half(1.0f + ldexpf(3.0f, -11)), 0x3c02);
	assert_int_equal(tdshm_float_to_half(-0.0f), 0x8000);
	assert_int_equal(tdshm_float_to_half(float_from_bits(0x00000001u)), 0x0000);
	assert_true((tdshm_float_to_half(NAN) & 0x7fffu) > 0x7c00u);

	/* Two million floats across the half range and beyond, against the
	 * reference. */
	uint32_t seed = 0x9e3779b9u;
	for (int i = 0; i < 2000000; i++) {
		uint32_t bits = next_random(&seed);
		/* Mostly exponents where halves live (2^-26 .. 2^17). */
		if (i % 4 != 0)
			bits = (bits & 0x807fffffu) | ((uint32_t)(101 + bits % 44) << 23);
		float f = float_from_bits(bits);
		if (isnan(f))
			continue;
		uint16_t got = tdshm_float_to_half(f);
		uint32_t want =
		    minifloat_reference(fabs((double)f), 10) | (signbit(f) ? 0x8000u : 0);
		if (got != want)
			fail_msg("float %.9g (0x%08x): half 0x%04x, want 0x%04x", (double)f, bits,
				 got, want);
	}
}

static void test_packed_small_floats_round_like_the_reference(void **state)
{
	(void)state;
	const tdshm_pixel_format *fmt = format_named("rg11b10f");
	uint32_t seed = 12345u;
	for (int i = 0; i < 500000; i++) {
		uint32_t bits = (next_random(&seed) & 0x007fffffu) |
				((uint32_t)(100 + next_random(&seed) % 46) << 23);
		float f = float_from_bits(bits);
		const float in[4] = {f, f, f, 1.0f};
		uint8_t out[4];
		tdshm_pixel_from_rgba_f32(fmt, in, out);
		uint32_t packed = tdshm_load_u32le(out, 0);
		uint32_t want11 = minifloat_reference((double)f, 6);
		uint32_t want10 = minifloat_reference((double)f, 5);
		if ((packed & 0x7ffu) != want11 || ((packed >> 11) & 0x7ffu) != want11 ||
		    (packed >> 22) != want10)
			fail_msg("%.9g packed as 0x%08x, want R/G 0x%03x B 0x%03x", (double)f,
				 packed, want11, want10);
		/* And decoding gives back exactly the reference value. */
		float px[4];
		tdshm_pixel_to_rgba_f32(fmt, out, px);
		if (want11 < (31u << 6))
			assert_true((double)px[0] == minifloat_value(want11, 6));
		if (want10 < (31u << 5))
			assert_true((double)px[2] == minifloat_value(want10, 5));
	}
}

/* ---- round trips through every format ------------------------------------- */

/* How close a stored-and-read value must be to what was written. */
static float tolerance(const tdshm_pixel_format *f, int component, float value)
{
	if (f->layout == TDSHM_LAYOUT_A2B10G10R10)
		return component == 3 ? 0.5f / 3.0f : 0.5f / 1023.0f;
	if (f->layout == TDSHM_LAYOUT_B10G11R11)
		return fabsf(value) * (component == 2 ? 1.0f / 64.0f : 1.0f / 128.0f) + 1e-6f;
	if (f->type == TDSHM_COMPONENT_UNORM)
		return 0.5f / (f->bits == 8 ? 255.0f : 65535.0f) + 1e-7f;
	if (f->bits == 16)
		return fabsf(value) / 2048.0f + ldexpf(1.0f, -25);
	return 0.0f;
}

static void test_every_format_round_trips_its_stored_components(void **state)
{
	(void)state;
	uint32_t seed = 777u;
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		for (int trial = 0; trial < 2000; trial++) {
			float in[4];
			for (int c = 0; c < 4; c++)
				in[c] = (float)(next_random(&seed) % 100001u) / 100000.0f;
			/* Mono+alpha carries one colour: give it a grey. */
			if (f->layout == TDSHM_LAYOUT_RA)
				in[1] = in[2] = in[0];
			uint8_t bytes[16];
			memset(bytes, 0xEE, sizeof(bytes));
			tdshm_pixel_from_rgba_f32(f, in, bytes);
			/* Writes exactly bytes_per_pixel bytes. */
			for (size_t b = f->bytes_per_pixel; b < sizeof(bytes); b++)
				assert_int_equal(bytes[b], 0xEE);
			float out[4];
			tdshm_pixel_to_rgba_f32(f, bytes, out);
			/* Components the layout does not store read as defaults. */
			float want[4] = {in[0], in[1], in[2], in[3]};
			switch (f->layout) {
			case TDSHM_LAYOUT_R:
				want[1] = 0.0f;
				/* fall through */
			case TDSHM_LAYOUT_RG:
				want[2] = 0.0f;
				/* fall through */
			case TDSHM_LAYOUT_RGB:
			case TDSHM_LAYOUT_BGR:
			case TDSHM_LAYOUT_B10G11R11:
				want[3] = 1.0f;
				break;
			case TDSHM_LAYOUT_A:
				want[0] = want[1] = want[2] = 0.0f;
				break;
			default:
				break;
			}
			for (int c = 0; c < 4; c++) {
				if (fabsf(out[c] - want[c]) > tolerance(f, c, want[c]))
					fail_msg("%s component %d: wrote %.9g, read %.9g", f->name,
						 c, (double)want[c], (double)out[c]);
			}
		}
	}
}

static void test_unorm_storage_is_exact_and_clamped(void **state)
{
	(void)state;
	const tdshm_pixel_format *r8 = format_named("r8");
	const tdshm_pixel_format *r16 = format_named("r16");
	uint8_t b[2];
	for (uint32_t v = 0; v < 256; v++) {
		const float in[4] = {(float)v / 255.0f, 0, 0, 1};
		tdshm_pixel_from_rgba_f32(r8, in, b);
		assert_int_equal(b[0], v);
	}
	for (uint32_t v = 0; v < 65536; v++) {
		const float in[4] = {(float)v / 65535.0f, 0, 0, 1};
		tdshm_pixel_from_rgba_f32(r16, in, b);
		assert_int_equal(tdshm_load_u16le(b, 0), v);
	}
	const float over[4] = {1.5f, 0, 0, 1};
	const float under[4] = {-0.5f, 0, 0, 1};
	const float nan_in[4] = {NAN, 0, 0, 1};
	tdshm_pixel_from_rgba_f32(r8, over, b);
	assert_int_equal(b[0], 255);
	tdshm_pixel_from_rgba_f32(r8, under, b);
	assert_int_equal(b[0], 0);
	tdshm_pixel_from_rgba_f32(r8, nan_in, b);
	assert_int_equal(b[0], 0);
	tdshm_pixel_from_rgba_f32(r16, over, b);
	assert_int_equal(tdshm_load_u16le(b, 0), 65535);
}

/* Premultiplied -> straight, the one formula of every path: exact where
 * it can be, off by at most what the premultiplication itself lost. */
static void test_unpremultiply_inverts_premultiplication_and_clamps(void **state)
{
	(void)state;
	for (unsigned a = 1; a < 256; a++) {
		/* What 8-bit premultiplication loses is half a step of colour
		 * times alpha: magnified by 255 / a on the way back, plus the
		 * final rounding. */
		double bound = 127.5 / a + 0.5;
		for (unsigned straight = 0; straight < 256; straight++) {
			uint8_t p = (uint8_t)((straight * a + 127u) / 255u);
			int back = tdshm_unpremultiply_u8(p, (uint8_t)a);
			assert_true(abs(back - (int)straight) <= bound);
		}
		assert_int_equal(tdshm_unpremultiply_u8((uint8_t)a, (uint8_t)a), 255);
	}
	assert_int_equal(tdshm_unpremultiply_u8(64, 128), 128);
	assert_int_equal(tdshm_unpremultiply_u8(200, 255), 200);
	/* A blend can leave colour above alpha: clamped, not wrapped. */
	assert_int_equal(tdshm_unpremultiply_u8(20, 10), 255);
	/* Nothing to see under alpha 0. */
	assert_int_equal(tdshm_unpremultiply_u8(7, 0), 0);

	assert_true(tdshm_unpremultiply_f32(0.25f, 0.5f) == 0.5f);
	assert_true(tdshm_unpremultiply_f32(0.75f, 0.5f) == 1.5f); /* float: unclamped */
	assert_true(tdshm_unpremultiply_f32(0.3f, 0.0f) == 0.0f);
	assert_true(tdshm_unpremultiply_f32(0.3f, -1.0f) == 0.0f);
	assert_true(tdshm_unpremultiply_f32(0.3f, nanf("")) == 0.0f);

	/* A row: alpha last, opaque and clear pixels as they must be. */
	uint8_t row[] = {64, 32, 0, 128, 10, 20, 30, 255, 9, 9, 9, 0};
	tdshm_unpremultiply_row_rgba8(row, 3);
	const uint8_t want[] = {128, 64, 0, 128, 10, 20, 30, 255, 0, 0, 0, 0};
	assert_memory_equal(row, want, sizeof(want));
}

/* The layout table the plugin's texture converter reads is the one the
 * core's converter uses. */
static void test_layout_sources_match_the_converter(void **state)
{
	(void)state;
	int sources[4];
	assert_true(tdshm_channel_layout_sources(TDSHM_LAYOUT_BGRA, sources));
	assert_int_equal(sources[0], 2);
	assert_int_equal(sources[3], 3);
	assert_true(tdshm_channel_layout_sources(TDSHM_LAYOUT_A, sources));
	assert_int_equal(sources[0], TDSHM_COMPONENT_DEFAULT);
	assert_int_equal(sources[3], 0);
	assert_false(tdshm_channel_layout_sources(TDSHM_LAYOUT_B10G11R11, sources));
	assert_false(tdshm_channel_layout_sources(TDSHM_LAYOUT_A2B10G10R10, sources));
	/* Every unpacked format: a pixel of distinct components converts to
	 * what the table says. */
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		if (!tdshm_channel_layout_sources(f->layout, sources))
			continue;
		/* Stored component c holds values[c], written by hand. */
		const float values[4] = {0.2f, 0.4f, 0.6f, 0.8f};
		uint8_t px[16];
		for (uint32_t c = 0; c < f->channels; c++) {
			if (f->bits == 8)
				px[c] = (uint8_t)(values[c] * 255.0f + 0.5f);
			else if (f->bits == 16 && f->type == TDSHM_COMPONENT_UNORM)
				tdshm_store_u16le(px, c * 2,
						  (uint16_t)(values[c] * 65535.0f + 0.5f));
			else if (f->bits == 16)
				tdshm_store_u16le(px, c * 2, tdshm_float_to_half(values[c]));
			else
				tdshm_store_f32le(px, c * 4, values[c]);
		}
		float rgba[4];
		tdshm_pixel_to_rgba_f32(f, px, rgba);
		for (int o = 0; o < 4; o++) {
			float want = sources[o] == TDSHM_COMPONENT_DEFAULT ? (o == 3 ? 1.0f : 0.0f)
									   : values[sources[o]];
			assert_float_equal(rgba[o], want, 2e-3); /* 8-bit and half steps */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_has_every_protocol_format_by_name_and_number),
	    cmocka_unit_test(test_each_layout_places_components_as_the_protocol_says),
	    cmocka_unit_test(test_packed_formats_use_the_documented_bits),
	    cmocka_unit_test(test_every_half_converts_exactly_both_ways),
	    cmocka_unit_test(test_float_to_half_rounds_to_nearest_even_like_a_gpu),
	    cmocka_unit_test(test_packed_small_floats_round_like_the_reference),
	    cmocka_unit_test(test_every_format_round_trips_its_stored_components),
	    cmocka_unit_test(test_unorm_storage_is_exact_and_clamped),
	    cmocka_unit_test(test_unpremultiply_inverts_premultiplication_and_clamps),
	    cmocka_unit_test(test_layout_sources_match_the_converter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
