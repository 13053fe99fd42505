/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Windows: waits are rounded to the system timer period, 15.6 ms unless a
 * process asks for less; a 4 ms poll would then miss blocks. timeBeginPeriod
 * is counted per process: every begin is paired with an end. The reader's
 * thread priority can be raised by any process, within its priority class. */
#include <windows.h>
#include <mmsystem.h>

#include "chop-timer.h"

void chop_timer_precise_begin(void)
{
	timeBeginPeriod(1);
}

void chop_timer_precise_end(void)
{
	timeEndPeriod(1);
}

bool chop_thread_priority_raise(void)
{
	/* Highest, not time-critical: above OBS's ordinary threads, still
	 * below what the system keeps for its own audio. */
	return SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_HIGHEST) != 0;
}
