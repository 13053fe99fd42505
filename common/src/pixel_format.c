/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TOP pixel-format table (docs/protocol.md §3) and per-pixel conversion to
 * and from straight float RGBA. Everything here reads and writes bytes at
 * explicit offsets, so it is independent of host alignment and byte order. */
#include <math.h>
#include <string.h>

#include "tdshm/pixel_format.h"
#include "byte_order.h"

#define FMT(value_, wire_, name_, bpp_, channels_, bits_, type_, layout_, srgb_)                   \
	{                                                                                          \
		(value_), (wire_), (name_), (bpp_), (channels_), (bits_), TDSHM_COMPONENT_##type_, \
		    TDSHM_LAYOUT_##layout_, (srgb_)                                                \
	}
/* Wire formats: the value in a current header is the format's own number. */
#define WIRE(value_, name_, bpp_, channels_, bits_, type_, layout_, srgb_)                         \
	FMT(value_, value_, name_, bpp_, channels_, bits_, type_, layout_, srgb_)
/* Legacy-only three/four-channel orders: no current-header number. */
#define LEGACY(value_, name_, bpp_, channels_, bits_, type_, layout_)                              \
	FMT(value_, 0, name_, bpp_, channels_, bits_, type_, layout_, false)

static const tdshm_pixel_format pixel_formats[] = {
    WIRE(TDSHM_FMT_R8_UNORM, "r8", 1, 1, 8, UNORM, R, false),
    WIRE(TDSHM_FMT_R8G8_UNORM, "rg8", 2, 2, 8, UNORM, RG, false),
    WIRE(TDSHM_FMT_R8G8B8A8_UNORM, "rgba8", 4, 4, 8, UNORM, RGBA, false),
    WIRE(TDSHM_FMT_R8G8B8A8_SRGB, "rgba8srgb", 4, 4, 8, UNORM, RGBA, true),
    WIRE(TDSHM_FMT_B8G8R8A8_UNORM, "bgra8", 4, 4, 8, UNORM, BGRA, false),
    WIRE(TDSHM_FMT_B8G8R8A8_SRGB, "bgra8srgb", 4, 4, 8, UNORM, BGRA, true),
    WIRE(TDSHM_FMT_A2B10G10R10_UNORM, "rgb10a2", 4, 4, 0, PACKED, A2B10G10R10, false),
    WIRE(TDSHM_FMT_R16_UNORM, "r16", 2, 1, 16, UNORM, R, false),
    WIRE(TDSHM_FMT_R16_FLOAT, "r16f", 2, 1, 16, FLOAT, R, false),
    WIRE(TDSHM_FMT_R16G16_UNORM, "rg16", 4, 2, 16, UNORM, RG, false),
    WIRE(TDSHM_FMT_R16G16_FLOAT, "rg16f", 4, 2, 16, FLOAT, RG, false),
    WIRE(TDSHM_FMT_R16G16B16A16_UNORM, "rgba16", 8, 4, 16, UNORM, RGBA, false),
    WIRE(TDSHM_FMT_R16G16B16A16_FLOAT, "rgba16f", 8, 4, 16, FLOAT, RGBA, false),
    WIRE(TDSHM_FMT_R32_FLOAT, "r32f", 4, 1, 32, FLOAT, R, false),
    WIRE(TDSHM_FMT_R32G32_FLOAT, "rg32f", 8, 2, 32, FLOAT, RG, false),
    WIRE(TDSHM_FMT_R32G32B32A32_FLOAT, "rgba32f", 16, 4, 32, FLOAT, RGBA, false),
    WIRE(TDSHM_FMT_B10G11R11_UFLOAT, "rg11b10f", 4, 3, 0, PACKED, B10G11R11, false),
    WIRE(TDSHM_FMT_A8_UNORM, "a8", 1, 1, 8, UNORM, A, false),
    WIRE(TDSHM_FMT_A16_UNORM, "a16", 2, 1, 16, UNORM, A, false),
    WIRE(TDSHM_FMT_A16_FLOAT, "a16f", 2, 1, 16, FLOAT, A, false),
    WIRE(TDSHM_FMT_A32_FLOAT, "a32f", 4, 1, 32, FLOAT, A, false),
    WIRE(TDSHM_FMT_R8A8_UNORM, "ra8", 2, 2, 8, UNORM, RA, false),
    WIRE(TDSHM_FMT_R16A16_UNORM, "ra16", 4, 2, 16, UNORM, RA, false),
    WIRE(TDSHM_FMT_R16A16_FLOAT, "ra16f", 4, 2, 16, FLOAT, RA, false),
    WIRE(TDSHM_FMT_R32A32_FLOAT, "ra32f", 8, 2, 32, FLOAT, RA, false),
    LEGACY(TDSHM_FMT_LEGACY_RGB8, "rgb8", 3, 3, 8, UNORM, RGB),
    LEGACY(TDSHM_FMT_LEGACY_BGR8, "bgr8", 3, 3, 8, UNORM, BGR),
    LEGACY(TDSHM_FMT_LEGACY_RGB16, "rgb16", 6, 3, 16, UNORM, RGB),
    LEGACY(TDSHM_FMT_LEGACY_BGR16, "bgr16", 6, 3, 16, UNORM, BGR),
    LEGACY(TDSHM_FMT_LEGACY_RGB16F, "rgb16f", 6, 3, 16, FLOAT, RGB),
    LEGACY(TDSHM_FMT_LEGACY_BGR16F, "bgr16f", 6, 3, 16, FLOAT, BGR),
    LEGACY(TDSHM_FMT_LEGACY_RGB32F, "rgb32f", 12, 3, 32, FLOAT, RGB),
    LEGACY(TDSHM_FMT_LEGACY_BGR32F, "bgr32f", 12, 3, 32, FLOAT, BGR),
    LEGACY(TDSHM_FMT_LEGACY_ABGR8, "abgr8", 4, 4, 8, UNORM, ABGR),
};

