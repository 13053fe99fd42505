/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CHOP audio stream logic (common/src/chop_{detect,channels,reader,
 * stream,assembler}.c): new-block detection, names and the channel picker,
 * reading live blocks (hostile ones included), pacing into continuous audio,
 * and cutting OBS audio into blocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdshm/chop.h"
#include "tdshm/chop_assembler.h"
#include "tdshm/chop_detect.h"
#include "tdshm/chop_reader.h"
#include "tdshm/chop_stream.h"
#include "test_support.h"

#define MS 1000000ull

/* A vector copied into a buffer of exactly its size, so that a read past the
 * end is a heap overflow ASan reports. */
static uint8_t *vector_exact(const char *file, size_t *size)
{
	size_t n = 0;
	uint8_t *raw = tdshm_test_read_vector(file, &n);
	if (!raw)
		fail_msg("missing test vector %s in %s", file, tdshm_test_vectors_dir());
	uint8_t *exact = malloc(n);
	assert_non_null(exact);
	memcpy(exact, raw, n);
	free(raw);
	*size = n;
	return exact;
}

/* A CHOP segment of channels x length; sample s of channel c = base + c*1000 + s. */
static uint8_t *chop_segment(uint32_t channels, uint32_t length, float base,
			     const char *const *names, size_t *size)
{
	assert_int_equal(tdshm_chop_segment_size(channels, length, names, size, NULL), TDSHM_OK);
	uint8_t *seg = malloc(*size);
	float **planes = calloc(channels, sizeof(float *));
	assert_non_null(seg);
	assert_non_null(planes);
	for (uint32_t c = 0; c < channels; c++) {
		planes[c] = malloc(length * sizeof(float));
		for (uint32_t s = 0; s < length; s++)
			planes[c][s] = base + (float)(c * 1000 + s);
	}
	assert_int_equal(tdshm_chop_write(seg, *size, channels, length, 48000.0f,
					  (const float *const *)planes, names, NULL),
			 TDSHM_OK);
	for (uint32_t c = 0; c < channels; c++)
		free(planes[c]);
	free(planes);
	return seg;
}

/* ---- detection --------------------------------------------------------- */

static void test_hash_follows_samples_and_size_but_not_names(void **state)
{
	(void)state;
	const char *ab[] = {"a", "b"}, *xy[] = {"x", "y"};
	size_t s1, s2, s3, s4;
	uint8_t *a = chop_segment(2, 16, 0.0f, ab, &s1);
	uint8_t *b = chop_segment(2, 16, 0.0f, xy, &s2);
	uint8_t *c = chop_segment(2, 16, 0.5f, ab, &s3);
	uint8_t *d = chop_segment(2, 15, 0.0f, ab, &s4);
	tdshm_chop_block ba, bb, bc, bd;
	assert_int_equal(tdshm_chop_parse(a, s1, &ba, NULL), TDSHM_OK);
	assert_int_equal(tdshm_chop_parse(b, s2, &bb, NULL), TDSHM_OK);
	assert_int_equal(tdshm_chop_parse(c, s3, &bc, NULL), TDSHM_OK);
	assert_int_equal(tdshm_chop_parse(d, s4, &bd, NULL), TDSHM_OK);
	uint64_t ha = tdshm_chop_block_hash(a, &ba);
	assert_true(ha == tdshm_chop_block_hash(b, &bb)); /* renamed: same audio */
	assert_true(ha != tdshm_chop_block_hash(c, &bc)); /* other samples */
	assert_true(ha != tdshm_chop_block_hash(d, &bd)); /* other length */
	/* One flipped bit in the last sample of the last channel. */
	c[bc.data_offset + 2 * 16 * 4 - 1] ^= 0x01;
	uint8_t *copy = chop_segment(2, 16, 0.5f, ab, &s3);
	assert_true(tdshm_chop_block_hash(c, &bc) != tdshm_chop_block_hash(copy, &bc));
	free(a), free(b), free(c), free(d), free(copy);
}

static void test_detector_without_serial_takes_changed_content_only(void **state)
{
	(void)state;
	tdshm_chop_detector d;
	tdshm_chop_detector_reset(&d);
	assert_true(tdshm_chop_detector_is_new(&d, false, 0, 111));
	assert_false(tdshm_chop_detector_is_new(&d, false, 0, 111)); /* re-read */
	assert_false(tdshm_chop_detector_is_new(&d, false, 0, 111)); /* TD paused */
	assert_true(tdshm_chop_detector_is_new(&d, false, 0, 222));
	assert_true(tdshm_chop_detector_is_new(&d, false, 0, 111)); /* A B A: all new */
	assert_int_equal(d.repeats, 2);
}

