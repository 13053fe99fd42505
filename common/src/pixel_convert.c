/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Row conversions for the video source's async frames. The float path is
 * the one that costs: 16 bytes read per pixel, four clamps and roundings.
 * On x86 (SSE2 is part of x86-64, and of every CPU OBS supports) four
 * components go through at once; elsewhere the per-pixel reference runs,
 * with the same results. */
#include "tdshm/pixel_convert.h"

#include <stdbool.h>
#include <string.h>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define TDSHM_CONVERT_SSE2 1
#endif

#ifdef TDSHM_CONVERT_SSE2
/* Four floats -> four bytes: max(NaN, 0) is 0 (SSE's max returns its second
 * operand when the first is NaN), then clamp to 1, then the conversion
 * rounds to nearest even as lrintf does under the default rounding mode. */
static inline __m128i tdshm_convert_4f(const uint8_t *src)
{
	const __m128 zero = _mm_setzero_ps();
	const __m128 one = _mm_set1_ps(1.0f);
	const __m128 scale = _mm_set1_ps(255.0f);
	__m128 v = _mm_loadu_ps((const float *)(const void *)src);
	v = _mm_min_ps(_mm_max_ps(v, zero), one);
	return _mm_cvtps_epi32(_mm_mul_ps(v, scale));
}

static void tdshm_rgba32f_row_to_rgba8(const uint8_t *src, uint8_t *dst, uint32_t width)
{
	uint32_t x = 0;
	for (; x + 4 <= width; x += 4) {
		__m128i p0 = tdshm_convert_4f(src);
		__m128i p1 = tdshm_convert_4f(src + 16);
		__m128i p2 = tdshm_convert_4f(src + 32);
		__m128i p3 = tdshm_convert_4f(src + 48);
		__m128i lo = _mm_packs_epi32(p0, p1);
		__m128i hi = _mm_packs_epi32(p2, p3);
		_mm_storeu_si128((__m128i *)(void *)dst, _mm_packus_epi16(lo, hi));
		src += 64;
		dst += 16;
	}
	for (; x < width; x++) {
		__m128i p = tdshm_convert_4f(src);
		p = _mm_packus_epi16(_mm_packs_epi32(p, p), p);
		uint32_t bytes = (uint32_t)_mm_cvtsi128_si32(p);
		memcpy(dst, &bytes, 4);
		src += 16;
		dst += 4;
	}
}
#endif

void tdshm_convert_row_to_rgba8(const tdshm_pixel_format *format, const uint8_t *src, uint8_t *dst,
				uint32_t width)
{
#ifdef TDSHM_CONVERT_SSE2
	if (format->value == TDSHM_FMT_R32G32B32A32_FLOAT) {
		tdshm_rgba32f_row_to_rgba8(src, dst, width);
		return;
	}
#endif
	const size_t bpp = format->bytes_per_pixel;
	for (uint32_t x = 0; x < width; x++)
		tdshm_pixel_to_rgba8(format, src + (size_t)x * bpp, dst + (size_t)x * 4);
}

/* tdshm_unpremultiply_u8 on one pixel's colour (pixel_format.h: the one
 * premultiplied -> straight formula). */
static inline void tdshm_unpremultiply_pixel(uint8_t *p)
{
	const uint8_t a = p[3];
	if (a == 255)
		return;
	for (int c = 0; c < 3; c++)
		p[c] = tdshm_unpremultiply_u8(p[c], a);
}

void tdshm_make_opaque_row8(uint8_t *row, uint32_t width)
{
	for (uint32_t x = 0; x < width; x++)
		row[(size_t)x * 4 + 3] = 255;
}

#ifdef TDSHM_CONVERT_SSE2
/* Pixels one at a time until dst is 16-byte aligned (streaming stores need
 * it); returns how many. */
static uint32_t tdshm_copy_head(const uint8_t *src, uint8_t *dst, uint32_t width, bool opaque)
{
	uint32_t x = 0;
	for (; x < width && ((uintptr_t)(dst + (size_t)x * 4) & 15) != 0; x++) {
		memcpy(dst + (size_t)x * 4, src + (size_t)x * 4, 4);
		if (opaque)
			dst[(size_t)x * 4 + 3] = 255;
		else
			tdshm_unpremultiply_pixel(dst + (size_t)x * 4);
	}
	return x;
}
#endif

void tdshm_copy_row8_unpremultiply(const uint8_t *src, uint8_t *dst, uint32_t width)
{
#ifdef TDSHM_CONVERT_SSE2
	uint32_t x = tdshm_copy_head(src, dst, width, false);
	const __m128i alpha = _mm_set1_epi32((int)0xff000000u);
	for (; x + 4 <= width; x += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + (size_t)x * 4));
		__m128i opaque = _mm_cmpeq_epi32(_mm_and_si128(v, alpha), alpha);
		if (_mm_movemask_epi8(opaque) != 0xffff) {
			/* a translucent pixel among the four: the exact path */
			uint8_t four[16];
			_mm_storeu_si128((__m128i *)(void *)four, v);
			for (int k = 0; k < 4; k++)
				tdshm_unpremultiply_pixel(four + k * 4);
			v = _mm_loadu_si128((const __m128i *)(const void *)four);
		}
		_mm_stream_si128((__m128i *)(void *)(dst + (size_t)x * 4), v);
	}
	_mm_sfence();
	for (; x < width; x++) {
		memcpy(dst + (size_t)x * 4, src + (size_t)x * 4, 4);
		tdshm_unpremultiply_pixel(dst + (size_t)x * 4);
	}
#else
	memcpy(dst, src, (size_t)width * 4);
	tdshm_unpremultiply_row_rgba8(dst, width);
#endif
}

void tdshm_copy_row8_opaque(const uint8_t *src, uint8_t *dst, uint32_t width)
{
#ifdef TDSHM_CONVERT_SSE2
	uint32_t x = tdshm_copy_head(src, dst, width, true);
	const __m128i alpha = _mm_set1_epi32((int)0xff000000u);
	for (; x + 4 <= width; x += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + (size_t)x * 4));
		_mm_stream_si128((__m128i *)(void *)(dst + (size_t)x * 4), _mm_or_si128(v, alpha));
	}
	_mm_sfence();
	for (; x < width; x++) {
		memcpy(dst + (size_t)x * 4, src + (size_t)x * 4, 4);
		dst[(size_t)x * 4 + 3] = 255;
	}
#else
	memcpy(dst, src, (size_t)width * 4);
	tdshm_make_opaque_row8(dst, width);
#endif
}

void tdshm_copy_streaming(uint8_t *dst, const uint8_t *src, size_t bytes)
{
#ifdef TDSHM_CONVERT_SSE2
	size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
	if (head > bytes)
		head = bytes;
	memcpy(dst, src, head);
	size_t i = head;
	for (; i + 64 <= bytes; i += 64) {
		const __m128i *s = (const __m128i *)(const void *)(src + i);
		__m128i *d = (__m128i *)(void *)(dst + i);
		__m128i a = _mm_loadu_si128(s), b = _mm_loadu_si128(s + 1);
		__m128i c = _mm_loadu_si128(s + 2), e = _mm_loadu_si128(s + 3);
		_mm_stream_si128(d, a);
		_mm_stream_si128(d + 1, b);
		_mm_stream_si128(d + 2, c);
		_mm_stream_si128(d + 3, e);
	}
	_mm_sfence();
	memcpy(dst + i, src + i, bytes - i);
#else
	memcpy(dst, src, bytes);
#endif
}