#define PIXEL_FORMAT_COUNT (sizeof(pixel_formats) / sizeof(pixel_formats[0]))

size_t tdshm_pixel_format_count(void)
{
	return PIXEL_FORMAT_COUNT;
}

const tdshm_pixel_format *tdshm_pixel_format_at(size_t index)
{
	return index < PIXEL_FORMAT_COUNT ? &pixel_formats[index] : NULL;
}

const tdshm_pixel_format *tdshm_pixel_format_find(uint32_t value)
{
	for (size_t i = 0; i < PIXEL_FORMAT_COUNT; i++) {
		if (pixel_formats[i].value == value)
			return &pixel_formats[i];
	}
	return NULL;
}

const tdshm_pixel_format *tdshm_pixel_format_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < PIXEL_FORMAT_COUNT; i++) {
		if (strcmp(pixel_formats[i].name, name) == 0)
			return &pixel_formats[i];
	}
	return NULL;
}

/* ---- small floats ---------------------------------------------------------
 * Half (1-5-10), and the unsigned 11-bit (5-6) and 10-bit (5-5) floats of
 * B10G11R11 share one scheme: exponent bias 15, exponent 31 = inf/NaN,
 * exponent 0 = subnormal. Encoding rounds to nearest, ties to even, as GPUs
 * do, so every value that came from a small float goes back to the same bits. */

