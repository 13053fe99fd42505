/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "tdshm/platform.h"

uint8_t *tdshm_test_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *data = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (used == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *grown = realloc(data, cap);
			if (!grown) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = grown;
		}
		size_t n = fread(data + used, 1, cap - used, f);
		used += n;
		if (n == 0)
			break;
	}
	fclose(f);
	/* Hand back a block of exactly the file's size, so that under ASan a
	 * parser reading one byte past the vector is caught (the read buffer
	 * above has slack). */
	uint8_t *exact = malloc(used ? used : 1);
	if (!exact) {
		free(data);
		return NULL;
	}
	memcpy(exact, data, used);
	free(data);
	*size = used;
	return exact;
}

const char *tdshm_test_vectors_dir(void)
{
	const char *env = getenv("TDSHM_VECTORS_DIR");
	return env && env[0] ? env : TDSHM_VECTORS_DIR;
}

uint8_t *tdshm_test_read_vector(const char *file, size_t *size)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tdshm_test_vectors_dir(), file);
	return tdshm_test_read_file(path, size);
}

void tdshm_test_unique_name(char *out, size_t cap, const char *stem)
{
	static unsigned counter;
	snprintf(out, cap, "%s-%u-%u", stem, (unsigned)tdshm_process_id(), counter++);
}

const char *tdshm_test_tool_path(void)
{
	const char *env = getenv("TDSHM_TOOL");
	return env && env[0] ? env : TDSHM_TOOL_PATH;
}
