/* SPDX-License-Identifier: MIT */
/* Private to src/store: the connection record and the helpers its files share. */
#ifndef NB_STORE_SQLITE_PRIVATE_H
#define NB_STORE_SQLITE_PRIVATE_H

#include <sqlite3.h>

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

/* An error naming the database, what was being done and SQLite's message. */
nb_err nb_sqlite_db_error(nb_sqlite *s, nb_errbuf *err, const char *what);
/* Runs SQL without results. */
nb_err nb_sqlite_exec(nb_sqlite *s, const char *sql, nb_errbuf *err);
/* Binds text, or NULL when text is NULL. */
void nb_sqlite_bind_text(sqlite3_stmt *st, int index, const char *text);
/* A copy of a column's text, or NULL. */
char *nb_sqlite_column_text(sqlite3_stmt *st, int index);

#endif
