/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The info block (docs/protocol.md §2) in both byte layouts, and this project's
 * sender extension after it.
 *
 * The two layouts differ only in the postfix (char on POSIX, UTF-16LE on
 * Windows) and therefore in where it and detach sit; the offsets are
 * written out below so a compiler's struct padding plays no part. */
#include <inttypes.h>
#include <string.h>

#include "tdshm/info.h"
#include "byte_order.h"

enum {
	INFO_MAGIC_AT = 0,
	INFO_VERSION_AT = 4,
	INFO_SUPPORTED_AT = 8,
	INFO_POSIX_POSTFIX_AT = 9,
	INFO_POSIX_DETACH_AT = 41,
	INFO_WINDOWS_POSTFIX_AT = 10,
	INFO_WINDOWS_DETACH_AT = 74,
};

/* Extension: u32 magic, u32 pid, u64 serial at TDSHM_INFO_EXT_OFFSET. */
enum {
	EXT_MAGIC_AT = TDSHM_INFO_EXT_OFFSET,
	EXT_PID_AT = TDSHM_INFO_EXT_OFFSET + 4,
	EXT_SERIAL_AT = TDSHM_INFO_EXT_OFFSET + 8,
	EXT_END = TDSHM_INFO_EXT_OFFSET + 16,
};

/* strlen bounded by max (strnlen is POSIX, not C11). */
static size_t bounded_length(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);
	return nul ? (size_t)(nul - s) : max;
}

size_t tdshm_info_size(tdshm_info_layout layout)
{
	return layout == TDSHM_INFO_LAYOUT_WINDOWS ? TDSHM_INFO_SIZE_WINDOWS
						   : TDSHM_INFO_SIZE_POSIX;
}

static size_t detach_offset(tdshm_info_layout layout)
{
	return layout == TDSHM_INFO_LAYOUT_WINDOWS ? INFO_WINDOWS_DETACH_AT : INFO_POSIX_DETACH_AT;
}

/* Postfix character i, widened so both layouts are checked alike. */
static uint32_t postfix_char(const uint8_t *bytes, tdshm_info_layout layout, size_t i)
{
	if (layout == TDSHM_INFO_LAYOUT_WINDOWS)
		return tdshm_load_u16le(bytes, INFO_WINDOWS_POSTFIX_AT + 2 * i);
	return bytes[INFO_POSIX_POSTFIX_AT + i];
}

tdshm_status tdshm_info_read(const uint8_t *bytes, size_t size, tdshm_info_layout layout,
			     tdshm_info *out, tdshm_error *err)
{
	size_t need = tdshm_info_size(layout);
	if (!bytes || size < need)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "info segment holds only %zu bytes, less than the %zu-byte "
				       "info block: the sender is not done creating it",
				       bytes ? size : 0, need);
	tdshm_info info;
	memset(&info, 0, sizeof(info));
	info.magic = tdshm_load_u32le(bytes, INFO_MAGIC_AT);
	if (info.magic != TDSHM_INFO_MAGIC)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "not a TouchDesigner info block (magic 0x%08" PRIx32
				       ", expected 0x%08x)",
				       info.magic, TDSHM_INFO_MAGIC);
	info.version = tdshm_load_i32le(bytes, INFO_VERSION_AT);
	info.supported = bytes[INFO_SUPPORTED_AT] != 0;
	info.detach = bytes[detach_offset(layout)] != 0;

	/* The postfix names the data segment this process will open next, so
	 * only what a sender can write is let through: up to 31 of 'a'..'z'. */
	size_t length = 0;
	while (length < TDSHM_INFO_POSTFIX_CAP) {
		uint32_t c = postfix_char(bytes, layout, length);
		if (c == 0)
			break;
		if (c < 'a' || c > 'z')
			return tdshm_error_set(err, TDSHM_REFUSED,
					       "info block postfix has character 0x%04" PRIx32
					       " at position %zu (only a-z are valid)",
					       c, length);
		info.postfix[length++] = (char)c;
	}
	if (length == TDSHM_INFO_POSTFIX_CAP)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "info block postfix is not terminated within %d characters",
				       TDSHM_INFO_POSTFIX_CAP);
	info.postfix[length] = '\0';
	*out = info;
	return TDSHM_OK;
}

tdshm_status tdshm_info_write(const tdshm_info *info, tdshm_info_layout layout, uint8_t *bytes,
			      size_t size, tdshm_error *err)
{
	size_t need = tdshm_info_size(layout);
	if (size < need)
		return tdshm_error_set(
		    err, TDSHM_INVALID_ARGUMENT,
		    "info segment of %zu bytes is too small for the %zu-byte block", size, need);
	size_t length = bounded_length(info->postfix, TDSHM_INFO_POSTFIX_CAP);
	if (length >= TDSHM_INFO_POSTFIX_CAP)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "postfix longer than %d characters",
				       TDSHM_INFO_POSTFIX_CAP - 1);
	for (size_t i = 0; i < length; i++) {
		if (info->postfix[i] < 'a' || info->postfix[i] > 'z')
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "postfix character %zu is not a-z", i);
	}

	memset(bytes, 0, need);
	tdshm_store_u32le(bytes, INFO_MAGIC_AT, info->magic);
	tdshm_store_i32le(bytes, INFO_VERSION_AT, info->version);
	bytes[INFO_SUPPORTED_AT] = info->supported ? 1 : 0;
	for (size_t i = 0; i < length; i++) {
		if (layout == TDSHM_INFO_LAYOUT_WINDOWS)
			tdshm_store_u16le(bytes, INFO_WINDOWS_POSTFIX_AT + 2 * i,
					  (uint16_t)(uint8_t)info->postfix[i]);
		else
			bytes[INFO_POSIX_POSTFIX_AT + i] = (uint8_t)info->postfix[i];
	}
	bytes[detach_offset(layout)] = info->detach ? 1 : 0;
	return TDSHM_OK;
}

void tdshm_info_set_supported(uint8_t *bytes, tdshm_info_layout layout, bool supported)
{
	(void)layout; /* same offset in both layouts */
	bytes[INFO_SUPPORTED_AT] = supported ? 1 : 0;
}

void tdshm_info_set_detach(uint8_t *bytes, tdshm_info_layout layout, bool detach)
{
	bytes[detach_offset(layout)] = detach ? 1 : 0;
}

bool tdshm_info_ext_read(const uint8_t *bytes, size_t size, tdshm_info_ext *out)
{
	if (!bytes || size < EXT_END ||
	    tdshm_load_u32le(bytes, EXT_MAGIC_AT) != TDSHM_INFO_EXT_MAGIC)
		return false;
	out->pid = tdshm_load_u32le(bytes, EXT_PID_AT);
	out->frame_serial = tdshm_load_u64le(bytes, EXT_SERIAL_AT);
	return true;
}

void tdshm_info_ext_write(uint8_t *bytes, size_t size, const tdshm_info_ext *ext)
{
	if (size < EXT_END)
		return; /* a segment made by someone else, too small to carry it */
	tdshm_store_u32le(bytes, EXT_MAGIC_AT, TDSHM_INFO_EXT_MAGIC);
	tdshm_store_u32le(bytes, EXT_PID_AT, ext->pid);
	tdshm_store_u64le(bytes, EXT_SERIAL_AT, ext->frame_serial);
}

void tdshm_info_ext_set_serial(uint8_t *bytes, size_t size, uint64_t serial)
{
	if (size < EXT_END)
		return;
	tdshm_store_u64le(bytes, EXT_SERIAL_AT, serial);
}
