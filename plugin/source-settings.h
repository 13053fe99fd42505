/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's setting keys and values (tdshm-source.c reads them,
 * source-properties.c shows them). Users' saved scenes depend on them: keep
 * them stable. */
#pragma once

#define SETTING_NAME "name"
#define SETTING_FLIP "flip"
#define SETTING_ALPHA "alpha"
#define SETTING_ON_STOP "on_stop"
#define SETTING_CLEAR_AFTER_MS "clear_after_ms"
#define SETTING_ASYNC "async"
/* UI-only helpers (not behaviour): the live-segment picker and status line. */
#define SETTING_PICK "pick"
#define SETTING_REFRESH "refresh"
#define SETTING_STATUS "status"

#define ALPHA_PREMULTIPLIED "premultiplied"
#define ALPHA_STRAIGHT "straight"
#define ALPHA_OPAQUE "opaque"
#define ON_STOP_KEEP "keep"
#define ON_STOP_CLEAR "clear"
#define ON_STOP_CLEAR_AFTER "clear_after"

enum tdshm_on_stop { ON_STOP_MODE_KEEP, ON_STOP_MODE_CLEAR, ON_STOP_MODE_CLEAR_AFTER };
enum tdshm_alpha_mode { ALPHA_MODE_PREMULTIPLIED, ALPHA_MODE_STRAIGHT, ALPHA_MODE_OPAQUE };
