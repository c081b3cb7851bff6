/* SPDX-License-Identifier: MIT */
/* Config loader: libyaml's document API gives a node tree with positions; a schema table
 * per section (config_schema.c, which also prints the effective configuration) maps each key
 * to a typed field of the nb_config records. This file reads the sections, their defaults and
 * their named records; config_read.c reads each value, config_check.c checks what needs more
 * than a value's type. Every value is checked before use, so the rest of the program trusts
 * nb_config. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "core/config.h"
#include "core/config_private.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"

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

/* sources: and channels: are mappings from a name to a record of the same schema. */
static nb_err load_named(loader *ld, const char *section, const yaml_node_t *map,
                         const field *fields, size_t record_size, size_t limit, void **records,
                         size_t *count)
{
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
        return NB_OK; /* "sources:" with nothing under it */
    if (map->type != YAML_MAPPING_NODE)
        return nb_config_at(ld, map, NB_ERR_CONFIG, "%s: expected a mapping from names to settings",
                            section);
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n > limit)
        return nb_config_at(ld, map, NB_ERR_CONFIG, "%s: %zu entries exceed the cap of %zu",
                            section, n, limit);
    *records = nb_xcalloc(n ? n : 1, record_size);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0) {
            nb_config_at(ld, key, NB_ERR_CONFIG, "%s: names must be plain text", section);
            continue;
        }
        const char *name = (const char *)key->data.scalar.value;
        int twice = 0;
        for (size_t i = 0; i < *count && !twice; i++)
            twice = !strcmp(*(char **)((char *)*records + i * record_size), name);
        if (twice) {
            nb_config_at(ld, key, NB_ERR_CONFIG, "%s: \"%s\" is defined twice", section, name);
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
        nb_err rc = nb_config_load_mapping(ld, where, value, fields, record);
        const char *type = *(char **)(record + sizeof(char *));
        if (rc || (!type && nb_config_failed_in(ld->notes, record)))
            continue; /* not a mapping, or its type had an error of its own */
        if (nb_config_check_type(ld, key, value, where, type,
                                 fields == nb_config_source_fields
                                     ? ld->vocab->source_types
                                     : ld->vocab->channel_types) != NB_OK)
            nb_config_fail(ld, record);
        else
            nb_config_check_keys(ld, section, where, type, value, record);
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
        return nb_config_at(ld, map, NB_ERR_CONFIG,
                            "schedules: expected a mapping from names to settings");
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n > NB_LIMIT_SCHEDULES)
        return nb_config_at(ld, map, NB_ERR_CONFIG, "schedules: %zu entries exceed the cap of %d",
                            n, NB_LIMIT_SCHEDULES);
    ld->schedules = map;
    c->schedules = nb_xcalloc(n ? n : 1, sizeof *c->schedules);
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0)
            return nb_config_at(ld, key, NB_ERR_CONFIG, "schedules: names must be plain text");
        const char *name = (const char *)key->data.scalar.value;
        for (size_t i = 0; i < c->schedule_count; i++)
            if (strcmp(c->schedules[i].name, name) == 0)
                return nb_config_at(ld, key, NB_ERR_CONFIG, "schedules: \"%s\" is defined twice",
                                    name);
        nb_schedule_config *s = &c->schedules[c->schedule_count++];
        s->name = nb_xstrdup(name);
        s->deliver = 1;
        s->catch_up = 3600;
        s->line = (int)key->start_mark.line + 1;
        s->column = (int)key->start_mark.column + 1;
        char where[300];
        snprintf(where, sizeof where, "schedules.%s", name);
        nb_err rc = nb_config_load_mapping(ld, where, value, nb_config_schedule_fields, s);
        if (rc)
            return rc;
    }
    return NB_OK;
}

static nb_err load_retention(loader *ld, const yaml_node_t *map, nb_config *c)
{
    ld->retention = map;
    return nb_config_load_mapping(ld, "retention", map, nb_config_retention_fields, &c->retention);
}

/* The web: section: its keys, then the values that need more than a type. */
static nb_err load_web(loader *ld, const yaml_node_t *map, nb_web_config *w)
{
    nb_err rc = nb_config_load_mapping(ld, "web", map, nb_config_web_fields, w);
    return rc ? rc : nb_config_check_web(ld, map, w);
}

static void set_defaults(nb_config *c)
{
    c->database = nb_config_home_path(".local/share/newsbrief/newsbrief.db");
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
        nb_config_at(ld, root, NB_ERR_CONFIG,
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
            nb_config_at(ld, key, NB_ERR_CONFIG, "section \"%s\" appears twice", name);
        else if (!strcmp(name, "newsbrief"))
            (void)nb_config_load_mapping(ld, "newsbrief", value, nb_config_general_fields, c);
        else if (!strcmp(name, "sources"))
            (void)load_named(ld, "sources", value, nb_config_source_fields,
                             sizeof(nb_source_config), NB_LIMIT_SOURCES, (void **)&c->sources,
                             &c->source_count);
        else if (!strcmp(name, "summarizer")) {
            if (nb_config_load_mapping(ld, "summarizer", value, nb_config_summarizer_fields,
                                       &c->summarizer) == NB_OK &&
                nb_config_check_type(ld, value, value, "summarizer", c->summarizer.type,
                                     ld->vocab->summarizer_types) != NB_OK)
                nb_config_fail(ld, &c->summarizer);
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
            (void)nb_config_load_mapping(ld, "mcp", value, nb_config_mcp_fields, &c->mcp);
        else
            nb_config_at(ld, key, NB_ERR_CONFIG,
                         "unknown section \"%s\" (known: newsbrief, sources, summarizer, channels, "
                         "schedules, retention, web, mcp)",
                         name);
    }
    if (!c->database[0])
        nb_config_at_key(ld, c, "database", "newsbrief.database is empty");
    if (strcmp(c->language, "zh") != 0 && strcmp(c->language, "en") != 0)
        nb_config_at_key(ld, c, "language", "newsbrief.language: \"%s\" is not zh or en",
                         c->language);
    /* the header and the summaries follow the briefing's language unless set */
    if (!c->header)
        c->header = nb_xstrdup(strcmp(c->language, "en") ? "{title} (更新时间: {time})"
                                                         : "{title} (Updated: {time})");
    if (!c->summarizer.language)
        c->summarizer.language = nb_xstrdup(c->language);
    if (c->workers < 0) /* several daemons share a PostgreSQL database, rarely a file */
        c->workers = nb_database_is_postgres(c->database);
    if (c->job_lease < 1)
        nb_config_at_key(ld, c, "job_lease", "newsbrief.job_lease: at least 1s");
    (void)nb_config_check_schedules(ld, c);
    (void)nb_config_check_retention(ld, c);
    if (!nb_config_failed_in(ld->notes, &c->summarizer))
        nb_config_check_summarizer(ld, &c->summarizer);
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
    nb_err rc = nb_config_read_file(path, NB_LIMIT_CONFIG_BYTES, &text, &err);
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
            nb_config_free_lines(*(char ***)slot);
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
    char *home = nb_config_home_path(".config/newsbrief/newsbrief.yaml");
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
