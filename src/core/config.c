/* SPDX-License-Identifier: MIT */
/* Config loader: libyaml's document API gives a node tree with positions; a schema table
 * per section (config_schema.c, which also prints the effective configuration) maps each key
 * to a typed field of the nb_config records. Every value is checked before use, so the rest
 * of the program trusts nb_config. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "core/config.h"
#include "core/config_private.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"

typedef struct loader {
    const char *file;
    const char *base_dir; /* relative paths start here; NULL: left as written */
    yaml_document_t doc;
    const nb_config_vocab *vocab;
    nb_config_report *report;
    nb_config_notes *notes;
    const yaml_node_t *schedules; /* the schedules: mapping, checked once all is read */
    const yaml_node_t *retention; /* the retention: mapping, likewise */
} loader;

void nb_config_report_add(nb_config_report *r, const char *fmt, ...)
{
    if (r->count < NB_CONFIG_MAX_ERRORS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg[r->count++], sizeof r->msg[0], fmt, ap);
        va_end(ap);
    }
    r->total++;
}

static nb_err at(loader *ld, const yaml_node_t *node, nb_err code, const char *fmt, ...)
    NB_PRINTF(4, 5);

/* Records an error at node's position; returns code. */
static nb_err at(loader *ld, const yaml_node_t *node, nb_err code, const char *fmt, ...)
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

static nb_err at_key(loader *ld, const void *record, const char *key, const char *fmt, ...)
    NB_PRINTF(4, 5);

/* Records an error about record's key, at its value when it was written. */
static nb_err at_key(loader *ld, const void *record, const char *key, const char *fmt, ...)
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

static void fail(loader *ld, const void *record)
{
    nb_config_notes *n = ld->notes;
    n->failed = nb_xgrow(n->failed, &n->failed_alloc, n->failed_count + 1, sizeof *n->failed);
    n->failed[n->failed_count++] = record;
}

static int nb_config_failed_in(const nb_config_notes *notes, const void *record)
{
    for (size_t i = 0; notes && i < notes->failed_count; i++)
        if (notes->failed[i] == record)
            return 1;
    return 0;
}

int nb_config_failed(const nb_config *c, const void *record)
{
    return nb_config_failed_in(c->notes, record);
}

int nb_config_position(const nb_config *c, const void *record, const char *key, int *line,
                       int *column)
{
    const note *n = nb_config_find_note(c->notes, record, key);
    if (n) {
        *line = n->line;
        *column = n->column;
    }
    return n != NULL;
}

static char *home_path(const char *rest)
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
            rc = at(ld, node, NB_ERR_CONFIG, "unterminated \"${\" in value");
            break;
        }
        char name[256];
        size_t len = (size_t)(close - open - 2);
        if (len == 0 || len >= sizeof name) {
            rc = at(ld, node, NB_ERR_CONFIG, "bad environment variable name in value");
            break;
        }
        memcpy(name, open + 2, len);
        name[len] = '\0';
        const char *value = getenv(name);
        if (!value) {
            rc = at(ld, node, NB_ERR_CONFIG, "environment variable %s is not set", name);
            break;
        }
        if (rc == NB_OK)
            rc = nb_buf_puts(&b, value);
        s = close + 1;
    }
    if (rc == NB_ERR_LIMIT)
        rc = at(ld, node, NB_ERR_CONFIG, "value too long");
    if (rc) {
        nb_buf_free(&b);
        return rc;
    }
    *out = nb_buf_take(&b);
    return NB_OK;
}

/* A NULL-terminated list of texts and the list (NULL-safe). */
static void free_lines(char **lines)
{
    if (!lines)
        return;
    for (char **line = lines; *line; line++)
        free(*line);
    free(lines);
}

static nb_err set_headers(loader *ld, const field *f, void *record, const yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE)
        return at(ld, map, NB_ERR_CONFIG, "%s: expected a mapping of header names to values",
                  f->key);
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
            rc = at(ld, key, NB_ERR_CONFIG, "%s: each entry is a header name and a text value",
                    f->key);
            break;
        }
        char *text;
        rc = expand_env(ld, value, &text);
        if (rc)
            break;
        if (strpbrk(text, "\r\n")) {
            rc = at(ld, value, NB_ERR_CONFIG, "%s.%s: a header value cannot span lines", f->key,
                    name);
            free(text);
            break;
        }
        nb_redact_add(text);
        lines[i++] = nb_xasprintf("%s: %s", name, text);
        free(text);
    }
    char ***slot = (char ***)((char *)record + f->offset);
    if (rc) {
        for (size_t k = 0; k < i; k++)
            free(lines[k]);
        free(lines);
        return rc;
    }
    free_lines(*slot); /* a key given twice: the later value replaces the earlier */
    *slot = lines;
    return NB_OK;
}

