/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/src/top.c: TOP headers written and read back for every format and
 * header kind, and every way a hostile header is refused. Segments are heap
 * blocks of exactly the "mapped" size, so ASan sees any read past them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "tdshm/chop.h"
#include "tdshm/pixel_format.h"
#include "tdshm/top.h"
#include "byte_order.h"
#include "parse_support.h"
#include "test_support.h"

static const tdshm_pixel_format *format_named(const char *name)
{
	const tdshm_pixel_format *f = tdshm_pixel_format_by_name(name);
	if (!f)
		fail_msg("no pixel format named %s", name);
	return f;
}

/* A whole segment for params with a recognisable pixel pattern. */
static uint8_t *make_segment(const tdshm_top_params *params, size_t *size)
{
	tdshm_error err;
	if (tdshm_top_segment_size(params, size, &err) != TDSHM_OK)
		fail_msg("segment size: %s", err.message);
	uint8_t *seg = malloc(*size);
	assert_non_null(seg);
	memset(seg, 0x5A, *size);
	if (tdshm_top_write_header(params, seg, *size, &err) != TDSHM_OK)
		fail_msg("write header: %s", err.message);
	size_t header = tdshm_top_header_size(params);
	uint32_t bpp = params->format->bytes_per_pixel;
	for (uint32_t y = 0; y < params->height; y++) {
		for (uint32_t x = 0; x < params->width; x++) {
			const float rgba[4] = {(float)x / (float)params->width,
					       (float)y / (float)params->height, 0.5f, 0.75f};
			size_t at = header + ((size_t)y * params->width + x) * bpp;
			tdshm_pixel_from_rgba_f32(params->format, rgba, seg + at);
		}
	}
	return seg;
}

/* ---- writer -> parser ------------------------------------------------------ */

static void round_trip(const tdshm_top_params *params)
{
	size_t size = 0;
	uint8_t *seg = make_segment(params, &size);
	tdshm_top_image img;
	tdshm_error err;
	if (tdshm_test_top_parse_exact(seg, size, &img, &err) != TDSHM_OK)
		fail_msg("%s kind %d version %d refused: %s", params->format->name, params->kind,
			 params->version, err.message);
	size_t header = tdshm_top_header_size(params);
	assert_int_equal(img.kind, params->kind);
	assert_ptr_equal(img.format, params->format);
	assert_int_equal(img.width, params->width);
	assert_int_equal(img.height, params->height);
	assert_true(img.aspect_x == (float)params->width);
	assert_true(img.aspect_y == (float)params->height);
	assert_int_equal(img.data_offset, header);
	assert_int_equal(img.row_bytes, (size_t)params->width * params->format->bytes_per_pixel);
	assert_int_equal(img.data_size, img.row_bytes * params->height);
	assert_int_equal(img.data_offset + img.data_size, size);
	if (params->kind == TDSHM_TOP_HEADER_LEGACY) {
		assert_int_equal(img.version, TDSHM_TOP_LEGACY_VERSION);
		uint32_t df, dt, internal;
		assert_true(tdshm_top_legacy_triple(params->format, &df, &dt, &internal));
		assert_int_equal(img.legacy_data_format, df);
		assert_int_equal(img.legacy_data_type, dt);
		assert_int_equal(img.legacy_internal_format, internal);
		assert_false(img.has_color_info);
	} else {
		int32_t want_version = params->version >= 2 ? 2 : 1;
		assert_int_equal(img.version, want_version);
		assert_int_equal(img.has_color_info, want_version >= 2);
		if (want_version >= 2) {
			assert_int_equal(img.gamut, params->gamut);
			assert_int_equal(img.transfer, params->transfer);
		}
	}
	/* Every pixel reads back: the pixel bytes where the parser says they
	 * are equal what was written there, and decode to the pattern. */
	uint32_t bpp = params->format->bytes_per_pixel;
	for (uint32_t y = 0; y < img.height; y++) {
		for (uint32_t x = 0; x < img.width; x++) {
			const float want[4] = {(float)x / (float)params->width,
					       (float)y / (float)params->height, 0.5f, 0.75f};
			uint8_t expected[16];
			tdshm_pixel_from_rgba_f32(params->format, want, expected);
			const uint8_t *px =
			    seg + img.data_offset + y * img.row_bytes + (size_t)x * bpp;
			assert_memory_equal(px, expected, bpp);
			float got[4];
			tdshm_pixel_to_rgba_f32(params->format, px, got);
			/* Loose check that the stored colour is the pattern (precision
			 * itself is test_pixel_format's business): the red ramp, where
			 * the layout keeps red. */
			tdshm_channel_layout l = params->format->layout;
			if (l != TDSHM_LAYOUT_A)
				assert_true(fabsf(got[0] - want[0]) < 0.02f);
			else
				assert_true(fabsf(got[3] - 0.75f) < 0.02f);
		}
	}
	free(seg);
}

