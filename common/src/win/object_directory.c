/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walks an object-manager directory (\Sessions\<id>\BaseNamedObjects) through
 * ntdll's NtOpenDirectoryObject / NtQueryDirectoryObject: the only way
 * Windows lets a process see which named file mappings exist, as WinObj does.
 * ntdll has no import library for them in the Windows SDK's sense, so they are
 * looked up at run time; the structures are declared here from Microsoft's
 * published signatures (learn.microsoft.com, "NtQueryDirectoryObject"). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win/internal.h"

/* NTSTATUS values this walk tells apart. */
#define OBJDIR_STATUS_SUCCESS 0x00000000L
#define OBJDIR_STATUS_MORE_ENTRIES 0x00000105L
#define OBJDIR_STATUS_NO_MORE_ENTRIES ((LONG)0x8000001AL)
#define OBJDIR_STATUS_NOT_IMPLEMENTED ((LONG)0xC0000002L)
/* Access right to list a directory object's entries. */
#define OBJDIR_DIRECTORY_QUERY 0x0001
#define OBJDIR_OBJ_CASE_INSENSITIVE 0x00000040L
/* Entries come back in batches; a batch that does not fit even one entry
 * is an error, not a reason to grow without bound. */
#define OBJDIR_BUFFER_BYTES (64 * 1024)

typedef struct objdir_unicode_string {
	USHORT length;     /* bytes, without a NUL */
	USHORT max_length; /* bytes */
	PWSTR buffer;
} objdir_unicode_string;

typedef struct objdir_object_attributes {
	ULONG length;
	HANDLE root_directory;
	objdir_unicode_string *object_name;
	ULONG attributes;
	PVOID security_descriptor;
	PVOID security_quality_of_service;
} objdir_object_attributes;

/* One entry of NtQueryDirectoryObject's answer; a zeroed one ends a batch. */
typedef struct objdir_entry {
	objdir_unicode_string name;
	objdir_unicode_string type_name;
} objdir_entry;

typedef LONG(NTAPI *objdir_open_fn)(HANDLE *handle, ACCESS_MASK access,
				    objdir_object_attributes *attributes);
typedef LONG(NTAPI *objdir_query_fn)(HANDLE handle, PVOID buffer, ULONG length,
				     BOOLEAN single_entry, BOOLEAN restart, ULONG *context,
				     ULONG *return_length);
typedef LONG(NTAPI *objdir_close_fn)(HANDLE handle);

typedef struct objdir_api {
	objdir_open_fn open;
	objdir_query_fn query;
	objdir_close_fn close;
} objdir_api;

static tdshm_status objdir_load(objdir_api *api, tdshm_error *err)
{
	/* ntdll is mapped into every process: no LoadLibrary, nothing to free. */
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	if (!ntdll)
		return tdshm_win_error(err, TDSHM_NOT_FOUND, GetLastError(),
				       "cannot list shared memory: ntdll.dll is not loaded");
	/* Through void * on the way: the names are not declared as the
	 * FARPROC GetProcAddress returns. */
	void *open = (void *)GetProcAddress(ntdll, "NtOpenDirectoryObject");
	void *query = (void *)GetProcAddress(ntdll, "NtQueryDirectoryObject");
	void *close = (void *)GetProcAddress(ntdll, "NtClose");
	if (!open || !query || !close)
		return tdshm_error_set(err, TDSHM_NOT_FOUND,
				       "cannot list shared memory: this Windows has no "
				       "NtQueryDirectoryObject; type the Shared Mem Name");
	api->open = (objdir_open_fn)open;
	api->query = (objdir_query_fn)query;
	api->close = (objdir_close_fn)close;
	return TDSHM_OK;
}

/* A name as UTF-8 (strict: an unpaired surrogate cannot be a name that was
 * typed, so it is skipped rather than shown as something else). */
static bool objdir_string_utf8(const objdir_unicode_string *name, char *out, size_t cap)
{
	int units = (int)(name->length / sizeof(wchar_t));
	if (!name->buffer || units <= 0 || cap < 2)
		return false;
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, name->buffer, units, out,
				    (int)cap - 1, NULL, NULL);
	if (n <= 0)
		return false;
	out[n] = '\0';
	return true;
}

