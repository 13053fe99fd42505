/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TOP (image) segment headers, current and legacy (docs/protocol.md §3):
 * reading them.
 *
 * Everything in a segment is written by another process and may be
 * anything: each field is read through byte_order.h at its offset, every
 * size is computed in 64 bits with explicit overflow checks, and nothing is
 * reported as valid until the image is known to lie inside the mapping.
 * Messages do not name the segment: callers prefix it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/top.h"
#include "byte_order.h"
#include "top_internal.h"

/* "132.7 MB": sizes in the messages a user reads. */
static const char *human_size(uint64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
	if (bytes < 1000) {
		snprintf(buf, cap, "%" PRIu64 " bytes", bytes);
		return buf;
	}
	double value = (double)bytes / 1000.0;
	size_t unit = 0;
	while (value >= 1000.0 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1000.0;
		unit++;
	}
	snprintf(buf, cap, "%.1f %s", value, units[unit]);
	return buf;
}

static tdshm_status refuse_bad_magic(uint32_t magic, size_t size, tdshm_error *err)
{
	if (magic == TDSHM_CHOP_MAGIC)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "this is a TouchDesigner CHOP (channel/audio) segment, not "
				       "an image: read it with an audio source, or point this "
				       "source at a Shared Mem Out TOP");
	return tdshm_error_set(err, TDSHM_REFUSED,
			       "not a TouchDesigner image segment (magic 0x%08" PRIx32
			       ", expected 0x%08x; %zu bytes): is the name that of a Shared Mem "
			       "Out TOP?",
			       magic, TDSHM_TOP_MAGIC, size);
}

static tdshm_status check_dimensions(int32_t width, int32_t height, tdshm_error *err)
{
	if (width <= 0 || height <= 0)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "image size %" PRId32 "x%" PRId32
				       " is not valid: width and height must be positive",
				       width, height);
	if (width > TDSHM_TOP_MAX_DIMENSION || height > TDSHM_TOP_MAX_DIMENSION)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "image size %" PRId32 "x%" PRId32
				       " is larger than %d in width or height, the most obs-tdshm "
				       "accepts (its byte size would overflow or exhaust memory)",
				       width, height, TDSHM_TOP_MAX_DIMENSION);
	return TDSHM_OK;
}

/* Width, height and aspect, which both header kinds carry: checked before
 * anything is derived from them. */
static tdshm_status read_geometry(const uint8_t *segment, size_t width_at, size_t height_at,
				  size_t aspect_x_at, size_t aspect_y_at, tdshm_top_image *img,
				  tdshm_error *err)
{
	int32_t width = tdshm_load_i32le(segment, width_at);
	int32_t height = tdshm_load_i32le(segment, height_at);
	tdshm_status status = check_dimensions(width, height, err);
	if (status != TDSHM_OK)
		return status;
	img->width = (uint32_t)width;
	img->height = (uint32_t)height;
	img->aspect_x = tdshm_load_f32le(segment, aspect_x_at);
	img->aspect_y = tdshm_load_f32le(segment, aspect_y_at);
	return TDSHM_OK;
}

/* The checks shared by both header kinds once the format and offset are
 * known: the image has to fit between data_offset and the end of the
 * mapping, and the declared data size has to cover it and stay inside. */
