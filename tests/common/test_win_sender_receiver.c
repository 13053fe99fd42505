/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sender and receiver roles on the Windows backend (docs/protocol.md §2, §5):
 * the info block in TD's Windows layout (UTF-16 postfix @10, detach @74),
 * postfix resizes followed by the receiver, detach, and above all the rule
 * that matters only on Windows: a mapping lives while any process holds a
 * handle, so a receiver must drop its handles when the sender leaves, or a
 * restarted TouchDesigner sender could never create its segments again.
 * Senders in another process are this program in a child mode, killed with
 * TerminateProcess. Windows-only (runs under Wine in CI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "roles_support.h"
#include "test_support.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"

#define INFO_WAIT TDSHM_INFO_LOCK_TIMEOUT_MS
#define CHILD_WAIT_MS 30000

/* Reads until the receiver reports something other than OK (or a second
 * passes); returns that status and how long it took. */
static tdshm_status read_until_lost(tdshm_receiver *receiver, uint64_t *took_ms, tdshm_error *err)
{
	uint64_t start = tdshm_clock_ms();
	tdshm_status status;
	do {
		const uint8_t *bytes;
		size_t size;
		status = tdshm_receiver_begin_read(receiver, 10, &bytes, &size, err);
		if (status == TDSHM_OK)
			tdshm_receiver_end_read(receiver);
		tdshm_sleep_ms(5);
	} while ((status == TDSHM_OK || status == TDSHM_TIMED_OUT) &&
		 tdshm_clock_ms() - start < 3000);
	*took_ms = tdshm_clock_ms() - start;
	return status;
}

/* ---- in one process ----------------------------------------------------- */

static void test_info_block_is_tds_windows_layout(void **state)
{
	(void)state;
	tdshm_test_names n;
	tdshm_test_names_make(&n, "wsrinfo");
	tdshm_sender *sender = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_sender_create(n.user, 256, INFO_WAIT, &sender, &err), TDSHM_OK);
	assert_int_equal(tdshm_info_native_layout(), TDSHM_INFO_LAYOUT_WINDOWS);

	/* The shared vector with supported, postfix and detach cleared. */
	size_t vector_size = 0;
	uint8_t *vector = tdshm_test_read_vector("info_windows.bin", &vector_size);
	assert_non_null(vector);
	assert_int_equal(vector_size, TDSHM_INFO_SIZE_WINDOWS);
	vector[8] = 0;
	memset(vector + 10, 0, 64);
	vector[74] = 0;
	tdshm_shm *info = NULL;
	assert_int_equal(tdshm_shm_open(n.info, &info, &err), TDSHM_OK);
	assert_true(tdshm_shm_size(info) >= TDSHM_INFO_SEGMENT_SIZE);
	assert_memory_equal(tdshm_shm_bytes(info), vector, vector_size);
	tdshm_info_ext ext;
	assert_true(tdshm_info_ext_read(tdshm_shm_bytes(info), tdshm_shm_size(info), &ext));
	assert_int_equal(ext.pid, GetCurrentProcessId());

	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	tdshm_test_write_frame(sender, 1);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 1, 256, NULL, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_bytes(info)[8], 1); /* supported */
	assert_true(tdshm_sender_receiver_attached(sender));
	tdshm_shm_close(info);
	free(vector);
	tdshm_test_stop_connected(sender, receiver);
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));
}

