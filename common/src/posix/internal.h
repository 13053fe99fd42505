/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The POSIX backend's one internal header (as win/internal.h is Windows').
 *
 * The POSIX name directory (docs/protocol.md §1): how names longer than the
 * system's shm_open limit (31 characters on macOS) map to short ones.
 *
 * Layout of the directory segment, all u64 little-endian (the byte order of
 * every Mac TouchDesigner runs on):
 *   @0  allocated  bytes available after the 24-byte head
 *   @8  used       bytes of entries after the head
 *   @16 version    1
 *   @24 entries    "key\0value\0" back to back; key = long name, value =
 *                  "TD44e33-<n>", n the smallest decimal not yet a value
 *                  (and, to survive a lost directory, not the name of an
 *                  object that exists).
 *
 * Entries are never removed, by us or (as far as is known) by TouchDesigner:
 * another process may be about to look a name up, and a removed entry could
 * make two long names share a short one. Re-creating an object under the same
 * long name reuses its entry, so the directory grows only with new names
 * (each postfix resize adds one). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/status.h"

#define TDSHM_NAME_DIRECTORY "TD1zzSharedNameDirectory"
#define TDSHM_NAME_DIRECTORY_LOCK "TD1zzSharedNameLock"
/* Both names are a stem + "Directory" / "Lock". Tests set their own stem in
 * the environment variable TDSHM_POSIX_NAME_DIRECTORY (at most 15
 * characters, so "<stem>Directory" fits even a 24-character limit) to work
 * on a directory of their own and remove it afterwards: the shared one is
 * never shrunk, so test runs would otherwise grow it for ever. Its values
 * are "<stem>-<n>" instead of "TD44e33-<n>", so that they never meet objects
 * registered in the shared directory. Never set it when working with
 * TouchDesigner. */
#define TDSHM_NAME_DIRECTORY_STEM "TD1zzSharedName"
#define TDSHM_NAME_DIRECTORY_STEM_MAX 15
#define TDSHM_NAME_DIRECTORY_VALUE_PREFIX "TD44e33-"
#define TDSHM_NAME_DIRECTORY_HEAD_SIZE 24
#define TDSHM_NAME_DIRECTORY_VERSION 1
/* The protocol's wait on the directory lock. */
#define TDSHM_NAME_DIRECTORY_TIMEOUT_MS 5000
/* Longest name the system layer handles, long or short, NUL included. */
#define TDSHM_POSIX_NAME_CAP 512

/* The name to pass to shm_open for full_name: full_name itself when it fits
 * the limit (tdshm_platform_name_max), else its directory value. registering:
 * the caller is about to create the object, so a missing entry is added;
 * otherwise a missing entry is TDSHM_NOT_FOUND. INVALID_ARGUMENT for an empty
 * name, one with '/', or one longer than TDSHM_POSIX_NAME_CAP - 1. */
tdshm_status tdshm_posix_system_name(const char *full_name, bool registering, char *out, size_t cap,
				     tdshm_error *err) TDSHM_MUST_CHECK;

/* A copy of the directory's entries (malloc'd, caller frees) for reverse
 * lookups; TDSHM_NOT_FOUND when there is no directory. */
tdshm_status tdshm_name_directory_copy(uint8_t **entries, size_t *used,
				       tdshm_error *err) TDSHM_MUST_CHECK;

/* The key whose value is value in a copy, or NULL. */
const char *tdshm_name_directory_key_of(const uint8_t *entries, size_t used, const char *value);

/* Where glibc keeps shm_open objects (`tdshm list` enumerates it, and a
 * full one is named in errors). */
#define TDSHM_POSIX_SHM_DIR "/dev/shm"

/* Reserves the first size bytes of a sized shm object, so that writing them
 * can never raise SIGBUS on a full /dev/shm. The error names the size needed
 * and the space free ("shared memory is full: 132 MB needed, 40 MB free in
 * /dev/shm"). Nothing to do on macOS (no fixed-size store to fill). */
tdshm_status tdshm_posix_reserve(int fd, size_t size, const char *full_name,
				 tdshm_error *err) TDSHM_MUST_CHECK;

/* Mappings another process may shrink (mapping_guard.c): every mapping
 * the backend makes is registered, and a SIGBUS on it replaces the whole
 * mapping with zero pages and marks it instead of killing the process.
 * add returns the slot (-1: unguarded, the table is full); remove it
 * before unmapping. */
int tdshm_posix_guard_add(void *bytes, size_t size);
void tdshm_posix_guard_remove(int slot);
/* Whether a fault replaced the mapping since it was added. */
bool tdshm_posix_guard_faulted(int slot);
/* Whether any registered mapping overlapping the range has faulted. */
bool tdshm_posix_guard_range_faulted(const void *bytes, size_t size);

/* What a user can do about a failed shm_open, ftruncate or mmap, appended to
 * the system's own words (shared by the POSIX backend's files). */
static inline const char *tdshm_posix_error_hint(int error)
{
	switch (error) {
	case EACCES:
	case EPERM:
		return " (it belongs to another user: run OBS, TouchDesigner and tdshm as the "
		       "same user)";
	case ENOSPC:
	case ENOMEM:
		return " (shared memory is full: close other senders or enlarge /dev/shm)";
	case EMFILE:
	case ENFILE:
		return " (too many open files: raise the limit or close other programs)";
	default:
		return "";
	}
}