static tdshm_status check_image_extent(const tdshm_top_image *img, uint64_t header_size,
				       int64_t data_offset, int64_t declared_size, size_t size,
				       tdshm_error *err)
{
	char need_text[32], have_text[32];
	if (data_offset < 0 || (uint64_t)data_offset < header_size)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "dataOffset %" PRId64 " lies inside the %" PRIu64
				       "-byte header: the image would overlap it",
				       data_offset, header_size);
	if ((uint64_t)data_offset > size)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "dataOffset %" PRId64
				       " is past the end of the %zu-byte segment",
				       data_offset, size);
	uint64_t available = (uint64_t)size - (uint64_t)data_offset;
	uint64_t needed;
	if (!tdshm_top_image_bytes(img->width, img->height, img->format->bytes_per_pixel, &needed))
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "image size %" PRIu32 "x%" PRIu32 " %s overflows",
				       img->width, img->height, img->format->name);
	if (needed > available)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "TouchDesigner segment says %" PRIu32 "x%" PRIu32
				       " %s (%s) but holds only %s after dataOffset %" PRId64,
				       img->width, img->height, img->format->name,
				       human_size(needed, need_text, sizeof(need_text)),
				       human_size(available, have_text, sizeof(have_text)),
				       data_offset);
	if (declared_size < 0 || (uint64_t)declared_size < needed)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "dataSize %" PRId64 " is smaller than the %" PRIu64
				       " bytes a %" PRIu32 "x%" PRIu32 " %s image needs",
				       declared_size, needed, img->width, img->height,
				       img->format->name);
	if ((uint64_t)declared_size > available)
		return tdshm_error_set(
		    err, TDSHM_REFUSED,
		    "dataSize %" PRId64 " (%s) runs past the end of the segment: "
		    "only %s follow dataOffset %" PRId64,
		    declared_size,
		    human_size((uint64_t)declared_size, need_text, sizeof(need_text)),
		    human_size(available, have_text, sizeof(have_text)), data_offset);
	return TDSHM_OK;
}

/* The header's first check for both kinds (their version fields share an
 * offset): room for the smallest header of the kind, and a valid version. */
static tdshm_status read_kind_and_version(const uint8_t *segment, size_t size,
					  tdshm_top_header_kind kind, size_t header_size,
					  tdshm_top_image *img, tdshm_error *err)
{
	bool legacy = kind == TDSHM_TOP_HEADER_LEGACY;
	if (size < header_size)
		return tdshm_error_set(
		    err, TDSHM_REFUSED,
		    "segment holds only %zu bytes, less than the %zu-byte %simage "
		    "header%s",
		    size, header_size, legacy ? "legacy " : "",
		    legacy ? ""
			   : ": the sender is not done creating it, or it is not "
			     "a TouchDesigner image");
	_Static_assert((int)TOP_VERSION_AT == (int)LEGACY_VERSION_AT, "one version offset");
	img->kind = kind;
	img->version = tdshm_load_i32le(segment, TOP_VERSION_AT);
	if (img->version < 1)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "%simage header version %" PRId32 " is not valid%s",
				       legacy ? "legacy " : "", img->version,
				       legacy ? "" : " (TouchDesigner writes 1 or later)");
	return TDSHM_OK;
}

static tdshm_status parse_current(const uint8_t *segment, size_t size, tdshm_top_image *img,
				  tdshm_error *err)
{
	tdshm_status status = read_kind_and_version(segment, size, TDSHM_TOP_HEADER_CURRENT,
						    TDSHM_TOP_V1_SIZE, img, err);
	if (status != TDSHM_OK)
		return status;
	uint64_t header_size = TDSHM_TOP_V1_SIZE;
	if (img->version >= 2) {
		header_size = TDSHM_TOP_V2_SIZE;
		if (size < header_size)
			return tdshm_error_set(
			    err, TDSHM_REFUSED,
			    "segment holds only %zu bytes, less than the %d-byte "
			    "version %" PRId32 " image header",
			    size, TDSHM_TOP_V2_SIZE, img->version);
		img->has_color_info = true;
		img->gamut = tdshm_load_u32le(segment, TOP_GAMUT_AT);
		img->transfer = tdshm_load_u32le(segment, TOP_TRANSFER_AT);
	}

	status = read_geometry(segment, TOP_WIDTH_AT, TOP_HEIGHT_AT, TOP_ASPECT_X_AT,
			       TOP_ASPECT_Y_AT, img, err);
	if (status != TDSHM_OK)
		return status;

	uint32_t format_value = tdshm_load_u32le(segment, TOP_FORMAT_AT);
	img->format = tdshm_pixel_format_find(format_value);
	/* Legacy-only pseudo formats have no wire number: refuse them too. */
	if (!img->format || img->format->wire_value != format_value)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "unknown pixel format %" PRIu32 " (0x%" PRIx32
				       "): this TouchDesigner may be newer than obs-tdshm; set the "
				       "TOP's pixel format to 8-bit fixed (RGBA)",
				       format_value, format_value);

	int64_t declared_size = tdshm_load_i64le(segment, TOP_DATA_SIZE_AT);
	int32_t data_offset = tdshm_load_i32le(segment, TOP_DATA_OFFSET_AT);
	status = check_image_extent(img, header_size, data_offset, declared_size, size, err);
	if (status != TDSHM_OK)
		return status;
	img->data_offset = (size_t)data_offset;
	img->data_size = (size_t)declared_size;
	return TDSHM_OK;
}

