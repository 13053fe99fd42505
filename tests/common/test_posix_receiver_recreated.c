/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sender that re-creates its segments under the same names while a
 * receiver still maps the old ones (POSIX names outlive nothing: the old
 * mapping stays readable for ever). The receiver must notice within its
 * liveness interval and move to the new objects. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "roles_support.h"
#include "test_support.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"

#define LIVENESS_MS 100

static void write_byte(tdshm_sender *sender, uint8_t value)
{
	uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_sender_begin_write(sender, 1000, &bytes, &size, NULL), TDSHM_OK);
	memset(bytes, value, size);
	tdshm_sender_end_write(sender);
}

/* Reads until the first byte is `want` or the deadline passes; returns the
 * milliseconds it took, or -1. Counts GONE results. */
static int read_until(tdshm_receiver *receiver, uint8_t want, int deadline_ms, int *gone)
{
	uint64_t start = tdshm_clock_ms();
	while ((int)(tdshm_clock_ms() - start) < deadline_ms) {
		const uint8_t *bytes;
		size_t size;
		tdshm_status status = tdshm_receiver_begin_read(receiver, 10, &bytes, &size, NULL);
		if (status == TDSHM_OK) {
			uint8_t first = bytes[0];
			tdshm_receiver_end_read(receiver);
			if (first == want)
				return (int)(tdshm_clock_ms() - start);
		} else if (status == TDSHM_GONE) {
			(*gone)++;
		}
		tdshm_sleep_ms(5);
	}
	return -1;
}

static void test_receiver_moves_to_segments_recreated_under_the_same_names(void **state)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "recreate");
	tdshm_sender *first = tdshm_test_sender_new(name, 4096, 1000);
	write_byte(first, 0x11);

	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.liveness_interval_ms = LIVENESS_MS;
	options.retry_interval_ms = 10;
	tdshm_receiver *receiver = NULL;
	assert_int_equal(tdshm_receiver_create(name, &options, &receiver, NULL), TDSHM_OK);
	int gone = 0;
	assert_true(read_until(receiver, 0x11, 1000, &gone) >= 0);

	/* The same process (so its pid stays alive) removes every segment
	 * without detaching, as a crash-and-restart inside one host would,
	 * and a new sender takes the names. */
	char info_name[256], data_name[256];
	strcpy(data_name, tdshm_sender_data_name(first));
	assert_int_equal(tdshm_name_info(name, info_name, sizeof(info_name), NULL), TDSHM_OK);
	assert_int_equal(tdshm_shm_remove(data_name, NULL), TDSHM_OK);
	assert_int_equal(tdshm_shm_remove(info_name, NULL), TDSHM_OK);
	tdshm_sender *second = NULL;
	assert_int_equal(tdshm_sender_create(name, 8192, 1000, &second, NULL), TDSHM_OK);
	write_byte(second, 0x22);

	int took = read_until(receiver, 0x22, 2000, &gone);
	assert_true(took >= 0);
	assert_int_equal(gone, 1);
	assert_true(took <= 4 * LIVENESS_MS);

	/* Connected to the new sender: it sees `supported`. */
	assert_true(tdshm_sender_receiver_attached(second));
	tdshm_receiver_destroy(receiver);
	tdshm_sender_destroy(second, 1000);
	tdshm_sender_destroy(first, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receiver_moves_to_segments_recreated_under_the_same_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
