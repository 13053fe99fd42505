/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sender list (common/src/sender_list.c) on real segments, on every
 * platform that can enumerate (POSIX's /dev/shm, Windows' object directory):
 * an image and a CHOP sender appear with their kind, size and format, sorted
 * by name, marked as this process's own; a name with non-ASCII characters
 * comes back byte for byte; a closed sender disappears; a picker is offered
 * neither its own outputs nor the other kind. Other processes' senders are
 * checked in the Windows stage (tdshm.exe send / chop-send) and by
 * test_tool_processes on POSIX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/pixel_format.h"
#include "tdshm/sender.h"
#include "tdshm/sender_list.h"
#include "tdshm/top.h"
#include "roles_support.h"
#include "test_support.h"

#define INFO_WAIT_MS 1000

static tdshm_sender *start_top(const char *name, uint32_t width, uint32_t height,
			       const char *format_name)
{
	tdshm_top_params params = {.kind = TDSHM_TOP_HEADER_CURRENT,
				   .version = 1,
				   .width = width,
				   .height = height,
				   .format = tdshm_pixel_format_by_name(format_name)};
	assert_non_null(params.format);
	size_t size = 0;
	tdshm_error err;
	assert_int_equal(tdshm_top_segment_size(&params, &size, &err), TDSHM_OK);
	tdshm_sender *sender = NULL;
	assert_int_equal(tdshm_sender_create(name, size, INFO_WAIT_MS, &sender, &err), TDSHM_OK);
	uint8_t *bytes;
	size_t have;
	assert_int_equal(tdshm_sender_begin_write(sender, 100, &bytes, &have, &err), TDSHM_OK);
	assert_int_equal(tdshm_top_write_header(&params, bytes, have, &err), TDSHM_OK);
	tdshm_sender_end_write(sender);
	return sender;
}

static tdshm_sender *start_chop(const char *name, uint32_t channels, uint32_t length)
{
	static float samples[8][1024];
	const float *planes[8];
	for (uint32_t c = 0; c < channels; c++)
		planes[c] = samples[c];
	return tdshm_test_chop_sender_start(name, channels, length, 44100.0f, planes, INFO_WAIT_MS);
}

static const tdshm_sender_entry *find(const tdshm_sender_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->entries[i].name, name) == 0)
			return &list->entries[i];
	return NULL;
}

static void read_list(tdshm_sender_list *list)
{
	tdshm_error err;
	tdshm_error_clear(&err);
	tdshm_status status = tdshm_sender_list_read(list, &err);
	if (status != TDSHM_OK)
		fail_msg("listing failed: %s", err.message);
}

static void test_senders_listed_with_kind_size_and_format_sorted(void **state)
{
	(void)state;
	char top_name[64], chop_name[64];
	/* "b-…" sorts after "a-…" whatever the pid and counter are. */
	tdshm_test_unique_name(top_name, sizeof(top_name), "b-list-top");
	tdshm_test_unique_name(chop_name, sizeof(chop_name), "a-list-chop");
	tdshm_sender *top = start_top(top_name, 320, 180, "rgba16f");
	tdshm_sender *chop = start_chop(chop_name, 3, 512);

	tdshm_sender_list list;
	read_list(&list);
	const tdshm_sender_entry *t = find(&list, top_name), *c = find(&list, chop_name);
	assert_non_null(t);
	assert_non_null(c);
	assert_int_equal(t->state, TDSHM_SENDER_LIVE);
	assert_int_equal(t->kind, TDSHM_SENDER_TOP);
	assert_int_equal(t->width, 320);
	assert_int_equal(t->height, 180);
	assert_string_equal(t->format->name, "rgba16f");
	assert_int_equal(c->state, TDSHM_SENDER_LIVE);
	assert_int_equal(c->kind, TDSHM_SENDER_CHOP);
	assert_int_equal(c->channels, 3);
	assert_int_equal(c->length, 512);
	assert_true(c->sample_rate == 44100.0f);
	/* Ours: a picker in this process leaves them out. */
	assert_true(tdshm_sender_entry_is_own(t));
	assert_true(tdshm_sender_entry_is_own(c));
	assert_false(tdshm_sender_entry_offered(t, TDSHM_SENDER_TOP));
	assert_false(tdshm_sender_entry_offered(c, TDSHM_SENDER_CHOP));
	for (size_t i = 1; i < list.count; i++)
		assert_true(strcmp(list.entries[i - 1].name, list.entries[i].name) < 0);
	assert_true(c < t);

	char line[700];
	tdshm_sender_entry_describe(t, line, sizeof(line));
	assert_string_equal(line, "top  320x180 rgba16f (current v1)");
	tdshm_sender_entry_summary(c, line, sizeof(line));
	assert_string_equal(line, "3 ch x 512 @ 44100 Hz");
	tdshm_sender_list_free(&list);

	tdshm_sender_destroy(top, INFO_WAIT_MS);
	tdshm_sender_destroy(chop, INFO_WAIT_MS);
	read_list(&list);
	assert_null(find(&list, top_name));
	assert_null(find(&list, chop_name));
	tdshm_sender_list_free(&list);
}

