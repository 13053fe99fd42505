/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Output" (Tools menu): OBS's program output sent under a
 * chosen name. The output is a private source of type tdshm_program_output
 * whose settings are the output's (so the frontend can show OBS's own
 * properties dialog for it); these functions hold the one the Tools menu
 * uses and are callable without the frontend (tests use them through the
 * proc handlers registered by tdshm_output_load). */
#pragma once

#include <stdbool.h>

#include <obs.h>

#define TDSHM_OUTPUT_STATE_FILE "program-output.json"

/* Registers the source type and the global procs. */
void tdshm_output_load(void);
/* Stops and releases the output (OBS exit; module unload). */
void tdshm_output_unload(void);

/* The output object, created with the settings in path (defaults when the
 * file is missing) the first time; it starts at once if "enabled" was saved
 * true, i.e. it was running at exit. path may be NULL (defaults). */
obs_source_t *tdshm_output_restore(const char *path);
/* Saves the output's settings, "enabled" included, to path. */
bool tdshm_output_save(const char *path);
/* Starts (enabled = true) or stops the output, keeping its other settings. */
void tdshm_output_set_enabled(bool enabled);
bool tdshm_output_enabled(void);
/* The output object (NULL before restore); a new reference. */
obs_source_t *tdshm_output_get_source(void);

/* Frontend glue (tdshm-output-ui.c, or a stub without obs-frontend-api). */
void tdshm_output_ui_load(void);
void tdshm_output_ui_unload(void);
