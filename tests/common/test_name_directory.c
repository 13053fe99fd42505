/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The POSIX name directory (PROTOCOL.md §1), run on Linux with the macOS
 * limit set through TDSHM_POSIX_NAME_MAX=31: long names map to
 * TD44e33-<n>, the directory's bytes follow the protocol, openers never
 * register, and growth keeps every entry. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte_order.h"
#include "posix/name_directory.h"
#include "test_support.h"
#include "tdshm/platform.h"

#define DIRECTORY_PATH "/dev/shm/" TDSHM_NAME_DIRECTORY

/* A parsed copy of the directory segment, read under its lock. */
typedef struct directory_image {
	uint8_t *bytes;
	size_t size;
	uint64_t allocated, used, version;
} directory_image;

static void directory_image_read(directory_image *image)
{
	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(TDSHM_NAME_DIRECTORY_LOCK, &lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(lock, 5000, &err), TDSHM_OK);
	image->bytes = tdshm_test_read_file(DIRECTORY_PATH, &image->size);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
	assert_non_null(image->bytes);
	assert_true(image->size >= 24);
	image->allocated = tdshm_load_u64le(image->bytes, 0);
	image->used = tdshm_load_u64le(image->bytes, 8);
	image->version = tdshm_load_u64le(image->bytes, 16);
}

/* The value for key, or NULL. Asserts the entries are well formed. */
static const char *directory_image_value(const directory_image *image, const char *key)
{
	const char *at = (const char *)image->bytes + 24;
	const char *end = at + image->used;
	while (at < end) {
		const char *value = at + strlen(at) + 1;
		assert_true(value < end);
		if (strcmp(at, key) == 0)
			return value;
		at = value + strlen(value) + 1;
	}
	assert_true(at == end);
	return NULL;
}

static void long_name(char *out, size_t cap, const char *stem)
{
	char unique[128];
	tdshm_test_unique_name(unique, sizeof(unique), stem);
	snprintf(out, cap, "TouchSHMTouchSHM%s4jhd783h", unique);
	assert_true(strlen(out) > 31);
}

static bool shm_file_exists(const char *system_name)
{
	char path[600];
	struct stat st;
	snprintf(path, sizeof(path), "/dev/shm/%s", system_name);
	return stat(path, &st) == 0;
}

static void test_limit_comes_from_the_environment(void **state)
{
	assert_int_equal(tdshm_platform_name_max(), 31);
	setenv("TDSHM_POSIX_NAME_MAX", "not a number", 1);
	assert_true(tdshm_platform_name_max() >= 200); /* Linux's own */
	unsetenv("TDSHM_POSIX_NAME_MAX");
	assert_true(tdshm_platform_name_max() >= 200);
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	assert_int_equal(tdshm_platform_name_max(), 31);
}

static void test_long_segment_name_maps_to_directory_value(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirseg");
	tdshm_shm *writer = NULL, *reader = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 100, true, &writer, &err), TDSHM_OK);
	assert_false(shm_file_exists(name));

	directory_image image;
	directory_image_read(&image);
	const char *value = directory_image_value(&image, name);
	assert_non_null(value);
	assert_int_equal(strncmp(value, "TD44e33-", 8), 0);
	assert_true(shm_file_exists(value));
	char path[300];
	snprintf(path, sizeof(path), "/dev/shm/%s", value);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 100);

	/* An opener finds the same object through the directory. */
	assert_int_equal(tdshm_shm_open(name, &reader, &err), TDSHM_OK);
	assert_int_equal(tdshm_shm_size(reader), 100);
	memcpy(tdshm_shm_bytes(writer), "through the directory", 22);
	assert_string_equal((const char *)tdshm_shm_bytes(reader), "through the directory");
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_OK);

	/* Removing unlinks the short name; the entry stays (see the header). */
	tdshm_shm_close(reader);
	tdshm_shm_close_and_remove(writer);
	assert_false(shm_file_exists(value));
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	directory_image after;
	directory_image_read(&after);
	assert_string_equal(directory_image_value(&after, name), value);
	free(after.bytes);
	free(image.bytes);
}

static void test_directory_bytes_follow_protocol(void **state)
{
	char names[3][256];
	tdshm_shm *shms[3];
	tdshm_error err;
	for (int i = 0; i < 3; i++) {
		long_name(names[i], sizeof(names[i]), "dirlayout");
		assert_int_equal(tdshm_shm_create(names[i], 16, true, &shms[i], &err), TDSHM_OK);
	}
	directory_image image;
	directory_image_read(&image);
	long page = sysconf(_SC_PAGESIZE);
	/* 24-byte head: allocated, used, version 1; a whole number of pages. */
	assert_int_equal(image.version, 1);
	assert_int_equal(image.size, 24 + image.allocated);
	assert_int_equal(image.size % (size_t)page, 0);
	assert_true(image.used <= image.allocated);
	assert_int_equal(image.bytes[24 + image.used - 1], 0);

	/* Every value is TD44e33-<n>, each n once, and together they are
	 * 0..k-1: each registration took the smallest unused number. */
	size_t count = 0;
	const char *at = (const char *)image.bytes + 24, *end = at + image.used;
	while (at < end) {
		at += strlen(at) + 1;
		count++;
		at += strlen(at) + 1;
	}
	bool *seen = calloc(count, sizeof(*seen));
	assert_non_null(seen);
	at = (const char *)image.bytes + 24;
	while (at < end) {
		const char *value = at + strlen(at) + 1;
		assert_int_equal(strncmp(value, "TD44e33-", 8), 0);
		char *stop = NULL;
		unsigned long n = strtoul(value + 8, &stop, 10);
		assert_true(stop != value + 8 && *stop == '\0');
		assert_true(n < count);
		assert_false(seen[n]);
		seen[n] = true;
		at = value + strlen(value) + 1;
	}
	free(seen);

	/* Ours were appended in order, so their numbers rise. */
	long previous = -1;
	for (int i = 0; i < 3; i++) {
		const char *value = directory_image_value(&image, names[i]);
		assert_non_null(value);
		long n = strtol(value + 8, NULL, 10);
		assert_true(n > previous);
		previous = n;
		tdshm_shm_close_and_remove(shms[i]);
	}
	free(image.bytes);
}

