/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing one image into a TOP data segment: the header, then the rows in the
 * order TouchDesigner expects (bottom row first by default), with the alpha
 * representation the user chose. The GPU read-back gives rows top-first with
 * a driver-chosen stride and premultiplied colour; everything between that
 * and the segment bytes happens here, so it is testable without a GPU. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "top.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tdshm_alpha_mode {
	/* Colour already multiplied by alpha (TD's default, and what OBS renders
	 * into a cleared target): rows are copied unchanged. */
	TDSHM_ALPHA_PREMULTIPLIED,
	/* Colour divided by alpha on the way out (alpha 0 gives colour 0). */
	TDSHM_ALPHA_STRAIGHT,
} tdshm_alpha_mode;

typedef struct tdshm_top_frame {
	tdshm_top_params header; /* kind, version, size and format to announce */
	bool bottom_up;          /* write the source's last row first */
	tdshm_alpha_mode alpha;  /* what to write; the source is premultiplied */
} tdshm_top_frame;

/* Formats the writer can straighten and copy: 4-channel RGBA/BGRA in 8-bit
 * unorm, 16-bit float or 32-bit float, alpha last. */
bool tdshm_top_frame_format_supported(const tdshm_pixel_format *format);

/* Whole segment size for frame (header + image). */
tdshm_status tdshm_top_frame_segment_size(const tdshm_top_frame *frame, size_t *out,
					  tdshm_error *err) TDSHM_MUST_CHECK;

/* Writes the header and frame->header.height rows of src (top row first,
 * src_stride bytes apart, each at least width * bytes_per_pixel) into segment.
 * INVALID_ARGUMENT when the segment is too small, the stride too short or the
 * format not supported; nothing is written past size. */
tdshm_status tdshm_top_frame_write(const tdshm_top_frame *frame, const uint8_t *src,
				   size_t src_stride, uint8_t *segment, size_t size,
				   tdshm_error *err) TDSHM_MUST_CHECK;

/* Writes a header and an all-zero (transparent black) image, so a receiver
 * that attaches before the first real frame sees a valid, empty picture. */
tdshm_status tdshm_top_frame_write_blank(const tdshm_top_frame *frame, uint8_t *segment,
					 size_t size, tdshm_error *err) TDSHM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
