/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzzes tdshm_top_parse as a receiver uses it: any bytes as the mapped
 * segment. Whatever it accepts must lie inside the input, and every pixel
 * of an accepted image is decoded so ASan checks each byte read. An
 * accepted current header must also survive being written again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/top.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdshm_top_image img;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_top_parse(data, size, &img, &err) != TDSHM_OK) {
		REQUIRE_REFUSED(err);
		return 0;
	}
	REQUIRE(img.format != NULL);
	REQUIRE(img.width >= 1 && img.width <= TDSHM_TOP_MAX_DIMENSION);
	REQUIRE(img.height >= 1 && img.height <= TDSHM_TOP_MAX_DIMENSION);
	REQUIRE(img.row_bytes == (size_t)img.width * img.format->bytes_per_pixel);
	REQUIRE(img.data_offset <= size && img.data_size <= size - img.data_offset);
	REQUIRE(img.data_size / img.height >= img.row_bytes);

	float checksum = 0.0f;
	for (uint32_t y = 0; y < img.height; y++) {
		const uint8_t *row = data + img.data_offset + (size_t)y * img.row_bytes;
		for (uint32_t x = 0; x < img.width; x++) {
			float rgba[4];
			tdshm_pixel_to_rgba_f32(
			    img.format, row + (size_t)x * img.format->bytes_per_pixel, rgba);
			checksum += rgba[0] + rgba[3];
		}
	}
	(void)checksum;

	/* What was read can be written and read back the same. */
	tdshm_top_params params = {
	    .kind = img.kind,
	    .version = img.kind == TDSHM_TOP_HEADER_CURRENT ? (img.version >= 2 ? 2 : 1) : 0,
	    .width = img.width,
	    .height = img.height,
	    .format = img.format,
	    .gamut = img.gamut,
	    .transfer = img.transfer};
	size_t total;
	if (tdshm_top_segment_size(&params, &total, &err) != TDSHM_OK)
		return 0; /* e.g. a legacy format only readable, not writable */
	uint8_t *copy = malloc(total);
	REQUIRE(copy != NULL);
	REQUIRE(tdshm_top_write_header(&params, copy, total, &err) == TDSHM_OK);
	size_t header = tdshm_top_header_size(&params);
	memcpy(copy + header, data + img.data_offset, total - header);
	tdshm_top_image again;
	REQUIRE(tdshm_top_parse(copy, total, &again, &err) == TDSHM_OK);
	REQUIRE(again.width == img.width && again.height == img.height);
	REQUIRE(again.format == img.format && again.kind == img.kind);
	free(copy);
	return 0;
}
