/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every file of tests/vectors, read as manifest.json says it must be.
 *
 * The expected answers (sizes, formats, pixels, names, samples) come from
 * the manifest at run time; the only thing this file knows on its own is
 * which words our refusal messages use for each kind of damage, so that a
 * user reading the message learns what is wrong. Vectors are loaded into
 * heap blocks of exactly their size: under ASan a parser that reads one
 * byte past the "mapping" fails the suite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <dirent.h>
#include <cmocka.h>

#include "tdshm/chop.h"
#include "tdshm/info.h"
#include "tdshm/pixel_format.h"
#include "tdshm/top.h"
#include "manifest.h"
#include "test_support.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Loads a vector named by the manifest; a missing file fails the test. */
static uint8_t *load_vector(const tdshm_json *entry, size_t *size)
{
	const char *file = tdshm_json_string(entry, "file");
	uint8_t *bytes = tdshm_test_read_vector(file, size);
	if (!bytes)
		fail_msg("vector %s/%s is missing", tdshm_test_vectors_dir(), file);
	assert_int_equal(*size, (size_t)tdshm_json_number(entry, "bytes"));
	return bytes;
}

static bool is_top(const char *file)
{
	return starts_with(file, "top_");
}

static bool is_chop(const char *file)
{
	return starts_with(file, "chop_");
}

static bool is_top_or_chop(const char *file)
{
	return is_top(file) || is_chop(file);
}

static bool is_info(const char *file)
{
	return starts_with(file, "info_");
}

/* Runs check on every manifest entry whose file is wanted, in manifest
 * order; fails the test when there is none (a run that checked nothing
 * would prove nothing). */
static void check_each_vector(bool (*wanted)(const char *file),
			      void (*check)(const tdshm_json *entry, const char *file))
{
	tdshm_json *manifest = tdshm_test_load_manifest();
	size_t checked = 0;
	for (size_t i = 0; i < manifest->count; i++) {
		const tdshm_json *entry = &manifest->items[i];
		const char *file = tdshm_json_string(entry, "file");
		if (!wanted(file))
			continue;
		check(entry, file);
		checked++;
	}
	assert_true(checked > 0);
	tdshm_json_free(manifest);
}

static uint8_t to_u8(float v)
{
	if (!(v > 0.0f))
		return 0;
	if (v >= 1.0f)
		return 255;
	return (uint8_t)lrintf(v * 255.0f);
}

/* ---- the manifest and the directory agree ------------------------------- */

static void test_manifest_names_every_vector_and_every_vector_exists(void **state)
{
	(void)state;
	tdshm_json *manifest = tdshm_test_load_manifest();
	for (size_t i = 0; i < manifest->count; i++) {
		size_t size = 0;
		free(load_vector(&manifest->items[i], &size));
	}
	/* And nothing in the directory escapes the suite unread. */
	DIR *dir = opendir(tdshm_test_vectors_dir());
	assert_non_null(dir);
	struct dirent *e;
	size_t bin_files = 0;
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".bin") != 0)
			continue;
		bin_files++;
		bool listed = false;
		for (size_t i = 0; i < manifest->count && !listed; i++)
			listed =
			    strcmp(tdshm_json_string(&manifest->items[i], "file"), e->d_name) == 0;
		if (!listed)
			fail_msg("%s is in the vectors directory but not in manifest.json",
				 e->d_name);
	}
	closedir(dir);
	assert_int_equal(bin_files, manifest->count);
	tdshm_json_free(manifest);
}

/* ---- images -------------------------------------------------------------- */