static void test_opener_never_registers(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirmissing");
	directory_image before;
	directory_image_read(&before);
	tdshm_shm *shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_NOT_FOUND);
	assert_null(shm);
	assert_non_null(strstr(err.message, name));
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	directory_image after;
	directory_image_read(&after);
	assert_null(directory_image_value(&after, name));
	/* Others may register meanwhile, but never this name. */
	assert_true(after.used >= before.used);
	free(before.bytes);
	free(after.bytes);
}

static void test_recreated_long_name_reuses_its_entry(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirreuse");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 32, true, &shm, &err), TDSHM_OK);
	tdshm_shm_close_and_remove(shm);
	directory_image first;
	directory_image_read(&first);
	char value[64];
	snprintf(value, sizeof(value), "%s", directory_image_value(&first, name));
	assert_int_equal(tdshm_shm_create(name, 32, true, &shm, &err), TDSHM_OK);
	directory_image second;
	directory_image_read(&second);
	assert_string_equal(directory_image_value(&second, name), value);
	assert_true(shm_file_exists(value));
	tdshm_shm_close_and_remove(shm);
	free(first.bytes);
	free(second.bytes);
}

/* Growing copies, unlinks and re-creates at whole pages: every entry that
 * was there is still there, byte for byte, and still resolves. */
static void test_directory_grows_keeping_every_entry(void **state)
{
	directory_image before;
	directory_image_read(&before);
	char first[256];
	long_name(first, sizeof(first), "dirgrow");
	tdshm_shm *keep = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(first, 8, true, &keep, &err), TDSHM_OK);

	size_t room = (size_t)(before.allocated - before.used);
	size_t needed = room / 40 + 2; /* entries here are over 40 bytes */
	assert_true(needed < 20000);
	for (size_t i = 0; i < needed; i++) {
		char name[256];
		long_name(name, sizeof(name), "dirgrow");
		tdshm_shm *shm = NULL;
		assert_int_equal(tdshm_shm_create(name, 1, true, &shm, &err), TDSHM_OK);
		tdshm_shm_close_and_remove(shm);
	}
	directory_image after;
	directory_image_read(&after);
	printf("directory grew from %llu to %llu bytes (%llu used)\n",
	       (unsigned long long)before.allocated, (unsigned long long)after.allocated,
	       (unsigned long long)after.used);
	assert_true(after.allocated > before.allocated);
	assert_int_equal(after.size % (size_t)sysconf(_SC_PAGESIZE), 0);
	assert_memory_equal(after.bytes + 24, before.bytes + 24, before.used);

	tdshm_shm *again = NULL;
	assert_int_equal(tdshm_shm_open(first, &again, &err), TDSHM_OK);
	tdshm_shm_bytes(keep)[0] = 0x5a;
	assert_int_equal(tdshm_shm_bytes(again)[0], 0x5a);
	tdshm_shm_close(again);
	tdshm_shm_close_and_remove(keep);
	free(before.bytes);
	free(after.bytes);
}

static void test_long_lock_name_maps_and_excludes(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirlock");
	strcat(name, "Mutex");
	tdshm_lock *a = NULL, *b = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(name, &a, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(name, &b, &err), TDSHM_OK);
	assert_false(shm_file_exists(name));
	directory_image image;
	directory_image_read(&image);
	const char *value = directory_image_value(&image, name);
	assert_non_null(value);
	assert_true(shm_file_exists(value));
	assert_int_equal(tdshm_lock_acquire(a, 0, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_TIMED_OUT);
	tdshm_lock_release(a);
	assert_int_equal(tdshm_lock_acquire(b, 0, &err), TDSHM_OK);
	tdshm_lock_release(b);
	tdshm_lock_close(a);
	tdshm_lock_close(b);
	/* The test's own clean-up: the library never removes locks. */
	assert_int_equal(tdshm_shm_remove(name, &err), TDSHM_OK);
	free(image.bytes);
}

typedef struct listed {
	char names[8][256];
	int count;
} listed;

static void collect(const char *full_name, void *ctx)
{
	listed *l = ctx;
	if (l->count < 8)
		snprintf(l->names[l->count], sizeof(l->names[0]), "%s", full_name);
	l->count++;
}

static void test_list_shows_long_names_not_directory_values(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirlist");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 8, true, &shm, &err), TDSHM_OK);
	listed l = {0};
	assert_int_equal(tdshm_shm_list(name, collect, &l, &err), TDSHM_OK);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.names[0], name);
	tdshm_shm_close_and_remove(shm);
	listed none = {0};
	assert_int_equal(tdshm_shm_list(name, collect, &none, &err), TDSHM_OK);
	assert_int_equal(none.count, 0);
}

int main(void)
{
	/* macOS's limit, so the directory path runs here. */
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_comes_from_the_environment),
	    cmocka_unit_test(test_long_segment_name_maps_to_directory_value),
	    cmocka_unit_test(test_directory_bytes_follow_protocol),
	    cmocka_unit_test(test_opener_never_registers),
	    cmocka_unit_test(test_recreated_long_name_reuses_its_entry),
	    cmocka_unit_test(test_directory_grows_keeping_every_entry),
	    cmocka_unit_test(test_long_lock_name_maps_and_excludes),
	    cmocka_unit_test(test_list_shows_long_names_not_directory_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
