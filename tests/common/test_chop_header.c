/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/src/chop.c: CHOP blocks written and read back, channel names with
 * their fallbacks, and every way a hostile header is refused. Segments are
 * heap blocks of exactly the "mapped" size, so ASan sees any overread. */
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
#include "tdshm/top.h"
#include "byte_order.h"
#include "parse_support.h"
#include "test_support.h"

#define CHANNELS 5
#define LENGTH 100

static const char *const test_names[CHANNELS] = {"tx", "ty", "tz", "rx", "longer_name"};

static float sample_value(uint32_t c, uint32_t s)
{
	return (float)c * 1000.0f + (float)s * 0.5f - 3.25f;
}

/* A CHOP segment of exactly the size it needs (names may be NULL). */
static uint8_t *make_block(const char *const *names, size_t *size)
{
	static float storage[CHANNELS][LENGTH];
	const float *planes[CHANNELS];
	for (uint32_t c = 0; c < CHANNELS; c++) {
		for (uint32_t s = 0; s < LENGTH; s++)
			storage[c][s] = sample_value(c, s);
		planes[c] = storage[c];
	}
	tdshm_error err;
	if (tdshm_chop_segment_size(CHANNELS, LENGTH, names, size, &err) != TDSHM_OK)
		fail_msg("segment size: %s", err.message);
	uint8_t *seg = malloc(*size);
	assert_non_null(seg);
	if (tdshm_chop_write(seg, *size, CHANNELS, LENGTH, 44100.0f, planes, names, &err) !=
	    TDSHM_OK)
		fail_msg("write: %s", err.message);
	return seg;
}

static void test_block_round_trips_samples_and_names(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = make_block(test_names, &size);
	size_t names_bytes = 3 + 3 + 3 + 3 + 12;
	assert_int_equal(size, 36 + CHANNELS * LENGTH * 4 + names_bytes);
	/* Field offsets of docs/protocol.md §4. */
	assert_int_equal(tdshm_load_u32le(seg, 0), 0x12ED54CFu);
	assert_int_equal(tdshm_load_i32le(seg, 4), 1);
	assert_int_equal(tdshm_load_u32le(seg, 8), size);
	assert_int_equal(tdshm_load_u32le(seg, 12), CHANNELS);
	assert_int_equal(tdshm_load_u32le(seg, 16), LENGTH);
	assert_true(tdshm_load_f32le(seg, 20) == 44100.0f);
	assert_int_equal(tdshm_load_u32le(seg, 24), 1);
	assert_int_equal(tdshm_load_u32le(seg, 28), 36);
	assert_int_equal(tdshm_load_u32le(seg, 32), 36 + CHANNELS * LENGTH * 4);
	/* Planar: channel 1, sample 0 follows all of channel 0. */
	assert_true(tdshm_load_f32le(seg, 36 + LENGTH * 4) == sample_value(1, 0));
	assert_memory_equal(seg + 36 + CHANNELS * LENGTH * 4, "tx\0ty\0tz\0rx\0longer_name\0",
			    names_bytes);

	uint8_t *exact = malloc(size);
	assert_non_null(exact);
	memcpy(exact, seg, size);
	tdshm_chop_block block;
	tdshm_error err;
	assert_int_equal(tdshm_chop_parse(exact, size, &block, &err), TDSHM_OK);
	assert_int_equal(block.version, 1);
	assert_int_equal(block.declared_size, size);
	assert_int_equal(block.channels, CHANNELS);
	assert_int_equal(block.length, LENGTH);
	assert_true(block.sample_rate == 44100.0f);
	assert_true(block.names_sent);
	assert_int_equal(block.data_offset, 36);
	assert_int_equal(block.names_offset, 36 + CHANNELS * LENGTH * 4);
	assert_int_equal(block.names_size, names_bytes);
	for (uint32_t c = 0; c < CHANNELS; c++) {
		float got[LENGTH];
		tdshm_chop_read_samples(exact, &block, c, 0, LENGTH, got);
		for (uint32_t s = 0; s < LENGTH; s++)
			assert_true(got[s] == sample_value(c, s));
		char name[TDSHM_CHOP_NAME_MAX];
		assert_true(tdshm_chop_channel_name(exact, &block, c, name, sizeof(name)));
		assert_string_equal(name, test_names[c]);
	}
	/* A part of a channel, and requests past its end read as silence. */
	float part[10];
	tdshm_chop_read_samples(exact, &block, 2, 95, 10, part);
	for (int i = 0; i < 5; i++)
		assert_true(part[i] == sample_value(2, 95 + (uint32_t)i));
	for (int i = 5; i < 10; i++)
		assert_true(part[i] == 0.0f);
	tdshm_chop_read_samples(exact, &block, CHANNELS, 0, 10, part);
	for (int i = 0; i < 10; i++)
		assert_true(part[i] == 0.0f);
	/* A small buffer truncates the name, still NUL-terminated. */
	char small[5];
	assert_true(tdshm_chop_channel_name(exact, &block, 4, small, sizeof(small)));
	assert_string_equal(small, "long");
	/* A channel past the count falls back. */
	char name[16];
	assert_false(tdshm_chop_channel_name(exact, &block, CHANNELS, name, sizeof(name)));
	assert_string_equal(name, "chan6");
	free(exact);
	free(seg);
}

