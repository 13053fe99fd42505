/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole rows of pixels into the 8-bit RGBA/BGRA OBS's async frames hold:
 * the per-pixel rules of tdshm_pixel_to_rgba8 (clamp to 0..1, NaN gives 0,
 * round to nearest, ties to even) at memory speed for the formats TD sends
 * most, and copies that apply the premultiplied -> straight alpha step OBS's
 * async frames need. Byte for byte the same results as the per-pixel
 * references. */
#pragma once

#include <stdint.h>

#include "tdshm/pixel_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* width pixels of format at src (bytes_per_pixel each, no alignment
 * assumed) as 8-bit straight R,G,B,A at dst (4 bytes each). src and dst
 * must not overlap. */
void tdshm_convert_row_to_rgba8(const tdshm_pixel_format *format, const uint8_t *src, uint8_t *dst,
				uint32_t width);

/* In place: every pixel's 4th byte (alpha) set to 255. */
void tdshm_make_opaque_row8(uint8_t *row, uint32_t width);

/* tdshm_unpremultiply_row_rgba8 (pixel_format.h) and the opaque step, each
 * fused with the copy of an 8-bit 4-byte-per-pixel row
 * from src to dst (no overlap): one pass, with stores that go around the
 * caches where the CPU has them (the frame is read again only later, by
 * OBS's own copy), so a row costs what one memcpy of a whole frame does. */
void tdshm_copy_row8_unpremultiply(const uint8_t *src, uint8_t *dst, uint32_t width);
void tdshm_copy_row8_opaque(const uint8_t *src, uint8_t *dst, uint32_t width);

/* memcpy for whole frames that are read again only much later (by the
 * graphics driver, by OBS's own copy): stores that go around the caches
 * where the CPU has them, whatever the size; plain memcpy elsewhere. */
void tdshm_copy_streaming(uint8_t *dst, const uint8_t *src, size_t bytes);

#ifdef __cplusplus
}
#endif
