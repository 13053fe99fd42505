/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The POSIX name directory (docs/protocol.md §1), run on Linux with the macOS
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
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte_order.h"
#include "posix/internal.h"
#include "test_support.h"
#include "tdshm/platform.h"

/* This process's own directory (TDSHM_POSIX_NAME_DIRECTORY), so that the
 * bytes checked are ours alone and nothing is left behind. */
static char directory_stem[16];

static void directory_path(char *out, size_t cap, const char *what)
{
	snprintf(out, cap, "/dev/shm/%s%s", getenv("TDSHM_POSIX_NAME_DIRECTORY"), what);
}

/* Switches to a fresh directory of its own (removing any left over). */
static void use_fresh_directory(const char *stem)
{
	char path[128];
	setenv("TDSHM_POSIX_NAME_DIRECTORY", stem, 1);
	directory_path(path, sizeof(path), "Directory");
	unlink(path);
}

/* Back to this process's main one. */
static void use_main_directory(void)
{
	setenv("TDSHM_POSIX_NAME_DIRECTORY", directory_stem, 1);
}

/* What values start with in the directory in use. */
static const char *value_prefix(void)
{
	static char prefix[32];
	snprintf(prefix, sizeof(prefix), "%s-", getenv("TDSHM_POSIX_NAME_DIRECTORY"));
	return prefix;
}

static void remove_directory(void)
{
	char path[128];
	directory_path(path, sizeof(path), "Directory");
	unlink(path);
	directory_path(path, sizeof(path), "Lock");
	unlink(path);
}

/* A parsed copy of the directory segment, read under its lock. */
typedef struct directory_image {
	uint8_t *bytes;
	size_t size;
	uint64_t allocated, used, version;
} directory_image;

