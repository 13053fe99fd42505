/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module entry: declares the module and registers each source and filter.
 * Everything else lives in one file per source/filter. */
#include <obs-module.h>

#include "dialog-status.h"
#include "tdshm-output.h"

OBS_DECLARE_MODULE()

/* The module's locale, as OBS_MODULE_USE_DEFAULT_LOCALE("obs-tdshm", "en-US")
 * would define it, but for one step: libobs frees a module's locale before
 * calling obs_module_unload, and destroys the sources still alive at
 * shutdown only after that, so the dialog-status watcher (which formats
 * those sources' status lines) is stopped before the locale goes. */
lookup_t *obs_module_lookup = NULL;

const char *obs_module_text(const char *val)
{
	const char *out = val;
	text_lookup_getstr(obs_module_lookup, val, &out);
	return out;
}

bool obs_module_get_string(const char *val, const char **out)
{
	return text_lookup_getstr(obs_module_lookup, val, out);
}

void obs_module_set_locale(const char *locale)
{
	if (obs_module_lookup)
		text_lookup_destroy(obs_module_lookup);
	obs_module_lookup = obs_module_load_locale(obs_current_module(), "en-US", locale);
}

void obs_module_free_locale(void)
{
	tdshm_dialog_status_unload();
	text_lookup_destroy(obs_module_lookup);
	obs_module_lookup = NULL;
}

MODULE_EXPORT const char *obs_module_name(void)
{
	return "TouchDesigner Shared Memory";
}

MODULE_EXPORT const char *obs_module_description(void)
{
	return "TouchDesigner shared memory: video and audio between OBS and TouchDesigner";
}

/* Video in: "TouchDesigner Shared Mem In" (tdshm-source.c) and the private
 * source its async mode feeds (source-async.c). */
extern struct obs_source_info tdshm_top_source;
extern struct obs_source_info tdshm_top_frames;
/* Video out: the filter (tdshm-filter.c) and the Tools-menu program output
 * (tdshm-output.c, tdshm-output-ui.c; tdshm-output.h). */
extern struct obs_source_info tdshm_top_filter;
/* Audio in/out: tdshm_chop_source / tdshm_chop_filter (tdshm-chop-*.c) */
extern struct obs_source_info tdshm_chop_source;
extern struct obs_source_info tdshm_chop_filter;

bool obs_module_load(void)
{
	blog(LOG_INFO, "[obs-tdshm] version %s loaded (built with libobs %d.%d.%d, running in %s)",
	     TDSHM_VERSION, LIBOBS_API_MAJOR_VER, LIBOBS_API_MINOR_VER, LIBOBS_API_PATCH_VER,
	     obs_get_version_string());
	obs_register_source(&tdshm_top_source);
	obs_register_source(&tdshm_top_frames);
	obs_register_source(&tdshm_chop_source);
	obs_register_source(&tdshm_chop_filter);
	obs_register_source(&tdshm_top_filter);
	tdshm_output_load();
	tdshm_output_ui_load();
	return true;
}

/* The reverse of load: the frontend glue first, then the output it uses
 * (already stopped at OBS's exit event; this covers an unload without it). */
void obs_module_unload(void)
{
	tdshm_output_ui_unload();
	tdshm_output_unload();
}
