/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sender and receiver roles (docs/protocol.md §2) on real segments, in one
 * process and across fork(): info block, supported, bytes, resizes with and
 * without a receiver, detach, names taken, senders that crash. Every test runs
 * twice: with Linux's own name limit and with macOS's 31 characters
 * (TDSHM_POSIX_NAME_MAX), where the name directory carries the long names. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roles_support.h"
#include "test_env_posix.h"
#include "test_support.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"

#define INFO_WAIT TDSHM_INFO_LOCK_TIMEOUT_MS

/* Locks are never removed by the library (TouchDesigner may hold them): a
 * test removes its own. Everything else must already be gone. */
static void names_cleanup(const tdshm_test_names *n)
{
	tdshm_error err;
	if (tdshm_shm_remove(n->data_lock, &err) != TDSHM_OK)
		fail_msg("data lock: %s", err.message);
	if (tdshm_shm_remove(n->info_lock, &err) != TDSHM_OK)
		fail_msg("info lock: %s", err.message);
}

static tdshm_info info_now(const tdshm_test_names *n)
{
	tdshm_shm *info_shm = NULL;
	tdshm_error err;
	if (tdshm_shm_open(n->info, &info_shm, &err) != TDSHM_OK)
		fail_msg("info: %s", err.message);
	tdshm_info info;
	if (tdshm_info_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm),
			    TDSHM_INFO_LAYOUT_POSIX, &info, &err) != TDSHM_OK)
		fail_msg("info block: %s", err.message);
	tdshm_shm_close(info_shm);
	return info;
}

/* ---- in one process ----------------------------------------------------- */

static void test_sender_writes_info_block_receiver_sets_supported(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srinfo");
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 256, INFO_WAIT);
	assert_string_equal(tdshm_sender_data_name(sender), n.data);

	/* The block is TD's POSIX layout: the vector with supported and the
	 * postfix cleared. The extension sits after it. */
	size_t vector_size = 0;
	uint8_t *vector = tdshm_test_read_vector("info_posix.bin", &vector_size);
	assert_non_null(vector);
	assert_int_equal(vector_size, TDSHM_INFO_SIZE_POSIX);
	vector[8] = 0;
	memset(vector + 9, 0, 32);
	tdshm_shm *info_shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_open(n.info, &info_shm, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_size(info_shm), TDSHM_INFO_SEGMENT_SIZE);
	assert_memory_equal(tdshm_shm_bytes(info_shm), vector, vector_size);
	tdshm_info_ext ext;
	assert_true(tdshm_info_ext_read(tdshm_shm_bytes(info_shm), tdshm_shm_size(info_shm), &ext));
	assert_int_equal(ext.pid, tdshm_process_id());
	assert_false(tdshm_sender_receiver_attached(sender));

	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	tdshm_test_write_frame(sender, 1);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 1, 0, NULL, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_bytes(info_shm)[8], 1);
	assert_true(tdshm_sender_receiver_attached(sender));
	assert_true(tdshm_receiver_connected(receiver));
	assert_string_equal(tdshm_receiver_data_name(receiver), n.data);
	tdshm_shm_close(info_shm);
	free(vector);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

