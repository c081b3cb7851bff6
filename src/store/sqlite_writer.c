/* SPDX-License-Identifier: MIT */
/* SQLite implementation of store.h: the writer side. Items (a key forgotten by retention is
 * not stored again), the sources' state, the LLM summary cache and costs, and the daemon's
 * state. The connection, migrations and the storage-failure check are in sqlite.c. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "store/sqlite_private.h"
#include "store/store.h"

/* Runs sql with the item's fields bound as ?1..?11 (?8 = now); one step. */
static int item_step(nb_sqlite *s, const char *sql, const nb_item *item, int64_t now,
                     sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    sqlite3_stmt *st = *out;
    nb_sqlite_bind_text(st, 1, item->source);
    nb_sqlite_bind_text(st, 2, item->key);
    nb_sqlite_bind_text(st, 3, item->url);
    nb_sqlite_bind_text(st, 4, item->title);
    sqlite3_bind_int64(st, 5, item->published_at);
    nb_sqlite_bind_text(st, 6, item->image);
    nb_sqlite_bind_text(st, 7, item->excerpt);
    sqlite3_bind_int64(st, 8, now);
    nb_sqlite_bind_text(st, 9, item->content);
    nb_sqlite_bind_text(st, 10, item->author);
    nb_sqlite_bind_text(st, 11, item->tags);
    return sqlite3_step(st);
}

nb_err nb_sqlite_item_put(nb_sqlite *s, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    static const char insert_sql[] =
        "INSERT INTO items (source, key, url, title, published_at, image, excerpt,"
        " first_seen_at, content, author, tags, abstract) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, " NB_SQLITE_ABSTRACT_OF(
            "?7") " WHERE NOT EXISTS (SELECT 1 FROM"
                  " forgotten_items WHERE source = ?1 AND key = ?2) "
                  "ON CONFLICT (source, key) DO NOTHING";
    static const char update_sql[] =
        "UPDATE items SET url = ?3, title = ?4, published_at = ?5, image = ?6, excerpt = ?7,"
        " content = ?9, author = ?10, tags = ?11, abstract = "
        "COALESCE(summary, " NB_SQLITE_ABSTRACT_OF(
            "?7") ")"
                  " WHERE source = ?1 AND key = ?2 AND ?8 IS NOT NULL RETURNING id";
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (item_step(s, insert_sql, item, now, &st) != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "storing item");
        goto out;
    }
    int inserted = sqlite3_changes(s->db) == 1;
    if (inserted) {
        item->id = sqlite3_last_insert_rowid(s->db);
    } else {
        sqlite3_finalize(st);
        int step = item_step(s, update_sql, item, now, &st);
        if (step == SQLITE_DONE) {
            item->id = 0; /* forgotten by retention: not stored again */
        } else if (step != SQLITE_ROW) {
            rc = nb_sqlite_db_error(s, err, "updating item");
            goto out;
        } else {
            item->id = sqlite3_column_int64(st, 0);
        }
    }
    if (is_new)
        *is_new = inserted;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Runs an item query binding ?1 = since, ?2 = max and ?3 = text (when not NULL). */
static nb_err query_items(nb_sqlite *s, const char *sql, int64_t since, size_t max,
                          const char *text, nb_item **items, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_item *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *items = NULL;
    *count = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing item query");
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    if (text)
        nb_sqlite_bind_text(st, 3, text);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        nb_item *it = &out[n++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->source = nb_sqlite_column_text(st, 1);
        it->key = nb_sqlite_column_text(st, 2);
        it->url = nb_sqlite_column_text(st, 3);
        it->title = nb_sqlite_column_text(st, 4);
        it->published_at = sqlite3_column_int64(st, 5);
        it->image = nb_sqlite_column_text(st, 6);
        it->excerpt = nb_sqlite_column_text(st, 7);
        it->content = nb_sqlite_column_text(st, 8);
        it->author = nb_sqlite_column_text(st, 9);
        it->tags = nb_sqlite_column_text(st, 10);
        if (sqlite3_column_count(st) > 11)
            it->delivered = sqlite3_column_int(st, 11);
    }
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading items");
        nb_items_free(out, n);
        out = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *items = out;
    *count = n;
    return rc;
}

nb_err nb_sqlite_items_since(nb_sqlite *s, int64_t since, size_t max, nb_item **items,
                             size_t *count, nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags FROM items WHERE published_at >= ?1"
                       " ORDER BY published_at DESC, id DESC LIMIT ?2",
                       since, max, NULL, items, count, err);
}

/* The row of a table keyed by name, read by read into out; *found says whether it was
 * there. */
