/* SPDX-License-Identifier: GPL-2.0-or-later */
/* obs_snapshot NAME OUT.png [WIDTHxHEIGHT] [SETTINGS_JSON]: starts headless
 * libobs with the built module, shows a "TouchDesigner Shared Mem In" source
 * reading NAME on an OBS canvas of that size (default 640x360), and saves
 * OBS's output frame as a PNG. Exit 0 when a frame from TD arrived. Used by
 * tests/obs/snapshot.sh; DISPLAY must name a running X server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_harness.h"
#include "source_helpers.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s NAME OUT.png [WIDTHxHEIGHT] [SETTINGS_JSON]\n", argv[0]);
		return 2;
	}
	harness_config cfg;
	harness_config_default(&cfg);
	if (argc > 3 && sscanf(argv[3], "%ux%u", &cfg.width, &cfg.height) != 2) {
		fprintf(stderr, "bad size '%s' (want e.g. 1280x720)\n", argv[3]);
		return 2;
	}
	if (!harness_start(&cfg))
		return 3;
	char settings[1024];
	if (argc > 4)
		snprintf(settings, sizeof(settings), "%s", argv[4]);
	else
		snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", argv[1]);
	obs_source_t *source = harness_create_source("tdshm_top_source", "snapshot", settings);
	if (!source) {
		harness_stop();
		return 3;
	}
	harness_set_output(source);
	int rc = 1;
	char status[1024];
	if (source_wait_connected(source, 10000, status, sizeof(status)) &&
	    harness_wait_frames(5, 5000)) {
		harness_frame frame;
		if (harness_copy_latest_frame(&frame)) {
			rc = harness_save_png(&frame, argv[2]) ? 0 : 3;
			harness_frame_free(&frame);
		}
	}
	printf("%s: %s\n", rc == 0 ? "saved" : "FAIL", status);
	harness_set_output(NULL);
	obs_source_release(source);
	harness_stop();
	return rc;
}
