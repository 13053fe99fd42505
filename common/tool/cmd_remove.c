/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm remove NAME [--force]`: removes what a name left in the system's
 * shared memory (a crashed sender's segments, the locks nobody removes). */
#include <stdio.h>
#include <string.h>

#include "tdshm/cleanup.h"
#include "tool.h"

int tool_cmd_remove(int argc, char **argv)
{
	tool_args args;
	tool_args_init(&args, "remove", argc, argv);
	const char *name = NULL, *word;
	int force = 0;
	while (tool_args_next(&args, &word)) {
		if (strcmp(word, "--force") == 0)
			force = 1;
		else if (word[0] == '-' && word[1] == '-')
			return tool_usage_error(&args, "unknown option %s", word);
		else if (!name)
			name = word;
		else
			return tool_usage_error(&args, "one NAME only");
	}
	if (!name)
		return tool_usage_error(&args, "which NAME?");
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_name_remove_leftovers(name, force, &err);
	if (status == TDSHM_NOT_FOUND) {
		printf("nothing of '%s' to remove\n", name);
		return TOOL_EXIT_OK;
	}
	if (status != TDSHM_OK)
		return tool_report_error("remove", name, &err);
	printf("removed what '%s' left behind\n", name);
	return TOOL_EXIT_OK;
}
