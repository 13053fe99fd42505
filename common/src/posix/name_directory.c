/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The POSIX name directory: see name_directory.h for the layout. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte_order.h"
#include "posix/internal.h"
#include "tdshm/platform.h"

#define HEAD TDSHM_NAME_DIRECTORY_HEAD_SIZE

/* One mapping of the directory segment, valid while the directory lock is
 * held (a registrar that grows it unlinks and re-creates it). */
typedef struct directory_view {
	char name[TDSHM_NAME_DIRECTORY_STEM_MAX + 16]; /* the directory segment */
	char value_prefix[TDSHM_NAME_DIRECTORY_STEM_MAX + 2];
	int fd;
	uint8_t *bytes;
	size_t size;
	int guard; /* mapping_guard slot of bytes */
	uint64_t allocated;
	uint64_t used;
} directory_view;

static void directory_view_close(directory_view *view)
{
	if (view->bytes) {
		tdshm_posix_guard_remove(view->guard);
		munmap(view->bytes, view->size);
	}
	if (view->fd >= 0)
		close(view->fd);
	view->bytes = NULL;
	view->fd = -1;
}

static size_t directory_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	return page > 0 ? (size_t)page : 4096;
}

/* Maps an existing directory; NOT_FOUND if there is none. The head is
 * untrusted (another program wrote it): checked against the mapped size. */
static tdshm_status directory_view_open(directory_view *view, bool writable, tdshm_error *err)
{
	view->fd = shm_open(view->name, writable ? O_RDWR : O_RDONLY, 0);
	view->bytes = NULL;
	if (view->fd < 0) {
		if (errno == ENOENT)
			return tdshm_error_set(
			    err, TDSHM_NOT_FOUND,
			    "the shared-memory name directory '%s' does not exist", view->name);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot open the shared-memory name directory '%s': %s",
				       view->name, strerror(errno));
	}
	struct stat st;
	if (fstat(view->fd, &st) != 0 || st.st_size < HEAD) {
		directory_view_close(view);
		return tdshm_error_set(
		    err, TDSHM_REFUSED,
		    "the shared-memory name directory '%s' is too small to hold "
		    "its header: remove it (no TouchDesigner or OBS running) and "
		    "try again",
		    view->name);
	}
	view->size = (size_t)st.st_size;
	void *map = mmap(NULL, view->size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED, view->fd, 0);
	if (map == MAP_FAILED) {
		int saved = errno;
		directory_view_close(view);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot map the shared-memory name directory: %s",
				       strerror(saved));
	}
	view->bytes = map;
	view->guard = tdshm_posix_guard_add(map, view->size);
	view->allocated = tdshm_load_u64le(view->bytes, 0);
	view->used = tdshm_load_u64le(view->bytes, 8);
	uint64_t version = tdshm_load_u64le(view->bytes, 16);
	if (version != TDSHM_NAME_DIRECTORY_VERSION || view->allocated > view->size - HEAD ||
	    view->used > view->allocated) {
		directory_view_close(view);
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "the shared-memory name directory '%s' has an unknown "
				       "layout (version %llu, %llu of %llu bytes used in %zu)",
				       view->name, (unsigned long long)version,
				       (unsigned long long)view->used,
				       (unsigned long long)view->allocated, view->size);
	}
	return TDSHM_OK;
}

/* Creates the directory (which must not exist) at a whole number of pages
 * holding at least need bytes of entries; entries are copied in. */
