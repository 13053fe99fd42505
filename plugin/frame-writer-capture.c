/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame writer's capture, on OBS's graphics thread: render, stage, map
 * the frame staged two frames ago, copy it into the segment. Never waits on
 * another process except the 2 ms data-lock try: a sender is made, resized
 * and closed by the writer's worker (sender-worker.h). */
#include <stdio.h>
#include <string.h>

#include <obs-module.h>
#include <util/platform.h>

#include "frame-writer-internal.h"

/* Mutex held, graphics thread: takes a finished job's sender in. */
static void tdshm_writer_collect(tdshm_frame_writer *writer)
{
	tdshm_sender_job job;
	if (!tdshm_sender_worker_collect(writer->worker, &job))
		return;
	uint64_t now = os_gettime_ns();
	if (job.kind == TDSHM_SENDER_JOB_RESIZE && job.status == TDSHM_TIMED_OUT) {
		/* A busy info lock: the sender as it was, tried again. */
		writer->sender = job.sender;
		writer->stats.skipped_locked++;
		return;
	}
	if (job.status != TDSHM_OK) {
		/* A busy info lock is retried at once; anything else (the name
		 * taken by another program, a system error) once a second. */
		tdshm_writer_fail(writer, job.err.message);
		if (job.status != TDSHM_TIMED_OUT)
			writer->retry_at_ns = now + TDSHM_WRITER_RETRY_NS;
		if (job.kind == TDSHM_SENDER_JOB_RESIZE) {
			tdshm_sender_worker_close(writer->worker, job.sender, writer->claim,
						  TDSHM_WRITER_LOCK_TIMEOUT_MS);
			writer->claim = NULL;
			writer->segment_size = 0;
			writer->stats.data_name[0] = '\0';
		}
		return;
	}
	writer->sender = job.sender;
	if (job.kind == TDSHM_SENDER_JOB_CREATE) {
		writer->claim = job.claim;
		writer->stats.senders_created++;
		writer->stats.state = TDSHM_WRITER_WAITING;
		writer->stats.message[0] = '\0';
		writer_log(LOG_INFO, writer, "sending '%s': %ux%u %s", writer->live.name, job.width,
			   job.height, writer->live.format->name);
		/* No header yet: the segment stays all zero (which receivers
		 * read as "nothing written yet") until the first image OBS
		 * rendered for this size and format is copied in. A header
		 * over an empty image would show as a transparent flash. */
	} else if (job.repair) {
		writer_log(LOG_WARNING, writer,
			   "'%s': another program truncated the data segment; sending into a new "
			   "one",
			   writer->live.name);
	} else {
		writer->stats.resizes++;
		writer_log(LOG_INFO, writer, "resized '%s' to %ux%u %s", writer->live.name,
			   job.width, job.height, writer->live.format->name);
		/* The new data segment, too, gets its header with its first
		 * image of the new size (frames staged at the old size are
		 * dropped in send_staged). */
	}
	writer->segment_size = job.size;
	writer->width = job.width;
	writer->height = job.height;
	snprintf(writer->stats.data_name, sizeof(writer->stats.data_name), "%s",
		 tdshm_sender_data_name(writer->sender));
}

/* Mutex held, graphics thread. Asks the worker for a sender matching live
 * config and size when there is none or it has another size, and gives it
 * TDSHM_WRITER_LOCK_TIMEOUT_MS to be done within this frame. */
static bool tdshm_writer_prepare_sender(tdshm_frame_writer *writer, uint32_t width, uint32_t height)
{
	tdshm_top_frame frame = tdshm_writer_frame(&writer->live, width, height);
	size_t needed = 0;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_top_frame_segment_size(&frame, &needed, &err) != TDSHM_OK) {
		tdshm_writer_fail(writer, err.message);
		return false;
	}
	tdshm_writer_collect(writer);
	/* While a resize is in hand frames are rendered and staged as the
	 * receiver last asked (skipped at the copy); while a first sender is
	 * made there is nobody to send to yet. */
	if (tdshm_sender_worker_busy(writer->worker))
		return writer->segment_size != 0;

	tdshm_sender_job job;
	memset(&job, 0, sizeof(job));
	snprintf(job.name, sizeof(job.name), "%s", writer->live.name);
	snprintf(job.owner, sizeof(job.owner), "%s", writer->owner);
	job.size = needed;
	job.width = width;
	job.height = height;
	if (!writer->sender) {
		if (os_gettime_ns() < writer->retry_at_ns)
			return false;
		/* Checked here, so a bad name is reported without a thread. */
		if (tdshm_name_check(writer->live.name, &err) != TDSHM_OK) {
			tdshm_writer_fail(writer, err.message);
			writer->retry_at_ns = os_gettime_ns() + TDSHM_WRITER_RETRY_NS;
			return false;
		}
		job.kind = TDSHM_SENDER_JOB_CREATE;
		job.claim = writer->claim;
		writer->claim = NULL;
		if (!tdshm_sender_worker_post(writer->worker, &job, TDSHM_WRITER_LOCK_TIMEOUT_MS)) {
			writer->claim = job.claim;
			return false;
		}
		tdshm_writer_collect(writer);
		return writer->sender != NULL;
	}
	/* A data segment another process truncated is made again on the
	 * worker, as a resize to the same size (begin_write would make it on
	 * this thread). */
	job.repair = needed == writer->segment_size && !tdshm_sender_data_intact(writer->sender);
	if (needed != writer->segment_size || job.repair) {
		job.kind = TDSHM_SENDER_JOB_RESIZE;
		job.sender = writer->sender;
		writer->sender = NULL;
		if (!tdshm_sender_worker_post(writer->worker, &job, TDSHM_WRITER_LOCK_TIMEOUT_MS))
			writer->sender = job.sender;
		tdshm_writer_collect(writer);
		return true;
	}
	writer->width = width;
	writer->height = height;
	return true;
}