static void test_detector_with_serial_takes_exact_repeats(void **state)
{
	(void)state;
	tdshm_chop_detector d;
	tdshm_chop_detector_reset(&d);
	assert_true(tdshm_chop_detector_is_new(&d, true, 5, 111));
	assert_false(tdshm_chop_detector_is_new(&d, true, 5, 111));
	/* Same samples, next serial: a tone whose period divides the block. */
	assert_true(tdshm_chop_detector_is_new(&d, true, 6, 111));
	assert_int_equal(d.missed, 0);
	/* Two blocks written between reads: one was never seen. */
	assert_true(tdshm_chop_detector_is_new(&d, true, 8, 112));
	assert_int_equal(d.missed, 1);
	/* A restarted sender counts from the start again: nothing missed. */
	assert_true(tdshm_chop_detector_is_new(&d, true, 1, 333));
	assert_int_equal(d.missed, 1);
	/* A TouchDesigner sender under the same name: content decides again. */
	assert_true(tdshm_chop_detector_is_new(&d, false, 0, 333));
	assert_false(tdshm_chop_detector_is_new(&d, false, 0, 333));
}

/* ---- names and picker -------------------------------------------------- */

static void test_names_follow_the_sender_and_are_kept_without_names(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = vector_exact("chop_3x4_named.bin", &size);
	tdshm_chop_block block;
	assert_int_equal(tdshm_chop_parse(seg, size, &block, NULL), TDSHM_OK);
	tdshm_chop_names names;
	tdshm_chop_names_init(&names);
	bool changed = false;
	assert_int_equal(tdshm_chop_names_update(&names, seg, &block, &changed, NULL), TDSHM_OK);
	assert_true(changed);
	assert_int_equal(names.count, 3);
	assert_string_equal(names.names[0], "tx");
	assert_string_equal(names.names[1], "ty");
	assert_string_equal(names.names[2], "chan3");
	assert_int_equal(tdshm_chop_names_update(&names, seg, &block, &changed, NULL), TDSHM_OK);
	assert_false(changed);

	/* Same count, no names sent: docs/protocol.md §4 keeps the old ones. */
	size_t s2;
	uint8_t *unnamed = chop_segment(3, 4, 0.0f, NULL, &s2);
	tdshm_chop_block b2;
	assert_int_equal(tdshm_chop_parse(unnamed, s2, &b2, NULL), TDSHM_OK);
	assert_int_equal(tdshm_chop_names_update(&names, unnamed, &b2, &changed, NULL), TDSHM_OK);
	assert_false(changed);
	assert_string_equal(names.names[1], "ty");

	/* A new count without names: chan1.. */
	size_t s3;
	uint8_t *two = chop_segment(2, 4, 0.0f, NULL, &s3);
	tdshm_chop_block b3;
	assert_int_equal(tdshm_chop_parse(two, s3, &b3, NULL), TDSHM_OK);
	assert_int_equal(tdshm_chop_names_update(&names, two, &b3, &changed, NULL), TDSHM_OK);
	assert_true(changed);
	assert_int_equal(names.count, 2);
	assert_string_equal(names.names[0], "chan1");
	assert_string_equal(names.names[1], "chan2");
	tdshm_chop_names_free(&names);
	free(seg), free(unnamed), free(two);
}

static void names_of(tdshm_chop_names *names, uint32_t count, const char *const *list)
{
	size_t size;
	uint8_t *seg = chop_segment(count, 1, 0.0f, list, &size);
	tdshm_chop_block block;
	bool changed;
	assert_int_equal(tdshm_chop_parse(seg, size, &block, NULL), TDSHM_OK);
	tdshm_chop_names_init(names);
	assert_int_equal(tdshm_chop_names_update(names, seg, &block, &changed, NULL), TDSHM_OK);
	free(seg);
}

static void test_picker_by_name_number_and_case_keeps_the_users_order(void **state)
{
	(void)state;
	const char *list[] = {"left", "right", "kick", "Snare"};
	tdshm_chop_names names;
	names_of(&names, 4, list);
	tdshm_chop_channel_map map;

	tdshm_chop_channel_map_resolve("", &names, &map);
	assert_int_equal(map.count, 4);
	assert_int_equal(map.source[0], 0);
	assert_int_equal(map.source[3], 3);

	tdshm_chop_channel_map_resolve(" right , left ", &names, &map);
	assert_int_equal(map.count, 2);
	assert_int_equal(map.source[0], 1);
	assert_int_equal(map.source[1], 0);

	tdshm_chop_channel_map_resolve("3", &names, &map);
	assert_int_equal(map.count, 1);
	assert_int_equal(map.source[0], 2);

	tdshm_chop_channel_map_resolve("snare,4,KICK", &names, &map);
	assert_int_equal(map.count, 3);
	assert_int_equal(map.source[0], 3);
	assert_int_equal(map.source[1], 3);
	assert_int_equal(map.source[2], 2);
	assert_int_equal(map.missing, 0);

	/* Entries that match nothing stay in place as silence and are named. */
	tdshm_chop_channel_map_resolve("bass,left,9", &names, &map);
	assert_int_equal(map.count, 3);
	assert_int_equal(map.source[0], TDSHM_CHOP_CHANNEL_NONE);
	assert_int_equal(map.source[1], 0);
	assert_int_equal(map.source[2], TDSHM_CHOP_CHANNEL_NONE);
	assert_int_equal(map.missing, 2);
	assert_string_equal(map.missing_list, "bass, 9");
	tdshm_chop_names_free(&names);
}

