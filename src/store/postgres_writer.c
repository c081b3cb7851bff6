/* SPDX-License-Identifier: MIT */
/* PostgreSQL implementation of store.h: the writer side. Items (a key forgotten by retention
 * is not stored again), the sources' state, the LLM summary cache and costs, and the
 * daemon's state; one statement a call. The connection, migrations and query helpers are
 * in postgres.c. Free text that may quote a request is redacted before it is written. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/redact.h"
#include "store/postgres_private.h"
#include "store/store.h"

/* An item's abstract before a briefing gives it a summary: the start of its excerpt (as on
 * SQLite; length counts characters in a UTF-8 database). */
#define ABSTRACT_OF(excerpt)                                                                       \
    "CASE WHEN length(" excerpt ") > 300 THEN substr(" excerpt ", 1, 300) || '…' ELSE " excerpt    \
    " END"

nb_err nb_pg_item_put(nb_pg *s, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    /* A key forgotten by retention is not stored again; a known one is updated. */
    static const char insert_sql[] =
        "INSERT INTO items (source, key, url, title, published_at, image, excerpt,"
        " first_seen_at, content, author, tags, abstract)"
        " SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text, $7::text,"
        " $8::bigint, $9::text, $10::text, $11::text, " ABSTRACT_OF(
            "$7::text") " WHERE NOT EXISTS (SELECT 1 FROM forgotten_items"
                        " WHERE source = $1::text AND key = $2::text)"
                        " ON CONFLICT (source, key) DO NOTHING RETURNING id";
    static const char update_sql[] =
        "UPDATE items SET url = $3::text, title = $4::text, published_at = $5::bigint,"
        " image = $6::text, excerpt = $7::text, content = $9::text, author = $10::text,"
        " tags = $11::text, abstract = COALESCE(summary, " ABSTRACT_OF(
            "$7::text") ") WHERE source = $1::text AND key = $2::text AND $8::bigint IS NOT NULL"
                        " RETURNING id";
    char published[24], seen[24];
    const char *values[] = {item->source,
                            item->key,
                            item->url,
                            item->title,
                            nb_pg_param_int(published, item->published_at),
                            item->image,
                            item->excerpt,
                            nb_pg_param_int(seen, now),
                            item->content,
                            item->author,
                            item->tags};
    PGresult *res = nb_pg_query(s, insert_sql, 11, values, "storing item", err);
    if (!res)
        return nb_pg_failed_code(s);
    int inserted = PQntuples(res) == 1;
    if (inserted)
        item->id = nb_pg_int(res, 0, 0);
    PQclear(res);
    if (!inserted) {
        res = nb_pg_query(s, update_sql, 11, values, "updating item", err);
        if (!res)
            return nb_pg_failed_code(s);
        /* no row: forgotten by retention, not stored again */
        item->id = PQntuples(res) ? nb_pg_int(res, 0, 0) : 0;
        PQclear(res);
    }
    if (is_new)
        *is_new = inserted;
    return NB_OK;
}

nb_err nb_pg_item_known(nb_pg *s, const char *source, const char *key, int *known, nb_errbuf *err)
{
    const char *values[] = {source, key};
    PGresult *res =
        nb_pg_query(s,
                    "SELECT EXISTS (SELECT 1 FROM items WHERE source = $1::text AND key = $2::text)"
                    " OR EXISTS (SELECT 1 FROM forgotten_items WHERE source = $1::text"
                    " AND key = $2::text)",
                    2, values, "looking up item", err);
    if (!res)
        return nb_pg_failed_code(s);
    *known = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return NB_OK;
}

/* An item as the writer's queries read it: id, source, key, url, title, published_at, image,
 * excerpt, content, author, tags and, with a channel, delivered. */
static void read_item(const PGresult *res, int row, void *out)
{
    nb_item *it = out;
    it->id = nb_pg_int(res, row, 0);
    it->source = nb_pg_text(res, row, 1);
    it->key = nb_pg_text(res, row, 2);
    it->url = nb_pg_text(res, row, 3);
    it->title = nb_pg_text(res, row, 4);
    it->published_at = nb_pg_int(res, row, 5);
    it->image = nb_pg_text(res, row, 6);
    it->excerpt = nb_pg_text(res, row, 7);
    it->content = nb_pg_text(res, row, 8);
    it->author = nb_pg_text(res, row, 9);
    it->tags = nb_pg_text(res, row, 10);
    if (PQnfields(res) > 11)
        it->delivered = (int)nb_pg_int(res, row, 11);
}