static void check_top_header_fields(const tdshm_json *entry, const tdshm_top_image *img)
{
	const char *file = tdshm_json_string(entry, "file");
	const char *kind = tdshm_json_string(entry, "header");
	bool legacy = strcmp(kind, "legacy") == 0;
	if (!legacy && strcmp(kind, "current") != 0)
		fail_msg("%s: unknown header kind \"%s\" in the manifest", file, kind);
	assert_int_equal(img->kind, legacy ? TDSHM_TOP_HEADER_LEGACY : TDSHM_TOP_HEADER_CURRENT);
	assert_int_equal(img->version, (int)tdshm_json_number(entry, "version"));
	assert_int_equal(img->width, (unsigned)tdshm_json_number(entry, "width"));
	assert_int_equal(img->height, (unsigned)tdshm_json_number(entry, "height"));
	assert_int_equal(img->data_offset, (size_t)tdshm_json_number(entry, "data_offset"));
	assert_int_equal(img->row_bytes, img->width * img->format->bytes_per_pixel);
	assert_true(img->data_size >= img->row_bytes * img->height);
	if (legacy) {
		assert_int_equal(img->legacy_data_format,
				 (unsigned)tdshm_json_number(entry, "data_format"));
		assert_int_equal(img->legacy_data_type,
				 (unsigned)tdshm_json_number(entry, "data_type"));
	} else {
		assert_int_equal(img->format->wire_value,
				 (unsigned)tdshm_json_number(entry, "pixel_format"));
	}
	if (tdshm_json_get(entry, "gamut")) {
		assert_true(img->has_color_info);
		assert_int_equal(img->gamut, (unsigned)tdshm_json_number(entry, "gamut"));
		assert_int_equal(img->transfer, (unsigned)tdshm_json_number(entry, "transfer"));
	} else if (img->version < 2) {
		/* Version 1 has no colour fields; later versions keep version 2's
		 * (fields are only appended), whatever values they hold. */
		assert_false(img->has_color_info);
	}
}

/* Expected component (0..255) of the pixel at (x, y), y counted from the top. */
static int expected_component(const tdshm_json *entry, uint32_t x, uint32_t y, int c)
{
	const tdshm_json *rows = tdshm_json_array(entry, "image_top_row_first_rgba8");
	const tdshm_json *px = tdshm_json_at(tdshm_json_at(tdshm_json_at(rows, y), x), (size_t)c);
	if (!px || px->type != TDSHM_JSON_NUMBER)
		fail_msg("%s: image_top_row_first_rgba8 has no component %d at %u,%u",
			 tdshm_json_string(entry, "file"), c, x, y);
	return (int)px->number;
}

static void check_top_pixels(const tdshm_json *entry, const uint8_t *bytes,
			     const tdshm_top_image *img)
{
	const char *file = tdshm_json_string(entry, "file");
	const tdshm_json *rows = tdshm_json_array(entry, "image_top_row_first_rgba8");
	assert_int_equal(rows->count, img->height);
	/* 8-bit storage must come back exactly; 16-bit and float within one
	 * step once converted back to 8 bits. */
	int tolerance = img->format->bits == 8 ? 0 : 1;
	for (uint32_t y = 0; y < img->height; y++) {
		assert_int_equal(tdshm_json_at(rows, y)->count, img->width);
		/* Rows are stored bottom-up: the top row is the last in memory. */
		size_t row = img->height - 1 - y;
		const uint8_t *line = bytes + img->data_offset + row * img->row_bytes;
		for (uint32_t x = 0; x < img->width; x++) {
			float rgba[4];
			tdshm_pixel_to_rgba_f32(
			    img->format, line + (size_t)x * img->format->bytes_per_pixel, rgba);
			for (int c = 0; c < 4; c++) {
				int want = expected_component(entry, x, y, c);
				int got = to_u8(rgba[c]);
				if (abs(got - want) > tolerance)
					fail_msg(
					    "%s: pixel (%u,%u) from the top, component %d: got "
					    "%d (%g), want %d",
					    file, x, y, c, got, (double)rgba[c], want);
			}
		}
	}
}

/* A header written from the manifest's description, with pixels converted
 * from its 8-bit image, must be the very bytes of the vector wherever our
 * writer can express that header (versions 1 and 2, legacy). */
