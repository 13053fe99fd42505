/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "dialog-status.h"

#define SETTING_STATUS "status"
#define SETTING_REFRESH "refresh"
#define TEXT_STATUS obs_module_text("Dialog.Status")
#define TEXT_REFRESH obs_module_text("Dialog.Refresh")

/* How often the watcher looks; a change shows within this plus the view's
 * own queued reload. */
#define WATCH_PERIOD_MS 200
/* At most one rebuild a second per source: a flapping state never makes a
 * dialog unusable. */
#define MIN_RELOAD_GAP_NS 1000000000ull
/* A rebuild waits until the user has not typed for this long. */
#define TYPING_QUIET_NS 2000000000ull

struct tdshm_dialog_status {
	/* Set at create, constant after. */
	obs_source_t *source;
	tdshm_dialog_status_fn fn;
	tdshm_dialog_refresh_fn refresh;
	void *owner;

	/* [WATCHER] only the watcher thread, under list_mutex. */
	char shown_key[sizeof(((tdshm_dialog_status_line *)0)->key)];
	bool have_key;
	bool pending;
	uint64_t last_reload_ns;

	/* Under list_mutex: written by the UI thread (typing), read by the
	 * watcher. typed_value is the UI thread's last seen field value. */
	uint64_t typed_at_ns;
	char *typed_value;

	volatile bool poked; /* any thread, atomic */

	struct tdshm_dialog_status *next; /* under list_mutex */
};

/* Lock order: lifecycle_mutex, then list_mutex, then an owner's own lock
 * (taken inside fn). Nothing holding an owner's lock takes list_mutex. */
static pthread_mutex_t lifecycle_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t list_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct tdshm_dialog_status *list_head; /* under list_mutex */
/* Under lifecycle_mutex. */
static pthread_t watcher_thread;
static os_event_t *watcher_stop;
static bool watcher_running;
/* The module is being unloaded: no watcher any more (its status lines use
 * the module's locale, which is about to be freed). */
static bool watcher_unloaded;

static void watch_one(struct tdshm_dialog_status *s, uint64_t now)
{
	tdshm_dialog_status_line line;
	memset(&line, 0, sizeof(line));
	s->fn(s->owner, &line);
	if (!s->have_key) {
		/* A dialog opened right after the source was created may have
		 * been built before this first look: one rebuild to be sure. */
		snprintf(s->shown_key, sizeof(s->shown_key), "%s", line.key);
		s->have_key = true;
		s->pending = true;
	} else if (strcmp(s->shown_key, line.key) != 0) {
		snprintf(s->shown_key, sizeof(s->shown_key), "%s", line.key);
		s->pending = true;
	}
	if (os_atomic_set_bool(&s->poked, false))
		s->pending = true;
	if (!s->pending || now - s->last_reload_ns < MIN_RELOAD_GAP_NS)
		return;
	if (s->typed_at_ns && now - s->typed_at_ns < TYPING_QUIET_NS)
		return;
	s->pending = false;
	s->last_reload_ns = now;
	/* OBS's Properties and Filters dialogs queue a ReloadProperties (a
	 * new get_properties) on their UI thread; with no dialog open nothing
	 * listens. */
	obs_source_update_properties(s->source);
}

static void *watcher_main(void *arg)
{
	(void)arg;
	os_set_thread_name("tdshm-dialog-status");
	while (os_event_timedwait(watcher_stop, WATCH_PERIOD_MS) == ETIMEDOUT) {
		uint64_t now = os_gettime_ns();
		pthread_mutex_lock(&list_mutex);
		for (struct tdshm_dialog_status *s = list_head; s; s = s->next)
			watch_one(s, now);
		pthread_mutex_unlock(&list_mutex);
	}
	return NULL;
}

/* Under lifecycle_mutex. */
static void watcher_stop_locked(void)
{
	if (!watcher_running)
		return;
	os_event_signal(watcher_stop);
	pthread_join(watcher_thread, NULL);
	os_event_destroy(watcher_stop);
	watcher_stop = NULL;
	watcher_running = false;
}

tdshm_dialog_status *tdshm_dialog_status_create(obs_source_t *source, tdshm_dialog_status_fn fn,
						tdshm_dialog_refresh_fn refresh, void *owner)
{
	struct tdshm_dialog_status *s = bzalloc(sizeof(*s));
	s->source = source;
	s->fn = fn;
	s->refresh = refresh;
	s->owner = owner;

	pthread_mutex_lock(&lifecycle_mutex);
	if (!watcher_running && !watcher_unloaded) {
		if (os_event_init(&watcher_stop, OS_EVENT_TYPE_MANUAL) != 0) {
			pthread_mutex_unlock(&lifecycle_mutex);
			bfree(s);
			return NULL;
		}
		if (pthread_create(&watcher_thread, NULL, watcher_main, NULL) != 0) {
			os_event_destroy(watcher_stop);
			watcher_stop = NULL;
			pthread_mutex_unlock(&lifecycle_mutex);
			bfree(s);
			return NULL;
		}
		watcher_running = true;
	}
	pthread_mutex_lock(&list_mutex);
	s->next = list_head;
	list_head = s;
	pthread_mutex_unlock(&list_mutex);
	pthread_mutex_unlock(&lifecycle_mutex);
	return s;
}