static void test_more_than_eight_channels_keep_eight_and_seven_pads_to_eight(void **state)
{
	(void)state;
	tdshm_chop_names names;
	names_of(&names, 11, NULL);
	tdshm_chop_channel_map map;
	tdshm_chop_channel_map_resolve(NULL, &names, &map);
	assert_int_equal(map.count, 8);
	assert_int_equal(map.ignored, 3);
	assert_int_equal(map.source[7], 7);

	tdshm_chop_channel_map_resolve("1,2,3,4,5,6,7", &names, &map);
	assert_int_equal(map.picked, 7);
	assert_int_equal(map.count, 8);
	assert_int_equal(map.source[6], 6);
	assert_int_equal(map.source[7], TDSHM_CHOP_CHANNEL_NONE);

	tdshm_chop_channel_map_resolve("1,2,3,4,5,6,7,8,9,10", &names, &map);
	assert_int_equal(map.count, 8);
	assert_int_equal(map.ignored, 2);
	tdshm_chop_names_free(&names);
}

static void test_sender_names_numbered_or_speakers(void **state)
{
	(void)state;
	char name[32];
	tdshm_chop_output_name(TDSHM_CHOP_NAMES_NUMBERED, 2, 1, name, sizeof(name));
	assert_string_equal(name, "chan2");
	tdshm_chop_output_name(TDSHM_CHOP_NAMES_SPEAKERS, 2, 0, name, sizeof(name));
	assert_string_equal(name, "left");
	tdshm_chop_output_name(TDSHM_CHOP_NAMES_SPEAKERS, 2, 1, name, sizeof(name));
	assert_string_equal(name, "right");
	tdshm_chop_output_name(TDSHM_CHOP_NAMES_SPEAKERS, 6, 3, name, sizeof(name));
	assert_string_equal(name, "lfe");
	tdshm_chop_output_name(TDSHM_CHOP_NAMES_SPEAKERS, 7, 6, name, sizeof(name));
	assert_string_equal(name, "chan7"); /* no 7-channel layout: numbered */
}

/* ---- reader ------------------------------------------------------------ */

static void test_reader_takes_the_vector_block_once_with_picked_channels(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = vector_exact("chop_3x4_named.bin", &size);
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create("ty,chan3,tx", &reader, NULL), TDSHM_OK);
	tdshm_chop_take take;
	tdshm_error err;
	assert_int_equal(tdshm_chop_reader_take(reader, seg, size, false, 0, &take, &err),
			 TDSHM_OK);
	assert_true(take.is_new);
	assert_true(take.layout_changed);
	assert_int_equal(take.frames, 4);
	assert_true(take.sample_rate == 48000.0f);
	assert_int_equal(take.map->count, 3);
	/* manifest: samples[c][s] = 10 * c + s */
	for (uint32_t s = 0; s < 4; s++) {
		assert_true(take.planes[0][s] == (float)(10 + s));
		assert_true(take.planes[1][s] == (float)(20 + s));
		assert_true(take.planes[2][s] == (float)(0 + s));
	}
	assert_int_equal(tdshm_chop_reader_take(reader, seg, size, false, 0, &take, &err),
			 TDSHM_OK);
	assert_false(take.is_new);
	tdshm_chop_reader_destroy(reader);
	free(seg);
}

static void test_reader_refuses_every_bad_chop_vector_and_keeps_working(void **state)
{
	(void)state;
	const char *bad[] = {"bad_chop_length.bin", "bad_chop_names_offset.bin",
			     "bad_truncated_header.bin", "bad_magic.bin", "top_v1_rgba8.bin"};
	size_t good_size;
	uint8_t *good = vector_exact("chop_3x4_named.bin", &good_size);
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create(NULL, &reader, NULL), TDSHM_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t size;
		uint8_t *seg = vector_exact(bad[i], &size);
		tdshm_chop_take take;
		tdshm_error err;
		tdshm_error_clear(&err);
		assert_int_equal(tdshm_chop_reader_take(reader, seg, size, false, 0, &take, &err),
				 TDSHM_REFUSED);
		assert_false(take.is_new);
		assert_true(strlen(err.message) > 10);
		print_message("%s: %s\n", bad[i], err.message);
		free(seg);
		/* and the next good block is read as usual */
		tdshm_chop_reader_forget(reader);
		assert_int_equal(
		    tdshm_chop_reader_take(reader, good, good_size, false, 0, &take, &err),
		    TDSHM_OK);
		assert_true(take.is_new);
		assert_true(take.planes[1][3] == 13.0f);
	}
	tdshm_chop_reader_destroy(reader);
	free(good);
}