static float float_from_bits(uint32_t bits)
{
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

static uint32_t float_to_bits(float f)
{
	uint32_t bits;
	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

/* v >> shift, rounded to nearest with ties to even. */
static uint32_t shift_right_round_even(uint32_t v, unsigned shift)
{
	if (shift == 0)
		return v;
	if (shift > 31)
		return 0;
	uint32_t kept = v >> shift;
	uint32_t dropped = v & ((1u << shift) - 1u);
	uint32_t half = 1u << (shift - 1u);
	if (dropped > half || (dropped == half && (kept & 1u)))
		kept++;
	return kept;
}

/* Magnitude of f as an unsigned small float with 5 exponent bits and
 * mantissa_bits mantissa bits. The sign of f is ignored. */
static uint32_t small_float_from_float(float f, unsigned mantissa_bits)
{
	const uint32_t exponent_all_ones = 31u << mantissa_bits;
	uint32_t magnitude = float_to_bits(f) & 0x7fffffffu;
	uint32_t f_mantissa = magnitude & 0x7fffffu;
	int exponent = (int)(magnitude >> 23) - 127 + 15;

	if (magnitude >= 0x7f800000u) {
		if (magnitude == 0x7f800000u)
			return exponent_all_ones; /* infinity */
		/* NaN: keep the top payload bits and stay a NaN. */
		uint32_t payload = f_mantissa >> (23u - mantissa_bits);
		return exponent_all_ones | (payload ? payload : 1u << (mantissa_bits - 1u));
	}
	if (exponent >= 31)
		return exponent_all_ones; /* too large: infinity, as GPUs round */
	if (exponent >= 1) {
		/* Normal: a carry out of the mantissa correctly bumps the exponent
		 * (and turns the largest finite values into infinity). */
		uint32_t combined = ((uint32_t)exponent << 23) | f_mantissa;
		return shift_right_round_even(combined, 23u - mantissa_bits);
	}
	/* Subnormal result: shift the full significand down further; a carry
	 * into bit mantissa_bits yields the smallest normal, which is right. */
	if ((magnitude >> 23) == 0)
		return 0; /* float subnormals are far below the smallest half */
	uint32_t significand = f_mantissa | 0x800000u;
	unsigned shift = 23u - mantissa_bits + (unsigned)(1 - exponent);
	return shift_right_round_even(significand, shift);
}

static float small_float_to_float(uint32_t bits, unsigned mantissa_bits)
{
	uint32_t exponent = bits >> mantissa_bits;
	uint32_t mantissa = bits & ((1u << mantissa_bits) - 1u);
	uint32_t shift = 23u - mantissa_bits;
	if (exponent == 0) {
		/* Subnormal: mantissa x 2^(-14 - mantissa_bits), exact in float
		 * since both factors are (the scale is a normal power of two). */
		float scale = float_from_bits((uint32_t)(127 - 14 - (int)mantissa_bits) << 23);
		return (float)mantissa * scale;
	}
	if (exponent == 31)
		return float_from_bits(0x7f800000u | (mantissa << shift));
	/* Normal: rebias the exponent and widen the mantissa; no arithmetic,
	 * so this is exact and cheap (it runs per component of a frame). */
	return float_from_bits(((exponent - 15u + 127u) << 23) | (mantissa << shift));
}

float tdshm_half_to_float(uint16_t h)
{
	float magnitude = small_float_to_float(h & 0x7fffu, 10);
	return (h & 0x8000u) ? -magnitude : magnitude;
}

uint16_t tdshm_float_to_half(float f)
{
	uint32_t sign = (float_to_bits(f) >> 16) & 0x8000u;
	return (uint16_t)(sign | small_float_from_float(f, 10));
}

/* Unsigned small floats have no sign: negative values and -NaN clamp to 0
 * (what the GPU stores for them), NaN stays NaN. */
static uint32_t unsigned_small_float_from_float(float f, unsigned mantissa_bits)
{
	if (isnan(f))
		return small_float_from_float(fabsf(f), mantissa_bits);
	if (f <= 0.0f)
		return 0;
	return small_float_from_float(f, mantissa_bits);
}

/* ---- components ----------------------------------------------------------- */

static float unorm_to_float(uint32_t value, uint32_t max)
{
	return (float)value / (float)max;
}

/* v / 255 for every byte, folded by the compiler (the same correctly
 * rounded values as the division at run time): 8-bit formats are the common
 * case and are converted per component of whole frames. */
#define U8F(i) ((float)(i) / 255.0f)
#define U8F4(i) U8F(i), U8F(i + 1), U8F(i + 2), U8F(i + 3)
#define U8F16(i) U8F4(i), U8F4(i + 4), U8F4(i + 8), U8F4(i + 12)
#define U8F64(i) U8F16(i), U8F16(i + 16), U8F16(i + 32), U8F16(i + 48)
static const float unorm8_to_float[256] = {U8F64(0), U8F64(64), U8F64(128), U8F64(192)};
#undef U8F64
#undef U8F16
#undef U8F4
#undef U8F

static uint32_t unorm_from_float(float f, uint32_t max)
{
	if (!(f > 0.0f)) /* also catches NaN */
		return 0;
	if (f >= 1.0f)
		return max;
	return (uint32_t)lrintf(f * (float)max);
}

static float component_load(const tdshm_pixel_format *format, const uint8_t *src, uint32_t index)
{
	switch (format->bits) {
	case 8:
		return unorm8_to_float[src[index]];
	case 16: {
		uint16_t v = tdshm_load_u16le(src, (size_t)index * 2);
		return format->type == TDSHM_COMPONENT_FLOAT ? tdshm_half_to_float(v)
							     : unorm_to_float(v, 65535);
	}
	case 32:
		return tdshm_load_f32le(src, (size_t)index * 4);
	}
	return 0.0f;
}

static void component_store(const tdshm_pixel_format *format, uint8_t *dst, uint32_t index, float f)
{
	switch (format->bits) {
	case 8:
		dst[index] = (uint8_t)unorm_from_float(f, 255);
		break;
	case 16:
		tdshm_store_u16le(dst, (size_t)index * 2,
				  format->type == TDSHM_COMPONENT_FLOAT
				      ? tdshm_float_to_half(f)
				      : (uint16_t)unorm_from_float(f, 65535));
		break;
	case 32:
		tdshm_store_f32le(dst, (size_t)index * 4, f);
		break;
	}
}

/* For each layout, which stored component feeds R, G, B and A; D means the
 * constant default (0 for colour, 1 for alpha). The one table of layouts:
 * the plugin's texture converter reads it too. */
#define D TDSHM_COMPONENT_DEFAULT
static const int8_t layout_sources[][4] = {
    [TDSHM_LAYOUT_R] = {0, D, D, D},    [TDSHM_LAYOUT_RG] = {0, 1, D, D},
    [TDSHM_LAYOUT_RGB] = {0, 1, 2, D},  [TDSHM_LAYOUT_BGR] = {2, 1, 0, D},
    [TDSHM_LAYOUT_RGBA] = {0, 1, 2, 3}, [TDSHM_LAYOUT_BGRA] = {2, 1, 0, 3},
    [TDSHM_LAYOUT_ABGR] = {3, 2, 1, 0}, [TDSHM_LAYOUT_A] = {D, D, D, 0},
    [TDSHM_LAYOUT_RA] = {0, 0, 0, 1},
};
#undef D

bool tdshm_channel_layout_sources(tdshm_channel_layout layout, int sources[4])
{
	bool unpacked = (size_t)layout < sizeof(layout_sources) / sizeof(layout_sources[0]) &&
			layout != TDSHM_LAYOUT_A2B10G10R10 && layout != TDSHM_LAYOUT_B10G11R11;
	for (int i = 0; i < 4; i++)
		sources[i] = unpacked ? layout_sources[layout][i] : TDSHM_COMPONENT_DEFAULT;
	return unpacked;
}

void tdshm_pixel_to_rgba_f32(const tdshm_pixel_format *format, const uint8_t *src, float rgba[4])
{
	if (format->layout == TDSHM_LAYOUT_A2B10G10R10) {
		uint32_t v = tdshm_load_u32le(src, 0);
		rgba[0] = unorm_to_float(v & 0x3ffu, 1023);
		rgba[1] = unorm_to_float((v >> 10) & 0x3ffu, 1023);
		rgba[2] = unorm_to_float((v >> 20) & 0x3ffu, 1023);
		rgba[3] = unorm_to_float(v >> 30, 3);
		return;
	}
	if (format->layout == TDSHM_LAYOUT_B10G11R11) {
		uint32_t v = tdshm_load_u32le(src, 0);
		rgba[0] = small_float_to_float(v & 0x7ffu, 6);
		rgba[1] = small_float_to_float((v >> 11) & 0x7ffu, 6);
		rgba[2] = small_float_to_float(v >> 22, 5);
		rgba[3] = 1.0f;
		return;
	}
	int sources[4];
	tdshm_channel_layout_sources(format->layout, sources);
	for (int i = 0; i < 4; i++) {
		int s = sources[i];
		rgba[i] =
		    s >= 0 ? component_load(format, src, (uint32_t)s) : (i == 3 ? 1.0f : 0.0f);
	}
}

void tdshm_pixel_from_rgba_f32(const tdshm_pixel_format *format, const float rgba[4], uint8_t *dst)
{
	if (format->layout == TDSHM_LAYOUT_A2B10G10R10) {
		uint32_t v =
		    unorm_from_float(rgba[0], 1023) | (unorm_from_float(rgba[1], 1023) << 10) |
		    (unorm_from_float(rgba[2], 1023) << 20) | (unorm_from_float(rgba[3], 3) << 30);
		tdshm_store_u32le(dst, 0, v);
		return;
	}
	if (format->layout == TDSHM_LAYOUT_B10G11R11) {
		uint32_t v = unsigned_small_float_from_float(rgba[0], 6) |
			     (unsigned_small_float_from_float(rgba[1], 6) << 11) |
			     (unsigned_small_float_from_float(rgba[2], 5) << 22);
		tdshm_store_u32le(dst, 0, v);
		return;
	}
	/* Each stored component takes the first RGBA channel that reads it:
	 * mono+alpha stores R (G and B are its copies on the way back). */
	int sources[4];
	tdshm_channel_layout_sources(format->layout, sources);
	bool stored[4] = {false, false, false, false};
	for (int i = 0; i < 4; i++) {
		int s = sources[i];
		if (s >= 0 && !stored[s]) {
			component_store(format, dst, (uint32_t)s, rgba[i]);
			stored[s] = true;
		}
	}
}

void tdshm_pixel_to_rgba8(const tdshm_pixel_format *format, const uint8_t *src, uint8_t rgba[4])
{
	float f[4];
	tdshm_pixel_to_rgba_f32(format, src, f);
	for (int c = 0; c < 4; c++)
		rgba[c] = (uint8_t)unorm_from_float(f[c], 255);
}

uint8_t tdshm_unpremultiply_u8(uint8_t colour, uint8_t alpha)
{
	if (alpha == 0)
		return 0;
	uint32_t v = ((uint32_t)colour * 255u + alpha / 2u) / alpha;
	return (uint8_t)(v > 255u ? 255u : v);
}

float tdshm_unpremultiply_f32(float colour, float alpha)
{
	return alpha > 0.0f ? colour / alpha : 0.0f;
}

void tdshm_unpremultiply_row_rgba8(uint8_t *row, size_t count)
{
	for (size_t i = 0; i < count; i++, row += 4) {
		uint8_t a = row[3];
		if (a == 255)
			continue;
		for (int c = 0; c < 3; c++)
			row[c] = tdshm_unpremultiply_u8(row[c], a);
	}
}