/* Runs an item query with $1 = since, $2 = max and $3 = channel (when not NULL): columns
 * id, source, key, url, title, published_at, image, excerpt, content, author, tags and,
 * with a channel, delivered. */
static nb_err query_items(nb_pg *s, const char *sql, int64_t since, size_t max, const char *channel,
                          nb_item **items, size_t *count, nb_errbuf *err)
{
    char since_text[24], max_text[24];
    const char *values[] = {nb_pg_param_int(since_text, since),
                            nb_pg_param_int(max_text, max > INT64_MAX ? INT64_MAX : (int64_t)max),
                            channel};
    nb_err rc;
    *items = nb_pg_rows(s, sql, channel ? 3 : 2, values, "reading items", sizeof **items, read_item,
                        count, &rc, err);
    return rc;
}

nb_err nb_pg_items_since(nb_pg *s, int64_t since, size_t max, nb_item **items, size_t *count,
                         nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags FROM items WHERE published_at >= $1::bigint"
                       " ORDER BY published_at DESC, id DESC LIMIT $2::bigint",
                       since, max, NULL, items, count, err);
}

nb_err nb_pg_items_for_channel(nb_pg *s, const char *channel, int64_t since, size_t max,
                               nb_item **items, size_t *count, nb_errbuf *err)
{
    /* given to the channel: in the ledger, unless the message carrying it failed for good */
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags, (EXISTS (SELECT 1 FROM briefing_items b"
                       " LEFT JOIN deliveries d ON d.id = b.delivery_id WHERE b.channel = $3::text"
                       " AND b.item_id = items.id AND (d.id IS NULL OR d.status <> 'failed')))::int"
                       " FROM items WHERE published_at >= $1::bigint"
                       " ORDER BY published_at DESC, id DESC LIMIT $2::bigint",
                       since, max, channel, items, count, err);
}

/* A table of state kept by name (the sources', the schedules'): its columns (those read, name
 * first), its records and how a row is read into one. */
typedef struct {
    const char *table, *columns;
    size_t size, name_at; /* a record's size, and where its name is */
    nb_pg_reader read;
    const char *reading, *listing; /* what a failed load or list was doing */
} named_table;

/* The record named name, into out (zeroed first); none yet: a record of that name alone. */
static nb_err load_named(nb_pg *s, const named_table *t, const char *name, void *out,
                         nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE name = $1::text", t->columns, t->table);
    memset(out, 0, t->size);
    int found;
    nb_err rc = nb_pg_row(s, sql, 1, &name, t->reading, t->read, out, &found, err);
    if (!rc && !found)
        *(char **)((char *)out + t->name_at) = nb_xstrdup(name);
    return rc;
}

/* Every record, by name. */
static void *list_named(nb_pg *s, const named_table *t, size_t *count, nb_err *rc, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY name", t->columns, t->table);
    return nb_pg_rows(s, sql, 0, NULL, t->listing, t->size, t->read, count, rc, err);
}

static const char source_columns[] = "name, type, etag, last_modified, next_fetch_at,"
                                     " consecutive_errors, last_error, last_success_at,"
                                     " last_attempt_at, settings, title";

static void read_source(const PGresult *res, int row, void *state)
{
    nb_source_state *out = state;
    out->name = nb_pg_text(res, row, 0);
    out->type = nb_pg_text(res, row, 1);
    out->etag = nb_pg_text(res, row, 2);
    out->last_modified = nb_pg_text(res, row, 3);
    out->next_fetch_at = nb_pg_int(res, row, 4);
    out->consecutive_errors = (int)nb_pg_int(res, row, 5);
    out->last_error = nb_pg_text(res, row, 6);
    out->last_success_at = nb_pg_int(res, row, 7);
    out->last_attempt_at = nb_pg_int(res, row, 8);
    out->settings = nb_pg_text(res, row, 9);
    out->title = nb_pg_text(res, row, 10);
}

static const named_table sources = {.table = "sources",
                                    .columns = source_columns,
                                    .size = sizeof(nb_source_state),
                                    .name_at = offsetof(nb_source_state, name),
                                    .read = read_source,
                                    .reading = "reading source",
                                    .listing = "listing sources"};

nb_err nb_pg_source_load(nb_pg *s, const char *name, nb_source_state *out, nb_errbuf *err)
{
    return load_named(s, &sources, name, out, err);
}

nb_err nb_pg_source_save(nb_pg *s, const nb_source_state *state, nb_errbuf *err)
{
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO sources (%s) VALUES ($1::text, $2::text, $3::text, $4::text,"
             " $5::bigint, $6::integer, $7::text, $8::bigint, $9::bigint, $10::text, $11::text)"
             " ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, etag = EXCLUDED.etag,"
             " last_modified = EXCLUDED.last_modified, next_fetch_at = EXCLUDED.next_fetch_at,"
             " consecutive_errors = EXCLUDED.consecutive_errors,"
             " last_error = EXCLUDED.last_error, last_success_at = EXCLUDED.last_success_at,"
             " last_attempt_at = EXCLUDED.last_attempt_at, settings = EXCLUDED.settings,"
             " title = EXCLUDED.title",
             source_columns);
    char next[24], errors[24], success[24], attempt[24];
    char *last_error = nb_redact(state->last_error);
    const char *values[] = {state->name,
                            state->type ? state->type : "",
                            state->etag,
                            state->last_modified,
                            nb_pg_param_int(next, state->next_fetch_at),
                            nb_pg_param_int(errors, state->consecutive_errors),
                            last_error,
                            nb_pg_param_int(success, state->last_success_at),
                            nb_pg_param_int(attempt, state->last_attempt_at),
                            state->settings,
                            state->title};
    nb_err rc = nb_pg_run(s, sql, 11, values, "saving source", err);
    free(last_error);
    return rc;
}

nb_err nb_pg_source_list(nb_pg *s, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    nb_err rc;
    *states = list_named(s, &sources, count, &rc, err);
    return rc;
}

nb_err nb_pg_summary_get(nb_pg *s, const char *content_hash, const char *model,
                         const char *prompt_hash, char **text, nb_errbuf *err)
{
    *text = NULL;
    const char *values[] = {content_hash, model, prompt_hash};
    PGresult *res = nb_pg_query(s,
                                "SELECT text FROM summaries WHERE content_hash = $1::text"
                                " AND model = $2::text AND prompt_hash = $3::text",
                                3, values, "reading summary", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res))
        *text = nb_pg_text(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_summary_put(nb_pg *s, const char *content_hash, const char *model,
                         const char *prompt_hash, const char *text, long prompt_tokens,
                         long completion_tokens, int64_t now, nb_errbuf *err)
{
    char prompt[24], completion[24], created[24];
    const char *values[] = {content_hash,
                            model,
                            prompt_hash,
                            text,
                            nb_pg_param_int(prompt, prompt_tokens),
                            nb_pg_param_int(completion, completion_tokens),
                            nb_pg_param_int(created, now)};
    return nb_pg_run(s,
                     "INSERT INTO summaries (content_hash, model, prompt_hash, text,"
                     " prompt_tokens, completion_tokens, created_at) VALUES ($1::text, $2::text,"
                     " $3::text, $4::text, $5::bigint, $6::bigint, $7::bigint)"
                     " ON CONFLICT (content_hash, model, prompt_hash) DO UPDATE SET"
                     " text = EXCLUDED.text, prompt_tokens = EXCLUDED.prompt_tokens,"
                     " completion_tokens = EXCLUDED.completion_tokens,"
                     " created_at = EXCLUDED.created_at",
                     7, values, "storing summary", err);
}

nb_err nb_pg_llm_usage_add(nb_pg *s, int64_t run_at, const char *model, long requests,
                           long prompt_tokens, long completion_tokens, double cost, nb_errbuf *err)
{
    char at[24], count[24], prompt[24], completion[24], spent[40];
    snprintf(spent, sizeof spent, "%.17g", cost);
    const char *values[] = {nb_pg_param_int(at, run_at),
                            model,
                            nb_pg_param_int(count, requests),
                            nb_pg_param_int(prompt, prompt_tokens),
                            nb_pg_param_int(completion, completion_tokens),
                            spent};
    return nb_pg_run(s,
                     "INSERT INTO llm_usage (run_at, model, requests, prompt_tokens,"
                     " completion_tokens, cost) VALUES ($1::bigint, $2::text, $3::bigint,"
                     " $4::bigint, $5::bigint, $6::double precision)",
                     6, values, "storing usage", err);
}

/* ---- the daemon's state ---- */

static const char schedule_columns[] =
    "name, cron, last_fire, last_result, last_run_at, last_duration_ms, next_fire";

static void read_schedule(const PGresult *res, int row, void *state)
{
    nb_schedule_state *out = state;
    out->name = nb_pg_text(res, row, 0);
    out->cron = nb_pg_text(res, row, 1);
    out->last_fire = nb_pg_int(res, row, 2);
    out->last_result = nb_pg_text(res, row, 3);
    out->last_run_at = nb_pg_int(res, row, 4);
    out->last_duration_ms = nb_pg_int(res, row, 5);
    out->next_fire = nb_pg_int(res, row, 6);
}

static const named_table schedules = {.table = "schedules",
                                      .columns = schedule_columns,
                                      .size = sizeof(nb_schedule_state),
                                      .name_at = offsetof(nb_schedule_state, name),
                                      .read = read_schedule,
                                      .reading = "reading schedule",
                                      .listing = "listing schedules"};

nb_err nb_pg_schedule_load(nb_pg *s, const char *name, nb_schedule_state *out, nb_errbuf *err)
{
    return load_named(s, &schedules, name, out, err);
}

nb_err nb_pg_schedule_save(nb_pg *s, const nb_schedule_state *state, nb_errbuf *err)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "INSERT INTO schedules (%s) VALUES ($1::text, $2::text, $3::bigint, $4::text,"
             " $5::bigint, $6::bigint, $7::bigint) ON CONFLICT (name) DO UPDATE SET"
             " cron = EXCLUDED.cron, last_fire = EXCLUDED.last_fire,"
             " last_result = EXCLUDED.last_result, last_run_at = EXCLUDED.last_run_at,"
             " last_duration_ms = EXCLUDED.last_duration_ms, next_fire = EXCLUDED.next_fire",
             schedule_columns);
    char fire[24], run[24], duration[24], next[24];
    const char *values[] = {state->name,
                            state->cron ? state->cron : "",
                            nb_pg_param_int(fire, state->last_fire),
                            state->last_result,
                            nb_pg_param_int(run, state->last_run_at),
                            nb_pg_param_int(duration, state->last_duration_ms),
                            nb_pg_param_int(next, state->next_fire)};
    return nb_pg_run(s, sql, 7, values, "saving schedule", err);
}

