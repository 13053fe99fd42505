/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem Out (CHOP)": an OBS audio filter that writes the
 * audio passing through it into a CHOP segment (docs/protocol.md §4) for a Shared
 * Mem In CHOP, and returns the audio unchanged.
 *
 * OBS glue only. The audio thread never waits: it takes this filter's own
 * mutex with a try-lock and the segment's data lock with a 1 ms bound, and a
 * miss drops one block. Creating, resizing and closing the segment (which
 * may wait on the info lock for seconds, docs/protocol.md §2) happen on a worker
 * thread. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "dialog-status.h"
#include "tdshm/chop.h"
#include "tdshm/chop_stream.h"
#include "tdshm/names.h"
#include "tdshm/sender.h"

#define SETTING_NAME "name"
#define SETTING_BLOCK_LENGTH "block_length"
#define SETTING_CHANNEL_NAMES "channel_names"

#define NAMES_NUMBERED "numbered"
#define NAMES_SPEAKERS "speakers"

#define TEXT_FILTER obs_module_text("ChopFilter")
#define TEXT_NAME obs_module_text("ChopFilter.Name")
#define TEXT_NAME_HINT obs_module_text("ChopFilter.Name.Hint")
#define TEXT_BLOCK_LENGTH obs_module_text("ChopFilter.BlockLength")
#define TEXT_BLOCK_LENGTH_HINT obs_module_text("ChopFilter.BlockLength.Hint")
#define TEXT_CHANNEL_NAMES obs_module_text("ChopFilter.ChannelNames")
#define TEXT_NAMES_NUMBERED obs_module_text("ChopFilter.ChannelNames.Numbered")
#define TEXT_NAMES_SPEAKERS obs_module_text("ChopFilter.ChannelNames.Speakers")

/* Bound on the data-lock wait on OBS's audio thread. */
#define AUDIO_LOCK_WAIT_MS 1
/* Bound on info-lock waits when the filter is removed (UI thread). */
#define CLOSE_WAIT_MS 100
/* Retry period after a failed create (name taken, system error). */
#define RETRY_MS 2000
/* A changed name is used once it has stayed the same this long, so typing
 * it never creates and removes a segment per partial name. */
#define NAME_SETTLE_NS 700000000ull