static tdshm_status directory_view_create(directory_view *view, const uint8_t *entries, size_t used,
					  size_t need, tdshm_error *err)
{
	size_t page = directory_page_size();
	size_t size = (HEAD + need + page - 1) / page * page;
	view->bytes = NULL;
	view->fd = shm_open(view->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (view->fd < 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot create the shared-memory name directory '%s': %s",
				       view->name, strerror(errno));
	if (ftruncate(view->fd, (off_t)size) != 0) {
		int saved = errno;
		directory_view_close(view);
		shm_unlink(view->name);
		return tdshm_error_set(
		    err, TDSHM_SYSTEM_ERROR,
		    "cannot size the shared-memory name directory to %zu bytes: %s", size,
		    strerror(saved));
	}
	tdshm_status reserved = tdshm_posix_reserve(view->fd, size, view->name, err);
	if (reserved != TDSHM_OK) {
		directory_view_close(view);
		shm_unlink(view->name);
		return reserved;
	}
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, view->fd, 0);
	if (map == MAP_FAILED) {
		int saved = errno;
		directory_view_close(view);
		shm_unlink(view->name);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot map the shared-memory name directory: %s",
				       strerror(saved));
	}
	view->bytes = map;
	view->size = size;
	view->guard = tdshm_posix_guard_add(map, size);
	view->allocated = size - HEAD;
	view->used = used;
	if (used)
		memcpy(view->bytes + HEAD, entries, used);
	tdshm_store_u64le(view->bytes, 0, view->allocated);
	tdshm_store_u64le(view->bytes, 8, view->used);
	tdshm_store_u64le(view->bytes, 16, TDSHM_NAME_DIRECTORY_VERSION);
	return TDSHM_OK;
}

/* Walks "key\0value\0" pairs; stops at the first one not wholly inside. */
typedef struct directory_entry {
	const char *key;
	const char *value;
} directory_entry;

static bool directory_next(const uint8_t *entries, size_t used, size_t *pos, directory_entry *out)
{
	size_t at = *pos;
	const uint8_t *key_end = at < used ? memchr(entries + at, 0, used - at) : NULL;
	if (!key_end)
		return false;
	size_t value_at = (size_t)(key_end - entries) + 1;
	const uint8_t *value_end =
	    value_at < used ? memchr(entries + value_at, 0, used - value_at) : NULL;
	if (!value_end)
		return false;
	out->key = (const char *)entries + at;
	out->value = (const char *)entries + value_at;
	*pos = (size_t)(value_end - entries) + 1;
	return true;
}

/* The value of the entry whose key is text or, by_value, the key of the
 * entry whose value is text; NULL when there is none. */
static const char *directory_lookup(const uint8_t *entries, size_t used, const char *text,
				    bool by_value)
{
	size_t pos = 0;
	directory_entry e;
	while (directory_next(entries, used, &pos, &e))
		if (strcmp(by_value ? e.value : e.key, text) == 0)
			return by_value ? e.key : e.value;
	return NULL;
}

static const char *directory_find(const uint8_t *entries, size_t used, const char *key)
{
	return directory_lookup(entries, used, key, false);
}

const char *tdshm_name_directory_key_of(const uint8_t *entries, size_t used, const char *value)
{
	return directory_lookup(entries, used, value, true);
}

/* Whether an object of that name exists already, e.g. after a directory
 * was lost and made again: such a name is never handed out. */
static bool directory_value_has_object(const char *value)
{
	int fd = shm_open(value, O_RDONLY, 0);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != ENOENT;
}

static int directory_compare_numbers(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Writes prefix + n for the smallest n not yet used as a value (docs/protocol.md
 * §1) whose name no existing object has either. */
static tdshm_status directory_new_value(const directory_view *view, char *value, size_t cap,
					tdshm_error *err)
{
	const uint8_t *entries = view->bytes + HEAD;
	size_t used = (size_t)view->used, count = 0, pos = 0;
	directory_entry e;
	while (directory_next(entries, used, &pos, &e))
		count++;
	uint64_t *numbers = malloc((count ? count : 1) * sizeof(*numbers));
	if (!numbers)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory reading the name directory");
	size_t found = 0, prefix_len = strlen(view->value_prefix);
	pos = 0;
	while (directory_next(entries, used, &pos, &e)) {
		const char *digits = e.value + prefix_len;
		char *end = NULL;
		if (strncmp(e.value, view->value_prefix, prefix_len) != 0 || digits[0] < '0' ||
		    digits[0] > '9')
			continue;
		unsigned long long n = strtoull(digits, &end, 10);
		if (*end == '\0')
			numbers[found++] = n;
	}
	qsort(numbers, found, sizeof(*numbers), directory_compare_numbers);
	size_t next = 0;
	/* Bounded: every step skips a value or an existing object. */
	for (uint64_t n = 0; n <= (uint64_t)count + 100000; n++) {
		while (next < found && numbers[next] < n)
			next++;
		if (next < found && numbers[next] == n)
			continue;
		int len = snprintf(value, cap, "%s%llu", view->value_prefix, (unsigned long long)n);
		if (len < 0 || (size_t)len >= cap)
			break;
		if (!directory_value_has_object(value)) {
			free(numbers);
			return TDSHM_OK;
		}
	}
	free(numbers);
	return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
			       "the name directory '%s' found no free short name", view->name);
}

