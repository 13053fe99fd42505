/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small JSON reader for tests/vectors/manifest.json, so the suites
 * take every expected answer from the manifest at run time. It handles the
 * whole JSON grammar (objects, arrays, strings with escapes, numbers,
 * true/false/null) but keeps strings as UTF-8 with \u escapes of the basic
 * plane only, which is all the manifest needs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum tdshm_json_type {
	TDSHM_JSON_NULL,
	TDSHM_JSON_BOOL,
	TDSHM_JSON_NUMBER,
	TDSHM_JSON_STRING,
	TDSHM_JSON_ARRAY,
	TDSHM_JSON_OBJECT,
} tdshm_json_type;

typedef struct tdshm_json tdshm_json;
struct tdshm_json {
	tdshm_json_type type;
	bool boolean;
	double number;
	char *string;      /* STRING */
	size_t count;      /* ARRAY / OBJECT */
	tdshm_json *items; /* ARRAY elements / OBJECT values */
	char **keys;       /* OBJECT keys, parallel to items */
};

/* Parses text[0..length); NULL on a syntax error (with the byte offset in
 * *error_at when given). Free with tdshm_json_free. */
tdshm_json *tdshm_json_parse(const char *text, size_t length, size_t *error_at);
void tdshm_json_free(tdshm_json *value);

/* NULL when value is not an object/array or has no such key/index. */
const tdshm_json *tdshm_json_get(const tdshm_json *object, const char *key);
const tdshm_json *tdshm_json_at(const tdshm_json *array, size_t index);

/* Typed lookups for the manifest: fail the calling test (cmocka) when the
 * key is missing or of another type, since a manifest without the field is
 * a broken vector set, not a reason to skip a check. */
const char *tdshm_json_string(const tdshm_json *object, const char *key);
double tdshm_json_number(const tdshm_json *object, const char *key);
bool tdshm_json_bool(const tdshm_json *object, const char *key);
const tdshm_json *tdshm_json_array(const tdshm_json *object, const char *key);

/* Loads <vectors>/manifest.json; fails the test if missing or malformed. */
tdshm_json *tdshm_test_load_manifest(void);
