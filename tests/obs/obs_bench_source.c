/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one frame costs the "TouchDesigner Shared Mem In" source, next to the
 * physical limit (one memcpy), at 1080p and 4K in BGRA8 and RGBA32F, and the
 * latency from TD's unlock to the frame in OBS's output. Prints figures; it
 * is not pass/fail (tests/ci/stage-obs.sh runs it as a report).
 *
 * The per-frame steps are the source's own (tdshm-source.c): receiver lock,
 * header validation, copy into the texture's mapped upload buffer, unlock;
 * then the driver's texture update (unmap) that gs_texture_set_image ends
 * with. On llvmpipe that update is CPU work the plugin does not control. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <util/platform.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "test_support.h"
#include "tdshm/receiver.h"

#define ITERATIONS 40

typedef struct bench_case {
	const char *label;
	uint32_t width, height;
	const char *format;
	enum gs_color_format gs_format;
} bench_case;

static double ms_since(uint64_t start_ns)
{
	return (double)(os_gettime_ns() - start_ns) / 1e6;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), compare_double);
	return v[n / 2];
}

static void bench_one(const bench_case *c)
{
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "obs-bench");
	tdshm_sender *sender = source_sender_create(name, 4096);
	if (!sender || !source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, c->width,
						    c->height, c->format)) {
		printf("%-16s could not create the sender\n", c->label);
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		return;
	}
	tdshm_receiver *receiver = NULL;
	tdshm_error err;
	if (tdshm_receiver_create(name, NULL, &receiver, &err) != TDSHM_OK) {
		printf("%-16s receiver: %s\n", c->label, err.message);
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		return;
	}
	const size_t row =
	    (size_t)c->width * tdshm_pixel_format_by_name(c->format)->bytes_per_pixel;
	const size_t frame_bytes = row * c->height;
	uint8_t *plain_dst = malloc(frame_bytes);
	double t_memcpy[ITERATIONS], t_source[ITERATIONS], t_driver[ITERATIONS],
	    t_async[ITERATIONS];

	obs_enter_graphics();
	gs_texture_t *texture =
	    gs_texture_create(c->width, c->height, c->gs_format, 1, NULL, GS_DYNAMIC);
	obs_leave_graphics();
	struct obs_source_frame *frame = obs_source_frame_create(
	    strcmp(c->format, "bgra8") == 0 ? VIDEO_FORMAT_BGRA : VIDEO_FORMAT_RGBA, c->width,
	    c->height);
	obs_source_t *async_sink = obs_source_create_private("tdshm_top_frames", "bench", NULL);

	for (int i = 0; i < ITERATIONS; i++) {
		const uint8_t *bytes;
		size_t size;
		tdshm_top_image image;
		tdshm_error perr;

		/* 1. the physical limit: one copy of the image bytes */
		if (tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err) != TDSHM_OK ||
		    tdshm_top_parse(bytes, size, &image, &perr) != TDSHM_OK) {
			printf("%-16s read failed: %s\n", c->label, err.message);
			break;
		}
		uint64_t t0 = os_gettime_ns();
		memcpy(plain_dst, bytes + image.data_offset, frame_bytes);
		t_memcpy[i] = ms_since(t0);
		tdshm_receiver_end_read(receiver);

		/* 2. the source's work: lock, validate, copy into the mapped
		 * upload buffer (rows reversed: TD's are bottom-up), unlock */
		obs_enter_graphics();
		t0 = os_gettime_ns();
		uint8_t *mapped;
		uint32_t linesize;
		bool ok = tdshm_receiver_begin_read(receiver, 2, &bytes, &size, &err) == TDSHM_OK;
		ok = ok && tdshm_top_parse(bytes, size, &image, &perr) == TDSHM_OK;
		ok = ok && gs_texture_map(texture, &mapped, &linesize);
		if (ok) {
			const uint8_t *pixels = bytes + image.data_offset;
			for (uint32_t y = 0; y < image.height; y++)
				memcpy(mapped + (size_t)y * linesize,
				       pixels + (size_t)(image.height - 1 - y) * image.row_bytes,
				       image.row_bytes);
		}
		tdshm_receiver_end_read(receiver);
		t_source[i] = ms_since(t0);
		/* 3. the driver's texture update */
		t0 = os_gettime_ns();
		if (ok)
			gs_texture_unmap(texture);
		gs_flush();
		t_driver[i] = ms_since(t0);
		obs_leave_graphics();

		/* 4. the async path: copy into an obs_source_frame, hand it to OBS */
		t0 = os_gettime_ns();
		if (tdshm_receiver_begin_read(receiver, 2, &bytes, &size, &err) == TDSHM_OK &&
		    tdshm_top_parse(bytes, size, &image, &perr) == TDSHM_OK) {
			const uint8_t *pixels = bytes + image.data_offset;
			for (uint32_t y = 0; y < image.height; y++) {
				uint8_t *dst = frame->data[0] + (size_t)y * frame->linesize[0];
				const uint8_t *src =
				    pixels + (size_t)(image.height - 1 - y) * image.row_bytes;
				if (image.format->bytes_per_pixel == 4) {
					memcpy(dst, src, image.row_bytes);
				} else {
					for (uint32_t x = 0; x < image.width; x++) {
						float rgba[4];
						tdshm_pixel_to_rgba_f32(image.format, src + x * 16,
									rgba);
						for (int k = 0; k < 4; k++)
							dst[x * 4 + k] =
							    (uint8_t)(rgba[k] * 255.0f + 0.5f);
					}
				}
			}
		}
		tdshm_receiver_end_read(receiver);
		frame->timestamp = os_gettime_ns();
		obs_source_output_video(async_sink, frame);
		t_async[i] = ms_since(t0);
	}
	double m = median(t_memcpy, ITERATIONS), s = median(t_source, ITERATIONS);
	double d = median(t_driver, ITERATIONS), a = median(t_async, ITERATIONS);
	printf("%-16s %8.1f MB %9.2f %9.2f (%4.2fx) %9.2f %9.2f (%4.2fx)\n", c->label,
	       frame_bytes / 1e6, m, s, s / m, d, a, a / m);

	obs_source_release(async_sink);
	obs_source_frame_destroy(frame);
	obs_enter_graphics();
	gs_texture_destroy(texture);
	obs_leave_graphics();
	free(plain_dst);
	tdshm_receiver_destroy(receiver);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

