/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TOP reading state machine (top_reader.h). Portable: the receiver does
 * the protocol (docs/protocol.md §2, §5), this file decides what a read means
 * to the user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/platform.h"
#include "tdshm/top_reader.h"

/* Bytes of a refused segment that identify it, when there is no serial. */
#define TOP_READER_REFUSED_KEY_BYTES 256

struct tdshm_top_reader {
	tdshm_receiver *receiver;
	tdshm_top_reader_state state;
	char detail[TDSHM_ERROR_MESSAGE_MAX];
	/* the last frame taken on this connection */
	bool have_taken;
	bool taken_has_serial;
	uint64_t taken_key; /* serial, or content hash */
	uint64_t frames;    /* taken since this connection */
	uint64_t connections_seen;
	/* the last refused header reported, so it is reported once */
	bool have_refused;
	uint64_t refused_key;
	/* hidden policy */
	uint64_t hidden_since_ms; /* 0: shown */
	/* the read in progress: its key, committed by end(taken) */
	uint64_t pending_key;
	/* a change made where no event was asked for (end): the next call's
	 * event carries it */
	bool change_unreported;
	bool content_check; /* hash content when there is no serial */
};

static void reader_set_state(tdshm_top_reader *r, tdshm_top_reader_state state, const char *detail,
			     tdshm_top_reader_event *ev)
{
	const char *why = detail ? detail : "";
	bool reason_matters = state == TDSHM_TOP_READER_REFUSED || state == TDSHM_TOP_READER_ERROR;
	bool changed = r->state != state || (reason_matters && strcmp(r->detail, why) != 0);
	r->state = state;
	snprintf(r->detail, sizeof(r->detail), "%s", why);
	if (ev) {
		ev->changed = ev->changed || changed;
		ev->state = state;
		snprintf(ev->detail, sizeof(ev->detail), "%s", why);
	} else if (changed) {
		r->change_unreported = true;
	}
}

static void reader_forget_frame(tdshm_top_reader *r)
{
	r->have_taken = false;
	r->have_refused = false;
	r->frames = 0;
}

static void event_begin(tdshm_top_reader *r, tdshm_top_reader_event *ev)
{
	if (!ev)
		return;
	ev->changed = r->change_unreported;
	r->change_unreported = false;
	ev->state = r->state;
	snprintf(ev->detail, sizeof(ev->detail), "%s", r->detail);
}

tdshm_status tdshm_top_reader_create(const char *user_name, const tdshm_receiver_options *options,
				     tdshm_top_reader **out, tdshm_error *err)
{
	*out = NULL;
	tdshm_top_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return tdshm_error_set(err, TDSHM_SYSTEM_ERROR, "out of memory");
	tdshm_status status = tdshm_receiver_create(user_name, options, &r->receiver, err);
	if (status != TDSHM_OK) {
		free(r);
		return status;
	}
	r->state = TDSHM_TOP_READER_WAITING;
	r->content_check = true;
	*out = r;
	return TDSHM_OK;
}

void tdshm_top_reader_set_content_check(tdshm_top_reader *r, bool enabled)
{
	r->content_check = enabled;
}

void tdshm_top_reader_destroy(tdshm_top_reader *r)
{
	if (!r)
		return;
	tdshm_receiver_destroy(r->receiver);
	free(r);
}

/* What a receiver status means for the user-facing state (refresh, begin
 * and end all end up here). */
