/* SPDX-License-Identifier: MIT */
/* Reading the configuration's values: each YAML scalar, list or mapping of headers into its
 * typed field, after ${ENV} expansion; secrets (secret fields, header values, a PostgreSQL
 * password) registered for redaction as they are read; errors at the value's position, and a
 * note of where each key was written for later errors and printing. */
#include "core/config.h"
#include "core/config_private.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"

nb_err nb_config_at(loader *ld, const yaml_node_t *node, nb_err code, const char *fmt, ...)
{
    char msg[NB_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nb_config_report_add(ld->report, "%s:%zu:%zu: %s", ld->file, node->start_mark.line + 1,
                         node->start_mark.column + 1, msg);
    return code;
}

const note *nb_config_find_note(const nb_config_notes *notes, const void *record, const char *key)
{
    for (size_t i = 0; notes && i < notes->count; i++)
        if (notes->notes[i].record == record && strcmp(notes->notes[i].key, key) == 0)
            return &notes->notes[i];
    return NULL;
}

nb_err nb_config_at_key(loader *ld, const void *record, const char *key, const char *fmt, ...)
{
    char msg[NB_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const note *n = nb_config_find_note(ld->notes, record, key);
    if (n)
        nb_config_report_add(ld->report, "%s:%d:%d: %s", ld->file, n->line, n->column, msg);
    else
        nb_config_report_add(ld->report, "%s: %s", ld->file, msg);
    return NB_ERR_CONFIG;
}

static void add_note(loader *ld, const void *record, const char *key, const yaml_node_t *value,
                     const char *written)
{
    nb_config_notes *n = ld->notes;
    n->notes = nb_xgrow(n->notes, &n->alloc, n->count + 1, sizeof *n->notes);
    n->notes[n->count++] =
        (note){record, key, (int)value->start_mark.line + 1, (int)value->start_mark.column + 1,
               written ? nb_xstrdup(written) : NULL};
}

void nb_config_fail(loader *ld, const void *record)
{
    nb_config_notes *n = ld->notes;
    n->failed = nb_xgrow(n->failed, &n->failed_alloc, n->failed_count + 1, sizeof *n->failed);
    n->failed[n->failed_count++] = record;
}

int nb_config_failed_in(const nb_config_notes *notes, const void *record)
{
    for (size_t i = 0; notes && i < notes->failed_count; i++)
        if (notes->failed[i] == record)
            return 1;
    return 0;
}

char *nb_config_home_path(const char *rest)
{
    const char *home = getenv("HOME");
    return nb_xasprintf("%s/%s", home && *home ? home : ".", rest);
}

/* A PostgreSQL connection string's password is a secret wherever it is shown (a URI's
 * user:password@ is masked anyway; a key=value string's password= is not). libpq parses
 * it as it will connect. */
static void register_database_password(const char *conninfo)
{
    char *parse_error = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &parse_error);
    PQfreemem(parse_error);
    if (!options)
        return;
    for (PQconninfoOption *o = options; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && o->val[0])
            nb_redact_add(o->val);
    PQconninfoFree(options);
}

/* Expands ${NAME} references; an unset NAME is an error. */
static nb_err expand_env(loader *ld, const yaml_node_t *node, char **out)
{
    const char *s = (const char *)node->data.scalar.value;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_CONFIG_BYTES);
    nb_err rc = NB_OK;
    while (*s && rc == NB_OK) {
        const char *open = strstr(s, "${");
        if (!open) {
            rc = nb_buf_puts(&b, s);
            break;
        }
        rc = nb_buf_append(&b, s, (size_t)(open - s));
        const char *close = strchr(open + 2, '}');
        if (!close) {
            rc = nb_config_at(ld, node, NB_ERR_CONFIG, "unterminated \"${\" in value");
            break;
        }
        char name[256];
        size_t len = (size_t)(close - open - 2);
        if (len == 0 || len >= sizeof name) {
            rc = nb_config_at(ld, node, NB_ERR_CONFIG, "bad environment variable name in value");
            break;
        }
        memcpy(name, open + 2, len);
        name[len] = '\0';
        const char *value = getenv(name);
        if (!value) {
            rc = nb_config_at(ld, node, NB_ERR_CONFIG, "environment variable %s is not set", name);
            break;
        }
        if (rc == NB_OK)
            rc = nb_buf_puts(&b, value);
        s = close + 1;
    }
    if (rc == NB_ERR_LIMIT)
        rc = nb_config_at(ld, node, NB_ERR_CONFIG, "value too long");
    if (rc) {
        nb_buf_free(&b);
        return rc;
    }
    *out = nb_buf_take(&b);
    return NB_OK;
}