static void test_receiver_reads_each_frame_with_its_serial(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srbytes");
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 4000, INFO_WAIT);
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	tdshm_error err;
	for (unsigned frame = 1; frame <= 5; frame++) {
		tdshm_test_write_frame(sender, frame);
		size_t size = 0;
		assert_int_equal(tdshm_test_read_frame(receiver, 1000, frame, 0, &size, &err),
				 TDSHM_OK);
		assert_int_equal(size, 4000);
		uint64_t serial = 0;
		assert_true(tdshm_receiver_frame_serial(receiver, &serial));
		assert_int_equal(serial, frame);
	}
	assert_int_equal(tdshm_sender_frames_written(sender), 5);
	assert_int_equal(tdshm_receiver_connections(receiver), 1);

	/* Figures, not a pass mark: what a connected read costs in locking
	 * (info lock for detach and postfix, then the data lock). */
	enum { ROUNDS = 2000 };
	uint64_t start = tdshm_clock_ns();
	for (int i = 0; i < ROUNDS; i++) {
		const uint8_t *bytes;
		size_t size;
		assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err),
				 TDSHM_OK);
		tdshm_receiver_end_read(receiver);
	}
	uint64_t read_ns = (tdshm_clock_ns() - start) / ROUNDS;
	start = tdshm_clock_ns();
	for (int i = 0; i < ROUNDS; i++) {
		uint8_t *bytes;
		size_t size;
		assert_int_equal(tdshm_sender_begin_write(sender, 100, &bytes, &size, &err),
				 TDSHM_OK);
		tdshm_sender_end_write(sender);
	}
	uint64_t write_ns = (tdshm_clock_ns() - start) / ROUNDS;
	printf("locking per frame: receiver begin+end_read %llu ns, sender begin+end_write %llu "
	       "ns\n",
	       (unsigned long long)read_ns, (unsigned long long)write_ns);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

static void test_receiver_follows_postfix_on_resize(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srpostfix");
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_test_start_connected(n.user, 64, 0, &sender, &receiver);
	tdshm_error err;

	char previous[TDSHM_FULL_NAME_CAP];
	snprintf(previous, sizeof(previous), "%s", n.data);
	/* Grow twice, then shrink: the receiver follows each new name and
	 * never maps more than the segment it opened holds. */
	static const size_t sizes[] = {8192, 16384, 512};
	for (int round = 0; round < 3; round++) {
		size_t size = sizes[round];
		assert_int_equal(tdshm_sender_resize(sender, size, INFO_WAIT, &err), TDSHM_OK);
		const char *now = tdshm_sender_data_name(sender);
		/* TouchSHM + N + 31 letters a-z, stored in the info block. */
		size_t base = strlen(n.data);
		assert_int_equal(strlen(now), base + TDSHM_POSTFIX_LEN);
		assert_memory_equal(now, n.data, base);
		for (size_t i = base; i < strlen(now); i++)
			assert_true(now[i] >= 'a' && now[i] <= 'z');
		assert_string_not_equal(now, previous);
		tdshm_info info = info_now(&n);
		assert_string_equal(info.postfix, now + base);
		assert_false(tdshm_test_shm_exists(previous));
		assert_true(tdshm_test_shm_exists(now));

		tdshm_test_write_frame(sender, 10 + round);
		size_t got = 0;
		assert_int_equal(tdshm_test_read_frame(receiver, 1000, 10 + round, 0, &got, &err),
				 TDSHM_OK);
		assert_int_equal(got, size);
		assert_string_equal(tdshm_receiver_data_name(receiver), now);
		snprintf(previous, sizeof(previous), "%s", now);
	}
	assert_int_equal(tdshm_receiver_connections(receiver), 1);
	tdshm_test_stop_connected(sender, receiver);
	assert_false(tdshm_test_shm_exists(previous));
	names_cleanup(&n);
}

/* The sender resizes between the receiver's refresh and its read: the
 * bytes mapped are still the old segment's, so the serial (which already
 * counts the frame written into the new one) must not be claimed for them;
 * a whole begin_read follows the move and reads the new frame with its
 * serial. */
static void test_serial_is_not_claimed_for_a_segment_the_sender_left(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srmoved");
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_test_start_connected(n.user, 4096, 0, &sender, &receiver);
	tdshm_error err;
	tdshm_test_write_frame(sender, 5);
	size_t got = 0;
	uint64_t serial_of_5 = 0, serial = 0;
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 5, 0, &got, &err), TDSHM_OK);
	assert_true(tdshm_receiver_frame_serial(receiver, &serial_of_5));

	assert_int_equal(tdshm_receiver_refresh(receiver, &err), TDSHM_OK);
	assert_int_equal(tdshm_sender_resize(sender, 8192, INFO_WAIT, &err), TDSHM_OK);
	tdshm_test_write_frame(sender, 6);
	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read_connected(receiver, 1000, &bytes, &size, &err),
			 TDSHM_OK);
	assert_int_equal(size, 4096); /* the old segment, frame 5 in it */
	assert_true(tdshm_test_frame_holds(bytes, size, 5));
	assert_false(tdshm_receiver_frame_serial(receiver, &serial));
	tdshm_receiver_end_read(receiver);

	assert_int_equal(tdshm_receiver_begin_read(receiver, 1000, &bytes, &size, &err), TDSHM_OK);
	assert_int_equal(size, 8192);
	assert_true(tdshm_receiver_frame_serial(receiver, &serial));
	assert_int_equal(serial, serial_of_5 + 1);
	assert_true(tdshm_test_frame_holds(bytes, size, 6));
	tdshm_receiver_end_read(receiver);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

