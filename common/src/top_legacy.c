/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The legacy TOP header's OpenGL (data format, data type) pairs
 * (docs/protocol.md §3) and the pixel formats they stand for: one table for
 * the reader and the writer, so they cannot disagree. */
#include <inttypes.h>
#include <stdio.h>

#include "tdshm/top.h"
#include "top_internal.h"

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

/* The legacy enums' names, for messages. */
typedef struct legacy_name {
	uint32_t value;
	const char *name;
} legacy_name;

static const legacy_name data_format_names[] = {
    {TDSHM_GL_RED, "RED"},
    {TDSHM_GL_RG, "RG"},
    {TDSHM_GL_RGB, "RGB"},
    {TDSHM_GL_RGBA, "RGBA"},
    {TDSHM_GL_BGR, "BGR"},
    {TDSHM_GL_BGRA, "BGRA"},
    {TDSHM_GL_ABGR, "ABGR"},
    {TDSHM_GL_ALPHA, "ALPHA"},
    {TDSHM_GL_LUMINANCE, "LUMINANCE"},
    {TDSHM_GL_LUMINANCE_ALPHA, "LUMINANCE_ALPHA"},
};

static const legacy_name data_type_names[] = {
    {TDSHM_GL_UNSIGNED_BYTE, "8-bit"},
    {TDSHM_GL_UNSIGNED_SHORT, "16-bit"},
    {TDSHM_GL_HALF_FLOAT, "16-bit float"},
    {TDSHM_GL_FLOAT, "32-bit float"},
};

static const char *legacy_name_of(const legacy_name *names, size_t count, uint32_t value)
{
	for (size_t i = 0; i < count; i++) {
		if (names[i].value == value)
			return names[i].name;
	}
	return NULL;
}

#define NAME_OF(table, value) legacy_name_of(table, sizeof(table) / sizeof(table[0]), value)

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

tdshm_status tdshm_top_legacy_format(uint32_t data_format, uint32_t data_type,
				     const tdshm_pixel_format **out, tdshm_error *err)
{
	const char *format_name = NAME_OF(data_format_names, data_format);
	const char *type_name = NAME_OF(data_type_names, data_type);
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
