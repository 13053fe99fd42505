/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frontend side of "TouchDesigner Output": a Tools-menu entry that opens
 * the output's properties, its state saved with OBS's config and restored
 * (started again if it was running) once OBS has loaded. Built only when
 * obs-frontend-api is found; tdshm-output-ui-none.c otherwise. */
#include <obs-frontend-api.h>
#include <obs-module.h>
#include <util/bmem.h>

#include "tdshm-output.h"

static void tdshm_output_ui_save_state(void)
{
	char *path = obs_module_config_path(TDSHM_OUTPUT_STATE_FILE);
	if (path && !tdshm_output_save(path))
		blog(LOG_WARNING,
		     "[tdshm-out] could not save the TouchDesigner Output "
		     "settings to %s",
		     path);
	bfree(path);
}

static void tdshm_output_ui_menu_clicked(void *data)
{
	(void)data;
	char *path = obs_module_config_path(TDSHM_OUTPUT_STATE_FILE);
	obs_source_t *source = tdshm_output_restore(path);
	bfree(path);
	if (!source)
		return;
	obs_frontend_open_source_properties(source);
	obs_source_release(source);
}

static void tdshm_output_ui_on_save(obs_data_t *save_data, bool saving, void *data)
{
	(void)save_data;
	(void)data;
	/* The state lives in the module's own config file, not in the scene
	 * collection: the output is the same whichever collection is loaded. */
	if (saving)
		tdshm_output_ui_save_state();
}

static void tdshm_output_ui_on_event(enum obs_frontend_event event, void *data)
{
	(void)data;
	if (event == OBS_FRONTEND_EVENT_FINISHED_LOADING) {
		char *path = obs_module_config_path(TDSHM_OUTPUT_STATE_FILE);
		obs_source_t *source = tdshm_output_restore(path);
		bfree(path);
		obs_source_release(source);
	} else if (event == OBS_FRONTEND_EVENT_EXIT) {
		/* "enabled" is saved as it is now, so a running output starts
		 * again next time; then it stops (detach) before OBS goes. */
		tdshm_output_ui_save_state();
		tdshm_output_unload();
	}
}

void tdshm_output_ui_load(void)
{
	obs_frontend_add_tools_menu_item(obs_module_text("ProgramOutput"),
					 tdshm_output_ui_menu_clicked, NULL);
	obs_frontend_add_event_callback(tdshm_output_ui_on_event, NULL);
	obs_frontend_add_save_callback(tdshm_output_ui_on_save, NULL);
}

void tdshm_output_ui_unload(void)
{
	obs_frontend_remove_event_callback(tdshm_output_ui_on_event, NULL);
	obs_frontend_remove_save_callback(tdshm_output_ui_on_save, NULL);
}
