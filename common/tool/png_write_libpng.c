/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PNG output through libpng (native builds). */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

tdshm_status tool_png_write(const char *path, uint32_t width, uint32_t height, const uint8_t *rgba,
			    tdshm_error *err)
{
	FILE *file = fopen(path, "wb");
	if (!file)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot create '%s': %s", path,
				       strerror(errno));
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		png_destroy_write_struct(&png, &info);
		fclose(file);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot write '%s': libpng could not start (out of memory)",
				       path);
	}
	/* libpng reports errors by longjmp; nothing here needs unwinding but
	 * the file and the png structs, released below. */
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(file);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "writing '%s' failed (disk full or not writable?)", path);
	}
	png_init_io(png, file);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < height; y++)
		png_write_row(png, (png_const_bytep)(rgba + (size_t)y * width * 4));
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(file) != 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot finish '%s': %s", path,
				       strerror(errno));
	return TDSHM_OK;
}
