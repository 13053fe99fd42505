/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named segments on POSIX: shm_open objects (docs/protocol.md §1). Names go to
 * shm_open without a leading slash, as TouchDesigner passes them on macOS
 * (glibc strips a leading slash anyway, macOS would not); names over the
 * system's limit go through the name directory. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "posix/internal.h"
#include "tdshm/platform.h"

struct tdshm_shm {
	char full_name[TDSHM_POSIX_NAME_CAP];
	char system_name[TDSHM_POSIX_NAME_CAP]; /* what shm_open saw */
	uint8_t *bytes;
	size_t size;
	bool created; /* this handle made the object: it may unlink it */
	dev_t device; /* identity of the mapped object, to tell when its name */
	ino_t inode;  /* has been given to a new one (tdshm_shm_is_current) */
	int fd;       /* kept open to see the object shrink (fstat) */
	int guard;    /* mapping_guard slot, -1 if unguarded */
};

static tdshm_status shm_map(tdshm_shm *shm, int fd, size_t size, tdshm_error *err)
{
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return tdshm_error_set(
		    err, TDSHM_SYSTEM_ERROR, "cannot map shared memory '%s' (%zu bytes): %s%s",
		    shm->full_name, size, strerror(errno), tdshm_posix_error_hint(errno));
	shm->bytes = map;
	shm->size = size;
	shm->guard = tdshm_posix_guard_add(map, size);
	struct stat st;
	if (fstat(fd, &st) == 0) {
		shm->device = st.st_dev;
		shm->inode = st.st_ino;
	}
	shm->fd = dup(fd);
	return TDSHM_OK;
}

static tdshm_shm *shm_alloc(const char *full_name, const char *system_name)
{
	tdshm_shm *shm = calloc(1, sizeof(*shm));
	if (!shm)
		return NULL;
	/* Both fit: tdshm_posix_system_name checked the length. */
	strcpy(shm->full_name, full_name);
	strcpy(shm->system_name, system_name);
	shm->fd = -1;
	shm->guard = -1;
	return shm;
}

/* Sizes for a user: "132 MB", "64 KB". */
static void shm_format_size(uint64_t bytes, char *out, size_t cap)
{
	if (bytes >= 10u * 1024 * 1024)
		snprintf(out, cap, "%llu MB", (unsigned long long)(bytes / (1024 * 1024)));
	else if (bytes >= 1024)
		snprintf(out, cap, "%llu KB", (unsigned long long)(bytes / 1024));
	else
		snprintf(out, cap, "%llu bytes", (unsigned long long)bytes);
}

tdshm_status tdshm_posix_reserve(int fd, size_t size, const char *full_name, tdshm_error *err)
{
#if defined(__APPLE__)
	/* macOS has no posix_fallocate, and its shm_open objects are not a
	 * file system of fixed size: their pages come from the VM system
	 * (memory and swap), so there is no "full /dev/shm" to run into. */
	(void)fd;
	(void)size;
	(void)full_name;
	(void)err;
	return TDSHM_OK;
#else
	/* ftruncate alone only sets the size: on a full tmpfs the first
	 * write to a page then raises SIGBUS in whoever touches it. Pages
	 * reserved here can always be written. */
	int rc = posix_fallocate(fd, 0, (off_t)size);
	if (rc == 0)
		return TDSHM_OK;
	if (rc != ENOSPC)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot reserve %zu bytes of shared memory for '%s': %s%s",
				       size, full_name, strerror(rc), tdshm_posix_error_hint(rc));
	char needed[32], free_text[48];
	shm_format_size(size, needed, sizeof(needed));
	struct statvfs vfs;
	if (fstatvfs(fd, &vfs) == 0)
		shm_format_size((uint64_t)vfs.f_bavail * vfs.f_frsize, free_text,
				sizeof(free_text));
	else
		snprintf(free_text, sizeof(free_text), "less than that");
	return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
			       "shared memory is full: %s needed, %s free in %s (for '%s'; close "
			       "other senders, make the image smaller, or enlarge %s)",
			       needed, free_text, TDSHM_POSIX_SHM_DIR, full_name,
			       TDSHM_POSIX_SHM_DIR);
#endif
}

/* Grows an object we reuse, never shrinks it: a receiver that mapped the
 * old size would fault on the lost pages. macOS refuses to resize a sized
 * object at all; that comes back as the system error it is. */