/* ---- latency: sender unlock -> frame in OBS's output ---------------------- */

#define LATENCY_FRAMES 240

static struct latency_state {
	pthread_mutex_t mutex;
	uint64_t unlocked_ns[LATENCY_FRAMES + 1];
	uint64_t seen_ns[LATENCY_FRAMES + 1];
	uint64_t delivered_ns[LATENCY_FRAMES + 1];
	uint64_t frame_ns;
} latency = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static void latency_hook(const harness_frame *frame, void *param)
{
	(void)param;
	tdshm_pattern_image image = {.width = frame->width,
				     .height = frame->height,
				     .format = tdshm_pixel_format_by_name("bgra8"),
				     .stride = frame->linesize};
	tdshm_pattern_check_options options = {.tolerance = 0.5f};
	tdshm_pattern_result result;
	tdshm_error err;
	tdshm_status st =
	    tdshm_pattern_check(TDSHM_PATTERN_COUNTER, &image, frame->bgra,
				(size_t)frame->linesize * frame->height, &options, &result, &err);
	(void)st; /* only the decoded number matters here */
	if (!result.frame_number_valid || result.frame_number == 0 ||
	    result.frame_number > LATENCY_FRAMES)
		return;
	pthread_mutex_lock(&latency.mutex);
	/* OBS's frame time: when it rendered the frame, not when the copy
	 * reached this callback (which is a few frames later by design). */
	if (!latency.seen_ns[result.frame_number]) {
		latency.seen_ns[result.frame_number] = frame->timestamp_ns;
		latency.delivered_ns[result.frame_number] = os_gettime_ns();
	}
	pthread_mutex_unlock(&latency.mutex);
}

