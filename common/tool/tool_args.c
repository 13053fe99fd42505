/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line parsing for the tool: small and dependency-free, because the
 * Windows build has no getopt_long. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/pattern.h"
#include "tdshm/pixel_format.h"
#include "tool.h"

void tool_args_init(tool_args *args, const char *command, int argc, char **argv)
{
	args->command = command;
	args->argc = argc;
	args->argv = argv;
	args->index = 0;
}

bool tool_args_next(tool_args *args, const char **word)
{
	if (args->index >= args->argc)
		return false;
	*word = args->argv[args->index++];
	return true;
}

bool tool_args_value(tool_args *args, const char *option, const char **value)
{
	if (args->index >= args->argc) {
		tool_usage_error(args, "%s needs a value", option);
		return false;
	}
	*value = args->argv[args->index++];
	return true;
}

int tool_usage_error(const tool_args *args, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tdshm %s: ", args->command);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'tdshm help')\n");
	va_end(ap);
	return TOOL_EXIT_USAGE;
}

int tool_report_error(const char *command, const char *what, const tdshm_error *err)
{
	fprintf(stderr, "tdshm %s: %s: %s\n", command, what,
		err->message[0] ? err->message : tdshm_status_name(err->status));
	return err->status == TDSHM_INVALID_ARGUMENT ? TOOL_EXIT_USAGE : TOOL_EXIT_RUNTIME;
}

bool tool_parse_u32(const tool_args *args, const char *option, const char *text, uint32_t min,
		    uint32_t max, uint32_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || value < min || value > max) {
		tool_usage_error(args, "%s needs a whole number from %u to %u, got '%s'", option,
				 min, max, text);
		return false;
	}
	*out = (uint32_t)value;
	return true;
}

bool tool_parse_double(const tool_args *args, const char *option, const char *text, double min,
		       double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double value = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(value) || value < min || value > max) {
		tool_usage_error(args, "%s needs a number from %g to %g, got '%s'", option, min,
				 max, text);
		return false;
	}
	*out = value;
	return true;
}

bool tool_parse_size(const tool_args *args, const char *option, const char *text, uint32_t *width,
		     uint32_t *height)
{
	unsigned w = 0, h = 0;
	char tail = 0;
	if (sscanf(text, "%ux%u%c", &w, &h, &tail) != 2 || w == 0 || h == 0 || w > 32768 ||
	    h > 32768) {
		tool_usage_error(args, "%s needs WIDTHxHEIGHT (1..32768 each), got '%s'", option,
				 text);
		return false;
	}
	*width = w;
	*height = h;
	return true;
}

int tool_parse_list(const tool_args *args, const char *option, const char *text, char *items,
		    size_t item_cap, int max)
{
	int count = 0;
	const char *start = text;
	for (;;) {
		const char *comma = strchr(start, ',');
		size_t len = comma ? (size_t)(comma - start) : strlen(start);
		if (len == 0 || len >= item_cap) {
			tool_usage_error(args,
					 "%s needs a comma-separated list of non-empty items of "
					 "at most %zu characters, got '%s'",
					 option, item_cap - 1, text);
			return -1;
		}
		if (count == max) {
			tool_usage_error(args, "%s takes at most %d items, got '%s'", option, max,
					 text);
			return -1;
		}
		memcpy(items + (size_t)count * item_cap, start, len);
		items[(size_t)count * item_cap + len] = '\0';
		count++;
		if (!comma)
			return count;
		start = comma + 1;
	}
}

int tool_parse_double_list(const tool_args *args, const char *option, const char *text,
			   double min_value, double max_value, double *out, int max)
{
	/* Room for the longest number anyone types; a longer item is refused
	 * by tool_parse_list with a message. */
	char items[TOOL_ARGS_MAX_LIST][32];
	if (max > TOOL_ARGS_MAX_LIST)
		max = TOOL_ARGS_MAX_LIST;
	int count = tool_parse_list(args, option, text, &items[0][0], sizeof(items[0]), max);
	for (int i = 0; i < count; i++)
		if (!tool_parse_double(args, option, items[i], min_value, max_value, &out[i]))
			return -1;
	return count;
}

bool tool_args_u32(tool_args *args, const char *option, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *value;
	return tool_args_value(args, option, &value) &&
	       tool_parse_u32(args, option, value, min, max, out);
}

bool tool_args_double(tool_args *args, const char *option, double min, double max, double *out)
{
	const char *value;
	return tool_args_value(args, option, &value) &&
	       tool_parse_double(args, option, value, min, max, out);
}

int tool_args_name(tool_args *args, const char *word, const char **name)
{
	if (word[0] == '-' && word[1] == '-')
		return tool_usage_error(args, "unknown option '%s'", word);
	if (*name)
		return tool_usage_error(args, "one NAME only, got '%s' and '%s'", *name, word);
	*name = word;
	return TOOL_EXIT_OK;
}

static bool option_take(tool_args *args, const tool_option *o)
{
	const char *value = NULL;
	if (o->kind == TOOL_OPTION_FLAG) {
		*(bool *)o->out = true;
		return true;
	}
	if (!tool_args_value(args, o->name, &value))
		return false;
	switch (o->kind) {
	case TOOL_OPTION_FLAG:
		break;
	case TOOL_OPTION_U32:
		return tool_parse_u32(args, o->name, value, (uint32_t)o->min, (uint32_t)o->max,
				      o->out);
	case TOOL_OPTION_DOUBLE:
		return tool_parse_double(args, o->name, value, o->min, o->max, o->out);
	case TOOL_OPTION_TEXT:
		*(const char **)o->out = value;
		return true;
	case TOOL_OPTION_SIZE:
		return tool_parse_size(args, o->name, value, o->out, o->out2);
	case TOOL_OPTION_FORMAT: {
		const tdshm_pixel_format *format = tdshm_pixel_format_by_name(value);
		if (!format) {
			tool_usage_error(args, "unknown %s '%s' ('tdshm help' lists the formats)",
					 o->name, value);
			return false;
		}
		*(const tdshm_pixel_format **)o->out = format;
		return true;
	}
	case TOOL_OPTION_PATTERN:
		if (!tdshm_pattern_by_name(value, o->out)) {
			tool_usage_error(args, "%s must be bars, ramp or counter, got '%s'",
					 o->name, value);
			return false;
		}
		return true;
	case TOOL_OPTION_LIST:
		*o->count =
		    tool_parse_list(args, o->name, value, o->out, o->item_cap, o->max_items);
		return *o->count >= 0;
	case TOOL_OPTION_NUMBERS:
		*o->count = tool_parse_double_list(args, o->name, value, o->min, o->max, o->out,
						   o->max_items);
		return *o->count >= 0;
	}
	return false;
}

int tool_args_parse(tool_args *args, const tool_option *options, size_t count, const char **name,
		    const char *missing_name)
{
	const char *word;
	while (tool_args_next(args, &word)) {
		const tool_option *o = NULL;
		for (size_t i = 0; i < count && !o; i++)
			if (strcmp(word, options[i].name) == 0)
				o = &options[i];
		if (!o) {
			int code = tool_args_name(args, word, name);
			if (code != TOOL_EXIT_OK)
				return code;
			continue;
		}
		if (!option_take(args, o))
			return TOOL_EXIT_USAGE;
		if (o->given)
			*o->given = true;
	}
	if (!*name)
		return tool_usage_error(args, "%s", missing_name);
	return TOOL_EXIT_OK;
}