/* Graphics thread: draws into the writer's texture. */
static gs_texture_t *tdshm_writer_render(tdshm_frame_writer *writer, uint32_t width,
					 uint32_t height, uint32_t src_width, uint32_t src_height,
					 tdshm_frame_render_fn render, void *param)
{
	if (writer->texrender && writer->texrender_format != writer->live.gs_format) {
		gs_texrender_destroy(writer->texrender);
		writer->texrender = NULL;
	}
	if (!writer->texrender) {
		writer->texrender = gs_texrender_create(writer->live.gs_format, GS_ZS_NONE);
		writer->texrender_format = writer->live.gs_format;
		if (!writer->texrender)
			return NULL;
	}
	gs_texrender_reset(writer->texrender);
	if (!gs_texrender_begin(writer->texrender, width, height))
		return NULL;
	struct vec4 transparent;
	vec4_zero(&transparent);
	gs_clear(GS_CLEAR_COLOR, &transparent, 0.0f, 0);
	/* TD's first row is the bottom one: drawn upside down, the read-back
	 * has the segment's row order and goes in with one plain copy. */
	if (writer->live.bottom_up)
		gs_ortho(0.0f, (float)src_width, (float)src_height, 0.0f, -100.0f, 100.0f);
	else
		gs_ortho(0.0f, (float)src_width, 0.0f, (float)src_height, -100.0f, 100.0f);
	enum gs_cull_mode cull = gs_get_cull_mode();
	gs_set_cull_mode(GS_NEITHER); /* the flip turns every triangle round */
	/* OBS's own blend onto a cleared target: colour ends up multiplied by
	 * alpha (premultiplied), alpha accumulates as in the main view. */
	gs_blend_state_push();
	gs_enable_blending(true);
	gs_blend_function_separate(GS_BLEND_SRCALPHA, GS_BLEND_INVSRCALPHA, GS_BLEND_ONE,
				   GS_BLEND_INVSRCALPHA);
	render(param, width, height);
	gs_blend_state_pop();
	gs_set_cull_mode(cull);
	gs_texrender_end(writer->texrender);
	return gs_texrender_get_texture(writer->texrender);
}

static void tdshm_writer_count_written(tdshm_frame_writer *writer, uint64_t map_ns,
				       uint64_t write_ns)
{
	tdshm_writer_stats *st = &writer->stats;
	st->frames_written++;
	st->state = TDSHM_WRITER_SENDING;
	st->copy_ns_total += map_ns + write_ns;
	if (!st->copy_ns_min || map_ns + write_ns < st->copy_ns_min)
		st->copy_ns_min = map_ns + write_ns;
	st->write_ns_total += write_ns;
	st->write_ns_last = write_ns;
}

/* Graphics thread, mutex held: the frame staged two frames ago into the
 * segment under the data lock. */
