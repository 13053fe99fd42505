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

/* ceil(2^24 / a): (n * it) >> 24 is n / a rounded down for every n below
 * 2^16 (tests/common/test_pixel_convert.c checks all of them). */
static const uint32_t tdshm_alpha_reciprocal[256] = {
    0,       16777216, 8388608, 5592406, 4194304, 3355444, 2796203, 2396746, 2097152, 1864136,
    1677722, 1525202,  1398102, 1290556, 1198373, 1118482, 1048576, 986896,  932068,  883012,
    838861,  798916,   762601,  729445,  699051,  671089,  645278,  621379,  599187,  578525,
    559241,  541201,   524288,  508401,  493448,  479350,  466034,  453439,  441506,  430186,
    419431,  409201,   399458,  390168,  381301,  372828,  364723,  356963,  349526,  342393,
    335545,  328966,   322639,  316552,  310690,  305041,  299594,  294338,  289263,  284360,
    279621,  275037,   270601,  266306,  262144,  258112,  254201,  250407,  246724,  243149,
    239675,  236299,   233017,  229825,  226720,  223697,  220753,  217886,  215093,  212370,
    209716,  207127,   204601,  202136,  199729,  197380,  195084,  192842,  190651,  188509,
    186414,  184366,   182362,  180401,  178482,  176603,  174763,  172961,  171197,  169467,
    167773,  166112,   164483,  162886,  161320,  159784,  158276,  156797,  155345,  153920,
    152521,  151147,   149797,  148471,  147169,  145889,  144632,  143396,  142180,  140986,
    139811,  138655,   137519,  136401,  135301,  134218,  133153,  132105,  131072,  130056,
    129056,  128071,   127101,  126145,  125204,  124276,  123362,  122462,  121575,  120700,
    119838,  118988,   118150,  117324,  116509,  115705,  114913,  114131,  113360,  112599,
    111849,  111108,   110377,  109656,  108943,  108241,  107547,  106862,  106185,  105518,
    104858,  104207,   103564,  102928,  102301,  101681,  101068,  100463,  99865,   99274,
    98690,   98113,    97542,   96979,   96421,   95870,   95326,   94787,   94255,   93728,
    93207,   92692,    92183,   91679,   91181,   90688,   90201,   89718,   89241,   88769,
    88302,   87839,    87382,   86929,   86481,   86038,   85599,   85164,   84734,   84308,
    83887,   83469,    83056,   82647,   82242,   81841,   81443,   81050,   80660,   80274,
    79892,   79513,    79138,   78767,   78399,   78034,   77673,   77315,   76960,   76609,
    76261,   75916,    75574,   75235,   74899,   74566,   74236,   73909,   73585,   73263,
    72945,   72629,    72316,   72006,   71698,   71393,   71090,   70790,   70493,   70198,
    69906,   69616,    69328,   69043,   68760,   68479,   68201,   67924,   67651,   67379,
    67109,   66842,    66577,   66314,   66053,   65794,
};

static inline void tdshm_unpremultiply_pixel(uint8_t *p)
{
	const uint32_t a = p[3];
	if (a == 255 || a == 0)
		return;
	for (int c = 0; c < 3; c++) {
		uint64_t n = (uint64_t)(p[c] * 255u + a / 2);
		uint32_t v = (uint32_t)((n * tdshm_alpha_reciprocal[a]) >> 24);
		p[c] = (uint8_t)(v > 255 ? 255 : v);
	}
}

void tdshm_unpremultiply_row8(uint8_t *row, uint32_t width)
{
	uint32_t x = 0;
	/* Most of a frame is opaque: four pixels looked at in one test. */
	for (; x + 4 <= width; x += 4) {
		uint8_t *p = row + (size_t)x * 4;
		if ((p[3] & p[7] & p[11] & p[15]) == 255)
			continue;
		for (int k = 0; k < 4; k++)
			tdshm_unpremultiply_pixel(p + k * 4);
	}
	for (; x < width; x++)
		tdshm_unpremultiply_pixel(row + (size_t)x * 4);
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
	const __m128i zero = _mm_setzero_si128();
	for (; x + 4 <= width; x += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + (size_t)x * 4));
		__m128i a = _mm_and_si128(v, alpha);
		__m128i as_is = _mm_or_si128(_mm_cmpeq_epi32(a, alpha), _mm_cmpeq_epi32(a, zero));
		if (_mm_movemask_epi8(as_is) != 0xffff) {
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
	tdshm_unpremultiply_row8(dst, width);
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