static tdshm_status parse_legacy(const uint8_t *segment, size_t size, tdshm_top_image *img,
				 tdshm_error *err)
{
	tdshm_status status = read_kind_and_version(segment, size, TDSHM_TOP_HEADER_LEGACY,
						    TDSHM_TOP_LEGACY_SIZE, img, err);
	if (status != TDSHM_OK)
		return status;
	status = read_geometry(segment, LEGACY_WIDTH_AT, LEGACY_HEIGHT_AT, LEGACY_ASPECT_X_AT,
			       LEGACY_ASPECT_Y_AT, img, err);
	if (status != TDSHM_OK)
		return status;
	img->legacy_data_format = tdshm_load_u32le(segment, LEGACY_DATA_FORMAT_AT);
	img->legacy_data_type = tdshm_load_u32le(segment, LEGACY_DATA_TYPE_AT);
	/* The internal format only tells TD what texture to create; a reader
	 * does not need it, so an unfamiliar value is kept, not refused. */
	img->legacy_internal_format = tdshm_load_u32le(segment, LEGACY_INTERNAL_FORMAT_AT);
	status = tdshm_top_legacy_format(img->legacy_data_format, img->legacy_data_type,
					 &img->format, err);
	if (status != TDSHM_OK)
		return status;

	/* No size field: the image is exactly width * height * bpp. */
	uint64_t needed;
	if (!tdshm_top_image_bytes(img->width, img->height, img->format->bytes_per_pixel,
				   &needed) ||
	    needed > INT64_MAX)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "image size %" PRIu32 "x%" PRIu32 " overflows", img->width,
				       img->height);
	int32_t data_offset = tdshm_load_i32le(segment, LEGACY_DATA_OFFSET_AT);
	status =
	    check_image_extent(img, TDSHM_TOP_LEGACY_SIZE, data_offset, (int64_t)needed, size, err);
	if (status != TDSHM_OK)
		return status;
	img->data_offset = (size_t)data_offset;
	img->data_size = (size_t)needed;
	return TDSHM_OK;
}

tdshm_status tdshm_top_parse(const uint8_t *segment, size_t size, tdshm_top_image *out,
			     tdshm_error *err)
{
	tdshm_top_image img;
	memset(&img, 0, sizeof(img));
	if (!segment || size < 4)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "segment holds only %zu bytes, too few for an image header: "
				       "the sender is not done creating it, or it is not a "
				       "TouchDesigner image",
				       segment ? size : 0);
	uint32_t magic = tdshm_load_u32le(segment, 0);
	tdshm_status status;
	if (magic == TDSHM_TOP_MAGIC)
		status = parse_current(segment, size, &img, err);
	else if (magic == TDSHM_TOP_LEGACY_MAGIC)
		status = parse_legacy(segment, size, &img, err);
	else
		status = refuse_bad_magic(magic, size, err);
	if (status != TDSHM_OK)
		return status;
	img.row_bytes = (size_t)img.width * img.format->bytes_per_pixel;
	*out = img;
	return TDSHM_OK;
}