static void check_top_writer_reproduces(const tdshm_json *entry, const uint8_t *bytes, size_t size,
					const tdshm_top_image *img)
{
	if (img->kind == TDSHM_TOP_HEADER_CURRENT && img->version > 2)
		return; /* a future header: the reader's case only (checked above) */
	tdshm_top_params params = {
	    .kind = img->kind,
	    .version = img->kind == TDSHM_TOP_HEADER_LEGACY ? 0 : img->version,
	    .width = img->width,
	    .height = img->height,
	    .format = img->format,
	    .gamut = img->gamut,
	    .transfer = img->transfer,
	};
	size_t total = 0;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&params, &total, &err), TDSHM_OK);
	assert_int_equal(total, size);
	uint8_t *written = malloc(total);
	assert_non_null(written);
	memset(written, 0xAA, total);
	assert_int_equal(tdshm_top_write_header(&params, written, total, &err), TDSHM_OK);
	size_t header = tdshm_top_header_size(&params);
	for (uint32_t y = 0; y < img->height; y++) {
		uint8_t *line = written + header + (size_t)(img->height - 1 - y) * img->row_bytes;
		for (uint32_t x = 0; x < img->width; x++) {
			float rgba[4];
			for (int c = 0; c < 4; c++)
				rgba[c] = (float)expected_component(entry, x, y, c) / 255.0f;
			tdshm_pixel_from_rgba_f32(img->format, rgba,
						  line + (size_t)x * img->format->bytes_per_pixel);
		}
	}
	for (size_t i = 0; i < total; i++) {
		if (written[i] != bytes[i])
			fail_msg("%s: writer differs at byte %zu: 0x%02x, vector has 0x%02x",
				 tdshm_json_string(entry, "file"), i, written[i], bytes[i]);
	}
	free(written);
}

static void check_top_vector(const tdshm_json *entry, const char *file)
{
	assert_true(tdshm_json_bool(entry, "valid"));
	size_t size = 0;
	uint8_t *bytes = load_vector(entry, &size);
	tdshm_top_image img;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_top_parse(bytes, size, &img, &err);
	if (status != TDSHM_OK)
		fail_msg("%s refused: %s", file, err.message);
	check_top_header_fields(entry, &img);
	check_top_pixels(entry, bytes, &img);
	check_top_writer_reproduces(entry, bytes, size, &img);
	free(bytes);
}

static void test_top_vectors_decode_to_the_manifest_image(void **state)
{
	(void)state;
	check_each_vector(is_top, check_top_vector);
}

/* ---- refusals ------------------------------------------------------------ */

/* What our message must say for each kind of damage the manifest names. */
static const struct {
	const char *why;
	const char *says;
} refusal_words[] = {
    {"dataOffset past the segment", "past the end"},
    {"dataOffset inside the header", "inside the 48-byte header"},
    {"dataSize smaller than width*height*4", "is smaller than"},
    {"dataSize past the segment", "past the end"},
    {"negative width", "must be positive"},
    {"zero height", "must be positive"},
    {"width*height*bpp overflows", "larger than"},
    {"unknown pixel format", "unknown pixel format"},
    {"wrong magic", "not a TouchDesigner image segment"},
    {"segment shorter than the header", "less than the 48-byte image header"},
    {"unknown legacy data type", "unknown legacy data type"},
    {"numChans*length*4 past the segment", "past the end"},
    {"nameDataOffset past the segment", "name offset"},
};

static const char *expected_words(const char *why)
{
	for (size_t i = 0; i < sizeof(refusal_words) / sizeof(refusal_words[0]); i++) {
		if (strcmp(refusal_words[i].why, why) == 0)
			return refusal_words[i].says;
	}
	fail_msg("manifest names a new kind of damage (\"%s\"): add what our message says", why);
	return NULL;
}

static tdshm_status parse_as_its_kind(const char *file, const uint8_t *bytes, size_t size,
				      tdshm_error *err)
{
	if (starts_with(file, "bad_chop_")) {
		tdshm_chop_block block;
		return tdshm_chop_parse(bytes, size, &block, err);
	}
	tdshm_top_image img;
	return tdshm_top_parse(bytes, size, &img, err);
}

