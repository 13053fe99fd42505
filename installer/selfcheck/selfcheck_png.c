/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "selfcheck_png.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

tdshm_status selfcheck_png_write(const selfcheck_frame *frame, const char *path, tdshm_error *err)
{
	FILE *file = fopen(path, "wb");
	if (!file)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot write the PNG '%s': %s",
				       path, strerror(errno));

	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		fclose(file);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "libpng could not start (out of memory?)");
	}
	/* libpng reports write errors by longjmp. */
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(file);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "writing the PNG '%s' failed (disk full?)", path);
	}
	png_init_io(png, file);
	png_set_IHDR(png, info, frame->width, frame->height, 8, PNG_COLOR_TYPE_RGB_ALPHA,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	/* OBS hands out B,G,R,A bytes; PNG stores R,G,B,A. */
	png_set_bgr(png);
	for (uint32_t y = 0; y < frame->height; y++)
		png_write_row(png, frame->bgra + (size_t)y * frame->linesize);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(file) != 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "closing the PNG '%s' failed: %s",
				       path, strerror(errno));
	return TDSHM_OK;
}
