/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's status line: written on the graphics thread, read by the
 * properties dialog (UI thread), hence its own mutex. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	uint64_t frames;
} tdshm_source_status;

void tdshm_source_status_init(tdshm_source_status *status);
void tdshm_source_status_free(tdshm_source_status *status);
/* Sets state (and detail, may be NULL). true when the state or detail changed,
 * so the caller logs it once. */
bool tdshm_source_status_set(tdshm_source_status *status, enum tdshm_source_state state,
			     const char *name, const char *detail);
void tdshm_source_status_set_image(tdshm_source_status *status, uint32_t width, uint32_t height,
				   const char *format, uint64_t frames);
enum tdshm_source_state tdshm_source_status_state(tdshm_source_status *status);
/* The user-facing line, from the locale strings. */
void tdshm_source_status_text(tdshm_source_status *status, char *out, size_t cap);