#define chop_log(level, f, format, ...)                                                            \
	blog(level, "[tdshm-chop-out: '%s'] " format, obs_source_get_name((f)->source),            \
	     ##__VA_ARGS__)

struct tdshm_chop_filter {
	obs_source_t *source;
	uint32_t rate;     /* OBS's audio rate */
	uint32_t channels; /* OBS's audio channels */

	/* [LOCK] shared by the UI thread (update), the worker and the audio
	 * thread; the audio thread only ever try-locks it. */
	pthread_mutex_t lock;
	char name[TDSHM_USER_NAME_MAX + 1];
	uint32_t length;
	uint64_t config_generation; /* bumped by update */
	bool configured;            /* update ran before (the first name is used at once) */
	uint64_t name_settle_at_ns; /* the worker waits until then for a new name */
	tdshm_chop_assembler *assembler;
	char name_text[TDSHM_CHOP_OUTPUT_MAX_CHANNELS][32];
	const char *names[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	size_t segment_size;
	tdshm_sender *sender;       /* NULL while the worker (re)creates it */
	uint64_t sender_generation; /* config the sender was made for */
	char sender_name[TDSHM_USER_NAME_MAX + 1];
	bool lock_missed; /* [AUDIO] the last write found the data lock busy */

	/* Counters and the last problem, for the status line. */
	volatile long blocks_written;
	volatile long blocks_dropped;
	pthread_mutex_t status_mutex;
	char problem[TDSHM_ERROR_MESSAGE_MAX];

	pthread_t thread;
	bool thread_started;
	os_event_t *stop_event;
	os_event_t *wake_event;

	tdshm_dialog_status *dialog; /* the dialog's status row; thread-safe */
};

static void set_problem(struct tdshm_chop_filter *f, const char *message)
{
	pthread_mutex_lock(&f->status_mutex);
	if (strcmp(f->problem, message) != 0) {
		if (message[0])
			chop_log(LOG_WARNING, f, "%s", message);
		snprintf(f->problem, sizeof(f->problem), "%s", message);
	}
	pthread_mutex_unlock(&f->status_mutex);
}

/* ---- [AUDIO] ------------------------------------------------------------- */

/* Called with the lock held and a complete block in the assembler. */
static void write_latest_block(struct tdshm_chop_filter *f)
{
	if (!f->sender || f->sender_generation != f->config_generation)
		return; /* the worker is (re)making the segment: nothing to miss yet */
	uint8_t *bytes = NULL;
	size_t size = 0;
	tdshm_error err;
	/* Wait up to 1 ms for a receiver to finish its copy; but once a wait
	 * has failed the receiver is stuck, and waking up late from every
	 * further 1 ms wait on a busy machine would add up: only try (no
	 * sleep) until a write gets through again. */
	uint32_t wait_ms = f->lock_missed ? 0 : AUDIO_LOCK_WAIT_MS;
	if (tdshm_sender_begin_write(f->sender, wait_ms, &bytes, &size, &err) != TDSHM_OK) {
		/* A receiver holds the lock: this block is lost, OBS is not held. */
		f->lock_missed = true;
		os_atomic_inc_long(&f->blocks_dropped);
		return;
	}
	f->lock_missed = false;
	uint32_t channels = tdshm_chop_assembler_channels(f->assembler);
	tdshm_status status =
	    tdshm_chop_write(bytes, size, channels, f->length, (float)f->rate,
			     tdshm_chop_assembler_block(f->assembler), f->names, &err);
	tdshm_sender_end_write(f->sender);
	if (status == TDSHM_OK)
		os_atomic_inc_long(&f->blocks_written);
	else
		os_atomic_inc_long(&f->blocks_dropped);
}

static struct obs_audio_data *chop_filter_audio(void *data, struct obs_audio_data *audio)
{
	struct tdshm_chop_filter *f = data;
	if (pthread_mutex_trylock(&f->lock) != 0) {
		os_atomic_inc_long(&f->blocks_dropped);
		return audio;
	}
	if (f->assembler && f->name[0]) {
		const float *planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
		uint32_t channels = tdshm_chop_assembler_channels(f->assembler);
		for (uint32_t c = 0; c < channels; c++)
			planes[c] = (const float *)audio->data[c];
		if (tdshm_chop_assembler_push(f->assembler, planes, audio->frames) > 0)
			write_latest_block(f);
	}
	pthread_mutex_unlock(&f->lock);
	return audio;
}

/* ---- [WORKER] creating and resizing the segment -------------------------- */

/* Brings the sender in line with the settings. Returns false to retry later. */
static bool worker_sync(struct tdshm_chop_filter *f)
{
	pthread_mutex_lock(&f->lock);
	uint64_t generation = f->config_generation;
	bool current = f->sender && f->sender_generation == generation;
	bool same_name = f->sender && strcmp(f->sender_name, f->name) == 0;
	char name[TDSHM_USER_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", f->name);
	size_t size = f->segment_size;
	tdshm_sender *sender = NULL;
	if (!current) {
		/* Take it out: the audio thread drops blocks until it is back. */
		sender = f->sender;
		f->sender = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	if (current)
		return true;

	tdshm_error err;
	tdshm_error_clear(&err);
	if (sender && (!same_name || !name[0])) {
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		sender = NULL;
	}
	if (!name[0]) {
		set_problem(f, "");
		return true;
	}
	tdshm_status status;
	if (sender && tdshm_sender_data_size(sender) == size) {
		status = TDSHM_OK; /* only the channel names or nothing changed */
	} else if (sender) {
		status = tdshm_sender_resize(sender, size, TDSHM_INFO_LOCK_TIMEOUT_MS, &err);
		if (status != TDSHM_OK) {
			tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
			sender = NULL;
		}
	} else {
		status = tdshm_sender_create(name, size, TDSHM_INFO_LOCK_TIMEOUT_MS, &sender, &err);
	}
	if (status != TDSHM_OK) {
		set_problem(f, err.message);
		return false;
	}
	set_problem(f, "");
	chop_log(LOG_INFO, f, "sending '%s' (%zu-byte segment)", name, size);

	pthread_mutex_lock(&f->lock);
	if (f->config_generation == generation && !f->sender) {
		f->sender = sender;
		f->sender_generation = generation;
		snprintf(f->sender_name, sizeof(f->sender_name), "%s", name);
		sender = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	if (sender) {
		/* The settings changed meanwhile: the next round starts over. */
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		return false;
	}
	return true;
}

static void *worker_main(void *data)
{
	struct tdshm_chop_filter *f = data;
	os_set_thread_name("tdshm-chop-out");
	unsigned long wait_ms = 0;
	for (;;) {
		if (os_event_try(f->stop_event) == 0)
			break;
		if (wait_ms)
			os_event_timedwait(f->wake_event, wait_ms);
		if (os_event_try(f->stop_event) == 0)
			break;
		pthread_mutex_lock(&f->lock);
		uint64_t now = os_gettime_ns();
		uint64_t settle_ns = now < f->name_settle_at_ns ? f->name_settle_at_ns - now : 0;
		pthread_mutex_unlock(&f->lock);
		if (settle_ns)
			wait_ms =
			    (unsigned long)(settle_ns / 1000000) + 1; /* update wakes it early */
		else
			wait_ms = worker_sync(f) ? 500 : RETRY_MS;
	}
	pthread_mutex_lock(&f->lock);
	tdshm_sender *sender = f->sender;
	f->sender = NULL;
	pthread_mutex_unlock(&f->lock);
	tdshm_sender_destroy(sender, CLOSE_WAIT_MS);
	return NULL;
}

/* ---- OBS callbacks ------------------------------------------------------- */

static const char *chop_filter_get_name(void *type_data)
{
	UNUSED_PARAMETER(type_data);
	return TEXT_FILTER;
}

static uint32_t frame_block_length(uint32_t rate)
{
	struct obs_video_info ovi;
	if (!obs_get_video_info(&ovi))
		return tdshm_chop_frame_block_length(rate, 60, 1);
	return tdshm_chop_frame_block_length(rate, ovi.fps_num, ovi.fps_den);
}

static void chop_filter_update(void *data, obs_data_t *settings)
{
	struct tdshm_chop_filter *f = data;
	const char *name = obs_data_get_string(settings, SETTING_NAME);
	long long length = obs_data_get_int(settings, SETTING_BLOCK_LENGTH);
	bool speakers =
	    strcmp(obs_data_get_string(settings, SETTING_CHANNEL_NAMES), NAMES_SPEAKERS) == 0;
	uint32_t block = length > 0 && length <= TDSHM_CHOP_READER_MAX_LENGTH
			     ? (uint32_t)length
			     : frame_block_length(f->rate);

	/* Allocation happens here, on the UI thread, never on the audio one. */
	tdshm_chop_assembler *assembler = NULL;
	tdshm_error err;
	if (tdshm_chop_assembler_create(f->channels, block, &assembler, &err) != TDSHM_OK)
		set_problem(f, err.message);

	pthread_mutex_lock(&f->lock);
	tdshm_chop_assembler *old = f->assembler;
	f->assembler = assembler;
	if (f->configured && strcmp(f->name, name) != 0)
		f->name_settle_at_ns = os_gettime_ns() + NAME_SETTLE_NS;
	f->configured = true;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->length = block;
	for (uint32_t c = 0; c < f->channels; c++) {
		tdshm_chop_output_name(speakers ? TDSHM_CHOP_NAMES_SPEAKERS
						: TDSHM_CHOP_NAMES_NUMBERED,
				       f->channels, c, f->name_text[c], sizeof(f->name_text[c]));
		f->names[c] = f->name_text[c];
	}
	if (tdshm_chop_segment_size(f->channels, block, f->names, &f->segment_size, &err) !=
	    TDSHM_OK)
		set_problem(f, err.message);
	f->config_generation++;
	pthread_mutex_unlock(&f->lock);
	tdshm_chop_assembler_destroy(old);
	if (name[0] && tdshm_name_check(name, &err) != TDSHM_OK)
		set_problem(f, err.message);
	if (f->wake_event)
		os_event_signal(f->wake_event);
}

static void chop_filter_destroy(void *data)
{
	struct tdshm_chop_filter *f = data;
	tdshm_dialog_status_destroy(f->dialog); /* before the state goes */
	if (f->thread_started) {
		os_event_signal(f->stop_event);
		os_event_signal(f->wake_event);
		pthread_join(f->thread, NULL);
	}
	os_event_destroy(f->stop_event);
	os_event_destroy(f->wake_event);
	tdshm_chop_assembler_destroy(f->assembler);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->status_mutex);
	bfree(f);
}

static void chop_filter_dialog_line(void *owner, tdshm_dialog_status_line *line);

static void *chop_filter_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_chop_filter *f = bzalloc(sizeof(*f));
	f->source = source;
	audio_t *audio = obs_get_audio();
	f->rate = audio_output_get_sample_rate(audio);
	f->channels = (uint32_t)audio_output_get_channels(audio);
	if (f->channels > TDSHM_CHOP_OUTPUT_MAX_CHANNELS)
		f->channels = TDSHM_CHOP_OUTPUT_MAX_CHANNELS;
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		bfree(f);
		return NULL;
	}
	if (pthread_mutex_init(&f->status_mutex, NULL) != 0) {
		pthread_mutex_destroy(&f->lock);
		bfree(f);
		return NULL;
	}
	if (os_event_init(&f->stop_event, OS_EVENT_TYPE_MANUAL) != 0 ||
	    os_event_init(&f->wake_event, OS_EVENT_TYPE_AUTO) != 0) {
		chop_filter_destroy(f);
		return NULL;
	}
	chop_filter_update(f, settings);
	f->dialog = tdshm_dialog_status_create(source, chop_filter_dialog_line, NULL, f);
	if (pthread_create(&f->thread, NULL, worker_main, f) != 0) {
		chop_log(LOG_ERROR, f, "could not start the writer thread");
		chop_filter_destroy(f);
		return NULL;
	}
	f->thread_started = true;
	return f;
}

static void chop_filter_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, SETTING_NAME, "");
	obs_data_set_default_int(settings, SETTING_BLOCK_LENGTH, 0);
	obs_data_set_default_string(settings, SETTING_CHANNEL_NAMES, NAMES_NUMBERED);
}

