/* SPDX-License-Identifier: MIT */
/* The archive's read side of store.h on PostgreSQL: briefings as delivered, items by time
 * and source, one item with its story, full-text search over pg_trgm GIN indexes, and the
 * counters behind /metrics. The same results as archive.c on SQLite for the same data:
 * text is ordered by code point (COLLATE "C", as SQLite's binary order), and the search
 * follows the same term rules (search.c). Nothing here writes except the run record. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "store/postgres_private.h"
#include "store/search_private.h"
#include "store/store.h"

/* The columns every archive item query reads, in this order (see read_item). */
#define ITEM_COLUMNS "i.id, i.source, i.url, i.title, i.published_at, i.image, i.abstract"
#define ITEM_COLUMN_COUNT 7
#define BRIEFING_COLUMNS "id, slug, channel, title, created_at, per_page, entry_count"

/* Characters of an abstract shown around the matches (SQLite's snippet: 48 trigrams). */
#define SNIPPET_CHARS 50

/* Parameters of one statement: text, or integers formatted in place. */
typedef struct params {
    const char *values[2 * NB_SEARCH_TERMS_MAX + 16];
    char ints[16][24];
    int count, int_count;
} params;

/* Each returns the parameter's number ($n). */
static int add_text(params *p, const char *text)
{
    p->values[p->count] = text;
    return ++p->count;
}

static int add_int(params *p, int64_t value)
{
    p->values[p->count] = nb_pg_param_int(p->ints[p->int_count++], value);
    return ++p->count;
}

/* Appends SQL text to a buffer without a cap (the text is ours, not the user's). */
static void sql_add(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3);
static void sql_add(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (nb_buf_vprintf(b, fmt, ap)) {
        /* unlimited buffer: cannot fail */
    }
    va_end(ap);
}

static void read_item_at(const PGresult *res, int row, int first, nb_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = nb_pg_int(res, row, first);
    it->source = nb_pg_text(res, row, first + 1);
    it->url = nb_pg_text(res, row, first + 2);
    it->title = nb_pg_text(res, row, first + 3);
    it->published_at = nb_pg_int(res, row, first + 4);
    it->image = nb_pg_text(res, row, first + 5);
    it->summary = nb_pg_text(res, row, first + 6);
}

static void read_item(const PGresult *res, int row, void *it)
{
    read_item_at(res, row, 0, it);
}

/* Every row of an item query (ITEM_COLUMNS first). */
static nb_err run_items(nb_pg *s, const char *sql, const params *p, const char *what,
                        nb_item **items, size_t *count, nb_errbuf *err)
{
    nb_err rc;
    *items =
        nb_pg_rows(s, sql, p->count, p->values, what, sizeof **items, read_item, count, &rc, err);
    return rc;
}

/* " AND column >= $n" and " AND column < $m" for the bounds that are set (0: none). */
static void add_range(nb_buf *sql, params *p, const char *column, int64_t from, int64_t to)
{
    if (from)
        sql_add(sql, " AND %s >= $%d", column, add_int(p, from));
    if (to)
        sql_add(sql, " AND %s < $%d", column, add_int(p, to));
}

/* ---- Briefings ---- */

static void read_briefing(const PGresult *res, int row, void *briefing)
{
    nb_briefing *b = briefing;
    memset(b, 0, sizeof *b);
    b->id = nb_pg_int(res, row, 0);
    b->slug = nb_pg_text(res, row, 1);
    b->channel = nb_pg_text(res, row, 2);
    b->title = nb_pg_text(res, row, 3);
    b->created_at = nb_pg_int(res, row, 4);
    b->per_page = (size_t)nb_pg_int(res, row, 5);
    b->entry_count = (size_t)nb_pg_int(res, row, 6);
}