static void test_every_format_round_trips_in_every_header_it_fits(void **state)
{
	(void)state;
	size_t legacy = 0, current = 0;
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		tdshm_top_params p = {.width = 7, .height = 5, .format = f};
		if (f->wire_value != 0) {
			p.kind = TDSHM_TOP_HEADER_CURRENT;
			p.version = 0; /* default: 1 */
			round_trip(&p);
			p.version = 1;
			round_trip(&p);
			p.version = 2;
			p.gamut = 2;
			p.transfer = 1;
			round_trip(&p);
			current++;
		}
		if (tdshm_top_legacy_triple(f, NULL, NULL, NULL)) {
			tdshm_top_params lp = {
			    .kind = TDSHM_TOP_HEADER_LEGACY, .width = 3, .height = 9, .format = f};
			round_trip(&lp);
			legacy++;
		}
	}
	assert_int_equal(current, 25);
	/* Everything but sRGB and the packed formats has a legacy form. */
	assert_int_equal(legacy, tdshm_pixel_format_count() - 4);
}

static void test_writer_puts_fields_at_protocol_offsets(void **state)
{
	(void)state;
	tdshm_top_params p = {.kind = TDSHM_TOP_HEADER_CURRENT,
			      .version = 2,
			      .width = 640,
			      .height = 360,
			      .format = format_named("rgba16f"),
			      .gamut = 2,
			      .transfer = 1};
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&p, &size, &err), TDSHM_OK);
	assert_int_equal(size, 56 + 640 * 360 * 8);
	uint8_t *seg = malloc(size);
	assert_non_null(seg);
	memset(seg, 0xFF, size);
	assert_int_equal(tdshm_top_write_header(&p, seg, size, &err), TDSHM_OK);
	assert_int_equal(tdshm_load_u32le(seg, 0), 0xd95ef835u);
	assert_int_equal(tdshm_load_i32le(seg, 4), 2);
	assert_int_equal(tdshm_load_i32le(seg, 8), 640);
	assert_int_equal(tdshm_load_i32le(seg, 12), 360);
	assert_true(tdshm_load_f32le(seg, 16) == 640.0f);
	assert_true(tdshm_load_f32le(seg, 20) == 360.0f);
	assert_int_equal(tdshm_load_u32le(seg, 24), 97);
	assert_int_equal(tdshm_load_u32le(seg, 28), 0); /* padding zeroed */
	assert_int_equal(tdshm_load_i64le(seg, 32), 640 * 360 * 8);
	assert_int_equal(tdshm_load_i32le(seg, 40), 56);
	assert_int_equal(tdshm_load_u32le(seg, 44), 2);
	assert_int_equal(tdshm_load_u32le(seg, 48), 1);
	assert_int_equal(tdshm_load_u32le(seg, 52), 0);
	assert_int_equal(seg[56], 0xFF); /* pixels untouched */

	tdshm_top_params lp = {.kind = TDSHM_TOP_HEADER_LEGACY,
			       .width = 4,
			       .height = 2,
			       .format = format_named("bgra8")};
	assert_int_equal(tdshm_top_header_size(&lp), 40);
	assert_int_equal(tdshm_top_write_header(&lp, seg, size, &err), TDSHM_OK);
	assert_int_equal(tdshm_load_u32le(seg, 0), 0xe95df673u);
	assert_int_equal(tdshm_load_i32le(seg, 4), 2);
	assert_int_equal(tdshm_load_u32le(seg, 24), TDSHM_GL_BGRA);
	assert_int_equal(tdshm_load_u32le(seg, 28), TDSHM_GL_UNSIGNED_BYTE);
	assert_int_equal(tdshm_load_u32le(seg, 32), 0x8058); /* GL_RGBA8 */
	assert_int_equal(tdshm_load_i32le(seg, 36), 40);
	free(seg);
}

