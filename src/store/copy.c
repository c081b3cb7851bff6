/* SPDX-License-Identifier: MIT */
/* Moving to PostgreSQL: a SQLite database copied into an empty PostgreSQL one, table by
 * table through COPY, in one transaction on each side (one snapshot read, one commit
 * written), with the row ids kept so that briefing slugs and /api item ids stay. The
 * columns copied are those both schemas have; the counts are compared before the commit,
 * so a copy is whole or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "store/engines.h"
#include "store/postgres_private.h"
#include "store/sqlite_private.h"

/* What a database holds, parents before the rows that name them. Not copied: the daemon's
 * heartbeat (a process's, not data), the SQLite search index (PostgreSQL indexes the
 * items themselves), and leased work (jobs, claimed fires, the leases on outbox rows). */
static const char *const tables[] = {
    "sources",    "items",     "forgotten_items",  "summaries",
    "llm_usage",  "briefings", "briefing_entries", "briefing_items",
    "deliveries", "runs",      "source_counts",    "schedules",
};
#define TABLE_COUNT (sizeof tables / sizeof tables[0])

/* COPY data is sent in pieces of about this size. */
#define COPY_CHUNK (1 << 20)

static nb_err pg_error(nb_pg *pg, const PGresult *res, const char *what, nb_errbuf *err)
{
    char line[NB_ERRBUF_SIZE / 2];
    snprintf(line, sizeof line, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
    line[strcspn(line, "\n")] = '\0';
    return nb_errf(err, PQstatus(pg->conn) == CONNECTION_OK ? NB_ERR_STORE : NB_ERR_IO,
                   "database %s: %s: %s", pg->name, what, line);
}

/* The columns of a PostgreSQL table, as a NULL-terminated list (caller frees). */
static nb_err pg_columns(nb_pg *pg, const char *table, char ***out, size_t *count, nb_errbuf *err)
{
    const char *values[] = {table};
    PGresult *res = nb_pg_query(pg,
                                "SELECT column_name FROM information_schema.columns"
                                " WHERE table_schema = current_schema() AND table_name = $1"
                                " ORDER BY ordinal_position",
                                1, values, "reading the schema", err);
    if (!res)
        return nb_pg_failure(pg) ? NB_ERR_IO : NB_ERR_STORE;
    size_t n = (size_t)PQntuples(res);
    char **list = nb_xcalloc(n + 1, sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = nb_pg_text(res, (int)i, 0);
    PQclear(res);
    *out = list;
    *count = n;
    return NB_OK;
}

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

static int in_list(char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], name))
            return 1;
    return 0;
}

/* One integer from the SQLite database. */
static nb_err lite_count(nb_sqlite *lite, const char *table, int64_t *count, nb_errbuf *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(lite->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(lite, err, "counting rows");
    nb_err rc = NB_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    else
        rc = nb_sqlite_db_error(lite, err, "counting rows");
    sqlite3_finalize(st);
    return rc;
}

static nb_err pg_count(nb_pg *pg, const char *table, int64_t *count, nb_errbuf *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    PGresult *res = nb_pg_query(pg, sql, 0, NULL, "counting rows", err);
    if (!res)
        return nb_pg_failure(pg) ? NB_ERR_IO : NB_ERR_STORE;
    *count = nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

/* A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
static nb_err put_value(nb_buf *b, const char *text)
{
    nb_err rc = NB_OK;
    for (const char *p = text; *p && !rc; p++) {
        switch (*p) {
        case '\\':
            rc = nb_buf_puts(b, "\\\\");
            break;
        case '\t':
            rc = nb_buf_puts(b, "\\t");
            break;
        case '\n':
            rc = nb_buf_puts(b, "\\n");
            break;
        case '\r':
            rc = nb_buf_puts(b, "\\r");
            break;
        default:
            rc = nb_buf_putc(b, *p);
        }
    }
    return rc;
}

static nb_err send_chunk(nb_pg *pg, nb_buf *b, const char *table, nb_errbuf *err)
{
    if (b->len && PQputCopyData(pg->conn, b->data, (int)b->len) != 1) {
        nb_errf(err, NB_ERR_IO, "database %s: copying %s: %s", pg->name, table,
                PQerrorMessage(pg->conn));
        err->msg[strcspn(err->msg, "\n")] = '\0';
        return NB_ERR_IO;
    }
    nb_buf_reset(b);
    return NB_OK;
}

/* Copies one table's shared columns; *rows: how many were sent. */
static nb_err copy_table(nb_sqlite *lite, nb_pg *pg, const char *table, int64_t *rows,
                         nb_errbuf *err)
{
    char **target = NULL;
    size_t target_count = 0;
    *rows = 0;
    nb_err rc = pg_columns(pg, table, &target, &target_count, err);
    if (rc)
        return rc;
    if (!target_count) {
        free_list(target);
        return nb_errf(err, NB_ERR_STORE, "database %s has no table %s", pg->name, table);
    }
    /* the columns SQLite has, in its order, that PostgreSQL has too */
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
    sqlite3_stmt *st = NULL;
    nb_buf cols, data;
    nb_buf_init(&cols, NB_LIMIT_SQL_BYTES);
    nb_buf_init(&data, NB_LIMIT_SQL_BYTES);
    int *shared = NULL;
    PGresult *res = NULL;
    if (sqlite3_prepare_v2(lite->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = nb_sqlite_db_error(lite, err, "reading a table");
        goto out;
    }
    int ncol = sqlite3_column_count(st), nshared = 0;
    shared = nb_xcalloc((size_t)ncol + 1, sizeof *shared);
    for (int c = 0; c < ncol && !rc; c++) {
        const char *name = sqlite3_column_name(st, c);
        /* a lease is a live worker's on the old database (and SQLite's are milliseconds,
         * PostgreSQL's timestamps): a copied row starts without one */
        if (!in_list(target, name) || !strcmp(name, "locked_by") || !strcmp(name, "lease_until"))
            continue;
        shared[nshared++] = c;
        rc = nb_buf_printf(&cols, "%s\"%s\"", nshared > 1 ? ", " : "", name);
    }
    if (!rc)
        rc = nb_buf_printf(&data, "COPY \"%s\" (%s) FROM STDIN", table, nb_buf_str(&cols));
    if (rc)
        goto out;
    res = PQexec(pg->conn, nb_buf_str(&data));
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = pg_error(pg, res, "copying", err);
        goto out;
    }
    PQclear(res);
    res = NULL;
    nb_buf_reset(&data);
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < nshared && !rc; i++) {
            if (i)
                rc = nb_buf_putc(&data, '\t');
            const char *text = (const char *)sqlite3_column_text(st, shared[i]);
            if (!rc)
                rc = text ? put_value(&data, text) : nb_buf_puts(&data, "\\N");
        }
        if (!rc)
            rc = nb_buf_putc(&data, '\n');
        (*rows)++;
        if (!rc && data.len >= COPY_CHUNK)
            rc = send_chunk(pg, &data, table, err);
    }
    if (!rc && step != SQLITE_DONE)
        rc = nb_sqlite_db_error(lite, err, "reading a table");
    if (!rc)
        rc = send_chunk(pg, &data, table, err);
    /* ends the COPY either way: with an error message, the server abandons it */
    if (PQputCopyEnd(pg->conn, rc ? "newsbrief: copy abandoned" : NULL) != 1 && !rc)
        rc = pg_error(pg, NULL, "copying", err);
    while ((res = PQgetResult(pg->conn))) {
        if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK) {
            char what[96];
            snprintf(what, sizeof what, "copying %s", table);
            rc = pg_error(pg, res, what, err);
        }
        PQclear(res);
    }