static void bench_latency(void)
{
	char name[64], settings[256];
	tdshm_test_unique_name(name, sizeof(name), "obs-latency");
	tdshm_sender *sender = source_sender_create(name, 4096);
	if (!sender ||
	    !source_sender_write_pattern(sender, TDSHM_PATTERN_COUNTER, 0, 640, 360, "bgra8")) {
		printf("latency: could not create the sender\n");
		return;
	}
	snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
	obs_source_t *source = harness_create_source("tdshm_top_source", "latency", settings);
	harness_set_output(source);
	char status[1024];
	if (!source_wait_connected(source, 10000, status, sizeof(status))) {
		printf("latency: %s\n", status);
		return;
	}
	harness_wait_frames(10, 5000);
	harness_set_frame_hook(latency_hook, NULL);
	/* TD at 60 fps, not in step with OBS's clock. */
	uint64_t next = os_gettime_ns();
	for (uint32_t n = 1; n <= LATENCY_FRAMES; n++) {
		next += 16666667;
		os_sleepto_ns(next + 3000000);
		if (!source_sender_write_pattern(sender, TDSHM_PATTERN_COUNTER, n, 640, 360,
						 "bgra8"))
			continue;
		uint64_t now = os_gettime_ns();
		pthread_mutex_lock(&latency.mutex);
		latency.unlocked_ns[n] = now;
		pthread_mutex_unlock(&latency.mutex);
	}
	harness_wait_frames(10, 5000);
	harness_set_frame_hook(NULL, NULL);

	double lat[LATENCY_FRAMES], out[LATENCY_FRAMES];
	size_t n = 0, missed = 0;
	pthread_mutex_lock(&latency.mutex);
	for (uint32_t i = 1; i <= LATENCY_FRAMES; i++) {
		if (latency.seen_ns[i] && latency.unlocked_ns[i] &&
		    latency.seen_ns[i] >= latency.unlocked_ns[i]) {
			lat[n] = (double)(latency.seen_ns[i] - latency.unlocked_ns[i]) / 1e6;
			out[n++] = (double)(latency.delivered_ns[i] - latency.unlocked_ns[i]) / 1e6;
		} else {
			missed++;
		}
	}
	pthread_mutex_unlock(&latency.mutex);
	if (n) {
		qsort(lat, n, sizeof(double), compare_double);
		printf("latency, sender unlock -> OBS renders the frame (640x360 counter, %zu "
		       "frames, %zu overwritten by TD before OBS's next frame):\n  median %.1f ms "
		       "(%.2f OBS frames at 60 fps), "
		       "p95 %.1f ms (%.2f frames), max %.1f ms\n",
		       n, missed, lat[n / 2], lat[n / 2] / 16.667, lat[n * 95 / 100],
		       lat[n * 95 / 100] / 16.667, lat[n - 1]);
		qsort(out, n, sizeof(double), compare_double);
		printf("  to OBS's raw output callback (includes OBS's own GPU readback queue): "
		       "median %.1f ms (%.2f frames), p95 %.1f ms\n",
		       out[n / 2], out[n / 2] / 16.667, out[n * 95 / 100]);
	}
	harness_set_output(NULL);
	obs_source_release(source);
	tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
}

int main(void)
{
	harness_config cfg;
	harness_config_default(&cfg);
	if (!harness_start(&cfg))
		return 3;
	static const bench_case cases[] = {
	    {"1080p BGRA8", 1920, 1080, "bgra8", GS_BGRA},
	    {"1080p RGBA32F", 1920, 1080, "rgba32f", GS_RGBA32F},
	    {"4K BGRA8", 3840, 2160, "bgra8", GS_BGRA},
	    {"4K RGBA32F", 3840, 2160, "rgba32f", GS_RGBA32F},
	};
	printf("per frame, median of %d, ms:\n", ITERATIONS);
	printf("%-16s %11s %9s %16s %9s %16s\n", "case", "frame", "memcpy", "source (x memcpy)",
	       "driver", "async (x memcpy)");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_one(&cases[i]);
	bench_latency();
	harness_stop();
	return 0;
}