static void test_writer_refuses_what_it_cannot_express(void **state)
{
	(void)state;
	uint8_t seg[4096];
	tdshm_error err;
	tdshm_top_params p = {.kind = TDSHM_TOP_HEADER_LEGACY,
			      .width = 4,
			      .height = 4,
			      .format = format_named("rgb10a2")};
	assert_int_equal(tdshm_top_write_header(&p, seg, sizeof(seg), &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "rgb10a2"));
	p.format = format_named("rgba8srgb");
	assert_int_equal(tdshm_top_write_header(&p, seg, sizeof(seg), &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_false(tdshm_top_legacy_triple(format_named("rg11b10f"), NULL, NULL, NULL));
	assert_false(tdshm_top_legacy_triple(NULL, NULL, NULL, NULL));

	p.kind = TDSHM_TOP_HEADER_CURRENT;
	p.format = format_named("bgr8");
	assert_int_equal(tdshm_top_write_header(&p, seg, sizeof(seg), &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "legacy"));

	p.format = format_named("rgba8");
	p.version = 3;
	assert_int_equal(tdshm_top_write_header(&p, seg, sizeof(seg), &err),
			 TDSHM_INVALID_ARGUMENT);
	p.version = 1;
	p.width = 0;
	assert_int_equal(tdshm_top_write_header(&p, seg, sizeof(seg), &err),
			 TDSHM_INVALID_ARGUMENT);
	p.width = TDSHM_TOP_MAX_DIMENSION + 1;
	size_t size;
	assert_int_equal(tdshm_top_segment_size(&p, &size, &err), TDSHM_INVALID_ARGUMENT);
	p.width = 4;
	p.format = NULL;
	assert_int_equal(tdshm_top_segment_size(&p, &size, &err), TDSHM_INVALID_ARGUMENT);

	/* One byte short of header + image. */
	p.format = format_named("rgba8");
	assert_int_equal(tdshm_top_segment_size(&p, &size, &err), TDSHM_OK);
	assert_int_equal(size, 48 + 64);
	memset(seg, 0x77, sizeof(seg));
	assert_int_equal(tdshm_top_write_header(&p, seg, size - 1, &err), TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "too small"));
	assert_int_equal(seg[0], 0x77); /* nothing written */

	/* The largest image accepted has a size that needs 64 bits. */
	p.width = p.height = TDSHM_TOP_MAX_DIMENSION;
	p.format = format_named("rgba32f");
	assert_int_equal(tdshm_top_segment_size(&p, &size, &err), TDSHM_OK);
	assert_true((uint64_t)size == 48 + (uint64_t)32768 * 32768 * 16);
}

/* ---- hostile headers ------------------------------------------------------- */

/* A buffer of size bytes to mutate a copy of a valid segment in. */
static uint8_t *scratch_segment(size_t size)
{
	uint8_t *bad = malloc(size);
	assert_non_null(bad);
	return bad;
}

static uint8_t *valid_segment(tdshm_top_header_kind kind, int32_t version, const char *format,
			      size_t *size)
{
	tdshm_top_params p = {.kind = kind,
			      .version = version,
			      .width = 4,
			      .height = 3,
			      .format = format_named(format)};
	return make_segment(&p, size);
}

static void test_every_truncation_is_refused(void **state)
{
	(void)state;
	const struct {
		tdshm_top_header_kind kind;
		int32_t version;
		const char *format;
	} cases[] = {
	    {TDSHM_TOP_HEADER_CURRENT, 1, "rgba8"},
	    {TDSHM_TOP_HEADER_CURRENT, 2, "rgba32f"},
	    {TDSHM_TOP_HEADER_LEGACY, 0, "bgra8"},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t size;
		uint8_t *seg =
		    valid_segment(cases[c].kind, cases[c].version, cases[c].format, &size);
		tdshm_top_image img;
		tdshm_error err;
		assert_int_equal(tdshm_test_top_parse_exact(seg, size, &img, &err), TDSHM_OK);
		for (size_t n = 0; n < size; n++) {
			tdshm_status status = tdshm_test_top_parse_exact(seg, n, &img, &err);
			if (status != TDSHM_REFUSED || err.message[0] == '\0')
				fail_msg("%s truncated to %zu of %zu bytes: %s \"%s\"",
					 cases[c].format, n, size, tdshm_status_name(status),
					 err.message);
		}
		free(seg);
	}
	tdshm_top_image img;
	tdshm_error err;
	assert_int_equal(tdshm_top_parse(NULL, 100, &img, &err), TDSHM_REFUSED);
}

/* In the refusal tests: a fresh copy of seg in bad, stmt on it, refused
 * with a message holding says. */
#define MUTATE(stmt, says)                                                                         \
	TDSHM_TEST_REFUSED_AFTER(tdshm_test_top_expect_refused, bad, seg, size, stmt, says)

static void test_refusals_name_the_problem(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = valid_segment(TDSHM_TOP_HEADER_CURRENT, 1, "rgba8", &size);
	uint8_t *bad = scratch_segment(size);

	MUTATE(tdshm_store_u32le(bad, 0, 0x12345678u),
	       "not a TouchDesigner image segment (magic 0x12345678");
	MUTATE(tdshm_store_u32le(bad, 0, TDSHM_CHOP_MAGIC), "CHOP");
	MUTATE(tdshm_store_i32le(bad, 4, 0), "version 0");
	MUTATE(tdshm_store_i32le(bad, 4, -7), "version -7");
	MUTATE(tdshm_store_i32le(bad, 8, -4), "-4x3");
	MUTATE(tdshm_store_i32le(bad, 12, 0), "4x0");
	MUTATE(tdshm_store_i32le(bad, 8, TDSHM_TOP_MAX_DIMENSION + 1), "larger than 32768");
	MUTATE(
	    tdshm_store_u32le(bad, 24, 12345),
	    "unknown pixel format 12345 (0x3039): this TouchDesigner may be newer than obs-tdshm");
	/* The legacy-only pseudo formats have no wire number. */
	MUTATE(tdshm_store_u32le(bad, 24, TDSHM_FMT_LEGACY_RGB8), "unknown pixel format");
	MUTATE(tdshm_store_i64le(bad, 32, -1), "dataSize -1");
	MUTATE(tdshm_store_i64le(bad, 32, 47), "dataSize 47 is smaller than the 48 bytes");
	MUTATE(tdshm_store_i64le(bad, 32, INT64_MAX), "runs past the end");
	MUTATE(tdshm_store_i32le(bad, 40, -48), "dataOffset -48 lies inside");
	MUTATE(tdshm_store_i32le(bad, 40, 47), "dataOffset 47 lies inside the 48-byte header");
	MUTATE(tdshm_store_i32le(bad, 40, INT32_MAX), "past the end");
	/* A version-2 header is 56 bytes: dataOffset 48 overlaps it. */
	MUTATE(tdshm_store_i32le(bad, 4, 2), "inside the 56-byte header");
	/* A bigger format than the data holds. */
	MUTATE(tdshm_store_u32le(bad, 24, TDSHM_FMT_R32G32B32A32_FLOAT),
	       "says 4x3 rgba32f (192 bytes) but holds only 48 bytes");
	free(bad);
	free(seg);

	/* The message a user sees for a segment too small for its header. */
	size_t big = 48 + 8000000;
	uint8_t *huge = calloc(1, big);
	assert_non_null(huge);
	tdshm_top_params p = {.kind = TDSHM_TOP_HEADER_CURRENT,
			      .version = 1,
			      .width = 3840,
			      .height = 2160,
			      .format = format_named("rgba32f")};
	size_t want;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&p, &want, &err), TDSHM_OK);
	uint8_t *full = calloc(1, want);
	assert_non_null(full);
	assert_int_equal(tdshm_top_write_header(&p, full, want, &err), TDSHM_OK);
	memcpy(huge, full, 48);
	free(full);
	tdshm_top_image img;
	assert_int_equal(tdshm_top_parse(huge, big, &img, &err), TDSHM_REFUSED);
	print_message("  %s\n", err.message);
	assert_non_null(strstr(err.message,
			       "TouchDesigner segment says 3840x2160 rgba32f (132.7 MB) "
			       "but holds only 8.0 MB"));
	free(huge);
}

