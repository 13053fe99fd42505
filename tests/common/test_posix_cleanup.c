/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm_name_remove_leftovers (`tdshm remove`): what a name leaves in POSIX
 * shared memory goes, but never from under a running sender. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "roles_support.h"
#include "test_support.h"
#include "tdshm/cleanup.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/receiver.h"
#include "tdshm/sender.h"

typedef tdshm_status (*test_namer)(const char *user_name, char *out, size_t cap, tdshm_error *err);

static tdshm_status test_name_plain_data(const char *user_name, char *out, size_t cap,
					 tdshm_error *err)
{
	return tdshm_name_data(user_name, "", out, cap, err);
}

static const test_namer test_namers[] = {test_name_plain_data, tdshm_name_data_lock,
					 tdshm_name_info, tdshm_name_info_lock};

/* How many of the name's four objects exist. */
static int test_objects_present(const char *user_name)
{
	int present = 0;
	for (size_t i = 0; i < sizeof(test_namers) / sizeof(test_namers[0]); i++) {
		char full[TDSHM_FULL_NAME_CAP];
		assert_int_equal(test_namers[i](user_name, full, sizeof(full), NULL), TDSHM_OK);
		if (tdshm_shm_probe(full, NULL) == TDSHM_OK)
			present++;
	}
	return present;
}

static void test_closed_sender_leaves_locks_and_remove_clears_them(void **state)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "clean");
	tdshm_sender_destroy(tdshm_test_sender_new(name, 4096, 1000), 1000);
	/* The protocol never removes its two locks. */
	assert_int_equal(test_objects_present(name), 2);

	tdshm_error err;
	assert_int_equal(tdshm_name_remove_leftovers(name, 0, &err), TDSHM_OK);
	assert_int_equal(test_objects_present(name), 0);
	assert_int_equal(tdshm_name_remove_leftovers(name, 0, &err), TDSHM_NOT_FOUND);
}

static void test_remove_refuses_a_running_sender(void **state)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "cleanlive");
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(name, 4096, 1000, &sender, NULL), TDSHM_OK);
	tdshm_error err;
	/* Our own pid counts as gone (a suite cleaning up after itself), so
	 * pretend the owner is another live process: pid 1 always runs. */
	char info_name[TDSHM_FULL_NAME_CAP];
	assert_int_equal(tdshm_name_info(name, info_name, sizeof(info_name), NULL), TDSHM_OK);
	tdshm_shm *info = NULL;
	assert_int_equal(tdshm_shm_open(info_name, &info, NULL), TDSHM_OK);
	tdshm_info_ext ext = {.pid = 1, .frame_serial = 0};
	tdshm_info_ext_write(tdshm_shm_bytes(info), tdshm_shm_size(info), &ext);

	assert_int_equal(tdshm_name_remove_leftovers(name, 1, &err), TDSHM_EXISTS);
	assert_non_null(strstr(err.message, "pid 1"));
	assert_int_equal(test_objects_present(name), 4);

	ext.pid = tdshm_process_id();
	tdshm_info_ext_write(tdshm_shm_bytes(info), tdshm_shm_size(info), &ext);
	tdshm_shm_close(info);
	tdshm_sender_destroy(sender, 1000);
}

static void test_remove_leaves_a_touchdesigner_name_unless_forced(void **state)
{
	char name[64], info_name[TDSHM_FULL_NAME_CAP];
	tdshm_test_unique_name(name, sizeof(name), "cleantd");
	assert_int_equal(tdshm_name_info(name, info_name, sizeof(info_name), NULL), TDSHM_OK);
	/* TD's own info block: no extension after it. */
	tdshm_shm *info = NULL;
	assert_int_equal(tdshm_shm_create(info_name, TDSHM_INFO_SIZE_POSIX, true, &info, NULL),
			 TDSHM_OK);
	tdshm_info block = {.magic = TDSHM_INFO_MAGIC, .version = TDSHM_INFO_VERSION};
	assert_int_equal(tdshm_info_write(&block, tdshm_info_native_layout(), tdshm_shm_bytes(info),
					  tdshm_shm_size(info), NULL),
			 TDSHM_OK);
	tdshm_shm_close(info);

	tdshm_error err;
	assert_int_equal(tdshm_name_remove_leftovers(name, 0, &err), TDSHM_EXISTS);
	assert_non_null(strstr(err.message, "TouchDesigner"));
	assert_int_equal(tdshm_shm_probe(info_name, NULL), TDSHM_OK);
	assert_int_equal(tdshm_name_remove_leftovers(name, 1, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_probe(info_name, NULL), TDSHM_NOT_FOUND);
}

static void test_remove_takes_the_last_postfix_segment(void **state)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "cleanpf");
	tdshm_sender *sender = NULL;
	tdshm_receiver *receiver = NULL;
	assert_int_equal(tdshm_sender_create(name, 4096, 1000, &sender, NULL), TDSHM_OK);
	assert_int_equal(tdshm_receiver_create(name, NULL, &receiver, NULL), TDSHM_OK);
	const uint8_t *bytes;
	size_t size;
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, NULL), TDSHM_OK);
	tdshm_receiver_end_read(receiver);
	assert_true(tdshm_sender_receiver_attached(sender));
	assert_int_equal(tdshm_sender_resize(sender, 8192, 1000, NULL), TDSHM_OK);
	char postfixed[TDSHM_FULL_NAME_CAP];
	strcpy(postfixed, tdshm_sender_data_name(sender));
	assert_true(strlen(postfixed) > strlen(name) + 8);
	tdshm_receiver_destroy(receiver);

	/* A sender that crashed: its segments stay, with our pid as the
	 * owner, which remove treats as gone. */
	assert_int_equal(tdshm_name_remove_leftovers(name, 0, NULL), TDSHM_OK);
	assert_int_equal(tdshm_shm_probe(postfixed, NULL), TDSHM_NOT_FOUND);
	assert_int_equal(test_objects_present(name), 0);
	tdshm_sender_destroy(sender, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_closed_sender_leaves_locks_and_remove_clears_them),
	    cmocka_unit_test(test_remove_refuses_a_running_sender),
	    cmocka_unit_test(test_remove_leaves_a_touchdesigner_name_unless_forced),
	    cmocka_unit_test(test_remove_takes_the_last_postfix_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
