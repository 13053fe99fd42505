/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's status line: written by the source's reader (its worker
 * thread, the graphics thread, the async thread), read by the properties
 * dialog (UI thread), hence its own mutex. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshm/top_reader.h"

enum tdshm_source_state {
	TDSHM_SOURCE_NO_NAME,
	TDSHM_SOURCE_WAITING,
	TDSHM_SOURCE_CONNECTED,
	TDSHM_SOURCE_REFUSED,
	TDSHM_SOURCE_STOPPED,
	TDSHM_SOURCE_ERROR,
	TDSHM_SOURCE_HIDDEN,
};

typedef struct tdshm_source_status {
	pthread_mutex_t mutex;
	enum tdshm_source_state state;
	char name[256];
	char detail[512]; /* refusal or error text */
	uint32_t width, height;
	char format[32];
	uint64_t frames;        /* since this connection */
	uint64_t stopped_at_ms; /* when the state became STOPPED (0: not stopped) */
	uint64_t name_since_ms; /* when the name last changed */
	/* A "Waiting for" line not logged yet: the name was still being typed. */
	bool log_pending;
	const char *log_pending_prefix;
} tdshm_source_status;

/* "Waiting for 'name'" is logged once the name has stayed the same
 * TDSHM_NAME_SETTLE_MS (dialog-status.h), so typing a name logs no line per
 * partial name. (The status row shows it at once; only the log waits.) */

void tdshm_source_status_init(tdshm_source_status *status);
void tdshm_source_status_free(tdshm_source_status *status);
/* Sets state (and detail, may be NULL). true when the state or detail changed,
 * so the caller logs it once. */
bool tdshm_source_status_set(tdshm_source_status *status, enum tdshm_source_state state,
			     const char *name, const char *detail);
void tdshm_source_status_set_image(tdshm_source_status *status, uint32_t width, uint32_t height,
				   const char *format, uint64_t frames);
enum tdshm_source_state tdshm_source_status_state(tdshm_source_status *status);
/* ms since the state became STOPPED, or -1 while it is not STOPPED. */
int64_t tdshm_source_status_stopped_for_ms(tdshm_source_status *status);
/* Takes a reader's state change into the status and logs the new line once,
 * as "[tdshm-in: 'source'] <prefix><line>": refusals and errors at WARNING,
 * the rest at INFO (the same for sync and async). owner: for the log. */
struct obs_source;
void tdshm_source_status_report(tdshm_source_status *status, struct obs_source *owner,
				const char *name, const tdshm_top_reader_event *ev,
				const char *log_prefix);
/* Sets a state of the source's own (no name, an error of its own) and logs
 * it once the same way. */
void tdshm_source_status_report_state(tdshm_source_status *status, struct obs_source *owner,
				      enum tdshm_source_state state, const char *name,
				      const char *detail, const char *log_prefix);
/* Logs a "Waiting for" line held back while the name was being typed, once
 * the name has settled (call it regularly: the source's tick). */
void tdshm_source_status_flush_log(tdshm_source_status *status, struct obs_source *owner);
/* The user-facing line, from the locale strings. */
void tdshm_source_status_text(tdshm_source_status *status, char *out, size_t cap);
