/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/src/info.c: the info block in both layouts, its single-field
 * setters, the postfix rules, and this project's extension at offset 96. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdshm/info.h"
#include "byte_order.h"
#include "test_support.h"

static const tdshm_info_layout layouts[] = {TDSHM_INFO_LAYOUT_POSIX, TDSHM_INFO_LAYOUT_WINDOWS};

static size_t postfix_offset(tdshm_info_layout layout)
{
	return layout == TDSHM_INFO_LAYOUT_WINDOWS ? 10 : 9;
}

static size_t detach_offset(tdshm_info_layout layout)
{
	return layout == TDSHM_INFO_LAYOUT_WINDOWS ? 74 : 41;
}

static tdshm_status read_exact(const uint8_t *bytes, size_t size, tdshm_info_layout layout,
			       tdshm_info *out, tdshm_error *err)
{
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	if (size)
		memcpy(copy, bytes, size);
	tdshm_error_clear(err);
	tdshm_status status = tdshm_info_read(copy, size, layout, out, err);
	free(copy);
	return status;
}

static void test_sizes_and_native_layout(void **state)
{
	(void)state;
	assert_int_equal(tdshm_info_size(TDSHM_INFO_LAYOUT_POSIX), 44);
	assert_int_equal(tdshm_info_size(TDSHM_INFO_LAYOUT_WINDOWS), 76);
#ifdef _WIN32
	assert_int_equal(tdshm_info_native_layout(), TDSHM_INFO_LAYOUT_WINDOWS);
#else
	assert_int_equal(tdshm_info_native_layout(), TDSHM_INFO_LAYOUT_POSIX);
#endif
}

static void test_blocks_round_trip_in_both_layouts(void **state)
{
	(void)state;
	const char *postfixes[] = {"", "a", "zyxwvutsrqponmlkjihgfedcbazyxwv"};
	for (size_t l = 0; l < 2; l++) {
		tdshm_info_layout layout = layouts[l];
		size_t size = tdshm_info_size(layout);
		for (size_t p = 0; p < 3; p++) {
			for (int flags = 0; flags < 4; flags++) {
				tdshm_info in = {.magic = TDSHM_INFO_MAGIC,
						 .version = TDSHM_INFO_VERSION,
						 .supported = flags & 1,
						 .detach = (flags & 2) != 0};
				strcpy(in.postfix, postfixes[p]);
				uint8_t bytes[128];
				memset(bytes, 0xEE, sizeof(bytes));
				tdshm_error err;
				assert_int_equal(tdshm_info_write(&in, layout, bytes, size, &err),
						 TDSHM_OK);
				assert_int_equal(bytes[size], 0xEE); /* exactly size bytes */
				assert_int_equal(tdshm_load_u32le(bytes, 0), 0x56ed34bau);
				assert_int_equal(tdshm_load_i32le(bytes, 4), 2);
				assert_int_equal(bytes[8], in.supported ? 1 : 0);
				assert_int_equal(bytes[detach_offset(layout)], in.detach ? 1 : 0);
				size_t unit = layout == TDSHM_INFO_LAYOUT_WINDOWS ? 2 : 1;
				for (size_t c = 0; c < 32; c++) {
					uint32_t ch =
					    unit == 2 ? tdshm_load_u16le(
							    bytes, postfix_offset(layout) + 2 * c)
						      : bytes[postfix_offset(layout) + c];
					uint32_t want =
					    c < strlen(in.postfix) ? (uint8_t)in.postfix[c] : 0;
					assert_int_equal(ch, want);
				}
				tdshm_info out;
				assert_int_equal(read_exact(bytes, size, layout, &out, &err),
						 TDSHM_OK);
				assert_int_equal(out.magic, in.magic);
				assert_int_equal(out.version, in.version);
				assert_int_equal(out.supported, in.supported);
				assert_int_equal(out.detach, in.detach);
				assert_string_equal(out.postfix, in.postfix);
			}
		}
	}
}

