/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the Windows listing walks: this session's object directory. A file
 * mapping made here appears in it as a "Section" under its exact (UTF-16 →
 * UTF-8) name, a mutex as a "Mutant"; tdshm_shm_list hands on the sections
 * with the prefix only, and a closed mapping is gone from it. The suite
 * prints the directory's path and what kinds of objects it holds (what Wine
 * shows of it, for the record). Windows-only (runs under Wine in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "tdshm/platform.h"
#include "roles_support.h"
#include "test_support.h"
#include "win/internal.h"

#define TYPES_MAX 32

typedef struct seen {
	const char *section_name, *mutex_name;
	bool section_as_section, mutex_as_mutant, mutex_as_section;
	size_t entries;
	char types[TYPES_MAX][64];
	size_t type_counts[TYPES_MAX];
	size_t type_count;
} seen;

static void seen_visit(const char *name, const char *type, void *ctx)
{
	seen *s = ctx;
	s->entries++;
	if (strcmp(name, s->section_name) == 0 && strcmp(type, "Section") == 0)
		s->section_as_section = true;
	if (strcmp(name, s->mutex_name) == 0) {
		s->mutex_as_mutant |= strcmp(type, "Mutant") == 0;
		s->mutex_as_section |= strcmp(type, "Section") == 0;
	}
	for (size_t i = 0; i < s->type_count; i++)
		if (strcmp(s->types[i], type) == 0) {
			s->type_counts[i]++;
			return;
		}
	if (s->type_count < TYPES_MAX) {
		snprintf(s->types[s->type_count], sizeof(s->types[0]), "%s", type);
		s->type_counts[s->type_count++] = 1;
	}
}

typedef struct listed {
	const char *want;
	int hits;
	size_t all;
} listed;

static void listed_visit(const char *full_name, void *ctx)
{
	listed *l = ctx;
	l->all++;
	if (strcmp(full_name, l->want) == 0)
		l->hits++;
}

static void test_mapping_appears_as_section_and_goes_with_its_handle(void **state)
{
	(void)state;
	char section_name[128], mutex_name[160];
	tdshm_test_segment_name(section_name, sizeof(section_name), "Obj\xc3\xa9\xe6\x97\xa5");
	snprintf(mutex_name, sizeof(mutex_name), "%sMutex", section_name);
	tdshm_error err;
	tdshm_shm *shm = NULL;
	tdshm_lock *lock = NULL;
	assert_int_equal(tdshm_shm_create(section_name, 4096, true, &shm, &err), TDSHM_OK);
	assert_int_equal(tdshm_lock_open(mutex_name, &lock, &err), TDSHM_OK);

	wchar_t path[64];
	tdshm_win_object_directory_path(path, 64);
	DWORD session = 0;
	ProcessIdToSessionId(GetCurrentProcessId(), &session);
	seen s = {.section_name = section_name, .mutex_name = mutex_name};
	tdshm_status status = tdshm_win_object_directory_list(seen_visit, &s, &err);
	if (status != TDSHM_OK)
		fail_msg("cannot walk %ls: %s", path, err.message);
	printf("object directory %ls (session %lu): %zu entries;", path, (unsigned long)session,
	       s.entries);
	for (size_t i = 0; i < s.type_count; i++)
		printf(" %s %zu", s.types[i], s.type_counts[i]);
	printf("\n");
	assert_true(s.section_as_section);
	assert_true(s.mutex_as_mutant);
	assert_false(s.mutex_as_section);

	/* The listing: sections with the prefix, the mutex never. */
	listed l = {.want = section_name};
	assert_int_equal(tdshm_shm_list(section_name, listed_visit, &l, &err), TDSHM_OK);
	assert_int_equal(l.hits, 1);
	assert_int_equal(l.all, 1); /* the mutex shares the prefix, and is no section */

	/* The last handle closed: the mapping, and its entry, are gone. */
	tdshm_shm_close_and_remove(shm);
	l = (listed){.want = section_name};
	assert_int_equal(tdshm_shm_list(section_name, listed_visit, &l, &err), TDSHM_OK);
	assert_int_equal(l.hits, 0);
	tdshm_lock_close(lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapping_appears_as_section_and_goes_with_its_handle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