/* A list of texts: a YAML sequence, or one scalar. */
static nb_err set_list(loader *ld, const field *f, void *record, const yaml_node_t *value)
{
    size_t n = value->type == YAML_SEQUENCE_NODE
                   ? (size_t)(value->data.sequence.items.top - value->data.sequence.items.start)
                   : 1;
    if (value->type == YAML_MAPPING_NODE)
        return at(ld, value, NB_ERR_CONFIG, "%s: expected a list of texts", f->key);
    char **list = nb_xcalloc(n + 1, sizeof *list);
    nb_err rc = NB_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const yaml_node_t *item =
            value->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(&ld->doc, value->data.sequence.items.start[i])
                : value;
        if (item->type != YAML_SCALAR_NODE)
            rc = at(ld, item, NB_ERR_CONFIG, "%s: expected a list of texts", f->key);
        else
            rc = expand_env(ld, item, &list[i]);
    }
    char ***slot = (char ***)((char *)record + f->offset);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return rc;
    }
    free_lines(*slot); /* a key given twice: the later value replaces the earlier */
    *slot = list;
    return NB_OK;
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
        return at(ld, value, NB_ERR_CONFIG, "%s: expected a single value, got a %s", f->key,
                  value->type == YAML_MAPPING_NODE ? "mapping" : "list");
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
            slot_str = home_path(text[1] ? text + 2 : "");
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
            rc = at(ld, value, NB_ERR_CONFIG,
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
            rc = at(ld, value, NB_ERR_CONFIG, "%s: expected true or false, got \"%s\"", f->key,
                    text);
        break;
    case FIELD_DURATION:
        if (nb_duration_parse(text, &number, &inner) != NB_OK)
            rc = at(ld, value, NB_ERR_CONFIG, "%s: expected a duration such as 24h, got \"%s\"",
                    f->key, text);
        break;
    case FIELD_NUMBER: {
        char *end;
        errno = 0;
        real = strtod(text, &end);
        if (errno || end == text || *end || real < (double)f->min || real > (double)f->max)
            rc = at(ld, value, NB_ERR_CONFIG, "%s: expected a number from %lld to %lld, got \"%s\"",
                    f->key, (long long)f->min, (long long)f->max, text);
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

/* Every key of the mapping into record; an error is recorded and the next key read. */
static nb_err load_mapping(loader *ld, const char *section, const yaml_node_t *map,
                           const field *fields, void *record)
{
    nb_err rc = NB_OK;
    if (map->type != YAML_MAPPING_NODE)
        rc = at(ld, map, NB_ERR_CONFIG, "%s: expected a mapping of keys to values", section);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         !rc && pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE) {
            at(ld, key, NB_ERR_CONFIG, "%s: keys must be plain names", section);
            fail(ld, record);
            continue;
        }
        const char *name = (const char *)key->data.scalar.value;
        const field *f = fields;
        while (f->key && strcmp(f->key, name) != 0)
            f++;
        if (!f->key)
            at(ld, key, NB_ERR_CONFIG, "%s: unknown key \"%s\"", section, name);
        if (!f->key || set_field(ld, f, record, value) != NB_OK)
            fail(ld, record);
    }
    if (rc)
        fail(ld, record);
    return rc;
}

/* The value of key in map, or NULL. */
static const yaml_node_t *value_of(loader *ld, const yaml_node_t *map, const char *name)
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

/* Keys that mean nothing for the record's type are errors naming the key and the type. */
static void check_keys(loader *ld, const char *section, const char *where, const char *type,
                       const yaml_node_t *map, const void *record)
{
    if (!ld->vocab->key_applies || map->type != YAML_MAPPING_NODE)
        return;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        if (key->type != YAML_SCALAR_NODE)
            continue;
        const char *name = (const char *)key->data.scalar.value;
        if (strcmp(name, "type") != 0 && nb_config_find_note(ld->notes, record, name) &&
            !ld->vocab->key_applies(section, type, name)) {
            at(ld, key, NB_ERR_CONFIG, "%s: \"%s\" does not apply to type %s", where, name, type);
            fail(ld, record);
        }
    }
}

