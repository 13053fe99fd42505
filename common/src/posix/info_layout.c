/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TD on macOS (and this project on Linux) writes the char-postfix layout. */
#include "tdshm/info.h"

tdshm_info_layout tdshm_info_native_layout(void)
{
	return TDSHM_INFO_LAYOUT_POSIX;
}
