/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TouchDesigner Shared Mem In (CHOP)": an OBS audio source reading the
 * channels a Shared Mem Out CHOP writes (docs/protocol.md §4).
 *
 * OBS glue only. A worker thread polls the segment every few milliseconds
 * with bounded lock waits; common/'s chop reader decides which reads are new
 * blocks and copies the picked channels, libobs's resampler brings them to
 * OBS's rate, and common/'s chop stream paces them into continuous audio
 * (silence on underrun) with timestamps from OBS's clock. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <media-io/audio-resampler.h>
#include <util/bmem.h>
#include <util/platform.h>
#include <util/threading.h>

#include "chop-timer.h"
#include "sender-picker.h"
#include "dialog-status.h"
#include "tdshm/chop_stream.h"
#include "tdshm/names.h"
#include "tdshm/receiver.h"

#define SETTING_NAME "name"
#define SETTING_CHANNELS "channels"
#define SETTING_BUFFER_MS "buffer_ms"
#define SETTING_PICK "pick"

#define TEXT_SOURCE obs_module_text("ChopSource")
#define TEXT_NAME obs_module_text("ChopSource.Name")
#define TEXT_NAME_HINT obs_module_text("ChopSource.Name.Hint")
#define TEXT_CHANNELS obs_module_text("ChopSource.Channels")
#define TEXT_CHANNELS_HINT obs_module_text("ChopSource.Channels.Hint")
#define TEXT_BUFFER_MS obs_module_text("ChopSource.BufferMs")
#define TEXT_BUFFER_MS_HINT obs_module_text("ChopSource.BufferMs.Hint")
#define TEXT_LIVE obs_module_text("ChopSource.Live")
#define TEXT_LIVE_CHOOSE obs_module_text("TopSource.Live.Choose")
#define TEXT_LIVE_NONE obs_module_text("TopSource.Live.None")
#define TEXT_LIVE_UNSUPPORTED obs_module_text("TopSource.Live.Unsupported")

/* Poll period of the worker: well under a TouchDesigner cook (16.7 ms at
 * 60 fps), so a block is seen soon after it is written. */
#define POLL_MS 4
/* Bound on every lock wait: never more than this behind OBS's back. */
#define LOCK_WAIT_MS 1
#define DEFAULT_BUFFER_MS 60
/* Most frames handed to OBS per call (OBS takes any count). */
#define OUTPUT_CHUNK 1024

#define chop_log(level, s, format, ...)                                                            \
	blog(level, "[tdshm-chop-in: '%s'] " format, obs_source_get_name((s)->source),             \
	     ##__VA_ARGS__)

struct tdshm_chop_source {
	obs_source_t *source;

	/* Settings handed from update (UI thread) to the worker. */
	pthread_mutex_t settings_mutex;
	char *pending_name;
	char *pending_picker;
	uint32_t pending_buffer_ms;
	bool settings_changed;

	/* The status line, written by the worker, read by get_properties. */
	pthread_mutex_t status_mutex;
	char status[512];
	tdshm_dialog_status *dialog; /* the dialog's status row; thread-safe */

	pthread_t thread;
	bool thread_started;
	os_event_t *stop_event;

	/* [WORKER] only touched by the worker thread. */
	char name[TDSHM_USER_NAME_MAX + 1];
	uint32_t buffer_ms;
	tdshm_receiver *receiver;
	tdshm_chop_reader reader;
	bool reader_ready;
	uint32_t obs_rate;
	uint32_t in_rate;  /* of the CHOP, rounded to whole Hz */
	uint32_t channels; /* output channels (a count OBS has a layout for) */
	audio_resampler_t *resampler;
	tdshm_chop_stream *stream;
	float *out_planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	uint64_t blocks;
	uint64_t last_block_ns; /* when the previous new block was found */
	uint64_t end_ns;        /* end of the audio handed to OBS by earlier streams */
	uint64_t missed_filled; /* overwritten blocks already filled with silence */
	uint64_t status_missed; /* the counts the status line shows */
	uint64_t status_silence;
	uint64_t status_dropped;
	uint64_t logged_underruns;
	uint64_t logged_overflows;
	tdshm_status last_status;
	char last_message[TDSHM_ERROR_MESSAGE_MAX];
};

static enum speaker_layout layout_for(uint32_t channels)
{
	switch (channels) {
	case 1:
		return SPEAKERS_MONO;
	case 2:
		return SPEAKERS_STEREO;
	case 3:
		return SPEAKERS_2POINT1;
	case 4:
		return SPEAKERS_4POINT0;
	case 5:
		return SPEAKERS_4POINT1;
	case 6:
		return SPEAKERS_5POINT1;
	case 8:
		return SPEAKERS_7POINT1;
	default:
		return SPEAKERS_UNKNOWN;
	}
}

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
		chop_log(LOG_INFO, s, "receiving blocks");
	else
		chop_log(LOG_WARNING, s, "%s: %s", tdshm_status_name(status), message);
}

