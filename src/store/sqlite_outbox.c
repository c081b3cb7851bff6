/* SPDX-License-Identifier: MIT */
/* SQLite implementation of store.h: briefings, the ledger, the outbox and retention.
 * A briefing is recorded in one BEGIN IMMEDIATE transaction (its rows, its messages, the
 * ledger), so a crash leaves all of it or none; every other call is one statement.
 * Retention deletes in batches of a few hundred rows, each its own transaction, then gives
 * the freed pages back to the file system. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "store/sqlite_private.h"
#include "store/store.h"

static nb_err step_done(nb_sqlite *s, sqlite3_stmt *st, const char *what, nb_errbuf *err)
{
    nb_err rc = sqlite3_step(st) == SQLITE_DONE ? NB_OK : nb_sqlite_db_error(s, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* The readable id: the first of nb_store_slug's candidates that is free. */
static nb_err pick_slug(nb_sqlite *s, const char *channel, int64_t created_at, char **out,
                        nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM briefings WHERE slug = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing slug lookup");
    nb_err rc = NB_OK;
    char *slug = NULL;
    for (int attempt = 0; !rc; attempt++) {
        free(slug);
        slug = nb_store_slug(channel, created_at, attempt);
        nb_sqlite_bind_text(st, 1, slug);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW)
            rc = nb_sqlite_db_error(s, err, "looking up slug");
    }
    sqlite3_finalize(st);
    if (rc) {
        free(slug);
        return rc;
    }
    *out = slug;
    return NB_OK;
}

/* The entries as shown, each entry's summary on its item, and one cluster per story: the
 * smallest cluster (or id) among its reports and the clusters they were in before. */
static nb_err record_entries(nb_sqlite *s, int64_t briefing_id, const nb_briefing_draft *d,
                             nb_errbuf *err)
{
    sqlite3_stmt *entry = NULL, *summary = NULL, *root = NULL, *join = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO briefing_entries (briefing_id, position, item_id, title,"
                           " url, published_at, image, summary, related, story)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           -1, &entry, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE items SET summary = ?2, abstract = ?2 WHERE id = ?1", -1,
                           &summary, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "SELECT MIN(COALESCE(cluster_id, id)) FROM items"
                           " WHERE id IN (SELECT value FROM json_each(?1))",
                           -1, &root, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "UPDATE items SET cluster_id = ?2 WHERE id IN (SELECT value FROM"
                           " json_each(?1)) OR cluster_id IN (SELECT cluster_id FROM items"
                           " WHERE id IN (SELECT value FROM json_each(?1)))",
                           -1, &join, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing briefing entries");
        goto out;
    }
    for (size_t i = 0; i < d->entry_count && !rc; i++) {
        const nb_item *it = &d->entries[i];
        char *related = nb_store_related_json(it);
        char *story = it->story_count ? nb_store_ids_json(it->story_ids, it->story_count)
                                      : nb_store_ids_json(&it->id, 1);
        sqlite3_bind_int64(entry, 1, briefing_id);
        sqlite3_bind_int64(entry, 2, (sqlite3_int64)i);
        sqlite3_bind_int64(entry, 3, it->id);
        nb_sqlite_bind_text(entry, 4, it->title ? it->title : "");
        nb_sqlite_bind_text(entry, 5, it->url ? it->url : "");
        sqlite3_bind_int64(entry, 6, it->published_at);
        nb_sqlite_bind_text(entry, 7, it->image);
        nb_sqlite_bind_text(entry, 8, it->summary);
        nb_sqlite_bind_text(entry, 9, related ? related : "[]");
        nb_sqlite_bind_text(entry, 10, story ? story : "[]");
        rc = step_done(s, entry, "recording briefing entries", err);
        if (!rc && it->summary) {
            sqlite3_bind_int64(summary, 1, it->id);
            nb_sqlite_bind_text(summary, 2, it->summary);
            rc = step_done(s, summary, "recording summaries", err);
        }
        if (!rc && it->story_count > 1) {
            nb_sqlite_bind_text(root, 1, story);
            int64_t cluster = 0;
            if (sqlite3_step(root) == SQLITE_ROW)
                cluster = sqlite3_column_int64(root, 0);
            else
                rc = nb_sqlite_db_error(s, err, "finding story cluster");
            sqlite3_reset(root);
            if (!rc) {
                nb_sqlite_bind_text(join, 1, story);
                sqlite3_bind_int64(join, 2, cluster);
                rc = step_done(s, join, "recording story cluster", err);
            }
        }
        free(related);
        free(story);
    }
out:
    sqlite3_finalize(entry);
    sqlite3_finalize(summary);
    sqlite3_finalize(root);
    sqlite3_finalize(join);
    return rc;
}

