/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "plugin-log.h"

#include <string.h>

const char *tdshm_log_tag(const obs_source_t *source)
{
	const char *id = source ? obs_source_get_id(source) : NULL;
	if (!id)
		return "tdshm";
	if (strcmp(id, "tdshm_top_source") == 0)
		return "tdshm-in";
	if (strcmp(id, "tdshm_top_filter") == 0)
		return "tdshm-out";
	if (strcmp(id, "tdshm_chop_source") == 0)
		return "tdshm-chop-in";
	if (strcmp(id, "tdshm_chop_filter") == 0)
		return "tdshm-chop-out";
	return "tdshm";
}

static void text_append(char *out, size_t cap, size_t *len, const char *text, size_t n)
{
	while (n-- && *text && *len + 1 < cap)
		out[(*len)++] = *text++;
}

void tdshm_text_fill(char *out, size_t cap, const char *key, const char *const *args, size_t count)
{
	if (!cap)
		return;
	const char *t = obs_module_text(key);
	size_t len = 0, next = 0;
	while (*t && len + 1 < cap) {
		if (*t != '%') {
			out[len++] = *t++;
			continue;
		}
		t++;
		if (*t == '%') {
			out[len++] = '%';
			t++;
			continue;
		}
		/* A conversion: flags, width, precision, length, then the
		 * conversion letter. */
		while (*t && strchr("-+ #0123456789.hlLqjzt", *t))
			t++;
		if (*t)
			t++;
		const char *arg = next < count && args[next] ? args[next] : "?";
		next++;
		text_append(out, cap, &len, arg, (size_t)-1);
	}
	out[len] = '\0';
}
