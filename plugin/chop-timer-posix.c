/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Linux and macOS: timed waits already have sub-millisecond resolution; the
 * reader asks for a low real-time (FIFO) priority, which Linux grants to
 * privileged processes or within RLIMIT_RTPRIO only. */
#include <pthread.h>
#include <sched.h>

#include "chop-timer.h"

/* Low in the real-time range: above every ordinary thread, below audio
 * servers (PipeWire, JACK) and anything else that asked for more. */
#define CHOP_READER_RT_PRIORITY 10

void chop_timer_precise_begin(void)
{
}

void chop_timer_precise_end(void)
{
}

bool chop_thread_priority_raise(void)
{
	int low = sched_get_priority_min(SCHED_FIFO), high = sched_get_priority_max(SCHED_FIFO);
	if (low < 0 || high < low)
		return false;
	struct sched_param param = {0};
	param.sched_priority = CHOP_READER_RT_PRIORITY < low    ? low
			       : CHOP_READER_RT_PRIORITY > high ? high
								: CHOP_READER_RT_PRIORITY;
	/* EPERM for most users: the thread keeps its ordinary priority. */
	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
}