nb_err nb_sqlite_briefing_commit(nb_sqlite *s, const nb_briefing_draft *d, int64_t *id,
                                 nb_errbuf *err)
{
    char *ids_text = nb_store_ids_json(d->item_ids, d->item_count);
    char *pages_text = nb_store_pages_json(d->pages, d->page_count);
    char *slug = NULL;
    sqlite3_stmt *brief = NULL, *ledger = NULL, *outbox = NULL;
    nb_err rc = nb_sqlite_broken(s, err)
                    ? NB_ERR_IO
                    : nb_sqlite_exec_for(s, "BEGIN IMMEDIATE;", "storing a briefing", err);
    if (rc)
        goto out;
    rc = pick_slug(s, d->channel, d->created_at, &slug, err);
    if (rc)
        goto rollback;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO briefings (channel, created_at, window_start, item_ids,"
                           " pages, slug, title, per_page, entry_count)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &brief, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO briefing_items (channel, item_id, briefing_id,"
                           " delivery_id) VALUES (?1, ?2, ?3, ?4)",
                           -1, &ledger, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO deliveries (briefing_id, channel, seq, method, payload,"
                           " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &outbox, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing briefing");
        goto rollback;
    }
    nb_sqlite_bind_text(brief, 1, d->channel);
    sqlite3_bind_int64(brief, 2, d->created_at);
    sqlite3_bind_int64(brief, 3, d->window_start);
    nb_sqlite_bind_text(brief, 4, ids_text ? ids_text : "[]");
    nb_sqlite_bind_text(brief, 5, pages_text ? pages_text : "[]");
    nb_sqlite_bind_text(brief, 6, slug);
    nb_sqlite_bind_text(brief, 7, d->title);
    sqlite3_bind_int64(brief, 8, (sqlite3_int64)d->per_page);
    sqlite3_bind_int64(brief, 9, (sqlite3_int64)d->entry_count);
    rc = step_done(s, brief, "storing briefing", err);
    int64_t briefing_id = sqlite3_last_insert_rowid(s->db);
    if (!rc)
        rc = record_entries(s, briefing_id, d, err);
    if (d->message_count == 0) { /* local channel: delivered with the commit */
        for (size_t i = 0; i < d->item_count && !rc; i++) {
            nb_sqlite_bind_text(ledger, 1, d->channel);
            sqlite3_bind_int64(ledger, 2, d->item_ids[i]);
            sqlite3_bind_int64(ledger, 3, briefing_id);
            rc = step_done(s, ledger, "recording briefing items", err);
        }
    }
    for (size_t i = 0; i < d->message_count && !rc; i++) {
        const nb_outbox_message *m = &d->messages[i];
        sqlite3_bind_int64(outbox, 1, briefing_id);
        nb_sqlite_bind_text(outbox, 2, d->channel);
        sqlite3_bind_int64(outbox, 3, (sqlite3_int64)i + 1);
        nb_sqlite_bind_text(outbox, 4, m->method ? m->method : "");
        nb_sqlite_bind_text(outbox, 5, m->payload);
        sqlite3_bind_int64(outbox, 6, d->created_at);
        rc = step_done(s, outbox, "queueing message", err);
        int64_t delivery = sqlite3_last_insert_rowid(s->db);
        for (size_t k = 0; k < m->item_count && !rc; k++) {
            nb_sqlite_bind_text(ledger, 1, d->channel);
            sqlite3_bind_int64(ledger, 2, m->item_ids[k]);
            sqlite3_bind_int64(ledger, 3, briefing_id);
            sqlite3_bind_int64(ledger, 4, delivery);
            rc = step_done(s, ledger, "recording briefing items", err);
        }
    }
    if (!rc)
        rc = nb_sqlite_exec_for(s, "COMMIT;", "storing a briefing", err);
    if (!rc && id)
        *id = briefing_id;
rollback:
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
out:
    sqlite3_finalize(brief);
    sqlite3_finalize(ledger);
    sqlite3_finalize(outbox);
    free(slug);
    free(ids_text);
    free(pages_text);
    return rc;
}

