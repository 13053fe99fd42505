/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP source's reader polls every few milliseconds to catch each block
 * TouchDesigner writes (one per cook, 16.7 ms apart at 60 fps). Where the
 * system's timer is coarse by default (Windows: 15.6 ms, which would sleep
 * past whole blocks), the reader thread asks for a 1 ms timer while it runs.
 * One implementation per platform (chop-timer-win.c, chop-timer-posix.c). */
#pragma once

#include <stdbool.h>

void chop_timer_precise_begin(void);
void chop_timer_precise_end(void);

/* The reader must run within a cook of each block being written, also when
 * rendering, encoding and TouchDesigner keep every core busy: it asks the
 * system to run it ahead of ordinary threads (it sleeps between polls and
 * works for well under a millisecond, so it takes little from them). Where
 * that is not permitted (Linux without CAP_SYS_NICE or an rtprio limit) it
 * stays as it was: true when raised. Call it on the reader thread. */
bool chop_thread_priority_raise(void);