static void test_postfix_is_utf16_and_receiver_follows_it(void **state)
{
	(void)state;
	tdshm_test_names n;
	tdshm_test_names_make(&n, "wsrpostfix");
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_test_start_connected(n.user, 64, 64, &sender, &receiver);
	tdshm_error err;

	tdshm_shm *info = NULL;
	assert_int_equal(tdshm_shm_open(n.info, &info, &err), TDSHM_OK);
	char previous[TDSHM_FULL_NAME_CAP];
	snprintf(previous, sizeof(previous), "%s", n.data);
	for (unsigned round = 0; round < 2; round++) {
		size_t size = 100000 * (round + 1);
		assert_int_equal(tdshm_sender_resize(sender, size, INFO_WAIT, &err), TDSHM_OK);
		const char *now = tdshm_sender_data_name(sender);
		const char *postfix = now + strlen(n.data);
		assert_int_equal(strlen(postfix), TDSHM_POSTFIX_LEN);
		/* As TD on Windows writes it: one UTF-16LE unit per letter at
		 * @10, then a NUL unit. */
		const uint8_t *block = tdshm_shm_bytes(info);
		for (size_t i = 0; i < TDSHM_POSTFIX_LEN; i++) {
			assert_int_equal(block[10 + 2 * i], (uint8_t)postfix[i]);
			assert_int_equal(block[11 + 2 * i], 0);
		}
		assert_int_equal(block[10 + 2 * TDSHM_POSTFIX_LEN], 0);
		assert_int_equal(block[11 + 2 * TDSHM_POSTFIX_LEN], 0);

		tdshm_test_write_frame(sender, 10 + round);
		size_t got = 0;
		assert_int_equal(
		    tdshm_test_read_frame(receiver, 1000, 10 + round, size, &got, &err), TDSHM_OK);
		assert_true(got >= size && got < size + 65536);
		assert_string_equal(tdshm_receiver_data_name(receiver), now);
		/* Neither side still holds the old segment: it is gone. */
		assert_false(tdshm_test_shm_exists(previous));
		assert_true(tdshm_test_shm_exists(now));
		snprintf(previous, sizeof(previous), "%s", now);
	}
	assert_int_equal(tdshm_receiver_connections(receiver), 1);
	tdshm_shm_close(info);
	tdshm_test_stop_connected(sender, receiver);
	assert_false(tdshm_test_shm_exists(previous));
	assert_false(tdshm_test_shm_exists(n.info));
}

static void test_detach_makes_receiver_drop_every_handle(void **state)
{
	(void)state;
	tdshm_test_names n;
	tdshm_test_names_make(&n, "wsrdetach");
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_test_start_connected(n.user, 128, 128, &sender, &receiver);
	tdshm_error err;

	tdshm_test_destroy_sender_watching_detach(sender, n.info, 74 /* Windows layout */,
						  INFO_WAIT);
	/* The receiver still holds its handles until it looks again. */
	assert_true(tdshm_test_shm_exists(n.info));

	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err), TDSHM_GONE);
	print_message("after detach: %s\n", err.message);
	assert_false(tdshm_receiver_connected(receiver));
	/* Every handle dropped: the mappings are gone, and the name is free
	 * for a new sender at once. */
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));
	tdshm_sender *again = NULL;
	assert_int_equal(tdshm_sender_create(n.user, 128, INFO_WAIT, &again, &err), TDSHM_OK);
	tdshm_test_write_frame(again, 2);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 2, 128, NULL, &err), TDSHM_OK);
	assert_int_equal(tdshm_receiver_connections(receiver), 2);
	tdshm_receiver_destroy(receiver);
	tdshm_sender_destroy(again, INFO_WAIT);
}

/* TouchDesigner's own sender writes no extension and, when it stops,
 * simply closes its handles. Our receiver must not keep its mappings alive
 * (TD would refuse to start again on that name): it re-opens every liveness
 * interval, and so lets them vanish. */
static void test_receiver_lets_a_td_senders_mappings_vanish(void **state)
{
	(void)state;
	tdshm_test_names n;
	tdshm_test_names_make(&n, "wsrtdlike");
	tdshm_shm *info = NULL, *data = NULL;
	tdshm_error err;
	info = tdshm_test_td_info_create(n.info, TDSHM_INFO_LAYOUT_WINDOWS);
	assert_int_equal(tdshm_shm_create(n.data, 32, true, &data, &err), TDSHM_OK);
	for (size_t i = 0; i < 32; i++)
		tdshm_shm_bytes(data)[i] = tdshm_test_frame_byte(9, i);

	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 100);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 9, 32, NULL, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_bytes(info)[8], 1);
	uint64_t serial;
	assert_false(tdshm_receiver_frame_serial(receiver, &serial));

	/* TD stops: closes its handles, nothing else. */
	tdshm_shm_close(info);
	tdshm_shm_close(data);
	uint64_t took = 0;
	tdshm_status status = read_until_lost(receiver, &took, &err);
	print_message("TD-like sender closed: receiver said '%s' after %llu ms (liveness 100 ms)\n",
		      tdshm_status_name(status), (unsigned long long)took);
	assert_true(status == TDSHM_GONE || status == TDSHM_NOT_FOUND);
	assert_true(took < 1000);
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));

	/* So the "restarted TD" can create its segments exclusively again. */
	assert_int_equal(tdshm_shm_create(n.info, TDSHM_INFO_SIZE_WINDOWS, true, &info, &err),
			 TDSHM_OK);
	tdshm_shm_close(info);
	tdshm_receiver_destroy(receiver);
}

