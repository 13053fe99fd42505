/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Segments that another process shrinks (ftruncate to 0, and back) under a
 * mapping: info, data and lock objects under the receiver, a CHOP segment
 * under the CHOP reader, a data segment under the sender, and the tool's
 * receive, chop-receive and info while a peer keeps truncating. Reading a
 * lost page raised SIGBUS and killed the reader; now every case ends in a
 * clear status ("shrank", sender gone) and the reader carries on. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"
#include "tdshm/chop.h"
#include "tdshm/chop_reader.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"
#include "tdshm/top.h"
#include "tdshm/top_reader.h"
#include "tdshm/top_writer.h"
#include "roles_support.h"

#define DATA_SIZE (256 * 1024)

/* ftruncate an object by its full (short) name, as a hostile peer would. */
static off_t truncate_object(const char *full_name, off_t size)
{
	int fd = shm_open(full_name, O_RDWR, 0);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	return st.st_size;
}

/* Reads every byte, as a copy out of the segment does. */
static uint64_t touch_all(const uint8_t *bytes, size_t size)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < size; i += 64)
		sum += ((const volatile uint8_t *)bytes)[i];
	return sum;
}

typedef struct pair {
	char user[128];
	char data[256], info[256], data_lock[256], info_lock[256];
	tdshm_sender *sender;
	tdshm_receiver *receiver;
} pair;

static void write_frame(pair *p, uint8_t value)
{
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	tdshm_status status = tdshm_sender_begin_write(p->sender, 100, &bytes, &size, &err);
	if (status != TDSHM_OK)
		fail_msg("begin_write: %s", err.message);
	memset(bytes, value, size);
	tdshm_sender_end_write(p->sender);
}

