/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TOP pixel formats (docs/protocol.md §3): what each number means in memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Wire values: Vulkan VkFormat numbers plus TD's own above 0xF0000. */
enum {
	TDSHM_FMT_R8_UNORM = 9,
	TDSHM_FMT_R8G8_UNORM = 16,
	TDSHM_FMT_R8G8B8A8_UNORM = 37,
	TDSHM_FMT_R8G8B8A8_SRGB = 43,
	TDSHM_FMT_B8G8R8A8_UNORM = 44,
	TDSHM_FMT_B8G8R8A8_SRGB = 50,
	TDSHM_FMT_A2B10G10R10_UNORM = 64,
	TDSHM_FMT_R16_UNORM = 70,
	TDSHM_FMT_R16_FLOAT = 76,
	TDSHM_FMT_R16G16_UNORM = 77,
	TDSHM_FMT_R16G16_FLOAT = 83,
	TDSHM_FMT_R16G16B16A16_UNORM = 91,
	TDSHM_FMT_R16G16B16A16_FLOAT = 97,
	TDSHM_FMT_R32_FLOAT = 100,
	TDSHM_FMT_R32G32_FLOAT = 103,
	TDSHM_FMT_R32G32B32A32_FLOAT = 109,
	TDSHM_FMT_B10G11R11_UFLOAT = 122,
	TDSHM_FMT_A8_UNORM = 0xF0001,
	TDSHM_FMT_A16_UNORM = 0xF0002,
	TDSHM_FMT_A16_FLOAT = 0xF0003,
	TDSHM_FMT_A32_FLOAT = 0xF0004,
	TDSHM_FMT_R8A8_UNORM = 0xF0005,
	TDSHM_FMT_R16A16_UNORM = 0xF0006,
	TDSHM_FMT_R16A16_FLOAT = 0xF0007,
	TDSHM_FMT_R32A32_FLOAT = 0xF0008,
	/* Not on the wire: three-channel layouts only the legacy header can
	 * describe (GL_RGB / GL_BGR). wire_value 0 in the table. */
	TDSHM_FMT_LEGACY_RGB8 = 0x7F000001,
	TDSHM_FMT_LEGACY_BGR8,
	TDSHM_FMT_LEGACY_RGB16,
	TDSHM_FMT_LEGACY_BGR16,
	TDSHM_FMT_LEGACY_RGB16F,
	TDSHM_FMT_LEGACY_BGR16F,
	TDSHM_FMT_LEGACY_RGB32F,
	TDSHM_FMT_LEGACY_BGR32F,
	TDSHM_FMT_LEGACY_ABGR8, /* GL_ABGR_EXT bytes: A,B,G,R */
};

typedef enum tdshm_component_type {
	TDSHM_COMPONENT_UNORM,  /* 8 or 16 bit unsigned normalised */
	TDSHM_COMPONENT_FLOAT,  /* 16 (half) or 32 bit float */
	TDSHM_COMPONENT_PACKED, /* A2B10G10R10 unorm or B10G11R11 ufloat in a u32 */
} tdshm_component_type;

/* Where each stored component goes in (R,G,B,A). */
typedef enum tdshm_channel_layout {
	TDSHM_LAYOUT_R,   /* (R,0,0,1) */
	TDSHM_LAYOUT_RG,  /* (R,G,0,1) */
	TDSHM_LAYOUT_RGB, /* (R,G,B,1) */
	TDSHM_LAYOUT_BGR, /* (R,G,B,1) from B,G,R */
	TDSHM_LAYOUT_RGBA,
	TDSHM_LAYOUT_BGRA,
	TDSHM_LAYOUT_ABGR,
	TDSHM_LAYOUT_A,  /* alpha only: (0,0,0,A) */
	TDSHM_LAYOUT_RA, /* mono+alpha: (R,R,R,A) */
	TDSHM_LAYOUT_A2B10G10R10,
	TDSHM_LAYOUT_B10G11R11,
} tdshm_channel_layout;

typedef struct tdshm_pixel_format {
	uint32_t value;      /* TDSHM_FMT_* */
	uint32_t wire_value; /* value in a current header, 0 if legacy-only */
	const char *name;    /* short lowercase name: "bgra8", "rgba32f", ... */
	uint32_t bytes_per_pixel;
	uint32_t channels; /* stored components */
	uint32_t bits;     /* per component (0 for packed) */
	tdshm_component_type type;
	tdshm_channel_layout layout;
	bool srgb; /* sRGB-encoded colour; otherwise linear/unorm */
} tdshm_pixel_format;

size_t tdshm_pixel_format_count(void);
const tdshm_pixel_format *tdshm_pixel_format_at(size_t index);
/* NULL when unknown. */
const tdshm_pixel_format *tdshm_pixel_format_find(uint32_t value);
const tdshm_pixel_format *tdshm_pixel_format_by_name(const char *name);

/* Which stored component feeds R, G, B and A for a layout: an index into
 * the pixel's components, or TDSHM_COMPONENT_DEFAULT for the constant (0 for
 * colour, 1 for alpha). false for the packed layouts (A2B10G10R10,
 * B10G11R11), whose components are bit fields of one word. */
#define TDSHM_COMPONENT_DEFAULT (-1)
bool tdshm_channel_layout_sources(tdshm_channel_layout layout, int sources[4]);

/* Converts one pixel of format to straight (R,G,B,A) floats in 0..1 (or
 * beyond, for float formats), applying the layout rules above. src holds
 * bytes_per_pixel bytes; no alignment assumed. */
void tdshm_pixel_to_rgba_f32(const tdshm_pixel_format *format, const uint8_t *src, float rgba[4]);
/* The inverse: writes bytes_per_pixel bytes (unorm values rounded, clamped). */
void tdshm_pixel_from_rgba_f32(const tdshm_pixel_format *format, const float rgba[4], uint8_t *dst);
/* One pixel as 8-bit straight (R,G,B,A): each component clamped to 0..1 and
 * rounded; NaN gives 0 (a float image may hold any bits). */
void tdshm_pixel_to_rgba8(const tdshm_pixel_format *format, const uint8_t *src, uint8_t rgba[4]);

/* Premultiplied colour back to straight (colour / alpha), the one formula
 * every path uses. 8-bit: rounded to nearest and clamped (a GPU blend can
 * leave colour a step above alpha). Float: unclamped. Colour under alpha 0
 * (or below, or NaN) is 0: there is nothing to see. */
uint8_t tdshm_unpremultiply_u8(uint8_t colour, uint8_t alpha);
float tdshm_unpremultiply_f32(float colour, float alpha);
/* count 8-bit pixels of four components with alpha last (RGBA or BGRA),
 * in place. */
void tdshm_unpremultiply_row_rgba8(uint8_t *row, size_t count);

/* IEEE half <-> float, exact for every half. */
float tdshm_half_to_float(uint16_t h);
uint16_t tdshm_float_to_half(float f);

#ifdef __cplusplus
}
#endif