void tdshm_win_object_directory_path(wchar_t *out, size_t cap)
{
	DWORD session = 0;
	if (!ProcessIdToSessionId(GetCurrentProcessId(), &session) || session == 0)
		_snwprintf(out, cap, L"\\BaseNamedObjects");
	else
		_snwprintf(out, cap, L"\\Sessions\\%lu\\BaseNamedObjects", (unsigned long)session);
	out[cap - 1] = L'\0';
}

/* Hands each entry of one batch to visit; returns how many there were. */
static size_t objdir_visit_batch(const uint8_t *buffer,
				 void (*visit)(const char *name, const char *type, void *ctx),
				 void *ctx)
{
	/* The entries, then their strings, all inside the buffer; a zeroed
	 * entry ends the batch. */
	const objdir_entry *entry = (const objdir_entry *)buffer;
	const objdir_entry *end = (const objdir_entry *)(buffer + OBJDIR_BUFFER_BYTES);
	size_t count = 0;
	for (; entry + 1 <= end && entry->name.buffer; entry++, count++) {
		char name[TDSHM_WIN_NAME_MAX * 3 + 1], type[64];
		if (objdir_string_utf8(&entry->name, name, sizeof(name)) &&
		    objdir_string_utf8(&entry->type_name, type, sizeof(type)))
			visit(name, type, ctx);
	}
	return count;
}

tdshm_status tdshm_win_object_directory_list(void (*visit)(const char *name, const char *type,
							   void *ctx),
					     void *ctx, tdshm_error *err)
{
	objdir_api api = {0};
	tdshm_status status = objdir_load(&api, err);
	if (status != TDSHM_OK)
		return status;
	wchar_t path[64];
	tdshm_win_object_directory_path(path, sizeof(path) / sizeof(path[0]));
	objdir_unicode_string path_string = {
	    .length = (USHORT)(wcslen(path) * sizeof(wchar_t)),
	    .max_length = (USHORT)((wcslen(path) + 1) * sizeof(wchar_t)),
	    .buffer = path,
	};
	objdir_object_attributes attributes = {
	    .length = sizeof(attributes),
	    .object_name = &path_string,
	    .attributes = OBJDIR_OBJ_CASE_INSENSITIVE,
	};
	HANDLE dir = NULL;
	LONG nt = api.open(&dir, OBJDIR_DIRECTORY_QUERY, &attributes);
	if (nt != OBJDIR_STATUS_SUCCESS)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot list shared memory: opening the object directory "
				       "%ls failed (NTSTATUS 0x%08lx)",
				       path, (unsigned long)nt);
	uint8_t *buffer = malloc(OBJDIR_BUFFER_BYTES);
	if (!buffer) {
		api.close(dir);
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	}
	ULONG context = 0;
	BOOLEAN restart = TRUE;
	/* Batches where the system has them; one entry a call where it only
	 * implements that (older Wine). */
	BOOLEAN single = FALSE;
	for (;;) {
		ULONG returned = 0;
		memset(buffer, 0, OBJDIR_BUFFER_BYTES);
		nt = api.query(dir, buffer, OBJDIR_BUFFER_BYTES, single, restart, &context,
			       &returned);
		if (nt == OBJDIR_STATUS_NOT_IMPLEMENTED && !single) {
			single = TRUE;
			restart = TRUE;
			context = 0;
			continue;
		}
		restart = FALSE;
		if (nt == OBJDIR_STATUS_NO_MORE_ENTRIES)
			break;
		if (nt != OBJDIR_STATUS_SUCCESS && nt != OBJDIR_STATUS_MORE_ENTRIES) {
			status = tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
						 "cannot list shared memory: reading the object "
						 "directory %ls failed (NTSTATUS 0x%08lx)",
						 path, (unsigned long)nt);
			break;
		}
		/* SUCCESS with entries may still be followed by more (one
		 * entry a call); the next call says NO_MORE_ENTRIES. */
		if (objdir_visit_batch(buffer, visit, ctx) == 0)
			break;
	}
	free(buffer);
	api.close(dir);
	return status;
}