/* ---- [WORKER] the audio pipeline ----------------------------------------- */

static void pipeline_drop(struct tdshm_chop_source *s)
{
	if (s->stream)
		s->end_ns = tdshm_chop_stream_end_ns(s->stream);
	audio_resampler_destroy(s->resampler);
	s->resampler = NULL;
	tdshm_chop_stream_destroy(s->stream);
	s->stream = NULL;
	for (uint32_t c = 0; c < TDSHM_CHOP_OUTPUT_MAX_CHANNELS; c++) {
		bfree(s->out_planes[c]);
		s->out_planes[c] = NULL;
	}
	s->channels = 0;
	s->in_rate = 0;
}

static bool pipeline_build(struct tdshm_chop_source *s, uint32_t channels, uint32_t in_rate)
{
	pipeline_drop(s);
	tdshm_chop_stream_options options;
	tdshm_chop_stream_options_default(&options, s->obs_rate, channels, s->buffer_ms);
	tdshm_error err;
	if (tdshm_chop_stream_create(&options, &s->stream, &err) != TDSHM_OK) {
		note_state(s, err.status, err.message);
		return false;
	}
	/* OBS gets timestamps that never go back, across streams too. */
	tdshm_chop_stream_keep_after(s->stream, s->end_ns);
	for (uint32_t c = 0; c < channels; c++)
		s->out_planes[c] = bzalloc(OUTPUT_CHUNK * sizeof(float));
	if (in_rate != s->obs_rate) {
		/* The CHOP's rate is not OBS's: libobs's resampler, same layout. */
		struct resample_info from = {in_rate, AUDIO_FORMAT_FLOAT_PLANAR,
					     layout_for(channels)};
		struct resample_info to = {s->obs_rate, AUDIO_FORMAT_FLOAT_PLANAR,
					   layout_for(channels)};
		s->resampler = audio_resampler_create(&to, &from);
		if (!s->resampler) {
			note_state(s, TDSHM_SYSTEM_ERROR, "libobs could not create a resampler");
			pipeline_drop(s);
			return false;
		}
	}
	s->channels = channels;
	s->in_rate = in_rate;
	s->logged_underruns = 0;
	s->logged_overflows = 0;
	chop_log(LOG_INFO, s, "playing %u channel(s) at %u Hz%s", channels, in_rate,
		 s->resampler ? " (resampled)" : "");
	return true;
}

static void pipeline_push(struct tdshm_chop_source *s, const tdshm_chop_take *take)
{
	if (!s->resampler) {
		tdshm_chop_stream_push(s->stream, take->planes, take->frames);
		return;
	}
	const uint8_t *input[MAX_AV_PLANES] = {0};
	for (uint32_t c = 0; c < s->channels; c++)
		input[c] = (const uint8_t *)take->planes[c];
	uint8_t *output[MAX_AV_PLANES] = {0};
	uint32_t frames = 0;
	uint64_t delay_ns = 0;
	if (!audio_resampler_resample(s->resampler, output, &frames, &delay_ns, input,
				      take->frames) ||
	    frames == 0)
		return;
	const float *planes[TDSHM_CHOP_OUTPUT_MAX_CHANNELS];
	for (uint32_t c = 0; c < s->channels; c++)
		planes[c] = (const float *)output[c];
	tdshm_chop_stream_push(s->stream, planes, frames);
}

/* Blocks the sender wrote that this source never read (it was not run in
 * time): their time is kept as silence, taken as long as the block after
 * them, so the audio stays in step with the sender instead of early by them
 * for good. */
