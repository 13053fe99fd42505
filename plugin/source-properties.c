/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's properties dialog: the name (typed or picked from the
 * TD segments live on this machine), flip, alpha, what to do when TD stops,
 * async, and the status row (dialog-status.c). Runs on the UI thread (the
 * status line also on the dialog-status watcher): touches only settings and
 * the status (own mutex). */
#include <obs-module.h>
#include <stdio.h>
#include <string.h>

#include "sender-picker.h"
#include "dialog-status.h"
#include "source-properties.h"
#include "source-settings.h"
#include "source-status.h"
#include "tdshm/names.h"

/* Image senders only, sorted, without this OBS's own outputs. */
static void tdshm_source_fill_live(obs_property_t *list)
{
	tdshm_picker_fill(list, TDSHM_SENDER_TOP, obs_module_text("TopSource.Live.Choose"),
			  obs_module_text("TopSource.Live.FirstAvailable"),
			  obs_module_text("TopSource.Live.None"),
			  obs_module_text("TopSource.Live.Unsupported"));
}

void tdshm_source_dialog_refresh(void *status, obs_properties_t *props)
{
	(void)status;
	tdshm_source_fill_live(obs_properties_get(props, SETTING_PICK));
}

/* What the status row shows; the key leaves out the frame counter, so an
 * open dialog is rebuilt for a new state, name, size or format only. */
void tdshm_source_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	tdshm_source_status *status = owner;
	tdshm_source_status_text(status, line->text, sizeof(line->text));
	pthread_mutex_lock(&status->mutex);
	enum tdshm_source_state state = status->state;
	snprintf(line->key, sizeof(line->key), "%d|%.200s|%ux%u|%.31s|%.200s", (int)state,
		 status->name, status->width, status->height, status->format, status->detail);
	pthread_mutex_unlock(&status->mutex);
	line->type = state == TDSHM_SOURCE_REFUSED || state == TDSHM_SOURCE_ERROR
			 ? OBS_TEXT_INFO_ERROR
		     : state == TDSHM_SOURCE_CONNECTED ? OBS_TEXT_INFO_NORMAL
						       : OBS_TEXT_INFO_WARNING;
}

static bool tdshm_source_pick_modified(obs_properties_t *props, obs_property_t *list,
				       obs_data_t *settings)
{
	UNUSED_PARAMETER(props);
	UNUSED_PARAMETER(list);
	const char *pick = obs_data_get_string(settings, SETTING_PICK);
	if (!*pick)
		return false;
	if (strcmp(pick, TDSHM_PICKER_FIRST_AVAILABLE) == 0) {
		/* "First available": the first image sender right now, never
		 * one of our own outputs. */
		char first[TDSHM_USER_NAME_MAX + 1];
		if (tdshm_picker_first(TDSHM_SENDER_TOP, first, sizeof(first)))
			obs_data_set_string(settings, SETTING_NAME, first);
	} else {
		obs_data_set_string(settings, SETTING_NAME, pick);
	}
	obs_data_set_string(settings, SETTING_PICK, "");
	return true;
}

static bool tdshm_source_on_stop_modified(obs_properties_t *props, obs_property_t *list,
					  obs_data_t *settings)
{
	UNUSED_PARAMETER(list);
	bool visible =
	    strcmp(obs_data_get_string(settings, SETTING_ON_STOP), ON_STOP_CLEAR_AFTER) == 0;
	obs_property_set_visible(obs_properties_get(props, SETTING_CLEAR_AFTER_MS), visible);
	return true;
}

obs_properties_t *tdshm_source_properties_create(tdshm_dialog_status *dialog)
{
	obs_properties_t *props = obs_properties_create();
	/* Status and Refresh (which also re-lists the segments) at the top,
	 * as in every dialog of the plugin. */
	tdshm_dialog_status_add(props, dialog, obs_module_text("TopSource.Status.NoName"));

	obs_property_t *p = tdshm_dialog_status_add_typed_text(
	    props, dialog, SETTING_NAME, obs_module_text("TopSource.Name"),
	    obs_module_text("TopSource.Name.Hint"));
	p = obs_properties_add_list(props, SETTING_PICK, obs_module_text("TopSource.Live"),
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
	tdshm_source_fill_live(p);
	obs_property_set_modified_callback(p, tdshm_source_pick_modified);

	obs_properties_add_bool(props, SETTING_FLIP, obs_module_text("TopSource.Flip"));

	p = obs_properties_add_list(props, SETTING_ALPHA, obs_module_text("TopSource.Alpha"),
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, obs_module_text("TopSource.Alpha.Premultiplied"),
				     ALPHA_PREMULTIPLIED);
	obs_property_list_add_string(p, obs_module_text("TopSource.Alpha.Straight"),
				     ALPHA_STRAIGHT);
	obs_property_list_add_string(p, obs_module_text("TopSource.Alpha.Opaque"), ALPHA_OPAQUE);

	p = obs_properties_add_list(props, SETTING_ON_STOP, obs_module_text("TopSource.OnStop"),
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, obs_module_text("TopSource.OnStop.Keep"), ON_STOP_KEEP);
	obs_property_list_add_string(p, obs_module_text("TopSource.OnStop.Clear"), ON_STOP_CLEAR);
	obs_property_list_add_string(p, obs_module_text("TopSource.OnStop.ClearAfter"),
				     ON_STOP_CLEAR_AFTER);
	obs_property_set_modified_callback(p, tdshm_source_on_stop_modified);
	obs_properties_add_int(props, SETTING_CLEAR_AFTER_MS,
			       obs_module_text("TopSource.ClearAfterMs"), 0, 600000, 100);

	obs_properties_add_bool(props, SETTING_ASYNC, obs_module_text("TopSource.Async"));
	return props;
}
