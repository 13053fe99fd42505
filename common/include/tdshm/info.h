/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The info block (docs/protocol.md §2) in both platforms' byte layouts, read and
 * written through explicit offsets, plus this project's sender extension. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDSHM_INFO_MAGIC 0x56ed34bau
#define TDSHM_INFO_VERSION 2
#define TDSHM_INFO_POSTFIX_CAP 32 /* 31 characters and a NUL */

typedef enum tdshm_info_layout {
	TDSHM_INFO_LAYOUT_POSIX,   /* 44 bytes: postfix char[32] @9, detach @41 */
	TDSHM_INFO_LAYOUT_WINDOWS, /* 76 bytes: postfix UTF-16[32] @10, detach @74 */
} tdshm_info_layout;

#define TDSHM_INFO_SIZE_POSIX 44
#define TDSHM_INFO_SIZE_WINDOWS 76

typedef struct tdshm_info {
	uint32_t magic;
	int32_t version;
	bool supported;
	char postfix[TDSHM_INFO_POSTFIX_CAP]; /* ASCII, NUL-terminated */
	bool detach;
} tdshm_info;

size_t tdshm_info_size(tdshm_info_layout layout);
/* The layout this build's platform uses. */
tdshm_info_layout tdshm_info_native_layout(void);

/* Reads an info block from size bytes. REFUSED on a short block, wrong magic,
 * or a postfix with characters outside 'a'..'z'. */
tdshm_status tdshm_info_read(const uint8_t *bytes, size_t size, tdshm_info_layout layout,
			     tdshm_info *out, tdshm_error *err) TDSHM_MUST_CHECK;
/* Writes exactly tdshm_info_size(layout) bytes (padding zeroed). */
tdshm_status tdshm_info_write(const tdshm_info *info, tdshm_info_layout layout, uint8_t *bytes,
			      size_t size, tdshm_error *err) TDSHM_MUST_CHECK;

/* Single-field updates used under the info lock, without rewriting the rest. */
void tdshm_info_set_supported(uint8_t *bytes, tdshm_info_layout layout, bool supported);
void tdshm_info_set_detach(uint8_t *bytes, tdshm_info_layout layout, bool detach);

/* ---- this project's sender extension ------------------------------------
 * Senders from this project make the info segment TDSHM_INFO_SEGMENT_SIZE
 * bytes and put, after TD's block, their process id and a frame serial.
 * TD reads only its own block and never sees it; a receiver uses it to tell
 * new frames from old ones and a killed sender from a quiet one. Receivers
 * must work without it (TD's own senders do not write it). */
#define TDSHM_INFO_SEGMENT_SIZE 128
#define TDSHM_INFO_EXT_OFFSET 96
#define TDSHM_INFO_EXT_MAGIC 0x626f6474u /* "tdob" */

typedef struct tdshm_info_ext {
	uint32_t pid;
	uint64_t frame_serial;
} tdshm_info_ext;

/* true and *out filled when bytes hold an extension. */
bool tdshm_info_ext_read(const uint8_t *bytes, size_t size, tdshm_info_ext *out);
void tdshm_info_ext_write(uint8_t *bytes, size_t size, const tdshm_info_ext *ext);
void tdshm_info_ext_set_serial(uint8_t *bytes, size_t size, uint64_t serial);

#ifdef __cplusplus
}
#endif
