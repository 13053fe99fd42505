/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "source-status.h"

#include <obs-module.h>
#include <stdio.h>
#include <string.h>

#include "dialog-status.h"
#include "plugin-log.h"
#include "tdshm/platform.h"

void tdshm_source_status_init(tdshm_source_status *status)
{
	memset(status, 0, sizeof(*status));
	pthread_mutex_init(&status->mutex, NULL);
	status->state = TDSHM_SOURCE_NO_NAME;
}

void tdshm_source_status_free(tdshm_source_status *status)
{
	pthread_mutex_destroy(&status->mutex);
}

bool tdshm_source_status_set(tdshm_source_status *status, enum tdshm_source_state state,
			     const char *name, const char *detail)
{
	pthread_mutex_lock(&status->mutex);
	bool changed = status->state != state ||
		       strcmp(status->detail, detail ? detail : "") != 0 ||
		       strcmp(status->name, name ? name : "") != 0;
	if (state == TDSHM_SOURCE_STOPPED && status->state != TDSHM_SOURCE_STOPPED)
		status->stopped_at_ms = tdshm_clock_ms();
	if (strcmp(status->name, name ? name : "") != 0)
		status->name_since_ms = tdshm_clock_ms();
	status->state = state;
	snprintf(status->name, sizeof(status->name), "%s", name ? name : "");
	snprintf(status->detail, sizeof(status->detail), "%s", detail ? detail : "");
	pthread_mutex_unlock(&status->mutex);
	return changed;
}

void tdshm_source_status_set_image(tdshm_source_status *status, uint32_t width, uint32_t height,
				   const char *format, uint64_t frames)
{
	pthread_mutex_lock(&status->mutex);
	status->width = width;
	status->height = height;
	snprintf(status->format, sizeof(status->format), "%s", format ? format : "");
	status->frames = frames;
	pthread_mutex_unlock(&status->mutex);
}

enum tdshm_source_state tdshm_source_status_state(tdshm_source_status *status)
{
	pthread_mutex_lock(&status->mutex);
	enum tdshm_source_state state = status->state;
	pthread_mutex_unlock(&status->mutex);
	return state;
}

int64_t tdshm_source_status_stopped_for_ms(tdshm_source_status *status)
{
	pthread_mutex_lock(&status->mutex);
	int64_t ms = status->state == TDSHM_SOURCE_STOPPED
			 ? (int64_t)(tdshm_clock_ms() - status->stopped_at_ms)
			 : -1;
	pthread_mutex_unlock(&status->mutex);
	return ms;
}

void tdshm_source_status_report_state(tdshm_source_status *status, struct obs_source *owner,
				      enum tdshm_source_state state, const char *name,
				      const char *detail, const char *log_prefix)
{
	if (!tdshm_source_status_set(status, state, name, detail))
		return;
	pthread_mutex_lock(&status->mutex);
	bool hold = state == TDSHM_SOURCE_WAITING &&
		    tdshm_clock_ms() - status->name_since_ms < TDSHM_NAME_SETTLE_MS;
	/* Any line logged now replaces one held back. */
	status->log_pending = hold;
	status->log_pending_prefix = log_prefix;
	pthread_mutex_unlock(&status->mutex);
	if (hold)
		return;
	char line[1024];
	tdshm_source_status_text(status, line, sizeof(line));
	bool bad = state == TDSHM_SOURCE_REFUSED || state == TDSHM_SOURCE_ERROR;
	tdshm_log(bad ? LOG_WARNING : LOG_INFO, owner, "%s%s", log_prefix ? log_prefix : "", line);
}

void tdshm_source_status_flush_log(tdshm_source_status *status, struct obs_source *owner)
{
	pthread_mutex_lock(&status->mutex);
	bool due = status->log_pending && status->state == TDSHM_SOURCE_WAITING &&
		   tdshm_clock_ms() - status->name_since_ms >= TDSHM_NAME_SETTLE_MS;
	const char *prefix = status->log_pending_prefix;
	if (due || status->state != TDSHM_SOURCE_WAITING)
		status->log_pending = false;
	pthread_mutex_unlock(&status->mutex);
	if (!due)
		return;
	char line[1024];
	tdshm_source_status_text(status, line, sizeof(line));
	tdshm_log(LOG_INFO, owner, "%s%s", prefix ? prefix : "", line);
}

void tdshm_source_status_report(tdshm_source_status *status, struct obs_source *owner,
				const char *name, const tdshm_top_reader_event *ev,
				const char *log_prefix)
{
	if (!ev->changed)
		return;
	enum tdshm_source_state state;
	const char *detail = NULL;
	switch (ev->state) {
	case TDSHM_TOP_READER_CONNECTED:
		state = TDSHM_SOURCE_CONNECTED;
		break;
	case TDSHM_TOP_READER_STOPPED:
		state = TDSHM_SOURCE_STOPPED;
		break;
	case TDSHM_TOP_READER_REFUSED:
		state = TDSHM_SOURCE_REFUSED;
		detail = ev->detail;
		break;
	case TDSHM_TOP_READER_ERROR:
		state = TDSHM_SOURCE_ERROR;
		detail = ev->detail;
		break;
	case TDSHM_TOP_READER_HIDDEN:
		state = TDSHM_SOURCE_HIDDEN;
		break;
	case TDSHM_TOP_READER_WAITING:
	default:
		state = TDSHM_SOURCE_WAITING;
		break;
	}
	tdshm_source_status_report_state(status, owner, state, name, detail, log_prefix);
}

void tdshm_source_status_text(tdshm_source_status *status, char *out, size_t cap)
{
	pthread_mutex_lock(&status->mutex);
	char size[32], frames[32];
	snprintf(size, sizeof(size), "%u", status->width);
	snprintf(frames, sizeof(frames), "%llu", (unsigned long long)status->frames);
	char height[32];
	snprintf(height, sizeof(height), "%u", status->height);
	const char *connected[] = {status->name, size, height, status->format, frames};
	const char *with_detail[] = {status->name, status->detail};
	switch (status->state) {
	case TDSHM_SOURCE_NO_NAME:
		tdshm_text_fill(out, cap, "TopSource.Status.NoName", NULL, 0);
		break;
	case TDSHM_SOURCE_WAITING:
		tdshm_text_fill(out, cap, "TopSource.Status.Waiting", with_detail, 1);
		break;
	case TDSHM_SOURCE_CONNECTED:
		tdshm_text_fill(out, cap, "TopSource.Status.Connected", connected, 5);
		break;
	case TDSHM_SOURCE_REFUSED:
		tdshm_text_fill(out, cap, "TopSource.Status.Refused", with_detail, 2);
		break;
	case TDSHM_SOURCE_STOPPED:
		tdshm_text_fill(out, cap, "TopSource.Status.Stopped", with_detail, 1);
		break;
	case TDSHM_SOURCE_ERROR:
		tdshm_text_fill(out, cap, "TopSource.Status.Error", with_detail, 2);
		break;
	case TDSHM_SOURCE_HIDDEN:
		tdshm_text_fill(out, cap, "TopSource.Status.Hidden", with_detail, 1);
		break;
	}
	pthread_mutex_unlock(&status->mutex);
}
