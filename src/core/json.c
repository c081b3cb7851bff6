/* SPDX-License-Identifier: MIT */
/* jansson helpers: capped parsing, field access whose errors carry the field path, and the
 * one JSON form of a time. */
#include "core/json.h"

#include <stdlib.h>

#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"

nb_err nb_json_parse(const char *data, size_t len, json_t **out, nb_errbuf *err)
{
    if (len > NB_LIMIT_JSON_BYTES)
        return nb_errf(err, NB_ERR_LIMIT, "JSON document of %zu bytes exceeds the %u byte cap", len,
                       NB_LIMIT_JSON_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return nb_errf(err, NB_ERR_PARSE, "not JSON: %s at line %d column %d", jerr.text, jerr.line,
                       jerr.column);
    *out = root;
    return NB_OK;
}

const char *nb_json_type_name(const json_t *v)
{
    if (!v)
        return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static nb_err member(json_t *obj, const char *path, const char *key, json_type want, int optional,
                     json_t **out, nb_errbuf *err)
{
    const char *dot = path && *path ? "." : "";
    if (!json_is_object(obj))
        return nb_errf(err, NB_ERR_SCHEMA, "%s: expected object, got %s", path ? path : "",
                       nb_json_type_name(obj));
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (optional) {
            *out = NULL;
            return NB_OK;
        }
        return nb_errf(err, NB_ERR_SCHEMA, "%s%s%s: missing", path ? path : "", dot, key);
    }
    if (json_typeof(v) != want) {
        const char *want_name = want == JSON_OBJECT   ? "object"
                                : want == JSON_ARRAY  ? "array"
                                : want == JSON_STRING ? "string"
                                                      : "integer";
        return nb_errf(err, NB_ERR_SCHEMA, "%s%s%s: expected %s, got %s", path ? path : "", dot,
                       key, want_name, nb_json_type_name(v));
    }
    *out = v;
    return NB_OK;
}

nb_err nb_json_get_string(json_t *obj, const char *path, const char *key, const char **out,
                          nb_errbuf *err)
{
    json_t *v;
    nb_err rc = member(obj, path, key, JSON_STRING, 0, &v, err);
    if (rc == NB_OK)
        *out = json_string_value(v);
    return rc;
}

nb_err nb_json_get_string_opt(json_t *obj, const char *path, const char *key, const char **out,
                              nb_errbuf *err)
{
    json_t *v;
    nb_err rc = member(obj, path, key, JSON_STRING, 1, &v, err);
    if (rc == NB_OK && v)
        *out = json_string_value(v);
    return rc;
}

nb_err nb_json_get_int(json_t *obj, const char *path, const char *key, int64_t *out, nb_errbuf *err)
{
    json_t *v;
    nb_err rc = member(obj, path, key, JSON_INTEGER, 0, &v, err);
    if (rc == NB_OK)
        *out = (int64_t)json_integer_value(v);
    return rc;
}

nb_err nb_json_get_object(json_t *obj, const char *path, const char *key, json_t **out,
                          nb_errbuf *err)
{
    return member(obj, path, key, JSON_OBJECT, 0, out, err);
}

nb_err nb_json_get_array(json_t *obj, const char *path, const char *key, json_t **out,
                         nb_errbuf *err)
{
    return member(obj, path, key, JSON_ARRAY, 0, out, err);
}

char *nb_json_dump(const json_t *value)
{
    char *s = json_dumps(value, JSON_COMPACT);
    if (!s)
        return nb_xstrdup("null");
    char *copy = nb_xstrdup(s);
    free(s);
    return copy;
}

json_t *nb_json_time(int64_t t)
{
    if (t <= 0)
        return json_null();
    char iso[32];
    nb_time_format_iso(t, iso, sizeof iso);
    return json_string(iso);
}