static nb_err row_by_name(nb_sqlite *s, const char *sql, const char *name,
                          void (*read)(sqlite3_stmt *, void *), void *out, int *found,
                          const char *what, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *found = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, what);
    if (name)
        nb_sqlite_bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        read(st, out);
        *found = 1;
    } else if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, what);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The row of table named name (columns read by read into out, zeroed by the caller); none
 * yet: a record of that name alone (*name_field, out's name). */
static nb_err load_named(nb_sqlite *s, const char *table, const char *columns, const char *name,
                         void (*read)(sqlite3_stmt *, void *), void *out, char **name_field,
                         const char *what, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE name = ?1", columns, table);
    int found;
    nb_err rc = row_by_name(s, sql, name, read, out, &found, what, err);
    if (!rc && !found)
        *name_field = nb_xstrdup(name);
    return rc;
}

/* Every row of sql, each of size bytes read by read, into a new array (caller frees it,
 * rows and all, also after a failure: *rows and *count hold what was read). */
static nb_err all_rows(nb_sqlite *s, const char *sql, size_t size,
                       void (*read)(sqlite3_stmt *, void *), void **rows, size_t *count,
                       const char *what, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *rows = NULL;
    *count = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, what);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, size);
        memset(out + n * size, 0, size);
        read(st, out + n++ * size);
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, what);
    sqlite3_finalize(st);
    *rows = out;
    *count = n;
    return rc;
}

static const char source_columns[] = "name, type, etag, last_modified, next_fetch_at,"
                                     " consecutive_errors, last_error, last_success_at,"
                                     " last_attempt_at, settings, title";

static void read_source(sqlite3_stmt *st, void *row)
{
    nb_source_state *out = row;
    out->name = nb_sqlite_column_text(st, 0);
    out->type = nb_sqlite_column_text(st, 1);
    out->etag = nb_sqlite_column_text(st, 2);
    out->last_modified = nb_sqlite_column_text(st, 3);
    out->next_fetch_at = sqlite3_column_int64(st, 4);
    out->consecutive_errors = sqlite3_column_int(st, 5);
    out->last_error = nb_sqlite_column_text(st, 6);
    out->last_success_at = sqlite3_column_int64(st, 7);
    out->last_attempt_at = sqlite3_column_int64(st, 8);
    out->settings = nb_sqlite_column_text(st, 9);
    out->title = nb_sqlite_column_text(st, 10);
}

nb_err nb_sqlite_source_load(nb_sqlite *s, const char *name, nb_source_state *out, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    return load_named(s, "sources", source_columns, name, read_source, out, &out->name,
                      "reading source", err);
}

nb_err nb_sqlite_source_save(nb_sqlite *s, const nb_source_state *state, nb_errbuf *err)
{
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "INSERT OR REPLACE INTO sources (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        source_columns);
    return NB_SQLITE_RUN(s, sql, NULL, "saving source", err, NB_SQL_T(state->name),
                         NB_SQL_T(state->type ? state->type : ""), NB_SQL_T(state->etag),
                         NB_SQL_T(state->last_modified), NB_SQL_I(state->next_fetch_at),
                         NB_SQL_I(state->consecutive_errors), NB_SQL_R(state->last_error),
                         NB_SQL_I(state->last_success_at), NB_SQL_I(state->last_attempt_at),
                         NB_SQL_T(state->settings), NB_SQL_T(state->title));
}

nb_err nb_sqlite_source_list(nb_sqlite *s, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources ORDER BY name", source_columns);
    void *rows;
    nb_err rc =
        all_rows(s, sql, sizeof **states, read_source, &rows, count, "listing sources", err);
    *states = rows;
    return rc;
}

nb_err nb_sqlite_item_known(nb_sqlite *s, const char *source, const char *key, int *known,
                            nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT 1 FROM items WHERE source = ?1 AND key = ?2"
            " UNION ALL SELECT 1 FROM forgotten_items WHERE source = ?1 AND key = ?2",
            -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing item lookup");
    nb_sqlite_bind_text(st, 1, source);
    nb_sqlite_bind_text(st, 2, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        *known = step == SQLITE_ROW;
    else
        rc = nb_sqlite_db_error(s, err, "looking up item");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_items_for_channel(nb_sqlite *s, const char *channel, int64_t since, size_t max,
                                   nb_item **items, size_t *count, nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags, id IN (SELECT b.item_id FROM briefing_items b"
                       " LEFT JOIN deliveries d ON d.id = b.delivery_id WHERE b.channel = ?3"
                       " AND (d.id IS NULL OR d.status != 'failed')) FROM items"
                       " WHERE published_at >= ?1"
                       " ORDER BY published_at DESC, id DESC LIMIT ?2",
                       since, max, channel, items, count, err);
}

nb_err nb_sqlite_summary_get(nb_sqlite *s, const char *content_hash, const char *model,
                             const char *prompt_hash, char **text, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *text = NULL;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT text FROM summaries WHERE content_hash = ?1 AND model = ?2"
                           " AND prompt_hash = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing summary lookup");
    nb_sqlite_bind_text(st, 1, content_hash);
    nb_sqlite_bind_text(st, 2, model);
    nb_sqlite_bind_text(st, 3, prompt_hash);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *text = nb_sqlite_column_text(st, 0);
    else if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "reading summary");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_summary_put(nb_sqlite *s, const char *content_hash, const char *model,
                             const char *prompt_hash, const char *text, long prompt_tokens,
                             long completion_tokens, int64_t now, nb_errbuf *err)
{
    return NB_SQLITE_RUN(s,
                         "INSERT OR REPLACE INTO summaries (content_hash, model, prompt_hash,"
                         " text, prompt_tokens, completion_tokens, created_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                         NULL, "storing summary", err, NB_SQL_T(content_hash), NB_SQL_T(model),
                         NB_SQL_T(prompt_hash), NB_SQL_T(text), NB_SQL_I(prompt_tokens),
                         NB_SQL_I(completion_tokens), NB_SQL_I(now));
}

nb_err nb_sqlite_llm_usage_add(nb_sqlite *s, int64_t run_at, const char *model, long requests,
                               long prompt_tokens, long completion_tokens, double cost,
                               nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO llm_usage (run_at, model, requests, prompt_tokens,"
                           " completion_tokens, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing usage insert");
    sqlite3_bind_int64(st, 1, run_at);
    nb_sqlite_bind_text(st, 2, model);
    sqlite3_bind_int64(st, 3, requests);
    sqlite3_bind_int64(st, 4, prompt_tokens);
    sqlite3_bind_int64(st, 5, completion_tokens);
    sqlite3_bind_double(st, 6, cost);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "storing usage");
    sqlite3_finalize(st);
    return rc;
}

