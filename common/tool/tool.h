/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the tdshm tool's commands share: exit codes, argument parsing, the
 * stop flag set by Ctrl+C, PNG output and the command entry points. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/status.h"

/* Exit codes, the same for every command. */
enum {
	TOOL_EXIT_OK = 0,
	TOOL_EXIT_VERIFY_FAILED = 1, /* data arrived but was wrong */
	TOOL_EXIT_USAGE = 2,         /* the command line is unusable */
	TOOL_EXIT_RUNTIME = 3,       /* the system or the other side failed */
};

/* ---- arguments (tool_args.c) ------------------------------------------- */

/* Walks one command's arguments: options "--name value" / "--flag" and
 * positional words, in any order. */
typedef struct tool_args {
	const char *command; /* for messages: "send", "receive", ... */
	int argc;
	char **argv;
	int index;
} tool_args;

void tool_args_init(tool_args *args, const char *command, int argc, char **argv);
/* Next argument; false at the end. */
bool tool_args_next(tool_args *args, const char **word);
/* The value following option; prints a usage error and returns false when
 * there is none. */
bool tool_args_value(tool_args *args, const char *option, const char **value);

/* The value following option, parsed as by tool_parse_u32 / tool_parse_double
 * below; false after printing the usage error. */
bool tool_args_u32(tool_args *args, const char *option, uint32_t min, uint32_t max, uint32_t *out);
bool tool_args_double(tool_args *args, const char *option, double min, double max, double *out);
/* A word that matched none of a command's options: an unknown "--option" is
 * an error, else it is the command's one NAME (*name, NULL until set; a
 * second NAME is an error). Returns TOOL_EXIT_OK or, after printing the
 * error, TOOL_EXIT_USAGE. */
int tool_args_name(tool_args *args, const char *word, const char **name);

/* One option of a command, for tool_args_parse. */
typedef enum tool_option_kind {
	TOOL_OPTION_FLAG,    /* bool *: set */
	TOOL_OPTION_U32,     /* uint32_t *: a whole number in min..max */
	TOOL_OPTION_DOUBLE,  /* double *: a number in min..max */
	TOOL_OPTION_TEXT,    /* const char **: the word as it is */
	TOOL_OPTION_SIZE,    /* uint32_t * width, out2 height: "1920x1080" */
	TOOL_OPTION_FORMAT,  /* const tdshm_pixel_format **: a format's short name */
	TOOL_OPTION_PATTERN, /* tdshm_pattern_kind *: bars, ramp or counter */
	TOOL_OPTION_LIST,    /* char[max_items][item_cap]: "a,b,c"; *count items */
	TOOL_OPTION_NUMBERS, /* double[max_items]: "440,880" in min..max; *count */
} tool_option_kind;

typedef struct tool_option {
	const char *name; /* "--frames" */
	tool_option_kind kind;
	void *out;
	void *out2;      /* SIZE: the height */
	double min, max; /* U32, DOUBLE, NUMBERS */
	int *count;      /* LIST, NUMBERS */
	int max_items;   /* LIST, NUMBERS */
	size_t item_cap; /* LIST */
	bool *given;     /* may be NULL: set when the option is seen */
} tool_option;

/* One table entry: TOOL_OPT("--frames", U32, &o->frames, .min = 1, .max = 9). */
#define TOOL_OPT(name_, kind_, out_, ...)                                                          \
	{                                                                                          \
		.name = name_, .kind = TOOL_OPTION_##kind_, .out = out_, __VA_ARGS__               \
	}

/* Walks every argument: the options in the table, and the command's one
 * NAME (an unknown "--option" or a second NAME is an error, and so is no
 * NAME: missing_name says what to give). Returns TOOL_EXIT_OK or, after
 * printing the error, TOOL_EXIT_USAGE. */
int tool_args_parse(tool_args *args, const tool_option *options, size_t count, const char **name,
		    const char *missing_name);