static void reader_note_status(tdshm_top_reader *r, tdshm_status status, const tdshm_error *error,
			       tdshm_top_reader_event *ev)
{
	tdshm_error copy = *error;
	tdshm_error *err = &copy;
	switch (status) {
	case TDSHM_OK:
		break; /* the next begin says what the segment holds */
	case TDSHM_NOT_FOUND:
		/* "stopped; waiting for it to come back" says more than
		 * "waiting": it stays until the sender is back. */
		if (r->state != TDSHM_TOP_READER_STOPPED)
			reader_set_state(r, TDSHM_TOP_READER_WAITING, err->message, ev);
		break;
	case TDSHM_GONE:
		reader_forget_frame(r);
		reader_set_state(r, TDSHM_TOP_READER_STOPPED, err->message, ev);
		break;
	case TDSHM_TIMED_OUT:
		break; /* busy: keep everything, look again next time */
	case TDSHM_REFUSED:
		reader_set_state(r, TDSHM_TOP_READER_REFUSED, err->message, ev);
		break;
	default:
		reader_set_state(r, TDSHM_TOP_READER_ERROR, err->message, ev);
		break;
	}
}

tdshm_status tdshm_top_reader_refresh(tdshm_top_reader *r, tdshm_top_reader_event *ev)
{
	event_begin(r, ev);
	r->hidden_since_ms = 0;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_receiver_refresh(r->receiver, &err);
	reader_note_status(r, status, &err, ev);
	uint64_t connections = tdshm_receiver_connections(r->receiver);
	if (connections != r->connections_seen) {
		/* A new connection: its own frame count, and the old sender's
		 * last frame must not hide the new one's first. */
		r->connections_seen = connections;
		reader_forget_frame(r);
	}
	return status;
}

/* A segment still all zero is one the sender has not written yet. */
static bool segment_unwritten(const uint8_t *bytes, size_t size)
{
	return size >= 4 && !bytes[0] && !bytes[1] && !bytes[2] && !bytes[3];
}

/* A fast 64-bit hash (four multiply-rotate lanes over 8-byte words): not
 * cryptographic, only a change detector for frames with no serial. */
static uint64_t rotl64(uint64_t v, unsigned n)
{
	return (v << n) | (v >> (64 - n));
}

static uint64_t hash_bytes(uint64_t seed, const uint8_t *p, size_t n)
{
	const uint64_t k1 = 0x9e3779b185ebca87ull, k2 = 0xc2b2ae3d27d4eb4full;
	uint64_t lane[4] = {seed ^ k1, seed ^ k2, seed + k1, seed - k2};
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		for (int l = 0; l < 4; l++) {
			uint64_t w;
			memcpy(&w, p + i + (size_t)l * 8, 8);
			lane[l] = rotl64(lane[l] + w * k2, 31) * k1;
		}
	}
	uint64_t h = rotl64(lane[0], 1) + rotl64(lane[1], 7) + rotl64(lane[2], 12) +
		     rotl64(lane[3], 18) + (uint64_t)n;
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= k2;
	h ^= h >> 29;
	return h;
}

uint64_t tdshm_top_content_hash(const uint8_t *segment, const tdshm_top_image *image)
{
	uint64_t h = hash_bytes(0, segment, image->data_offset);
	return hash_bytes(h, segment + image->data_offset, image->row_bytes * image->height);
}