static void pair_open(pair *p)
{
	memset(p, 0, sizeof(*p));
	tdshm_test_unique_name(p->user, sizeof(p->user), "trunc");
	tdshm_error err;
	assert_int_equal(tdshm_name_data(p->user, "", p->data, sizeof(p->data), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_info(p->user, p->info, sizeof(p->info), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_data_lock(p->user, p->data_lock, sizeof(p->data_lock), &err),
			 TDSHM_OK);
	assert_int_equal(tdshm_name_info_lock(p->user, p->info_lock, sizeof(p->info_lock), &err),
			 TDSHM_OK);
	if (tdshm_sender_create(p->user, DATA_SIZE, 1000, &p->sender, &err) != TDSHM_OK)
		fail_msg("sender: %s", err.message);
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 0;
	options.info_timeout_ms = 100;
	assert_int_equal(tdshm_receiver_create(p->user, &options, &p->receiver, &err), TDSHM_OK);
	write_frame(p, 0x11);
}

static void pair_close(pair *p)
{
	tdshm_receiver_destroy(p->receiver);
	tdshm_sender_destroy(p->sender, 100);
}

/* begin_read until OK (a reconnect may take a call or two). */
static void read_ok(pair *p, uint8_t expect)
{
	tdshm_error err;
	const uint8_t *bytes;
	size_t size;
	tdshm_status status = TDSHM_NOT_FOUND;
	for (int i = 0; i < 20 && status != TDSHM_OK; i++) {
		status = tdshm_receiver_begin_read(p->receiver, 100, &bytes, &size, &err);
		if (status != TDSHM_OK)
			tdshm_sleep_ms(5);
	}
	if (status != TDSHM_OK)
		fail_msg("the receiver did not come back: %s", err.message);
	assert_true(size >= DATA_SIZE);
	assert_int_equal(bytes[DATA_SIZE - 1], expect);
	assert_int_equal(tdshm_receiver_check_intact(p->receiver, &err), TDSHM_OK);
	tdshm_receiver_end_read(p->receiver);
}

/* The data segment shrinks while the receiver is copying it. */
static void test_receiver_refuses_data_truncated_during_the_read(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	for (int round = 0; round < 5; round++) {
		const uint8_t *bytes;
		size_t size;
		tdshm_error err;
		assert_int_equal(tdshm_receiver_begin_read(p.receiver, 100, &bytes, &size, &err),
				 TDSHM_OK);
		off_t was = truncate_object(p.data, 0);
		touch_all(bytes, size); /* SIGBUS here, before */
		truncate_object(p.data, was);
		tdshm_status status = tdshm_receiver_check_intact(p.receiver, &err);
		printf("data truncated during a read: %s\n", err.message);
		assert_int_equal(status, TDSHM_GONE);
		assert_non_null(strstr(err.message, "shrank"));
		tdshm_receiver_end_read(p.receiver);
		/* The sender's own mapping never faulted: it writes on, and
		 * the receiver reconnects to it. */
		write_frame(&p, (uint8_t)(0x20 + round));
		read_ok(&p, (uint8_t)(0x20 + round));
	}
	pair_close(&p);
}

/* The TOP reader (what the OBS source and `tdshm receive` read through): a
 * frame whose segment shrank while it was copied is zero pages, not the
 * sender's image. It is not counted, and the reader says the sender is gone;
 * the sender's next frame is read again. */
static void write_top_frame(tdshm_sender *sender, unsigned seed)
{
	tdshm_top_params params = tdshm_test_bgra8_params(64, 32);
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	if (tdshm_sender_begin_write(sender, 1000, &bytes, &size, &err) != TDSHM_OK)
		fail_msg("begin_write: %s", err.message);
	assert_int_equal(tdshm_top_write_header(&params, bytes, size, &err), TDSHM_OK);
	tdshm_test_frame_fill(bytes + tdshm_top_header_size(&params), 64 * 32 * 4, seed);
	tdshm_sender_end_write(sender);
}

static tdshm_status top_poll_until_ok(tdshm_top_reader *reader, tdshm_top_read *read)
{
	tdshm_status status = TDSHM_NOT_FOUND;
	for (int i = 0; i < 40 && status != TDSHM_OK; i++) {
		status = tdshm_top_reader_poll(reader, 100, read, NULL);
		if (status != TDSHM_OK)
			tdshm_sleep_ms(5);
	}
	return status;
}

static void test_top_reader_does_not_take_a_frame_truncated_while_read(void **state)
{
	(void)state;
	char user[128], data[256];
	tdshm_test_unique_name(user, sizeof(user), "trunctop");
	tdshm_error err;
	assert_int_equal(tdshm_name_data(user, "", data, sizeof(data), &err), TDSHM_OK);
	tdshm_top_params params = tdshm_test_bgra8_params(64, 32);
	size_t size = 0;
	assert_int_equal(tdshm_top_segment_size(&params, &size, &err), TDSHM_OK);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(user, size, 1000, &sender, &err), TDSHM_OK);
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.retry_interval_ms = 0;
	tdshm_top_reader *reader = NULL;
	assert_int_equal(tdshm_top_reader_create(user, &options, &reader, &err), TDSHM_OK);

	write_top_frame(sender, 1);
	tdshm_top_read read;
	assert_int_equal(top_poll_until_ok(reader, &read), TDSHM_OK);
	assert_int_equal(tdshm_top_reader_end(reader, &read, true), 1);

	write_top_frame(sender, 2);
	assert_int_equal(top_poll_until_ok(reader, &read), TDSHM_OK);
	assert_true(read.is_new);
	off_t was = truncate_object(data, 0);
	touch_all(read.segment, read.size); /* SIGBUS here, before */
	truncate_object(data, was);
	/* Not counted: the connection ended with it (counts are per connection). */
	assert_int_equal(tdshm_top_reader_end(reader, &read, true), 0);
	assert_int_equal(tdshm_top_reader_get_state(reader), TDSHM_TOP_READER_STOPPED);
	/* The next call's event tells the caller, once. */
	tdshm_top_reader_event ev;
	tdshm_top_reader_hidden(reader, &ev);
	assert_true(ev.changed);
	assert_int_equal(ev.state, TDSHM_TOP_READER_STOPPED);
	assert_non_null(strstr(ev.detail, "shrank"));

	write_top_frame(sender, 3);
	assert_int_equal(top_poll_until_ok(reader, &read), TDSHM_OK);
	assert_true(read.is_new);
	assert_int_equal(tdshm_top_reader_end(reader, &read, true), 1);
	assert_int_equal(tdshm_top_reader_get_state(reader), TDSHM_TOP_READER_CONNECTED);
	tdshm_top_reader_destroy(reader);
	tdshm_sender_destroy(sender, 100);
}

/* Shrunk between reads: begin_read sees it (fstat) before any access. */
static void test_receiver_refuses_data_truncated_between_reads(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	truncate_object(p.data, 0);
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	tdshm_status status = tdshm_receiver_begin_read(p.receiver, 100, &bytes, &size, &err);
	printf("data truncated between reads: %s\n", err.message);
	assert_int_equal(status, TDSHM_GONE);
	assert_non_null(strstr(err.message, "shrank"));
	pair_close(&p);
}

/* The info segment shrinks: the receiver reads it under the info lock on
 * every frame. */
static void test_receiver_refuses_a_truncated_info_segment(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	off_t was = truncate_object(p.info, 0);
	/* Back at once, holding zeros: the reader's mapping faults only
	 * if it reads in between, so read in between. */
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	tdshm_status status = tdshm_receiver_begin_read(p.receiver, 100, &bytes, &size, &err);
	truncate_object(p.info, was);
	printf("info truncated: %s\n", err.message);
	assert_true(status == TDSHM_GONE || status == TDSHM_REFUSED);
	assert_non_null(strstr(err.message, "shrank"));
	pair_close(&p);
}

/* A lock object shrinks under the receiver's mapping of it. */
static void test_receiver_refuses_a_truncated_lock(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	off_t was = truncate_object(p.data_lock, 0);
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	tdshm_status status = tdshm_receiver_begin_read(p.receiver, 100, &bytes, &size, &err);
	truncate_object(p.data_lock, was);
	printf("data lock truncated: %s\n", err.message);
	assert_int_equal(status, TDSHM_REFUSED);
	assert_non_null(strstr(err.message, "shrank"));
	/* Handles were dropped: the next reads open the lock again. */
	read_ok(&p, 0x11);
	pair_close(&p);
}

/* The sender's own data segment is truncated under it while it writes:
 * its writes went nowhere, so it makes a new one, and the receiver
 * follows. */
static void test_sender_recreates_a_data_segment_truncated_during_a_write(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	uint8_t *bytes;
	size_t size;
	tdshm_error err;
	assert_int_equal(tdshm_sender_begin_write(p.sender, 100, &bytes, &size, &err), TDSHM_OK);
	off_t was = truncate_object(p.data, 0);
	memset(bytes, 0x33, size); /* SIGBUS here, before */
	tdshm_sender_end_write(p.sender);
	truncate_object(p.data, was);
	/* The next write sees the fault and re-creates the segment. */
	write_frame(&p, 0x44);
	printf("sender's data segment now '%s' (was '%s')\n", tdshm_sender_data_name(p.sender),
	       p.data);
	read_ok(&p, 0x44);
	pair_close(&p);
}

/* Shrunk between writes: the sender sees it (fstat) and re-creates it. */
static void test_sender_recreates_a_data_segment_truncated_between_writes(void **state)
{
	(void)state;
	pair p;
	pair_open(&p);
	read_ok(&p, 0x11);
	truncate_object(p.data, 0);
	write_frame(&p, 0x55);
	read_ok(&p, 0x55);
	pair_close(&p);
}

/* A CHOP segment shrinks past its header while the CHOP reader copies
 * the samples: the whole block is refused. */
static void test_chop_reader_refuses_a_block_truncated_while_taken(void **state)
{
	(void)state;
	char user[128], data[256];
	tdshm_test_unique_name(user, sizeof(user), "truncchop");
	tdshm_error err;
	assert_int_equal(tdshm_name_data(user, "", data, sizeof(data), &err), TDSHM_OK);
	const uint32_t channels = 2, length = 48000;
	float *plane = calloc(length, sizeof(float));
	assert_non_null(plane);
	const float *planes[2] = {plane, plane};
	tdshm_sender *sender =
	    tdshm_test_chop_sender_start(user, channels, length, 48000.0f, planes, 1000);

	tdshm_shm *segment = NULL;
	assert_int_equal(tdshm_shm_open(data, &segment, &err), TDSHM_OK);
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create("", &reader, NULL), TDSHM_OK);
	tdshm_chop_take take;
	/* Header page kept, samples lost: the parse succeeds, the copy
	 * faults. */
	off_t was = truncate_object(data, 4096);
	tdshm_status status = tdshm_chop_reader_take(reader, tdshm_shm_bytes(segment),
						     tdshm_shm_size(segment), true, 1, &take, &err);
	truncate_object(data, was);
	printf("CHOP block truncated while taken: %s\n", err.message);
	assert_int_equal(status, TDSHM_REFUSED);
	assert_false(take.is_new);
	assert_non_null(strstr(err.message, "shrank"));
	assert_int_equal(tdshm_shm_check_intact(segment, &err), TDSHM_REFUSED);
	tdshm_chop_reader_destroy(reader);
	tdshm_shm_close(segment);
	free(plane);
	tdshm_sender_destroy(sender, 100);
}