static void test_legacy_refusals_name_the_problem(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = valid_segment(TDSHM_TOP_HEADER_LEGACY, 0, "rgba8", &size);
	uint8_t *bad = scratch_segment(size);
	MUTATE(tdshm_store_u32le(bad, 24, 0x1234), "unknown legacy data format 0x1234");
	MUTATE(tdshm_store_u32le(bad, 28, 0x9999), "unknown legacy data type 0x9999");
	MUTATE(tdshm_store_u32le(bad, 24, TDSHM_GL_LUMINANCE),
	       "LUMINANCE with 8-bit components is not supported");
	MUTATE(
	    {
		    tdshm_store_u32le(bad, 24, TDSHM_GL_BGRA);
		    tdshm_store_u32le(bad, 28, TDSHM_GL_FLOAT);
	    },
	    "BGRA with 32-bit float components is not supported");
	MUTATE(tdshm_store_i32le(bad, 36, 39), "inside the 40-byte header");
	MUTATE(tdshm_store_i32le(bad, 36, 41), "but holds only");
	MUTATE(tdshm_store_i32le(bad, 4, 0), "version 0");
	/* An unfamiliar internal format is only TD's business: accepted. */
	memcpy(bad, seg, size);
	tdshm_store_u32le(bad, 32, 0xBEEF);
	tdshm_top_image img;
	tdshm_error err;
	assert_int_equal(tdshm_test_top_parse_exact(bad, size, &img, &err), TDSHM_OK);
	assert_int_equal(img.legacy_internal_format, 0xBEEF);
	free(bad);
	free(seg);
}

