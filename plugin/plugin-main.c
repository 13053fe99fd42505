/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module entry: declares the module and registers each source and filter.
 * Everything else lives in one file per source/filter. */
#include <obs-module.h>

#include "tdshm-output.h"

OBS_DECLARE_MODULE()
OBS_MODULE_USE_DEFAULT_LOCALE("obs-tdshm", "en-US")

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