void tdshm_dialog_status_destroy(tdshm_dialog_status *status)
{
	if (!status)
		return;
	pthread_mutex_lock(&lifecycle_mutex);
	pthread_mutex_lock(&list_mutex);
	for (struct tdshm_dialog_status **p = &list_head; *p; p = &(*p)->next) {
		if (*p == status) {
			*p = status->next;
			break;
		}
	}
	bool empty = list_head == NULL;
	pthread_mutex_unlock(&list_mutex);
	/* The last one stops the watcher (woken at once, joined: no call to
	 * any fn after this). */
	if (empty)
		watcher_stop_locked();
	pthread_mutex_unlock(&lifecycle_mutex);
	bfree(status->typed_value);
	bfree(status);
}

void tdshm_dialog_status_unload(void)
{
	pthread_mutex_lock(&lifecycle_mutex);
	watcher_unloaded = true;
	watcher_stop_locked();
	pthread_mutex_unlock(&lifecycle_mutex);
}

static void status_line(tdshm_dialog_status *status, tdshm_dialog_status_line *line)
{
	memset(line, 0, sizeof(*line));
	status->fn(status->owner, line);
}

static void set_status_property(obs_property_t *p, const tdshm_dialog_status_line *line)
{
	/* The text goes in the long description: OBS shows description as the
	 * row's label and, with no value in the settings, the long
	 * description as the row's text. */
	obs_property_set_long_description(p, line->text);
	obs_property_text_set_info_type(p, line->type);
}

static bool refresh_clicked(obs_properties_t *props, obs_property_t *button, void *data)
{
	(void)button;
	tdshm_dialog_status *status = data;
	if (!status)
		return false;
	tdshm_dialog_status_line line;
	status_line(status, &line);
	obs_property_t *p = obs_properties_get(props, SETTING_STATUS);
	if (p)
		set_status_property(p, &line);
	if (status->refresh)
		status->refresh(status->owner, props);
	/* true: OBS lays the (now updated) properties out again. */
	return true;
}

void tdshm_dialog_status_add(obs_properties_t *props, tdshm_dialog_status *status,
			     const char *placeholder)
{
	tdshm_dialog_status_line line;
	if (status) {
		status_line(status, &line);
	} else {
		memset(&line, 0, sizeof(line));
		snprintf(line.text, sizeof(line.text), "%s", placeholder ? placeholder : "");
		line.type = OBS_TEXT_INFO_NORMAL;
	}
	obs_property_t *p =
	    obs_properties_add_text(props, SETTING_STATUS, TEXT_STATUS, OBS_TEXT_INFO);
	set_status_property(p, &line);
	obs_properties_add_button2(props, SETTING_REFRESH, TEXT_REFRESH, refresh_clicked, status);
}

/* UI thread, on every edit of the field (and when OBS applies settings to
 * new properties, which changes nothing). */
static bool typing_modified(void *priv, obs_properties_t *props, obs_property_t *field,
			    obs_data_t *settings)
{
	(void)props;
	tdshm_dialog_status *status = priv;
	const char *value = obs_data_get_string(settings, obs_property_name(field));
	pthread_mutex_lock(&list_mutex);
	if (status->typed_value && strcmp(status->typed_value, value) != 0)
		status->typed_at_ns = os_gettime_ns();
	bfree(status->typed_value);
	status->typed_value = bstrdup(value);
	pthread_mutex_unlock(&list_mutex);
	/* false: typing alone never re-lays the dialog out. */
	return false;
}

obs_property_t *tdshm_dialog_status_add_typed_text(obs_properties_t *props,
						   tdshm_dialog_status *status, const char *setting,
						   const char *label, const char *hint)
{
	obs_property_t *field = obs_properties_add_text(props, setting, label, OBS_TEXT_DEFAULT);
	obs_property_set_long_description(field, hint);
	if (status && field)
		obs_property_set_modified_callback2(field, typing_modified, status);
	return field;
}

void tdshm_dialog_status_poke(tdshm_dialog_status *status)
{
	if (status)
		os_atomic_set_bool(&status->poked, true);
}
