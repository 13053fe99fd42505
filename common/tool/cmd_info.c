/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tdshm info NAME`: everything about one name, read from shared memory as
 * it is now: the info block, this project's extension, the data segment and
 * its header, and whether each lock is held. Read-only: it never sets
 * `supported`, so it does not change how a sender resizes. */
#include <stdio.h>
#include <string.h>

#include "tdshm/chop.h"
#include "tdshm/info.h"
#include "tdshm/names.h"
#include "tdshm/platform.h"
#include "tdshm/top.h"
#include "tool.h"

/* Waits on a busy data lock this long before showing the header unlocked. */
#define INFO_LOCK_TIMEOUT_MS 200

static void info_print_lock(const char *label, const char *full_name)
{
	tdshm_error err;
	tdshm_error_clear(&err);
	/* Opening creates a lock nobody made yet; locks are never removed, so
	 * this leaves nothing behind that TD would not create itself. */
	tdshm_lock *lock;
	if (tdshm_lock_open(full_name, &lock, &err) != TDSHM_OK) {
		printf("%-12s %s: cannot open: %s\n", label, full_name, err.message);
		return;
	}
	bool held = false;
	if (tdshm_lock_is_held(lock, &held, &err) != TDSHM_OK)
		printf("%-12s %s: state unknown: %s\n", label, full_name, err.message);
	else
		printf("%-12s %s: %s\n", label, full_name, held ? "HELD" : "free");
	tdshm_lock_close(lock);
}

/* The OpenGL enum names a legacy header's fields hold (docs/protocol.md §3). */
static const char *info_gl_name(uint32_t value)
{
	static const struct {
		uint32_t value;
		const char *name;
	} names[] = {
	    {0x1903, "RED"},
	    {0x8227, "RG"},
	    {0x1907, "RGB"},
	    {0x1908, "RGBA"},
	    {0x80E0, "BGR"},
	    {0x80E1, "BGRA"},
	    {0x8000, "ABGR"},
	    {0x1906, "ALPHA"},
	    {0x1909, "LUMINANCE"},
	    {0x190A, "LUMINANCE_ALPHA"},
	    {0x1401, "UNSIGNED_BYTE"},
	    {0x1403, "UNSIGNED_SHORT"},
	    {0x1406, "FLOAT"},
	    {0x140B, "HALF_FLOAT"},
	    {0x8058, "RGBA8"},
	    {0x805B, "RGBA16"},
	    {0x881A, "RGBA16F"},
	    {0x8814, "RGBA32F"},
	    {0x8059, "RGB10_A2"},
	    {0x8C3A, "R11F_G11F_B10F"},
	    {0x8229, "R8"},
	    {0x822A, "R16"},
	    {0x822D, "R16F"},
	    {0x822E, "R32F"},
	    {0x822B, "RG8"},
	    {0x822C, "RG16"},
	    {0x822F, "RG16F"},
	    {0x8230, "RG32F"},
	    {0x803C, "ALPHA8"},
	    {0x803E, "ALPHA16"},
	    {0x881C, "ALPHA16F"},
	    {0x8816, "ALPHA32F"},
	    {0x8815, "RGB32F"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == value)
			return names[i].name;
	return "?";
}

/* A legacy header has no pixel-format number and no data size: its own
 * fields are shown as they are, and how they are read, apart. */
static void info_print_legacy(const tdshm_top_image *img)
{
	printf("TOP header   legacy v%d: %ux%u, aspect %g:%g\n", (int)img->version, img->width,
	       img->height, (double)img->aspect_x, (double)img->aspect_y);
	printf("             data format 0x%04x (%s), data type 0x%04x (%s), pixel format "
	       "0x%04x (%s), data offset %zu\n",
	       img->legacy_data_format, info_gl_name(img->legacy_data_format),
	       img->legacy_data_type, info_gl_name(img->legacy_data_type),
	       img->legacy_internal_format, info_gl_name(img->legacy_internal_format),
	       img->data_offset);
	printf("             read as %s: %u bytes a pixel, rows of %zu bytes\n", img->format->name,
	       img->format->bytes_per_pixel, img->row_bytes);
}

static void info_print_top(const tdshm_top_image *img)
{
	if (img->kind == TDSHM_TOP_HEADER_LEGACY) {
		info_print_legacy(img);
		return;
	}
	printf("TOP header   current v%d: %ux%u, format %s (%u), aspect %g:%g\n", (int)img->version,
	       img->width, img->height, img->format->name, img->format->wire_value,
	       (double)img->aspect_x, (double)img->aspect_y);
	printf("             data offset %zu, data size %zu, row bytes %zu\n", img->data_offset,
	       img->data_size, img->row_bytes);
	if (img->has_color_info)
		printf("             gamut %u, transfer %u\n", img->gamut, img->transfer);
}

static void info_print_chop(const uint8_t *bytes, const tdshm_chop_block *b)
{
	printf("CHOP header  v%d: %u channels x %u samples at %g Hz, names %s, size %u, data "
	       "offset %zu, names offset %zu\n",
	       (int)b->version, b->channels, b->length, (double)b->sample_rate,
	       b->names_sent ? "sent" : "not sent", b->declared_size, b->data_offset,
	       b->names_offset);
	for (uint32_t c = 0; c < b->channels && c < 16; c++) {
		char name[TDSHM_CHOP_NAME_MAX];
		tdshm_chop_channel_name(bytes, b, c, name, sizeof(name));
		float first = 0;
		if (b->length)
			tdshm_chop_read_samples(bytes, b, c, 0, 1, &first);
		printf("             channel %u: %s (first sample %g)\n", c, name, (double)first);
	}
	if (b->channels > 16)
		printf("             ... %u more channels\n", b->channels - 16);
}

/* Decodes the data segment's header, under the data lock when it can be had. */
static int info_print_data(const char *user_name, const char *postfix)
{
	char data_name[TDSHM_FULL_NAME_CAP], lock_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_name_data(user_name, postfix, data_name, sizeof(data_name), &err) != TDSHM_OK ||
	    tdshm_name_data_lock(user_name, lock_name, sizeof(lock_name), &err) != TDSHM_OK)
		return tool_report_error("info", "bad name", &err);
	info_print_lock("data lock", lock_name);
	tdshm_shm *data;
	if (tdshm_shm_open(data_name, &data, &err) != TDSHM_OK) {
		printf("data segment %s: not there (%s)\n", data_name, err.message);
		return TOOL_EXIT_RUNTIME;
	}
	printf("data segment %s: %zu bytes mapped\n", data_name, tdshm_shm_size(data));
	tdshm_lock *lock = NULL;
	bool locked = tdshm_lock_open(lock_name, &lock, &err) == TDSHM_OK &&
		      tdshm_lock_acquire(lock, INFO_LOCK_TIMEOUT_MS, &err) == TDSHM_OK;
	if (!locked)
		printf("             (data lock not taken: %s; header read unlocked)\n",
		       err.message);
	const uint8_t *bytes = tdshm_shm_bytes(data);
	size_t size = tdshm_shm_size(data);
	tdshm_top_image img;
	tdshm_chop_block block;
	tdshm_error top_err, chop_err;
	tdshm_error_clear(&top_err);
	tdshm_error_clear(&chop_err);
	if (tdshm_top_parse(bytes, size, &img, &top_err) == TDSHM_OK)
		info_print_top(&img);
	else if (tdshm_chop_parse(bytes, size, &block, &chop_err) == TDSHM_OK)
		info_print_chop(bytes, &block);
	else
		printf("header       not a valid TOP or CHOP header: as TOP: %s; as CHOP: %s\n",
		       top_err.message, chop_err.message);
	if (locked)
		tdshm_lock_release(lock);
	if (lock)
		tdshm_lock_close(lock);
	tdshm_shm_close(data);
	return TOOL_EXIT_OK;
}

int tool_cmd_info(int argc, char **argv)
{
	tool_args args;
	tool_args_init(&args, "info", argc, argv);
	const char *name = NULL, *word;
	while (tool_args_next(&args, &word)) {
		if (word[0] == '-' && word[1] == '-')
			return tool_usage_error(&args, "unknown option '%s'", word);
		if (name)
			return tool_usage_error(&args, "one NAME only");
		name = word;
	}
	if (!name)
		return tool_usage_error(&args, "give the Shared Mem Name to inspect");

	char info_name[TDSHM_FULL_NAME_CAP], info_lock_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_name_info(name, info_name, sizeof(info_name), &err) != TDSHM_OK ||
	    tdshm_name_info_lock(name, info_lock_name, sizeof(info_lock_name), &err) != TDSHM_OK)
		return tool_report_error("info", "bad name", &err);
	tdshm_shm *info_shm;
	tdshm_status status = tdshm_shm_open(info_name, &info_shm, &err);
	if (status == TDSHM_NOT_FOUND) {
		fprintf(stderr,
			"tdshm info: no sender named '%s' (its info segment %s does not exist)\n",
			name, info_name);
		return TOOL_EXIT_RUNTIME;
	}
	if (status != TDSHM_OK)
		return tool_report_error("info", "cannot open the info segment", &err);

	printf("name         %s\n", name);
	printf("info segment %s: %zu bytes mapped\n", info_name, tdshm_shm_size(info_shm));
	info_print_lock("info lock", info_lock_name);
	tdshm_info info;
	const uint8_t *bytes = tdshm_shm_bytes(info_shm);
	size_t size = tdshm_shm_size(info_shm);
	int code = TOOL_EXIT_OK;
	if (tdshm_info_read(bytes, size, tdshm_info_native_layout(), &info, &err) != TDSHM_OK) {
		printf("info block   unreadable: %s\n", err.message);
		code = TOOL_EXIT_RUNTIME;
	} else {
		printf("info block   magic 0x%08x, version %d, supported %s, detach %s, postfix "
		       "'%s'\n",
		       info.magic, (int)info.version, info.supported ? "yes" : "no",
		       info.detach ? "yes" : "no", info.postfix);
		tdshm_info_ext ext;
		if (tdshm_info_ext_read(bytes, size, &ext))
			printf("extension    sender pid %u (%s), frame serial %llu\n", ext.pid,
			       tdshm_process_alive(ext.pid) ? "alive" : "NOT RUNNING",
			       (unsigned long long)ext.frame_serial);
		else
			printf("extension    none (not a tdshm sender: TouchDesigner itself?)\n");
		code = info_print_data(name, info.postfix);
	}
	tdshm_shm_close(info_shm);
	return code;
}
