/* Private to src/store: the connection record and the helpers its files share. */
#ifndef NB_STORE_SQLITE_PRIVATE_H
#define NB_STORE_SQLITE_PRIVATE_H

#include <sqlite3.h>

#include "store/store.h"

struct nb_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *data_version;   /* prepared once: asked on every web request */
    int failed;                   /* the storage failed: every call fails with failure */
    char failure[NB_ERRBUF_SIZE]; /* the first storage failure, naming the database */
};

/* An error naming the database, what was being done and SQLite's message. */
nb_err nb_store_db_error(nb_store *s, nb_errbuf *err, const char *what);
/* Runs SQL without results. */
nb_err nb_store_exec(nb_store *s, const char *sql, nb_errbuf *err);
/* Binds text, or NULL when text is NULL. */
void nb_store_bind_text(sqlite3_stmt *st, int index, const char *text);
/* A copy of a column's text, or NULL. */
char *nb_store_column_text(sqlite3_stmt *st, int index);

#endif