/* Parsers print "tdshm COMMAND: OPTION ..." on failure and return false. */
bool tool_parse_u32(const tool_args *args, const char *option, const char *text, uint32_t min,
		    uint32_t max, uint32_t *out);
bool tool_parse_double(const tool_args *args, const char *option, const char *text, double min,
		       double max, double *out);
/* "1920x1080". */
bool tool_parse_size(const tool_args *args, const char *option, const char *text, uint32_t *width,
		     uint32_t *height);
/* Splits "a,b,c" into at most max items of at most item_cap-1 bytes each;
 * returns the count, or -1 after printing an error. */
int tool_parse_list(const tool_args *args, const char *option, const char *text, char *items,
		    size_t item_cap, int max);

/* The most items tool_parse_double_list takes. */
#define TOOL_ARGS_MAX_LIST 64
/* "440,880": at most max (<= TOOL_ARGS_MAX_LIST) numbers from min_value to max_value each, into
 * out; returns the count, or -1 after printing an error. */
int tool_parse_double_list(const tool_args *args, const char *option, const char *text,
			   double min_value, double max_value, double *out, int max);

/* Prints "tdshm COMMAND: <message>" to stderr, returns TOOL_EXIT_USAGE. */
int tool_usage_error(const tool_args *args, const char *fmt, ...) TDSHM_PRINTF(2, 3);
/* Prints "tdshm COMMAND: <what>: <err message>" and returns the exit code
 * that fits the status (usage for INVALID_ARGUMENT, else runtime). */
int tool_report_error(const char *command, const char *what, const tdshm_error *err);

/* ---- reading a segment (tool_reading.c) --------------------------------- */

/* A segment the sender created but has not written yet is all zero: not a
 * frame, and not an error. */
bool tool_segment_unwritten(const uint8_t *bytes, size_t size);

/* The last frame serial a receiving command looked at. */
typedef struct tool_serial_seen {
	bool have; /* false: none yet, or forgotten (the sender went away) */
	uint64_t serial;
} tool_serial_seen;
struct tdshm_receiver;
/* Under the read lock: true when the frame is one not looked at yet (always
 * when the sender keeps no serial: *has_serial false, as TD's own senders),
 * and remembers its serial so the frame is looked at once. */
bool tool_serial_fresh(tool_serial_seen *seen, const struct tdshm_receiver *receiver,
		       bool *has_serial);

/* ---- stopping (tool_signal.c) ------------------------------------------ */

/* Ctrl+C / SIGTERM set a flag instead of killing the process, so senders
 * can set detach and remove their segments. */
void tool_signal_install(void);
/* Replaces argv with its UTF-8 form where the system gives another (Windows). */
void tool_argv_utf8(int *argc, char ***argv);
bool tool_stop_requested(void);
/* Sleeps until the monotonic clock reaches deadline_ns, in short steps, or
 * until a stop is requested. */
void tool_sleep_until_ns(uint64_t deadline_ns);
/* Seconds since the first call, for time stamps on status lines. */
double tool_elapsed_seconds(void);

/* ---- PNG output (png_write_libpng.c, png_write_zlib.c or png_write_none.c) */

/* Writes width x height 8-bit RGBA pixels (top row first, tightly packed). */
tdshm_status tool_png_write(const char *path, uint32_t width, uint32_t height, const uint8_t *rgba,
			    tdshm_error *err) TDSHM_MUST_CHECK;

/* ---- commands: each takes the arguments after its name ------------------ */

int tool_cmd_send(int argc, char **argv);
int tool_cmd_receive(int argc, char **argv);
int tool_cmd_chop_send(int argc, char **argv);
int tool_cmd_chop_receive(int argc, char **argv);
int tool_cmd_info(int argc, char **argv);
int tool_cmd_list(int argc, char **argv);
int tool_cmd_bench(int argc, char **argv);
int tool_cmd_remove(int argc, char **argv);