/* Appends key -> a new value; grows by copy, unlink and re-create when the
 * entries do not fit (macOS cannot resize a shm object once sized). */
static tdshm_status directory_register(directory_view *view, const char *key, char *value,
				       size_t value_cap, tdshm_error *err)
{
	const uint8_t *entries = view->bytes + HEAD;
	tdshm_status status = directory_new_value(view, value, value_cap, err);
	if (status != TDSHM_OK)
		return status;
	size_t key_len = strlen(key) + 1, value_len = strlen(value) + 1;
	size_t used = (size_t)view->used;
	if (used + key_len + value_len > view->allocated) {
		uint8_t *copy = malloc(used ? used : 1);
		if (!copy)
			return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
					       "out of memory growing the name directory");
		memcpy(copy, entries, used);
		directory_view_close(view);
		shm_unlink(view->name);
		/* Double, so that a run of registrations copies rarely. */
		size_t need = (used + key_len + value_len) * 2;
		status = directory_view_create(view, copy, used, need, err);
		free(copy);
		if (status != TDSHM_OK)
			return status;
	}
	uint8_t *at = view->bytes + HEAD + used;
	memcpy(at, key, key_len);
	memcpy(at + key_len, value, value_len);
	/* Entries first, then the count that makes them visible. */
	view->used = used + key_len + value_len;
	tdshm_store_u64le(view->bytes, 8, view->used);
	return TDSHM_OK;
}

/* After reading (or writing) the view: a directory truncated meanwhile by
 * another process read as zeros, so what was found is not to be used. */
static tdshm_status directory_view_intact(const directory_view *view, tdshm_status status,
					  tdshm_error *err)
{
	if (!view->bytes || !tdshm_posix_guard_faulted(view->guard))
		return status;
	return tdshm_error_set(err, TDSHM_REFUSED,
			       "refused: the shared-memory name directory '%s' shrank while it "
			       "was being read (another process truncated it)",
			       view->name);
}

/* The directory's two names: TouchDesigner's, or a test's own stem from
 * TDSHM_POSIX_NAME_DIRECTORY (see name_directory.h). */
static void directory_names(directory_view *view, char *lock_name, size_t lock_cap)
{
	const char *stem = getenv("TDSHM_POSIX_NAME_DIRECTORY");
	if (!stem || !stem[0] || strlen(stem) > TDSHM_NAME_DIRECTORY_STEM_MAX || strchr(stem, '/'))
		stem = TDSHM_NAME_DIRECTORY_STEM;
	snprintf(view->name, sizeof(view->name), "%sDirectory", stem);
	/* A test's directory hands out names of its own, so that it never
	 * meets objects registered in TouchDesigner's. */
	if (strcmp(stem, TDSHM_NAME_DIRECTORY_STEM) == 0)
		snprintf(view->value_prefix, sizeof(view->value_prefix), "%s",
			 TDSHM_NAME_DIRECTORY_VALUE_PREFIX);
	else
		snprintf(view->value_prefix, sizeof(view->value_prefix), "%s-", stem);
	snprintf(lock_name, lock_cap, "%sLock", stem);
	view->fd = -1;
	view->bytes = NULL;
}

static tdshm_status directory_lock(const char *lock_name, tdshm_lock **lock, tdshm_error *err)
{
	/* Short enough never to go through the directory itself. */
	tdshm_status status = tdshm_lock_open(lock_name, lock, err);
	if (status != TDSHM_OK)
		return status;
	status = tdshm_lock_acquire(*lock, TDSHM_NAME_DIRECTORY_TIMEOUT_MS, err);
	tdshm_error retry_err; /* the first wait's message is the one to keep */
	if (status == TDSHM_TIMED_OUT && tdshm_lock_acquire(*lock, 0, &retry_err) == TDSHM_OK) {
		/* A dead holder is reclaimed by the failed wait: one more try. */
		status = TDSHM_OK;
	}
	if (status != TDSHM_OK) {
		tdshm_lock_close(*lock);
		*lock = NULL;
	}
	return status;
}