static void test_missing_or_broken_names_fall_back_to_chanN(void **state)
{
	(void)state;
	char name[32];
	tdshm_chop_block block;
	tdshm_error err;

	/* Names not sent. */
	size_t size;
	uint8_t *seg = make_block(NULL, &size);
	assert_int_equal(size, 36 + CHANNELS * LENGTH * 4);
	assert_int_equal(tdshm_load_u32le(seg, 24), 0);
	assert_int_equal(tdshm_chop_parse(seg, size, &block, &err), TDSHM_OK);
	assert_false(block.names_sent);
	for (uint32_t c = 0; c < CHANNELS; c++) {
		assert_false(tdshm_chop_channel_name(seg, &block, c, name, sizeof(name)));
		char want[16];
		snprintf(want, sizeof(want), "chan%u", c + 1);
		assert_string_equal(name, want);
	}
	free(seg);

	/* The last name is not NUL-terminated inside the segment. */
	seg = make_block(test_names, &size);
	size_t cut = size - 2; /* "longer_nam" without "e\0" */
	tdshm_store_u32le(seg, 8, (uint32_t)cut);
	uint8_t *exact = malloc(cut);
	assert_non_null(exact);
	memcpy(exact, seg, cut);
	assert_int_equal(tdshm_chop_parse(exact, cut, &block, &err), TDSHM_OK);
	assert_true(tdshm_chop_channel_name(exact, &block, 3, name, sizeof(name)));
	assert_string_equal(name, "rx");
	assert_false(tdshm_chop_channel_name(exact, &block, 4, name, sizeof(name)));
	assert_string_equal(name, "chan5");
	free(exact);

	/* The list ends early: names offset at the fourth name. */
	uint32_t names_at = tdshm_load_u32le(seg, 32);
	tdshm_store_u32le(seg, 8, (uint32_t)size);
	tdshm_store_u32le(seg, 32, names_at + 9);
	assert_int_equal(tdshm_test_chop_parse_exact(seg, size, &block, &err), TDSHM_OK);
	assert_true(tdshm_chop_channel_name(seg, &block, 0, name, sizeof(name)));
	assert_string_equal(name, "rx");
	assert_true(tdshm_chop_channel_name(seg, &block, 1, name, sizeof(name)));
	assert_string_equal(name, "longer_name");
	assert_false(tdshm_chop_channel_name(seg, &block, 2, name, sizeof(name)));
	assert_string_equal(name, "chan3");

	/* Names offset at the very end: nothing to read, all fall back. */
	tdshm_store_u32le(seg, 32, (uint32_t)size);
	assert_int_equal(tdshm_test_chop_parse_exact(seg, size, &block, &err), TDSHM_OK);
	assert_int_equal(block.names_size, 0);
	assert_false(tdshm_chop_channel_name(seg, &block, 0, name, sizeof(name)));
	assert_string_equal(name, "chan1");

	free(seg);

	/* An empty name is no name. */
	const char *const with_empty[CHANNELS] = {"", "ty", "tz", "rx", "longer_name"};
	seg = make_block(with_empty, &size);
	assert_int_equal(tdshm_test_chop_parse_exact(seg, size, &block, &err), TDSHM_OK);
	assert_false(tdshm_chop_channel_name(seg, &block, 0, name, sizeof(name)));
	assert_string_equal(name, "chan1");
	assert_true(tdshm_chop_channel_name(seg, &block, 2, name, sizeof(name)));
	assert_string_equal(name, "tz");
	free(seg);
}

