/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Little-endian loads and stores at explicit byte offsets.
 *
 * Every field of shared memory is read and written through these, never by
 * casting the mapping to a struct: the wire format is then fixed by the
 * offsets written here, not by a compiler's padding or the host's byte
 * order, and no access is ever unaligned (shared memory from another
 * process may put a u32 at any address; memcpy of a byte array is always
 * legal and compiles to a single load on x86 and ARM). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t tdshm_load_u16le(const uint8_t *base, size_t offset)
{
	uint8_t b[2];
	memcpy(b, base + offset, sizeof(b));
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t tdshm_load_u32le(const uint8_t *base, size_t offset)
{
	uint8_t b[4];
	memcpy(b, base + offset, sizeof(b));
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

static inline uint64_t tdshm_load_u64le(const uint8_t *base, size_t offset)
{
	return (uint64_t)tdshm_load_u32le(base, offset) |
	       ((uint64_t)tdshm_load_u32le(base, offset + 4) << 32);
}

/* Signed fields are stored two's complement; converting through memcpy
 * avoids the implementation-defined unsigned-to-signed conversion. */
static inline int32_t tdshm_load_i32le(const uint8_t *base, size_t offset)
{
	uint32_t u = tdshm_load_u32le(base, offset);
	int32_t i;
	memcpy(&i, &u, sizeof(i));
	return i;
}

static inline int64_t tdshm_load_i64le(const uint8_t *base, size_t offset)
{
	uint64_t u = tdshm_load_u64le(base, offset);
	int64_t i;
	memcpy(&i, &u, sizeof(i));
	return i;
}

static inline float tdshm_load_f32le(const uint8_t *base, size_t offset)
{
	uint32_t u = tdshm_load_u32le(base, offset);
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline void tdshm_store_u16le(uint8_t *base, size_t offset, uint16_t value)
{
	uint8_t b[2] = {(uint8_t)value, (uint8_t)(value >> 8)};
	memcpy(base + offset, b, sizeof(b));
}

static inline void tdshm_store_u32le(uint8_t *base, size_t offset, uint32_t value)
{
	uint8_t b[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
			(uint8_t)(value >> 24)};
	memcpy(base + offset, b, sizeof(b));
}

static inline void tdshm_store_u64le(uint8_t *base, size_t offset, uint64_t value)
{
	tdshm_store_u32le(base, offset, (uint32_t)value);
	tdshm_store_u32le(base, offset + 4, (uint32_t)(value >> 32));
}

static inline void tdshm_store_i32le(uint8_t *base, size_t offset, int32_t value)
{
	uint32_t u;
	memcpy(&u, &value, sizeof(u));
	tdshm_store_u32le(base, offset, u);
}

static inline void tdshm_store_i64le(uint8_t *base, size_t offset, int64_t value)
{
	uint64_t u;
	memcpy(&u, &value, sizeof(u));
	tdshm_store_u64le(base, offset, u);
}

static inline void tdshm_store_f32le(uint8_t *base, size_t offset, float value)
{
	uint32_t u;
	memcpy(&u, &value, sizeof(u));
	tdshm_store_u32le(base, offset, u);
}