static void test_resize_without_receiver_recreates_same_name(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srsame");
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 100, INFO_WAIT);
	tdshm_error err;
	assert_int_equal(tdshm_sender_resize(sender, 5000, INFO_WAIT, &err), TDSHM_OK);
	assert_string_equal(tdshm_sender_data_name(sender), n.data);
	assert_int_equal(tdshm_sender_data_size(sender), 5000);
	tdshm_shm *data = NULL;
	assert_int_equal(tdshm_shm_open(n.data, &data, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_size(data), 5000);
	assert_string_equal(info_now(&n).postfix, "");

	/* Shrinking while a reader that never says `supported` (an old
	 * TouchDesigner) still maps 5000 bytes: the object it maps is replaced,
	 * never truncated, so every byte it maps stays readable (no SIGBUS). */
	tdshm_test_write_frame(sender, 2);
	assert_int_equal(tdshm_sender_resize(sender, 100, INFO_WAIT, &err), TDSHM_OK);
	assert_int_equal(tdshm_sender_data_size(sender), 100);
	assert_true(tdshm_test_frame_holds(tdshm_shm_bytes(data), 5000, 2));
	tdshm_shm_close(data);
	assert_int_equal(tdshm_shm_open(n.data, &data, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_size(data), 100);
	tdshm_shm_close(data);
	assert_int_equal(tdshm_sender_resize(sender, 5000, INFO_WAIT, &err), TDSHM_OK);

	/* A receiver arriving afterwards reads the new segment. */
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	tdshm_test_write_frame(sender, 3);
	size_t got = 0;
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 3, 0, &got, &err), TDSHM_OK);
	assert_int_equal(got, 5000);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

static void test_destroy_sets_detach_and_removes_segments(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srdestroy");
	tdshm_sender *sender;
	tdshm_receiver *receiver;
	tdshm_test_start_connected(n.user, 128, 0, &sender, &receiver);
	tdshm_error err;
	tdshm_test_destroy_sender_watching_detach(sender, n.info, 41 /* POSIX layout */, INFO_WAIT);
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));

	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err), TDSHM_GONE);
	assert_non_null(strstr(err.message, n.user));
	assert_false(tdshm_receiver_connected(receiver));
	assert_string_equal(tdshm_receiver_data_name(receiver), "");
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err),
			 TDSHM_NOT_FOUND);
	tdshm_receiver_destroy(receiver);
	names_cleanup(&n);
}

static void test_second_sender_with_same_name_is_refused(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srtwice");
	tdshm_sender *first = tdshm_test_sender_new(n.user, 64, INFO_WAIT);
	tdshm_sender *second = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_sender_create(n.user, 64, INFO_WAIT, &second, &err), TDSHM_EXISTS);
	assert_null(second);
	char pid[32];
	snprintf(pid, sizeof(pid), "pid %u", tdshm_process_id());
	assert_non_null(strstr(err.message, "already used by another sender"));
	assert_non_null(strstr(err.message, pid));
	/* The refused sender left the first one whole. */
	assert_true(tdshm_test_shm_exists(n.info));
	assert_true(tdshm_test_shm_exists(n.data));
	tdshm_sender_destroy(first, INFO_WAIT);
	names_cleanup(&n);
}

