/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PNG output for builds without libpng (the Windows cross build). */
#include "tool.h"

tdshm_status tool_png_write(const char *path, uint32_t width, uint32_t height, const uint8_t *rgba,
			    tdshm_error *err)
{
	(void)width;
	(void)height;
	(void)rgba;
	return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
			       "cannot write '%s': this build of tdshm has no PNG support "
			       "(built without libpng); drop --png",
			       path);
}