/* A later version with fields appended: the reader trusts dataOffset. */
static void test_future_version_is_read_at_its_data_offset(void **state)
{
	(void)state;
	size_t size;
	uint8_t *v1 = valid_segment(TDSHM_TOP_HEADER_CURRENT, 1, "bgra8", &size);
	size_t extra = 40;
	size_t size7 = size + extra;
	uint8_t *v7 = malloc(size7);
	assert_non_null(v7);
	memcpy(v7, v1, 48);
	memset(v7 + 48, 0xAB, extra);
	memcpy(v7 + 48 + extra, v1 + 48, size - 48);
	tdshm_store_i32le(v7, 4, 7);
	tdshm_store_i32le(v7, 40, (int32_t)(48 + extra));
	tdshm_store_u32le(v7, 44, 2);
	tdshm_store_u32le(v7, 48, 1);
	tdshm_top_image img;
	tdshm_error err;
	assert_int_equal(tdshm_test_top_parse_exact(v7, size7, &img, &err), TDSHM_OK);
	assert_int_equal(img.version, 7);
	assert_int_equal(img.data_offset, 88);
	assert_true(img.has_color_info);
	assert_int_equal(img.gamut, 2);
	assert_int_equal(img.transfer, 1);
	assert_memory_equal(v7 + img.data_offset, v1 + 48, size - 48);
	/* A dataSize larger than the image but inside the segment is fine:
	 * senders may round their buffers up. */
	tdshm_store_i64le(v7, 32, (int64_t)(size7 - 88));
	assert_int_equal(tdshm_test_top_parse_exact(v7, size7, &img, &err), TDSHM_OK);
	free(v7);
	free(v1);
}