static void test_receiver_before_sender_finds_it_at_next_retry(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srearly");
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 150, 500);
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err),
			 TDSHM_NOT_FOUND);
	assert_non_null(strstr(err.message, n.user));
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 64, INFO_WAIT);
	tdshm_test_write_frame(sender, 4);
	/* Within the retry interval it does not look again, though the sender
	 * is there now: an instant miss that repeats the last reason. */
	uint64_t start = tdshm_clock_ms();
	memset(&err, 0, sizeof(err));
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err),
			 TDSHM_NOT_FOUND);
	assert_in_range(tdshm_clock_ms() - start, 0, 50);
	assert_non_null(strstr(err.message, "no sender named"));
	tdshm_sleep_ms(160);
	assert_int_equal(tdshm_test_read_frame(receiver, 0, 4, 0, NULL, &err), TDSHM_OK);
	assert_int_equal(tdshm_receiver_connections(receiver), 1);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

static void test_receiver_refuses_foreign_info_block(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srforeign");
	tdshm_shm *info = NULL, *data = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(n.info, 64, true, &info, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_create(n.data, 64, true, &data, &err), TDSHM_OK);
	memset(tdshm_shm_bytes(info), 0x41, 64);
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err),
			 TDSHM_REFUSED);
	assert_non_null(strstr(err.message, "magic"));
	assert_false(tdshm_receiver_connected(receiver));
	/* It never wrote `supported` into someone else's memory. */
	assert_int_equal(tdshm_shm_bytes(info)[8], 0x41);
	tdshm_receiver_destroy(receiver);
	tdshm_shm_close_and_remove(info);
	tdshm_shm_close_and_remove(data);
	names_cleanup(&n);
}

/* A sender like TouchDesigner's, without this project's extension: the
 * receiver re-opens every liveness interval and notices the segments gone. */
static void test_receiver_notices_vanished_sender_without_extension(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srtdlike");
	tdshm_shm *info = NULL, *data = NULL;
	tdshm_error err;
	info = tdshm_test_td_info_create(n.info, TDSHM_INFO_LAYOUT_POSIX);
	assert_int_equal(tdshm_shm_create(n.data, 32, true, &data, &err), TDSHM_OK);
	tdshm_test_frame_fill(tdshm_shm_bytes(data), 32, 9);

	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 100);
	uint64_t start = tdshm_clock_ms();
	while (tdshm_clock_ms() - start < 350)
		assert_int_equal(tdshm_test_read_frame(receiver, 0, 9, 0, NULL, &err), TDSHM_OK);
	/* Re-opened several times, still one connection and no serial. */
	assert_int_equal(tdshm_receiver_connections(receiver), 1);
	uint64_t serial;
	assert_false(tdshm_receiver_frame_serial(receiver, &serial));
	assert_int_equal(tdshm_shm_bytes(info)[8], 1);

	tdshm_shm_close_and_remove(info);
	tdshm_shm_close_and_remove(data);
	start = tdshm_clock_ms();
	tdshm_status status;
	do {
		const uint8_t *bytes;
		size_t size;
		status = tdshm_receiver_begin_read(receiver, 10, &bytes, &size, &err);
		if (status == TDSHM_OK)
			tdshm_receiver_end_read(receiver);
		tdshm_sleep_ms(5);
	} while (status == TDSHM_OK && tdshm_clock_ms() - start < 1000);
	assert_int_equal(status, TDSHM_GONE);
	assert_in_range(tdshm_clock_ms() - start, 0, 400);
	tdshm_receiver_destroy(receiver);
	names_cleanup(&n);
}

/* An info segment someone else wrote (TouchDesigner's has no extension) is
 * never taken over; one left unwritten by a sender that died between
 * creating and writing it is. */