nb_err nb_pg_schedule_list(nb_pg *s, nb_schedule_state **states, size_t *count, nb_errbuf *err)
{
    nb_err rc;
    *states = list_named(s, &schedules, count, &rc, err);
    return rc;
}

nb_err nb_pg_daemon_save(nb_pg *s, const nb_daemon_state *state, nb_errbuf *err)
{
    char pid[24], started[24], beat[24], wake[24], stopped[24];
    const char *values[] = {
        nb_pg_param_int(pid, state->pid), nb_pg_param_int(started, state->started_at),
        nb_pg_param_int(beat, state->heartbeat_at), nb_pg_param_int(wake, state->next_wake_at),
        nb_pg_param_int(stopped, state->stopped_at)};
    return nb_pg_run(s,
                     "INSERT INTO daemon (id, pid, started_at, heartbeat_at, next_wake_at,"
                     " stopped_at) VALUES (1, $1::bigint, $2::bigint, $3::bigint, $4::bigint,"
                     " $5::bigint) ON CONFLICT (id) DO UPDATE SET pid = EXCLUDED.pid,"
                     " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,"
                     " next_wake_at = EXCLUDED.next_wake_at, stopped_at = EXCLUDED.stopped_at",
                     5, values, "saving heartbeat", err);
}

nb_err nb_pg_daemon_load(nb_pg *s, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    PGresult *res = nb_pg_query(s,
                                "SELECT pid, started_at, heartbeat_at, next_wake_at, stopped_at"
                                " FROM daemon WHERE id = 1",
                                0, NULL, "reading heartbeat", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res)) {
        out->pid = nb_pg_int(res, 0, 0);
        out->started_at = nb_pg_int(res, 0, 1);
        out->heartbeat_at = nb_pg_int(res, 0, 2);
        out->next_wake_at = nb_pg_int(res, 0, 3);
        out->stopped_at = nb_pg_int(res, 0, 4);
        *found = 1;
    }
    PQclear(res);
    return NB_OK;
}