static void test_bad_vectors_are_refused_with_a_message_naming_the_problem(void **state)
{
	(void)state;
	tdshm_json *manifest = tdshm_test_load_manifest();
	size_t good_size = 0;
	uint8_t *good = tdshm_test_read_vector("top_v1_rgba8.bin", &good_size);
	assert_non_null(good);
	size_t refused = 0;
	for (size_t i = 0; i < manifest->count; i++) {
		const tdshm_json *entry = &manifest->items[i];
		if (tdshm_json_bool(entry, "valid"))
			continue;
		const char *file = tdshm_json_string(entry, "file");
		const char *says = expected_words(tdshm_json_string(entry, "why"));
		size_t size = 0;
		uint8_t *bytes = load_vector(entry, &size);
		tdshm_error err;
		tdshm_error_clear(&err);
		tdshm_status status = parse_as_its_kind(file, bytes, size, &err);
		if (status != TDSHM_REFUSED)
			fail_msg("%s (%s): status %s, want refused", file,
				 tdshm_json_string(entry, "why"), tdshm_status_name(status));
		assert_int_equal(err.status, TDSHM_REFUSED);
		if (!strstr(err.message, says))
			fail_msg("%s (%s): message \"%s\" does not say \"%s\"", file,
				 tdshm_json_string(entry, "why"), err.message, says);
		print_message("  %-30s -> %s\n", file, err.message);
		free(bytes);
		refused++;

		/* The parser keeps working after a refusal. */
		tdshm_top_image img;
		assert_int_equal(tdshm_top_parse(good, good_size, &img, &err), TDSHM_OK);
	}
	assert_true(refused > 0);
	free(good);
	tdshm_json_free(manifest);
}

/* ---- info blocks --------------------------------------------------------- */

static void check_info_vector(const tdshm_json *entry, const char *file)
{
	const char *layout_name = tdshm_json_string(entry, "layout");
	tdshm_info_layout layout = TDSHM_INFO_LAYOUT_POSIX;
	if (strcmp(layout_name, "posix") == 0)
		layout = TDSHM_INFO_LAYOUT_POSIX;
	else if (strcmp(layout_name, "windows") == 0)
		layout = TDSHM_INFO_LAYOUT_WINDOWS;
	else
		fail_msg("%s: unknown layout %s", file, layout_name);
	size_t size = 0;
	uint8_t *bytes = load_vector(entry, &size);
	assert_int_equal(size, tdshm_info_size(layout));

	tdshm_info info;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_info_read(bytes, size, layout, &info, &err) != TDSHM_OK)
		fail_msg("%s refused: %s", file, err.message);
	assert_int_equal(info.magic, (uint32_t)tdshm_json_number(entry, "magic"));
	assert_int_equal(info.version, (int)tdshm_json_number(entry, "version"));
	assert_int_equal(info.supported, tdshm_json_bool(entry, "supported"));
	assert_int_equal(info.detach, tdshm_json_bool(entry, "detach"));
	const char *postfix = tdshm_json_string(entry, "postfix");
	assert_string_equal(info.postfix, postfix);

	/* Field offsets as the manifest names them. */
	size_t detach_at = (size_t)tdshm_json_number(entry, "detach_offset");
	size_t postfix_at = (size_t)tdshm_json_number(entry, "postfix_offset");
	size_t unit = layout == TDSHM_INFO_LAYOUT_WINDOWS ? 2 : 1;
	assert_int_equal(bytes[detach_at], info.detach ? 1 : 0);
	for (size_t c = 0; c < strlen(postfix); c++) {
		assert_int_equal(bytes[postfix_at + c * unit], (uint8_t)postfix[c]);
		if (unit == 2)
			assert_int_equal(bytes[postfix_at + c * unit + 1], 0);
	}

	/* The writer reproduces the block exactly. */
	uint8_t *written = malloc(size);
	assert_non_null(written);
	memset(written, 0xCC, size);
	assert_int_equal(tdshm_info_write(&info, layout, written, size, &err), TDSHM_OK);
	assert_memory_equal(written, bytes, size);

	/* Single-field setters touch their byte and no other. */
	tdshm_info_set_detach(written, layout, !info.detach);
	tdshm_info_set_supported(written, layout, !info.supported);
	for (size_t b = 0; b < size; b++) {
		if (b == detach_at)
			assert_int_equal(written[b], info.detach ? 0 : 1);
		else if (b == 8)
			assert_int_equal(written[b], info.supported ? 0 : 1);
		else
			assert_int_equal(written[b], bytes[b]);
	}
	free(written);
	free(bytes);
}

static void test_info_vectors_read_and_written_byte_for_byte(void **state)
{
	(void)state;
	check_each_vector(is_info, check_info_vector);
}

/* ---- channels ------------------------------------------------------------ */