static void test_sender_respects_touchdesigner_but_replaces_unwritten_info(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srforeigninfo");
	tdshm_shm *info = NULL;
	tdshm_error err;
	info = tdshm_test_td_info_create(n.info, TDSHM_INFO_LAYOUT_POSIX);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(n.user, 64, INFO_WAIT, &sender, &err), TDSHM_EXISTS);
	assert_non_null(strstr(err.message, "TouchDesigner or another program"));
	assert_true(tdshm_test_shm_exists(n.info));

	/* Now an unwritten block: taken over after a short look. */
	memset(tdshm_shm_bytes(info), 0, tdshm_shm_size(info));
	uint64_t start = tdshm_clock_ms();
	sender = tdshm_test_sender_new(n.user, 64, INFO_WAIT);
	assert_in_range(tdshm_clock_ms() - start, 50, 1000);
	assert_int_equal(info_now(&n).magic, TDSHM_INFO_MAGIC);
	tdshm_shm_close(info); /* the old mapping; its name was taken over */
	tdshm_sender_destroy(sender, INFO_WAIT);
	assert_false(tdshm_test_shm_exists(n.info));
	names_cleanup(&n);
}

/* ---- across processes --------------------------------------------------- */

/* Starts a child that creates a sender, writes frame 1 and, if in_write,
 * keeps the data lock; it reports over a pipe, then waits to be killed. */
static pid_t spawn_sender(const char *user, size_t size, bool in_write)
{
	int ready;
	pid_t child = tdshm_test_fork_with_pipe(&ready);
	if (child == 0) {
		tdshm_sender *sender = NULL;
		tdshm_error err;
		if (tdshm_sender_create(user, size, INFO_WAIT, &sender, &err) != TDSHM_OK)
			_exit(2);
		uint8_t *bytes;
		size_t got;
		if (tdshm_sender_begin_write(sender, 1000, &bytes, &got, &err) != TDSHM_OK)
			_exit(3);
		tdshm_test_frame_fill(bytes, got, 1);
		if (!in_write)
			tdshm_sender_end_write(sender);
		if (write(ready, "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	tdshm_test_wait_ready(ready);
	return child;
}

static void kill_child(pid_t child)
{
	int wstatus;
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &wstatus, 0), child);
}

static void test_receiver_sees_killed_sender_gone_within_a_second(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srkilled");
	pid_t child = spawn_sender(n.user, 512, false);
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	tdshm_error err;
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 1, 0, NULL, &err), TDSHM_OK);
	kill_child(child);
	uint64_t start = tdshm_clock_ms();
	tdshm_status status;
	do {
		const uint8_t *bytes;
		size_t size;
		status = tdshm_receiver_begin_read(receiver, 10, &bytes, &size, &err);
		if (status == TDSHM_OK)
			tdshm_receiver_end_read(receiver);
		tdshm_sleep_ms(10);
	} while (status == TDSHM_OK && tdshm_clock_ms() - start < 2000);
	uint64_t took = tdshm_clock_ms() - start;
	printf("receiver saw the killed sender gone after %llu ms: %s\n", (unsigned long long)took,
	       err.message);
	assert_int_equal(status, TDSHM_GONE);
	assert_in_range(took, 0, 1000);
	assert_non_null(strstr(err.message, "died"));
	/* Its leftovers do not look like a sender. */
	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 10, &bytes, &size, &err),
			 TDSHM_NOT_FOUND);
	tdshm_receiver_destroy(receiver);

	/* A new sender takes the crashed one's name over. */
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 64, INFO_WAIT);
	tdshm_sender_destroy(sender, INFO_WAIT);
	assert_false(tdshm_test_shm_exists(n.info));
	assert_false(tdshm_test_shm_exists(n.data));
	names_cleanup(&n);
}

/* Killed in the middle of a write, holding the data lock: the next sender
 * takes the name over and reclaims the dead holder's lock, so its first
 * write goes through at once; a receiver then reads its frames. */
