/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Does a rendered frame show the colour bars `tdshm send --pattern bars`
 * writes? The reference is common/include/tdshm/pattern.h, the same code the
 * sender draws with, so the check and the sender cannot drift apart. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "selfcheck_obs.h"

/* true when every sampled pixel is within a small tolerance of the bars;
 * otherwise false and detail says where and by how much it differs. */
bool selfcheck_match_bars(const selfcheck_frame *frame, char *detail, size_t detail_cap);