/* The dialog's status row; the key leaves out the block counters. */
static void chop_filter_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	struct tdshm_chop_filter *f = owner;
	pthread_mutex_lock(&f->lock);
	char name[TDSHM_USER_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", f->name);
	bool sending = f->sender != NULL;
	bool settling = os_gettime_ns() < f->name_settle_at_ns;
	uint32_t length = f->length;
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_lock(&f->status_mutex);
	char problem[TDSHM_ERROR_MESSAGE_MAX];
	snprintf(problem, sizeof(problem), "%s", f->problem);
	pthread_mutex_unlock(&f->status_mutex);

	char *out = line->text;
	size_t cap = sizeof(line->text);
	line->type = OBS_TEXT_INFO_WARNING;
	if (!name[0]) {
		snprintf(out, cap, "%s", obs_module_text("ChopFilter.Status.NoName"));
	} else if (settling) {
		snprintf(out, cap, obs_module_text("ChopFilter.Status.Settling"), name);
	} else if (problem[0]) {
		snprintf(out, cap, obs_module_text("ChopFilter.Status.Error"), name, problem);
		line->type = OBS_TEXT_INFO_ERROR;
	} else if (!sending) {
		snprintf(out, cap, obs_module_text("ChopFilter.Status.Opening"), name);
	} else {
		snprintf(out, cap, obs_module_text("ChopFilter.Status.Sending"), name, f->channels,
			 length, f->rate, os_atomic_load_long(&f->blocks_written),
			 os_atomic_load_long(&f->blocks_dropped));
		line->type = OBS_TEXT_INFO_NORMAL;
	}
	snprintf(line->key, sizeof(line->key), "%.200s|%d|%d|%u|%.200s", name, sending, settling,
		 length, problem);
}