static void pipeline_fill_missed(struct tdshm_chop_source *s, uint64_t blocks, uint32_t frames)
{
	uint64_t max = tdshm_chop_stream_options_get(s->stream)->max_frames;
	uint64_t n = blocks * frames * s->obs_rate / (s->in_rate ? s->in_rate : s->obs_rate);
	tdshm_chop_stream_push_gap(s->stream, (uint32_t)(n < max ? n : max));
}

/* Silence the listener heard: underruns and blocks never read. */
static uint64_t silence_heard(const tdshm_chop_stream_stats *stats)
{
	return stats->silence_frames + stats->concealed_frames;
}

static void pipeline_output(struct tdshm_chop_source *s)
{
	if (!s->stream)
		return;
	for (;;) {
		uint64_t timestamp = 0;
		uint32_t frames = tdshm_chop_stream_pull(s->stream, os_gettime_ns(), s->out_planes,
							 OUTPUT_CHUNK, &timestamp);
		if (frames == 0)
			break;
		struct obs_source_audio audio = {0};
		for (uint32_t c = 0; c < s->channels; c++)
			audio.data[c] = (const uint8_t *)s->out_planes[c];
		audio.frames = frames;
		audio.speakers = layout_for(s->channels);
		audio.format = AUDIO_FORMAT_FLOAT_PLANAR;
		audio.samples_per_sec = s->obs_rate;
		audio.timestamp = timestamp;
		obs_source_output_audio(s->source, &audio);
	}
	/* Gaps and drops are what a listener notices: log each, once. */
	tdshm_chop_stream_stats stats;
	tdshm_chop_stream_get_stats(s->stream, &stats);
	if (stats.underruns > s->logged_underruns)
		chop_log(LOG_INFO, s,
			 "no new block for more than %u ms (TouchDesigner paused, or late): "
			 "playing silence (%llu time(s) so far; raise Buffer if it was late)",
			 s->buffer_ms, (unsigned long long)stats.underruns);
	if (stats.overflows > s->logged_overflows)
		chop_log(LOG_INFO, s, "more audio than the buffer holds: dropped the oldest (%llu)",
			 (unsigned long long)stats.overflows);
	s->logged_underruns = stats.underruns;
	s->logged_overflows = stats.overflows;
}

/* ---- [WORKER] reading the segment ---------------------------------------- */