/* A segment its sender has created but not written yet (all zero): waiting,
 * not refused; the first block written into it is then taken. */
static void test_reader_waits_on_a_segment_not_written_yet(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = chop_segment(2, 4, 0.5f, NULL, &size);
	uint8_t *blank = calloc(1, size);
	assert_non_null(blank);
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create(NULL, &reader, NULL), TDSHM_OK);
	tdshm_chop_take take;
	tdshm_error err;
	assert_int_equal(tdshm_chop_reader_take(reader, blank, size, true, 0, &take, &err),
			 TDSHM_NOT_FOUND);
	assert_string_equal(err.message, "not written yet");
	assert_false(take.is_new);
	/* Zero magic over a block that is not all zero is still refused. */
	memcpy(blank, seg, size);
	memset(blank, 0, 4);
	assert_int_equal(tdshm_chop_reader_take(reader, blank, size, true, 1, &take, &err),
			 TDSHM_REFUSED);
	assert_int_equal(tdshm_chop_reader_take(reader, seg, size, true, 1, &take, &err), TDSHM_OK);
	assert_true(take.is_new);
	tdshm_chop_reader_destroy(reader);
	free(blank);
	free(seg);
}

static void test_reader_refuses_no_channels_and_unusable_rates(void **state)
{
	(void)state;
	size_t size;
	uint8_t *seg = chop_segment(0, 4, 0.0f, NULL, &size);
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create(NULL, &reader, NULL), TDSHM_OK);
	tdshm_chop_take take;
	tdshm_error err;
	assert_int_equal(tdshm_chop_reader_take(reader, seg, size, false, 0, &take, &err),
			 TDSHM_REFUSED);
	free(seg);
	seg = chop_segment(2, 4, 0.0f, NULL, &size);
	memset(seg + 20, 0, 4); /* sample rate 0 */
	assert_int_equal(tdshm_chop_reader_take(reader, seg, size, false, 0, &take, &err),
			 TDSHM_REFUSED);
	assert_non_null(strstr(err.message, "rate"));
	tdshm_chop_reader_destroy(reader);
	free(seg);
}

static void test_reader_follows_a_channel_count_change(void **state)
{
	(void)state;
	tdshm_chop_reader *reader = NULL;
	assert_int_equal(tdshm_chop_reader_create(NULL, &reader, NULL), TDSHM_OK);
	tdshm_chop_take take;
	size_t s1, s2;
	uint8_t *two = chop_segment(2, 8, 0.0f, NULL, &s1);
	uint8_t *six = chop_segment(6, 8, 0.0f, NULL, &s2);
	assert_int_equal(tdshm_chop_reader_take(reader, two, s1, false, 0, &take, NULL), TDSHM_OK);
	assert_int_equal(take.map->count, 2);
	assert_int_equal(tdshm_chop_reader_take(reader, six, s2, false, 0, &take, NULL), TDSHM_OK);
	assert_true(take.is_new);
	assert_true(take.layout_changed);
	assert_int_equal(take.map->count, 6);
	assert_true(take.planes[5][7] == 5007.0f);
	tdshm_chop_reader_destroy(reader);
	free(two), free(six);
}

/* TouchDesigner after a slow cook: one longer block (its CHOP's length
 * follows the time since the last cook), then back to the usual length.
 * Every block is new audio, none is a layout change. */
static void test_reader_takes_blocks_of_changing_length_as_new_audio(void **state)
{
	(void)state;
	const uint32_t lengths[] = {800, 2400, 800, 1600, 48000, 800};
	const char *lr[] = {"left", "right"};
	for (int with_serial = 0; with_serial < 2; with_serial++) {
		tdshm_chop_reader *reader = NULL;
		assert_int_equal(tdshm_chop_reader_create(NULL, &reader, NULL), TDSHM_OK);
		for (uint32_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
			size_t size;
			uint8_t *seg = chop_segment(2, lengths[i], (float)i * 0.25f, lr, &size);
			tdshm_chop_take take;
			assert_int_equal(tdshm_chop_reader_take(reader, seg, size, with_serial != 0,
								i + 1, &take, NULL),
					 TDSHM_OK);
			assert_true(take.is_new);
			assert_int_equal(take.layout_changed, i == 0);
			assert_int_equal(take.frames, lengths[i]);
			assert_int_equal(take.map->count, 2);
			float last = (float)i * 0.25f + (float)(1000 + lengths[i] - 1);
			assert_true(take.planes[1][lengths[i] - 1] == last);
			/* Read again: the same block, not new. */
			assert_int_equal(tdshm_chop_reader_take(reader, seg, size, with_serial != 0,
								i + 1, &take, NULL),
					 TDSHM_OK);
			assert_false(take.is_new);
			free(seg);
		}
		assert_int_equal(tdshm_chop_reader_missed(reader), 0);
		tdshm_chop_reader_destroy(reader);
	}
}

