/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "tdshm/cleanup.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"

uint8_t *tdshm_test_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *data = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (used == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *grown = realloc(data, cap);
			if (!grown) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = grown;
		}
		size_t n = fread(data + used, 1, cap - used, f);
		used += n;
		if (n == 0)
			break;
	}
	fclose(f);
	/* Hand back a block of exactly the file's size, so that under ASan a
	 * parser reading one byte past the vector is caught (the read buffer
	 * above has slack). */
	uint8_t *exact = malloc(used ? used : 1);
	if (!exact) {
		free(data);
		return NULL;
	}
	memcpy(exact, data, used);
	free(data);
	*size = used;
	return exact;
}

const char *tdshm_test_vectors_dir(void)
{
	const char *env = getenv("TDSHM_VECTORS_DIR");
	return env && env[0] ? env : TDSHM_VECTORS_DIR;
}

uint8_t *tdshm_test_read_vector(const char *file, size_t *size)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tdshm_test_vectors_dir(), file);
	return tdshm_test_read_file(path, size);
}

/* Names handed out, removed with everything they left when the suite exits
 * (locks are never removed by the protocol, so without this every run would
 * leave its objects in the system's shared memory). */
#define TEST_NAMES_MAX 1024
/* With the name limit and directory in force when each name was made: suites
 * switch TDSHM_POSIX_NAME_MAX between runs, and long names are only found
 * through the directory they were registered in. */
static struct test_name {
	char name[TDSHM_USER_NAME_MAX + 1];
	char name_max[16];
	char directory[32];
} test_names[TEST_NAMES_MAX];
static unsigned test_names_count;
static uint32_t test_names_owner;

static void test_get_env(const char *key, char *out, size_t cap)
{
	const char *value = getenv(key);
	snprintf(out, cap, "%s", value ? value : "");
}

static void test_set_env(const char *key, const char *value)
{
	tdshm_test_setenv(key, value[0] ? value : NULL);
}

static void tdshm_test_remove_names(void)
{
	/* A fork()ed child that exits must not remove its parent's objects. */
	if (tdshm_process_id() != test_names_owner)
		return;
	for (unsigned i = 0; i < test_names_count; i++) {
		test_set_env("TDSHM_POSIX_NAME_MAX", test_names[i].name_max);
		test_set_env("TDSHM_POSIX_NAME_DIRECTORY", test_names[i].directory);
		/* Best effort: a name whose sender still runs stays. */
		tdshm_error ignored;
		tdshm_status status = tdshm_name_remove_leftovers(test_names[i].name, 1, &ignored);
		(void)status;
	}
	test_names_count = 0;
}

void tdshm_test_unique_name(char *out, size_t cap, const char *stem)
{
	static unsigned counter;
	snprintf(out, cap, "%s-%u-%u", stem, (unsigned)tdshm_process_id(), counter++);
	if (test_names_owner != tdshm_process_id()) {
		test_names_owner = tdshm_process_id();
		test_names_count = 0;
		atexit(tdshm_test_remove_names);
	}
	if (test_names_count < TEST_NAMES_MAX) {
		struct test_name *entry = &test_names[test_names_count++];
		snprintf(entry->name, sizeof(entry->name), "%s", out);
		test_get_env("TDSHM_POSIX_NAME_MAX", entry->name_max, sizeof(entry->name_max));
		test_get_env("TDSHM_POSIX_NAME_DIRECTORY", entry->directory,
			     sizeof(entry->directory));
	}
}

const char *tdshm_test_tool_path(void)
{
	const char *env = getenv("TDSHM_TOOL");
	return env && env[0] ? env : TDSHM_TOOL_PATH;
}

tdshm_status tdshm_test_lock_acquire_within(tdshm_lock *lock, uint32_t within_ms, tdshm_error *err)
{
	uint64_t until = tdshm_clock_ms() + within_ms;
	tdshm_status status;
	while ((status = tdshm_lock_acquire(lock, 50, err)) != TDSHM_OK && tdshm_clock_ms() < until)
		;
	return status;
}

uint64_t tdshm_test_held_lock_times_out(tdshm_lock *lock, uint32_t timeout_ms, tdshm_error *err)
{
	bool held = false;
	assert_int_equal(tdshm_lock_is_held(lock, &held, err), TDSHM_OK);
	assert_true(held);
	uint64_t start = tdshm_clock_ms();
	assert_int_equal(tdshm_lock_acquire(lock, timeout_ms, err), TDSHM_TIMED_OUT);
	return tdshm_clock_ms() - start;
}
