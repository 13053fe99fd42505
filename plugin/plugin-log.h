/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin's one log vocabulary: every line names the plugin's part and
 * the source or filter it is about, "[tdshm-in: 'My source'] ...", as
 * image-source.c does; and locale strings filled in without ever being used
 * as printf formats (a bad translation must not become undefined
 * behaviour). */
#pragma once

#include <obs-module.h>
#include <stddef.h>

/* "tdshm-in", "tdshm-out", "tdshm-chop-in", "tdshm-chop-out" by the
 * source's id ("tdshm" for anything else). */
const char *tdshm_log_tag(const obs_source_t *source);

#define tdshm_log(level, source, format, ...)                                                      \
	tdshm_log_as(level, tdshm_log_tag(source), obs_source_get_name(source), format,            \
		     ##__VA_ARGS__)
/* The same line for a part that has no source of its own (the Tools
 * output's audio writer): its tag and name given. */
#define tdshm_log_as(level, tag, name, format, ...)                                                \
	blog(level, "[%s: '%s'] " format, tag, name, ##__VA_ARGS__)

/* Copies the locale string of key into out, replacing its conversions in
 * order by args[0..count) (each given as text; "%%" is a percent sign). A
 * conversion past the last argument becomes "?". Never reads past args. */
void tdshm_text_fill(char *out, size_t cap, const char *key, const char *const *args, size_t count);
