/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Segments on Windows: named file mappings backed by the paging file, in the
 * session's local namespace, as TouchDesigner makes them (docs/protocol.md §1).
 * The mapping lives while any process holds a handle, so closing is all the
 * removal there is; and the API never tells an opener how big the mapping
 * is, so the size comes from VirtualQuery on the view (docs/protocol.md §5). */
#include <stdlib.h>
#include <string.h>

#include "tdshm/platform.h"
#include "win/internal.h"

struct tdshm_shm {
	HANDLE mapping;
	uint8_t *view;
	size_t size;
	char *name; /* UTF-8, as given */
};

/* What a failed Create/OpenFileMappingW means to the user. */
static tdshm_status tdshm_shm_report_failure(const char *what, const char *full_name, DWORD code,
					     tdshm_error *err)
{
	switch (code) {
	case ERROR_FILE_NOT_FOUND:
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "no shared memory named '%s': is the sender running, "
				       "with the same Shared Mem Name?",
				       full_name);
	case ERROR_ACCESS_DENIED:
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
				       "could not %s shared memory '%s': run OBS and "
				       "TouchDesigner as the same user, both as administrator "
				       "or neither",
				       what, full_name);
	case ERROR_INVALID_HANDLE:
		/* Kernel objects share one namespace: a mutex or event of
		 * that name makes the mapping call fail this way. */
		return tdshm_win_error(err, TDSHM_EXISTS, code,
				       "could not %s shared memory '%s': another kind of "
				       "object already has that name",
				       what, full_name);
	default:
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
				       "could not %s shared memory '%s'", what, full_name);
	}
}

/* Maps the whole mapping and learns the size of the view from the system.
 * On failure closes the mapping handle. */
static tdshm_status tdshm_shm_map(HANDLE mapping, const char *full_name, tdshm_shm **out,
				  tdshm_error *err)
{
	uint8_t *view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (!view) {
		DWORD code = GetLastError();
		CloseHandle(mapping);
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
				       "could not map shared memory '%s' into this process",
				       full_name);
	}
	MEMORY_BASIC_INFORMATION region;
	if (VirtualQuery(view, &region, sizeof(region)) != sizeof(region) ||
	    region.RegionSize == 0) {
		DWORD code = GetLastError();
		UnmapViewOfFile(view);
		CloseHandle(mapping);
		return tdshm_win_error(err, TDSHM_SYSTEM_ERROR, code,
				       "could not learn the size of shared memory '%s'", full_name);
	}
	tdshm_shm *shm = calloc(1, sizeof(*shm));
	char *name = tdshm_win_strdup(full_name);
	if (!shm || !name) {
		free(shm);
		free(name);
		UnmapViewOfFile(view);
		CloseHandle(mapping);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "out of memory opening shared memory '%s'", full_name);
	}
	shm->mapping = mapping;
	shm->view = view;
	/* RegionSize is the view rounded up to whole pages: the most any read
	 * may touch. */
	shm->size = region.RegionSize;
	shm->name = name;
	*out = shm;
	return TDSHM_OK;
}

tdshm_status tdshm_shm_create(const char *full_name, size_t size, bool exclusive, tdshm_shm **out,
			      tdshm_error *err)
{
	*out = NULL;
	wchar_t wide[MAX_PATH];
	tdshm_status status = tdshm_win_name_widen(full_name, wide, MAX_PATH, err);
	if (status != TDSHM_OK)
		return status;
	if (size == 0)
		return tdshm_error_set(err, TDSHM_INVALID_ARGUMENT,
				       "shared memory '%s' cannot be created empty", full_name);
	uint64_t size64 = size;
	/* SetLastError(0) first: ERROR_ALREADY_EXISTS is reported alongside a
	 * valid handle, and only GetLastError tells it apart. */
	SetLastError(0);
	HANDLE mapping =
	    CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, (DWORD)(size64 >> 32),
			       (DWORD)(size64 & 0xffffffffu), wide);
	DWORD code = GetLastError();
	if (!mapping)
		return tdshm_shm_report_failure("create", full_name, code, err);
	bool existed = code == ERROR_ALREADY_EXISTS;
	if (existed && exclusive) {
		/* Our handle would keep the other sender's mapping alive. */
		CloseHandle(mapping);
		return tdshm_error_set(err, TDSHM_EXISTS,
				       "shared memory '%s' already exists: another sender (or a "
				       "receiver still holding it) uses this Shared Mem Name",
				       full_name);
	}
	status = tdshm_shm_map(mapping, full_name, out, err);
	if (status != TDSHM_OK)
		return status;
	if (existed && (*out)->size < size) {
		size_t have = (*out)->size;
		tdshm_shm_close(*out);
		*out = NULL;
		return tdshm_error_set(
		    err, TDSHM_EXISTS,
		    "shared memory '%s' already exists with %zu bytes, fewer than "
		    "the %zu needed, and Windows cannot grow it: close the other "
		    "program using this Shared Mem Name",
		    full_name, have, size);
	}
	/* A fresh mapping is exactly what was asked for; the page rounding
	 * beyond it is not ours to advertise. */
	if (!existed)
		(*out)->size = size;
	return TDSHM_OK;
}