/* ---- the tool --------------------------------------------------------- */

static pid_t spawn_tool(const char *const argv[], int out_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void read_all(int fd, char *out, size_t cap)
{
	size_t used = 0;
	ssize_t n;
	while (used + 1 < cap && (n = read(fd, out + used, cap - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
}

/* A tool reader against a tool sender while a peer truncates one of the
 * sender's objects to 0 and back, again and again: the reader is never
 * killed and says what happened. */
static void tool_reader_survives(const char *sender_cmd, const char *reader_cmd,
				 const char *object_kind)
{
	const char *tool = tdshm_test_tool_path();
	char user[128];
	tdshm_test_unique_name(user, sizeof(user), "trunctool");
	char object[256];
	tdshm_error err;
	if (strcmp(object_kind, "info") == 0)
		assert_int_equal(tdshm_name_info(user, object, sizeof(object), &err), TDSHM_OK);
	else
		assert_int_equal(tdshm_name_data(user, "", object, sizeof(object), &err), TDSHM_OK);
	const char *send_argv[] = {tool, sender_cmd, user, NULL};
	int devnull = open("/dev/null", O_WRONLY);
	pid_t sender = spawn_tool(send_argv, devnull);
	close(devnull);
	uint64_t until = tdshm_clock_ms() + 5000;
	while (tdshm_shm_probe(object, &err) != TDSHM_OK && tdshm_clock_ms() < until)
		tdshm_sleep_ms(10);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	const char *recv_argv[] = {tool, reader_cmd, user, "--timeout", "2", NULL};
	pid_t reader = spawn_tool(recv_argv, fds[1]);
	close(fds[1]);
	tdshm_sleep_ms(300);
	for (int i = 0; i < 40; i++) {
		int fd = shm_open(object, O_RDWR, 0);
		if (fd < 0)
			break;
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			if (ftruncate(fd, 0) == 0) {
				tdshm_sleep_ms(3);
				if (ftruncate(fd, st.st_size) != 0)
					fail_msg("cannot grow %s back", object);
			}
		}
		close(fd);
		tdshm_sleep_ms(20);
	}
	kill(sender, SIGINT);
	int wstatus;
	waitpid(sender, &wstatus, 0);
	bool sender_crashed = WIFSIGNALED(wstatus) && WTERMSIG(wstatus) != SIGINT;
	int sender_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	char out[16384];
	read_all(fds[0], out, sizeof(out));
	close(fds[0]);
	waitpid(reader, &wstatus, 0);
	const char *tail = strlen(out) > 600 ? out + strlen(out) - 600 : out;
	printf("tdshm %s with %s truncated (end of its output):\n%s\n", reader_cmd, object_kind,
	       tail);
	if (WIFSIGNALED(wstatus))
		fail_msg("tdshm %s was killed by signal %d (%s)", reader_cmd, WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	if (sender_crashed)
		fail_msg("tdshm %s was killed by signal %d", sender_cmd, sender_signal);
	/* It said the sender went (and came back), not nothing. */
	assert_true(strstr(out, "shrank") || strstr(out, "gone") || strstr(out, "not a "));
}

static void test_tool_receive_survives_a_truncated_data_segment(void **state)
{
	(void)state;
	tool_reader_survives("send", "receive", "data");
}

static void test_tool_receive_survives_a_truncated_info_segment(void **state)
{
	(void)state;
	tool_reader_survives("send", "receive", "info");
}

static void test_tool_chop_receive_survives_a_truncated_data_segment(void **state)
{
	(void)state;
	tool_reader_survives("chop-send", "chop-receive", "data");
}

/* `tdshm info` maps everything once: run it again and again while the
 * segments are truncated under it. */
static void test_tool_info_survives_truncated_segments(void **state)
{
	(void)state;
	const char *tool = tdshm_test_tool_path();
	char user[128], data[256], info[256];
	tdshm_test_unique_name(user, sizeof(user), "truncinfo");
	tdshm_error err;
	assert_int_equal(tdshm_name_data(user, "", data, sizeof(data), &err), TDSHM_OK);
	assert_int_equal(tdshm_name_info(user, info, sizeof(info), &err), TDSHM_OK);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(user, DATA_SIZE, 1000, &sender, &err), TDSHM_OK);
	const char *argv[] = {tool, "info", user, NULL};
	for (int i = 0; i < 20; i++) {
		const char *object = i % 2 ? info : data;
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		off_t was = truncate_object(object, 0);
		pid_t pid = spawn_tool(argv, fds[1]);
		close(fds[1]);
		tdshm_sleep_ms(1 + i % 3);
		truncate_object(object, was);
		char out[8192];
		read_all(fds[0], out, sizeof(out));
		close(fds[0]);
		int wstatus;
		waitpid(pid, &wstatus, 0);
		if (WIFSIGNALED(wstatus))
			fail_msg("tdshm info was killed by signal %d with %s truncated:\n%s",
				 WTERMSIG(wstatus), object, out);
	}
	tdshm_sender_destroy(sender, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receiver_refuses_data_truncated_during_the_read),
	    cmocka_unit_test(test_top_reader_does_not_take_a_frame_truncated_while_read),
	    cmocka_unit_test(test_receiver_refuses_data_truncated_between_reads),
	    cmocka_unit_test(test_receiver_refuses_a_truncated_info_segment),
	    cmocka_unit_test(test_receiver_refuses_a_truncated_lock),
	    cmocka_unit_test(test_sender_recreates_a_data_segment_truncated_during_a_write),
	    cmocka_unit_test(test_sender_recreates_a_data_segment_truncated_between_writes),
	    cmocka_unit_test(test_chop_reader_refuses_a_block_truncated_while_taken),
	    cmocka_unit_test(test_tool_receive_survives_a_truncated_data_segment),
	    cmocka_unit_test(test_tool_receive_survives_a_truncated_info_segment),
	    cmocka_unit_test(test_tool_chop_receive_survives_a_truncated_data_segment),
	    cmocka_unit_test(test_tool_info_survives_truncated_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