static void test_setters_change_one_byte(void **state)
{
	(void)state;
	for (size_t l = 0; l < 2; l++) {
		tdshm_info_layout layout = layouts[l];
		size_t size = tdshm_info_size(layout);
		tdshm_info in = {.magic = TDSHM_INFO_MAGIC, .version = 2};
		strcpy(in.postfix, "abc");
		uint8_t before[76], after[76];
		tdshm_error err;
		assert_int_equal(tdshm_info_write(&in, layout, before, size, &err), TDSHM_OK);
		memcpy(after, before, size);
		tdshm_info_set_detach(after, layout, true);
		tdshm_info_set_supported(after, layout, true);
		for (size_t b = 0; b < size; b++) {
			if (b == 8 || b == detach_offset(layout))
				assert_int_equal(after[b], 1);
			else
				assert_int_equal(after[b], before[b]);
		}
		tdshm_info out;
		assert_int_equal(read_exact(after, size, layout, &out, &err), TDSHM_OK);
		assert_true(out.detach && out.supported);
		tdshm_info_set_detach(after, layout, false);
		tdshm_info_set_supported(after, layout, false);
		assert_memory_equal(after, before, size);
	}
}

static void expect_read_refused(const uint8_t *bytes, size_t size, tdshm_info_layout layout,
				const char *says)
{
	tdshm_info out;
	tdshm_error err;
	tdshm_status status = read_exact(bytes, size, layout, &out, &err);
	if (status != TDSHM_REFUSED)
		fail_msg("status %s, want refused with \"%s\"", tdshm_status_name(status), says);
	if (!strstr(err.message, says))
		fail_msg("message \"%s\" does not say \"%s\"", err.message, says);
}

static void test_reader_refuses_what_a_sender_cannot_have_written(void **state)
{
	(void)state;
	for (size_t l = 0; l < 2; l++) {
		tdshm_info_layout layout = layouts[l];
		size_t size = tdshm_info_size(layout);
		size_t unit = layout == TDSHM_INFO_LAYOUT_WINDOWS ? 2 : 1;
		tdshm_info in = {.magic = TDSHM_INFO_MAGIC, .version = 2};
		strcpy(in.postfix, "abc");
		uint8_t good[76], bad[76];
		tdshm_error err;
		assert_int_equal(tdshm_info_write(&in, layout, good, size, &err), TDSHM_OK);

		for (size_t n = 0; n < size; n++)
			expect_read_refused(good, n, layout, "less than the");
		memcpy(bad, good, size);
		tdshm_store_u32le(bad, 0, 0x12345678u);
		expect_read_refused(bad, size, layout,
				    "not a TouchDesigner info block (magic 0x12345678");
		/* Postfix characters outside a..z would name another segment. */
		memcpy(bad, good, size);
		bad[postfix_offset(layout) + unit] = 'B';
		expect_read_refused(bad, size, layout, "position 1");
		memcpy(bad, good, size);
		bad[postfix_offset(layout)] = '/';
		expect_read_refused(bad, size, layout, "position 0");
		/* 32 characters leave no room for the terminating NUL. */
		memcpy(bad, good, size);
		for (size_t c = 0; c < 32; c++)
			bad[postfix_offset(layout) + c * unit] = 'q';
		expect_read_refused(bad, size, layout, "not terminated");
		if (unit == 2) {
			/* A UTF-16 unit whose low byte is a letter is still refused. */
			memcpy(bad, good, size);
			tdshm_store_u16le(bad, postfix_offset(layout), 0x0161); /* 'a' + 0x100 */
			expect_read_refused(bad, size, layout, "0x0161");
		}
		/* Whatever follows the NUL is ignored, as TD ignores it. */
		memcpy(bad, good, size);
		bad[postfix_offset(layout) + 10 * unit] = 'X';
		tdshm_info out;
		assert_int_equal(read_exact(bad, size, layout, &out, &err), TDSHM_OK);
		assert_string_equal(out.postfix, "abc");
	}
	tdshm_info out;
	tdshm_error err;
	assert_int_equal(tdshm_info_read(NULL, 100, TDSHM_INFO_LAYOUT_POSIX, &out, &err),
			 TDSHM_REFUSED);
}