tdshm_status tdshm_shm_open(const char *full_name, tdshm_shm **out, tdshm_error *err)
{
	*out = NULL;
	wchar_t wide[MAX_PATH];
	tdshm_status status = tdshm_win_name_widen(full_name, wide, MAX_PATH, err);
	if (status != TDSHM_OK)
		return status;
	HANDLE mapping = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wide);
	if (!mapping)
		return tdshm_shm_report_failure("open", full_name, GetLastError(), err);
	return tdshm_shm_map(mapping, full_name, out, err);
}

uint8_t *tdshm_shm_bytes(const tdshm_shm *shm)
{
	return shm->view;
}

size_t tdshm_shm_size(const tdshm_shm *shm)
{
	return shm->size;
}

const char *tdshm_shm_name(const tdshm_shm *shm)
{
	return shm->name;
}

HANDLE tdshm_win_shm_mapping(const tdshm_shm *shm)
{
	return shm->mapping;
}

void tdshm_shm_close(tdshm_shm *shm)
{
	if (!shm)
		return;
	UnmapViewOfFile(shm->view);
	CloseHandle(shm->mapping);
	free(shm->name);
	free(shm);
}

void tdshm_shm_close_and_remove(tdshm_shm *shm)
{
	/* Windows removes the mapping with its last handle, in whichever
	 * process that is. */
	tdshm_shm_close(shm);
}

tdshm_status tdshm_shm_is_current(const tdshm_shm *shm, tdshm_error *err)
{
	/* While this handle is open the mapping keeps its name: a sender
	 * cannot re-create it (it gets ERROR_ALREADY_EXISTS). */
	(void)shm;
	(void)err;
	return TDSHM_OK;
}

tdshm_status tdshm_shm_probe(const char *full_name, tdshm_error *err)
{
	wchar_t wide[MAX_PATH];
	tdshm_status status = tdshm_win_name_widen(full_name, wide, MAX_PATH, err);
	if (status != TDSHM_OK)
		return status;
	HANDLE mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
	if (!mapping)
		return tdshm_shm_report_failure("open", full_name, GetLastError(), err);
	CloseHandle(mapping);
	return TDSHM_OK;
}

tdshm_status tdshm_shm_remove(const char *full_name, tdshm_error *err)
{
	/* Nothing to remove: a crashed sender's mapping went with its last
	 * handle. One that is still there is held open by a live process,
	 * which no call here can take away; say whether it exists. */
	return tdshm_shm_probe(full_name, err);
}

typedef struct shm_list_filter {
	const char *prefix;
	size_t prefix_len;
	void (*visit)(const char *full_name, void *ctx);
	void *ctx;
} shm_list_filter;

static void tdshm_shm_list_visit(const char *name, const char *type, void *ctx)
{
	const shm_list_filter *filter = ctx;
	/* A file mapping is a "Section" to the object manager. */
	if (strcmp(type, "Section") == 0 && strncmp(name, filter->prefix, filter->prefix_len) == 0)
		filter->visit(name, filter->ctx);
}

tdshm_status tdshm_shm_list(const char *prefix, void (*visit)(const char *full_name, void *ctx),
			    void *ctx, tdshm_error *err)
{
	shm_list_filter filter = {.prefix = prefix ? prefix : "",
				  .prefix_len = prefix ? strlen(prefix) : 0,
				  .visit = visit,
				  .ctx = ctx};
	return tdshm_win_object_directory_list(tdshm_shm_list_visit, &filter, err);
}

/* A view of a section never shrinks (its size is fixed at creation and
 * VirtualQuery bounds every mapping): nothing can fault under a reader. */
tdshm_status tdshm_shm_check_intact(const tdshm_shm *shm, tdshm_error *err)
{
	(void)shm;
	(void)err;
	return TDSHM_OK;
}

tdshm_status tdshm_mapped_range_check(const void *bytes, size_t size, tdshm_error *err)
{
	(void)bytes;
	(void)size;
	(void)err;
	return TDSHM_OK;
}