/* A PostgreSQL array literal of the briefings' ids. */
static char *briefing_ids(const nb_briefing *list, size_t n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_SQL_BYTES);
    sql_add(&b, "{");
    for (size_t i = 0; i < n; i++)
        sql_add(&b, "%s%lld", i ? "," : "", (long long)list[i].id);
    sql_add(&b, "}");
    return nb_buf_take(&b);
}

/* Loads the first limit entries (0: all) of every briefing of list in one statement. */
static nb_err load_entries(nb_pg *s, nb_briefing *list, size_t n, size_t limit, nb_errbuf *err)
{
    size_t wanted = 0;
    for (size_t i = 0; i < n; i++) {
        nb_briefing *b = &list[i];
        size_t want = limit && limit < b->entry_count ? limit : b->entry_count;
        b->entries = want ? nb_xcalloc(want, sizeof *b->entries) : NULL;
        wanted += want;
    }
    if (!wanted)
        return NB_OK;
    char *ids = briefing_ids(list, n);
    params p = {0};
    add_text(&p, ids);
    add_int(&p, limit ? (int64_t)limit : INT64_MAX);
    PGresult *res = nb_pg_query(
        s,
        "SELECT briefing_id, item_id, source, url, title, published_at, image, summary, related"
        " FROM (SELECT e.briefing_id, e.position, e.item_id, COALESCE(i.source, '') AS source,"
        " e.url, e.title, e.published_at, e.image, e.summary, e.related::text AS related,"
        " row_number() OVER (PARTITION BY e.briefing_id ORDER BY e.position) AS n"
        " FROM briefing_entries e LEFT JOIN items i ON i.id = e.item_id"
        " WHERE e.briefing_id = ANY ($1::bigint[])) x"
        " WHERE n <= $2 ORDER BY briefing_id, position",
        p.count, p.values, "reading briefing entries", err);
    free(ids);
    if (!res)
        return nb_pg_failed_code(s);
    size_t at = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t briefing = nb_pg_int(res, r, 0);
        if (at >= n || list[at].id != briefing)
            for (at = 0; at < n && list[at].id != briefing; at++)
                ;
        if (at == n)
            continue;
        nb_briefing *b = &list[at];
        size_t want = limit && limit < b->entry_count ? limit : b->entry_count;
        if (b->entries_loaded >= want)
            continue;
        nb_item *it = &b->entries[b->entries_loaded++];
        read_item_at(res, r, 1, it);
        nb_store_read_related(PQgetisnull(res, r, 8) ? NULL : PQgetvalue(res, r, 8), it);
    }
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_briefings(nb_pg *s, const nb_briefing_query *q, nb_briefing **out, size_t *count,
                       nb_errbuf *err)
{
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    params p = {0};
    sql_add(&sql, "SELECT " BRIEFING_COLUMNS " FROM briefings WHERE true");
    if (q->before_id)
        sql_add(&sql, " AND id < $%d", add_int(&p, q->before_id));
    add_range(&sql, &p, "created_at", q->from, q->to);
    sql_add(&sql, " ORDER BY id DESC LIMIT $%d", add_int(&p, (int64_t)q->limit));
    nb_err rc;
    *out = nb_pg_rows(s, nb_buf_str(&sql), p.count, p.values, "listing briefings", sizeof **out,
                      read_briefing, count, &rc, err);
    nb_buf_free(&sql);
    if (!rc && q->preview && (rc = load_entries(s, *out, *count, q->preview, err))) {
        nb_briefings_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

nb_err nb_pg_briefing_get(nb_pg *s, const char *slug, nb_briefing *out, int *found, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    const char *values[] = {slug};
    PGresult *res = nb_pg_query(s,
                                "SELECT " BRIEFING_COLUMNS ", pages::text FROM briefings"
                                " WHERE slug = $1",
                                1, values, "reading briefing", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (!PQntuples(res)) {
        PQclear(res);
        return NB_OK;
    }
    read_briefing(res, 0, out);
    *found = 1;
    nb_store_read_pages(PQgetisnull(res, 0, 7) ? NULL : PQgetvalue(res, 0, 7), out);
    PQclear(res);
    nb_err rc = load_entries(s, out, 1, 0, err);
    if (rc) {
        nb_briefing_clear(out);
        *found = 0;
    }
    return rc;
}

/* ---- Items ---- */

nb_err nb_pg_items_query(nb_pg *s, const nb_item_query *q, nb_item **items, size_t *count,
                         nb_errbuf *err)
{
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    params p = {0};
    sql_add(&sql, "SELECT " ITEM_COLUMNS " FROM items i WHERE true");
    if (q->source)
        sql_add(&sql, " AND i.source = $%d", add_text(&p, q->source));
    add_range(&sql, &p, "i.published_at", q->from, q->to);
    if (q->before_id) {
        int bp = add_int(&p, q->before_published), bi = add_int(&p, q->before_id);
        sql_add(&sql, " AND (i.published_at, i.id) < ($%d, $%d)", bp, bi);
    }
    sql_add(&sql, " ORDER BY i.published_at DESC, i.id DESC LIMIT $%d",
            add_int(&p, (int64_t)q->limit));
    nb_err rc = run_items(s, nb_buf_str(&sql), &p, "reading items", items, count, err);
    nb_buf_free(&sql);
    return rc;
}

nb_err nb_pg_item_get(nb_pg *s, int64_t id, nb_item *out, int *found, nb_item **others,
                      size_t *other_count, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    *others = NULL;
    *other_count = 0;
    params p = {0};
    add_int(&p, id);
    PGresult *res =
        nb_pg_query(s, "SELECT " ITEM_COLUMNS ", i.cluster_id FROM items i WHERE i.id = $1",
                    p.count, p.values, "reading item", err);
    if (!res)
        return nb_pg_failed_code(s);
    int64_t cluster = 0;
    if (PQntuples(res)) {
        read_item_at(res, 0, 0, out);
        cluster = nb_pg_int(res, 0, ITEM_COLUMN_COUNT);
        *found = 1;
    }
    PQclear(res);
    if (!*found || !cluster)
        return NB_OK;
    add_int(&p, cluster);
    nb_err rc = run_items(s,
                          "SELECT " ITEM_COLUMNS " FROM items i WHERE i.cluster_id = $2"
                          " AND i.id <> $1 ORDER BY i.published_at, i.id LIMIT 50",
                          &p, "reading the story", others, other_count, err);
    if (rc) {
        nb_item_clear(out);
        *found = 0;
    }
    return rc;
}

nb_err nb_pg_item_text(nb_pg *s, int64_t id, char **text, nb_errbuf *err)
{
    *text = NULL;
    params p = {0};
    add_int(&p, id);
    PGresult *res = nb_pg_query(s, "SELECT content FROM items WHERE id = $1", p.count, p.values,
                                "reading article text", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res))
        *text = nb_pg_text(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_item_briefings(nb_pg *s, int64_t id, nb_briefing **out, size_t *count, nb_errbuf *err)
{
    params p = {0};
    add_int(&p, id);
    nb_err rc;
    *out = nb_pg_rows(s,
                      "SELECT " BRIEFING_COLUMNS " FROM briefings WHERE id IN (SELECT"
                      " briefing_id FROM briefing_entries WHERE item_id = $1)"
                      " ORDER BY id DESC LIMIT 20",
                      p.count, p.values, "reading briefings", sizeof **out, read_briefing, count,
                      &rc, err);
    return rc;
}

static void read_source_stats(const PGresult *res, int row, void *stats)
{
    nb_source_stats *out = stats;
    out->name = nb_pg_text(res, row, 0);
    out->items = nb_pg_int(res, row, 1);
    out->newest = nb_pg_int(res, row, 2);
}

nb_err nb_pg_source_stats(nb_pg *s, nb_source_stats **out, size_t *count, nb_errbuf *err)
{
    nb_err rc;
    *out = nb_pg_rows(s,
                      "SELECT source, count(*), max(published_at) FROM items"
                      " GROUP BY source ORDER BY source COLLATE \"C\"",
                      0, NULL, "reading source statistics", sizeof **out, read_source_stats, count,
                      &rc, err);
    return rc;
}

/* ---- Search ---- */

/* FROM and WHERE shared by the count and the page: every term a substring of the title or
 * the abstract (ILIKE; the trigram indexes serve the terms of three or more characters),
 * then the filters. The parameters are added to p. */
static void search_where(nb_buf *sql, params *p, const nb_search_query *q, char *const *patterns,
                         size_t count)
{
    sql_add(sql, " FROM items i WHERE true");
    for (size_t i = 0; i < count; i++) {
        int k = add_text(p, patterns[i]);
        sql_add(sql, " AND (i.title ILIKE $%d OR i.abstract ILIKE $%d)", k, k);
    }
    if (q->source)
        sql_add(sql, " AND i.source = $%d", add_text(p, q->source));
    add_range(sql, p, "i.published_at", q->from, q->to);
}

/* Occurrences of term $k in a column, case folded. */
static void add_hits(nb_buf *sql, const char *column, int k)
{
    sql_add(sql,
            "(length(lower(coalesce(%s, ''))) - length(replace(lower(coalesce(%s, '')),"
            " lower($%d::text), ''))) / length($%d::text)::float8",
            column, column, k, k);
}

/* The relevance of a row of w: BM25 over the long terms, the title's occurrences weighing
 * 5 as on SQLite (k1 1.2, b 0.75; the length is the title's and the abstract's, against
 * their average among the rows ranked). */
static void add_score(nb_buf *sql, params *p, const nb_search_term *terms, size_t count)
{
    sql_add(sql, "(0");
    for (size_t i = 0; i < count; i++) {
        if (terms[i].chars < NB_SEARCH_TRIGRAM_CHARS)
            continue;
        int k = add_text(p, terms[i].text);
        nb_buf f;
        nb_buf_init(&f, NB_LIMIT_SQL_BYTES);
        sql_add(&f, "(5 * ");
        add_hits(&f, "w.title", k);
        sql_add(&f, " + ");
        add_hits(&f, "w.abstract", k);
        sql_add(&f, ")");
        sql_add(sql, " + %s * 2.2 / (%s + 1.2 * (0.25 + 0.75 * w.dl / greatest(w.avgdl, 1)))",
                nb_buf_str(&f), nb_buf_str(&f));
        nb_buf_free(&f);
    }
    sql_add(sql, ")");
}

nb_err nb_pg_search(nb_pg *s, const nb_search_query *q, nb_search_result *out, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    nb_search_term terms[NB_SEARCH_TERMS_MAX];
    size_t term_count = nb_search_split(q->text ? q->text : "", terms);
    out->term_count = term_count;
    if (!term_count)
        return NB_OK;
    char *patterns[NB_SEARCH_TERMS_MAX];
    int indexed = 0;
    for (size_t i = 0; i < term_count; i++) {
        patterns[i] = nb_search_like_pattern(terms[i].text);
        indexed |= terms[i].chars >= NB_SEARCH_TRIGRAM_CHARS;
    }
    out->substring_only = !indexed;
    nb_buf sql;
    nb_buf_init(&sql, NB_LIMIT_SQL_BYTES);
    params p = {0};
    nb_err rc = NB_OK;
    PGresult *res = NULL;

    /* How many match, counted up to the cap. */
    nb_buf where;
    nb_buf_init(&where, NB_LIMIT_SQL_BYTES);
    search_where(&where, &p, q, patterns, term_count);
    sql_add(&sql, "SELECT count(*) FROM (SELECT 1%s LIMIT %d) x", nb_buf_str(&where),
            NB_SEARCH_COUNT_CAP + 1);
    res = nb_pg_query(s, nb_buf_str(&sql), p.count, p.values, "searching", err);
    if (!res) {
        rc = nb_pg_failed_code(s);
        goto out;
    }
    int64_t total = nb_pg_int(res, 0, 0);
    PQclear(res);
    out->total_capped = total > NB_SEARCH_COUNT_CAP;
    out->total = (size_t)(out->total_capped ? NB_SEARCH_COUNT_CAP : total);
    if (!total)
        goto out;

    /* The page. Ranked: among the newest NB_SEARCH_COUNT_CAP matches (as on SQLite, where
     * bm25 scores every match it is given); else newest first over all of them. */
    nb_buf_reset(&sql);
    if (indexed && !q->newest) {
        sql_add(&sql,
                "WITH m AS (SELECT " ITEM_COLUMNS "%s ORDER BY i.id DESC LIMIT %d),"
                " w AS (SELECT m.*, length(m.title) + coalesce(length(m.abstract), 0) AS dl,"
                " avg(length(m.title) + coalesce(length(m.abstract), 0)) OVER () AS avgdl"
                " FROM m)"
                " SELECT id, source, url, title, published_at, image, abstract FROM w ORDER BY ",
                nb_buf_str(&where), NB_SEARCH_COUNT_CAP);
        add_score(&sql, &p, terms, term_count);
        sql_add(&sql, " DESC, id DESC");
    } else {
        sql_add(&sql, "SELECT " ITEM_COLUMNS "%s ORDER BY i.published_at DESC, i.id DESC",
                nb_buf_str(&where));
    }
    int limit = add_int(&p, (int64_t)q->limit), offset = add_int(&p, (int64_t)q->offset);
    sql_add(&sql, " LIMIT $%d OFFSET $%d", limit, offset);
    res = nb_pg_query(s, nb_buf_str(&sql), p.count, p.values, "searching", err);
    if (!res) {
        rc = nb_pg_failed_code(s);
        goto out;
    }
    size_t rows = (size_t)PQntuples(res);
    out->hits = rows ? nb_xcalloc(rows, sizeof *out->hits) : NULL;
    for (size_t r = 0; r < rows; r++) {
        nb_search_hit *h = &out->hits[r];
        read_item_at(res, (int)r, 0, &h->item);
        char *title = nb_search_mark_long(h->item.title ? h->item.title : "", terms, term_count);
        h->title_marked = nb_search_mark_short(title, terms, term_count);
        free(title);
        const char *abstract = h->item.summary;
        char *snippet = !abstract || !*abstract ? NULL
                        : indexed ? nb_search_snippet(abstract, terms, term_count, SNIPPET_CHARS)
                                  : nb_xstrdup(abstract);
        h->snippet_marked = nb_search_mark_short(snippet, terms, term_count);
        free(snippet);
        out->count++;
    }
    PQclear(res);
out:
    nb_buf_free(&where);
    nb_buf_free(&sql);
    for (size_t i = 0; i < term_count; i++)
        free(patterns[i]);
    nb_search_terms_clear(terms, term_count);
    if (rc)
        nb_search_result_clear(out);
    return rc;
}

/* ---- Metrics ---- */

static const char *const stat_sql[] = {
    [NB_STAT_RUNS] = "SELECT schedule, result, count(*) FROM runs GROUP BY 1, 2"
                     " ORDER BY schedule COLLATE \"C\", result COLLATE \"C\"",
    [NB_STAT_SOURCE_ITEMS] = "SELECT source, NULL, count FROM source_counts WHERE kind = 'items'"
                             " ORDER BY source COLLATE \"C\"",
    [NB_STAT_SOURCE_ERRORS] = "SELECT source, kind, count FROM source_counts WHERE kind <> 'items'"
                              " ORDER BY source COLLATE \"C\", kind COLLATE \"C\"",
    [NB_STAT_LLM_REQUESTS] = "SELECT model, NULL, sum(requests) FROM llm_usage GROUP BY 1"
                             " ORDER BY model COLLATE \"C\"",
    [NB_STAT_LLM_PROMPT_TOKENS] = "SELECT model, NULL, sum(prompt_tokens) FROM llm_usage"
                                  " GROUP BY 1 ORDER BY model COLLATE \"C\"",
    [NB_STAT_LLM_COMPLETION_TOKENS] = "SELECT model, NULL, sum(completion_tokens) FROM llm_usage"
                                      " GROUP BY 1 ORDER BY model COLLATE \"C\"",
    [NB_STAT_LLM_COST] = "SELECT model, NULL, sum(cost) FROM llm_usage GROUP BY 1"
                         " ORDER BY model COLLATE \"C\"",
    [NB_STAT_OUTBOX] = "SELECT channel, status, count(*) FROM deliveries GROUP BY 1, 2"
                       " ORDER BY channel COLLATE \"C\", status COLLATE \"C\"",
    [NB_STAT_ITEMS] = "SELECT source, NULL, count(*) FROM items GROUP BY 1"
                      " ORDER BY source COLLATE \"C\"",
    [NB_STAT_BRIEFINGS] = "SELECT channel, NULL, count(*) FROM briefings GROUP BY 1"
                          " ORDER BY channel COLLATE \"C\"",
};

static void read_stat(const PGresult *res, int row, void *stat)
{
    nb_stat_row *out = stat;
    out->labels[0] = nb_pg_text(res, row, 0);
    out->labels[1] = nb_pg_text(res, row, 1);
    out->value = PQgetisnull(res, row, 2) ? 0 : strtod(PQgetvalue(res, row, 2), NULL);
}

nb_err nb_pg_stats(nb_pg *s, nb_store_stat which, nb_stat_row **rows, size_t *count, nb_errbuf *err)
{
    *rows = NULL;
    *count = 0;
    if ((size_t)which >= sizeof stat_sql / sizeof stat_sql[0])
        return nb_errf(err, NB_ERR_INTERNAL, "unknown statistic %d", (int)which);
    nb_err rc;
    *rows = nb_pg_rows(s, stat_sql[which], 0, NULL, "reading statistics", sizeof **rows, read_stat,
                       count, &rc, err);
    return rc;
}

nb_err nb_pg_run_record(nb_pg *s, const nb_run_record *run, nb_errbuf *err)
{
    nb_err rc = nb_pg_run(s, "BEGIN", 0, NULL, "recording a run", err);
    if (rc)
        return rc;
    params p = {0};
    add_text(&p, run->schedule);
    add_text(&p, run->result);
    add_int(&p, run->started_at);
    add_int(&p, run->finished_at);
    add_int(&p, run->items_new);
    rc = nb_pg_run(s,
                   "INSERT INTO runs (schedule, result, started_at, finished_at, items_new)"
                   " VALUES ($1, $2, $3, $4, $5)",
                   p.count, p.values, "recording a run", err);
    for (size_t i = 0; i < run->source_count && !rc; i++) {
        const nb_run_source *src = &run->sources[i];
        params c = {0};
        add_text(&c, src->source);
        add_text(&c, src->error_kind ? src->error_kind : "items");
        add_int(&c, src->error_kind ? 1 : src->items);
        rc = nb_pg_run(s,
                       "INSERT INTO source_counts (source, kind, count) VALUES ($1, $2, $3)"
                       " ON CONFLICT (source, kind) DO UPDATE"
                       " SET count = source_counts.count + excluded.count",
                       c.count, c.values, "recording source counts", err);
    }
    if (!rc)
        rc = nb_pg_run(s, "COMMIT", 0, NULL, "recording a run", err);
    if (rc) {
        nb_errbuf ignored;
        if (nb_pg_run(s, "ROLLBACK", 0, NULL, "rolling back", &ignored)) {
            /* the connection is gone or the transaction already ended */
        }
    }
    return rc;
}