static void test_refusals_name_the_problem(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = make_block(test_names, &size);
	uint8_t *bad = malloc(size);
	assert_non_null(bad);

#define MUTATE(stmt, says)                                                                         \
	TDSHM_TEST_REFUSED_AFTER(tdshm_test_chop_expect_refused, bad, seg, size, stmt, says)

	MUTATE(tdshm_store_u32le(bad, 0, TDSHM_TOP_MAGIC), "TOP (image) segment");
	MUTATE(tdshm_store_u32le(bad, 0, TDSHM_TOP_LEGACY_MAGIC), "TOP (image) segment");
	MUTATE(tdshm_store_u32le(bad, 0, 0xdeadbeefu),
	       "not a TouchDesigner CHOP segment (magic 0xdeadbeef");
	MUTATE(tdshm_store_i32le(bad, 4, 0), "version 0");
	MUTATE(tdshm_store_u32le(bad, 8, (uint32_t)size + 1), "but");
	MUTATE(tdshm_store_u32le(bad, 8, 35), "says it is 35 bytes");
	MUTATE(tdshm_store_i32le(bad, 12, TDSHM_CHOP_MAX_CHANNELS + 1), "channel count 4097");
	MUTATE(tdshm_store_i32le(bad, 12, -1), "channel count -1");
	MUTATE(tdshm_store_i32le(bad, 16, -5), "length -5");
	MUTATE(tdshm_store_i32le(bad, 16, INT32_MAX), "run past the end");
	MUTATE(tdshm_store_i32le(bad, 16, LENGTH + 2), "run past the end");
	MUTATE(tdshm_store_f32le(bad, 20, NAN), "sample rate");
	MUTATE(tdshm_store_f32le(bad, 20, INFINITY), "sample rate");
	MUTATE(tdshm_store_f32le(bad, 20, -48000.0f), "sample rate");
	MUTATE(tdshm_store_i32le(bad, 28, 32), "data offset 32 lies inside");
	MUTATE(tdshm_store_i32le(bad, 28, 38), "not a multiple of 4");
	/* Names follow the data: one sample further and the data overruns. */
	MUTATE(tdshm_store_i32le(bad, 28, (int32_t)(size - CHANNELS * LENGTH * 4 + 4)),
	       "run past the end");
	MUTATE(tdshm_store_i32le(bad, 28, INT32_MAX - 3), "run past the end");
	MUTATE(tdshm_store_i32le(bad, 32, 8), "name offset 8 lies inside");
	MUTATE(tdshm_store_i32le(bad, 32, (int32_t)size + 1), "name offset");
	MUTATE(tdshm_store_i32le(bad, 32, -1), "name offset -1");
#undef MUTATE

	/* Names offset is not checked when no names are sent. */
	memcpy(bad, seg, size);
	tdshm_store_u32le(bad, 24, 0);
	tdshm_store_i32le(bad, 32, -1);
	tdshm_chop_block block;
	tdshm_error err;
	assert_int_equal(tdshm_test_chop_parse_exact(bad, size, &block, &err), TDSHM_OK);

	/* Every truncation is refused. */
	for (size_t n = 0; n < size; n++) {
		tdshm_status status = tdshm_test_chop_parse_exact(seg, n, &block, &err);
		if (status != TDSHM_REFUSED || err.message[0] == '\0')
			fail_msg("truncated to %zu: %s", n, tdshm_status_name(status));
	}
	assert_int_equal(tdshm_chop_parse(NULL, 100, &block, &err), TDSHM_REFUSED);
	free(bad);
	free(seg);
}

