/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Recursive-descent JSON reader (see manifest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"
#include "test_support.h"

/* Nesting bound: the manifest is four levels deep; a hostile file cannot
 * recurse the reader off its stack. */
#define JSON_MAX_DEPTH 64

typedef struct json_reader {
	const char *text;
	size_t length;
	size_t at;
} json_reader;

static void skip_space(json_reader *r)
{
	while (r->at < r->length && (r->text[r->at] == ' ' || r->text[r->at] == '\t' ||
				     r->text[r->at] == '\n' || r->text[r->at] == '\r'))
		r->at++;
}

static bool consume(json_reader *r, char c)
{
	skip_space(r);
	if (r->at < r->length && r->text[r->at] == c) {
		r->at++;
		return true;
	}
	return false;
}

static bool consume_word(json_reader *r, const char *word)
{
	size_t n = strlen(word);
	if (r->length - r->at >= n && memcmp(r->text + r->at, word, n) == 0) {
		r->at += n;
		return true;
	}
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the UTF-8 encoding of a basic-plane code point. */
static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

static char *parse_string(json_reader *r)
{
	if (!consume(r, '"'))
		return NULL;
	/* The decoded string is never longer than its source text. */
	char *out = malloc(r->length - r->at + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	while (r->at < r->length) {
		char c = r->text[r->at++];
		if (c == '"') {
			out[n] = '\0';
			return out;
		}
		if ((unsigned char)c < 0x20)
			break;
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (r->at >= r->length)
			break;
		char e = r->text[r->at++];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e != '\0' && simple) {
			static const char decoded[] = "\"\\/\b\f\n\r\t";
			out[n++] = decoded[simple - "\"\\/bfnrt"];
			continue;
		}
		if (e != 'u' || r->length - r->at < 4)
			break;
		unsigned cp = 0;
		bool ok = true;
		for (int i = 0; i < 4; i++) {
			int d = hex_digit(r->text[r->at++]);
			ok = ok && d >= 0;
			cp = cp * 16 + (unsigned)(d < 0 ? 0 : d);
		}
		if (!ok)
			break;
		n += put_utf8(out + n, cp);
	}
	free(out);
	return NULL;
}

static bool parse_value(json_reader *r, tdshm_json *out, int depth);

static bool append_item(tdshm_json *container, json_reader *r, int depth, char *key)
{
	tdshm_json *items = realloc(container->items, (container->count + 1) * sizeof(*items));
	if (!items)
		return false;
	container->items = items;
	if (container->type == TDSHM_JSON_OBJECT) {
		char **keys = realloc(container->keys, (container->count + 1) * sizeof(*keys));
		if (!keys)
			return false;
		container->keys = keys;
		keys[container->count] = key;
	}
	memset(&items[container->count], 0, sizeof(items[0]));
	container->count++;
	return parse_value(r, &items[container->count - 1], depth + 1);
}

static bool parse_container(json_reader *r, tdshm_json *out, int depth, char close)
{
	if (consume(r, close))
		return true;
	do {
		char *key = NULL;
		if (out->type == TDSHM_JSON_OBJECT) {
			skip_space(r);
			key = parse_string(r);
			if (!key || !consume(r, ':')) {
				free(key);
				return false;
			}
		}
		if (!append_item(out, r, depth, key)) {
			if (out->type == TDSHM_JSON_OBJECT &&
			    (out->count == 0 || out->keys[out->count - 1] != key))
				free(key); /* not yet owned by the object */
			return false;
		}
	} while (consume(r, ','));
	return consume(r, close);
}

static bool parse_number(json_reader *r, tdshm_json *out)
{
	/* strtod needs a terminated string: copy the number's characters. */
	char buf[64];
	size_t n = 0;
	while (r->at < r->length && n + 1 < sizeof(buf) &&
	       strchr("+-0123456789.eE", r->text[r->at]) && r->text[r->at] != '\0')
		buf[n++] = r->text[r->at++];
	buf[n] = '\0';
	char *end = NULL;
	out->number = strtod(buf, &end);
	out->type = TDSHM_JSON_NUMBER;
	return n > 0 && end == buf + n;
}

static bool parse_value(json_reader *r, tdshm_json *out, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return false;
	skip_space(r);
	if (r->at >= r->length)
		return false;
	char c = r->text[r->at];
	if (c == '{') {
		r->at++;
		out->type = TDSHM_JSON_OBJECT;
		return parse_container(r, out, depth, '}');
	}
	if (c == '[') {
		r->at++;
		out->type = TDSHM_JSON_ARRAY;
		return parse_container(r, out, depth, ']');
	}
	if (c == '"') {
		out->type = TDSHM_JSON_STRING;
		out->string = parse_string(r);
		return out->string != NULL;
	}
	if (consume_word(r, "true")) {
		out->type = TDSHM_JSON_BOOL;
		out->boolean = true;
		return true;
	}
	if (consume_word(r, "false")) {
		out->type = TDSHM_JSON_BOOL;
		return true;
	}
	if (consume_word(r, "null")) {
		out->type = TDSHM_JSON_NULL;
		return true;
	}
	return parse_number(r, out);
}

static void free_contents(tdshm_json *value)
{
	for (size_t i = 0; i < value->count; i++) {
		free_contents(&value->items[i]);
		if (value->keys)
			free(value->keys[i]);
	}
	free(value->items);
	free(value->keys);
	free(value->string);
}

void tdshm_json_free(tdshm_json *value)
{
	if (value) {
		free_contents(value);
		free(value);
	}
}

tdshm_json *tdshm_json_parse(const char *text, size_t length, size_t *error_at)
{
	json_reader r = {text, length, 0};
	tdshm_json *root = calloc(1, sizeof(*root));
	if (!root)
		return NULL;
	bool ok = parse_value(&r, root, 0);
	skip_space(&r);
	if (!ok || r.at != length) {
		if (error_at)
			*error_at = r.at;
		tdshm_json_free(root);
		return NULL;
	}
	return root;
}

const tdshm_json *tdshm_json_get(const tdshm_json *object, const char *key)
{
	if (!object || object->type != TDSHM_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < object->count; i++) {
		if (strcmp(object->keys[i], key) == 0)
			return &object->items[i];
	}
	return NULL;
}

const tdshm_json *tdshm_json_at(const tdshm_json *array, size_t index)
{
	if (!array || array->type != TDSHM_JSON_ARRAY || index >= array->count)
		return NULL;
	return &array->items[index];
}

static const tdshm_json *typed(const tdshm_json *object, const char *key, tdshm_json_type type)
{
	const tdshm_json *v = tdshm_json_get(object, key);
	if (!v || v->type != type)
		fail_msg("manifest entry lacks \"%s\" of the expected type", key);
	return v;
}

const char *tdshm_json_string(const tdshm_json *object, const char *key)
{
	return typed(object, key, TDSHM_JSON_STRING)->string;
}

double tdshm_json_number(const tdshm_json *object, const char *key)
{
	return typed(object, key, TDSHM_JSON_NUMBER)->number;
}

bool tdshm_json_bool(const tdshm_json *object, const char *key)
{
	return typed(object, key, TDSHM_JSON_BOOL)->boolean;
}

const tdshm_json *tdshm_json_array(const tdshm_json *object, const char *key)
{
	return typed(object, key, TDSHM_JSON_ARRAY);
}

tdshm_json *tdshm_test_load_manifest(void)
{
	size_t size = 0;
	uint8_t *text = tdshm_test_read_vector("manifest.json", &size);
	if (!text)
		fail_msg("missing %s/manifest.json", tdshm_test_vectors_dir());
	size_t error_at = 0;
	tdshm_json *manifest = tdshm_json_parse((const char *)text, size, &error_at);
	free(text);
	if (!manifest)
		fail_msg("manifest.json is not valid JSON (near byte %zu)", error_at);
	if (manifest->type != TDSHM_JSON_ARRAY || manifest->count == 0)
		fail_msg("manifest.json is not a non-empty array of vectors");
	return manifest;
}
