/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Processes, time and randomness on Windows. */
#include <windows.h>
#include <bcrypt.h>

#include "tdshm/platform.h"
#include "win/internal.h"

uint32_t tdshm_process_id(void)
{
	return (uint32_t)GetCurrentProcessId();
}

bool tdshm_process_alive(uint32_t pid)
{
	/* The least access that still tells whether it has exited; granted
	 * across users and integrity levels in most cases. */
	HANDLE process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
	if (!process) {
		/* ERROR_INVALID_PARAMETER is Windows' "no such process"; any
		 * other refusal (access denied) means it exists. */
		return GetLastError() != ERROR_INVALID_PARAMETER;
	}
	/* A handle can outlive the process (someone still holds one): the
	 * process object is signalled once it has exited. */
	bool alive = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
	if (alive) {
		DWORD exit_code = 0;
		if (GetExitCodeProcess(process, &exit_code) && exit_code != STILL_ACTIVE)
			alive = false;
	}
	CloseHandle(process);
	return alive;
}

static uint64_t tdshm_clock_frequency(void)
{
	/* Fixed at boot; reading it every time costs little and avoids a
	 * racy static initialisation. */
	LARGE_INTEGER frequency;
	QueryPerformanceFrequency(&frequency);
	return frequency.QuadPart > 0 ? (uint64_t)frequency.QuadPart : 1;
}

/* counter * scale / frequency without overflowing 64 bits. */
static uint64_t tdshm_clock_scaled(uint64_t scale)
{
	LARGE_INTEGER counter;
	QueryPerformanceCounter(&counter);
	uint64_t ticks = (uint64_t)counter.QuadPart, frequency = tdshm_clock_frequency();
	return ticks / frequency * scale + ticks % frequency * scale / frequency;
}

uint64_t tdshm_clock_ms(void)
{
	return tdshm_clock_scaled(1000u);
}

uint64_t tdshm_clock_ns(void)
{
	return tdshm_clock_scaled(1000000000u);
}

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002 /* Windows 10 1803+ */
#endif

void tdshm_sleep_ms(uint32_t ms)
{
	DWORD bounded = ms >= INFINITE ? INFINITE - 1 : ms;
	/* Sleep() rounds up to the system tick, 15.6 ms unless some program
	 * raised the timer resolution: a 60 fps pacing loop or a 2 ms retry
	 * would run several times too slow. A high-resolution waitable timer
	 * sleeps to the millisecond without changing the tick for the whole
	 * system; older systems (and Wine, whose Sleep is already precise)
	 * refuse the flag and get Sleep(). */
	if (bounded > 0 && bounded < INFINITE - 1000) {
		HANDLE timer = CreateWaitableTimerExW(
		    NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION, TIMER_ALL_ACCESS);
		if (timer) {
			LARGE_INTEGER due;
			due.QuadPart = -(LONGLONG)bounded * 10000; /* relative, 100 ns units */
			bool armed = SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE);
			if (armed)
				WaitForSingleObject(timer, bounded + 1000);
			CloseHandle(timer);
			if (armed)
				return;
		}
	}
	Sleep(bounded);
}

void tdshm_random_bytes(void *buf, size_t len)
{
	uint8_t *bytes = buf;
	size_t done = 0;
	while (done < len) {
		ULONG chunk = len - done > 0x10000000u ? 0x10000000u : (ULONG)(len - done);
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, bytes + done, chunk,
						    BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			break;
		done += chunk;
	}
	/* Postfixes only need to differ from the last one, not to be secret:
	 * the clock will do if the system generator refuses. */
	for (uint64_t state = tdshm_clock_ns() ^ GetCurrentProcessId(); done < len; done++) {
		state = state * 6364136223846793005u + 1442695040888963407u;
		bytes[done] = (uint8_t)(state >> 56);
	}
}

size_t tdshm_platform_name_max(void)
{
	return TDSHM_WIN_NAME_MAX;
}
