/* SPDX-License-Identifier: MIT */
/* Private to src/store: the PostgreSQL connection record and the helpers its files share
 * (postgres.c: connection, migrations, errors, the run lock; postgres_writer.c: items,
 * sources, the LLM cache and costs, the daemon's state; postgres_outbox.c: briefings, the
 * ledger, the outbox and retention; postgres_jobs.c: leased work; postgres_archive.c: the
 * archive's reads and search).
 * Parameters go as text ($1, $2 ...); one statement per call. */
#ifndef NB_STORE_POSTGRES_PRIVATE_H
#define NB_STORE_POSTGRES_PRIVATE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "store/engines.h"
#include "store/store.h"

struct nb_pg {
    PGconn *conn;
    PGconn *listen;               /* LISTEN newsbrief_work (postgres_jobs.c), or NULL */
    char *name;                   /* the database as shown in messages: password masked */
    int failed;                   /* the connection broke: every call fails with failure */
    char failure[NB_ERRBUF_SIZE]; /* the first such failure, naming the database */
};

/* Migration 3: leased work (postgres_jobs.c). */
extern const char nb_pg_jobs_migration[];

/* Runs one statement with text parameters (values[i] NULL: SQL NULL). Returns the result
 * (PGRES_TUPLES_OK or PGRES_COMMAND_OK; the caller PQclear()s it), or NULL with err set to a
 * message naming the database, what was being done and the server's message. A lost
 * connection is a storage failure (NB_ERR_IO, remembered in failure). */
PGresult *nb_pg_query(nb_pg *s, const char *sql, int nparams, const char *const *values,
                      const char *what, nb_errbuf *err);
/* nb_pg_query for statements whose result is not read. */
nb_err nb_pg_run(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, nb_errbuf *err);
/* nb_pg_run that also gives the rows the statement changed (inserted, updated, deleted). */
nb_err nb_pg_run_counted(nb_pg *s, const char *sql, int nparams, const char *const *values,
                         const char *what, size_t *changed, nb_errbuf *err);
/* Reads row of res into *out (a record of the caller's type). */
typedef void (*nb_pg_reader)(const PGresult *res, int row, void *out);
/* Every row of one statement (nb_pg_query), read into a new array of *count elements of
 * size bytes, zeroed then filled by read: returned (the caller frees; NULL when there is
 * none or on an error). *rc receives NB_OK or the error's code. */
void *nb_pg_rows(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, size_t size, nb_pg_reader read, size_t *count, nb_err *rc,
                 nb_errbuf *err);
/* The first row of one statement read into *out by read; *found (may be NULL) whether there
 * was one. out is left as it was when there is none. */
nb_err nb_pg_row(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, nb_pg_reader read, void *out, int *found, nb_errbuf *err);
/* An outbox row (nb_pg_reader) from the columns id, briefing_id, channel, seq, method,
 * payload, status, attempts, next_attempt_at, last_answer, possible_duplicate, created_at
 * (postgres_outbox.c; the claim in postgres_jobs.c returns the same). */
void nb_pg_read_outbox_row(const PGresult *res, int row, void *out);
/* The code of a failed nb_pg_query: NB_ERR_IO after a storage failure, else NB_ERR_STORE. */
static inline nb_err nb_pg_failed_code(const nb_pg *s)
{
    return s->failed ? NB_ERR_IO : NB_ERR_STORE;
}
/* A column as a copy (NULL for SQL NULL), and as an integer (0 for NULL). */
char *nb_pg_text(const PGresult *res, int row, int col);
int64_t nb_pg_int(const PGresult *res, int row, int col);
/* An integer as a parameter: formats into buf (at least 24 bytes) and returns it. */
const char *nb_pg_param_int(char *buf, int64_t value);
/* Records a failure of the storage (the connection lost, a read-only database, disk full;
 * the first one wins) and returns it as NB_ERR_IO: "database NAME: CAUSE (DETAIL) while
 * WHAT". */
nb_err nb_pg_storage_failed(nb_pg *s, const char *cause, const char *detail, const char *what,
                            nb_errbuf *err);
/* After a failure every call fails at once with its message (1), else 0. */
int nb_pg_broken(const nb_pg *s, nb_errbuf *err);

#endif
