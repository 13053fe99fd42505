/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP reader against a sender that rewrites its channel names while
 * they are read, without the lock (docs/protocol.md §5: any byte can change
 * at any time). The names must be read out of shared memory once: a reader
 * that scans them there and then copies them again can find the NULs gone
 * from its copy and run past it (a heap overflow under ASan, names pointing
 * outside their text without it). */
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
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"
#include "tdshm/chop.h"
#include "tdshm/chop_reader.h"
#include "tdshm/platform.h"

#define CHANNELS 16
#define LENGTH 4
#define TAKE_MS 2000

static pid_t toggler = -1;

static int stop_toggler(void **state)
{
	(void)state;
	if (toggler > 0) {
		kill(toggler, SIGKILL);
		waitpid(toggler, NULL, 0);
		toggler = -1;
	}
	return 0;
}

/* Every name's NUL flips between '\0' and 'x', as fast as it can. */
static void toggle_nuls(uint8_t *names, size_t size)
{
	size_t nul_at[CHANNELS];
	size_t n = 0;
	for (size_t i = 0; i < size && n < CHANNELS; i++)
		if (names[i] == '\0')
			nul_at[n++] = i;
	volatile uint8_t *bytes = names;
	pid_t parent = getppid();
	for (uint32_t round = 1;; round++) {
		/* Never outlive a reader that crashed. */
		if (round % 4096 == 0 && getppid() != parent)
			_exit(0);
		for (size_t i = 0; i < n; i++)
			bytes[nul_at[i]] = 'x';
		for (size_t i = 0; i < n; i++)
			bytes[nul_at[i]] = '\0';
	}
}

static void test_chop_reader_names_survive_a_writer_toggling_their_nuls(void **state)
{
	(void)state;
	char name_text[CHANNELS][201];
	const char *names[CHANNELS];
	for (int c = 0; c < CHANNELS; c++) {
		memset(name_text[c], 'a' + c, 200);
		name_text[c][200] = '\0';
		names[c] = name_text[c];
	}
	size_t size = 0;
	assert_int_equal(tdshm_chop_segment_size(CHANNELS, LENGTH, names, &size, NULL), TDSHM_OK);
	/* Zeros after the names, as in a reused larger segment: a lost NUL
	 * then merges two names instead of cutting the list short, so the
	 * reader sees the names change. */
	size += 64;
	/* Shared with the toggling process, as a real segment is. */
	uint8_t *seg = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(seg != MAP_FAILED);
	float plane_data[CHANNELS][LENGTH] = {{0}};
	const float *planes[CHANNELS];
	for (int c = 0; c < CHANNELS; c++)
		planes[c] = plane_data[c];
	assert_int_equal(
	    tdshm_chop_write(seg, size, CHANNELS, LENGTH, 48000.0f, planes, names, NULL), TDSHM_OK);
	tdshm_chop_block block;
	tdshm_error err;
	assert_int_equal(tdshm_chop_parse(seg, size, &block, &err), TDSHM_OK);

	toggler = fork();
	assert_true(toggler >= 0);
	if (toggler == 0) {
		/* Nor hold the test runner's output open. */
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		toggle_nuls(seg + block.names_offset, block.names_size);
	}

	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create("", &reader, NULL), TDSHM_OK);
	uint64_t end = tdshm_clock_ms() + TAKE_MS, takes = 0, renamed = 0;
	char last_text[CHANNELS * 201];
	size_t last_size = 0;
	while (tdshm_clock_ms() < end) {
		tdshm_chop_take take;
		tdshm_status status =
		    tdshm_chop_reader_take(reader, seg, size, true, takes + 1, &take, &err);
		/* The header is never touched: every take is a good block. */
		assert_int_equal(status, TDSHM_OK);
		takes++;
		const tdshm_chop_names *got = tdshm_chop_reader_names(reader);
		assert_int_equal(got->count, CHANNELS);
		for (uint32_t c = 0; c < got->count; c++) {
			/* Each name lies inside the reader's own text and ends
			 * there. */
			size_t at = (size_t)(got->names[c] - got->text);
			assert_true(got->names[c] >= got->text && at < got->text_size);
			assert_non_null(memchr(got->names[c], '\0', got->text_size - at));
		}
		if (got->text_size != last_size || memcmp(got->text, last_text, last_size) != 0) {
			renamed++;
			last_size =
			    got->text_size < sizeof(last_text) ? got->text_size : sizeof(last_text);
			memcpy(last_text, got->text, last_size);
		}
	}
	stop_toggler(NULL);
	printf("%llu takes under a NUL-toggling writer, names rebuilt %llu times\n",
	       (unsigned long long)takes, (unsigned long long)renamed);
	/* The writer really changed what the reader saw, many times over. */
	assert_true(renamed > 100);
	tdshm_chop_reader_destroy(reader);
	munmap(seg, size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_chop_reader_names_survive_a_writer_toggling_their_nuls,
				      stop_toggler),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