static int in_vocab(const char *const *words, const char *word)
{
    if (!words)
        return 1;
    for (; *words; words++)
        if (strcmp(*words, word) == 0)
            return 1;
    return 0;
}

/* node: the record's name (its type's value is found under map). */
static nb_err check_type(loader *ld, const yaml_node_t *node, const yaml_node_t *map,
                         const char *section, const char *type, const char *const *words)
{
    if (!type)
        return at(ld, node, NB_ERR_CONFIG, "%s: \"type\" is required", section);
    const yaml_node_t *value = value_of(ld, map, "type");
    if (value)
        node = value;
    if (in_vocab(words, type))
        return NB_OK;
    nb_buf list;
    nb_buf_init(&list, NB_LIMIT_NAME_LIST_BYTES);
    for (const char *const *w = words; *w; w++)
        if (nb_buf_printf(&list, "%s%s", w == words ? "" : ", ", *w))
            break;
    nb_err rc = at(ld, node, NB_ERR_CONFIG, "%s: unknown type \"%s\" (known: %s)", section, type,
                   nb_buf_str(&list));
    nb_buf_free(&list);
    return rc;
}

/* sources: and channels: are mappings from a name to a record of the same schema. */
static nb_err load_named(loader *ld, const char *section, const yaml_node_t *map,
                         const field *fields, size_t record_size, size_t limit, void **records,
                         size_t *count)
{
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
        return NB_OK; /* "sources:" with nothing under it */
    if (map->type != YAML_MAPPING_NODE)
        return at(ld, map, NB_ERR_CONFIG, "%s: expected a mapping from names to settings", section);
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n > limit)
        return at(ld, map, NB_ERR_CONFIG, "%s: %zu entries exceed the cap of %zu", section, n,
                  limit);
    *records = nb_xcalloc(n ? n : 1, record_size);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0) {
            at(ld, key, NB_ERR_CONFIG, "%s: names must be plain text", section);
            continue;
        }
        const char *name = (const char *)key->data.scalar.value;
        int twice = 0;
        for (size_t i = 0; i < *count && !twice; i++)
            twice = !strcmp(*(char **)((char *)*records + i * record_size), name);
        if (twice) {
            at(ld, key, NB_ERR_CONFIG, "%s: \"%s\" is defined twice", section, name);
            continue;
        }
        char *record = (char *)*records + *count * record_size;
        /* Both record types start with name, then type; line and column are set below. */
        *(char **)record = nb_xstrdup(name);
        (*count)++;
        char where[300];
        snprintf(where, sizeof where, "%s.%s", section, name);
        if (fields == nb_config_source_fields) {
            nb_source_config *src = (nb_source_config *)record;
            src->enabled = 1;
            src->delay_ms = -1;
            src->line = (int)key->start_mark.line + 1;
            src->column = (int)key->start_mark.column + 1;
        } else {
            nb_channel_config *ch = (nb_channel_config *)record;
            ch->items_per_page = -1;
            ch->page_marker = 1;
            ch->retry_floor = -1;
            ch->max_attempts = 5;
            ch->per_minute = -1;
            ch->per_second = -1;
            ch->timeout = NB_LIMIT_TOTAL_TIMEOUT_MS / 1000;
            ch->starttls = 1;
            ch->only_new = 1;
            ch->max_items = -1;
            ch->line = (int)key->start_mark.line + 1;
            ch->column = (int)key->start_mark.column + 1;
        }
        nb_err rc = load_mapping(ld, where, value, fields, record);
        const char *type = *(char **)(record + sizeof(char *));
        if (rc || (!type && nb_config_failed_in(ld->notes, record)))
            continue; /* not a mapping, or its type had an error of its own */
        if (check_type(ld, key, value, where, type,
                       fields == nb_config_source_fields ? ld->vocab->source_types
                                                         : ld->vocab->channel_types) != NB_OK)
            fail(ld, record);
        else
            check_keys(ld, section, where, type, value, record);
    }
    return NB_OK;
}

/* schedules: a mapping from names to cron schedules. Names of channels and sources are
 * checked by check_schedules, once every section is read. */