out:
    PQclear(res);
    sqlite3_finalize(st);
    free(shared);
    nb_buf_free(&cols);
    nb_buf_free(&data);
    free_list(target);
    return rc;
}

/* The next id a serial column gives is past the copied ones. */
static nb_err set_sequence(nb_pg *pg, const char *table, nb_errbuf *err)
{
    char **cols = NULL;
    size_t n = 0;
    nb_err rc = pg_columns(pg, table, &cols, &n, err);
    if (!rc && in_list(cols, "id")) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), greatest(max(id), 1),"
                 " max(id) IS NOT NULL) FROM \"%s\"",
                 table, table);
        rc = nb_pg_run(pg, sql, 0, NULL, "setting a sequence", err);
    }
    free_list(cols);
    return rc;
}

nb_err nb_store_copy_engines(nb_sqlite *lite, nb_pg *pg, nb_copy_report *report, nb_errbuf *err)
{
    memset(report, 0, sizeof *report);
    nb_err rc = nb_sqlite_exec(lite, "BEGIN;", err); /* one snapshot of the source */
    if (rc)
        return rc;
    rc = nb_pg_run(pg, "BEGIN", 0, NULL, "starting the copy", err);
    if (rc)
        goto out;
    for (size_t i = 0; i < TABLE_COUNT && !rc; i++) {
        int64_t rows = 0;
        rc = pg_count(pg, tables[i], &rows, err);
        if (!rc && rows)
            rc = nb_errf(err, NB_ERR_STORE,
                         "database %s is not empty (table %s has %lld rows): migrate copies "
                         "into an empty database only",
                         pg->name, tables[i], (long long)rows);
    }
    for (size_t i = 0; i < TABLE_COUNT && !rc; i++) {
        nb_copy_table *t = &report->tables[report->table_count++];
        t->name = tables[i];
        rc = lite_count(lite, tables[i], &t->source_rows, err);
        int64_t sent = 0;
        if (!rc)
            rc = copy_table(lite, pg, tables[i], &sent, err);
        if (!rc)
            rc = pg_count(pg, tables[i], &t->copied_rows, err);
        if (!rc && (t->copied_rows != t->source_rows || sent != t->source_rows))
            rc = nb_errf(err, NB_ERR_STORE,
                         "database %s: %s has %lld rows after the copy, the SQLite database "
                         "%lld: nothing was kept",
                         pg->name, tables[i], (long long)t->copied_rows, (long long)t->source_rows);
        if (!rc)
            rc = set_sequence(pg, tables[i], err);
    }
    if (!rc)
        rc = nb_pg_run(pg, "COMMIT", 0, NULL, "committing the copy", err);
    if (rc) {
        nb_errbuf ignored;
        if (nb_pg_run(pg, "ROLLBACK", 0, NULL, "rolling back", &ignored)) {
            /* the connection is gone, or no transaction was open */
        }
    }
out:
    sqlite3_exec(lite->db, "COMMIT;", NULL, NULL, NULL); /* ends the read */
    return rc;
}
