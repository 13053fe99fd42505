/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TOP (image) segment headers, current and legacy (docs/protocol.md §3).
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

/* Current header offsets. */
enum {
	TOP_MAGIC_AT = 0,
	TOP_VERSION_AT = 4,
	TOP_WIDTH_AT = 8,
	TOP_HEIGHT_AT = 12,
	TOP_ASPECT_X_AT = 16,
	TOP_ASPECT_Y_AT = 20,
	TOP_FORMAT_AT = 24,
	TOP_DATA_SIZE_AT = 32,
	TOP_DATA_OFFSET_AT = 40,
	TOP_GAMUT_AT = 44,
	TOP_TRANSFER_AT = 48,
};

/* Legacy header offsets: ten 32-bit fields. */
enum {
	LEGACY_MAGIC_AT = 0,
	LEGACY_VERSION_AT = 4,
	LEGACY_WIDTH_AT = 8,
	LEGACY_HEIGHT_AT = 12,
	LEGACY_ASPECT_X_AT = 16,
	LEGACY_ASPECT_Y_AT = 20,
	LEGACY_DATA_FORMAT_AT = 24,
	LEGACY_DATA_TYPE_AT = 28,
	LEGACY_INTERNAL_FORMAT_AT = 32,
	LEGACY_DATA_OFFSET_AT = 36,
};

/* GL internal formats TD is told to create from a legacy header. */
enum {
	GL_R8 = 0x8229,
	GL_R16 = 0x822A,
	GL_RG8 = 0x822B,
	GL_RG16 = 0x822C,
	GL_R16F = 0x822D,
	GL_R32F = 0x822E,
	GL_RG16F = 0x822F,
	GL_RG32F = 0x8230,
	GL_RGBA8 = 0x8058,
	GL_RGBA16 = 0x805B,
	GL_RGBA16F = 0x881A,
	GL_RGBA32F = 0x8814,
	GL_RGB32F = 0x8815,
	GL_ALPHA8 = 0x803C,
	GL_ALPHA16 = 0x803E,
	GL_ALPHA16F = 0x881C,
	GL_ALPHA32F = 0x8816,
};

/* The legacy (data format, data type) pairs obs-tdshm understands, each
 * with the pixel format it reads as and the internal format it writes.
 * One table serves both directions so reader and writer cannot disagree. */
typedef struct legacy_mapping {
	uint32_t data_format;
	uint32_t data_type;
	uint32_t internal_format;
	uint32_t pixel_format;
} legacy_mapping;

