/* SPDX-License-Identifier: MIT */
/* Private to src/store: the SQLite connection record and the helpers its files share
 * (sqlite.c: connection, migrations, errors, the run lock; sqlite_writer.c: items, sources,
 * the LLM cache and costs, the daemon's state; sqlite_outbox.c: briefings, the ledger, the
 * outbox and retention; sqlite_jobs.c: leased work; archive.c: the archive's reads). */
#ifndef NB_STORE_SQLITE_PRIVATE_H
#define NB_STORE_SQLITE_PRIVATE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/engines.h"
#include "store/store.h"

struct nb_sqlite {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *data_version;   /* prepared once: asked on every web request */
    int failed;                   /* the storage failed: every call fails with failure */
    char failure[NB_ERRBUF_SIZE]; /* the first storage failure, naming the database */
};

/* The database's clock in ms since the epoch, as SQL: leases are measured on it. */
#define NB_SQLITE_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"

/* An item's abstract before a briefing gives it a summary: the start of its excerpt (the
 * migration that added abstracts, and every item stored since). */
#define NB_SQLITE_ABSTRACT_OF(excerpt)                                                             \
    "CASE WHEN length(" excerpt ") > 300 THEN substr(" excerpt ", 1, 300) || '…' ELSE " excerpt    \
    " END"

/* An error naming the database, what was being done and SQLite's message. */
nb_err nb_sqlite_db_error(nb_sqlite *s, nb_errbuf *err, const char *what);
/* Runs SQL without results. */
nb_err nb_sqlite_exec(nb_sqlite *s, const char *sql, nb_errbuf *err);
/* The same, an error naming what was being done ("storing a briefing"). */
nb_err nb_sqlite_exec_for(nb_sqlite *s, const char *sql, const char *what, nb_errbuf *err);
/* After a storage failure every call fails at once: sets err with its message, returns 1. */
int nb_sqlite_broken(const nb_sqlite *s, nb_errbuf *err);
/* Binds text, or NULL when text is NULL. */
void nb_sqlite_bind_text(sqlite3_stmt *st, int index, const char *text);
/* Binds text that may quote a URL or a request (an error, an answer) with secrets masked. */
void nb_sqlite_bind_redacted(sqlite3_stmt *st, int index, const char *text);

/* One parameter of nb_sqlite_run: an integer, text (NULL binds SQL NULL), or text stored
 * with secrets masked. Written NB_SQL_I(v), NB_SQL_T(text), NB_SQL_R(text). */
typedef struct {
    enum { NB_SQL_INT, NB_SQL_TEXT, NB_SQL_REDACTED } kind;
    int64_t i;
    const char *text;
} nb_sqlite_param;
#define NB_SQL_I(v) ((nb_sqlite_param){.kind = NB_SQL_INT, .i = (v)})
#define NB_SQL_T(v) ((nb_sqlite_param){.kind = NB_SQL_TEXT, .text = (v)})
#define NB_SQL_R(v) ((nb_sqlite_param){.kind = NB_SQL_REDACTED, .text = (v)})

/* Runs one statement without rows: prepare, bind params[i] as ?(i+1) (those past the
 * statement's last parameter are ignored), step, finalize. *changes (may be NULL) receives
 * the rows it changed. Errors go through nb_sqlite_db_error naming what; after a storage
 * failure it fails at once. */
nb_err nb_sqlite_run(nb_sqlite *s, const char *sql, const nb_sqlite_param *params, size_t n,
                     size_t *changes, const char *what, nb_errbuf *err);
/* nb_sqlite_run with the parameters listed: NB_SQLITE_RUN(s, sql, changes, what, err,
 * NB_SQL_I(id), NB_SQL_T(name)). */
#define NB_SQLITE_RUN(s, sql, changes, what, err, ...)                                             \
    nb_sqlite_run((s), (sql), (const nb_sqlite_param[]){__VA_ARGS__},                              \
                  sizeof((const nb_sqlite_param[]){__VA_ARGS__}) / sizeof(nb_sqlite_param),        \
                  (changes), (what), (err))
/* An outbox row from the columns id, briefing_id, channel, seq, method, payload, status,
 * attempts, next_attempt_at, last_answer, possible_duplicate, created_at (sqlite_outbox.c;
 * the claim in sqlite_jobs.c returns the same). */
void nb_sqlite_read_outbox_row(sqlite3_stmt *st, nb_outbox_row *r);
/* A copy of a column's text, or NULL. */
char *nb_sqlite_column_text(sqlite3_stmt *st, int index);

#endif
