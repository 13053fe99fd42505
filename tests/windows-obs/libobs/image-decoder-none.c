/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stands in for libobs/graphics/graphics-ffmpeg.c in the Windows test build
 * of libobs: that file decodes image files through libavcodec/libavformat,
 * which this build does not cross-compile (no scenario loads an image
 * file). Every call fails the way a missing or unreadable file does. */
#include <graphics/graphics.h>
#include <util/base.h>

void gs_init_image_deps(void)
{
}

void gs_free_image_deps(void)
{
}

uint8_t *gs_create_texture_file_data3(const char *file, enum gs_image_alpha_mode alpha_mode,
				      enum gs_color_format *format, uint32_t *cx, uint32_t *cy,
				      enum gs_color_space *space)
{
	(void)alpha_mode;
	(void)format;
	(void)space;
	*cx = *cy = 0;
	blog(LOG_WARNING, "image files are not supported in this test build of libobs: %s",
	     file ? file : "(null)");
	return NULL;
}

uint8_t *gs_create_texture_file_data2(const char *file, enum gs_image_alpha_mode alpha_mode,
				      enum gs_color_format *format, uint32_t *cx, uint32_t *cy)
{
	enum gs_color_space space;
	return gs_create_texture_file_data3(file, alpha_mode, format, cx, cy, &space);
}

uint8_t *gs_create_texture_file_data(const char *file, enum gs_color_format *format, uint32_t *cx,
				     uint32_t *cy)
{
	return gs_create_texture_file_data2(file, GS_IMAGE_ALPHA_STRAIGHT, format, cx, cy);
}
