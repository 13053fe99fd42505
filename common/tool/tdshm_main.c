/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm: TouchDesigner's side of the shared-memory protocol, for testing
 * obs-tdshm without TouchDesigner, and for looking at live segments. */
#include <stdio.h>
#include <string.h>

#include "tdshm/pixel_format.h"
#include "tdshm/top.h"
#include "tool.h"

typedef struct tool_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} tool_command;

static const tool_command tool_commands[] = {
    {"send", tool_cmd_send,
     "send NAME [--size 640x360] [--format bgra8] [--fps 60] [--pattern bars|ramp|counter]\n"
     "          [--frames N] [--legacy] [--resize-every N] [--header-version 1|2]\n"
     "          [--top-down]\n"
     "      Acts as a Shared Mem Out TOP: writes the pattern, bottom row first (top row\n"
     "      first with --top-down), until N frames or Ctrl+C; --resize-every\n"
     "      alternates with half the size."},
    {"receive", tool_cmd_receive,
     "receive NAME [--frames N] [--expect bars|ramp|counter] [--png FILE]\n"
     "          [--timeout SECONDS (10; 0 = for ever)] [--top-down]\n"
     "      Acts as a Shared Mem In TOP: prints each new header, checks the pattern,\n"
     "      counts received/repeated/skipped/corrupted frames, reports a gone sender\n"
     "      and reconnects. --png writes the last frame as 8-bit RGBA."},
    {"chop-send", tool_cmd_chop_send,
     "chop-send NAME [--channels 2] [--rate 48000] [--length SAMPLES (rate/60)]\n"
     "          [--freq 440,880] [--amplitude 0.25] [--names a,b] [--seconds S]\n"
     "          [--blocks N]\n"
     "      Acts as a Shared Mem Out CHOP: one sine per channel (peak --amplitude,\n"
     "      0..1; 0.25 keeps OBS's meter out of the red), one cook every\n"
     "      length/rate s. Like TouchDesigner, each cook writes ONE block with every\n"
     "      sample due since the previous cook: LENGTH samples on time, more after a\n"
     "      late cook (at most 1 s; a longer stall is skipped). The phase runs on.\n"
     "      --blocks counts cooks; --seconds counts samples sent."},
    {"chop-receive", tool_cmd_chop_receive,
     "chop-receive NAME [--blocks N] [--expect-names a,b] [--expect-freq 440,880]\n"
     "          [--print] [--timeout SECONDS]\n"
     "      Acts as a Shared Mem In CHOP: prints header, names, first samples (--print)\n"
     "      and each channel's frequency."},
    {"info", tool_cmd_info,
     "info NAME\n"
     "      Shows the info block, the data segment and its header, and the locks."},
    {"list", tool_cmd_list,
     "list\n"
     "      Lists the senders on this machine, sorted by name: kind, size and format\n"
     "      (image: width x height and pixel format; CHOP: channels x samples @ rate)."},
    {"bench", tool_cmd_bench,
     "bench [--seconds 8]\n"
     "      Cost of a sender write and a receiver read over a plain memcpy."},
    {"remove", tool_cmd_remove,
     "remove NAME [--force]\n"
     "      Removes what NAME left in shared memory (a crashed sender's segments, the\n"
     "      locks no program removes). Refuses while a sender runs; --force also\n"
     "      removes a TouchDesigner-written name (close TouchDesigner first)."},
};

#define TOOL_COMMAND_COUNT (sizeof(tool_commands) / sizeof(tool_commands[0]))

static void tool_print_usage(FILE *out)
{
	fprintf(out, "usage: tdshm COMMAND ...\n\n");
	for (size_t i = 0; i < TOOL_COMMAND_COUNT; i++)
		fprintf(out, "  tdshm %s\n\n", tool_commands[i].usage);
	fprintf(out, "formats (current header):");
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		if (f->wire_value)
			fprintf(out, " %s", f->name);
	}
	fprintf(out, "\nformats with --legacy:");
	for (size_t i = 0; i < tdshm_pixel_format_count(); i++) {
		const tdshm_pixel_format *f = tdshm_pixel_format_at(i);
		uint32_t a, b, c;
		if (tdshm_top_legacy_triple(f, &a, &b, &c))
			fprintf(out, " %s", f->name);
	}
	fprintf(out, "\n\nexit codes: 0 ok, 1 verification failed, 2 usage, 3 runtime error\n"
		     "env: TDSHM_POSIX_NAME_MAX=31 uses macOS's name limit (name directory)\n");
}

int main(int argc, char **argv)
{
	/* Status lines must reach a pipe as they happen (tests time them). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	tool_argv_utf8(&argc, &argv);
	tool_elapsed_seconds();
	if (argc < 2) {
		tool_print_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	const char *command = argv[1];
	if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 ||
	    strcmp(command, "-h") == 0) {
		tool_print_usage(stdout);
		return TOOL_EXIT_OK;
	}
	for (size_t i = 0; i < TOOL_COMMAND_COUNT; i++) {
		if (strcmp(command, tool_commands[i].name) == 0) {
			tool_signal_install();
			return tool_commands[i].run(argc - 2, argv + 2);
		}
	}
	fprintf(stderr, "tdshm: unknown command '%s'\n\n", command);
	tool_print_usage(stderr);
	return TOOL_EXIT_USAGE;
}