static void check_chop_vector(const tdshm_json *entry, const char *file)
{
	size_t size = 0;
	uint8_t *bytes = load_vector(entry, &size);
	tdshm_chop_block block;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_chop_parse(bytes, size, &block, &err) != TDSHM_OK)
		fail_msg("%s refused: %s", file, err.message);
	uint32_t channels = (uint32_t)tdshm_json_number(entry, "channels");
	uint32_t length = (uint32_t)tdshm_json_number(entry, "length");
	assert_int_equal(block.channels, channels);
	assert_int_equal(block.length, length);
	assert_true(block.sample_rate == (float)tdshm_json_number(entry, "sample_rate"));

	const tdshm_json *samples = tdshm_json_array(entry, "samples");
	const tdshm_json *names = tdshm_json_array(entry, "names");
	assert_int_equal(samples->count, channels);
	assert_int_equal(names->count, channels);
	float *planes_storage = calloc((size_t)channels * length + 1, sizeof(float));
	const float **planes = calloc(channels + 1, sizeof(*planes));
	const char **name_list = calloc(channels + 1, sizeof(*name_list));
	assert_non_null(planes_storage);
	assert_non_null(planes);
	assert_non_null(name_list);
	for (uint32_t c = 0; c < channels; c++) {
		float *plane = planes_storage + (size_t)c * length;
		tdshm_chop_read_samples(bytes, &block, c, 0, length, plane);
		const tdshm_json *want = tdshm_json_at(samples, c);
		assert_int_equal(want->count, length);
		for (uint32_t s = 0; s < length; s++)
			assert_true(plane[s] == (float)tdshm_json_at(want, s)->number);
		planes[c] = plane;

		char name[TDSHM_CHOP_NAME_MAX];
		tdshm_chop_channel_name(bytes, &block, c, name, sizeof(name));
		assert_string_equal(name, tdshm_json_at(names, c)->string);
		name_list[c] = tdshm_json_at(names, c)->string;
	}

	/* Written back with the same names, the block is the same bytes. */
	size_t total = 0;
	assert_int_equal(tdshm_chop_segment_size(channels, length, name_list, &total, &err),
			 TDSHM_OK);
	assert_int_equal(total, size);
	uint8_t *written = malloc(total);
	assert_non_null(written);
	assert_int_equal(tdshm_chop_write(written, total, channels, length, block.sample_rate,
					  planes, name_list, &err),
			 TDSHM_OK);
	assert_memory_equal(written, bytes, size);
	free(written);
	free(planes_storage);
	free(planes);
	free(name_list);
	free(bytes);
}

static void test_chop_vectors_give_samples_and_names(void **state)
{
	(void)state;
	check_each_vector(is_chop, check_chop_vector);
}

/* A name pointed at the wrong kind of segment gets told which kind it is. */
static void check_read_as_the_other_kind(const tdshm_json *entry, const char *file)
{
	size_t size = 0;
	uint8_t *bytes = load_vector(entry, &size);
	tdshm_error err;
	tdshm_error_clear(&err);
	if (is_top(file)) {
		tdshm_chop_block block;
		assert_int_equal(tdshm_chop_parse(bytes, size, &block, &err), TDSHM_REFUSED);
		if (!strstr(err.message, "TOP (image) segment"))
			fail_msg("%s read as channels: \"%s\"", file, err.message);
	} else {
		tdshm_top_image img;
		assert_int_equal(tdshm_top_parse(bytes, size, &img, &err), TDSHM_REFUSED);
		if (!strstr(err.message, "CHOP (channel/audio) segment"))
			fail_msg("%s read as an image: \"%s\"", file, err.message);
	}
	free(bytes);
}

static void test_vectors_of_the_other_kind_are_named_as_such(void **state)
{
	(void)state;
	check_each_vector(is_top_or_chop, check_read_as_the_other_kind);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_names_every_vector_and_every_vector_exists),
	    cmocka_unit_test(test_top_vectors_decode_to_the_manifest_image),
	    cmocka_unit_test(test_bad_vectors_are_refused_with_a_message_naming_the_problem),
	    cmocka_unit_test(test_info_vectors_read_and_written_byte_for_byte),
	    cmocka_unit_test(test_chop_vectors_give_samples_and_names),
	    cmocka_unit_test(test_vectors_of_the_other_kind_are_named_as_such),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
