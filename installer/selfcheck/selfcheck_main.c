/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm-selfcheck: proof that an installed obs-tdshm works. It loads the
 * installed module into headless libobs, shows a "TouchDesigner Shared Mem
 * In" source reading the segment `tdshm send` fills with colour bars, and
 * waits for OBS to render those bars. Prints one line starting with OK or
 * FAIL, writes a PNG of what OBS rendered, exits 0 only on OK.
 * installer/selfcheck.sh starts the display and the sender around it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdshm/platform.h>

#include "selfcheck_match.h"
#include "selfcheck_obs.h"
#include "selfcheck_png.h"

#define SELFCHECK_SOURCE_ID "tdshm_top_source"

typedef struct selfcheck_args {
	const char *module_path;
	const char *data_path;
	const char *name;
	const char *png_path;
	const char *log_path;
	uint32_t width, height;
	uint32_t timeout_ms;
} selfcheck_args;

static void selfcheck_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: tdshm-selfcheck --module PATH/obs-tdshm.so --data DATA_DIR\n"
	    "                       [--name tdshm-selfcheck] [--size 1920x1080]\n"
	    "                       [--png selfcheck.png] [--log obs.log] [--timeout-ms 15000]\n"
	    "Run it through installer/selfcheck.sh, which starts Xvfb and `tdshm send`.\n");
}

static bool selfcheck_parse(int argc, char **argv, selfcheck_args *args)
{
	*args = (selfcheck_args){.name = "tdshm-selfcheck",
				 .png_path = "tdshm-selfcheck.png",
				 .width = 1920,
				 .height = 1080,
				 .timeout_ms = 15000};
	for (int i = 1; i < argc; i++) {
		const char *key = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(key, "--help") || !strcmp(key, "-h")) {
			selfcheck_usage(stdout);
			exit(0);
		}
		if (!value) {
			fprintf(stderr, "tdshm-selfcheck: %s needs a value\n", key);
			return false;
		}
		i++;
		if (!strcmp(key, "--module")) {
			args->module_path = value;
		} else if (!strcmp(key, "--data")) {
			args->data_path = value;
		} else if (!strcmp(key, "--name")) {
			args->name = value;
		} else if (!strcmp(key, "--png")) {
			args->png_path = value;
		} else if (!strcmp(key, "--log")) {
			args->log_path = value;
		} else if (!strcmp(key, "--size")) {
			if (sscanf(value, "%ux%u", &args->width, &args->height) != 2 ||
			    args->width == 0 || args->height == 0 || args->width > 8192 ||
			    args->height > 8192) {
				fprintf(stderr,
					"tdshm-selfcheck: --size wants WxH, e.g. 1920x1080\n");
				return false;
			}
		} else if (!strcmp(key, "--timeout-ms")) {
			args->timeout_ms = (uint32_t)strtoul(value, NULL, 10);
		} else {
			fprintf(stderr, "tdshm-selfcheck: unknown option %s\n", key);
			return false;
		}
	}
	if (!args->module_path || !args->data_path) {
		fprintf(stderr, "tdshm-selfcheck: --module and --data are required\n");
		return false;
	}
	/* The name lands in a JSON string; keep it to what TD accepts anyway. */
	if (strpbrk(args->name, "\"\\")) {
		fprintf(stderr,
			"tdshm-selfcheck: the name may not contain quotes or backslashes\n");
		return false;
	}
	return true;
}

/* Waits for a frame showing the bars; keeps the last frame seen in *last for
 * the PNG. Returns true on a match, else explains in why. */
static bool selfcheck_wait_for_bars(const selfcheck_args *args, selfcheck_frame *last, char *why,
				    size_t why_cap)
{
	uint64_t deadline = tdshm_clock_ms() + args->timeout_ms;
	uint64_t seen = 0;
	snprintf(why, why_cap, "OBS rendered no frame within %u ms", args->timeout_ms);
	while (tdshm_clock_ms() < deadline) {
		selfcheck_frame frame;
		if (!selfcheck_obs_take_frame(seen, &frame)) {
			tdshm_sleep_ms(10);
			continue;
		}
		seen = frame.index;
		selfcheck_frame_free(last);
		*last = frame;
		char detail[256];
		uint32_t source_width, source_height;
		selfcheck_obs_source_size(&source_width, &source_height);
		if (source_width == 0 || source_height == 0)
			snprintf(detail, sizeof(detail),
				 "the source shows no picture: no segment of that name, or the "
				 "plugin could not start the source (see the libobs log)");
		else if (source_width != args->width || source_height != args->height)
			snprintf(detail, sizeof(detail), "the source is %ux%u, not %ux%u",
				 source_width, source_height, args->width, args->height);
		else if (selfcheck_match_bars(&frame, detail, sizeof(detail)))
			return true;
		snprintf(why, why_cap,
			 "after %u ms OBS still renders something other than the bars from "
			 "'%s' (%s). Is `tdshm send %s` running as this user?",
			 args->timeout_ms, args->name, detail, args->name);
	}
	return false;
}

int main(int argc, char **argv)
{
	selfcheck_args args;
	if (!selfcheck_parse(argc, argv, &args)) {
		selfcheck_usage(stderr);
		printf("FAIL: bad arguments\n");
		return 2;
	}

	tdshm_error err = {0};
	selfcheck_obs_config config = {.width = args.width,
				       .height = args.height,
				       .fps = 30,
				       .module_path = args.module_path,
				       .data_path = args.data_path,
				       .log_path = args.log_path};
	tdshm_status status = selfcheck_obs_start(&config, &err);
	char settings[512];
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", args.name);
	uint64_t started_ms = tdshm_clock_ms();
	if (status == TDSHM_OK)
		status = selfcheck_obs_show_source(SELFCHECK_SOURCE_ID, settings, &err);
	if (status != TDSHM_OK) {
		selfcheck_obs_stop();
		printf("FAIL: %s\n", err.message);
		return 1;
	}

	selfcheck_frame last = {0};
	char why[512];
	bool ok = selfcheck_wait_for_bars(&args, &last, why, sizeof(why));
	uint64_t elapsed_ms = tdshm_clock_ms() - started_ms;
	selfcheck_obs_stop();

	bool png_written = false;
	if (last.bgra) {
		status = selfcheck_png_write(&last, args.png_path, &err);
		png_written = status == TDSHM_OK;
		if (!png_written)
			fprintf(stderr, "tdshm-selfcheck: %s\n", err.message);
		selfcheck_frame_free(&last);
	}
	if (ok && !png_written) {
		printf("FAIL: OBS rendered the bars but the PNG could not be written: %s\n",
		       err.message);
		return 1;
	}
	if (!ok) {
		printf("FAIL: %s%s%s\n", why, png_written ? "; what OBS rendered is in " : "",
		       png_written ? args.png_path : "");
		return 1;
	}
	printf("OK: received %ux%u BGRA8 from TouchDesigner segment '%s' in %llu ms (PNG: %s)\n",
	       args.width, args.height, args.name, (unsigned long long)elapsed_ms, args.png_path);
	return 0;
}
