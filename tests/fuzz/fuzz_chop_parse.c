/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzzes tdshm_chop_parse and the readers a receiver calls after it:
 * every sample and every channel name of an accepted block is read, so
 * ASan checks the bounds the parser promised. */
#include <stdint.h>
#include <string.h>

#include "tdshm/chop.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdshm_chop_block block;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_chop_parse(data, size, &block, &err) != TDSHM_OK) {
		REQUIRE_REFUSED(err);
		return 0;
	}
	REQUIRE(block.channels <= TDSHM_CHOP_MAX_CHANNELS);
	REQUIRE(block.data_offset <= size);
	REQUIRE((uint64_t)block.channels * block.length * 4 <= size - block.data_offset);
	REQUIRE(!block.names_sent || block.names_offset + block.names_size == size);

	float samples[64];
	for (uint32_t c = 0; c < block.channels; c++) {
		for (uint32_t first = 0; first < block.length; first += 64) {
			uint32_t n = block.length - first < 64 ? block.length - first : 64;
			tdshm_chop_read_samples(data, &block, c, first, n, samples);
		}
		char name[TDSHM_CHOP_NAME_MAX];
		tdshm_chop_channel_name(data, &block, c, name, sizeof(name));
		REQUIRE(memchr(name, '\0', sizeof(name)) != NULL && name[0] != '\0');
	}
	/* Past the end reads silence, never memory. */
	tdshm_chop_read_samples(data, &block, block.channels, 0, 64, samples);
	REQUIRE(samples[0] == 0.0f && samples[63] == 0.0f);
	return 0;
}
