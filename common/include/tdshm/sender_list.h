/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The senders on this machine (TouchDesigner's and this project's), found
 * through their info segments and described from their data segments: what
 * `tdshm list` prints and what the plugin's pickers offer. Every segment is
 * opened, read and closed at once (docs/protocol.md §5): listing never keeps
 * a handle that would stop a sender from starting again. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "pixel_format.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tdshm_sender_kind {
	TDSHM_SENDER_TOP,     /* an image (TOP header) */
	TDSHM_SENDER_CHOP,    /* channels (CHOP header) */
	TDSHM_SENDER_UNKNOWN, /* no readable data header (see state) */
} tdshm_sender_kind;

typedef enum tdshm_sender_state {
	TDSHM_SENDER_LIVE,       /* header read: kind and its fields are valid */
	TDSHM_SENDER_CLOSED,     /* detach set */
	TDSHM_SENDER_STALE,      /* this project's sender whose process is gone */
	TDSHM_SENDER_NO_DATA,    /* no data segment under the announced name */
	TDSHM_SENDER_NO_HEADER,  /* data segment without a valid header yet */
	TDSHM_SENDER_UNREADABLE, /* info block refused */
} tdshm_sender_state;

typedef struct tdshm_sender_entry {
	char name[TDSHM_USER_NAME_MAX + 1]; /* the Shared Mem Name */
	tdshm_sender_state state;
	tdshm_sender_kind kind;
	bool has_pid; /* this project's info extension was there */
	uint32_t pid;
	/* TDSHM_SENDER_TOP */
	uint32_t width, height;
	const tdshm_pixel_format *format;
	bool legacy_header;
	int32_t header_version;
	/* TDSHM_SENDER_CHOP */
	uint32_t channels, length;
	float sample_rate;
	/* Why, for the states other than LIVE. */
	char why[TDSHM_ERROR_MESSAGE_MAX + 128];
} tdshm_sender_entry;

typedef struct tdshm_sender_list {
	tdshm_sender_entry *entries; /* sorted by name (bytes of UTF-8) */
	size_t count;
	bool truncated; /* more than TDSHM_SENDER_LIST_MAX senders */
} tdshm_sender_list;

#define TDSHM_SENDER_LIST_MAX 1024

/* Fills list (free with tdshm_sender_list_free, also after a failure).
 * Senders that vanish between the enumeration and the look are left out.
 * TDSHM_NOT_FOUND where the platform cannot enumerate. */
tdshm_status tdshm_sender_list_read(tdshm_sender_list *list, tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_sender_list_free(tdshm_sender_list *list);

/* Whether this process published it (so a picker can leave out OBS's own
 * outputs): only this project's senders say. */
bool tdshm_sender_entry_is_own(const tdshm_sender_entry *entry);

/* What a picker offers for kind: a live sender of that kind that this
 * process did not publish (OBS must not be offered its own outputs, or a
 * scene would feed into itself). */
bool tdshm_sender_entry_offered(const tdshm_sender_entry *entry, tdshm_sender_kind kind);
/* The first offered entry in name order, NULL when there is none. */
const tdshm_sender_entry *tdshm_sender_list_first_offered(const tdshm_sender_list *list,
							  tdshm_sender_kind kind);

/* "top  640x360 bgra8 (current v1)", "chop 2 ch x 800 samples @ 48000 Hz",
 * or the state in words. */
void tdshm_sender_entry_describe(const tdshm_sender_entry *entry, char *out, size_t cap);
/* Short form for a picker: "640x360 bgra8", "2 ch x 800 @ 48000 Hz". */
void tdshm_sender_entry_summary(const tdshm_sender_entry *entry, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
