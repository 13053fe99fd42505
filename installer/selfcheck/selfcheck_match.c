/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "selfcheck_match.h"

#include <stdio.h>

#include <tdshm/pattern.h>
#include <tdshm/pixel_format.h>

/* OBS renders the source 1:1 into a BGRA canvas, so a correct plugin gives
 * the bars back to within rounding. A few levels of 255 allow for the
 * renderer's own rounding. Bars are saturated (0 or 1 per channel), so this
 * proves the picture arrives, in the right place, the right way up, with R
 * and B in their places (yellow and cyan swap otherwise); colour-space
 * accuracy is the OBS test stage's job, with ramps. */
#define SELFCHECK_TOLERANCE (4.0f / 255.0f)
/* Bar boundaries land on fractional pixels at some widths. */
#define SELFCHECK_EDGE_MARGIN 2

bool selfcheck_match_bars(const selfcheck_frame *frame, char *detail, size_t detail_cap)
{
	tdshm_pattern_image image = {
	    .width = frame->width,
	    .height = frame->height,
	    .format = tdshm_pixel_format_find(TDSHM_FMT_B8G8R8A8_UNORM),
	    .bottom_up = false, /* OBS hands out the top row first */
	    .stride = frame->linesize,
	};
	tdshm_pattern_check_options options = {.tolerance = SELFCHECK_TOLERANCE,
					       .edge_margin = SELFCHECK_EDGE_MARGIN};
	tdshm_pattern_result result = {0};
	tdshm_error err = {0};
	size_t bytes = (size_t)frame->linesize * frame->height;
	if (tdshm_pattern_check(TDSHM_PATTERN_BARS, &image, frame->bgra, bytes, &options, &result,
				&err) == TDSHM_OK)
		return true;
	if (result.bad_pixels > 0) {
		const uint8_t *px = frame->bgra + (size_t)result.first_bad_y * frame->linesize +
				    (size_t)result.first_bad_x * 4;
		snprintf(detail, detail_cap,
			 "%llu pixels differ; first at (%u,%u) is RGB %u,%u,%u, largest error "
			 "%.0f/255",
			 (unsigned long long)result.bad_pixels, result.first_bad_x,
			 result.first_bad_y, px[2], px[1], px[0], result.max_error * 255.0f);
	} else {
		snprintf(detail, detail_cap, "%s", err.message);
	}
	return false;
}