static tdshm_status shm_size_object(tdshm_shm *shm, int fd, size_t size, size_t *mapped,
				    tdshm_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot inspect '%s': %s%s",
				       shm->full_name, strerror(errno),
				       tdshm_posix_error_hint(errno));
	if (!shm->created && (size_t)st.st_size >= size) {
		*mapped = (size_t)st.st_size;
		/* Reused, perhaps with holes: the pages we write are reserved. */
		return tdshm_posix_reserve(fd, size, shm->full_name, err);
	}
	if (ftruncate(fd, (off_t)size) != 0)
		return tdshm_error_set(
		    err, TDSHM_SYSTEM_ERROR, "cannot size shared memory '%s' to %zu bytes: %s%s",
		    shm->full_name, size, strerror(errno), tdshm_posix_error_hint(errno));
	*mapped = size;
	return tdshm_posix_reserve(fd, size, shm->full_name, err);
}

tdshm_status tdshm_shm_create(const char *full_name, size_t size, bool exclusive, tdshm_shm **out,
			      tdshm_error *err)
{
	*out = NULL;
	if (size == 0 || size > (size_t)INT64_MAX)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "cannot create shared memory '%s' of %zu bytes",
				       full_name ? full_name : "", size);
	char system_name[TDSHM_POSIX_NAME_CAP];
	tdshm_status status =
	    tdshm_posix_system_name(full_name, true, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	tdshm_shm *shm = shm_alloc(full_name, system_name);
	if (!shm)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");

	/* Exclusive first even when reuse is allowed: only then do we know
	 * whether this handle created the object (and may unlink it). */
	int fd = shm_open(system_name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		shm->created = true;
		/* The umask may have taken bits from 0600; the owner needs both. */
		fchmod(fd, 0600);
	} else if (errno == EEXIST && !exclusive) {
		fd = shm_open(system_name, O_RDWR, 0600);
	}
	if (fd < 0) {
		int saved = errno;
		free(shm);
		if (saved == EEXIST)
			return tdshm_error_set(err, TDSHM_EXISTS,
					       "shared memory '%s' already exists", full_name);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot create shared memory '%s': %s%s", full_name,
				       strerror(saved), tdshm_posix_error_hint(saved));
	}
	size_t mapped = 0;
	status = shm_size_object(shm, fd, size, &mapped, err);
	if (status == TDSHM_OK)
		status = shm_map(shm, fd, mapped, err);
	close(fd);
	if (status != TDSHM_OK) {
		if (shm->created)
			shm_unlink(system_name);
		free(shm);
		return status;
	}
	*out = shm;
	return TDSHM_OK;
}

tdshm_status tdshm_shm_open(const char *full_name, tdshm_shm **out, tdshm_error *err)
{
	*out = NULL;
	char system_name[TDSHM_POSIX_NAME_CAP];
	tdshm_status status =
	    tdshm_posix_system_name(full_name, false, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	int fd = shm_open(system_name, O_RDWR, 0600);
	if (fd < 0) {
		if (errno == ENOENT)
			return tdshm_error_set(err, TDSHM_NOT_FOUND,
					       "shared memory '%s' does not exist", full_name);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot open shared memory '%s': %s%s", full_name,
				       strerror(errno), tdshm_posix_error_hint(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "cannot inspect '%s': %s%s",
				       full_name, strerror(saved), tdshm_posix_error_hint(saved));
	}
	if (st.st_size <= 0) {
		/* Between its creator's shm_open and ftruncate: not there yet. */
		close(fd);
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "shared memory '%s' exists but is still empty", full_name);
	}
	tdshm_shm *shm = shm_alloc(full_name, system_name);
	if (!shm) {
		close(fd);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	}
	status = shm_map(shm, fd, (size_t)st.st_size, err);
	close(fd);
	if (status != TDSHM_OK) {
		free(shm);
		return status;
	}
	*out = shm;
	return TDSHM_OK;
}

uint8_t *tdshm_shm_bytes(const tdshm_shm *shm)
{
	return shm->bytes;
}

size_t tdshm_shm_size(const tdshm_shm *shm)
{
	return shm->size;
}

const char *tdshm_shm_name(const tdshm_shm *shm)
{
	return shm->full_name;
}

void tdshm_shm_close(tdshm_shm *shm)
{
	if (!shm)
		return;
	tdshm_posix_guard_remove(shm->guard);
	if (shm->bytes)
		munmap(shm->bytes, shm->size);
	if (shm->fd >= 0)
		close(shm->fd);
	free(shm);
}

