/* SPDX-License-Identifier: MIT */
/* The archive's read side of store.h: briefings as delivered, items by time and source,
 * one item with its story, full-text search, and the counters behind /metrics. Every query
 * is one short read on the caller's connection; nothing here writes except the run record. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "store/search_private.h"
#include "store/sqlite_private.h"
#include "store/store.h"

/* The columns every archive item query reads, in this order (see read_item). */
#define ITEM_COLUMNS "i.id, i.source, i.url, i.title, i.published_at, i.image, i.abstract"
#define ITEM_COLUMN_COUNT 7

static void read_item(sqlite3_stmt *st, int first, nb_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = sqlite3_column_int64(st, first);
    it->source = nb_sqlite_column_text(st, first + 1);
    it->url = nb_sqlite_column_text(st, first + 2);
    it->title = nb_sqlite_column_text(st, first + 3);
    it->published_at = sqlite3_column_int64(st, first + 4);
    it->image = nb_sqlite_column_text(st, first + 5);
    it->summary = nb_sqlite_column_text(st, first + 6);
}

static int bind_named_text(sqlite3_stmt *st, const char *name, const char *text)
{
    int index = sqlite3_bind_parameter_index(st, name);
    return index ? sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT) : SQLITE_OK;
}

static int bind_named_int(sqlite3_stmt *st, const char *name, int64_t value)
{
    int index = sqlite3_bind_parameter_index(st, name);
    return index ? sqlite3_bind_int64(st, index, value) : SQLITE_OK;
}

/* Appends SQL text to a buffer without a cap (the text is ours, not the user's). */
static void sql_add(nb_buf *b, const char *text)
{
    if (nb_buf_puts(b, text)) {
        /* unlimited buffer: cannot fail */
    }
}

/* ---- Briefings ---- */

void nb_briefing_clear(nb_briefing *b)
{
    free(b->slug);
    free(b->channel);
    free(b->title);
    nb_items_free(b->entries, b->entries_loaded);
    for (size_t i = 0; i < b->page_count; i++)
        free(b->pages[i]);
    free(b->pages);
    memset(b, 0, sizeof *b);
}

void nb_briefings_free(nb_briefing *briefings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_briefing_clear(&briefings[i]);
    free(briefings);
}

#define BRIEFING_COLUMNS "id, slug, channel, title, created_at, per_page, entry_count"

static void read_briefing(sqlite3_stmt *st, nb_briefing *b)
{
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(st, 0);
    b->slug = nb_sqlite_column_text(st, 1);
    b->channel = nb_sqlite_column_text(st, 2);
    b->title = nb_sqlite_column_text(st, 3);
    b->created_at = sqlite3_column_int64(st, 4);
    b->per_page = (size_t)sqlite3_column_int64(st, 5);
    b->entry_count = (size_t)sqlite3_column_int64(st, 6);
}

/* Loads up to limit entries of briefing b (limit 0: all). */
static nb_err load_entries(nb_sqlite *s, sqlite3_stmt *st, nb_briefing *b, size_t limit,
                           nb_errbuf *err)
{
    size_t want = limit && limit < b->entry_count ? limit : b->entry_count;
    if (!want)
        return NB_OK;
    b->entries = nb_xcalloc(want, sizeof *b->entries);
    sqlite3_bind_int64(st, 1, b->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)want);
    int step = SQLITE_DONE;
    while (b->entries_loaded < want && (step = sqlite3_step(st)) == SQLITE_ROW) {
        nb_item *it = &b->entries[b->entries_loaded++];
        read_item(st, 0, it);
        nb_store_read_related((const char *)sqlite3_column_text(st, 7), it);
    }
    nb_err rc = step == SQLITE_ROW || step == SQLITE_DONE
                    ? NB_OK
                    : nb_sqlite_db_error(s, err, "reading briefing entries");
    sqlite3_reset(st);
    return rc;
}

static const char entries_sql[] =
    "SELECT e.item_id, COALESCE(i.source, ''), e.url, e.title, e.published_at, e.image,"
    " e.summary, e.related FROM briefing_entries e LEFT JOIN items i ON i.id = e.item_id"
    " WHERE e.briefing_id = ?1 ORDER BY e.position LIMIT ?2";

