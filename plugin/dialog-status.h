/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status line every dialog of the plugin shows (video source, filter,
 * CHOP source, CHOP filter, Tools > TouchDesigner Output): laid out the same
 * way in each (a "Status" row at the top with a Refresh button under it) and
 * kept true while the dialog is open.
 *
 * How it stays true: OBS's properties view (OBS 29..32) rebuilds its dialog
 * from get_properties when the source emits "update_properties"
 * (obs_source_update_properties; the Properties and Filters dialogs connect
 * to it). One watcher thread asks each registered owner for its status a few
 * times a second and emits the signal when the state part of the status
 * (not a counter) has changed: at most once a second per source, and not
 * while the user is typing in a field the owner marks (a rebuild takes the
 * keyboard focus away). Refresh rewrites the status in the properties the
 * dialog already has and returns true, which makes OBS lay them out again
 * (what a button's true means in OBS 29's view): counters come up to date. */
#pragma once

#include <obs-module.h>

/* A name typed in a dialog takes effect (a filter's segment, a source's log
 * line) once it has stayed the same this long: OBS updates the source at
 * every key, and each partial name would otherwise count. */
#define TDSHM_NAME_SETTLE_MS 700
#define TDSHM_NAME_SETTLE_NS (TDSHM_NAME_SETTLE_MS * 1000000ull)

typedef struct tdshm_dialog_status_line {
	char text[1024];              /* what the user reads */
	enum obs_text_info_type type; /* normal, warning or error colour */
	char key[512];                /* the state it shows, without counters */
} tdshm_dialog_status_line;

/* Fills line from the owner's state. Called from the watcher thread and the
 * UI thread, possibly at the same time: must take the owner's own lock. */
typedef void (*tdshm_dialog_status_fn)(void *owner, tdshm_dialog_status_line *line);
/* Extra work for the Refresh button (e.g. re-list segments); may be NULL. */
typedef void (*tdshm_dialog_refresh_fn)(void *owner, obs_properties_t *props);

typedef struct tdshm_dialog_status tdshm_dialog_status;

/* Registers source with the watcher (started with the first registration);
 * refresh (may be NULL) runs when Refresh is pressed.
 * NULL when out of resources; every function below accepts NULL. */
tdshm_dialog_status *tdshm_dialog_status_create(obs_source_t *source, tdshm_dialog_status_fn fn,
						tdshm_dialog_refresh_fn refresh, void *owner);
/* Unregisters: once it returns the watcher no longer calls fn. Call it in
 * destroy before the owner's state goes. */
void tdshm_dialog_status_destroy(tdshm_dialog_status *status);
/* From the module's obs_module_free_locale: stops the watcher for good. A
 * source OBS still holds at shutdown (seen: "1 source(s) were remaining")
 * is destroyed after libobs has freed the module's locale; its status line
 * must not be formatted with it (a ThreadSanitizer report in the filter
 * suite). Dialogs already open keep their last status. */
void tdshm_dialog_status_unload(void);

/* Adds the "Status" row and the Refresh button: call it first in
 * get_properties so they are at the top. Without a status (properties of
 * the type, no source) the row reads placeholder. */
void tdshm_dialog_status_add(obs_properties_t *props, tdshm_dialog_status *status,
			     const char *placeholder);
/* Adds a text field (a Shared Mem Name, a channel list) with its hint,
 * watched for typing: while its value keeps changing the dialog is not
 * rebuilt (the rebuild waits until the user pauses). */
obs_property_t *tdshm_dialog_status_add_typed_text(obs_properties_t *props,
						   tdshm_dialog_status *status, const char *setting,
						   const char *label, const char *hint);

/* Asks open dialogs to rebuild now (after a setting the owner knows changes
 * what the dialog shows); still at most once a second. */
void tdshm_dialog_status_poke(tdshm_dialog_status *status);
