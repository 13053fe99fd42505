/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's picture: the texture TD's image is uploaded into and
 * the effect that draws it. Graphics thread only (create/destroy enter the
 * graphics context themselves). */
#pragma once

#include <obs-module.h>

#include "source-settings.h"
#include "source-timing.h"
#include "texture-format.h"
#include "tdshm/top.h"

typedef struct tdshm_source_picture {
	gs_effect_t *effect;
	gs_eparam_t *param_image, *param_decode_srgb, *param_multiplier;
	gs_texture_t *texture;
	uint32_t width, height;
	enum gs_color_format format;
	bool high_precision; /* the last image had more than 8 bits per channel */
	bool flip;           /* the texture holds TD's rows as they are: draw flipped */
	bool has_frame;      /* false: draw nothing (cleared or never received) */
} tdshm_source_picture;

/* Loads the effect; false (logged against owner) when it is missing. */
bool tdshm_source_picture_init(tdshm_source_picture *pic, obs_source_t *owner);
void tdshm_source_picture_free(tdshm_source_picture *pic);

/* Whether the texture already holds an image of this size and plan. */
bool tdshm_source_picture_fits(const tdshm_source_picture *pic, const tdshm_top_image *image,
			       const tdshm_texture_plan *plan);

/* Copies image (its pixels at pixels) into the texture, (re)creating it for
 * a new size or format: one pass into the driver's mapped upload buffer,
 * rows in TD's order (its first row is the bottom one): flip draws them
 * the other way up. ft: NULL, or
 * where the map, copy and unmap times go. false when the driver could not
 * create or map the texture (its reason in *error). */
bool tdshm_source_picture_upload(tdshm_source_picture *pic, obs_source_t *owner,
				 const uint8_t *pixels, const tdshm_top_image *image,
				 const tdshm_texture_plan *plan, bool flip,
				 tdshm_source_frame_time *ft, const char **error);

void tdshm_source_picture_draw(const tdshm_source_picture *pic, enum tdshm_alpha_mode alpha);

/* video_get_color_space: full precision where the canvas can hold it. */
enum gs_color_space tdshm_source_picture_color_space(const tdshm_source_picture *pic, size_t count,
						     const enum gs_color_space *preferred);