static nb_err load_schedules(loader *ld, const yaml_node_t *map, nb_config *c)
{
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
        return NB_OK;
    if (map->type != YAML_MAPPING_NODE)
        return at(ld, map, NB_ERR_CONFIG, "schedules: expected a mapping from names to settings");
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n > NB_LIMIT_SCHEDULES)
        return at(ld, map, NB_ERR_CONFIG, "schedules: %zu entries exceed the cap of %d", n,
                  NB_LIMIT_SCHEDULES);
    ld->schedules = map;
    c->schedules = nb_xcalloc(n ? n : 1, sizeof *c->schedules);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0)
            return at(ld, key, NB_ERR_CONFIG, "schedules: names must be plain text");
        const char *name = (const char *)key->data.scalar.value;
        for (size_t i = 0; i < c->schedule_count; i++)
            if (strcmp(c->schedules[i].name, name) == 0)
                return at(ld, key, NB_ERR_CONFIG, "schedules: \"%s\" is defined twice", name);
        nb_schedule_config *s = &c->schedules[c->schedule_count++];
        s->name = nb_xstrdup(name);
        s->deliver = 1;
        s->catch_up = 3600;
        s->line = (int)key->start_mark.line + 1;
        s->column = (int)key->start_mark.column + 1;
        char where[300];
        snprintf(where, sizeof where, "schedules.%s", name);
        nb_err rc = load_mapping(ld, where, value, nb_config_schedule_fields, s);
        if (rc)
            return rc;
    }
    return NB_OK;
}

static nb_err load_retention(loader *ld, const yaml_node_t *map, nb_config *c)
{
    ld->retention = map;
    return load_mapping(ld, "retention", map, nb_config_retention_fields, &c->retention);
}

/* Each retention kept must outlast the window, or a briefing would lose its candidates'
 * text or ledger. */
static nb_err check_retention(loader *ld, const nb_config *c)
{
    for (const field *f = nb_config_retention_fields; f->key && ld->retention; f++) {
        int64_t v = *(const int64_t *)((const char *)&c->retention + f->offset);
        if (v > 0 && v < c->window)
            return at(ld, ld->retention, NB_ERR_CONFIG,
                      "retention.%s: %llds is shorter than newsbrief.window (%llds); use 0 to "
                      "keep everything",
                      f->key, (long long)v, (long long)c->window);
    }
    return NB_OK;
}

/* The value node of key in a mapping, or NULL. */
static const yaml_node_t *mapping_value(loader *ld, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(&ld->doc, pair->value);
    }
    return NULL;
}

/* Each name of a schedule's channels: or sources: list must be configured. */
static nb_err check_schedule_names(loader *ld, const char *where, const char *what,
                                   const yaml_node_t *list, const char *const *names,
                                   size_t name_count, size_t stride)
{
    size_t n = list->type == YAML_SEQUENCE_NODE
                   ? (size_t)(list->data.sequence.items.top - list->data.sequence.items.start)
                   : 1;
    if (n == 0)
        return at(ld, list, NB_ERR_CONFIG, "%s.%ss: an empty list (leave the key out for every %s)",
                  where, what, what);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *item =
            list->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(&ld->doc, list->data.sequence.items.start[i])
                : list;
        const char *name = (const char *)item->data.scalar.value;
        int known = 0;
        for (size_t k = 0; k < name_count && !known; k++)
            known = strcmp(*(const char *const *)((const char *)names + k * stride), name) == 0;
        if (known)
            continue;
        nb_buf all;
        nb_buf_init(&all, NB_LIMIT_NAME_LIST_BYTES);
        for (size_t k = 0; k < name_count; k++)
            if (nb_buf_printf(&all, "%s%s", k ? ", " : "",
                              *(const char *const *)((const char *)names + k * stride)))
                break;
        nb_err rc = at(ld, item, NB_ERR_CONFIG, "%s.%ss: unknown %s \"%s\" (configured: %s)", where,
                       what, what, name, name_count ? nb_buf_str(&all) : "none");
        nb_buf_free(&all);
        return rc;
    }
    return NB_OK;
}