static const legacy_mapping legacy_mappings[] = {
    {TDSHM_GL_RED, TDSHM_GL_UNSIGNED_BYTE, GL_R8, TDSHM_FMT_R8_UNORM},
    {TDSHM_GL_RED, TDSHM_GL_UNSIGNED_SHORT, GL_R16, TDSHM_FMT_R16_UNORM},
    {TDSHM_GL_RED, TDSHM_GL_HALF_FLOAT, GL_R16F, TDSHM_FMT_R16_FLOAT},
    {TDSHM_GL_RED, TDSHM_GL_FLOAT, GL_R32F, TDSHM_FMT_R32_FLOAT},
    {TDSHM_GL_RG, TDSHM_GL_UNSIGNED_BYTE, GL_RG8, TDSHM_FMT_R8G8_UNORM},
    {TDSHM_GL_RG, TDSHM_GL_UNSIGNED_SHORT, GL_RG16, TDSHM_FMT_R16G16_UNORM},
    {TDSHM_GL_RG, TDSHM_GL_HALF_FLOAT, GL_RG16F, TDSHM_FMT_R16G16_FLOAT},
    {TDSHM_GL_RG, TDSHM_GL_FLOAT, GL_RG32F, TDSHM_FMT_R32G32_FLOAT},
    {TDSHM_GL_RGBA, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_R8G8B8A8_UNORM},
    {TDSHM_GL_RGBA, TDSHM_GL_UNSIGNED_SHORT, GL_RGBA16, TDSHM_FMT_R16G16B16A16_UNORM},
    {TDSHM_GL_RGBA, TDSHM_GL_HALF_FLOAT, GL_RGBA16F, TDSHM_FMT_R16G16B16A16_FLOAT},
    {TDSHM_GL_RGBA, TDSHM_GL_FLOAT, GL_RGBA32F, TDSHM_FMT_R32G32B32A32_FLOAT},
    {TDSHM_GL_BGRA, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_B8G8R8A8_UNORM},
    {TDSHM_GL_RGB, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_LEGACY_RGB8},
    {TDSHM_GL_RGB, TDSHM_GL_UNSIGNED_SHORT, GL_RGBA16, TDSHM_FMT_LEGACY_RGB16},
    {TDSHM_GL_RGB, TDSHM_GL_HALF_FLOAT, GL_RGBA16F, TDSHM_FMT_LEGACY_RGB16F},
    {TDSHM_GL_RGB, TDSHM_GL_FLOAT, GL_RGB32F, TDSHM_FMT_LEGACY_RGB32F},
    {TDSHM_GL_BGR, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_LEGACY_BGR8},
    {TDSHM_GL_BGR, TDSHM_GL_UNSIGNED_SHORT, GL_RGBA16, TDSHM_FMT_LEGACY_BGR16},
    {TDSHM_GL_BGR, TDSHM_GL_HALF_FLOAT, GL_RGBA16F, TDSHM_FMT_LEGACY_BGR16F},
    {TDSHM_GL_BGR, TDSHM_GL_FLOAT, GL_RGB32F, TDSHM_FMT_LEGACY_BGR32F},
    {TDSHM_GL_ABGR, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_LEGACY_ABGR8},
    {TDSHM_GL_ALPHA, TDSHM_GL_UNSIGNED_BYTE, GL_ALPHA8, TDSHM_FMT_A8_UNORM},
    {TDSHM_GL_ALPHA, TDSHM_GL_UNSIGNED_SHORT, GL_ALPHA16, TDSHM_FMT_A16_UNORM},
    {TDSHM_GL_ALPHA, TDSHM_GL_HALF_FLOAT, GL_ALPHA16F, TDSHM_FMT_A16_FLOAT},
    {TDSHM_GL_ALPHA, TDSHM_GL_FLOAT, GL_ALPHA32F, TDSHM_FMT_A32_FLOAT},
    /* Luminance+alpha shows as (L,L,L,A): the mono+alpha formats. TD is
     * asked for RGBA so that its GL upload expands it the same way. */
    {TDSHM_GL_LUMINANCE_ALPHA, TDSHM_GL_UNSIGNED_BYTE, GL_RGBA8, TDSHM_FMT_R8A8_UNORM},
    {TDSHM_GL_LUMINANCE_ALPHA, TDSHM_GL_UNSIGNED_SHORT, GL_RGBA16, TDSHM_FMT_R16A16_UNORM},
    {TDSHM_GL_LUMINANCE_ALPHA, TDSHM_GL_HALF_FLOAT, GL_RGBA16F, TDSHM_FMT_R16A16_FLOAT},
    {TDSHM_GL_LUMINANCE_ALPHA, TDSHM_GL_FLOAT, GL_RGBA32F, TDSHM_FMT_R32A32_FLOAT},
};

#define LEGACY_MAPPING_COUNT (sizeof(legacy_mappings) / sizeof(legacy_mappings[0]))

static const char *legacy_data_format_name(uint32_t value)
{
	switch (value) {
	case TDSHM_GL_RED:
		return "RED";
	case TDSHM_GL_RG:
		return "RG";
	case TDSHM_GL_RGB:
		return "RGB";
	case TDSHM_GL_RGBA:
		return "RGBA";
	case TDSHM_GL_BGR:
		return "BGR";
	case TDSHM_GL_BGRA:
		return "BGRA";
	case TDSHM_GL_ABGR:
		return "ABGR";
	case TDSHM_GL_ALPHA:
		return "ALPHA";
	case TDSHM_GL_LUMINANCE:
		return "LUMINANCE";
	case TDSHM_GL_LUMINANCE_ALPHA:
		return "LUMINANCE_ALPHA";
	}
	return NULL;
}

static const char *legacy_data_type_name(uint32_t value)
{
	switch (value) {
	case TDSHM_GL_UNSIGNED_BYTE:
		return "8-bit";
	case TDSHM_GL_UNSIGNED_SHORT:
		return "16-bit";
	case TDSHM_GL_HALF_FLOAT:
		return "16-bit float";
	case TDSHM_GL_FLOAT:
		return "32-bit float";
	}
	return NULL;
}

bool tdshm_top_legacy_triple(const tdshm_pixel_format *format, uint32_t *data_format,
			     uint32_t *data_type, uint32_t *internal_format)
{
	if (!format)
		return false;
	for (size_t i = 0; i < LEGACY_MAPPING_COUNT; i++) {
		const legacy_mapping *m = &legacy_mappings[i];
		if (m->pixel_format != format->value)
			continue;
		if (data_format)
			*data_format = m->data_format;
		if (data_type)
			*data_type = m->data_type;
		if (internal_format)
			*internal_format = m->internal_format;
		return true;
	}
	return false;
}

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

/* width * height * bpp in 64 bits; false on overflow (cannot happen after
 * check_dimensions, but the arithmetic does not rely on that). */
