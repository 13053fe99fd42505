/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP source's reader polls every few milliseconds to catch each block
 * TouchDesigner writes (one per cook, 16.7 ms apart at 60 fps). Where the
 * system's timer is coarse by default (Windows: 15.6 ms, which would sleep
 * past whole blocks), the reader thread asks for a 1 ms timer while it runs.
 * One implementation per platform (chop-timer-win.c, chop-timer-posix.c). */
#pragma once

void chop_timer_precise_begin(void);
void chop_timer_precise_end(void);
