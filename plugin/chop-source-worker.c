/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP source's reader thread: polls the segment every few milliseconds
 * with bounded lock waits, lets common/'s chop reader pick the new blocks,
 * feeds them to the pipeline (chop-pipeline.h), and keeps the status line
 * and the log up to date. Everything here is [WORKER] unless it takes a
 * mutex. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <util/platform.h>

#include "chop-source.h"
#include "chop-timer.h"
#include "plugin-log.h"

/* Poll period of the worker: well under a TouchDesigner cook (16.7 ms at
 * 60 fps), so a block is seen soon after it is written. */
#define POLL_MS 4
/* Bound on every lock wait: never more than this behind OBS's back. */
#define LOCK_WAIT_MS 1

static void set_status(struct tdshm_chop_source *s, const char *text)
{
	pthread_mutex_lock(&s->status_mutex);
	snprintf(s->status, sizeof(s->status), "%s", text);
	pthread_mutex_unlock(&s->status_mutex);
}

/* Logs a change of state once, not on every poll. */
static void note_state(struct tdshm_chop_source *s, tdshm_status status, const char *message)
{
	if (status == s->last_status && strcmp(message, s->last_message) == 0)
		return;
	s->last_status = status;
	snprintf(s->last_message, sizeof(s->last_message), "%s", message);
	if (status == TDSHM_OK)
		tdshm_log(LOG_INFO, s->source, "receiving blocks");
	else
		tdshm_log(LOG_WARNING, s->source, "%s: %s", tdshm_status_name(status), message);
}

/* ---- the status line ----------------------------------------------------- */

static void status_connected(struct tdshm_chop_source *s)
{
	const tdshm_chop_channel_map *map = tdshm_chop_reader_map(s->reader);
	char picked[16], channels[16], rate[32], blocks[24];
	snprintf(picked, sizeof(picked), "%u", map->picked);
	snprintf(channels, sizeof(channels), "%u", tdshm_chop_reader_chop_channels(s->reader));
	snprintf(rate, sizeof(rate), "%g", (double)tdshm_chop_reader_sample_rate(s->reader));
	snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)s->blocks);
	const char *connected[] = {s->name, picked, channels, rate, blocks};
	char text[512];
	tdshm_text_fill(text, sizeof(text), "ChopSource.Status.Connected", connected, 5);
	size_t used = strlen(text);
	char part[256];
	if (map->ignored) {
		tdshm_text_fill(part, sizeof(part), "ChopSource.Status.Ignored", NULL, 0);
		used += (size_t)snprintf(text + used, sizeof(text) - used, " %s", part);
	}
	if (map->missing && used < sizeof(text)) {
		tdshm_text_fill(part, sizeof(part), "ChopSource.Status.Missing", NULL, 0);
		used += (size_t)snprintf(text + used, sizeof(text) - used, " %s %s", part,
					 map->missing_list);
	}
	/* What a listener would hear as a glitch, counted. */
	tdshm_chop_stream_stats stats;
	tdshm_chop_pipeline_stats(&s->pipeline, &stats);
	uint64_t missed = tdshm_chop_reader_missed(s->reader);
	uint64_t silence_frames = tdshm_chop_pipeline_silence_frames(&stats);
	if ((missed || silence_frames || stats.dropped_frames) && used < sizeof(text)) {
		uint32_t rate_hz = s->pipeline.obs_rate;
		char lost[24], silence[24], dropped[24];
		snprintf(lost, sizeof(lost), "%llu", (unsigned long long)missed);
		snprintf(silence, sizeof(silence), "%llu",
			 (unsigned long long)(silence_frames * 1000 / rate_hz));
		snprintf(dropped, sizeof(dropped), "%llu",
			 (unsigned long long)(stats.dropped_frames * 1000 / rate_hz));
		const char *gaps[] = {lost, silence, dropped};
		tdshm_text_fill(part, sizeof(part), "ChopSource.Status.Gaps", gaps, 3);
		snprintf(text + used, sizeof(text) - used, " %s", part);
	}
	set_status(s, text);
	s->status_missed = missed;
	s->status_silence = silence_frames;
	s->status_dropped = stats.dropped_frames;
}

static void status_with_name(struct tdshm_chop_source *s, const char *key, const char *detail)
{
	const char *args[] = {s->name, detail ? detail : ""};
	char text[512];
	tdshm_text_fill(text, sizeof(text), key, args, 2);
	set_status(s, text);
}

static void status_problem(struct tdshm_chop_source *s, tdshm_status status, const char *message)
{
	note_state(s, status, message);
	status_with_name(
	    s, status == TDSHM_REFUSED ? "ChopSource.Status.Refused" : "ChopSource.Status.Error",
	    message);
}

/* ---- reading the segment ------------------------------------------------- */

/* A new block is in: say what a listener would notice, feed the pipeline
 * and refresh the status line when something in it changed. */
