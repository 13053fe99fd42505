/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How each TouchDesigner pixel format becomes an OBS texture: uploaded as is
 * where OBS has the same format, else converted while copying. */
#pragma once

#include <graphics/graphics.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdshm/pixel_format.h"

typedef struct tdshm_texture_plan {
	enum gs_color_format gs_format;
	/* false: rows go to the texture byte for byte (gs_texture_set_image);
	 * true: tdshm_texture_convert_row writes them into the mapped texture. */
	bool convert;
	/* More than 8 bits per channel: worth a 16F canvas (get_color_space). */
	bool high_precision;
} tdshm_texture_plan;

/* false when the format cannot be shown (never for table formats). */
bool tdshm_texture_plan_for(const tdshm_pixel_format *format, tdshm_texture_plan *plan);

/* Converts width pixels of format at src into the plan's gs_format at dst. */
void tdshm_texture_convert_row(const tdshm_pixel_format *format, const uint8_t *src, uint8_t *dst,
			       uint32_t width);

/* "R8G8B8A8" style name of an OBS texture format, for logs. */
const char *tdshm_texture_format_name(enum gs_color_format format);
