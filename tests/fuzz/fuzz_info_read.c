/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzzes tdshm_info_read in both layouts and the extension reader. An
 * accepted block written back must read back identically. */
#include <stdint.h>
#include <string.h>

#include "tdshm/info.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const tdshm_info_layout layouts[] = {TDSHM_INFO_LAYOUT_POSIX, TDSHM_INFO_LAYOUT_WINDOWS};
	for (size_t l = 0; l < 2; l++) {
		tdshm_info info;
		tdshm_error err;
		tdshm_error_clear(&err);
		if (tdshm_info_read(data, size, layouts[l], &info, &err) != TDSHM_OK) {
			REQUIRE_REFUSED(err);
			continue;
		}
		size_t n = strlen(info.postfix);
		REQUIRE(n < TDSHM_INFO_POSTFIX_CAP);
		for (size_t i = 0; i < n; i++)
			REQUIRE(info.postfix[i] >= 'a' && info.postfix[i] <= 'z');
		uint8_t block[TDSHM_INFO_SIZE_WINDOWS];
		REQUIRE(tdshm_info_write(&info, layouts[l], block, sizeof(block), &err) ==
			TDSHM_OK);
		tdshm_info again;
		REQUIRE(tdshm_info_read(block, sizeof(block), layouts[l], &again, &err) ==
			TDSHM_OK);
		REQUIRE(again.magic == info.magic && again.version == info.version);
		REQUIRE(again.supported == info.supported && again.detach == info.detach);
		REQUIRE(strcmp(again.postfix, info.postfix) == 0);
	}
	tdshm_info_ext ext;
	if (tdshm_info_ext_read(data, size, &ext))
		REQUIRE(size >= TDSHM_INFO_EXT_OFFSET + 16);
	return 0;
}