static nb_err check_schedules(loader *ld, nb_config *c)
{
    if (!ld->schedules)
        return NB_OK;
    size_t i = 0;
    for (yaml_node_pair_t *pair = ld->schedules->data.mapping.pairs.start;
         pair < ld->schedules->data.mapping.pairs.top; pair++, i++) {
        const yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        const yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        nb_schedule_config *s = &c->schedules[i];
        char where[300];
        snprintf(where, sizeof where, "schedules.%s", s->name);
        const yaml_node_t *cron = mapping_value(ld, value, "cron");
        if (!cron || !s->cron)
            return at(ld, key, NB_ERR_CONFIG, "%s: \"cron\" is required", where);
        s->cron_line = (int)cron->start_mark.line + 1;
        s->cron_column = (int)cron->start_mark.column + 1;
        nb_errbuf inner;
        if (ld->vocab->check_cron && ld->vocab->check_cron(s->cron, &inner) != NB_OK)
            return at(ld, cron, NB_ERR_CONFIG, "%s.cron: %s", where, inner.msg);
        const yaml_node_t *list = mapping_value(ld, value, "channels");
        nb_err rc = list ? check_schedule_names(ld, where, "channel", list,
                                                (const char *const *)c->channels, c->channel_count,
                                                sizeof *c->channels)
                         : NB_OK;
        list = mapping_value(ld, value, "sources");
        if (!rc && list)
            rc = check_schedule_names(ld, where, "source", list, (const char *const *)c->sources,
                                      c->source_count, sizeof *c->sources);
        if (rc)
            return rc;
    }
    return NB_OK;
}

static void set_defaults(nb_config *c)
{
    c->database = home_path(".local/share/newsbrief/newsbrief.db");
    c->timezone = nb_xstrdup("Asia/Shanghai");
    c->title = nb_xstrdup("新闻简报");
    c->language = nb_xstrdup("zh");
    c->related_prefix = nb_xstrdup("相关报道：");
    c->items_per_page = 10;
    c->window = 24 * 3600;
    c->max_items = 30;
    c->lock_timeout = 600;
    c->failures_before_backoff = 5;
    c->max_connections = 64;
    c->max_connections_per_host = 2;
    c->max_wait_in_run = 30;
    c->shutdown_timeout = 20;
    c->workers = -1; /* unset: on with PostgreSQL */
    c->job_lease = 60;
    c->job_max_attempts = 5;
    c->retention.article_text = 30 * 86400;
    c->retention.items = 365 * 86400;
    c->retention.briefings = 365 * 86400;
    nb_summarizer_config *z = &c->summarizer;
    z->type = nb_xstrdup("extractive");
    z->temperature = 0.3;
    z->max_tokens = 512;
    z->concurrency = 8;
    z->rpm = 0;
    z->timeout = 60;
    z->max_retries = 2;
    z->min_chars = 100;
    z->max_chars = 200;
    z->max_input_tokens = 3000;
    z->confirm_stories = 1;
}

static void set_web_defaults(nb_web_config *w)
{
    w->threads = 4;
    w->max_connections = 1024;
    w->max_connections_per_ip = 64;
    w->idle_timeout = 30;
    w->cache_mb = 64;
    w->heartbeat_max_age = 600;
}

/* "ADDR:PORT" with a numeric port; IPv6 addresses in brackets. */
static int valid_listen(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1] || strlen(colon + 1) > 5 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || strtol(colon + 1, NULL, 10) > 65535)
        return 0;
    if (listen[0] == '[')
        return colon[-1] == ']' && colon - listen > 2;
    return memchr(listen, ':', (size_t)(colon - listen)) == NULL;
}

/* The web: section: its keys, then the values that need more than a type. */
static nb_err load_web(loader *ld, const yaml_node_t *map, nb_web_config *w)
{
    nb_err rc = load_mapping(ld, "web", map, nb_config_web_fields, w);
    if (rc)
        return rc;
    if (w->listen && !valid_listen(w->listen))
        return at(ld, map, NB_ERR_CONFIG,
                  "web.listen: expected ADDRESS:PORT such as 127.0.0.1:8080, got \"%s\"",
                  w->listen);
    if (w->base_url) {
        size_t len = strlen(w->base_url);
        if ((strncmp(w->base_url, "http://", 7) != 0 && strncmp(w->base_url, "https://", 8) != 0) ||
            strpbrk(w->base_url, " \t\r\n\"<>?#"))
            return at(ld, map, NB_ERR_CONFIG,
                      "web.base_url: expected an http:// or https:// URL without query, got \"%s\"",
                      w->base_url);
        while (len > 0 && w->base_url[len - 1] == '/')
            w->base_url[--len] = '\0';
    }
    if (w->token && strlen(w->token) < 16)
        return at(ld, map, NB_ERR_CONFIG, "web.token: use at least 16 characters");
    if (w->token && strpbrk(w->token, " \t\r\n&=#%+?\"'"))
        return at(ld, map, NB_ERR_CONFIG,
                  "web.token: letters, digits and -._~ only (it travels in URLs)");
    return NB_OK;
}

