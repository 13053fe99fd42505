/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sender that crashes while a receiver reads it: on Windows the receiver's
 * handles are then all that keeps the mappings, and a sender restarting
 * under the name fails with "already exists" until the receiver lets go.
 * The window is measured here: `tdshm.exe send` is killed (TerminateProcess:
 * no detach, no clean-up), the receiver keeps polling every 4 ms as `tdshm
 * receive` does, and a would-be restarted sender tries to create the info
 * segment every millisecond. The window must be a small fraction of the
 * receiver's liveness interval (500 ms), which bounded it before.
 * Windows-only (runs under Wine in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "test_support.h"

#define POLL_MS 4
#define LIVENESS_MS 500
#define START_WAIT_MS 30000
#define ROUNDS 3

static PROCESS_INFORMATION start_sender(const char *name)
{
	wchar_t command[1024];
	swprintf(command, 1024, L"\"%hs\" send %hs --size 64x32 --fps 60 --frames 100000",
		 tdshm_test_tool_path(), name);
	STARTUPINFOW startup = {.cb = sizeof(startup)};
	PROCESS_INFORMATION info;
	assert_true(
	    CreateProcessW(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &info));
	return info;
}

/* Milliseconds from the sender's death until its info segment could be
 * created again. */
static double crash_window_ms(const char *name)
{
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 0;
	options.liveness_interval_ms = LIVENESS_MS;
	options.info_timeout_ms = 100;
	tdshm_receiver *r = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_receiver_create(name, &options, &r, &err), TDSHM_OK);
	PROCESS_INFORMATION sender = start_sender(name);
	bool connected = false;
	for (uint64_t until = tdshm_clock_ms() + START_WAIT_MS;
	     !connected && tdshm_clock_ms() < until;) {
		const uint8_t *bytes;
		size_t size;
		if (tdshm_receiver_begin_read(r, 100, &bytes, &size, &err) == TDSHM_OK) {
			tdshm_receiver_end_read(r);
			connected = true;
		} else {
			tdshm_sleep_ms(POLL_MS);
		}
	}
	assert_true(connected);
	/* Somewhere in the receiver's liveness cycle, as a crash would be. */
	tdshm_sleep_ms(100 + (unsigned)(tdshm_clock_ms() % 200));

	char info_name[TDSHM_FULL_NAME_CAP];
	assert_int_equal(tdshm_name_info(name, info_name, sizeof(info_name), &err), TDSHM_OK);
	assert_true(TerminateProcess(sender.hProcess, 9));
	assert_int_equal(WaitForSingleObject(sender.hProcess, 10000), WAIT_OBJECT_0);
	uint64_t died = tdshm_clock_ns();
	double window = -1;
	uint64_t next_poll = 0;
	while (window < 0 && tdshm_clock_ns() - died < 3000000000ull) {
		if (tdshm_clock_ms() >= next_poll) {
			next_poll = tdshm_clock_ms() + POLL_MS;
			const uint8_t *bytes;
			size_t size;
			if (tdshm_receiver_begin_read(r, 2, &bytes, &size, &err) == TDSHM_OK)
				tdshm_receiver_end_read(r);
		}
		tdshm_shm *restarted = NULL;
		if (tdshm_shm_create(info_name, TDSHM_INFO_SEGMENT_SIZE, true, &restarted, &err) ==
		    TDSHM_OK) {
			window = (double)(tdshm_clock_ns() - died) / 1e6;
			tdshm_shm_close_and_remove(restarted);
		} else {
			tdshm_sleep_ms(1);
		}
	}
	CloseHandle(sender.hProcess);
	CloseHandle(sender.hThread);
	tdshm_receiver_destroy(r);
	if (window < 0)
		fail_msg("'%s' could not be created again within 3 s of its sender's death", name);
	return window;
}

static void test_receiver_lets_a_crashed_senders_segments_go_at_once(void **state)
{
	(void)state;
	double worst = 0;
	for (int round = 0; round < ROUNDS; round++) {
		char name[64];
		tdshm_test_unique_name(name, sizeof(name), "crash");
		double window = crash_window_ms(name);
		printf("round %d: the name was free again %.1f ms after the sender died\n", round,
		       window);
		if (window > worst)
			worst = window;
	}
	/* Before, the liveness cycle bounded it: up to LIVENESS_MS. */
	assert_true(worst < LIVENESS_MS / 5.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receiver_lets_a_crashed_senders_segments_go_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
