/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PNG output with zlib alone (the Windows cross build, where Debian has
 * zlib but no libpng for mingw): an 8-bit RGBA image is a signature, an IHDR
 * chunk, one IDAT chunk holding the zlib stream of the rows (each led by
 * filter type 0, none) and an IEND chunk; every chunk ends with the CRC-32 of
 * its type and data, which zlib computes (PNG specification, ISO/IEC 15948). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tool.h"

static void png_put_u32(uint8_t *out, uint32_t value)
{
	out[0] = (uint8_t)(value >> 24);
	out[1] = (uint8_t)(value >> 16);
	out[2] = (uint8_t)(value >> 8);
	out[3] = (uint8_t)value;
}

/* Length, type, data, CRC of type and data. false on a write error. */
static bool png_chunk(FILE *file, const char type[4], const uint8_t *data, uint32_t len)
{
	uint8_t head[8], tail[4];
	png_put_u32(head, len);
	memcpy(head + 4, type, 4);
	uLong crc = crc32(0L, head + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	png_put_u32(tail, (uint32_t)crc);
	return fwrite(head, 1, 8, file) == 8 && (len == 0 || fwrite(data, 1, len, file) == len) &&
	       fwrite(tail, 1, 4, file) == 4;
}

tdshm_status tool_png_write(const char *path, uint32_t width, uint32_t height, const uint8_t *rgba,
			    tdshm_error *err)
{
	size_t row = (size_t)width * 4;
	if (width == 0 || height == 0 || row / 4 != width || (row + 1) > SIZE_MAX / height)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "cannot write '%s': %ux%u is no image size for a PNG", path,
				       width, height);
	size_t raw_size = (row + 1) * height;
	uLong packed_cap = compressBound((uLong)raw_size);
	if ((size_t)(uLong)raw_size != raw_size || packed_cap > UINT32_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "cannot write '%s': %ux%u is too large for one PNG chunk",
				       path, width, height);
	uint8_t *raw = malloc(raw_size);
	uint8_t *packed = malloc(packed_cap);
	if (!raw || !packed) {
		free(raw);
		free(packed);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot write '%s': out of memory",
				       path);
	}
	for (uint32_t y = 0; y < height; y++) {
		uint8_t *line = raw + (size_t)y * (row + 1);
		line[0] = 0; /* filter: none */
		memcpy(line + 1, rgba + (size_t)y * row, row);
	}
	uLongf packed_size = packed_cap;
	int z = compress2(packed, &packed_size, raw, (uLong)raw_size, Z_DEFAULT_COMPRESSION);
	free(raw);
	if (z != Z_OK) {
		free(packed);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot write '%s': zlib could not compress it (%d)", path,
				       z);
	}
	FILE *file = fopen(path, "wb");
	if (!file) {
		free(packed);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot create '%s': %s", path,
				       strerror(errno));
	}
	static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	uint8_t ihdr[13];
	png_put_u32(ihdr, width);
	png_put_u32(ihdr + 4, height);
	ihdr[8] = 8;  /* bits per sample */
	ihdr[9] = 6;  /* colour type: RGBA */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering (each row says none) */
	ihdr[12] = 0; /* not interlaced */
	bool ok = fwrite(signature, 1, sizeof(signature), file) == sizeof(signature) &&
		  png_chunk(file, "IHDR", ihdr, sizeof(ihdr)) &&
		  png_chunk(file, "IDAT", packed, (uint32_t)packed_size) &&
		  png_chunk(file, "IEND", NULL, 0);
	free(packed);
	if (fclose(file) != 0 || !ok)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "writing '%s' failed (disk full or not writable?)", path);
	return TDSHM_OK;
}
