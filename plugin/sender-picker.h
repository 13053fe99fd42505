/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "TouchDesigner segments on this machine" drop-downs of the video and
 * CHOP sources: the senders of one kind, sorted, without this OBS's own
 * outputs, each with its size and format (common/'s sender_list.h).
 * UI thread only. */
#pragma once

#include <obs-module.h>
#include <stdbool.h>
#include <stddef.h>

#include "tdshm/sender_list.h"

/* The value of the "First available" item. */
#define TDSHM_PICKER_FIRST_AVAILABLE "\x01first"

/* Clears list and fills it: a "choose" item (value ""), "First available"
 * when first_text is not NULL, then one item per offered sender (value: its
 * name), or a none_text / unsupported_text item (value ""). */
void tdshm_picker_fill(obs_property_t *list, tdshm_sender_kind kind, const char *choose_text,
		       const char *first_text, const char *none_text, const char *unsupported_text);

/* The name "First available" stands for right now (read afresh, so neither a
 * sender that stopped since the list was filled nor one of our own outputs
 * is picked). false when there is none. */
bool tdshm_picker_first(tdshm_sender_kind kind, char *out, size_t cap);