static void test_writer_refuses_what_does_not_fit(void **state)
{
	(void)state;
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_chop_segment_size(TDSHM_CHOP_MAX_CHANNELS + 1, 1, NULL, &size, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_int_equal(
	    tdshm_chop_segment_size(TDSHM_CHOP_MAX_CHANNELS, 1u << 20, NULL, &size, &err),
	    TDSHM_INVALID_ARGUMENT); /* 16 GiB: more than the i32 fields say */
	assert_non_null(strstr(err.message, "do not fit"));
	const char *names[2] = {"a", NULL};
	assert_int_equal(tdshm_chop_segment_size(2, 4, names, &size, &err), TDSHM_INVALID_ARGUMENT);
	assert_int_equal(tdshm_chop_segment_size(0, 0, NULL, &size, &err), TDSHM_OK);
	assert_int_equal(size, 36);

	const float plane[4] = {1, 2, 3, 4};
	const float *planes[1] = {plane};
	uint8_t seg[64];
	memset(seg, 0x11, sizeof(seg));
	assert_int_equal(tdshm_chop_write(seg, 51, 1, 4, 48000.0f, planes, NULL, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "too small"));
	assert_int_equal(seg[0], 0x11);
	/* A bigger segment than needed: the size field says the whole segment. */
	assert_int_equal(tdshm_chop_write(seg, sizeof(seg), 1, 4, 48000.0f, planes, NULL, &err),
			 TDSHM_OK);
	assert_int_equal(tdshm_load_u32le(seg, 8), sizeof(seg));
	tdshm_chop_block block;
	assert_int_equal(tdshm_chop_parse(seg, sizeof(seg), &block, &err), TDSHM_OK);
	float got[4];
	tdshm_chop_read_samples(seg, &block, 0, 0, 4, got);
	assert_memory_equal(got, plane, sizeof(got));
}

static void test_random_header_damage_never_reads_outside(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = make_block(test_names, &size);
	uint8_t *bad = malloc(size);
	assert_non_null(bad);
	uint32_t seed = 99u;
	size_t accepted = 0, refused = 0;
	for (int trial = 0; trial < 50000; trial++) {
		memcpy(bad, seg, size);
		int flips = 1 + trial % 3;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1664525u + 1013904223u;
			bad[(seed >> 8) % 36] = (uint8_t)(seed >> 24);
		}
		size_t n = (trial % 5 == 0) ? (seed >> 4) % (size + 1) : size;
		uint8_t *exact = malloc(n ? n : 1);
		assert_non_null(exact);
		memcpy(exact, bad, n);
		tdshm_chop_block block;
		tdshm_error err;
		if (tdshm_chop_parse(exact, n, &block, &err) == TDSHM_OK) {
			accepted++;
			assert_true(block.channels <= TDSHM_CHOP_MAX_CHANNELS);
			assert_true(block.data_offset <= n);
			assert_true((uint64_t)block.channels * block.length * 4 <=
				    n - block.data_offset);
			/* Read everything the block claims: ASan checks the bounds. */
			float sample;
			for (uint32_t c = 0; c < block.channels && c < 64; c++) {
				if (block.length > 0)
					tdshm_chop_read_samples(exact, &block, c, block.length - 1,
								1, &sample);
				char name[TDSHM_CHOP_NAME_MAX];
				tdshm_chop_channel_name(exact, &block, c, name, sizeof(name));
				assert_true(strlen(name) < sizeof(name));
			}
		} else {
			refused++;
			assert_true(err.message[0] != '\0');
		}
		free(exact);
	}
	print_message("  random damage: %zu accepted, %zu refused\n", accepted, refused);
	assert_true(accepted > 0 && refused > 0);
	free(bad);
	free(seg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_block_round_trips_samples_and_names),
	    cmocka_unit_test(test_missing_or_broken_names_fall_back_to_chanN),
	    cmocka_unit_test(test_refusals_name_the_problem),
	    cmocka_unit_test(test_writer_refuses_what_does_not_fit),
	    cmocka_unit_test(test_random_header_damage_never_reads_outside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