static void tdshm_writer_send_staged(tdshm_frame_writer *writer)
{
	uint64_t start = os_gettime_ns();
	uint8_t *data = NULL;
	uint32_t linesize = 0, width = 0, height = 0;
	enum gs_color_format format = GS_UNKNOWN;
	if (!tdshm_readback_ring_map(&writer->ring, &data, &linesize, &width, &height, &format))
		return;
	uint64_t mapped = os_gettime_ns();
	uint64_t write_ns = 0;
	bool written = false;
	/* A frame staged before a resize or format change is dropped, and
	 * one that comes while the worker is making the sender is skipped. */
	if (!writer->sender)
		writer->stats.skipped_pending++;
	if (!writer->sender || width != writer->width || height != writer->height ||
	    format != writer->live.gs_format)
		goto unmap;
	uint8_t *bytes = NULL;
	size_t size = 0;
	tdshm_error err;
	tdshm_status status = tdshm_sender_begin_write(writer->sender, TDSHM_WRITER_LOCK_TIMEOUT_MS,
						       &bytes, &size, &err);
	if (status == TDSHM_OK) {
		tdshm_top_frame frame = tdshm_writer_frame(&writer->live, width, height);
		frame.bottom_up = false; /* flipped when drawn (tdshm_writer_render) */
		status = tdshm_top_frame_write(&frame, data, linesize, bytes, size, &err);
		tdshm_sender_end_write(writer->sender);
		write_ns = os_gettime_ns() - mapped;
		if (status == TDSHM_OK)
			written = true;
		else
			tdshm_writer_fail(writer, err.message);
	} else if (status == TDSHM_TIMED_OUT) {
		writer->stats.skipped_locked++;
	} else {
		tdshm_writer_fail(writer, err.message);
		/* Another process truncated our info segment: start again. */
		if (status == TDSHM_GONE) {
			tdshm_writer_close_later(writer);
			writer->retry_at_ns = os_gettime_ns() + TDSHM_WRITER_RETRY_NS;
		}
	}
unmap:;
	uint64_t unmap_start = os_gettime_ns();
	tdshm_readback_ring_unmap(&writer->ring);
	uint64_t map_ns = (mapped - start) + (os_gettime_ns() - unmap_start);
	writer->stats.map_ns_total += map_ns;
	if (written) {
		writer->stats.map_ns_last = map_ns;
		tdshm_writer_count_written(writer, map_ns, write_ns);
	}
}

/* Mutex held: the name or header kind to use now. */
static void tdshm_writer_follow_config(tdshm_frame_writer *writer)
{
	/* While a new name settles the old one goes on as it was. */
	if (os_gettime_ns() < writer->name_settle_at_ns)
		return;
	/* A new name or header kind is a different sender; format and size
	 * changes go through resize. */
	if (strcmp(writer->wanted.name, writer->live.name) != 0 ||
	    writer->wanted.header != writer->live.header)
		tdshm_writer_close_later(writer);
	writer->live = writer->wanted;
}

/* Mutex held: whether a receiver reads (logged when it changes). While the
 * worker has the sender, the last answer stands. */
static bool tdshm_writer_attached(tdshm_frame_writer *writer)
{
	if (!writer->sender)
		return writer->receiver_attached;
	bool attached = tdshm_sender_receiver_attached(writer->sender);
	if (attached != writer->receiver_attached)
		writer_log(LOG_INFO, writer, "%s '%s'",
			   attached ? "a receiver attached to" : "no receiver on",
			   writer->live.name);
	writer->receiver_attached = attached;
	return attached;
}

static void tdshm_writer_capture_locked(tdshm_frame_writer *writer, uint32_t width, uint32_t height,
					uint32_t src_width, uint32_t src_height,
					tdshm_frame_render_fn render, void *param)
{
	tdshm_writer_follow_config(writer);
	if (!writer->live.name[0] || !tdshm_writer_prepare_sender(writer, width, height))
		return;

	/* Nobody reading: no render, no read-back, no copy. */
	if (!tdshm_writer_attached(writer)) {
		writer->stats.frames_idle++;
		writer->stats.state = TDSHM_WRITER_WAITING;
		tdshm_readback_ring_reset(&writer->ring);
		return;
	}
	if (writer->stats.state == TDSHM_WRITER_WAITING ||
	    writer->stats.state == TDSHM_WRITER_STARTING)
		writer->stats.state = TDSHM_WRITER_SENDING;

	uint64_t start = os_gettime_ns();
	gs_texture_t *texture =
	    tdshm_writer_render(writer, width, height, src_width, src_height, render, param);
	uint64_t stage_start = os_gettime_ns();
	bool staged = texture && tdshm_readback_ring_stage(&writer->ring, texture);
	uint64_t end = os_gettime_ns();
	writer->stats.render_ns_total += end - start;
	writer->stats.stage_ns_total += end - stage_start;
	if (!staged) {
		tdshm_writer_fail(writer, "the graphics driver could not create a render "
					  "target or staging surface for this size and format");
		return;
	}
	writer->stats.readbacks++;
	uint64_t written = writer->stats.frames_written;
	tdshm_writer_send_staged(writer);
	if (writer->stats.frames_written != written)
		writer->stats.render_ns_last = end - start;
}

void tdshm_frame_writer_capture(tdshm_frame_writer *writer, uint32_t width, uint32_t height,
				uint32_t src_width, uint32_t src_height,
				tdshm_frame_render_fn render, void *param)
{
	uint64_t start = os_gettime_ns();
	pthread_mutex_lock(&writer->mutex);
	if (!writer->running || width == 0 || height == 0 || !writer->wanted.name[0]) {
		pthread_mutex_unlock(&writer->mutex);
		return;
	}
	tdshm_writer_capture_locked(writer, width, height, src_width, src_height, render, param);
	uint64_t took = os_gettime_ns() - start;
	tdshm_writer_stats *st = &writer->stats;
	st->captures++;
	st->capture_ns_total += took;
	st->capture_ns_last = took;
	if (took > st->capture_ns_longest)
		st->capture_ns_longest = took;
	pthread_mutex_unlock(&writer->mutex);
}