static bool image_bytes(uint64_t width, uint64_t height, uint64_t bpp, uint64_t *out)
{
	if (width != 0 && height > UINT64_MAX / width)
		return false;
	uint64_t pixels = width * height;
	if (bpp != 0 && pixels > UINT64_MAX / bpp)
		return false;
	*out = pixels * bpp;
	return SIZE_MAX >= UINT64_MAX || *out <= (uint64_t)SIZE_MAX;
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
	if (!image_bytes(img->width, img->height, img->format->bytes_per_pixel, &needed))
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

static tdshm_status parse_current(const uint8_t *segment, size_t size, tdshm_top_image *img,
				  tdshm_error *err)
{
	if (size < TDSHM_TOP_V1_SIZE)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "segment holds only %zu bytes, less than the %d-byte image "
				       "header: the sender is not done creating it, or it is not a "
				       "TouchDesigner image",
				       size, TDSHM_TOP_V1_SIZE);
	img->kind = TDSHM_TOP_HEADER_CURRENT;
	img->version = tdshm_load_i32le(segment, TOP_VERSION_AT);
	if (img->version < 1)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "image header version %" PRId32
				       " is not valid (TouchDesigner writes 1 or later)",
				       img->version);
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

	tdshm_status status = read_geometry(segment, TOP_WIDTH_AT, TOP_HEIGHT_AT, TOP_ASPECT_X_AT,
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

static tdshm_status legacy_format(uint32_t data_format, uint32_t data_type,
				  const tdshm_pixel_format **out, tdshm_error *err)
{
	const char *format_name = legacy_data_format_name(data_format);
	const char *type_name = legacy_data_type_name(data_type);
	if (!format_name)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "unknown legacy data format 0x%04" PRIx32
				       " (expected an OpenGL client format such as RGBA 0x1908)",
				       data_format);
	if (!type_name)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "unknown legacy data type 0x%04" PRIx32
				       " (expected 8-bit 0x1401, 16-bit 0x1403, half 0x140B or "
				       "float 0x1406)",
				       data_type);
	for (size_t i = 0; i < LEGACY_MAPPING_COUNT; i++) {
		const legacy_mapping *m = &legacy_mappings[i];
		if (m->data_format == data_format && m->data_type == data_type) {
			*out = tdshm_pixel_format_find(m->pixel_format);
			return TDSHM_OK;
		}
	}
	return tdshm_error_set(err, TDSHM_REFUSED,
			       "legacy image data %s with %s components is not supported by "
			       "obs-tdshm: set the TOP's pixel format to 8-bit fixed (RGBA)",
			       format_name, type_name);
}

static tdshm_status parse_legacy(const uint8_t *segment, size_t size, tdshm_top_image *img,
				 tdshm_error *err)
{
	if (size < TDSHM_TOP_LEGACY_SIZE)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "segment holds only %zu bytes, less than the %d-byte legacy "
				       "image header",
				       size, TDSHM_TOP_LEGACY_SIZE);
	img->kind = TDSHM_TOP_HEADER_LEGACY;
	img->version = tdshm_load_i32le(segment, LEGACY_VERSION_AT);
	if (img->version < 1)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "legacy image header version %" PRId32 " is not valid",
				       img->version);
	tdshm_status status = read_geometry(segment, LEGACY_WIDTH_AT, LEGACY_HEIGHT_AT,
					    LEGACY_ASPECT_X_AT, LEGACY_ASPECT_Y_AT, img, err);
	if (status != TDSHM_OK)
		return status;
	img->legacy_data_format = tdshm_load_u32le(segment, LEGACY_DATA_FORMAT_AT);
	img->legacy_data_type = tdshm_load_u32le(segment, LEGACY_DATA_TYPE_AT);
	/* The internal format only tells TD what texture to create; a reader
	 * does not need it, so an unfamiliar value is kept, not refused. */
	img->legacy_internal_format = tdshm_load_u32le(segment, LEGACY_INTERNAL_FORMAT_AT);
	status = legacy_format(img->legacy_data_format, img->legacy_data_type, &img->format, err);
	if (status != TDSHM_OK)
		return status;

	/* No size field: the image is exactly width * height * bpp. */
	uint64_t needed;
	if (!image_bytes(img->width, img->height, img->format->bytes_per_pixel, &needed) ||
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

/* ---- writer -------------------------------------------------------------- */

size_t tdshm_top_header_size(const tdshm_top_params *params)
{
	if (params->kind == TDSHM_TOP_HEADER_LEGACY)
		return TDSHM_TOP_LEGACY_SIZE;
	return params->version >= 2 ? TDSHM_TOP_V2_SIZE : TDSHM_TOP_V1_SIZE;
}

/* Everything a writer must refuse before touching the segment. */
static tdshm_status check_params(const tdshm_top_params *params, uint64_t *image_size,
				 tdshm_error *err)
{
	if (!params || !params->format)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "no pixel format given");
	if (params->width == 0 || params->height == 0 || params->width > TDSHM_TOP_MAX_DIMENSION ||
	    params->height > TDSHM_TOP_MAX_DIMENSION)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "image size %" PRIu32 "x%" PRIu32
				       " cannot be sent: width and height must be 1..%d",
				       params->width, params->height, TDSHM_TOP_MAX_DIMENSION);
	if (params->kind == TDSHM_TOP_HEADER_LEGACY) {
		if (!tdshm_top_legacy_triple(params->format, NULL, NULL, NULL))
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "pixel format %s cannot be described by a legacy "
					       "(TouchDesigner 2021 and earlier) header",
					       params->format->name);
	} else {
		if (params->format->wire_value == 0)
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "pixel format %s exists only in legacy headers",
					       params->format->name);
		if (params->version < 0 || params->version > 2)
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "image header version %" PRId32
					       " cannot be written (1 or 2)",
					       params->version);
	}
	if (!image_bytes(params->width, params->height, params->format->bytes_per_pixel,
			 image_size))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT, "image size overflows");
	return TDSHM_OK;
}