/* ---- stream ------------------------------------------------------------ */

typedef struct sim {
	tdshm_chop_stream *stream;
	float *out[2];
	uint32_t out_frames;
	uint32_t out_cap;
	uint64_t next_ts;
	bool have_ts;
	uint64_t discontinuities;
	uint32_t next_value; /* ramp sent so far */
} sim;

static void sim_init(sim *s, uint32_t latency_ms, uint32_t out_cap)
{
	memset(s, 0, sizeof(*s));
	tdshm_chop_stream_options o;
	tdshm_chop_stream_options_default(&o, 48000, 2, latency_ms);
	assert_int_equal(tdshm_chop_stream_create(&o, &s->stream, NULL), TDSHM_OK);
	s->out_cap = out_cap;
	s->out[0] = calloc(out_cap, sizeof(float));
	s->out[1] = calloc(out_cap, sizeof(float));
}

static void sim_free(sim *s)
{
	tdshm_chop_stream_destroy(s->stream);
	free(s->out[0]);
	free(s->out[1]);
}

/* Pushes a block continuing the ramp: left = n, right = -n. */
static void sim_push(sim *s, uint32_t frames)
{
	float *l = malloc(frames * sizeof(float)), *r = malloc(frames * sizeof(float));
	for (uint32_t i = 0; i < frames; i++) {
		l[i] = (float)(s->next_value + i);
		r[i] = -(float)(s->next_value + i);
	}
	s->next_value += frames;
	const float *planes[2] = {l, r};
	tdshm_chop_stream_push(s->stream, planes, frames);
	free(l), free(r);
}

/* Pulls what is ready at now into the capture; checks timestamps. */
static void sim_pull(sim *s, uint64_t now)
{
	uint64_t lead_ns =
	    (uint64_t)tdshm_chop_stream_options_get(s->stream)->lead_frames * 1000000000ull / 48000;
	for (;;) {
		float *dst[2] = {s->out[0] + s->out_frames, s->out[1] + s->out_frames};
		uint32_t room = s->out_cap - s->out_frames;
		uint64_t ts = 0;
		uint32_t n =
		    tdshm_chop_stream_pull(s->stream, now, dst, room < 256 ? room : 256, &ts);
		if (n == 0)
			return;
		if (s->have_ts) {
			assert_true(ts >= s->next_ts); /* never backwards */
			/* continuous to the nanosecond rounding of frame times */
			if (ts - s->next_ts > 1)
				s->discontinuities++;
		}
		s->have_ts = true;
		s->next_ts = ts + (uint64_t)n * 1000000000ull / 48000;
		/* never further ahead of the clock than the lead */
		assert_true(s->next_ts <= now + lead_ns + 1);
		s->out_frames += n;
	}
}

static void test_stream_plays_jittery_blocks_as_one_continuous_ramp(void **state)
{
	(void)state;
	sim s;
	sim_init(&s, 50, 48000 * 12);
	/* 10 s of 800-frame blocks (60 per second) arriving up to 12 ms late,
	 * pulled every 5 ms. */
	uint64_t t = 1000 * MS;
	uint32_t block = 0;
	srand(7);
	for (uint64_t now = t; now < t + 10000 * MS; now += 1 * MS) {
		uint64_t due =
		    t + (uint64_t)block * 1000000000ull / 60 + (uint64_t)(rand() % 12) * MS;
		if (now >= due) {
			sim_push(&s, 800);
			block++;
		}
		if ((now / MS) % 5 == 0)
			sim_pull(&s, now);
	}
	tdshm_chop_stream_stats st;
	tdshm_chop_stream_get_stats(s.stream, &st);
	print_message("pushed %llu, pulled %llu, silence %llu, dropped %llu, buffered %u\n",
		      (unsigned long long)st.frames_in, (unsigned long long)st.frames_out,
		      (unsigned long long)st.silence_frames, (unsigned long long)st.dropped_frames,
		      st.buffered);
	assert_int_equal(st.silence_frames, 0);
	assert_int_equal(st.dropped_frames, 0);
	assert_int_equal(st.starts, 1);
	assert_int_equal(s.discontinuities, 0);
	/* The ramp comes out whole and in order, right channel included. */
	for (uint32_t i = 0; i < s.out_frames; i++) {
		assert_true(s.out[0][i] == (float)i);
		assert_true(s.out[1][i] == -(float)i);
	}
	/* Everything pushed came out, but for what arrived in the last
	 * moments before the end (less than the 50 ms buffer). */
	assert_in_range(s.out_frames, st.frames_in - 2400, st.frames_in);
	sim_free(&s);
}

