/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TD pixel format -> OBS texture format. Formats OBS has are uploaded
 * unchanged (one copy, the graphics API samples R and RG textures as (r,0,0,1)
 * and (r,g,0,1), which is what TD shows). Those it lacks (alpha-only,
 * mono+alpha, B10G11R11, the legacy three-channel and ABGR layouts) are
 * converted on the CPU while they are copied into the mapped texture: still one
 * pass over the pixels, no staging buffer, and the same result on every
 * graphics API (a shader would need integer bit work for B10G11R11, which
 * OBS's effect language cannot express portably). */
#include "texture-format.h"

#include <string.h>

static enum gs_color_format tdshm_texture_direct_format(uint32_t value)
{
	switch (value) {
	case TDSHM_FMT_R8_UNORM:
		return GS_R8;
	case TDSHM_FMT_R8G8_UNORM:
		return GS_R8G8;
	case TDSHM_FMT_R8G8B8A8_UNORM:
	case TDSHM_FMT_R8G8B8A8_SRGB:
		return GS_RGBA;
	case TDSHM_FMT_B8G8R8A8_UNORM:
	case TDSHM_FMT_B8G8R8A8_SRGB:
		return GS_BGRA;
	case TDSHM_FMT_A2B10G10R10_UNORM:
		/* Vulkan's A2B10G10R10 packs R in the low bits, like GS_R10G10B10A2. */
		return GS_R10G10B10A2;
	case TDSHM_FMT_R16_UNORM:
		return GS_R16;
	case TDSHM_FMT_R16_FLOAT:
		return GS_R16F;
	case TDSHM_FMT_R16G16_UNORM:
		return GS_RG16;
	case TDSHM_FMT_R16G16_FLOAT:
		return GS_RG16F;
	case TDSHM_FMT_R16G16B16A16_UNORM:
		return GS_RGBA16;
	case TDSHM_FMT_R16G16B16A16_FLOAT:
		return GS_RGBA16F;
	case TDSHM_FMT_R32_FLOAT:
		return GS_R32F;
	case TDSHM_FMT_R32G32_FLOAT:
		return GS_RG32F;
	case TDSHM_FMT_R32G32B32A32_FLOAT:
		return GS_RGBA32F;
	default:
		return GS_UNKNOWN;
	}
}

bool tdshm_texture_plan_for(const tdshm_pixel_format *format, tdshm_texture_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	if (!format)
		return false;
	plan->high_precision = format->bits > 8 || format->type != TDSHM_COMPONENT_UNORM;
	plan->gs_format = tdshm_texture_direct_format(format->value);
	if (plan->gs_format != GS_UNKNOWN)
		return true;

	plan->convert = true;
	if (format->layout == TDSHM_LAYOUT_B10G11R11) {
		plan->gs_format = GS_RGBA16F;
		return true;
	}
	if (format->type == TDSHM_COMPONENT_UNORM && format->bits == 8)
		plan->gs_format = GS_RGBA;
	else if (format->type == TDSHM_COMPONENT_UNORM && format->bits == 16)
		plan->gs_format = GS_RGBA16;
	else if (format->type == TDSHM_COMPONENT_FLOAT && format->bits == 16)
		plan->gs_format = GS_RGBA16F;
	else if (format->type == TDSHM_COMPONENT_FLOAT && format->bits == 32)
		plan->gs_format = GS_RGBA32F;
	else
		return false;
	return true;
}

/* B10G11R11 ufloat shares half's 5-bit exponent and bias: moving the
 * mantissa into place gives the exact half. */
static void tdshm_texture_b10g11r11_row(const uint8_t *src, uint8_t *dst, uint32_t width)
{
	for (uint32_t x = 0; x < width; x++) {
		uint32_t v = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
			     (uint32_t)src[3] << 24;
		uint16_t half[4] = {
		    (uint16_t)((v & 0x7ff) << 4),
		    (uint16_t)(((v >> 11) & 0x7ff) << 4),
		    (uint16_t)(((v >> 22) & 0x3ff) << 5),
		    0x3c00,
		};
		memcpy(dst, half, sizeof(half));
		src += 4;
		dst += 8;
	}
}

void tdshm_texture_convert_row(const tdshm_pixel_format *format, const uint8_t *src, uint8_t *dst,
			       uint32_t width)
{
	if (format->layout == TDSHM_LAYOUT_B10G11R11) {
		tdshm_texture_b10g11r11_row(src, dst, width);
		return;
	}
	const size_t size = format->bits / 8; /* bytes per component: 1, 2 or 4 */
	uint8_t one[4];
	if (format->type == TDSHM_COMPONENT_FLOAT && size == 2) {
		one[0] = 0x00;
		one[1] = 0x3c; /* half 1.0 */
	} else if (format->type == TDSHM_COMPONENT_FLOAT) {
		const float f = 1.0f;
		memcpy(one, &f, 4);
	} else {
		memset(one, 0xff, sizeof(one));
	}
	static const uint8_t zero[4] = {0, 0, 0, 0};
	/* The layout table is common/'s (pixel_format.h): a default is 0 for
	 * colour, 1 for alpha. */
	int sources[4];
	tdshm_channel_layout_sources(format->layout, sources);
	const uint8_t *defaults[4] = {zero, zero, zero, one};
	const size_t bpp = format->bytes_per_pixel;
	for (uint32_t x = 0; x < width; x++) {
		for (int c = 0; c < 4; c++) {
			const uint8_t *from = sources[c] == TDSHM_COMPONENT_DEFAULT
						  ? defaults[c]
						  : src + (size_t)sources[c] * size;
			memcpy(dst + (size_t)c * size, from, size);
		}
		src += bpp;
		dst += 4 * size;
	}
}

const char *tdshm_texture_format_name(enum gs_color_format format)
{
	switch (format) {
	case GS_R8:
		return "R8";
	case GS_R8G8:
		return "R8G8";
	case GS_RGBA:
		return "RGBA8";
	case GS_BGRA:
		return "BGRA8";
	case GS_R10G10B10A2:
		return "R10G10B10A2";
	case GS_R16:
		return "R16";
	case GS_RG16:
		return "RG16";
	case GS_RGBA16:
		return "RGBA16";
	case GS_R16F:
		return "R16F";
	case GS_RG16F:
		return "RG16F";
	case GS_RGBA16F:
		return "RGBA16F";
	case GS_R32F:
		return "R32F";
	case GS_RG32F:
		return "RG32F";
	case GS_RGBA32F:
		return "RGBA32F";
	default:
		return "unknown";
	}
}