nb_err nb_sqlite_briefings(nb_sqlite *s, const nb_briefing_query *q, nb_briefing **out,
                           size_t *count, nb_errbuf *err)
{
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    sql_add(&sql, "SELECT " BRIEFING_COLUMNS " FROM briefings WHERE 1");
    if (q->before_id)
        sql_add(&sql, " AND id < :before");
    if (q->from)
        sql_add(&sql, " AND created_at >= :from");
    if (q->to)
        sql_add(&sql, " AND created_at < :to");
    sql_add(&sql, " ORDER BY id DESC LIMIT :limit");
    sqlite3_stmt *st = NULL, *entries = NULL;
    nb_briefing *list = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, nb_buf_str(&sql), -1, &st, NULL) != SQLITE_OK ||
        (q->preview && sqlite3_prepare_v2(s->db, entries_sql, -1, &entries, NULL) != SQLITE_OK)) {
        rc = nb_sqlite_db_error(s, err, "preparing briefing list");
        goto out;
    }
    bind_named_int(st, ":before", q->before_id);
    bind_named_int(st, ":from", q->from);
    bind_named_int(st, ":to", q->to);
    bind_named_int(st, ":limit", (int64_t)q->limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        list = nb_xgrow(list, &alloc, n + 1, sizeof *list);
        read_briefing(st, &list[n++]);
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "listing briefings");
    for (size_t i = 0; i < n && !rc && q->preview; i++)
        rc = load_entries(s, entries, &list[i], q->preview, err);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(entries);
    nb_buf_free(&sql);
    if (rc) {
        nb_briefings_free(list, n);
        list = NULL;
        n = 0;
    }
    *out = list;
    *count = n;
    return rc;
}

nb_err nb_sqlite_briefing_get(nb_sqlite *s, const char *slug, nb_briefing *out, int *found,
                              nb_errbuf *err)
{
    sqlite3_stmt *st = NULL, *entries = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    *found = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " BRIEFING_COLUMNS ", pages FROM briefings WHERE slug = ?1", -1,
                           &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, entries_sql, -1, &entries, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing briefing query");
        goto out;
    }
    nb_sqlite_bind_text(st, 1, slug);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        goto out;
    if (step != SQLITE_ROW) {
        rc = nb_sqlite_db_error(s, err, "reading briefing");
        goto out;
    }
    read_briefing(st, out);
    *found = 1;
    nb_store_read_pages((const char *)sqlite3_column_text(st, 7), out);
    rc = load_entries(s, entries, out, 0, err);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(entries);
    if (rc) {
        nb_briefing_clear(out);
        *found = 0;
    }
    return rc;
}

/* ---- Items ---- */

/* Runs a prepared item query to the end. */
static nb_err collect_items(nb_sqlite *s, sqlite3_stmt *st, nb_item **items, size_t *count,
                            nb_errbuf *err)
{
    nb_item *out = NULL;
    size_t n = 0, alloc = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        read_item(st, 0, &out[n++]);
    }
    nb_err rc = NB_OK;
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading items");
        nb_items_free(out, n);
        out = NULL;
        n = 0;
    }
    *items = out;
    *count = n;
    return rc;
}

nb_err nb_sqlite_items_query(nb_sqlite *s, const nb_item_query *q, nb_item **items, size_t *count,
                             nb_errbuf *err)
{
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    sql_add(&sql, "SELECT " ITEM_COLUMNS " FROM items i WHERE 1");
    if (q->source)
        sql_add(&sql, " AND i.source = :source");
    if (q->from)
        sql_add(&sql, " AND i.published_at >= :from");
    if (q->to)
        sql_add(&sql, " AND i.published_at < :to");
    if (q->before_id)
        sql_add(&sql, " AND (i.published_at < :bp OR (i.published_at = :bp AND i.id < :bi))");
    sql_add(&sql, " ORDER BY i.published_at DESC, i.id DESC LIMIT :limit");
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *items = NULL;
    *count = 0;
    if (sqlite3_prepare_v2(s->db, nb_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing item query");
    } else {
        if (q->source)
            bind_named_text(st, ":source", q->source);
        bind_named_int(st, ":from", q->from);
        bind_named_int(st, ":to", q->to);
        bind_named_int(st, ":bp", q->before_published);
        bind_named_int(st, ":bi", q->before_id);
        bind_named_int(st, ":limit", (int64_t)q->limit);
        rc = collect_items(s, st, items, count, err);
    }
    sqlite3_finalize(st);
    nb_buf_free(&sql);
    return rc;
}

nb_err nb_sqlite_item_get(nb_sqlite *s, int64_t id, nb_item *out, int *found, nb_item **others,
                          size_t *other_count, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    *found = 0;
    *others = NULL;
    *other_count = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " ITEM_COLUMNS ", i.cluster_id FROM items i WHERE i.id = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing item query");
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    int64_t cluster = 0;
    if (step == SQLITE_ROW) {
        read_item(st, 0, out);
        cluster = sqlite3_column_int64(st, ITEM_COLUMN_COUNT);
        *found = 1;
    } else if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading item");
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc || !*found || !cluster)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " ITEM_COLUMNS " FROM items i WHERE i.cluster_id = ?1"
                           " AND i.id != ?2 ORDER BY i.published_at, i.id LIMIT 50",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing story query");
    } else {
        sqlite3_bind_int64(st, 1, cluster);
        sqlite3_bind_int64(st, 2, id);
        rc = collect_items(s, st, others, other_count, err);
    }
    sqlite3_finalize(st);
    if (rc) {
        nb_item_clear(out);
        *found = 0;
    }
    return rc;
}