tdshm_status tdshm_shm_check_intact(const tdshm_shm *shm, tdshm_error *err)
{
	struct stat st;
	if (tdshm_posix_guard_faulted(shm->guard))
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "refused: shared memory '%s' shrank while it was being read "
				       "(another process truncated it); what was read is dropped",
				       shm->full_name);
	if (shm->fd >= 0 && fstat(shm->fd, &st) == 0 && (uint64_t)st.st_size < shm->size)
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "refused: shared memory '%s' shrank to %lld of its %zu "
				       "bytes (another process truncated it)",
				       shm->full_name, (long long)st.st_size, shm->size);
	return TDSHM_OK;
}

tdshm_status tdshm_mapped_range_check(const void *bytes, size_t size, tdshm_error *err)
{
	if (tdshm_posix_guard_range_faulted(bytes, size))
		return tdshm_error_set(err, TDSHM_REFUSED,
				       "refused: the shared memory shrank while it was being read "
				       "(another process truncated it); what was read is dropped");
	return TDSHM_OK;
}

void tdshm_shm_close_and_remove(tdshm_shm *shm)
{
	if (!shm)
		return;
	if (shm->created)
		shm_unlink(shm->system_name);
	tdshm_shm_close(shm);
}

tdshm_status tdshm_shm_remove(const char *full_name, tdshm_error *err)
{
	char system_name[TDSHM_POSIX_NAME_CAP];
	tdshm_status status =
	    tdshm_posix_system_name(full_name, false, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	if (shm_unlink(system_name) != 0) {
		if (errno == ENOENT)
			return tdshm_error_set(err, TDSHM_NOT_FOUND,
					       "shared memory '%s' does not exist", full_name);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot remove shared memory '%s': %s%s", full_name,
				       strerror(errno), tdshm_posix_error_hint(errno));
	}
	return TDSHM_OK;
}

tdshm_status tdshm_shm_probe(const char *full_name, tdshm_error *err)
{
	char system_name[TDSHM_POSIX_NAME_CAP];
	tdshm_status status =
	    tdshm_posix_system_name(full_name, false, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	int fd = shm_open(system_name, O_RDONLY, 0);
	if (fd >= 0) {
		close(fd);
		return TDSHM_OK;
	}
	if (errno == ENOENT)
		return tdshm_error_set(err, TDSHM_NOT_FOUND, "shared memory '%s' does not exist",
				       full_name);
	/* EACCES and the like: something is there. */
	return TDSHM_OK;
}

tdshm_status tdshm_shm_is_current(const tdshm_shm *shm, tdshm_error *err)
{
	/* Resolved again: a re-created long name may map elsewhere now. */
	char system_name[TDSHM_POSIX_NAME_CAP];
	tdshm_status status =
	    tdshm_posix_system_name(shm->full_name, false, system_name, sizeof(system_name), err);
	if (status != TDSHM_OK)
		return status;
	int fd = shm_open(system_name, O_RDONLY, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return tdshm_error_set(err, TDSHM_NOT_FOUND,
					       "shared memory '%s' has been removed",
					       shm->full_name);
		return TDSHM_OK; /* EACCES and the like: something is there */
	}
	struct stat st;
	bool same = fstat(fd, &st) != 0 || (st.st_dev == shm->device && st.st_ino == shm->inode);
	close(fd);
	if (!same)
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "shared memory '%s' has been re-created by its sender",
				       shm->full_name);
	return TDSHM_OK;
}

tdshm_status tdshm_shm_list(const char *prefix, void (*visit)(const char *full_name, void *ctx),
			    void *ctx, tdshm_error *err)
{
	DIR *dir = opendir(TDSHM_POSIX_SHM_DIR);
	if (!dir)
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "this system cannot list shared memory (no %s): name the "
				       "Shared Mem Name directly",
				       TDSHM_POSIX_SHM_DIR);
	/* Directory values (short names) are shown as the long names behind
	 * them; without a directory there are none to resolve. */
	uint8_t *entries = NULL;
	size_t used = 0;
	tdshm_error ignored;
	if (tdshm_name_directory_copy(&entries, &used, &ignored) != TDSHM_OK) {
		entries = NULL;
		used = 0;
	}
	size_t prefix_len = prefix ? strlen(prefix) : 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		const char *name = entry->d_name;
		if (name[0] == '.')
			continue;
		const char *key = entries ? tdshm_name_directory_key_of(entries, used, name) : NULL;
		if (key)
			name = key;
		if (prefix_len && strncmp(name, prefix, prefix_len) != 0)
			continue;
		visit(name, ctx);
	}
	closedir(dir);
	free(entries);
	return TDSHM_OK;
}