/* Reads a whole text file of at most limit bytes; every failure is a configuration error. */
static nb_err read_text_file(const char *path, size_t limit, char **out, nb_errbuf *err)
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

/* A prompt given inline or as a file: the file's text replaces the inline slot. */
static void load_prompt(loader *ld, nb_summarizer_config *z, const char *name, char **inline_text,
                        const char *file)
{
    char key[32];
    snprintf(key, sizeof key, "%s_file", name);
    if (!file)
        return;
    if (*inline_text) {
        at_key(ld, z, key, "summarizer: give %s or %s, not both", name, key);
        return;
    }
    nb_errbuf err;
    if (read_text_file(file, NB_LIMIT_CONFIG_BYTES, inline_text, &err) != NB_OK)
        at_key(ld, z, key, "summarizer.%s: %s", key, err.msg);
}

/* Checks across the summarizer's keys, each error at the key it is about. */
static void check_summarizer(loader *ld, nb_summarizer_config *z)
{
    if (z->min_chars >= z->max_chars)
        at_key(ld, z, nb_config_find_note(ld->notes, z, "min_chars") ? "min_chars" : "max_chars",
               "summarizer: min_chars (%lld) must be below max_chars (%lld)",
               (long long)z->min_chars, (long long)z->max_chars);
    if (strcmp(z->language, "zh") != 0 && strcmp(z->language, "en") != 0)
        at_key(ld, z, "language", "summarizer.language: \"%s\" is not zh or en", z->language);
    if (strcmp(z->type, "llm") == 0 && (!z->api_base || !z->model))
        at_key(ld, z, "type", "summarizer: type llm needs api_base and model (see docs/LLM.md)");
    load_prompt(ld, z, "system_prompt", &z->system_prompt, z->system_prompt_file);
    load_prompt(ld, z, "user_prompt", &z->user_prompt, z->user_prompt_file);
}

/* Reads every section; errors are recorded and reading goes on, so that one pass reports
 * them all. */
