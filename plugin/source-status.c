/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "source-status.h"

#include <obs-module.h>
#include <stdio.h>
#include <string.h>

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

void tdshm_source_status_text(tdshm_source_status *status, char *out, size_t cap)
{
	pthread_mutex_lock(&status->mutex);
	switch (status->state) {
	case TDSHM_SOURCE_NO_NAME:
		snprintf(out, cap, "%s", obs_module_text("TopSource.Status.NoName"));
		break;
	case TDSHM_SOURCE_WAITING:
		snprintf(out, cap, obs_module_text("TopSource.Status.Waiting"), status->name);
		break;
	case TDSHM_SOURCE_CONNECTED:
		snprintf(out, cap, obs_module_text("TopSource.Status.Connected"), status->name,
			 status->width, status->height, status->format,
			 (unsigned long long)status->frames);
		break;
	case TDSHM_SOURCE_REFUSED:
		snprintf(out, cap, obs_module_text("TopSource.Status.Refused"), status->name,
			 status->detail);
		break;
	case TDSHM_SOURCE_STOPPED:
		snprintf(out, cap, obs_module_text("TopSource.Status.Stopped"), status->name);
		break;
	case TDSHM_SOURCE_ERROR:
		snprintf(out, cap, obs_module_text("TopSource.Status.Error"), status->name,
			 status->detail);
		break;
	case TDSHM_SOURCE_HIDDEN:
		snprintf(out, cap, obs_module_text("TopSource.Status.Hidden"), status->name);
		break;
	}
	pthread_mutex_unlock(&status->mutex);
}
