/* SPDX-License-Identifier: MIT */
/* JSON through jansson, with a size cap and typed getters whose errors name the field path
 * ("data.list[3].createTime: expected string, got integer"). */
#ifndef NB_CORE_JSON_H
#define NB_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Parses len bytes (at most NB_LIMIT_JSON_BYTES) into *out (caller json_decref's). */
nb_err nb_json_parse(const char *data, size_t len, json_t **out, nb_errbuf *err) NB_MUST_CHECK;

/* Typed member access. path names obj in messages ("data.list[3]"). The returned string
 * is borrowed from obj. Missing or null members are errors unless the _opt form is used,
 * which leaves *out untouched and returns NB_OK. */
nb_err nb_json_get_string(json_t *obj, const char *path, const char *key, const char **out,
                          nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_json_get_string_opt(json_t *obj, const char *path, const char *key, const char **out,
                              nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_json_get_int(json_t *obj, const char *path, const char *key, int64_t *out,
                       nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_json_get_object(json_t *obj, const char *path, const char *key, json_t **out,
                          nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_json_get_array(json_t *obj, const char *path, const char *key, json_t **out,
                         nb_errbuf *err) NB_MUST_CHECK;

/* "object", "string", ... for messages. */
const char *nb_json_type_name(const json_t *value);

/* A UTC time as RFC 3339 text ("2025-04-07T09:46:00Z"), or null when t <= 0 (unknown). */
json_t *nb_json_time(int64_t t);

/* Serializes compactly with UTF-8 kept as is; caller frees. */
char *nb_json_dump(const json_t *value);

#endif