/* ---- a sender in another process ------------------------------------------ */

/* Child mode: a sender that writes frame 1, then a new frame every 10 ms,
 * until killed. */
static int child_sender(const char *user)
{
	tdshm_sender *sender = NULL;
	tdshm_error err;
	if (tdshm_sender_create(user, 300000, INFO_WAIT, &sender, &err) != TDSHM_OK) {
		fprintf(stderr, "child sender: %s\n", err.message);
		return 2;
	}
	for (unsigned frame = 1;; frame++) {
		uint8_t *bytes;
		size_t size;
		if (tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err) == TDSHM_OK) {
			/* Frame 1 is the pattern the parent checks; later ones
			 * keep it and only bump the serial. */
			if (frame == 1)
				for (size_t i = 0; i < size; i++)
					bytes[i] = tdshm_test_frame_byte(1, i);
			tdshm_sender_end_write(sender);
		}
		tdshm_sleep_ms(10);
	}
}

static void test_killed_sender_process_is_seen_gone_and_name_reusable(void **state)
{
	(void)state;
	tdshm_test_names n;
	tdshm_test_names_make(&n, "wsrkilled");
	wchar_t self[MAX_PATH];
	DWORD len = GetModuleFileNameW(NULL, self, MAX_PATH);
	assert_true(len > 0 && len < MAX_PATH);
	wchar_t command[1024];
	swprintf(command, 1024, L"\"%ls\" --child-sender %hs", self, n.user);
	STARTUPINFOW startup = {.cb = sizeof(startup)};
	PROCESS_INFORMATION child;
	assert_true(
	    CreateProcessW(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child));

	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 200);
	tdshm_error err;
	assert_int_equal(tdshm_test_read_frame(receiver, CHILD_WAIT_MS, 1, 300000, NULL, &err),
			 TDSHM_OK);
	/* Frames keep coming, with the child's serial. */
	uint64_t first = 0, later = 0;
	assert_true(tdshm_receiver_frame_serial(receiver, &first));
	tdshm_sleep_ms(100);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 1, 300000, NULL, &err), TDSHM_OK);
	assert_true(tdshm_receiver_frame_serial(receiver, &later));
	print_message("serials from the child: %llu then %llu 100 ms later\n",
		      (unsigned long long)first, (unsigned long long)later);
	assert_true(later > first);

	/* Killed mid-run: no detach is ever written. */
	assert_true(TerminateProcess(child.hProcess, 9));
	assert_int_equal(WaitForSingleObject(child.hProcess, CHILD_WAIT_MS), WAIT_OBJECT_0);
	CloseHandle(child.hProcess);
	CloseHandle(child.hThread);

	uint64_t took = 0;
	tdshm_status status = read_until_lost(receiver, &took, &err);
	print_message("killed sender: receiver said '%s' after %llu ms (liveness 200 ms): %s\n",
		      tdshm_status_name(status), (unsigned long long)took, err.message);
	assert_int_equal(status, TDSHM_GONE);
	assert_true(took < 1500);
	/* The receiver let go, so the dead sender's mappings are gone and a
	 * new sender takes the name. */
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));
	tdshm_sender *again = NULL;
	assert_int_equal(tdshm_sender_create(n.user, 4096, INFO_WAIT, &again, &err), TDSHM_OK);
	tdshm_test_write_frame(again, 5);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 5, 4096, NULL, &err), TDSHM_OK);
	tdshm_receiver_destroy(receiver);
	tdshm_sender_destroy(again, INFO_WAIT);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child-sender") == 0)
		return child_sender(argv[2]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_info_block_is_tds_windows_layout),
	    cmocka_unit_test(test_postfix_is_utf16_and_receiver_follows_it),
	    cmocka_unit_test(test_detach_makes_receiver_drop_every_handle),
	    cmocka_unit_test(test_receiver_lets_a_td_senders_mappings_vanish),
	    cmocka_unit_test(test_killed_sender_process_is_seen_gone_and_name_reusable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