static void directory_image_read(directory_image *image)
{
	char lock_name[64], path[128];
	snprintf(lock_name, sizeof(lock_name), "%sLock", getenv("TDSHM_POSIX_NAME_DIRECTORY"));
	directory_path(path, sizeof(path), "Directory");
	tdshm_lock *lock = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_lock_open(lock_name, &lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(lock, 5000, &err), TDSHM_OK);
	image->bytes = tdshm_test_read_file(path, &image->size);
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
	assert_int_equal(strncmp(value, value_prefix(), strlen(value_prefix())), 0);
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

/* For the tests with a directory of their own: a fresh one, named with the
 * letter in *state and this process's id, and afterwards removed (also when
 * the test failed) and the main directory back in use. */
static int fresh_directory_setup(void **state)
{
	char stem[16];
	snprintf(stem, sizeof(stem), "TD%s%u", (const char *)*state, tdshm_process_id());
	use_fresh_directory(stem);
	return 0;
}

static int fresh_directory_teardown(void **state)
{
	(void)state;
	remove_directory();
	use_main_directory();
	return 0;
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
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* 24-byte head: allocated, used, version 1; one whole page. */
	assert_int_equal(image.size, page);
	assert_int_equal(image.allocated, page - 24);
	assert_int_equal(image.version, 1);
	/* Then exactly key\0value\0 three times, values <prefix>0, 1, 2. */
	uint8_t expected[1024];
	size_t used = 0;
	for (int i = 0; i < 3; i++) {
		char value[64];
		snprintf(value, sizeof(value), "%s%d", value_prefix(), i);
		memcpy(expected + used, names[i], strlen(names[i]) + 1);
		used += strlen(names[i]) + 1;
		memcpy(expected + used, value, strlen(value) + 1);
		used += strlen(value) + 1;
		assert_true(shm_file_exists(value));
	}
	assert_int_equal(image.used, used);
	assert_memory_equal(image.bytes + 24, expected, used);
	/* The rest of the page is untouched. */
	for (size_t i = 24 + used; i < image.size; i++)
		assert_int_equal(image.bytes[i], 0);
	for (int i = 0; i < 3; i++)
		tdshm_shm_close_and_remove(shms[i]);
	free(image.bytes);
}

/* A directory TouchDesigner wrote may have gaps and foreign values: a new
 * name takes the smallest number not yet used as a value, skipping names
 * that an existing object already has. */
static void test_new_name_takes_smallest_unused_number(void **state)
{
	char path[128];
	/* Values 0 and 2 taken, one value of another form; and an object
	 * named like value 1 already exists (a directory lost and re-made):
	 * the next name gets 3. */
	char entries[512];
	int len = snprintf(entries, sizeof(entries),
			   "TouchSHMTouchSHMfirst_long_name_4jhd783h%c%s0%c"
			   "TouchSHMTouchSHMthird_long_name_4jhd783h%c%s2%c"
			   "TouchSHMTouchSHMother_long_name_4jhd783h%c%sx1%c",
			   0, value_prefix(), 0, 0, value_prefix(), 0, 0, value_prefix(), 0);
	assert_true(len > 0);
	size_t used = (size_t)len;
	uint8_t page[4096] = {0};
	tdshm_store_u64le(page, 0, sizeof(page) - 24);
	tdshm_store_u64le(page, 8, used);
	tdshm_store_u64le(page, 16, 1);
	memcpy(page + 24, entries, used);
	directory_path(path, sizeof(path), "Directory");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
	fclose(f);

	char name[256], first[64], third[64], fourth[64];
	long_name(name, sizeof(name), "dirgap");
	snprintf(first, sizeof(first), "%s1", value_prefix());
	snprintf(third, sizeof(third), "%s3", value_prefix());
	snprintf(fourth, sizeof(fourth), "%s4", value_prefix());
	tdshm_shm *shm = NULL, *squatter = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(name, 8, true, &shm, &err), TDSHM_OK);
	directory_image image;
	directory_image_read(&image);
	assert_string_equal(directory_image_value(&image, name), first);
	assert_memory_equal(image.bytes + 24, entries, used); /* appended after */
	free(image.bytes);

	int fd = shm_open(third, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	char next[256];
	long_name(next, sizeof(next), "dirgap");
	assert_int_equal(tdshm_shm_create(next, 8, true, &squatter, &err), TDSHM_OK);
	directory_image_read(&image);
	assert_string_equal(directory_image_value(&image, next), fourth);
	shm_unlink(third);
	tdshm_shm_close_and_remove(squatter);
	tdshm_shm_close_and_remove(shm);
	free(image.bytes);
}

/* A directory whose head does not add up is refused, never read past. */
static void test_corrupt_directory_is_refused(void **state)
{
	char path[128];
	uint8_t page[4096] = {0};
	tdshm_store_u64le(page, 0, 1u << 30); /* allocated beyond the segment */
	tdshm_store_u64le(page, 8, 100);
	tdshm_store_u64le(page, 16, 1);
	directory_path(path, sizeof(path), "Directory");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
	fclose(f);
	char name[256];
	long_name(name, sizeof(name), "dirbad");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_REFUSED);
	assert_non_null(strstr(err.message, "unknown layout"));
	assert_int_equal(tdshm_shm_create(name, 8, true, &shm, &err), TDSHM_REFUSED);
	assert_null(shm);
}

static void test_opener_never_registers(void **state)
{
	char name[256];
	long_name(name, sizeof(name), "dirmissing");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	/* No directory at all: not found, and none gets created. */
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_NOT_FOUND);
	assert_null(shm);
	assert_non_null(strstr(err.message, "no name directory"));
	char path[128];
	directory_path(path, sizeof(path), "Directory");
	assert_int_not_equal(access(path, F_OK), 0);

	/* A directory without the name: not found, nothing appended. */
	char other[256];
	long_name(other, sizeof(other), "dirpresent");
	tdshm_shm *present = NULL;
	assert_int_equal(tdshm_shm_create(other, 8, true, &present, &err), TDSHM_OK);
	directory_image before;
	directory_image_read(&before);
	assert_int_equal(tdshm_shm_open(name, &shm, &err), TDSHM_NOT_FOUND);
	assert_non_null(strstr(err.message, name));
	assert_non_null(strstr(err.message, "not in the name directory"));
	assert_int_equal(tdshm_shm_probe(name, &err), TDSHM_NOT_FOUND);
	directory_image after;
	directory_image_read(&after);
	assert_int_equal(after.used, before.used);
	assert_memory_equal(after.bytes, before.bytes, before.size);
	tdshm_shm_close_and_remove(present);
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
	char first[256];
	long_name(first, sizeof(first), "dirgrow");
	tdshm_shm *keep = NULL;
	tdshm_error err;
	assert_int_equal(tdshm_shm_create(first, 8, true, &keep, &err), TDSHM_OK);
	directory_image before;
	directory_image_read(&before);

	size_t room = (size_t)(before.allocated - before.used);
	size_t needed = room / 40 + 2; /* entries here are over 40 bytes */
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