static void status_connected(struct tdshm_chop_source *s, const tdshm_chop_take *take)
{
	const tdshm_chop_channel_map *map = take ? take->map : &s->reader.map;
	char text[512];
	int n = snprintf(text, sizeof(text), obs_module_text("ChopSource.Status.Connected"),
			 s->name, map->picked, s->reader.chop_channels,
			 (double)s->reader.sample_rate, (unsigned long long)s->blocks);
	if (n < 0)
		n = 0;
	size_t used = (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
	if (map->ignored && used < sizeof(text))
		used += (size_t)snprintf(text + used, sizeof(text) - used, " %s",
					 obs_module_text("ChopSource.Status.Ignored"));
	if (map->missing && used < sizeof(text))
		used += (size_t)snprintf(text + used, sizeof(text) - used, " %s %s",
					 obs_module_text("ChopSource.Status.Missing"),
					 map->missing_list);
	/* What a listener would hear as a glitch, counted. */
	tdshm_chop_stream_stats stats = {0};
	if (s->stream)
		tdshm_chop_stream_get_stats(s->stream, &stats);
	uint64_t missed = s->reader.detector.missed;
	if (missed || silence_heard(&stats) || stats.dropped_frames) {
		char gaps[256];
		snprintf(gaps, sizeof(gaps), obs_module_text("ChopSource.Status.Gaps"),
			 (unsigned long long)missed,
			 (unsigned long long)(silence_heard(&stats) * 1000 / s->obs_rate),
			 (unsigned long long)(stats.dropped_frames * 1000 / s->obs_rate));
		if (used < sizeof(text))
			snprintf(text + used, sizeof(text) - used, " %s", gaps);
	}
	set_status(s, text);
	s->status_missed = missed;
	s->status_silence = silence_heard(&stats);
	s->status_dropped = stats.dropped_frames;
}

static void status_with_name(struct tdshm_chop_source *s, const char *key, const char *detail)
{
	char text[512];
	snprintf(text, sizeof(text), obs_module_text(key), s->name, detail ? detail : "");
	set_status(s, text);
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
		tdshm_chop_reader_forget(&s->reader);
		note_state(s, status, err.message);
		status_with_name(s, "ChopSource.Status.Stopped", NULL);
		return;
	}
	if (status != TDSHM_OK) {
		note_state(s, status, err.message);
		status_with_name(s,
				 status == TDSHM_REFUSED ? "ChopSource.Status.Refused"
							 : "ChopSource.Status.Error",
				 err.message);
		return;
	}

	uint64_t serial = 0;
	bool has_serial = tdshm_receiver_frame_serial(s->receiver, &serial);
	tdshm_chop_take take;
	status = tdshm_chop_reader_take(&s->reader, bytes, size, has_serial, serial, &take, &err);
	tdshm_receiver_end_read(s->receiver);

	if (status != TDSHM_OK) {
		note_state(s, status, err.message);
		status_with_name(s,
				 status == TDSHM_REFUSED ? "ChopSource.Status.Refused"
							 : "ChopSource.Status.Error",
				 err.message);
		return;
	}
	if (!take.is_new)
		return;
	note_state(s, TDSHM_OK, "");
	s->blocks++;
	/* A gap longer than the buffer is heard: say whose it was. A long
	 * block after it means TouchDesigner cooked late (it writes every
	 * sample since its last cook); blocks overwritten unread mean this
	 * source was not run in time. */
	uint64_t now_ns = os_gettime_ns();
	if (s->last_block_ns && now_ns - s->last_block_ns > (uint64_t)s->buffer_ms * 1000000)
		chop_log(LOG_INFO, s,
			 "no new block for %llu ms, then one of %.0f ms of audio (%llu overwritten "
			 "unread so far)",
			 (unsigned long long)((now_ns - s->last_block_ns) / 1000000),
			 take.sample_rate > 0 ? take.frames * 1000.0 / take.sample_rate : 0.0,
			 (unsigned long long)s->reader.detector.missed);
	s->last_block_ns = now_ns;
	uint32_t in_rate = (uint32_t)(take.sample_rate + 0.5f);
	uint64_t missed = s->reader.detector.missed;
	if (take.layout_changed || in_rate != s->in_rate || !s->stream) {
		if (!pipeline_build(s, take.map->count, in_rate))
			return;
	} else if (missed > s->missed_filled) {
		pipeline_fill_missed(s, missed - s->missed_filled, take.frames);
	}
	s->missed_filled = missed;
	pipeline_push(s, &take);
	if (s->reader.detector.missed > s->status_missed)
		chop_log(LOG_INFO, s,
			 "%llu block(s) were overwritten before this source could read them",
			 (unsigned long long)(s->reader.detector.missed - s->status_missed));
	tdshm_chop_stream_stats stats;
	tdshm_chop_stream_get_stats(s->stream, &stats);
	bool gaps_changed = s->reader.detector.missed != s->status_missed ||
			    silence_heard(&stats) != s->status_silence ||
			    stats.dropped_frames != s->status_dropped;
	if (s->blocks == 1 || take.layout_changed || gaps_changed || s->blocks % 30 == 0)
		status_connected(s, &take);
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

	tdshm_receiver_destroy(s->receiver);
	s->receiver = NULL;
	if (s->reader_ready)
		tdshm_chop_reader_free(&s->reader);
	tdshm_chop_reader_init(&s->reader, picker);
	s->reader_ready = true;
	pipeline_drop(s);
	s->blocks = 0;
	s->last_block_ns = 0;
	s->status_missed = 0;
	s->status_silence = 0;
	s->status_dropped = 0;
	s->last_status = TDSHM_OK;
	s->last_message[0] = '\0';
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->buffer_ms = buffer_ms;

	if (!name[0]) {
		set_status(s, obs_module_text("ChopSource.Status.NoName"));
		return;
	}
	tdshm_error err;
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

static void *worker_main(void *data)
{
	struct tdshm_chop_source *s = data;
	os_set_thread_name("tdshm-chop-in");
	chop_timer_precise_begin();
	bool raised = chop_thread_priority_raise();
	chop_log(LOG_INFO, s, "reader thread at %s priority", raised ? "raised" : "normal");
	while (os_event_timedwait(s->stop_event, POLL_MS) == ETIMEDOUT) {
		worker_apply_settings(s);
		if (s->receiver)
			worker_read(s);
		pipeline_output(s);
	}
	tdshm_receiver_destroy(s->receiver);
	s->receiver = NULL;
	pipeline_drop(s);
	if (s->reader_ready)
		tdshm_chop_reader_free(&s->reader);
	s->reader_ready = false;
	chop_timer_precise_end();
	return NULL;
}

/* ---- OBS callbacks ------------------------------------------------------- */

static const char *chop_source_get_name(void *type_data)
{
	UNUSED_PARAMETER(type_data);
	return TEXT_SOURCE;
}

static void chop_source_update(void *data, obs_data_t *settings)
{
	struct tdshm_chop_source *s = data;
	pthread_mutex_lock(&s->settings_mutex);
	bfree(s->pending_name);
	bfree(s->pending_picker);
	s->pending_name = bstrdup(obs_data_get_string(settings, SETTING_NAME));
	s->pending_picker = bstrdup(obs_data_get_string(settings, SETTING_CHANNELS));
	long long buffer_ms = obs_data_get_int(settings, SETTING_BUFFER_MS);
	s->pending_buffer_ms = (uint32_t)(buffer_ms < 10     ? 10
					  : buffer_ms > 1000 ? 1000
							     : buffer_ms);
	s->settings_changed = true;
	pthread_mutex_unlock(&s->settings_mutex);
}

static void chop_source_destroy(void *data)
{
	struct tdshm_chop_source *s = data;
	tdshm_dialog_status_destroy(s->dialog); /* before the status goes */
	if (s->thread_started) {
		os_event_signal(s->stop_event);
		pthread_join(s->thread, NULL);
	}
	os_event_destroy(s->stop_event);
	pthread_mutex_destroy(&s->settings_mutex);
	pthread_mutex_destroy(&s->status_mutex);
	bfree(s->pending_name);
	bfree(s->pending_picker);
	bfree(s);
}

/* Whether line was made from the locale string key (its text up to the
 * first placeholder). */
static bool chop_source_line_is(const char *line, const char *key)
{
	const char *format = obs_module_text(key);
	size_t fixed = strcspn(format, "%");
	return fixed > 0 && strncmp(line, format, fixed) == 0;
}

static void chop_source_fill_live(obs_property_t *list)
{
	tdshm_picker_fill(list, TDSHM_SENDER_CHOP, TEXT_LIVE_CHOOSE, NULL, TEXT_LIVE_NONE,
			  TEXT_LIVE_UNSUPPORTED);
}

/* Refresh also re-lists the CHOP senders. */
static void chop_source_dialog_refresh(void *owner, obs_properties_t *props)
{
	UNUSED_PARAMETER(owner);
	chop_source_fill_live(obs_properties_get(props, SETTING_PICK));
}

/* The dialog's status row. The worker writes one line; the key is that
 * line with its numbers left out, so the counters in it do not rebuild an
 * open dialog, a new state does. */
static void chop_source_dialog_line(void *owner, tdshm_dialog_status_line *line)
{
	struct tdshm_chop_source *s = owner;
	pthread_mutex_lock(&s->status_mutex);
	snprintf(line->text, sizeof(line->text), "%s", s->status);
	pthread_mutex_unlock(&s->status_mutex);
	size_t k = 0;
	for (const char *c = line->text; *c && k + 1 < sizeof(line->key); c++) {
		if (*c >= '0' && *c <= '9') {
			if (k == 0 || line->key[k - 1] != '#')
				line->key[k++] = '#';
		} else {
			line->key[k++] = *c;
		}
	}
	line->key[k] = '\0';
	line->type = chop_source_line_is(line->text, "ChopSource.Status.Connected")
			 ? OBS_TEXT_INFO_NORMAL
		     : chop_source_line_is(line->text, "ChopSource.Status.Refused") ||
			     chop_source_line_is(line->text, "ChopSource.Status.Error")
			 ? OBS_TEXT_INFO_ERROR
			 : OBS_TEXT_INFO_WARNING;
}

static void *chop_source_create(obs_data_t *settings, obs_source_t *source)
{
	struct tdshm_chop_source *s = bzalloc(sizeof(*s));
	s->source = source;
	s->obs_rate = audio_output_get_sample_rate(obs_get_audio());
	if (pthread_mutex_init(&s->settings_mutex, NULL) != 0) {
		bfree(s);
		return NULL;
	}
	if (pthread_mutex_init(&s->status_mutex, NULL) != 0) {
		pthread_mutex_destroy(&s->settings_mutex);
		bfree(s);
		return NULL;
	}
	if (os_event_init(&s->stop_event, OS_EVENT_TYPE_MANUAL) != 0) {
		chop_source_destroy(s);
		return NULL;
	}
	chop_source_update(s, settings);
	s->dialog = tdshm_dialog_status_create(source, chop_source_dialog_line,
					       chop_source_dialog_refresh, s);
	if (pthread_create(&s->thread, NULL, worker_main, s) != 0) {
		chop_log(LOG_ERROR, s, "could not start the reader thread");
		chop_source_destroy(s);
		return NULL;
	}
	s->thread_started = true;
	return s;
}

static void chop_source_defaults(obs_data_t *settings)
{
	obs_data_set_default_string(settings, SETTING_NAME, "");
	obs_data_set_default_string(settings, SETTING_CHANNELS, "");
	obs_data_set_default_string(settings, SETTING_PICK, "");
	obs_data_set_default_int(settings, SETTING_BUFFER_MS, DEFAULT_BUFFER_MS);
}

/* CHOP senders only (never an image, never this OBS's own CHOP filters):
 * picking one fills in the name. */
static bool pick_modified(obs_properties_t *props, obs_property_t *list, obs_data_t *settings)
{
	UNUSED_PARAMETER(props);
	UNUSED_PARAMETER(list);
	const char *pick = obs_data_get_string(settings, SETTING_PICK);
	if (!*pick)
		return false;
	obs_data_set_string(settings, SETTING_NAME, pick);
	obs_data_set_string(settings, SETTING_PICK, "");
	return true;
}

static obs_properties_t *chop_source_properties(void *data)
{
	struct tdshm_chop_source *s = data;
	obs_properties_t *props = obs_properties_create();
	tdshm_dialog_status *dialog = s ? s->dialog : NULL;
	tdshm_dialog_status_add(props, dialog, obs_module_text("ChopSource.Status.NoName"));
	obs_property_t *p =
	    obs_properties_add_text(props, SETTING_NAME, TEXT_NAME, OBS_TEXT_DEFAULT);
	obs_property_set_long_description(p, TEXT_NAME_HINT);
	tdshm_dialog_status_watch_typing(dialog, p);
	p = obs_properties_add_list(props, SETTING_PICK, TEXT_LIVE, OBS_COMBO_TYPE_LIST,
				    OBS_COMBO_FORMAT_STRING);
	chop_source_fill_live(p);
	obs_property_set_modified_callback(p, pick_modified);
	p = obs_properties_add_text(props, SETTING_CHANNELS, TEXT_CHANNELS, OBS_TEXT_DEFAULT);
	obs_property_set_long_description(p, TEXT_CHANNELS_HINT);
	tdshm_dialog_status_watch_typing(dialog, p);
	p = obs_properties_add_int(props, SETTING_BUFFER_MS, TEXT_BUFFER_MS, 10, 1000, 5);
	obs_property_int_set_suffix(p, " ms");
	obs_property_set_long_description(p, TEXT_BUFFER_MS_HINT);
	return props;
}

struct obs_source_info tdshm_chop_source = {
    .id = "tdshm_chop_source",
    .type = OBS_SOURCE_TYPE_INPUT,
    .output_flags = OBS_SOURCE_AUDIO,
    .get_name = chop_source_get_name,
    .create = chop_source_create,
    .destroy = chop_source_destroy,
    .update = chop_source_update,
    .get_defaults = chop_source_defaults,
    .get_properties = chop_source_properties,
    .icon_type = OBS_ICON_TYPE_AUDIO_INPUT,
};
