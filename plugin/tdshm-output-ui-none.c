/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds without obs-frontend-api: no Tools menu; the output can still be
 * driven through the tdshm_output_* procs. */
#include "tdshm-output.h"

void tdshm_output_ui_load(void)
{
}

void tdshm_output_ui_unload(void)
{
}