/* TouchDesigner's own directory (no test stem): its names and values. */
static void test_shared_directory_uses_touchdesigner_names(void **state)
{
	unsetenv("TDSHM_POSIX_NAME_DIRECTORY");
	char name[256];
	long_name(name, sizeof(name), "dirshared");
	tdshm_shm *shm = NULL;
	tdshm_error err;
	tdshm_status status = tdshm_shm_create(name, 8, true, &shm, &err);
	use_main_directory();
	assert_int_equal(status, TDSHM_OK);
	uint8_t *bytes = NULL;
	size_t size = 0;
	tdshm_lock *lock = NULL;
	assert_int_equal(tdshm_lock_open("TD1zzSharedNameLock", &lock, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_acquire(lock, 5000, &err), TDSHM_OK);
	bytes = tdshm_test_read_file("/dev/shm/TD1zzSharedNameDirectory", &size);
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
	assert_non_null(bytes);
	directory_image image = {.bytes = bytes, .size = size};
	image.allocated = tdshm_load_u64le(bytes, 0);
	image.used = tdshm_load_u64le(bytes, 8);
	image.version = tdshm_load_u64le(bytes, 16);
	assert_int_equal(image.version, 1);
	assert_true(24 + image.allocated <= size && image.used <= image.allocated);
	const char *value = directory_image_value(&image, name);
	assert_non_null(value);
	assert_int_equal(strncmp(value, "TD44e33-", 8), 0);
	assert_true(shm_file_exists(value));
	tdshm_shm_close_and_remove(shm);
	free(bytes);
}

static int remove_own_directory(void **state)
{
	remove_directory();
	return 0;
}

#define FRESH_DIRECTORY_TEST(f, letter)                                                            \
	cmocka_unit_test_prestate_setup_teardown(f, fresh_directory_setup,                         \
						 fresh_directory_teardown, letter)

int main(void)
{
	/* macOS's limit, so the directory path runs here. */
	setenv("TDSHM_POSIX_NAME_MAX", "31", 1);
	snprintf(directory_stem, sizeof(directory_stem), "TDn%u", tdshm_process_id());
	use_main_directory();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_comes_from_the_environment),
	    cmocka_unit_test(test_long_segment_name_maps_to_directory_value),
	    FRESH_DIRECTORY_TEST(test_directory_bytes_follow_protocol, "l"),
	    FRESH_DIRECTORY_TEST(test_new_name_takes_smallest_unused_number, "g"),
	    FRESH_DIRECTORY_TEST(test_corrupt_directory_is_refused, "c"),
	    FRESH_DIRECTORY_TEST(test_opener_never_registers, "o"),
	    cmocka_unit_test(test_recreated_long_name_reuses_its_entry),
	    FRESH_DIRECTORY_TEST(test_directory_grows_keeping_every_entry, "w"),
	    cmocka_unit_test(test_long_lock_name_maps_and_excludes),
	    cmocka_unit_test(test_list_shows_long_names_not_directory_values),
	    cmocka_unit_test(test_shared_directory_uses_touchdesigner_names),
	};
	return cmocka_run_group_tests(tests, NULL, remove_own_directory);
}