nb_err nb_sqlite_last_briefing_at(nb_sqlite *s, int64_t *at, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *at = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(created_at), 0) FROM briefings", -1, &st,
                           NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing briefing lookup");
    if (sqlite3_step(st) == SQLITE_ROW)
        *at = sqlite3_column_int64(st, 0);
    else
        rc = nb_sqlite_db_error(s, err, "reading briefings");
    sqlite3_finalize(st);
    return rc;
}

static const char outbox_columns[] = "id, briefing_id, channel, seq, method, payload, status,"
                                     " attempts, next_attempt_at, last_answer,"
                                     " possible_duplicate, created_at";

void nb_sqlite_read_outbox_row(sqlite3_stmt *st, nb_outbox_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->briefing_id = sqlite3_column_int64(st, 1);
    r->channel = nb_sqlite_column_text(st, 2);
    r->seq = sqlite3_column_int(st, 3);
    r->method = nb_sqlite_column_text(st, 4);
    r->payload = nb_sqlite_column_text(st, 5);
    r->status = nb_sqlite_column_text(st, 6);
    r->attempts = sqlite3_column_int(st, 7);
    r->next_attempt_at = sqlite3_column_int64(st, 8);
    r->last_answer = nb_sqlite_column_text(st, 9);
    r->possible_duplicate = sqlite3_column_int(st, 10);
    r->created_at = sqlite3_column_int64(st, 11);
}

static nb_err query_outbox(nb_sqlite *s, const char *where, const char *channel,
                           nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM deliveries WHERE %s ORDER BY id", outbox_columns,
             where);
    sqlite3_stmt *st = NULL;
    nb_outbox_row *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *rows = NULL;
    *count = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing outbox query");
    if (channel)
        nb_sqlite_bind_text(st, 1, channel);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        nb_sqlite_read_outbox_row(st, &out[n++]);
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "reading the outbox");
    sqlite3_finalize(st);
    *rows = out;
    *count = n;
    return rc;
}

nb_err nb_sqlite_outbox_pending(nb_sqlite *s, const char *channel, nb_outbox_row **rows,
                                size_t *count, nb_errbuf *err)
{
    return query_outbox(s, "channel = ?1 AND status = 'pending'", channel, rows, count, err);
}

nb_err nb_sqlite_outbox_list(nb_sqlite *s, nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    return query_outbox(s, "status IN ('pending', 'sending', 'failed')", NULL, rows, count, err);
}

void nb_store_outbox_row_clear(nb_outbox_row *row)
{
    free(row->channel);
    free(row->method);
    free(row->payload);
    free(row->status);
    free(row->last_answer);
    memset(row, 0, sizeof *row);
}

void nb_outbox_rows_free(nb_outbox_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_store_outbox_row_clear(&rows[i]);
    free(rows);
}

nb_err nb_sqlite_outbox_mark(nb_sqlite *s, int64_t id, const char *status, int attempts,
                             int64_t next_attempt_at, const char *answer, int64_t now,
                             nb_errbuf *err)
{
    return NB_SQLITE_RUN(s,
                         "UPDATE deliveries SET status = ?2, attempts = ?3,"
                         " next_attempt_at = ?4, last_answer = COALESCE(?5, last_answer),"
                         " sent_at = CASE WHEN ?2 = 'sent' THEN ?6 ELSE sent_at END"
                         " WHERE id = ?1",
                         NULL, "updating the outbox", err, NB_SQL_I(id), NB_SQL_T(status),
                         NB_SQL_I(attempts), NB_SQL_I(next_attempt_at), NB_SQL_R(answer),
                         NB_SQL_I(now));
}

