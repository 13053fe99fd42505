/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm list`: every sender on this machine, sorted by name, with what its
 * data segment holds (sender_list.h does the finding and reading). */
#include <stdio.h>

#include "tdshm/sender_list.h"
#include "tool.h"

int tool_cmd_list(int argc, char **argv)
{
	tool_args args;
	tool_args_init(&args, "list", argc, argv);
	const char *word;
	if (tool_args_next(&args, &word))
		return tool_usage_error(&args, "takes no arguments, got '%s'", word);
	tdshm_sender_list list;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_sender_list_read(&list, &err);
	if (status == TDSHM_NOT_FOUND) {
		tdshm_sender_list_free(&list);
		printf("this system cannot enumerate shared memory (%s): use 'tdshm info NAME' "
		       "with a name you know\n",
		       err.message);
		return TOOL_EXIT_OK;
	}
	if (status != TDSHM_OK) {
		tdshm_sender_list_free(&list);
		return tool_report_error("list", "cannot enumerate shared memory", &err);
	}
	for (size_t i = 0; i < list.count; i++) {
		char description[TDSHM_ERROR_MESSAGE_MAX + 300];
		tdshm_sender_entry_describe(&list.entries[i], description, sizeof(description));
		printf("%-32s %s\n", list.entries[i].name, description);
	}
	if (list.count == 0)
		printf("no senders found\n");
	if (list.truncated)
		printf("(only the first %d are shown)\n", TDSHM_SENDER_LIST_MAX);
	tdshm_sender_list_free(&list);
	return TOOL_EXIT_OK;
}