static void worker_play(struct tdshm_chop_source *s, const tdshm_chop_take *take)
{
	note_state(s, TDSHM_OK, "");
	s->blocks++;
	uint64_t missed = tdshm_chop_reader_missed(s->reader);
	/* A gap longer than the buffer is heard: say whose it was. A long
	 * block after it means TouchDesigner cooked late (it writes every
	 * sample since its last cook); blocks overwritten unread mean this
	 * source was not run in time. */
	uint64_t now_ns = os_gettime_ns();
	if (s->last_block_ns && now_ns - s->last_block_ns > (uint64_t)s->buffer_ms * 1000000)
		tdshm_log(LOG_INFO, s->source,
			  "no new block for %llu ms, then one of %.0f ms of audio (%llu "
			  "overwritten unread so far)",
			  (unsigned long long)((now_ns - s->last_block_ns) / 1000000),
			  take->sample_rate > 0 ? take->frames * 1000.0 / take->sample_rate : 0.0,
			  (unsigned long long)missed);
	s->last_block_ns = now_ns;
	if (tdshm_chop_pipeline_needs_build(&s->pipeline, take)) {
		tdshm_error err;
		if (tdshm_chop_pipeline_build(&s->pipeline, take, s->buffer_ms, &err) != TDSHM_OK) {
			note_state(s, err.status, err.message);
			return;
		}
	} else if (missed > s->missed_filled) {
		tdshm_chop_pipeline_fill_missed(&s->pipeline, missed - s->missed_filled, take);
	}
	s->missed_filled = missed;
	tdshm_chop_pipeline_push(&s->pipeline, take);
	if (missed > s->status_missed)
		tdshm_log(LOG_INFO, s->source,
			  "%llu block(s) were overwritten before this source could read them",
			  (unsigned long long)(missed - s->status_missed));
	tdshm_chop_stream_stats stats;
	tdshm_chop_pipeline_stats(&s->pipeline, &stats);
	bool gaps_changed = missed != s->status_missed ||
			    tdshm_chop_pipeline_silence_frames(&stats) != s->status_silence ||
			    stats.dropped_frames != s->status_dropped;
	if (s->blocks == 1 || take->layout_changed || gaps_changed || s->blocks % 30 == 0)
		status_connected(s);
}

static void worker_read(struct tdshm_chop_source *s)
{
	const uint8_t *bytes = NULL;
	size_t size = 0;
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status =
	    tdshm_receiver_begin_read(s->receiver, LOCK_WAIT_MS, &bytes, &size, &err);
	if (status == TDSHM_TIMED_OUT)
		return; /* busy this time: the next poll is 4 ms away */
	if (status == TDSHM_NOT_FOUND) {
		status_with_name(s, "ChopSource.Status.Waiting", NULL);
		return;
	}
	if (status == TDSHM_GONE) {
		/* A restarted sender starts from scratch: do not compare its
		 * first block with the old sender's last. */
		tdshm_chop_reader_forget(s->reader);
		note_state(s, status, err.message);
		status_with_name(s, "ChopSource.Status.Stopped", NULL);
		return;
	}
	if (status != TDSHM_OK) {
		status_problem(s, status, err.message);
		return;
	}

	uint64_t serial = 0;
	bool has_serial = tdshm_receiver_frame_serial(s->receiver, &serial);
	tdshm_chop_take take;
	status = tdshm_chop_reader_take(s->reader, bytes, size, has_serial, serial, &take, &err);
	tdshm_receiver_end_read(s->receiver);
	if (status == TDSHM_NOT_FOUND)
		status_with_name(s, "ChopSource.Status.Waiting", NULL);
	else if (status != TDSHM_OK)
		status_problem(s, status, err.message);
	else if (take.is_new)
		worker_play(s, &take);
}

/* Forgets the sender, the reader and the pipeline of the old settings. */
static void worker_reset(struct tdshm_chop_source *s)
{
	tdshm_receiver_destroy(s->receiver);
	s->receiver = NULL;
	tdshm_chop_reader_destroy(s->reader);
	s->reader = NULL;
	tdshm_chop_pipeline_drop(&s->pipeline);
	s->blocks = 0;
	s->last_block_ns = 0;
	s->status_missed = 0;
	s->status_silence = 0;
	s->status_dropped = 0;
	s->last_status = TDSHM_OK;
	s->last_message[0] = '\0';
}

static void worker_apply_settings(struct tdshm_chop_source *s)
{
	pthread_mutex_lock(&s->settings_mutex);
	bool changed = s->settings_changed;
	char name[TDSHM_USER_NAME_MAX + 1];
	char picker[256];
	snprintf(name, sizeof(name), "%s", s->pending_name ? s->pending_name : "");
	snprintf(picker, sizeof(picker), "%s", s->pending_picker ? s->pending_picker : "");
	uint32_t buffer_ms = s->pending_buffer_ms;
	s->settings_changed = false;
	pthread_mutex_unlock(&s->settings_mutex);
	if (!changed)
		return;

	worker_reset(s);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->buffer_ms = buffer_ms;
	if (!name[0]) {
		status_with_name(s, "ChopSource.Status.NoName", NULL);
		return;
	}
	tdshm_error err;
	if (tdshm_chop_reader_create(picker, &s->reader, &err) != TDSHM_OK) {
		status_problem(s, err.status, err.message);
		return;
	}
	tdshm_receiver_options options;
	tdshm_receiver_options_default(&options);
	options.info_timeout_ms = LOCK_WAIT_MS;
	if (tdshm_receiver_create(name, &options, &s->receiver, &err) != TDSHM_OK) {
		note_state(s, err.status, err.message);
		status_with_name(s, "ChopSource.Status.Error", err.message);
		return;
	}
	status_with_name(s, "ChopSource.Status.Waiting", NULL);
}

void *tdshm_chop_source_worker(void *data)
{
	struct tdshm_chop_source *s = data;
	os_set_thread_name("tdshm-chop-in");
	chop_timer_precise_begin();
	bool raised = chop_thread_priority_raise();
	tdshm_log(LOG_INFO, s->source, "reader thread at %s priority",
		  raised ? "raised" : "normal");
	while (os_event_timedwait(s->stop_event, POLL_MS) == ETIMEDOUT) {
		worker_apply_settings(s);
		if (s->receiver)
			worker_read(s);
		tdshm_chop_pipeline_output(&s->pipeline);
	}
	worker_reset(s);
	chop_timer_precise_end();
	return NULL;
}
