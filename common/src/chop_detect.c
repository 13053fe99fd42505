/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Telling a new CHOP block from a re-read of the old one. TouchDesigner's
 * protocol has no frame counter (docs/protocol.md §5), so the content decides,
 * unless this project's sender publishes a serial. */
#include <string.h>

#include "tdshm/chop_detect.h"

#include "byte_order.h"

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

/* FNV-1a over 32-bit words: every sample is one word, so this is a word at a
 * time rather than a byte at a time, and any changed bit changes the hash
 * with overwhelming likelihood (a false "same" would drop one block). */
static uint64_t hash_word(uint64_t hash, uint32_t word)
{
	return (hash ^ word) * FNV64_PRIME;
}

uint64_t tdshm_chop_block_hash(const uint8_t *segment, const tdshm_chop_block *block)
{
	uint64_t hash = FNV64_OFFSET;
	uint32_t rate_bits;
	memcpy(&rate_bits, &block->sample_rate, sizeof(rate_bits));
	hash = hash_word(hash, block->channels);
	hash = hash_word(hash, block->length);
	hash = hash_word(hash, rate_bits);
	/* The parser checked data_offset + channels * length * 4 <= size. */
	size_t words = (size_t)block->channels * block->length;
	const uint8_t *data = segment + block->data_offset;
	for (size_t i = 0; i < words; i++)
		hash = hash_word(hash, tdshm_load_u32le(data, i * 4));
	return hash;
}

void tdshm_chop_detector_reset(tdshm_chop_detector *detector)
{
	memset(detector, 0, sizeof(*detector));
}

bool tdshm_chop_detector_is_new(tdshm_chop_detector *detector, bool has_serial, uint64_t serial,
				uint64_t hash)
{
	bool is_new;
	if (!detector->have_last || has_serial != detector->last_had_serial)
		is_new = true;
	else if (has_serial)
		/* Our sender bumps the serial once per block written: exact
		 * repeats of the samples (a tone whose period divides the block)
		 * are still new blocks. */
		is_new = serial != detector->last_serial;
	else
		is_new = hash != detector->last_hash;

	if (is_new && has_serial && detector->have_last && detector->last_had_serial &&
	    serial > detector->last_serial + 1)
		detector->missed += serial - detector->last_serial - 1;
	if (is_new) {
		detector->have_last = true;
		detector->last_had_serial = has_serial;
		detector->last_serial = serial;
		detector->last_hash = hash;
	} else {
		detector->repeats++;
	}
	return is_new;
}
