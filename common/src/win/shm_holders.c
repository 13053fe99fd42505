/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether anyone else still holds a mapping. A Windows mapping lives while
 * any process has a handle to it (docs/protocol.md §5): when a sender crashes,
 * a receiver's own handle is what keeps its segments, and a restarting
 * TouchDesigner then fails with "already exists". The object manager counts
 * the handles; a count of one is this one alone. NtQueryObject has no import
 * library, so it is looked up in ntdll; its structure is declared here from
 * Microsoft's documentation (PUBLIC_OBJECT_BASIC_INFORMATION). */
#include "tdshm/platform.h"
#include "win/internal.h"

#define HOLDERS_OBJECT_BASIC_INFORMATION 0

typedef struct holders_basic_information {
	ULONG attributes;
	ACCESS_MASK granted_access;
	ULONG handle_count;
	ULONG pointer_count;
	ULONG reserved[10];
} holders_basic_information;

typedef LONG(NTAPI *holders_query_fn)(HANDLE handle, int info_class, PVOID info, ULONG length,
				      ULONG *return_length);

tdshm_status tdshm_shm_sole_holder(const tdshm_shm *shm, bool *alone, tdshm_error *err)
{
	*alone = false;
	/* Looked up once; a race here only looks it up twice. */
	static holders_query_fn query;
	if (!query) {
		HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
		void *found = ntdll ? (void *)GetProcAddress(ntdll, "NtQueryObject") : NULL;
		if (!found)
			return tdshm_error_set(err, TDSHM_NOT_FOUND,
					       "this Windows has no NtQueryObject");
		query = (holders_query_fn)found;
	}
	holders_basic_information info = {0};
	ULONG returned = 0;
	LONG nt = query(tdshm_win_shm_mapping(shm), HOLDERS_OBJECT_BASIC_INFORMATION, &info,
			sizeof(info), &returned);
	if (nt != 0)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR,
				       "cannot count the holders of '%s' (NTSTATUS 0x%08lx)",
				       tdshm_shm_name(shm), (unsigned long)nt);
	*alone = info.handle_count == 1;
	return TDSHM_OK;
}
