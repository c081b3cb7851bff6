/* SPDX-License-Identifier: MIT */
/* PostgreSQL implementation of store.h: briefings, the ledger, the outbox and retention.
 * A briefing is recorded in one transaction (its rows, its messages, the ledger), so a
 * crash leaves all of it or none; every other call is one statement. Several daemons may
 * commit at once: readable ids are claimed with ON CONFLICT, never checked then inserted.
 * Retention deletes in statements of a few hundred rows, each its own transaction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/redact.h"
#include "store/postgres_private.h"
#include "store/store.h"

/* ids as a PostgreSQL array literal ("{1,2,3}"), for $n::bigint[]. Caller frees. */
static char *id_array(const int64_t *ids, size_t count)
{
    size_t size = 3 + count * 21;
    char *text = nb_xmalloc(size);
    size_t n = 0;
    text[n++] = '{';
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(text + n, size - n, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(text + n, size - n, "}");
    return text;
}

/* Inserts the briefing under its readable id, the first of nb_store_slug's candidates that is
 * free. A slug another daemon holds (or is committing)
 * is skipped by ON CONFLICT, so two daemons never fail on the same minute. */
static nb_err insert_briefing(nb_pg *s, const nb_briefing_draft *d, const char *ids_text,
                              const char *pages_text, int64_t *briefing_id, nb_errbuf *err)
{
    char created[24], window[24], per_page[24], entries[24];
    const char *values[] = {d->channel,
                            nb_pg_param_int(created, d->created_at),
                            nb_pg_param_int(window, d->window_start),
                            ids_text,
                            pages_text,
                            NULL, /* the slug */
                            d->title,
                            nb_pg_param_int(per_page, (int64_t)d->per_page),
                            nb_pg_param_int(entries, (int64_t)d->entry_count)};
    nb_err rc = NB_OK;
    *briefing_id = 0;
    for (int attempt = 0; !rc && !*briefing_id; attempt++) {
        char *slug = nb_store_slug(d->channel, d->created_at, attempt);
        values[5] = slug;
        PGresult *res = nb_pg_query(
            s,
            "INSERT INTO briefings (channel, created_at, window_start, item_ids, pages, slug,"
            " title, per_page, entry_count) VALUES ($1::text, $2::bigint, $3::bigint, $4::text,"
            " $5::text, $6::text, $7::text, $8::integer, $9::integer)"
            " ON CONFLICT (slug) DO NOTHING RETURNING id",
            9, values, "storing briefing", err);
        free(slug);
        if (!res) {
            rc = nb_pg_failed_code(s);
            break;
        }
        if (PQntuples(res))
            *briefing_id = nb_pg_int(res, 0, 0);
        PQclear(res);
    }
    return rc;
}

/* The entries as shown, each entry's summary on its item, and one cluster per story: the
 * smallest cluster (or id) among its reports and the clusters they were in before. */
static nb_err record_entries(nb_pg *s, int64_t briefing_id, const nb_briefing_draft *d,
                             nb_errbuf *err)
{
    nb_err rc = NB_OK;
    char briefing[24];
    nb_pg_param_int(briefing, briefing_id);
    for (size_t i = 0; i < d->entry_count && !rc; i++) {
        const nb_item *it = &d->entries[i];
        char *related = nb_store_related_json(it);
        char *story = it->story_count ? nb_store_ids_json(it->story_ids, it->story_count)
                                      : nb_store_ids_json(&it->id, 1);
        char position[24], item[24], published[24];
        const char *entry[] = {briefing,
                               nb_pg_param_int(position, (int64_t)i),
                               nb_pg_param_int(item, it->id),
                               it->title ? it->title : "",
                               it->url ? it->url : "",
                               nb_pg_param_int(published, it->published_at),
                               it->image,
                               it->summary,
                               related ? related : "[]",
                               story ? story : "[]"};
        rc = nb_pg_run(s,
                       "INSERT INTO briefing_entries (briefing_id, position, item_id, title, url,"
                       " published_at, image, summary, related, story) VALUES ($1::bigint,"
                       " $2::integer, $3::bigint, $4::text, $5::text, $6::bigint, $7::text,"
                       " $8::text, $9::text, $10::text)",
                       10, entry, "recording briefing entries", err);
        if (!rc && it->summary) {
            const char *summary[] = {item, it->summary};
            rc = nb_pg_run(s,
                           "UPDATE items SET summary = $2::text, abstract = $2::text"
                           " WHERE id = $1::bigint",
                           2, summary, "recording summaries", err);
        }
        if (!rc && it->story_count > 1) {
            char *ids = id_array(it->story_ids, it->story_count);
            rc = nb_pg_run(s,
                           "WITH root AS (SELECT MIN(COALESCE(cluster_id, id)) AS cluster"
                           "   FROM items WHERE id = ANY($1::bigint[]))"
                           " UPDATE items SET cluster_id = root.cluster FROM root"
                           " WHERE root.cluster IS NOT NULL AND (items.id = ANY($1::bigint[])"
                           "   OR items.cluster_id IN (SELECT cluster_id FROM items"
                           "     WHERE id = ANY($1::bigint[])))",
                           1, (const char *const *)&ids, "recording story cluster", err);
            free(ids);
        }
        free(related);
        free(story);
    }
    return rc;
}

/* The ledger: each item given to the channel by this briefing, with the message carrying
 * it (delivery NULL: delivered with the commit). An item given before is given again. */
static nb_err record_ledger(nb_pg *s, const char *channel, const int64_t *ids, size_t count,
                            int64_t briefing_id, const char *delivery, nb_errbuf *err)
{
    if (!count)
        return NB_OK;
    char briefing[24];
    char *array = id_array(ids, count);
    const char *values[] = {channel, array, nb_pg_param_int(briefing, briefing_id), delivery};
    nb_err rc = nb_pg_run(s,
                          "INSERT INTO briefing_items (channel, item_id, briefing_id, delivery_id)"
                          " SELECT $1::text, item, $3::bigint, $4::bigint"
                          " FROM (SELECT DISTINCT unnest($2::bigint[]) AS item) AS given"
                          " ON CONFLICT (channel, item_id) DO UPDATE SET"
                          " briefing_id = EXCLUDED.briefing_id, delivery_id = EXCLUDED.delivery_id",
                          4, values, "recording briefing items", err);
    free(array);
    return rc;
}

nb_err nb_pg_briefing_commit(nb_pg *s, const nb_briefing_draft *d, int64_t *id, nb_errbuf *err)
{
    char *ids_text = nb_store_ids_json(d->item_ids, d->item_count);
    char *pages_text = nb_store_pages_json(d->pages, d->page_count);
    int64_t briefing_id = 0;
    nb_err rc = nb_pg_run(s, "BEGIN", 0, NULL, "storing a briefing", err);
    if (rc)
        goto out;
    rc = insert_briefing(s, d, ids_text ? ids_text : "[]", pages_text ? pages_text : "[]",
                         &briefing_id, err);
    if (!rc)
        rc = record_entries(s, briefing_id, d, err);
    if (!rc && d->message_count == 0) /* a local channel: delivered with the commit */
        rc = record_ledger(s, d->channel, d->item_ids, d->item_count, briefing_id, NULL, err);
    for (size_t i = 0; i < d->message_count && !rc; i++) {
        const nb_outbox_message *m = &d->messages[i];
        char briefing[24], seq[24], created[24];
        const char *values[] = {nb_pg_param_int(briefing, briefing_id),
                                d->channel,
                                nb_pg_param_int(seq, (int64_t)i + 1),
                                m->method ? m->method : "",
                                m->payload,
                                nb_pg_param_int(created, d->created_at)};
        PGresult *res = nb_pg_query(
            s,
            "INSERT INTO deliveries (briefing_id, channel, seq, method, payload, created_at)"
            " VALUES ($1::bigint, $2::text, $3::integer, $4::text, $5::text, $6::bigint)"
            " RETURNING id",
            6, values, "queueing message", err);
        if (!res) {
            rc = nb_pg_failed_code(s);
            break;
        }
        char delivery[24];
        nb_pg_param_int(delivery, nb_pg_int(res, 0, 0));
        PQclear(res);
        rc = record_ledger(s, d->channel, m->item_ids, m->item_count, briefing_id, delivery, err);
    }
    if (!rc)
        rc = nb_pg_run(s, "COMMIT", 0, NULL, "storing a briefing", err);
    if (rc && !s->failed)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    else if (!rc && id)
        *id = briefing_id;
out:
    free(ids_text);
    free(pages_text);
    return rc;
}

nb_err nb_pg_last_briefing_at(nb_pg *s, int64_t *at, nb_errbuf *err)
{
    *at = 0;
    PGresult *res = nb_pg_query(s, "SELECT COALESCE(MAX(created_at), 0) FROM briefings", 0, NULL,
                                "reading briefings", err);
    if (!res)
        return nb_pg_failed_code(s);
    *at = nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

/* ---- the outbox ---- */

static const char outbox_columns[] = "id, briefing_id, channel, seq, method, payload, status,"
                                     " attempts, next_attempt_at, last_answer,"
                                     " possible_duplicate, created_at";

void nb_pg_read_outbox_row(const PGresult *res, int row, void *out)
{
    nb_outbox_row *r = out;
    r->id = nb_pg_int(res, row, 0);
    r->briefing_id = nb_pg_int(res, row, 1);
    r->channel = nb_pg_text(res, row, 2);
    r->seq = (int)nb_pg_int(res, row, 3);
    r->method = nb_pg_text(res, row, 4);
    r->payload = nb_pg_text(res, row, 5);
    r->status = nb_pg_text(res, row, 6);
    r->attempts = (int)nb_pg_int(res, row, 7);
    r->next_attempt_at = nb_pg_int(res, row, 8);
    r->last_answer = nb_pg_text(res, row, 9);
    r->possible_duplicate = (int)nb_pg_int(res, row, 10);
    r->created_at = nb_pg_int(res, row, 11);
}

static nb_err query_outbox(nb_pg *s, const char *where, const char *channel, nb_outbox_row **rows,
                           size_t *count, nb_errbuf *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM deliveries WHERE %s ORDER BY id", outbox_columns,
             where);
    nb_err rc;
    *rows = nb_pg_rows(s, sql, channel ? 1 : 0, &channel, "reading the outbox", sizeof **rows,
                       nb_pg_read_outbox_row, count, &rc, err);
    return rc;
}

nb_err nb_pg_outbox_pending(nb_pg *s, const char *channel, nb_outbox_row **rows, size_t *count,
                            nb_errbuf *err)
{
    return query_outbox(s, "channel = $1::text AND status = 'pending'", channel, rows, count, err);
}

nb_err nb_pg_outbox_list(nb_pg *s, nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    return query_outbox(s, "status IN ('pending', 'sending', 'failed')", NULL, rows, count, err);
}

nb_err nb_pg_outbox_mark(nb_pg *s, int64_t id, const char *status, int attempts,
                         int64_t next_attempt_at, const char *answer, int64_t now, nb_errbuf *err)
{
    char row[24], tries[24], next[24], at[24];
    char *clean = nb_redact(answer);
    const char *values[] = {nb_pg_param_int(row, id),
                            status,
                            nb_pg_param_int(tries, attempts),
                            nb_pg_param_int(next, next_attempt_at),
                            clean,
                            nb_pg_param_int(at, now)};
    nb_err rc = nb_pg_run(s,
                          "UPDATE deliveries SET status = $2::text, attempts = $3::integer,"
                          " next_attempt_at = $4::bigint,"
                          " last_answer = COALESCE($5::text, last_answer),"
                          " sent_at = CASE WHEN $2::text = 'sent' THEN $6::bigint ELSE sent_at END"
                          " WHERE id = $1::bigint",
                          6, values, "updating the outbox", err);
    free(clean);
    return rc;
}

nb_err nb_pg_outbox_drop(nb_pg *s, int64_t id, const char *channel, size_t *dropped, nb_errbuf *err)
{
    char row[24];
    const char *values[] = {nb_pg_param_int(row, id > 0 ? id : -1), channel};
    *dropped = 0;
    return nb_pg_run_counted(s,
                             "UPDATE deliveries SET status = 'dropped'"
                             " WHERE status IN ('pending', 'sending', 'failed')"
                             " AND (id = $1::bigint OR channel = $2::text)",
                             2, values, "dropping outbox rows", dropped, err);
}

/* nb_pg_outbox_recover: postgres_jobs.c (only rows nobody holds: an expired lease, or a
 * sender whose session ended) */

nb_err nb_pg_outbox_next_due(nb_pg *s, int64_t *at, size_t *pending, nb_errbuf *err)
{
    /* rows go in order per channel: each channel's first row not yet sent decides */
    PGresult *res = nb_pg_query(s,
                                "SELECT (SELECT COUNT(*) FROM deliveries"
                                "         WHERE status IN ('pending', 'sending')),"
                                "       (SELECT MIN(next_attempt_at) FROM deliveries d"
                                "         WHERE status IN ('pending', 'sending') AND id ="
                                "           (SELECT MIN(id) FROM deliveries e"
                                "             WHERE e.channel = d.channel"
                                "             AND e.status IN ('pending', 'sending')))",
                                0, NULL, "reading the outbox", err);
    if (!res)
        return nb_pg_failed_code(s);
    *pending = (size_t)nb_pg_int(res, 0, 0);
    *at = nb_pg_int(res, 0, 1);
    PQclear(res);
    return NB_OK;
}

/* ---- retention ---- */

#define PRUNE_BATCH 500 /* rows per statement: each its own short transaction */
#define PRUNE_BATCH_TEXT "500"

/* What each retention step deletes, $1 being its cutoff (and $2 now). */
static const char texts_where[] = "content IS NOT NULL AND first_seen_at < $1::bigint";
static const char items_where[] = "first_seen_at < $1::bigint";
static const char summaries_where[] = "created_at < $1::bigint AND NOT EXISTS (SELECT 1 FROM items"
                                      " WHERE items.content_hash = summaries.content_hash)";
static const char deliveries_where[] =
    "status IN ('sent', 'failed') AND briefing_id IN (SELECT id FROM briefings"
    " WHERE created_at < $1::bigint)";
static const char briefings_where[] =
    "created_at < $1::bigint AND NOT EXISTS (SELECT 1 FROM deliveries d"
    " WHERE d.briefing_id = briefings.id AND d.status IN ('pending', 'sending'))";

/* Runs sql (a statement on at most PRUNE_BATCH rows) until it changes fewer; *total
 * receives the rows changed. */
static nb_err prune_batches(nb_pg *s, const char *sql, int64_t cutoff, int64_t now, size_t *total,
                            nb_errbuf *err)
{
    char cut[24], at[24];
    const char *values[] = {nb_pg_param_int(cut, cutoff), nb_pg_param_int(at, now)};
    int nparams = strstr(sql, "$2") ? 2 : 1;
    for (;;) {
        size_t changed = 0;
        nb_err rc = nb_pg_run_counted(s, sql, nparams, values, "applying retention", &changed, err);
        if (rc)
            return rc;
        *total += changed;
        if (changed < PRUNE_BATCH)
            return NB_OK;
    }
}

static nb_err count_rows(nb_pg *s, const char *table, const char *where, int64_t cutoff,
                         size_t *out, nb_errbuf *err)
{
    char *sql = nb_xasprintf("SELECT COUNT(*) FROM %s WHERE %s", table, where);
    char cut[24];
    const char *value = nb_pg_param_int(cut, cutoff);
    PGresult *res = nb_pg_query(s, sql, 1, &value, "counting for retention", err);
    free(sql);
    if (!res)
        return nb_pg_failed_code(s);
    *out = (size_t)nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_prune(nb_pg *s, const nb_retention *r, int dry_run, nb_prune_report *report,
                   nb_errbuf *err)
{
    memset(report, 0, sizeof *report);
    char sql[1024];
    nb_err rc = NB_OK;
    if (r->article_text_before > 0) {
        snprintf(sql, sizeof sql,
                 "UPDATE items SET content = NULL WHERE id IN (SELECT id FROM items WHERE %s"
                 " LIMIT " PRUNE_BATCH_TEXT ")",
                 texts_where);
        rc = dry_run
                 ? count_rows(s, "items", texts_where, r->article_text_before, &report->texts, err)
                 : prune_batches(s, sql, r->article_text_before, r->now, &report->texts, err);
    }
    if (!rc && r->items_before > 0) {
        /* one statement per batch: the keys kept, the ledger's rows and the items gone */
        snprintf(sql, sizeof sql,
                 "WITH batch AS (SELECT id, source, key FROM items WHERE %s"
                 "   ORDER BY id LIMIT " PRUNE_BATCH_TEXT " FOR UPDATE),"
                 " kept AS (INSERT INTO forgotten_items (source, key, forgotten_at)"
                 "   SELECT source, key, $2::bigint FROM batch ON CONFLICT DO NOTHING),"
                 " ledger AS (DELETE FROM briefing_items WHERE item_id IN (SELECT id FROM batch))"
                 " DELETE FROM items WHERE id IN (SELECT id FROM batch)",
                 items_where);
        rc = dry_run ? count_rows(s, "items", items_where, r->items_before, &report->items, err)
                     : prune_batches(s, sql, r->items_before, r->now, &report->items, err);
        snprintf(sql, sizeof sql,
                 "DELETE FROM summaries WHERE (content_hash, model, prompt_hash) IN"
                 " (SELECT content_hash, model, prompt_hash FROM summaries WHERE %s"
                 " LIMIT " PRUNE_BATCH_TEXT ")",
                 summaries_where);
        if (!rc)
            rc = dry_run ? count_rows(s, "summaries", summaries_where, r->items_before,
                                      &report->summaries, err)
                         : prune_batches(s, sql, r->items_before, r->now, &report->summaries, err);
    }
    if (!rc && r->briefings_before > 0) {
        snprintf(sql, sizeof sql,
                 "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE %s"
                 " LIMIT " PRUNE_BATCH_TEXT ")",
                 deliveries_where);
        rc = dry_run ? count_rows(s, "deliveries", deliveries_where, r->briefings_before,
                                  &report->messages, err)
                     : prune_batches(s, sql, r->briefings_before, r->now, &report->messages, err);
        /* the briefing's entries go with it */
        snprintf(sql, sizeof sql,
                 "WITH batch AS (SELECT id FROM briefings WHERE %s ORDER BY id"
                 "   LIMIT " PRUNE_BATCH_TEXT " FOR UPDATE),"
                 " entries AS (DELETE FROM briefing_entries"
                 "   WHERE briefing_id IN (SELECT id FROM batch))"
                 " DELETE FROM briefings WHERE id IN (SELECT id FROM batch)",
                 briefings_where);
        if (!rc)
            rc = dry_run
                     ? count_rows(s, "briefings", briefings_where, r->briefings_before,
                                  &report->briefings, err)
                     : prune_batches(s, sql, r->briefings_before, r->now, &report->briefings, err);
    }
    /* bytes_freed and vacuumed stay 0: the server's autovacuum makes the deleted rows'
     * space reusable; giving it back to the file system (VACUUM FULL) locks the tables
     * and is the administrator's call. */
    return rc;
}