nb_err nb_sqlite_item_briefings(nb_sqlite *s, int64_t id, nb_briefing **out, size_t *count,
                                nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_briefing *list = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " BRIEFING_COLUMNS " FROM briefings WHERE id IN (SELECT"
                           " briefing_id FROM briefing_entries WHERE item_id = ?1)"
                           " ORDER BY id DESC LIMIT 20",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing briefing query");
    sqlite3_bind_int64(st, 1, id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        list = nb_xgrow(list, &alloc, n + 1, sizeof *list);
        read_briefing(st, &list[n++]);
    }
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading briefings");
        nb_briefings_free(list, n);
        list = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *out = list;
    *count = n;
    return rc;
}

nb_err nb_sqlite_source_stats(nb_sqlite *s, nb_source_stats **out, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_source_stats *list = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT source, count(*), max(published_at) FROM items GROUP BY source"
                           " ORDER BY source",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing source statistics");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        list = nb_xgrow(list, &alloc, n + 1, sizeof *list);
        list[n].name = nb_sqlite_column_text(st, 0);
        list[n].items = sqlite3_column_int64(st, 1);
        list[n].newest = sqlite3_column_int64(st, 2);
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading source statistics");
        nb_source_stats_free(list, n);
        list = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *out = list;
    *count = n;
    return rc;
}

void nb_source_stats_free(nb_source_stats *stats, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(stats[i].name);
    free(stats);
}

/* ---- Search ---- */

/* A JSON array of ids, for json_each. */
static char *id_list(const int64_t *ids, size_t n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_SQL_BYTES);
    nb_err rc = nb_buf_putc(&b, '[');
    for (size_t i = 0; i < n && !rc; i++)
        rc = nb_buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    if (!rc)
        rc = nb_buf_putc(&b, ']');
    return nb_buf_take(&b);
}

/* The FTS5 query: every long term as a quoted string ("" inside), implicitly AND-ed. */
static char *match_expression(const nb_search_term *terms, size_t count)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_SQL_BYTES);
    nb_err rc = NB_OK;
    for (size_t i = 0; i < count && !rc; i++) {
        if (terms[i].chars < NB_SEARCH_TRIGRAM_CHARS)
            continue;
        rc = nb_buf_puts(&b, b.len ? " \"" : "\"");
        for (const char *p = terms[i].text; *p && !rc; p++)
            rc = *p == '"' ? nb_buf_puts(&b, "\"\"") : nb_buf_putc(&b, *p);
        if (!rc)
            rc = nb_buf_putc(&b, '"');
    }
    return nb_buf_take(&b);
}

static void bind_search(sqlite3_stmt *st, const nb_search_query *q, const char *match,
                        char *const *likes, size_t like_count, int64_t floor)
{
    bind_named_text(st, ":match", match);
    for (size_t i = 0; i < like_count; i++) {
        char name[32];
        snprintf(name, sizeof name, ":like%zu", i);
        bind_named_text(st, name, likes[i]);
    }
    if (q->source)
        bind_named_text(st, ":source", q->source);
    bind_named_int(st, ":from", q->from);
    bind_named_int(st, ":to", q->to);
    bind_named_int(st, ":floor", floor);
    bind_named_int(st, ":limit", (int64_t)q->limit);
    bind_named_int(st, ":offset", (int64_t)q->offset);
}

/* FROM and WHERE shared by the count, the ranking floor and the ranking. The items table is
 * joined to the index only when a filter or the order needs its columns. */