static void directory_unlock(tdshm_lock *lock)
{
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
}

/* The directory's names and its lock taken: every look at the directory
 * starts so. */
static tdshm_status directory_enter(directory_view *view, tdshm_lock **lock, tdshm_error *err)
{
	char lock_name[TDSHM_NAME_DIRECTORY_STEM_MAX + 16];
	directory_names(view, lock_name, sizeof(lock_name));
	*lock = NULL;
	return directory_lock(lock_name, lock, err);
}

/* ... and ends so: whatever was read is trusted only if the directory did
 * not shrink meanwhile. */
static tdshm_status directory_leave(directory_view *view, tdshm_lock *lock, tdshm_status status,
				    tdshm_error *err)
{
	status = directory_view_intact(view, status, err);
	directory_view_close(view);
	directory_unlock(lock);
	return status;
}

static tdshm_status directory_resolve(const char *full_name, bool registering, char *out,
				      size_t cap, tdshm_error *err)
{
	directory_view view;
	tdshm_lock *lock = NULL;
	tdshm_status status = directory_enter(&view, &lock, err);
	if (status != TDSHM_OK)
		return status;
	status = directory_view_open(&view, registering, err);
	if (status == TDSHM_NOT_FOUND && registering)
		status = directory_view_create(&view, NULL, 0, 1, err);
	if (status == TDSHM_NOT_FOUND) {
		tdshm_error_set(err, TDSHM_NOT_FOUND,
				"'%s' is longer than %zu characters and no name directory exists "
				"yet, so nobody has created it",
				full_name, tdshm_platform_name_max());
	}
	if (status == TDSHM_OK) {
		const char *value = directory_find(view.bytes + HEAD, (size_t)view.used, full_name);
		if (value && strlen(value) < cap) {
			memcpy(out, value, strlen(value) + 1);
		} else if (value) {
			status = tdshm_error_set(err, TDSHM_REFUSED,
						 "the name directory maps '%s' to a name too long",
						 full_name);
		} else if (registering) {
			status = directory_register(&view, full_name, out, cap, err);
		} else {
			status = tdshm_error_set(err, TDSHM_NOT_FOUND,
						 "'%s' is not in the name directory: nobody has "
						 "created it",
						 full_name);
		}
	}
	return directory_leave(&view, lock, status, err);
}

tdshm_status tdshm_posix_system_name(const char *full_name, bool registering, char *out, size_t cap,
				     tdshm_error *err)
{
	size_t len = full_name ? strlen(full_name) : 0;
	if (len == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "a shared-memory name is empty");
	if (strchr(full_name, '/'))
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "the shared-memory name '%s' contains '/'", full_name);
	if (len >= TDSHM_POSIX_NAME_CAP)
		return tdshm_error_set(
		    err, TDSHM_INVALID_ARGUMENT,
		    "the shared-memory name '%.40s...' is %zu characters long; at "
		    "most %d are supported: choose a shorter Shared Mem Name",
		    full_name, len, TDSHM_POSIX_NAME_CAP - 1);
	if (len <= tdshm_platform_name_max()) {
		if (len >= cap)
			return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
					       "name buffer too small for '%s'", full_name);
		memcpy(out, full_name, len + 1);
		return TDSHM_OK;
	}
	return directory_resolve(full_name, registering, out, cap, err);
}

tdshm_status tdshm_name_directory_copy(uint8_t **entries, size_t *used, tdshm_error *err)
{
	*entries = NULL;
	directory_view view;
	tdshm_lock *lock = NULL;
	tdshm_status status = directory_enter(&view, &lock, err);
	if (status != TDSHM_OK)
		return status;
	status = directory_view_open(&view, false, err);
	if (status == TDSHM_OK) {
		*used = (size_t)view.used;
		*entries = malloc(*used ? *used : 1);
		if (*entries)
			memcpy(*entries, view.bytes + HEAD, *used);
		else
			status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
						 "out of memory reading the name directory");
	}
	status = directory_leave(&view, lock, status, err);
	if (status != TDSHM_OK && *entries) {
		free(*entries);
		*entries = NULL;
	}
	return status;
}