static void test_stream_plays_silence_on_underrun_then_refills(void **state)
{
	(void)state;
	sim s;
	sim_init(&s, 40, 48000 * 4);
	uint64_t t = 5000 * MS;
	uint64_t now = t;
	/* 1 s steady, then the sender stalls 200 ms, then steady again. */
	for (uint32_t b = 0; b < 60; b++, now += 1000 * MS / 60) {
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	for (int i = 0; i < 40; i++, now += 5 * MS)
		sim_pull(&s, now);
	uint64_t last_pull = now - 5 * MS;
	tdshm_chop_stream_stats st;
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_int_equal(st.underruns, 1);
	assert_true(st.playing);
	/* 200 ms without audio, less the 40 ms lead: silence filled the rest. */
	assert_in_range(st.silence_frames, 48000 * 150 / 1000, 48000 * 170 / 1000);
	/* The output kept pace with the clock (to within a frame), silent at
	 * the end. */
	assert_true(s.next_ts + 21000 >= last_pull && s.next_ts <= last_pull + 1);
	assert_true(s.out[0][s.out_frames - 1] == 0.0f);
	for (uint32_t b = 0; b < 60; b++, now += 1000 * MS / 60) {
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_int_equal(st.underruns, 1);
	assert_int_equal(st.starts, 1); /* no restart: timestamps stayed continuous */
	assert_int_equal(s.discontinuities, 0);
	/* The sender lost those 200 ms (no long block came): nothing of what
	 * it sent after is dropped. */
	assert_int_equal(st.dropped_frames, 0);
	/* After the gap the ramp continues where it left off. */
	uint32_t i = s.out_frames - 1;
	assert_true(s.out[0][i] > 0.0f);
	assert_true(s.out[0][i] - s.out[0][i - 100] == 100.0f);
	sim_free(&s);
}

/* 60 usual blocks, then stall_ms in which OBS keeps pulling every 4 ms and
 * no block comes, then what ends the stall, then 60 usual blocks:
 *  STALL_LATE_COOK  the sender stalled and then writes one block with all
 *                   the samples of the stall (TouchDesigner after a slow
 *                   cook). Shorter than the lead: nothing is heard. Longer:
 *                   a gap, and then the audio is where it would have been
 *                   without the stall (the audio for the time the silence
 *                   filled is dropped), rather than late by the gap for good.
 *  STALL_LOST       the reader was late: the sender went on writing (and
 *                   overwriting) usual blocks it never saw, which the
 *                   sender's serial counts and push_gap stands in for; then
 *                   the latest block is read.
 * Either way the output must end in step with the sender: output frame i
 * carries ramp value i. */
typedef enum stall_kind { STALL_LATE_COOK, STALL_LOST } stall_kind;

typedef struct stall_result {
	uint64_t silence, dropped, concealed;
	uint32_t out_of_step; /* of the last 800 frames */
} stall_result;

static stall_result stall_then(stall_kind kind, uint64_t stall_ms)
{
	sim s;
	sim_init(&s, 50, 48000 * 4);
	uint64_t t = 2000 * MS, now = t;
	uint32_t block = 0;
	for (; block < 60; block++) {
		now = t + (uint64_t)block * 1000000000ull / 60;
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	uint64_t resume = now + stall_ms * MS;
	for (; now < resume; now += 4 * MS)
		sim_pull(&s, now);
	/* The block at resume is block k of the 60 fps grid. */
	uint32_t k = (uint32_t)((resume - t) * 60 / 1000000000ull);
	if (kind == STALL_LATE_COOK) {
		/* It holds every sample since the last cook. */
		sim_push(&s, (k + 1 - block) * 800);
	} else {
		s.next_value += (k - block) * 800;
		tdshm_chop_stream_push_gap(s.stream, (k - block) * 800);
		sim_push(&s, 800);
	}
	block = k + 1;
	sim_pull(&s, now);
	for (uint32_t end = block + 60; block < end; block++) {
		now = t + (uint64_t)block * 1000000000ull / 60;
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	tdshm_chop_stream_stats st;
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_int_equal(s.discontinuities, 0);
	assert_int_equal(st.starts, 1);
	stall_result r = {st.silence_frames, st.dropped_frames, st.concealed_frames, 0};
	for (uint32_t i = s.out_frames - 800; i < s.out_frames; i++)
		r.out_of_step += s.out[0][i] != (float)i;
	print_message("%s, %llu ms: silence %llu, dropped %llu, filled %llu, last 800 frames "
		      "out of step: %u\n",
		      kind == STALL_LATE_COOK ? "late cook" : "reader late",
		      (unsigned long long)stall_ms, (unsigned long long)r.silence,
		      (unsigned long long)r.dropped, (unsigned long long)r.concealed,
		      r.out_of_step);
	sim_free(&s);
	return r;
}

static void test_stream_stays_in_step_after_a_late_cooks_long_block(void **state)
{
	(void)state;
	stall_result r = stall_then(STALL_LATE_COOK, 40); /* within the 50 ms lead */
	assert_int_equal(r.silence, 0);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.out_of_step, 0);
	r = stall_then(STALL_LATE_COOK, 150);
	assert_in_range(r.silence, 48000 * 80 / 1000, 48000 * 120 / 1000);
	assert_int_equal(r.dropped, r.silence);
	assert_int_equal(r.out_of_step, 0);
}

static void test_stream_fills_blocks_never_read_and_stays_in_step(void **state)
{
	(void)state;
	/* Late by 45 ms, within the 50 ms lead: no underrun, the lost block's
	 * time is silence in the buffer. */
	stall_result r = stall_then(STALL_LOST, 45);
	assert_int_equal(r.silence, 0);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.concealed, 800);
	assert_int_equal(r.out_of_step, 0);
	/* Late by 200 ms: the buffer ran dry and played silence; that much
	 * of the lost blocks' time is dropped, and the audio is in step. */
	r = stall_then(STALL_LOST, 200);
	assert_in_range(r.silence, 48000 * 130 / 1000, 48000 * 170 / 1000);
	assert_int_equal(r.concealed, 10 * 800);
	assert_int_equal(r.dropped, r.silence);
	assert_int_equal(r.out_of_step, 0);
}

static void test_stream_goes_idle_when_the_sender_stops_and_restarts_later(void **state)
{
	(void)state;
	sim s;
	sim_init(&s, 30, 48000 * 4);
	uint64_t now = 1000 * MS;
	for (uint32_t b = 0; b < 30; b++, now += 1000 * MS / 60) {
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	uint64_t last_ts = s.next_ts;
	for (int i = 0; i < 300; i++, now += 5 * MS)
		sim_pull(&s, now);
	tdshm_chop_stream_stats st;
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_false(st.playing);
	uint32_t frames = s.out_frames;
	sim_pull(&s, now + 100 * MS);
	assert_int_equal(s.out_frames, frames); /* idle: nothing more */
	/* Back: audio again, later timestamps. */
	s.have_ts = false;
	for (uint32_t b = 0; b < 10; b++, now += 1000 * MS / 60) {
		sim_push(&s, 800);
		sim_pull(&s, now);
	}
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_true(st.playing);
	assert_int_equal(st.starts, 2);
	assert_true(s.out_frames > frames);
	assert_true(s.next_ts > last_ts);
	sim_free(&s);
}

static void test_stream_drops_the_oldest_audio_when_the_sender_bursts(void **state)
{
	(void)state;
	sim s;
	sim_init(&s, 50, 48000 * 4);
	uint64_t now = 1000 * MS;
	sim_push(&s, 4800);
	sim_pull(&s, now);
	sim_push(&s, 48000); /* a second at once */
	tdshm_chop_stream_stats st;
	tdshm_chop_stream_get_stats(s.stream, &st);
	assert_int_equal(st.overflows, 1);
	assert_int_equal(st.buffered, 2400); /* back to 50 ms */
	uint32_t before = s.out_frames;
	sim_pull(&s, now + 10 * MS);
	/* The newest audio is what plays: the end of the burst. */
	assert_true(s.out_frames > before);
	assert_true(s.out[0][before] == (float)(4800 + 48000 - 2400));
	sim_free(&s);
}

static void test_a_replacing_stream_continues_after_the_old_ones_timestamps(void **state)
{
	(void)state;
	sim a, b;
	sim_init(&a, 50, 48000);
	sim_init(&b, 50, 48000);
	uint64_t now = 1000 * MS;
	sim_push(&a, 4800);
	sim_pull(&a, now); /* hands out 50 ms ahead of now */
	uint64_t end = tdshm_chop_stream_end_ns(a.stream);
	assert_true(end > now + 40 * MS);
	tdshm_chop_stream_keep_after(b.stream, end);
	sim_push(&b, 4800);
	float *dst[2] = {b.out[0], b.out[1]};
	uint64_t ts = 0;
	assert_true(tdshm_chop_stream_pull(b.stream, now + 1 * MS, dst, 256, &ts) > 0);
	assert_true(ts >= end);
	sim_free(&a);
	sim_free(&b);
}

static void test_stream_rejects_impossible_options(void **state)
{
	(void)state;
	tdshm_chop_stream_options o;
	tdshm_chop_stream *stream = NULL;
	tdshm_error err;
	tdshm_chop_stream_options_default(&o, 48000, 9, 50);
	assert_int_equal(tdshm_chop_stream_create(&o, &stream, &err), TDSHM_INVALID_ARGUMENT);
	tdshm_chop_stream_options_default(&o, 0, 2, 50);
	assert_int_equal(tdshm_chop_stream_create(&o, &stream, &err), TDSHM_INVALID_ARGUMENT);
	assert_null(stream);
}

/* ---- assembler --------------------------------------------------------- */

static void test_frame_block_length_is_one_video_frame(void **state)
{
	(void)state;
	assert_int_equal(tdshm_chop_frame_block_length(48000, 60, 1), 800);
	assert_int_equal(tdshm_chop_frame_block_length(44100, 30, 1), 1470);
	assert_int_equal(tdshm_chop_frame_block_length(48000, 30000, 1001), 1602);
	assert_int_equal(tdshm_chop_frame_block_length(48000, 0, 0), 800);
}

static void test_assembler_cuts_obs_packets_into_consecutive_blocks(void **state)
{
	(void)state;
	tdshm_chop_assembler *a = NULL;
	assert_int_equal(tdshm_chop_assembler_create(2, 800, &a, NULL), TDSHM_OK);
	assert_null(tdshm_chop_assembler_block(a));
	float l[1024], r[1024];
	const float *planes[2] = {l, r};
	uint32_t value = 0, blocks = 0;
	for (int packet = 0; packet < 25; packet++) {
		for (int i = 0; i < 1024; i++) {
			l[i] = (float)(value + i);
			r[i] = 0.5f * (float)(value + i);
		}
		value += 1024;
		uint32_t done = tdshm_chop_assembler_push(a, planes, 1024);
		blocks += done;
		assert_true(done <= 2);
		if (blocks == 0)
			continue;
		/* The latest block is the last whole 800 frames completed. */
		const float *const *block = tdshm_chop_assembler_block(a);
		float first = (float)((blocks - 1) * 800);
		assert_true(block[0][0] == first);
		assert_true(block[0][799] == first + 799.0f);
		assert_true(block[1][799] == 0.5f * (first + 799.0f));
	}
	assert_int_equal(blocks, 25 * 1024 / 800);
	tdshm_chop_assembler_destroy(a);
	assert_int_equal(tdshm_chop_assembler_create(9, 800, &a, NULL), TDSHM_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_follows_samples_and_size_but_not_names),
	    cmocka_unit_test(test_detector_without_serial_takes_changed_content_only),
	    cmocka_unit_test(test_detector_with_serial_takes_exact_repeats),
	    cmocka_unit_test(test_names_follow_the_sender_and_are_kept_without_names),
	    cmocka_unit_test(test_picker_by_name_number_and_case_keeps_the_users_order),
	    cmocka_unit_test(test_more_than_eight_channels_keep_eight_and_seven_pads_to_eight),
	    cmocka_unit_test(test_sender_names_numbered_or_speakers),
	    cmocka_unit_test(test_reader_takes_the_vector_block_once_with_picked_channels),
	    cmocka_unit_test(test_reader_refuses_every_bad_chop_vector_and_keeps_working),
	    cmocka_unit_test(test_reader_waits_on_a_segment_not_written_yet),
	    cmocka_unit_test(test_reader_refuses_no_channels_and_unusable_rates),
	    cmocka_unit_test(test_reader_follows_a_channel_count_change),
	    cmocka_unit_test(test_reader_takes_blocks_of_changing_length_as_new_audio),
	    cmocka_unit_test(test_stream_plays_jittery_blocks_as_one_continuous_ramp),
	    cmocka_unit_test(test_stream_plays_silence_on_underrun_then_refills),
	    cmocka_unit_test(test_stream_stays_in_step_after_a_late_cooks_long_block),
	    cmocka_unit_test(test_stream_fills_blocks_never_read_and_stays_in_step),
	    cmocka_unit_test(test_stream_goes_idle_when_the_sender_stops_and_restarts_later),
	    cmocka_unit_test(test_stream_drops_the_oldest_audio_when_the_sender_bursts),
	    cmocka_unit_test(test_a_replacing_stream_continues_after_the_old_ones_timestamps),
	    cmocka_unit_test(test_stream_rejects_impossible_options),
	    cmocka_unit_test(test_frame_block_length_is_one_video_frame),
	    cmocka_unit_test(test_assembler_cuts_obs_packets_into_consecutive_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