static void test_new_sender_takes_over_crashed_senders_lock(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srtakeover");
	pid_t child = spawn_sender(n.user, 256, true);
	kill_child(child);
	tdshm_lock *data_lock = NULL;
	tdshm_error err;
	bool held = false;
	assert_int_equal(tdshm_lock_open(n.data_lock, &data_lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_is_held(data_lock, &held, &err), TDSHM_OK);
	assert_true(held);
	tdshm_sender *sender = tdshm_test_sender_new(n.user, 256, INFO_WAIT);
	assert_int_equal(tdshm_lock_is_held(data_lock, &held, &err), TDSHM_OK);
	assert_false(held);
	tdshm_lock_close(data_lock);
	uint8_t *bytes;
	size_t size;
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_sender_begin_write(sender, 100, &bytes, &size, &err), TDSHM_OK);
	assert_in_range(tdshm_clock_ms() - start, 0, 60);
	tdshm_sender_end_write(sender);
	tdshm_test_write_frame(sender, 6);
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	assert_int_equal(tdshm_test_read_frame(receiver, 1000, 6, 0, NULL, &err), TDSHM_OK);
	tdshm_test_stop_connected(sender, receiver);
	names_cleanup(&n);
}

/* One byte from fd within 10 s (a child must never wait for ever). */
static bool wait_for_byte(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;
	return poll(&p, 1, 10000) == 1 && read(fd, &c, 1) == 1;
}

/* The child sends 200 frames, growing the segment every 50 with the
 * receiver attached; the parent checks that every frame it reads is whole
 * (never torn: written under the lock) and that it followed each resize. */
static void test_sender_and_receiver_in_two_processes(void **state)
{
	tdshm_test_names n;
	tdshm_test_names_make(&n, "srfork");
	tdshm_receiver *receiver = tdshm_test_receiver_new(n.user, 0, 500);
	int go[2], ack[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ack), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(go[1]);
		close(ack[1]);
		tdshm_sender *sender = NULL;
		tdshm_error err;
		if (tdshm_sender_create(n.user, 1000, INFO_WAIT, &sender, &err) != TDSHM_OK)
			_exit(2);
		/* Wait for the receiver to attach so resizes use postfixes. */
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		for (unsigned frame = 1; frame <= 200; frame++) {
			/* Before each resize, wait until the reader has seen the
			 * frame before it, so that it meets every size. */
			if (frame % 50 == 0 && !wait_for_byte(ack[0]))
				_exit(6);
			if (frame % 50 == 0 && tdshm_sender_resize(sender, 1000 + frame * 100,
								   INFO_WAIT, &err) != TDSHM_OK)
				_exit(4);
			uint8_t *bytes;
			size_t size;
			if (tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err) != TDSHM_OK)
				_exit(5);
			tdshm_test_frame_fill(bytes, size, frame);
			tdshm_sender_end_write(sender);
			tdshm_sleep_ms(2);
		}
		/* The reader says when it has the last frame. */
		if (!wait_for_byte(ack[0]))
			_exit(7);
		tdshm_sender_destroy(sender, INFO_WAIT);
		_exit(0);
	}
	close(go[0]);
	close(ack[0]);
	tdshm_error err;
	const uint8_t *bytes;
	size_t size;
	tdshm_status status;
	uint64_t deadline = tdshm_clock_ms() + 2000;
	do {
		status = tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err);
		tdshm_sleep_ms(2);
	} while (status == TDSHM_NOT_FOUND && tdshm_clock_ms() < deadline);
	assert_int_equal(status, TDSHM_OK);
	tdshm_receiver_end_read(receiver);
	assert_int_equal(write(go[1], "g", 1), 1);

	unsigned reads = 0, torn = 0, blank = 0, sizes_seen = 0;
	size_t last_size = 0;
	uint64_t last_serial = 0;
	deadline = tdshm_clock_ms() + 10000;
	for (;;) {
		status = tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err);
		if (status == TDSHM_GONE || tdshm_clock_ms() > deadline)
			break;
		if (status != TDSHM_OK)
			continue;
		uint64_t serial = 0;
		assert_true(tdshm_receiver_frame_serial(receiver, &serial));
		/* Right after a resize the new segment holds nothing yet (all
		 * zero) while the serial still names the last frame. */
		bool unwritten = true;
		for (size_t i = 0; i < size && unwritten; i++)
			unwritten = bytes[i] == 0;
		if (serial > 0 && unwritten)
			blank++;
		if (serial > 0 && !unwritten) {
			reads++;
			if (!tdshm_test_frame_holds(bytes, size, (unsigned)serial))
				torn++;
			assert_true(serial >= last_serial);
			if (size != last_size)
				sizes_seen++;
			last_size = size;
			/* Frames 49, 99, 149 come before a resize, 200 is the
			 * last: the sender waits for word of each. */
			if (serial != last_serial && (serial % 50 == 49 || serial == 200))
				assert_int_equal(write(ack[1], "a", 1), 1);
			last_serial = serial;
		}
		tdshm_receiver_end_read(receiver);
		tdshm_sleep_ms(1);
	}
	printf("read %u frames up to serial %llu across %u sizes, %u torn, %u blank after a "
	       "resize\n",
	       reads, (unsigned long long)last_serial, sizes_seen, torn, blank);
	assert_int_equal(status, TDSHM_GONE);
	assert_int_equal(torn, 0);
	assert_in_range(blank, 0, 4 * 10); /* only between a resize and its frame */
	assert_int_equal(last_serial, 200);
	assert_int_equal(last_size, 1000 + 200 * 100);
	assert_int_equal(sizes_seen, 5); /* 1000, then 4 resizes */
	tdshm_test_wait_exit_ok(child);
	close(go[1]);
	close(ack[1]);
	tdshm_receiver_destroy(receiver);
	assert_false(tdshm_test_shm_exists(n.info));
	names_cleanup(&n);
}

