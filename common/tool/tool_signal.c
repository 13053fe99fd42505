/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ctrl+C handling and pacing. signal() with SIGINT/SIGTERM exists on POSIX
 * and in the Windows C runtime alike, so this file serves both builds. */
#include <signal.h>

#include "tdshm/platform.h"
#include "tool.h"

static volatile sig_atomic_t tool_stop_flag;

static void tool_on_signal(int signal_number)
{
	(void)signal_number;
	tool_stop_flag = 1;
}

void tool_signal_install(void)
{
	signal(SIGINT, tool_on_signal);
	signal(SIGTERM, tool_on_signal);
}

bool tool_stop_requested(void)
{
	return tool_stop_flag != 0;
}

void tool_sleep_until_ns(uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = tdshm_clock_ns();
		if (now >= deadline_ns || tool_stop_requested())
			return;
		uint64_t left_ms = (deadline_ns - now) / 1000000u;
		/* Short steps keep Ctrl+C responsive; below a millisecond the
		 * pacing error is smaller than any frame period used here. */
		if (left_ms == 0)
			return;
		tdshm_sleep_ms(left_ms > 50 ? 50 : (uint32_t)left_ms);
	}
}

double tool_elapsed_seconds(void)
{
	static uint64_t start_ns;
	uint64_t now = tdshm_clock_ns();
	if (start_ns == 0)
		start_ns = now;
	return (double)(now - start_ns) / 1e9;
}