nb_err nb_sqlite_outbox_drop(nb_sqlite *s, int64_t id, const char *channel, size_t *dropped,
                             nb_errbuf *err)
{
    *dropped = 0;
    return NB_SQLITE_RUN(s,
                         "UPDATE deliveries SET status = 'dropped'"
                         " WHERE status IN ('pending', 'sending', 'failed')"
                         " AND (id = ?1 OR channel = ?2)",
                         dropped, "dropping outbox rows", err, NB_SQL_I(id > 0 ? id : -1),
                         NB_SQL_T(channel));
}

nb_err nb_sqlite_outbox_recover(nb_sqlite *s, size_t *recovered, nb_errbuf *err)
{
    nb_err rc = nb_sqlite_broken(s, err)
                    ? NB_ERR_IO
                    : nb_sqlite_exec_for(s,
                                         "UPDATE deliveries SET status = 'pending',"
                                         " possible_duplicate = 1, locked_by = NULL"
                                         " WHERE status = 'sending' AND (locked_by IS NULL"
                                         "  OR lease_until < " NB_SQLITE_NOW_MS ");",
                                         "recovering the outbox", err);
    *recovered = rc ? 0 : (size_t)sqlite3_changes(s->db);
    return rc;
}

nb_err nb_sqlite_outbox_next_due(nb_sqlite *s, int64_t *at, size_t *pending, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT (SELECT COUNT(*) FROM deliveries"
            "         WHERE status IN ('pending', 'sending')),"
            "       (SELECT MIN(next_attempt_at) FROM deliveries d"
            "         WHERE status IN ('pending', 'sending') AND id ="
            "           (SELECT MIN(id) FROM deliveries e WHERE e.channel = d.channel"
            "             AND e.status IN ('pending', 'sending')))",
            -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing outbox query");
    if (sqlite3_step(st) == SQLITE_ROW) {
        *pending = (size_t)sqlite3_column_int64(st, 0);
        *at = sqlite3_column_int64(st, 1);
    } else {
        rc = nb_sqlite_db_error(s, err, "reading outbox");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- retention ---- */

#define PRUNE_BATCH 500 /* rows per transaction, so runs and readers are never held up long */

/* Runs sql (binding ?1 = cutoff, ?2 = now) in transactions until it changes nothing;
 * *total counts the rows of the statement named count_of (the others follow it). */
static nb_err prune_batches(nb_sqlite *s, const char *const *sql, size_t n, int64_t cutoff,
                            int64_t now, size_t *total, nb_errbuf *err)
{
    for (;;) {
        nb_err rc = nb_sqlite_exec_for(s, "BEGIN IMMEDIATE;", "pruning", err);
        size_t changed = 0;
        for (size_t i = 0; i < n && !rc; i++)
            rc = NB_SQLITE_RUN(s, sql[i], i == n - 1 ? &changed : NULL, "applying retention", err,
                               NB_SQL_I(cutoff), NB_SQL_I(now));
        if (!rc)
            rc = nb_sqlite_exec_for(s, "COMMIT;", "pruning", err);
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
        *total += changed;
        if (changed < PRUNE_BATCH)
            return NB_OK;
    }
}

static nb_err count_rows(nb_sqlite *s, const char *sql, int64_t cutoff, size_t *out, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing retention count");
    sqlite3_bind_int64(st, 1, cutoff);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = (size_t)sqlite3_column_int64(st, 0);
    else
        rc = nb_sqlite_db_error(s, err, "counting for retention");
    sqlite3_finalize(st);
    return rc;
}

static int64_t pragma_int(nb_sqlite *s, const char *pragma)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, pragma, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

#define BATCH_OF(table, where) "SELECT rowid FROM " table " WHERE " where " LIMIT 500"

static const char texts_where[] = "content IS NOT NULL AND first_seen_at < ?1";
static const char items_where[] = "first_seen_at < ?1";
static const char summaries_where[] =
    "created_at < ?1 AND content_hash NOT IN"
    " (SELECT content_hash FROM items WHERE content_hash IS NOT NULL)";
static const char deliveries_where[] =
    "status IN ('sent', 'failed') AND briefing_id IN (SELECT id FROM briefings WHERE created_at"
    " < ?1)";
static const char briefings_where[] =
    "created_at < ?1 AND id NOT IN (SELECT briefing_id FROM deliveries WHERE status IN"
    " ('pending', 'sending'))";

nb_err nb_sqlite_prune(nb_sqlite *s, const nb_retention *r, int dry_run, nb_prune_report *report,
                       nb_errbuf *err)
{
    memset(report, 0, sizeof *report);
    char sql[5][512];
    nb_err rc = NB_OK;
    int64_t pages_before = pragma_int(s, "PRAGMA page_count");
    int64_t page_size = pragma_int(s, "PRAGMA page_size");
    if (r->article_text_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM items WHERE %s", texts_where);
        snprintf(sql[1], sizeof sql[1],
                 "UPDATE items SET content = NULL WHERE rowid IN (" BATCH_OF("items", "%s") ")",
                 texts_where);
        const char *batch[] = {sql[1]};
        rc = dry_run
                 ? count_rows(s, sql[0], r->article_text_before, &report->texts, err)
                 : prune_batches(s, batch, 1, r->article_text_before, r->now, &report->texts, err);
    }
    if (!rc && r->items_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM items WHERE %s", items_where);
        snprintf(sql[1], sizeof sql[1],
                 "INSERT OR IGNORE INTO forgotten_items (source, key, forgotten_at) SELECT source,"
                 " key, ?2 FROM items WHERE rowid IN (" BATCH_OF("items", "%s") ")",
                 items_where);
        snprintf(sql[2], sizeof sql[2],
                 "DELETE FROM briefing_items WHERE item_id IN (" BATCH_OF("items", "%s") ")",
                 items_where);
        snprintf(sql[3], sizeof sql[3],
                 "DELETE FROM items WHERE rowid IN (" BATCH_OF("items", "%s") ")", items_where);
        const char *batch[] = {sql[1], sql[2], sql[3]};
        rc = dry_run ? count_rows(s, sql[0], r->items_before, &report->items, err)
                     : prune_batches(s, batch, 3, r->items_before, r->now, &report->items, err);
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM summaries WHERE %s", summaries_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM summaries WHERE rowid IN (" BATCH_OF("summaries", "%s") ")",
                 summaries_where);
        const char *cache[] = {sql[1]};
        if (!rc)
            rc = dry_run
                     ? count_rows(s, sql[0], r->items_before, &report->summaries, err)
                     : prune_batches(s, cache, 1, r->items_before, r->now, &report->summaries, err);
    }
    if (!rc && r->briefings_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM deliveries WHERE %s",
                 deliveries_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM deliveries WHERE rowid IN (" BATCH_OF("deliveries", "%s") ")",
                 deliveries_where);
        const char *batch[] = {sql[1]};
        rc = dry_run
                 ? count_rows(s, sql[0], r->briefings_before, &report->messages, err)
                 : prune_batches(s, batch, 1, r->briefings_before, r->now, &report->messages, err);
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM briefings WHERE %s", briefings_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM briefings WHERE rowid IN (" BATCH_OF("briefings", "%s") ")",
                 briefings_where);
        const char *briefings[] = {sql[1]};
        if (!rc)
            rc = dry_run ? count_rows(s, sql[0], r->briefings_before, &report->briefings, err)
                         : prune_batches(s, briefings, 1, r->briefings_before, r->now,
                                         &report->briefings, err);
    }
    if (rc || dry_run)
        return rc;
    /* Give the freed pages back: incremental vacuum, or once a full VACUUM that turns it on
     * for a file made before it was the default. */
    if (pragma_int(s, "PRAGMA auto_vacuum") != 2) {
        rc = nb_sqlite_exec_for(s, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;", "pruning", err);
        report->vacuumed = !rc;
    } else {
        rc = nb_sqlite_exec_for(s, "PRAGMA incremental_vacuum;", "pruning", err);
    }
    if (!rc && pages_before > 0 && page_size > 0) {
        int64_t pages_after = pragma_int(s, "PRAGMA page_count");
        if (pages_after >= 0 && pages_after < pages_before)
            report->bytes_freed = (pages_before - pages_after) * page_size;
    }
    return rc;
}