static obs_properties_t *chop_filter_properties(void *data)
{
	struct tdshm_chop_filter *f = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status *dialog = f ? f->dialog : NULL;
	tdshm_dialog_status_add(props, dialog, obs_module_text("ChopFilter.Status.NoName"));
	obs_property_t *p =
	    obs_properties_add_text(props, SETTING_NAME, TEXT_NAME, OBS_TEXT_DEFAULT);
	obs_property_set_long_description(p, TEXT_NAME_HINT);
	tdshm_dialog_status_watch_typing(dialog, p);
	p = obs_properties_add_int(props, SETTING_BLOCK_LENGTH, TEXT_BLOCK_LENGTH, 0,
				   (int)TDSHM_CHOP_READER_MAX_LENGTH, 1);
	obs_property_set_long_description(p, TEXT_BLOCK_LENGTH_HINT);
	p = obs_properties_add_list(props, SETTING_CHANNEL_NAMES, TEXT_CHANNEL_NAMES,
				    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
	obs_property_list_add_string(p, TEXT_NAMES_NUMBERED, NAMES_NUMBERED);
	obs_property_list_add_string(p, TEXT_NAMES_SPEAKERS, NAMES_SPEAKERS);
	return props;
}

struct obs_source_info tdshm_chop_filter = {
    .id = "tdshm_chop_filter",
    .type = OBS_SOURCE_TYPE_FILTER,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = chop_filter_get_name,
    .create = chop_filter_create,
    .destroy = chop_filter_destroy,
    .update = chop_filter_update,
    .get_defaults = chop_filter_defaults,
    .get_properties = chop_filter_properties,
    .filter_audio = chop_filter_audio,
};