void nb_config_free_lines(char **lines)
{
    if (!lines)
        return;
    for (char **line = lines; *line; line++)
        free(*line);
    free(lines);
}

/* Stores a list read for f into record, or frees it when reading it failed (rc). lines is
 * NULL-terminated: what was read before a failure, then NULLs. */
static nb_err put_lines(const field *f, void *record, char **lines, nb_err rc)
{
    if (rc) {
        nb_config_free_lines(lines);
        return rc;
    }
    char ***slot = (char ***)((char *)record + f->offset);
    nb_config_free_lines(*slot); /* a key given twice: the later value replaces the earlier */
    *slot = lines;
    return NB_OK;
}

static nb_err set_headers(loader *ld, const field *f, void *record, const yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE)
        return nb_config_at(ld, map, NB_ERR_CONFIG,
                            "%s: expected a mapping of header names to values", f->key);
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    char **lines = nb_xcalloc(n + 1, sizeof *lines);
    nb_err rc = NB_OK;
    size_t i = 0;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top && !rc; pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        const char *name =
            key->type == YAML_SCALAR_NODE ? (const char *)key->data.scalar.value : "";
        if (!*name || strcspn(name, ": \r\n") != strlen(name) || value->type != YAML_SCALAR_NODE) {
            rc = nb_config_at(ld, key, NB_ERR_CONFIG,
                              "%s: each entry is a header name and a text value", f->key);
            break;
        }
        char *text;
        rc = expand_env(ld, value, &text);
        if (rc)
            break;
        if (strpbrk(text, "\r\n")) {
            rc = nb_config_at(ld, value, NB_ERR_CONFIG, "%s.%s: a header value cannot span lines",
                              f->key, name);
            free(text);
            break;
        }
        nb_redact_add(text);
        lines[i++] = nb_xasprintf("%s: %s", name, text);
        free(text);
    }
    return put_lines(f, record, lines, rc);
}

/* A list of texts: a YAML sequence, or one scalar. */
static nb_err set_list(loader *ld, const field *f, void *record, const yaml_node_t *value)
{
    size_t n = value->type == YAML_SEQUENCE_NODE
                   ? (size_t)(value->data.sequence.items.top - value->data.sequence.items.start)
                   : 1;
    if (value->type == YAML_MAPPING_NODE)
        return nb_config_at(ld, value, NB_ERR_CONFIG, "%s: expected a list of texts", f->key);
    char **list = nb_xcalloc(n + 1, sizeof *list);
    nb_err rc = NB_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const yaml_node_t *item =
            value->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(&ld->doc, value->data.sequence.items.start[i])
                : value;
        if (item->type != YAML_SCALAR_NODE)
            rc = nb_config_at(ld, item, NB_ERR_CONFIG, "%s: expected a list of texts", f->key);
        else
            rc = expand_env(ld, item, &list[i]);
    }
    return put_lines(f, record, list, rc);
}