tdshm_status tdshm_top_reader_begin(tdshm_top_reader *r, uint32_t timeout_ms, tdshm_top_read *read,
				    tdshm_top_reader_event *ev)
{
	event_begin(r, ev);
	memset(read, 0, sizeof(*read));
	r->hidden_since_ms = 0;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_receiver_begin_read_connected(
	    r->receiver, timeout_ms, &read->segment, &read->size, &err);
	if (status != TDSHM_OK) {
		/* Not connected says nothing new; a shrunk segment or lock
		 * (the sender gone, or a hostile peer) does. */
		if (status == TDSHM_GONE || status == TDSHM_REFUSED)
			reader_note_status(r, status, &err, ev);
		return status == TDSHM_TIMED_OUT ? status : TDSHM_NOT_FOUND;
	}
	read->has_serial = tdshm_receiver_frame_serial(r->receiver, &read->serial);

	tdshm_error parse_err;
	tdshm_error_clear(&parse_err);
	if (tdshm_top_parse(read->segment, read->size, &read->image, &parse_err) != TDSHM_OK) {
		bool unwritten = segment_unwritten(read->segment, read->size);
		uint64_t key = read->has_serial
				   ? read->serial
				   : hash_bytes(0, read->segment,
						read->size < TOP_READER_REFUSED_KEY_BYTES
						    ? read->size
						    : TOP_READER_REFUSED_KEY_BYTES);
		tdshm_receiver_end_read(r->receiver);
		if (unwritten) {
			reader_set_state(r, TDSHM_TOP_READER_WAITING, "not written yet", ev);
			return TDSHM_NOT_FOUND;
		}
		read->is_new = !r->have_refused || key != r->refused_key;
		r->have_refused = true;
		r->refused_key = key;
		reader_set_state(r, TDSHM_TOP_READER_REFUSED, parse_err.message, ev);
		return TDSHM_REFUSED;
	}
	r->have_refused = false;
	if (!read->has_serial && !r->content_check) {
		r->pending_key = 0;
		read->is_new = true;
	} else {
		r->pending_key = read->has_serial
				     ? read->serial
				     : tdshm_top_content_hash(read->segment, &read->image);
		read->is_new = !r->have_taken || read->has_serial != r->taken_has_serial ||
			       r->pending_key != r->taken_key;
	}
	reader_set_state(r, TDSHM_TOP_READER_CONNECTED, NULL, ev);
	return TDSHM_OK;
}

uint64_t tdshm_top_reader_end(tdshm_top_reader *r, const tdshm_top_read *read, bool taken)
{
	/* A segment that shrank while it was copied gave zero pages, not the
	 * sender's image: not a frame taken, and the sender counts as gone. */
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_receiver_check_intact(r->receiver, &err) != TDSHM_OK) {
		reader_note_status(r, TDSHM_GONE, &err, NULL);
		return r->frames;
	}
	tdshm_receiver_end_read(r->receiver);
	if (taken && read->is_new) {
		r->have_taken = true;
		r->taken_has_serial = read->has_serial;
		r->taken_key = r->pending_key;
		r->frames++;
	}
	return r->frames;
}

tdshm_status tdshm_top_reader_poll(tdshm_top_reader *r, uint32_t timeout_ms, tdshm_top_read *read,
				   tdshm_top_reader_event *ev)
{
	tdshm_status status = tdshm_top_reader_refresh(r, ev);
	if (status != TDSHM_OK) {
		memset(read, 0, sizeof(*read));
		return status;
	}
	tdshm_top_reader_event second;
	status = tdshm_top_reader_begin(r, timeout_ms, read, ev ? &second : NULL);
	if (ev && second.changed)
		*ev = second;
	return status;
}

void tdshm_top_reader_hidden(tdshm_top_reader *r, tdshm_top_reader_event *ev)
{
	event_begin(r, ev);
	uint64_t now = tdshm_clock_ms();
	if (r->hidden_since_ms == 0)
		r->hidden_since_ms = now ? now : 1;
	if (now - r->hidden_since_ms >= TDSHM_TOP_READER_HIDDEN_DISCONNECT_MS &&
	    tdshm_receiver_connected(r->receiver)) {
		tdshm_receiver_disconnect(r->receiver);
		reader_forget_frame(r);
		reader_set_state(r, TDSHM_TOP_READER_HIDDEN, NULL, ev);
	}
}

tdshm_top_reader_state tdshm_top_reader_get_state(const tdshm_top_reader *r)
{
	return r->state;
}

bool tdshm_top_reader_connected(const tdshm_top_reader *r)
{
	return tdshm_receiver_connected(r->receiver);
}

uint64_t tdshm_top_reader_connections(const tdshm_top_reader *r)
{
	return tdshm_receiver_connections(r->receiver);
}

const char *tdshm_top_reader_data_name(const tdshm_top_reader *r)
{
	return tdshm_receiver_data_name(r->receiver);
}
