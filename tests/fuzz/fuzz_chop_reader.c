/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzzes the CHOP reader a source runs on every block
 * (tdshm_chop_reader_take): parse, new-block detection, channel-name
 * updates and the picker, the copy of the picked channels. Each input is
 * taken three times, as a live sender's segment would be: as it is, with
 * its name bytes rotated (names that merge, split or lose their end), and
 * as it is again; the names the reader keeps must lie inside its own copy
 * every time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/chop_reader.h"
#include "tdshm/platform.h"
#include "fuzz_support.h"

/* The fuzzer's input is private memory, which never shrinks: the one
 * platform call the reader makes has nothing to report here. */
tdshm_status tdshm_mapped_range_check(const void *bytes, size_t size, tdshm_error *err)
{
	(void)bytes;
	(void)size;
	(void)err;
	return TDSHM_OK;
}

static const char *const pickers[] = {"", "2, 1", "chan1,chan3,9,x", "left , right ,lfe"};

static void require_names_inside(const tdshm_chop_reader *reader)
{
	const tdshm_chop_names *names = tdshm_chop_reader_names(reader);
	for (uint32_t c = 0; c < names->count; c++) {
		size_t at = (size_t)(names->names[c] - names->text);
		REQUIRE(names->names[c] >= names->text && at < names->text_size);
		REQUIRE(memchr(names->names[c], '\0', names->text_size - at) != NULL);
	}
}

static void take(tdshm_chop_reader *reader, const uint8_t *segment, size_t size, uint64_t serial)
{
	tdshm_chop_take out;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status =
	    tdshm_chop_reader_take(reader, segment, size, true, serial, &out, &err);
	if (status != TDSHM_OK) {
		REQUIRE(err.message[0] != '\0');
		return;
	}
	require_names_inside(reader);
	if (!out.is_new)
		return;
	REQUIRE(out.frames <= TDSHM_CHOP_READER_MAX_LENGTH);
	/* Every picked plane is whole: ASan checks the reads. */
	float sum = 0.0f;
	for (uint32_t c = 0; c < out.map->count; c++)
		for (uint32_t s = 0; s < out.frames; s += 97)
			sum += out.planes[c][s];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *segment = malloc(size ? size : 1);
	if (!segment)
		return 0;
	memcpy(segment, data, size);
	tdshm_chop_reader *reader = NULL;
	if (tdshm_chop_reader_create(pickers[size % (sizeof(pickers) / sizeof(pickers[0]))],
				     &reader, NULL) != TDSHM_OK) {
		free(segment);
		return 0;
	}
	take(reader, segment, size, 1);

	tdshm_chop_block block;
	tdshm_error err;
	if (tdshm_chop_parse(segment, size, &block, &err) == TDSHM_OK && block.names_sent &&
	    block.names_size > 1) {
		uint8_t *names = segment + block.names_offset;
		uint8_t first = names[0];
		memmove(names, names + 1, block.names_size - 1);
		names[block.names_size - 1] = first;
		take(reader, segment, size, 2);
		memcpy(segment, data, size);
	}
	take(reader, segment, size, 3);
	tdshm_chop_reader_destroy(reader);
	free(segment);
	return 0;
}
