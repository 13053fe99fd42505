/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every libFuzzer target here shares: how a broken promise stops the
 * run, and what a refusal must carry. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tdshm/status.h"

/* A promise the parser broke: trap, so libFuzzer keeps the input. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* A refused input is refused as such, with a message a user can read. */
#define REQUIRE_REFUSED(err) REQUIRE((err).status == TDSHM_REFUSED && (err).message[0] != '\0')

/* libFuzzer's entry point; each target defines it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
