/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's properties dialog (source-properties.c). */
#pragma once

#include <obs-module.h>

#include "dialog-status.h"

/* dialog may be NULL. Its status row reads the status through
 * tdshm_source_dialog_line (owner: the tdshm_source_status), Refresh also
 * re-lists the segments. */
obs_properties_t *tdshm_source_properties_create(tdshm_dialog_status *dialog);
void tdshm_source_dialog_line(void *owner, tdshm_dialog_status_line *line);
void tdshm_source_dialog_refresh(void *owner, obs_properties_t *props);