static int use_system_limit(void **state)
{
	unsetenv("TDSHM_POSIX_NAME_MAX");
	return 0;
}

/* macOS's limit, with a name directory of this process's own (see
 * posix/internal.h) that is removed afterwards. */
static char directory_stem[16];

static void directory_file(char *out, size_t cap, const char *what)
{
	snprintf(out, cap, "/dev/shm/%s%s", directory_stem, what);
}

static int use_macos_limit(void **state)
{
	char path[64];
	snprintf(directory_stem, sizeof(directory_stem), "TDs%u", tdshm_process_id());
	directory_file(path, sizeof(path), "Directory");
	unlink(path);
	setenv("TDSHM_POSIX_NAME_DIRECTORY", directory_stem, 1);
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	return 0;
}

static int remove_own_directory(void **state)
{
	char path[64];
	directory_file(path, sizeof(path), "Directory");
	unlink(path);
	directory_file(path, sizeof(path), "Lock");
	unlink(path);
	unsetenv("TDSHM_POSIX_NAME_DIRECTORY");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sender_writes_info_block_receiver_sets_supported),
	    cmocka_unit_test(test_receiver_reads_each_frame_with_its_serial),
	    cmocka_unit_test(test_receiver_follows_postfix_on_resize),
	    cmocka_unit_test(test_serial_is_not_claimed_for_a_segment_the_sender_left),
	    cmocka_unit_test(test_resize_without_receiver_recreates_same_name),
	    cmocka_unit_test(test_destroy_sets_detach_and_removes_segments),
	    cmocka_unit_test(test_second_sender_with_same_name_is_refused),
	    cmocka_unit_test(test_receiver_before_sender_finds_it_at_next_retry),
	    cmocka_unit_test(test_receiver_refuses_foreign_info_block),
	    cmocka_unit_test(test_sender_respects_touchdesigner_but_replaces_unwritten_info),
	    cmocka_unit_test(test_receiver_notices_vanished_sender_without_extension),
	    cmocka_unit_test(test_receiver_sees_killed_sender_gone_within_a_second),
	    cmocka_unit_test(test_new_sender_takes_over_crashed_senders_lock),
	    cmocka_unit_test(test_sender_and_receiver_in_two_processes),
	};
	int failed =
	    cmocka_run_group_tests_name("system name limit", tests, use_system_limit, NULL);
	failed += cmocka_run_group_tests_name("macOS name limit (name directory)", tests,
					      use_macos_limit, remove_own_directory);
	return failed;
}