static void load_root(loader *ld, nb_config *c)
{
    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    if (!root) {
        nb_config_report_add(ld->report, "%s: the file is empty", ld->file);
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        at(ld, root, NB_ERR_CONFIG,
           "expected a mapping with newsbrief, sources, summarizer, channels");
        return;
    }
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        const char *name =
            key->type == YAML_SCALAR_NODE ? (const char *)key->data.scalar.value : "";
        int twice = 0;
        for (yaml_node_pair_t *prev = root->data.mapping.pairs.start; prev < pair && !twice;
             prev++) {
            yaml_node_t *seen = yaml_document_get_node(&ld->doc, prev->key);
            twice = seen->type == YAML_SCALAR_NODE &&
                    !strcmp((const char *)seen->data.scalar.value, name);
        }
        if (twice)
            at(ld, key, NB_ERR_CONFIG, "section \"%s\" appears twice", name);
        else if (!strcmp(name, "newsbrief"))
            (void)load_mapping(ld, "newsbrief", value, nb_config_general_fields, c);
        else if (!strcmp(name, "sources"))
            (void)load_named(ld, "sources", value, nb_config_source_fields,
                             sizeof(nb_source_config), NB_LIMIT_SOURCES, (void **)&c->sources,
                             &c->source_count);
        else if (!strcmp(name, "summarizer")) {
            if (load_mapping(ld, "summarizer", value, nb_config_summarizer_fields,
                             &c->summarizer) == NB_OK &&
                check_type(ld, value, value, "summarizer", c->summarizer.type,
                           ld->vocab->summarizer_types) != NB_OK)
                fail(ld, &c->summarizer);
        } else if (!strcmp(name, "web"))
            (void)load_web(ld, value, &c->web);
        else if (!strcmp(name, "channels"))
            (void)load_named(ld, "channels", value, nb_config_channel_fields,
                             sizeof(nb_channel_config), NB_LIMIT_CHANNELS, (void **)&c->channels,
                             &c->channel_count);
        else if (!strcmp(name, "schedules"))
            (void)load_schedules(ld, value, c);
        else if (!strcmp(name, "retention"))
            (void)load_retention(ld, value, c);
        else if (!strcmp(name, "mcp"))
            (void)load_mapping(ld, "mcp", value, nb_config_mcp_fields, &c->mcp);
        else
            at(ld, key, NB_ERR_CONFIG,
               "unknown section \"%s\" (known: newsbrief, sources, summarizer, channels, "
               "schedules, retention, web, mcp)",
               name);
    }
    if (!c->database[0])
        at_key(ld, c, "database", "newsbrief.database is empty");
    if (strcmp(c->language, "zh") != 0 && strcmp(c->language, "en") != 0)
        at_key(ld, c, "language", "newsbrief.language: \"%s\" is not zh or en", c->language);
    /* the header and the summaries follow the briefing's language unless set */
    if (!c->header)
        c->header = nb_xstrdup(strcmp(c->language, "en") ? "{title} (更新时间: {time})"
                                                         : "{title} (Updated: {time})");
    if (!c->summarizer.language)
        c->summarizer.language = nb_xstrdup(c->language);
    if (c->workers < 0) /* several daemons share a PostgreSQL database, rarely a file */
        c->workers = nb_database_is_postgres(c->database);
    if (c->job_lease < 1)
        at_key(ld, c, "job_lease", "newsbrief.job_lease: at least 1s");
    (void)check_schedules(ld, c);
    (void)check_retention(ld, c);
    if (!nb_config_failed_in(ld->notes, &c->summarizer))
        check_summarizer(ld, &c->summarizer);
}

static nb_err parse_in(const char *name, const char *base_dir, const char *text, size_t len,
                       const nb_config_vocab *vocab, nb_config **out, nb_config_report *report)
{
    static const nb_config_vocab open_vocab = {0};
    loader ld = {
        .file = name, .base_dir = base_dir, .vocab = vocab ? vocab : &open_vocab, .report = report};
    *out = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        nb_config_report_add(report, "libyaml initialization failed");
        return NB_ERR_INTERNAL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &ld.doc)) {
        nb_config_report_add(report, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
                             parser.problem_mark.column + 1,
                             parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return NB_ERR_CONFIG;
    }
    nb_config *c = nb_xcalloc(1, sizeof *c);
    c->path = nb_xstrdup(name);
    c->vocab = *ld.vocab;
    c->notes = nb_xcalloc(1, sizeof *c->notes);
    ld.notes = c->notes;
    set_defaults(c);
    set_web_defaults(&c->web);
    load_root(&ld, c);
    yaml_document_delete(&ld.doc);
    yaml_parser_delete(&parser);
    *out = c;
    return report->total ? NB_ERR_CONFIG : NB_OK;
}

/* The first error of report in err, noting how many more there are. */
static nb_err first_error(nb_err rc, nb_config **out, const nb_config_report *r, nb_errbuf *err)
{
    if (!rc)
        return NB_OK;
    nb_config_free(*out);
    *out = NULL;
    if (r->total > 1)
        return nb_errf(err, rc, "%s (and %zu more error%s)", r->msg[0], r->total - 1,
                       r->total > 2 ? "s" : "");
    return nb_errf(err, rc, "%s", r->count ? r->msg[0] : "invalid configuration");
}

nb_err nb_config_parse_report(const char *name, const char *text, size_t len,
                              const nb_config_vocab *vocab, nb_config **out,
                              nb_config_report *report)
{
    const char *slash = strrchr(name, '/');
    char *base_dir = slash ? nb_xasprintf("%.*s", (int)(slash - name), name) : NULL;
    nb_err rc = parse_in(name, base_dir, text, len, vocab, out, report);
    free(base_dir);
    return rc;
}

nb_err nb_config_parse(const char *name, const char *text, size_t len, const nb_config_vocab *vocab,
                       nb_config **out, nb_errbuf *err)
{
    nb_config_report report = {0};
    nb_config *c = NULL;
    nb_err rc =
        first_error(nb_config_parse_report(name, text, len, vocab, &c, &report), &c, &report, err);
    if (!rc)
        *out = c;
    return rc;
}