/* Random damage to a valid header: every outcome is a clean refusal or a
 * description that really lies inside the segment. */
static void test_random_header_damage_never_yields_an_out_of_bounds_image(void **state)
{
	(void)state;
	const char *formats[] = {"rgba8", "rg11b10f", "r16f", "ra32f"};
	uint32_t seed = 2024u;
	size_t accepted = 0, refused = 0;
	for (size_t f = 0; f < 4; f++) {
		for (int kind = 0; kind < 2; kind++) {
			if (!kind &&
			    !tdshm_top_legacy_triple(format_named(formats[f]), NULL, NULL, NULL))
				continue;
			size_t size;
			uint8_t *seg =
			    valid_segment(kind ? TDSHM_TOP_HEADER_CURRENT : TDSHM_TOP_HEADER_LEGACY,
					  1, formats[f], &size);
			uint8_t *bad = scratch_segment(size);
			for (int trial = 0; trial < 20000; trial++) {
				memcpy(bad, seg, size);
				int flips = 1 + (int)(seed % 3);
				for (int k = 0; k < flips; k++) {
					seed = seed * 1664525u + 1013904223u;
					size_t at = (seed >> 8) % 56;
					if (at < size)
						bad[at] = (uint8_t)(seed >> 24);
				}
				size_t n = (seed & 7) == 0 ? (seed >> 3) % (size + 1) : size;
				tdshm_top_image img;
				tdshm_error err;
				tdshm_status status =
				    tdshm_test_top_parse_exact(bad, n, &img, &err);
				if (status == TDSHM_OK) {
					accepted++;
					assert_true(img.width >= 1 &&
						    img.width <= TDSHM_TOP_MAX_DIMENSION);
					assert_true(img.height >= 1 &&
						    img.height <= TDSHM_TOP_MAX_DIMENSION);
					assert_true(img.data_offset <= n);
					assert_true(img.data_size <= n - img.data_offset);
					assert_true(img.data_size >= img.row_bytes * img.height);
				} else {
					refused++;
					assert_int_equal(status, TDSHM_REFUSED);
					assert_true(err.message[0] != '\0');
				}
			}
			free(bad);
			free(seg);
		}
	}
	print_message("  random damage: %zu accepted, %zu refused\n", accepted, refused);
	assert_true(accepted > 0 && refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_format_round_trips_in_every_header_it_fits),
	    cmocka_unit_test(test_writer_puts_fields_at_protocol_offsets),
	    cmocka_unit_test(test_writer_refuses_what_it_cannot_express),
	    cmocka_unit_test(test_every_truncation_is_refused),
	    cmocka_unit_test(test_refusals_name_the_problem),
	    cmocka_unit_test(test_legacy_refusals_name_the_problem),
	    cmocka_unit_test(test_future_version_is_read_at_its_data_offset),
	    cmocka_unit_test(test_random_header_damage_never_yields_an_out_of_bounds_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
