/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every hostile TOP vector of tests/vectors, written into a live segment
 * that a "TouchDesigner Shared Mem In" source is showing: the status line
 * says it was refused, OBS keeps rendering, and nothing reads out of bounds
 * (tests/ci/stage-obs.sh also runs this under AddressSanitizer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obs_harness.h"
#include "source_helpers.h"
#include "test_support.h"

static const char *const bad_top_vectors[] = {
    "bad_offset_past_end.bin",  "bad_offset_inside_header.bin", "bad_size_too_small.bin",
    "bad_size_past_end.bin",    "bad_negative_width.bin",       "bad_zero_height.bin",
    "bad_overflow_dims.bin",    "bad_unknown_format.bin",       "bad_magic.bin",
    "bad_truncated_header.bin", "bad_legacy_type.bin",
};

static void test_every_bad_vector_is_refused_without_harm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_top_vectors) / sizeof(bad_top_vectors[0]); i++) {
		size_t size = 0;
		uint8_t *bytes = tdshm_test_read_vector(bad_top_vectors[i], &size);
		if (!bytes)
			fail_msg("missing vector %s in %s", bad_top_vectors[i],
				 tdshm_test_vectors_dir());
		char name[64], settings[256], status[1024];
		tdshm_test_unique_name(name, sizeof(name), "obs-bad");
		tdshm_sender *sender = source_sender_create(name, size);
		assert_non_null(sender);
		assert_true(source_sender_write_raw(sender, bytes, size));

		snprintf(settings, sizeof(settings), "{\"name\":\"%s\"}", name);
		obs_source_t *source = source_show("bad", settings);
		bool refused = source_wait_status(source, "Refused", 5000, status, sizeof(status));
		printf("  %-30s -> %s\n", bad_top_vectors[i], status);
		if (!refused)
			fail_msg("%s not refused: %s", bad_top_vectors[i], status);
		/* OBS's frame loop goes on, and the source shows nothing. */
		assert_true(harness_wait_frames(10, 3000));
		assert_int_equal(obs_source_get_width(source), 0);

		/* A good frame afterwards is shown: the source kept working. */
		assert_true(
		    source_sender_write_pattern(sender, TDSHM_PATTERN_BARS, 0, 64, 36, "bgra8"));
		if (!source_wait_connected(source, 3000, status, sizeof(status)))
			fail_msg("after %s, a good frame is not shown: %s", bad_top_vectors[i],
				 status);
		source_hide_and_release(source);
		tdshm_sender_destroy(sender, TDSHM_INFO_LOCK_TIMEOUT_MS);
		free(bytes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_bad_vector_is_refused_without_harm),
	};
	return cmocka_run_group_tests(tests, source_harness_setup, source_harness_teardown);
}