/* ---- the daemon's state ---- */

static const char schedule_columns[] =
    "name, cron, last_fire, last_result, last_run_at, last_duration_ms, next_fire";

static void read_schedule(sqlite3_stmt *st, void *row)
{
    nb_schedule_state *out = row;
    out->name = nb_sqlite_column_text(st, 0);
    out->cron = nb_sqlite_column_text(st, 1);
    out->last_fire = sqlite3_column_int64(st, 2);
    out->last_result = nb_sqlite_column_text(st, 3);
    out->last_run_at = sqlite3_column_int64(st, 4);
    out->last_duration_ms = sqlite3_column_int64(st, 5);
    out->next_fire = sqlite3_column_int64(st, 6);
}

nb_err nb_sqlite_schedule_load(nb_sqlite *s, const char *name, nb_schedule_state *out,
                               nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    return load_named(s, "schedules", schedule_columns, name, read_schedule, out, &out->name,
                      "reading schedule", err);
}

nb_err nb_sqlite_schedule_save(nb_sqlite *s, const nb_schedule_state *state, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO schedules (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
             schedule_columns);
    return NB_SQLITE_RUN(s, sql, NULL, "saving schedule", err, NB_SQL_T(state->name),
                         NB_SQL_T(state->cron ? state->cron : ""), NB_SQL_I(state->last_fire),
                         NB_SQL_T(state->last_result), NB_SQL_I(state->last_run_at),
                         NB_SQL_I(state->last_duration_ms), NB_SQL_I(state->next_fire));
}

nb_err nb_sqlite_schedule_list(nb_sqlite *s, nb_schedule_state **states, size_t *count,
                               nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules ORDER BY name", schedule_columns);
    void *rows;
    size_t n;
    nb_err rc =
        all_rows(s, sql, sizeof **states, read_schedule, &rows, &n, "listing schedules", err);
    if (rc) {
        nb_schedule_states_free(rows, n);
        return rc;
    }
    *states = rows;
    *count = n;
    return NB_OK;
}

void nb_schedule_state_clear(nb_schedule_state *state)
{
    free(state->name);
    free(state->cron);
    free(state->last_result);
    memset(state, 0, sizeof *state);
}

void nb_schedule_states_free(nb_schedule_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_schedule_state_clear(&states[i]);
    free(states);
}

nb_err nb_sqlite_daemon_save(nb_sqlite *s, const nb_daemon_state *state, nb_errbuf *err)
{
    return NB_SQLITE_RUN(s,
                         "INSERT OR REPLACE INTO daemon (id, pid, started_at, heartbeat_at,"
                         " next_wake_at, stopped_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                         NULL, "saving heartbeat", err, NB_SQL_I(state->pid),
                         NB_SQL_I(state->started_at), NB_SQL_I(state->heartbeat_at),
                         NB_SQL_I(state->next_wake_at), NB_SQL_I(state->stopped_at));
}

static void read_daemon(sqlite3_stmt *st, void *row)
{
    nb_daemon_state *out = row;
    out->pid = sqlite3_column_int64(st, 0);
    out->started_at = sqlite3_column_int64(st, 1);
    out->heartbeat_at = sqlite3_column_int64(st, 2);
    out->next_wake_at = sqlite3_column_int64(st, 3);
    out->stopped_at = sqlite3_column_int64(st, 4);
}

nb_err nb_sqlite_daemon_load(nb_sqlite *s, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    return row_by_name(s,
                       "SELECT pid, started_at, heartbeat_at, next_wake_at, stopped_at"
                       " FROM daemon WHERE id = 1",
                       NULL, read_daemon, out, found, "reading heartbeat", err);
}
