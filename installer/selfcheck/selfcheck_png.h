/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes what OBS rendered to a PNG, so a user can see the proof. */
#pragma once

#include <tdshm/status.h>

#include "selfcheck_obs.h"

tdshm_status selfcheck_png_write(const selfcheck_frame *frame, const char *path,
				 tdshm_error *err) TDSHM_MUST_CHECK;