static nb_err set_field(loader *ld, const field *f, void *record, const yaml_node_t *value)
{
    if (f->kind == FIELD_HEADERS || f->kind == FIELD_LIST) {
        nb_err rc = f->kind == FIELD_HEADERS ? set_headers(ld, f, record, value)
                                             : set_list(ld, f, record, value);
        if (!rc)
            add_note(ld, record, f->key, value, NULL);
        return rc;
    }
    if (value->type != YAML_SCALAR_NODE)
        return nb_config_at(ld, value, NB_ERR_CONFIG, "%s: expected a single value, got a %s",
                            f->key, value->type == YAML_MAPPING_NODE ? "mapping" : "list");
    char *text;
    nb_err rc = expand_env(ld, value, &text);
    if (rc)
        return rc;
    char *slot_str = NULL;
    int64_t number = 0;
    double real = 0;
    nb_errbuf inner;
    switch (f->kind) {
    case FIELD_STRING:
        slot_str = text;
        text = NULL;
        break;
    case FIELD_PATH:
        if (!strcmp(f->key, "database") && nb_database_is_postgres(text)) {
            slot_str = nb_xstrdup(text); /* a connection string, not a path */
            register_database_password(text);
        } else if (text[0] == '~' && (text[1] == '/' || text[1] == '\0'))
            slot_str = nb_config_home_path(text[1] ? text + 2 : "");
        else if (text[0] != '/' && text[0] && ld->base_dir)
            slot_str = nb_xasprintf("%s/%s", ld->base_dir,
                                    text[0] == '.' && text[1] == '/' ? text + 2 : text);
        else
            slot_str = nb_xstrdup(text);
        break;
    case FIELD_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end || v < f->min || v > f->max) {
            rc = nb_config_at(ld, value, NB_ERR_CONFIG,
                              "%s: expected an integer from %lld to %lld, got \"%s\"", f->key,
                              (long long)f->min, (long long)f->max, text);
            break;
        }
        number = v;
        break;
    }
    case FIELD_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on"))
            number = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off"))
            number = 0;
        else
            rc = nb_config_at(ld, value, NB_ERR_CONFIG, "%s: expected true or false, got \"%s\"",
                              f->key, text);
        break;
    case FIELD_DURATION:
        if (nb_duration_parse(text, &number, &inner) != NB_OK)
            rc = nb_config_at(ld, value, NB_ERR_CONFIG,
                              "%s: expected a duration such as 24h, got \"%s\"", f->key, text);
        break;
    case FIELD_NUMBER: {
        char *end;
        errno = 0;
        real = strtod(text, &end);
        if (errno || end == text || *end || real < (double)f->min || real > (double)f->max)
            rc = nb_config_at(ld, value, NB_ERR_CONFIG,
                              "%s: expected a number from %lld to %lld, got \"%s\"", f->key,
                              (long long)f->min, (long long)f->max, text);
        break;
    }
    case FIELD_HEADERS:
    case FIELD_LIST:
        break; /* handled by set_headers and set_list */
    }
    if (!rc)
        add_note(ld, record, f->key, value, f->kind == FIELD_DURATION ? text : NULL);
    free(text);
    if (rc) {
        free(slot_str);
        return rc;
    }
    char *slot = (char *)record + f->offset;
    if (f->kind == FIELD_STRING || f->kind == FIELD_PATH) {
        free(*(char **)slot);
        *(char **)slot = slot_str;
        if (f->flags & FIELD_SECRET)
            nb_redact_add(slot_str);
    } else if (f->kind == FIELD_BOOL) {
        *(int *)slot = (int)number;
    } else if (f->kind == FIELD_NUMBER) {
        memcpy(slot, &real, sizeof real);
    } else {
        *(int64_t *)slot = number;
    }
    return NB_OK;
}

nb_err nb_config_load_mapping(loader *ld, const char *section, const yaml_node_t *map,
                              const field *fields, void *record)
{
    nb_err rc = NB_OK;
    if (map->type != YAML_MAPPING_NODE)
        rc = nb_config_at(ld, map, NB_ERR_CONFIG, "%s: expected a mapping of keys to values",
                          section);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         !rc && pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE) {
            nb_config_at(ld, key, NB_ERR_CONFIG, "%s: keys must be plain names", section);
            nb_config_fail(ld, record);
            continue;
        }
        const char *name = (const char *)key->data.scalar.value;
        const field *f = fields;
        while (f->key && strcmp(f->key, name) != 0)
            f++;
        if (!f->key)
            nb_config_at(ld, key, NB_ERR_CONFIG, "%s: unknown key \"%s\"", section, name);
        if (!f->key || set_field(ld, f, record, value) != NB_OK)
            nb_config_fail(ld, record);
    }
    if (rc)
        nb_config_fail(ld, record);
    return rc;
}

const yaml_node_t *nb_config_value_of(loader *ld, const yaml_node_t *map, const char *name)
{
    if (map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        if (key->type == YAML_SCALAR_NODE && !strcmp((const char *)key->data.scalar.value, name))
            return yaml_document_get_node(&ld->doc, pair->value);
    }
    return NULL;
}

nb_err nb_config_read_file(const char *path, size_t limit, char **out, nb_errbuf *err)
{
    nb_buf b;
    nb_buf_init(&b, limit);
    if (nb_buf_read_file(&b, path, err) != NB_OK) {
        nb_buf_free(&b);
        return NB_ERR_CONFIG;
    }
    *out = nb_buf_take(&b);
    return NB_OK;
}
