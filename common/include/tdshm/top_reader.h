/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one TOP (image) reading state machine, shared by the OBS source (sync
 * and async), `tdshm receive` and the test probes: connect, poll, an
 * all-zero segment is one not yet written (waiting, never refused), whether
 * a frame is new (the sender's serial, or a change of content for senders
 * that publish none: TouchDesigner's own), and the user-facing state with
 * the reason. The audio side's counterpart is chop_reader.c.
 *
 * Not thread-safe: one thread at a time (the OBS source serialises its
 * worker and its render with a mutex). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "receiver.h"
#include "status.h"
#include "top.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hidden this long, a reader drops its handles so TouchDesigner can
 * re-create its segments (docs/protocol.md §5); shown again, it reconnects at
 * the next refresh. */
#define TDSHM_TOP_READER_HIDDEN_DISCONNECT_MS 1000

typedef enum tdshm_top_reader_state {
	TDSHM_TOP_READER_WAITING,   /* no sender yet, or one that has not written */
	TDSHM_TOP_READER_CONNECTED, /* a valid image header was read */
	TDSHM_TOP_READER_STOPPED,   /* the sender closed or died; looking for it */
	TDSHM_TOP_READER_REFUSED,   /* not an image this project can read: detail */
	TDSHM_TOP_READER_ERROR,     /* a system error: detail */
	TDSHM_TOP_READER_HIDDEN,    /* nobody looks: handles dropped */
} tdshm_top_reader_state;

/* What a call changed, for a caller that reports state changes once. */
typedef struct tdshm_top_reader_event {
	bool changed; /* state (or, refused/error, the reason) differs from before */
	tdshm_top_reader_state state;
	char detail[TDSHM_ERROR_MESSAGE_MAX]; /* why: the core's message, may be "" */
} tdshm_top_reader_event;

/* One read in progress (between begin and end: the data lock is held). */
typedef struct tdshm_top_read {
	const uint8_t *segment; /* the whole data segment, size bytes */
	size_t size;
	tdshm_top_image image; /* validated against size */
	/* Not taken before: a new serial, or (no serial) new content. On
	 * REFUSED from begin: a bad header not reported before. */
	bool is_new;
	bool has_serial;
	uint64_t serial;
} tdshm_top_read;

typedef struct tdshm_top_reader tdshm_top_reader;

/* Checks the name; opens nothing yet. options may be NULL for defaults. */
tdshm_status tdshm_top_reader_create(const char *user_name, const tdshm_receiver_options *options,
				     tdshm_top_reader **out, tdshm_error *err) TDSHM_MUST_CHECK;
void tdshm_top_reader_destroy(tdshm_top_reader *reader);

/* Without a serial (TouchDesigner's own senders) a frame is new when its
 * content changed: on by default. Off, every read of such a sender counts as
 * new. For a caller whose copy of the frame costs what the hash would (the
 * OBS source's upload: hashing first would read the frame twice on OBS's
 * graphics thread, measured 1.0 ms against 0.4 ms for a 1080p bgra8 memcpy). */
void tdshm_top_reader_set_content_check(tdshm_top_reader *reader, bool enabled);

/* Connects, checks liveness and follows the info block (tdshm_receiver_refresh:
 * this is the call that can wait past a frame, keep it off a render thread).
 * Returns the receiver's status (OK: connected). ev may be NULL. */
tdshm_status tdshm_top_reader_refresh(tdshm_top_reader *reader,
				      tdshm_top_reader_event *ev) TDSHM_MUST_CHECK;

/* Takes the data lock within timeout_ms (no other wait, nothing opened) and
 * validates the header. OK: lock held, *read filled: call end. NOT_FOUND:
 * not connected, or the segment is not written yet. TIMED_OUT: the lock is
 * busy (show the last frame again). REFUSED: a bad header (read->is_new
 * says whether it is one not seen before). Nothing is held unless OK. */
tdshm_status tdshm_top_reader_begin(tdshm_top_reader *reader, uint32_t timeout_ms,
				    tdshm_top_read *read,
				    tdshm_top_reader_event *ev) TDSHM_MUST_CHECK;
/* Releases the lock. taken: the caller used this frame (it is then no longer
 * new). Returns the frames taken since this connection. A segment that shrank
 * while it was read (another process truncated it: the bytes read were zero
 * pages, docs/protocol.md §5) is no frame: it is not counted, every handle is
 * dropped and the state becomes STOPPED, reported by the next call's event. */
uint64_t tdshm_top_reader_end(tdshm_top_reader *reader, const tdshm_top_read *read, bool taken);

/* refresh, then begin (for callers on a thread of their own). The refresh's
 * status when it is not OK. */
tdshm_status tdshm_top_reader_poll(tdshm_top_reader *reader, uint32_t timeout_ms,
				   tdshm_top_read *read,
				   tdshm_top_reader_event *ev) TDSHM_MUST_CHECK;

/* Call instead of refresh/begin while nobody shows the picture: nothing is
 * read, and after TDSHM_TOP_READER_HIDDEN_DISCONNECT_MS every handle is
 * dropped (state HIDDEN). The next refresh reconnects. */
void tdshm_top_reader_hidden(tdshm_top_reader *reader, tdshm_top_reader_event *ev);

tdshm_top_reader_state tdshm_top_reader_get_state(const tdshm_top_reader *reader);
bool tdshm_top_reader_connected(const tdshm_top_reader *reader);
uint64_t tdshm_top_reader_connections(const tdshm_top_reader *reader);
/* Full name of the data segment in use ("" when not connected). */
const char *tdshm_top_reader_data_name(const tdshm_top_reader *reader);

/* The content key used without a serial: a 64-bit hash of the header and the
 * image rows (the bytes TD writes), about memory speed. */
uint64_t tdshm_top_content_hash(const uint8_t *segment, const tdshm_top_image *image);

#ifdef __cplusplus
}
#endif