static void test_non_ascii_name_round_trips(void **state)
{
	(void)state;
	char name[96];
	/* "Vidéo-日本-…": two- and three-byte UTF-8. */
	tdshm_test_unique_name(name, sizeof(name), "Vid\xc3\xa9o-\xe6\x97\xa5\xe6\x9c\xac");
	tdshm_sender *top = start_top(name, 64, 32, "bgra8");
	tdshm_sender_list list;
	read_list(&list);
	const tdshm_sender_entry *t = find(&list, name);
	if (!t)
		fail_msg("'%s' is not listed (%zu senders)", name, list.count);
	assert_int_equal(t->width, 64);
	tdshm_sender_list_free(&list);
	tdshm_sender_destroy(top, INFO_WAIT_MS);
}

/* A sender seen after a postfix resize: the list follows the postfix. */
static void test_resized_sender_listed_at_new_size(void **state)
{
	(void)state;
	char name[64];
	tdshm_test_unique_name(name, sizeof(name), "list-resize");
	tdshm_sender *top = start_top(name, 64, 32, "bgra8");
	tdshm_receiver *receiver = tdshm_test_receiver_new(name, 0, 500);
	const uint8_t *bytes;
	size_t size;
	tdshm_error err;
	/* The receiver sets `supported`, so the resize moves to a postfix. */
	assert_int_equal(tdshm_receiver_begin_read(receiver, 100, &bytes, &size, &err), TDSHM_OK);
	tdshm_receiver_end_read(receiver);
	tdshm_receiver_destroy(receiver);
	tdshm_top_params params = tdshm_test_bgra8_params(200, 100);
	size_t want = 0;
	assert_int_equal(tdshm_top_segment_size(&params, &want, &err), TDSHM_OK);
	assert_int_equal(tdshm_sender_resize(top, want, INFO_WAIT_MS, &err), TDSHM_OK);
	uint8_t *out;
	assert_int_equal(tdshm_sender_begin_write(top, 100, &out, &size, &err), TDSHM_OK);
	assert_int_equal(tdshm_top_write_header(&params, out, size, &err), TDSHM_OK);
	tdshm_sender_end_write(top);
	assert_string_not_equal(tdshm_sender_data_name(top) + strlen("TouchSHM"), name);

	tdshm_sender_list list;
	read_list(&list);
	const tdshm_sender_entry *t = find(&list, name);
	assert_non_null(t);
	assert_int_equal(t->state, TDSHM_SENDER_LIVE);
	assert_int_equal(t->width, 200);
	assert_int_equal(t->height, 100);
	tdshm_sender_list_free(&list);
	tdshm_sender_destroy(top, INFO_WAIT_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_senders_listed_with_kind_size_and_format_sorted),
	    cmocka_unit_test(test_non_ascii_name_round_trips),
	    cmocka_unit_test(test_resized_sender_listed_at_new_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