static void search_where(nb_buf *sql, const nb_search_query *q, int fts, size_t like_count,
                         int with_floor, int join)
{
    if (fts && join)
        sql_add(sql, " FROM items_fts JOIN items i ON i.id = items_fts.rowid"
                     " WHERE items_fts MATCH :match");
    else if (fts)
        sql_add(sql, " FROM items_fts WHERE items_fts MATCH :match");
    else
        sql_add(sql, " FROM items i WHERE 1");
    if (with_floor)
        sql_add(sql, " AND items_fts.rowid >= :floor");
    for (size_t i = 0; i < like_count; i++) {
        char clause[160];
        snprintf(clause, sizeof clause,
                 " AND (i.title LIKE :like%zu ESCAPE '\\' OR i.abstract LIKE :like%zu"
                 " ESCAPE '\\')",
                 i, i);
        sql_add(sql, clause);
    }
    if (q->source)
        sql_add(sql, " AND i.source = :source");
    if (q->from)
        sql_add(sql, " AND i.published_at >= :from");
    if (q->to)
        sql_add(sql, " AND i.published_at < :to");
}

/* One integer from a query built by search_where; *value 0 when no row. */
static nb_err search_scalar(nb_sqlite *s, const char *sql, const nb_search_query *q,
                            const char *match, char *const *likes, size_t like_count,
                            int64_t *value, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    *value = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing search");
    bind_search(st, q, match, likes, like_count, 0);
    int step = sqlite3_step(st);
    nb_err rc = NB_OK;
    if (step == SQLITE_ROW)
        *value = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "searching");
    sqlite3_finalize(st);
    return rc;
}

void nb_search_result_clear(nb_search_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        nb_item_clear(&r->hits[i].item);
        free(r->hits[i].title_marked);
        free(r->hits[i].snippet_marked);
    }
    free(r->hits);
    memset(r, 0, sizeof *r);
}