static void test_writer_refuses_a_bad_postfix_or_buffer(void **state)
{
	(void)state;
	uint8_t bytes[76];
	tdshm_error err;
	tdshm_info in = {.magic = TDSHM_INFO_MAGIC, .version = 2};
	memset(in.postfix, 'a', sizeof(in.postfix)); /* no NUL */
	assert_int_equal(tdshm_info_write(&in, TDSHM_INFO_LAYOUT_POSIX, bytes, 44, &err),
			 TDSHM_INVALID_ARGUMENT);
	strcpy(in.postfix, "abC");
	assert_int_equal(tdshm_info_write(&in, TDSHM_INFO_LAYOUT_WINDOWS, bytes, 76, &err),
			 TDSHM_INVALID_ARGUMENT);
	strcpy(in.postfix, "abc");
	assert_int_equal(tdshm_info_write(&in, TDSHM_INFO_LAYOUT_WINDOWS, bytes, 75, &err),
			 TDSHM_INVALID_ARGUMENT);
	assert_non_null(strstr(err.message, "too small"));
}

static void test_extension_lives_at_offset_96_when_there_is_room(void **state)
{
	(void)state;
	uint8_t *seg = calloc(1, TDSHM_INFO_SEGMENT_SIZE);
	assert_non_null(seg);
	tdshm_info_ext ext;
	assert_false(tdshm_info_ext_read(seg, TDSHM_INFO_SEGMENT_SIZE, &ext)); /* TD's own */

	tdshm_info_ext in = {.pid = 0x01020304u, .frame_serial = 0x1122334455667788ull};
	tdshm_info_ext_write(seg, TDSHM_INFO_SEGMENT_SIZE, &in);
	assert_int_equal(tdshm_load_u32le(seg, 96), 0x626f6474u);
	assert_int_equal(tdshm_load_u32le(seg, 100), 0x01020304u);
	assert_int_equal(tdshm_load_u64le(seg, 104), 0x1122334455667788ull);
	for (size_t b = 0; b < 96; b++)
		assert_int_equal(seg[b], 0); /* TD's block untouched */
	for (size_t b = 112; b < TDSHM_INFO_SEGMENT_SIZE; b++)
		assert_int_equal(seg[b], 0);
	assert_true(tdshm_info_ext_read(seg, TDSHM_INFO_SEGMENT_SIZE, &ext));
	assert_int_equal(ext.pid, in.pid);
	assert_int_equal(ext.frame_serial, in.frame_serial);

	tdshm_info_ext_set_serial(seg, TDSHM_INFO_SEGMENT_SIZE, 42);
	assert_true(tdshm_info_ext_read(seg, 112, &ext));
	assert_int_equal(ext.pid, in.pid);
	assert_int_equal(ext.frame_serial, 42);
	/* Too small to hold it (a TD-made info segment): neither read nor
	 * written, and no byte past the block is touched (ASan: exact size). */
	assert_false(tdshm_info_ext_read(seg, 111, &ext));
	free(seg);
	uint8_t *small = calloc(1, 111);
	assert_non_null(small);
	tdshm_info_ext_write(small, 111, &in);
	tdshm_info_ext_set_serial(small, 111, 7);
	for (size_t b = 0; b < 111; b++)
		assert_int_equal(small[b], 0);
	free(small);
	assert_false(tdshm_info_ext_read(NULL, 0, &ext));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes_and_native_layout),
	    cmocka_unit_test(test_blocks_round_trip_in_both_layouts),
	    cmocka_unit_test(test_setters_change_one_byte),
	    cmocka_unit_test(test_reader_refuses_what_a_sender_cannot_have_written),
	    cmocka_unit_test(test_writer_refuses_a_bad_postfix_or_buffer),
	    cmocka_unit_test(test_extension_lives_at_offset_96_when_there_is_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