/* The directory holding path, absolute and without symbolic links (a cron job's working
 * directory is not the configuration's); "" for the root, NULL when it cannot be resolved
 * (relative paths then stay as written). */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? nb_xasprintf("%.*s", (int)(slash - path), path) : nb_xstrdup(".");
    char *resolved = realpath(*dir ? dir : "/", NULL);
    free(dir);
    if (!resolved)
        return NULL;
    char *out = nb_xstrdup(strcmp(resolved, "/") == 0 ? "" : resolved);
    free(resolved);
    return out;
}

nb_err nb_config_load_report(const char *path, const nb_config_vocab *vocab, nb_config **out,
                             nb_config_report *report)
{
    char *text = NULL;
    nb_errbuf err;
    *out = NULL;
    nb_err rc = read_text_file(path, NB_LIMIT_CONFIG_BYTES, &text, &err);
    if (rc == NB_OK) {
        char *base_dir = directory_of(path);
        rc = parse_in(path, base_dir, text, strlen(text), vocab, out, report);
        free(base_dir);
    } else {
        nb_config_report_add(report, "%s", err.msg);
    }
    free(text);
    return rc;
}

nb_err nb_config_load(const char *path, const nb_config_vocab *vocab, nb_config **out,
                      nb_errbuf *err)
{
    nb_config_report report = {0};
    nb_config *c = NULL;
    nb_err rc = first_error(nb_config_load_report(path, vocab, &c, &report), &c, &report, err);
    if (!rc)
        *out = c;
    return rc;
}

static void free_fields(const field *fields, void *record)
{
    for (const field *f = fields; f->key; f++) {
        void *slot = (char *)record + f->offset;
        if (f->kind == FIELD_STRING || f->kind == FIELD_PATH)
            free(*(char **)slot);
        if (f->kind == FIELD_HEADERS || f->kind == FIELD_LIST)
            free_lines(*(char ***)slot);
    }
}

void nb_config_free(nb_config *c)
{
    if (!c)
        return;
    free_fields(nb_config_general_fields, c);
    for (size_t i = 0; i < c->source_count; i++) {
        free(c->sources[i].name);
        free_fields(nb_config_source_fields, &c->sources[i]);
    }
    free(c->sources);
    free_fields(nb_config_summarizer_fields, &c->summarizer);
    for (size_t i = 0; i < c->channel_count; i++) {
        free(c->channels[i].name);
        free_fields(nb_config_channel_fields, &c->channels[i]);
    }
    free(c->channels);
    free_fields(nb_config_web_fields, &c->web);
    for (size_t i = 0; i < c->schedule_count; i++) {
        free(c->schedules[i].name);
        free_fields(nb_config_schedule_fields, &c->schedules[i]);
    }
    free(c->schedules);
    free(c->path);
    if (c->notes) {
        for (size_t i = 0; i < c->notes->count; i++)
            free(c->notes->notes[i].written);
        free(c->notes->notes);
        free(c->notes->failed);
        free(c->notes);
    }
    free(c);
}

char *nb_config_find(const char *explicit_path, nb_errbuf *err)
{
    if (explicit_path)
        return nb_xstrdup(explicit_path);
    struct stat st;
    if (stat("newsbrief.yaml", &st) == 0)
        return nb_xstrdup("newsbrief.yaml");
    char *home = home_path(".config/newsbrief/newsbrief.yaml");
    if (stat(home, &st) == 0)
        return home;
    free(home);
    nb_errf(err, NB_ERR_CONFIG,
            "no configuration file: pass --config FILE, or create ./newsbrief.yaml or "
            "~/.config/newsbrief/newsbrief.yaml (see examples/newsbrief.yaml)");
    return NULL;
}

int nb_database_is_postgres(const char *database)
{
    if (!database)
        return 0;
    if (!strncmp(database, "postgresql://", 13) || !strncmp(database, "postgres://", 11))
        return 1;
    /* a libpq key=value string starts with a keyword and '=' ("host=… dbname=…") */
    const char *p = database;
    while (*p == ' ')
        p++;
    const char *word = p;
    while (isalpha((unsigned char)*p) || *p == '_')
        p++;
    while (*p == ' ')
        p++;
    return p > word && *p == '=';
}