nb_err nb_sqlite_search(nb_sqlite *s, const nb_search_query *q, nb_search_result *out,
                        nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    nb_search_term terms[NB_SEARCH_TERMS_MAX];
    size_t term_count = nb_search_split(q->text ? q->text : "", terms);
    out->term_count = term_count;
    if (!term_count)
        return NB_OK;
    char *likes[NB_SEARCH_TERMS_MAX];
    size_t like_count = 0;
    for (size_t i = 0; i < term_count; i++)
        if (terms[i].chars < NB_SEARCH_TRIGRAM_CHARS)
            likes[like_count++] = nb_search_like_pattern(terms[i].text);
    int fts = like_count < term_count;
    out->substring_only = !fts;
    char *match = match_expression(terms, term_count);
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;

    int filtered = like_count || q->source || q->from || q->to;

    /* How many match, counted up to the cap. */
    sql_add(&sql, "SELECT count(*) FROM (SELECT 1");
    search_where(&sql, q, fts, like_count, 0, filtered);
    char cap[64];
    snprintf(cap, sizeof cap, " LIMIT %d)", NB_SEARCH_COUNT_CAP + 1);
    sql_add(&sql, cap);
    int64_t total = 0;
    rc = search_scalar(s, nb_buf_str(&sql), q, match, likes, like_count, &total, err);
    if (rc)
        goto out;
    out->total_capped = total > NB_SEARCH_COUNT_CAP;
    out->total = (size_t)(out->total_capped ? NB_SEARCH_COUNT_CAP : total);
    if (!total)
        goto out;

    /* Many matches: rank only the newest stored NB_SEARCH_COUNT_CAP (bm25 scores every
     * match it is given). */
    int64_t floor = 0;
    int ranked = fts && !q->newest;
    if (ranked && out->total_capped) {
        nb_buf_reset(&sql);
        sql_add(&sql, "SELECT items_fts.rowid");
        search_where(&sql, q, fts, like_count, 0, filtered);
        snprintf(cap, sizeof cap, " ORDER BY items_fts.rowid DESC LIMIT 1 OFFSET %d",
                 NB_SEARCH_COUNT_CAP - 1);
        sql_add(&sql, cap);
        rc = search_scalar(s, nb_buf_str(&sql), q, match, likes, like_count, &floor, err);
        if (rc)
            goto out;
    }

    /* The page of hits. With the index: first the page's row ids, ranked (or ordered) by
     * the index alone; then only those rows read from the items and marked (highlight and
     * snippet cost per row), in one scan of the ids' range. */
    int64_t *ids = NULL;
    size_t id_count = 0;
    if (fts) {
        nb_buf_reset(&sql);
        sql_add(&sql, "SELECT items_fts.rowid");
        search_where(&sql, q, fts, like_count, floor != 0, filtered || !ranked);
        sql_add(&sql, ranked ? " ORDER BY rank, items_fts.rowid DESC"
                             : " ORDER BY i.published_at DESC, i.id DESC");
        sql_add(&sql, " LIMIT :limit OFFSET :offset");
        if (sqlite3_prepare_v2(s->db, nb_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
            rc = nb_sqlite_db_error(s, err, "preparing search");
            goto out;
        }
        bind_search(st, q, match, likes, like_count, floor);
        ids = nb_xcalloc(q->limit + 1, sizeof *ids);
        int step;
        while (id_count < q->limit && (step = sqlite3_step(st)) == SQLITE_ROW)
            ids[id_count++] = sqlite3_column_int64(st, 0);
        if (id_count < q->limit && step != SQLITE_DONE)
            rc = nb_sqlite_db_error(s, err, "searching");
        sqlite3_finalize(st);
        st = NULL;
        if (rc || !id_count)
            goto hits_done;
    }
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < id_count; i++) {
        lo = ids[i] < lo ? ids[i] : lo;
        hi = ids[i] > hi ? ids[i] : hi;
    }
    nb_buf_reset(&sql);
    if (fts) {
        sql_add(&sql, "SELECT " ITEM_COLUMNS ", highlight(items_fts, 0, char(1), char(2)),"
                      " snippet(items_fts, 1, char(1), char(2), '…', 48)"
                      " FROM items_fts JOIN items i ON i.id = items_fts.rowid"
                      " WHERE items_fts MATCH :match AND items_fts.rowid BETWEEN :lo AND :hi"
                      " AND +items_fts.rowid IN (SELECT value FROM json_each(:ids))");
    } else { /* substrings only: newest first through the time index, the page at once */
        sql_add(&sql, "SELECT " ITEM_COLUMNS ", i.title, i.abstract");
        search_where(&sql, q, fts, like_count, 0, 0);
        sql_add(&sql, " ORDER BY i.published_at DESC, i.id DESC LIMIT :limit OFFSET :offset");
    }
    if (sqlite3_prepare_v2(s->db, nb_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing search");
        goto hits_done;
    }
    bind_search(st, q, match, likes, like_count, floor);
    if (fts) {
        char *list = id_list(ids, id_count);
        bind_named_text(st, ":ids", list);
        bind_named_int(st, ":lo", lo);
        bind_named_int(st, ":hi", hi);
        free(list);
    }
    size_t want = fts ? id_count : q->limit;
    out->hits = nb_xcalloc(want + 1, sizeof *out->hits);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t at = out->count;
        if (fts) { /* back to the ranked position */
            int64_t id = sqlite3_column_int64(st, 0);
            for (at = 0; at < id_count && ids[at] != id; at++)
                ;
            if (at == id_count || out->hits[at].title_marked)
                continue;
        } else if (at == want) {
            break;
        }
        nb_search_hit *h = &out->hits[at];
        read_item(st, 0, &h->item);
        const char *title = (const char *)sqlite3_column_text(st, ITEM_COLUMN_COUNT);
        const char *snippet = (const char *)sqlite3_column_text(st, ITEM_COLUMN_COUNT + 1);
        h->title_marked = nb_search_mark_short(title ? title : "", terms, term_count);
        h->snippet_marked =
            snippet && *snippet ? nb_search_mark_short(snippet, terms, term_count) : NULL;
        out->count++;
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = nb_sqlite_db_error(s, err, "searching");
    if (fts && !rc) { /* a row gone between the two reads leaves a gap: close it */
        size_t kept = 0;
        for (size_t i = 0; i < id_count; i++) {
            if (!out->hits[i].title_marked)
                continue;
            if (kept != i) {
                out->hits[kept] = out->hits[i];
                memset(&out->hits[i], 0, sizeof out->hits[i]);
            }
            kept++;
        }
        out->count = kept;
    }
hits_done:
    free(ids);
out:
    sqlite3_finalize(st);
    nb_buf_free(&sql);
    free(match);
    for (size_t i = 0; i < like_count; i++)
        free(likes[i]);
    nb_search_terms_clear(terms, term_count);
    if (rc) {
        nb_search_result_clear(out);
    }
    return rc;
}

/* ---- Metrics ---- */

static const char *const stat_sql[] = {
    [NB_STAT_RUNS] = "SELECT schedule, result, count(*) FROM runs GROUP BY 1, 2 ORDER BY 1, 2",
    [NB_STAT_SOURCE_ITEMS] = "SELECT source, NULL, count FROM source_counts WHERE kind = 'items'"
                             " ORDER BY 1",
    [NB_STAT_SOURCE_ERRORS] = "SELECT source, kind, count FROM source_counts WHERE kind != 'items'"
                              " ORDER BY 1, 2",
    [NB_STAT_LLM_REQUESTS] = "SELECT model, NULL, sum(requests) FROM llm_usage GROUP BY 1"
                             " ORDER BY 1",
    [NB_STAT_LLM_PROMPT_TOKENS] = "SELECT model, NULL, sum(prompt_tokens) FROM llm_usage"
                                  " GROUP BY 1 ORDER BY 1",
    [NB_STAT_LLM_COMPLETION_TOKENS] = "SELECT model, NULL, sum(completion_tokens) FROM llm_usage"
                                      " GROUP BY 1 ORDER BY 1",
    [NB_STAT_LLM_COST] = "SELECT model, NULL, sum(cost) FROM llm_usage GROUP BY 1 ORDER BY 1",
    [NB_STAT_OUTBOX] = "SELECT channel, status, count(*) FROM deliveries GROUP BY 1, 2"
                       " ORDER BY 1, 2",
    [NB_STAT_ITEMS] = "SELECT source, NULL, count(*) FROM items GROUP BY 1 ORDER BY 1",
    [NB_STAT_BRIEFINGS] = "SELECT channel, NULL, count(*) FROM briefings GROUP BY 1 ORDER BY 1",
};

nb_err nb_sqlite_stats(nb_sqlite *s, nb_store_stat which, nb_stat_row **rows, size_t *count,
                       nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_stat_row *list = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *rows = NULL;
    *count = 0;
    if ((size_t)which >= sizeof stat_sql / sizeof stat_sql[0])
        return nb_errf(err, NB_ERR_INTERNAL, "unknown statistic %d", (int)which);
    if (sqlite3_prepare_v2(s->db, stat_sql[which], -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing statistics");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        list = nb_xgrow(list, &alloc, n + 1, sizeof *list);
        list[n].labels[0] = nb_sqlite_column_text(st, 0);
        list[n].labels[1] = nb_sqlite_column_text(st, 1);
        list[n].value = sqlite3_column_double(st, 2);
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading statistics");
        nb_stat_rows_free(list, n);
        list = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *rows = list;
    *count = n;
    return rc;
}

void nb_stat_rows_free(nb_stat_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(rows[i].labels[0]);
        free(rows[i].labels[1]);
    }
    free(rows);
}

nb_err nb_sqlite_run_record(nb_sqlite *s, const nb_run_record *run, nb_errbuf *err)
{
    sqlite3_stmt *ins = NULL, *add = NULL;
    nb_err rc = nb_sqlite_exec(s, "BEGIN IMMEDIATE;", err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO runs (schedule, result, started_at, finished_at,"
                           " items_new) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO source_counts (source, kind, count) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (source, kind) DO UPDATE SET count = count + ?3",
                           -1, &add, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(s, err, "preparing run record");
        goto out;
    }
    nb_sqlite_bind_text(ins, 1, run->schedule);
    nb_sqlite_bind_text(ins, 2, run->result);
    sqlite3_bind_int64(ins, 3, run->started_at);
    sqlite3_bind_int64(ins, 4, run->finished_at);
    sqlite3_bind_int64(ins, 5, run->items_new);
    if (sqlite3_step(ins) != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "recording run");
    for (size_t i = 0; i < run->source_count && !rc; i++) {
        const nb_run_source *src = &run->sources[i];
        nb_sqlite_bind_text(add, 1, src->source);
        nb_sqlite_bind_text(add, 2, src->error_kind ? src->error_kind : "items");
        sqlite3_bind_int64(add, 3, src->error_kind ? 1 : src->items);
        if (sqlite3_step(add) != SQLITE_DONE)
            rc = nb_sqlite_db_error(s, err, "recording source counts");
        sqlite3_reset(add);
    }
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(add);
    if (!rc)
        rc = nb_sqlite_exec(s, "COMMIT;", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
    return rc;
}

nb_err nb_sqlite_item_text(nb_sqlite *s, int64_t id, char **text, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *text = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT content FROM items WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing article text query");
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *text = nb_sqlite_column_text(st, 0);
    else if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "reading article text");
    sqlite3_finalize(st);
    return rc;
}