tdshm_status tdshm_top_segment_size(const tdshm_top_params *params, size_t *out, tdshm_error *err)
{
	uint64_t image_size = 0;
	tdshm_status status = check_params(params, &image_size, err);
	if (status != TDSHM_OK)
		return status;
	uint64_t total = image_size + tdshm_top_header_size(params);
	if (total > SIZE_MAX || total > INT64_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a %" PRIu32 "x%" PRIu32 " %s segment is too large",
				       params->width, params->height, params->format->name);
	*out = (size_t)total;
	return TDSHM_OK;
}

tdshm_status tdshm_top_write_header(const tdshm_top_params *params, uint8_t *segment, size_t size,
				    tdshm_error *err)
{
	size_t total;
	tdshm_status status = tdshm_top_segment_size(params, &total, err);
	if (status != TDSHM_OK)
		return status;
	if (size < total)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "segment of %zu bytes is too small for a %" PRIu32
				       "x%" PRIu32 " %s image (%zu bytes with its header)",
				       size, params->width, params->height, params->format->name,
				       total);
	size_t header_size = tdshm_top_header_size(params);
	uint64_t image_size = (uint64_t)total - header_size;
	/* Padding and unknown fields are zero, never left-over bytes. */
	memset(segment, 0, header_size);

	if (params->kind == TDSHM_TOP_HEADER_LEGACY) {
		uint32_t data_format = 0, data_type = 0, internal_format = 0;
		(void)tdshm_top_legacy_triple(params->format, &data_format, &data_type,
					      &internal_format);
		tdshm_store_u32le(segment, LEGACY_MAGIC_AT, TDSHM_TOP_LEGACY_MAGIC);
		tdshm_store_i32le(segment, LEGACY_VERSION_AT, TDSHM_TOP_LEGACY_VERSION);
		tdshm_store_i32le(segment, LEGACY_WIDTH_AT, (int32_t)params->width);
		tdshm_store_i32le(segment, LEGACY_HEIGHT_AT, (int32_t)params->height);
		tdshm_store_f32le(segment, LEGACY_ASPECT_X_AT, (float)params->width);
		tdshm_store_f32le(segment, LEGACY_ASPECT_Y_AT, (float)params->height);
		tdshm_store_u32le(segment, LEGACY_DATA_FORMAT_AT, data_format);
		tdshm_store_u32le(segment, LEGACY_DATA_TYPE_AT, data_type);
		tdshm_store_u32le(segment, LEGACY_INTERNAL_FORMAT_AT, internal_format);
		tdshm_store_i32le(segment, LEGACY_DATA_OFFSET_AT, TDSHM_TOP_LEGACY_SIZE);
		return TDSHM_OK;
	}

	int32_t version = params->version >= 2 ? 2 : 1;
	tdshm_store_u32le(segment, TOP_MAGIC_AT, TDSHM_TOP_MAGIC);
	tdshm_store_i32le(segment, TOP_VERSION_AT, version);
	tdshm_store_i32le(segment, TOP_WIDTH_AT, (int32_t)params->width);
	tdshm_store_i32le(segment, TOP_HEIGHT_AT, (int32_t)params->height);
	tdshm_store_f32le(segment, TOP_ASPECT_X_AT, (float)params->width);
	tdshm_store_f32le(segment, TOP_ASPECT_Y_AT, (float)params->height);
	tdshm_store_u32le(segment, TOP_FORMAT_AT, params->format->wire_value);
	tdshm_store_i64le(segment, TOP_DATA_SIZE_AT, (int64_t)image_size);
	tdshm_store_i32le(segment, TOP_DATA_OFFSET_AT, (int32_t)header_size);
	if (version >= 2) {
		tdshm_store_u32le(segment, TOP_GAMUT_AT, params->gamut);
		tdshm_store_u32le(segment, TOP_TRANSFER_AT, params->transfer);
	}
	return TDSHM_OK;
}
