/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OBS audio into a CHOP segment, for the CHOP filter and the Tools output's
 * program audio (chop-writer.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "chop-writer.h"
#include "plugin-log.h"
#include "tdshm/chop.h"
#include "tdshm/chop_assembler.h"
#include "tdshm/chop_reader.h"
#include "tdshm/names.h"
#include "tdshm/sender.h"

/* Bound on the data-lock wait on OBS's audio thread. */
#define AUDIO_LOCK_WAIT_MS 1
/* Bound on info-lock waits when the writer is destroyed. */
#define CLOSE_WAIT_MS 100
/* Retry period after a failed create (name taken, system error). */
#define RETRY_MS 2000

/* The filter's lines name its source; the Tools output's audio has none
 * and is named by its owner. */
#define writer_log(level, f, format, ...)                                                          \
	((f)->source ? tdshm_log(level, (f)->source, format, ##__VA_ARGS__)                        \
		     : tdshm_log_as(level, "tdshm-chop-out", (f)->owner, format, ##__VA_ARGS__))

struct tdshm_chop_writer {
	obs_source_t *source; /* for log lines; may be NULL */
	char owner[64];
	uint32_t rate;     /* OBS's audio rate */
	uint32_t channels; /* OBS's audio channels */

	/* [LOCK] shared by the UI thread (update), the worker and the audio
	 * thread; the audio thread only ever try-locks it. */
	pthread_mutex_t lock;
	char name[TDSHM_USER_NAME_MAX + 1];
	uint32_t length;
	uint64_t config_generation; /* bumped by update */
	bool configured;            /* configured before (the first name is used at once) */
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
};

static void set_problem(tdshm_chop_writer *f, const char *message)
{
	pthread_mutex_lock(&f->status_mutex);
	if (strcmp(f->problem, message) != 0) {
		if (message[0])
			writer_log(LOG_WARNING, f, "%s", message);
		snprintf(f->problem, sizeof(f->problem), "%s", message);
	}
	pthread_mutex_unlock(&f->status_mutex);
}

/* ---- [AUDIO] ------------------------------------------------------------- */

/* Called with the lock held and a complete block in the assembler. */
static void write_latest_block(tdshm_chop_writer *f)
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

void tdshm_chop_writer_push(tdshm_chop_writer *f, const float *const *planes, uint32_t frames)
{
	if (pthread_mutex_trylock(&f->lock) != 0) {
		os_atomic_inc_long(&f->blocks_dropped);
		return;
	}
	if (f->assembler && f->name[0] &&
	    tdshm_chop_assembler_push(f->assembler, planes, frames) > 0)
		write_latest_block(f);
	pthread_mutex_unlock(&f->lock);
}

/* ---- [WORKER] creating and resizing the segment -------------------------- */

/* Brings the sender in line with the settings. Returns false to retry later. */
static bool worker_sync(tdshm_chop_writer *f)
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
	writer_log(LOG_INFO, f, "sending '%s' (%zu-byte segment)", name, size);

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
	tdshm_chop_writer *f = data;
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
		if (settle_ns) /* configure wakes it early */
			wait_ms = (unsigned long)(settle_ns / 1000000) + 1;
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

static uint32_t frame_block_length(uint32_t rate)
{
	struct obs_video_info ovi;
	if (!obs_get_video_info(&ovi))
		return tdshm_chop_frame_block_length(rate, 60, 1);
	return tdshm_chop_frame_block_length(rate, ovi.fps_num, ovi.fps_den);
}

void tdshm_chop_writer_configure(tdshm_chop_writer *f, const char *name, uint32_t length,
				 bool speakers)
{
	uint32_t block = length > 0 && length <= TDSHM_CHOP_READER_MAX_LENGTH
			     ? length
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
		f->name_settle_at_ns = os_gettime_ns() + TDSHM_NAME_SETTLE_NS;
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

void tdshm_chop_writer_destroy(tdshm_chop_writer *f)
{
	if (!f)
		return;
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

tdshm_chop_writer *tdshm_chop_writer_create(obs_source_t *source, const char *owner, uint32_t rate,
					    uint32_t channels)
{
	tdshm_chop_writer *f = bzalloc(sizeof(*f));
	f->source = source;
	snprintf(f->owner, sizeof(f->owner), "%s", owner ? owner : "");
	f->rate = rate;
	f->channels = channels;
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
		tdshm_chop_writer_destroy(f);
		return NULL;
	}
	if (pthread_create(&f->thread, NULL, worker_main, f) != 0) {
		writer_log(LOG_ERROR, f, "could not start the writer thread");
		tdshm_chop_writer_destroy(f);
		return NULL;
	}
	f->thread_started = true;
	return f;
}

void tdshm_chop_writer_dialog_line(void *writer, tdshm_dialog_status_line *line)
{
	tdshm_chop_writer *f = writer;
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
		tdshm_text_fill(out, cap, "ChopFilter.Status.NoName", NULL, 0);
	} else if (settling) {
		const char *args[] = {name};
		tdshm_text_fill(out, cap, "ChopFilter.Status.Settling", args, 1);
	} else if (problem[0]) {
		const char *args[] = {name, problem};
		tdshm_text_fill(out, cap, "ChopFilter.Status.Error", args, 2);
		line->type = OBS_TEXT_INFO_ERROR;
	} else if (!sending) {
		const char *args[] = {name};
		tdshm_text_fill(out, cap, "ChopFilter.Status.Opening", args, 1);
	} else {
		char channels[16], samples[16], rate[16], written[24], dropped[24];
		snprintf(channels, sizeof(channels), "%u", f->channels);
		snprintf(samples, sizeof(samples), "%u", length);
		snprintf(rate, sizeof(rate), "%u", f->rate);
		snprintf(written, sizeof(written), "%ld", os_atomic_load_long(&f->blocks_written));
		snprintf(dropped, sizeof(dropped), "%ld", os_atomic_load_long(&f->blocks_dropped));
		const char *args[] = {name, channels, samples, rate, written, dropped};
		tdshm_text_fill(out, cap, "ChopFilter.Status.Sending", args, 6);
		line->type = OBS_TEXT_INFO_NORMAL;
	}
	/* The block counters are left out: they do not rebuild an open dialog. */
	snprintf(line->key, sizeof(line->key), "%.200s|%d|%d|%u|%.200s", name, sending, settling,
		 length, problem);
}
