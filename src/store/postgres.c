/* SPDX-License-Identifier: MIT */
/* PostgreSQL implementation of store.h (libpq): the connection, migrations and the writer
 * side; the archive's reads and search are in postgres_archive.c. Several daemons share one
 * database: migrations run under an advisory lock so that the first to start applies them
 * once, times come from the database clock where workers must agree, and no transaction is
 * held across a network request. Free text that may quote a request is redacted before it
 * is written, as on SQLite. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"
#include "store/postgres_private.h"
#include "store/store.h"

/* The advisory lock keys: one for migrations, one for the run lock. */
#define MIGRATION_LOCK_KEY "7401550221"
#define RUN_LOCK_KEY "7401550222"

/* Append only: a released migration never changes. Each is one or more statements run in
 * one transaction; schema_version records how many have run. */
static const char *const migrations[] = {
    /* 1: ... (the schema: written with the writer side) */
    "SELECT 1;",
    /* 2: the archive's search (written with the archive side) */
    "SELECT 1;",
    /* 3: leased work: jobs, fires of schedules, leases on outbox rows */
    nb_pg_jobs_migration,
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* The database as messages show it: the password masked (and registered as a secret, so
 * a server message quoting it is masked too). Caller frees. */
static char *display_name(const char *conninfo)
{
    char *parse_error = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &parse_error);
    PQfreemem(parse_error);
    if (options) {
        for (PQconninfoOption *o = options; o->keyword; o++)
            if (!strcmp(o->keyword, "password") && o->val && o->val[0])
                nb_redact_add(o->val);
        PQconninfoFree(options);
    }
    return nb_redact(conninfo);
}

int nb_pg_broken(const nb_pg *s, nb_errbuf *err)
{
    if (s->failed)
        nb_errf(err, NB_ERR_IO, "%s", s->failure);
    return s->failed;
}

/* One line of the server's message: libpq's end with a newline, some span several. */
static void first_line(const char *msg, char *out, size_t n)
{
    nb_redact_copy(msg ? msg : "", out, n);
    out[strcspn(out, "\n")] = '\0';
}

static nb_err query_error(nb_pg *s, const PGresult *res, const char *what, nb_errbuf *err)
{
    char line[NB_ERRBUF_SIZE / 2];
    first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn), line, sizeof line);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        if (!s->failed) {
            s->failed = 1;
            snprintf(s->failure, sizeof s->failure, "database %s: connection lost (%s) while %s",
                     s->name, line, what);
        }
        return nb_errf(err, NB_ERR_IO, "%s", s->failure);
    }
    return nb_errf(err, NB_ERR_STORE, "database %s: %s: %s", s->name, what, line);
}

PGresult *nb_pg_query(nb_pg *s, const char *sql, int nparams, const char *const *values,
                      const char *what, nb_errbuf *err)
{
    if (nb_pg_broken(s, err))
        return NULL;
    PGresult *res = PQexecParams(s->conn, sql, nparams, NULL, values, NULL, NULL, 0);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return res;
    query_error(s, res, what, err);
    PQclear(res);
    return NULL;
}

nb_err nb_pg_run(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, nb_errbuf *err)
{
    PGresult *res = nb_pg_query(s, sql, nparams, values, what, err);
    if (!res)
        return s->failed ? NB_ERR_IO : NB_ERR_STORE;
    PQclear(res);
    return NB_OK;
}

char *nb_pg_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : nb_xstrdup(PQgetvalue(res, row, col));
}

int64_t nb_pg_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *nb_pg_param_int(char *buf, int64_t value)
{
    snprintf(buf, 24, "%lld", (long long)value);
    return buf;
}

/* Runs SQL that may hold several statements and takes no parameters (migrations). */
static nb_err run_script(nb_pg *s, const char *sql, const char *what, nb_errbuf *err)
{
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    nb_err rc = NB_OK;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        rc = query_error(s, res, what, err);
    PQclear(res);
    return rc;
}

/* Connects, in UTF-8 and UTC. */
static nb_err connect_to(const char *conninfo, PGconn **out, char **name, nb_errbuf *err)
{
    *name = display_name(conninfo);
    PGconn *conn = PQconnectdb(conninfo);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        char line[NB_ERRBUF_SIZE];
        first_line(conn ? PQerrorMessage(conn) : "out of memory", line, sizeof line);
        PQfinish(conn);
        return nb_errf(err, NB_ERR_STORE, "database %s: cannot connect: %s", *name, line);
    }
    PQsetClientEncoding(conn, "UTF8");
    *out = conn;
    return NB_OK;
}

int nb_pg_schema_version(nb_pg *s)
{
    nb_errbuf err;
    PGresult *res = nb_pg_query(s, "SELECT coalesce(max(version), 0) FROM newsbrief_schema", 0,
                                NULL, "reading the schema version", &err);
    if (!res)
        return -1;
    int version = (int)nb_pg_int(res, 0, 0);
    PQclear(res);
    return version;
}

/* Applies the migrations not yet run, under the migration lock: several daemons starting
 * together migrate once (the others wait, then find nothing to do). */
static nb_err migrate(nb_pg *s, nb_errbuf *err)
{
    nb_err rc = run_script(s, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")",
                           "waiting for the migration lock", err);
    if (rc)
        return rc;
    rc = run_script(s,
                    "CREATE TABLE IF NOT EXISTS newsbrief_schema ("
                    "  version integer PRIMARY KEY,"
                    "  applied_at timestamptz NOT NULL DEFAULT now())",
                    "creating the schema table", err);
    int version = rc ? -1 : nb_pg_schema_version(s);
    if (!rc && version < 0)
        rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot read the schema version", s->name);
    if (!rc && version > MIGRATION_COUNT)
        rc = nb_errf(err, NB_ERR_STORE,
                     "database %s has schema %d, newer than this newsbrief knows (%d)", s->name,
                     version, MIGRATION_COUNT);
    for (int i = version; !rc && i < MIGRATION_COUNT; i++) {
        char record[96];
        snprintf(record, sizeof record, "INSERT INTO newsbrief_schema (version) VALUES (%d)",
                 i + 1);
        rc = run_script(s, "BEGIN", "migrating the schema", err);
        if (!rc)
            rc = run_script(s, migrations[i], "migrating the schema", err);
        if (!rc)
            rc = run_script(s, record, "migrating the schema", err);
        if (!rc)
            rc = run_script(s, "COMMIT", "migrating the schema", err);
        if (rc)
            PQclear(PQexec(s->conn, "ROLLBACK"));
    }
    nb_errbuf ignored;
    run_script(s, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", "unlocking", &ignored);
    return rc;
}

/* Trigram search needs a UTF-8 character type: under LC_CTYPE C, pg_trgm finds no trigram
 * in Chinese text. Said once at start; everything else works. */
static void check_ctype(nb_pg *s)
{
    nb_errbuf err;
    PGresult *res = nb_pg_query(s,
                                "SELECT datctype FROM pg_database WHERE datname = "
                                "current_database()",
                                0, NULL, "reading LC_CTYPE", &err);
    if (!res)
        return;
    const char *ctype = PQntuples(res) ? PQgetvalue(res, 0, 0) : "";
    char lower[64];
    size_t n = 0;
    for (; ctype[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char)tolower((unsigned char)ctype[n]);
    lower[n] = '\0';
    if (!strstr(lower, "utf8") && !strstr(lower, "utf-8"))
        nb_log(NB_LOG_WARN, "store",
               "database=\"%s\" error=\"LC_CTYPE is '%s', not UTF-8: the archive's search finds "
               "no Chinese text (pg_trgm needs a UTF-8 LC_CTYPE); create the database with "
               "ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'\"",
               s->name, ctype);
    PQclear(res);
}

static nb_err open_pg(const char *conninfo, int writer, nb_pg **out, nb_errbuf *err)
{
    nb_pg *s = nb_xcalloc(1, sizeof *s);
    nb_err rc = connect_to(conninfo, &s->conn, &s->name, err);
    if (!rc)
        rc = run_script(s, "SET TIME ZONE 'UTC'; SET idle_in_transaction_session_timeout = '60s'",
                        "setting up the session", err);
    if (!rc && writer) {
        rc = migrate(s, err);
        if (!rc)
            check_ctype(s);
    } else if (!rc) {
        int version = nb_pg_schema_version(s);
        if (version != MIGRATION_COUNT)
            rc = nb_errf(err, NB_ERR_STORE,
                         "database %s has schema %d, this newsbrief reads %d (open it for "
                         "writing once to migrate)",
                         s->name, version, MIGRATION_COUNT);
    }
    if (rc) {
        nb_pg_close(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

nb_err nb_pg_open(const char *path, nb_pg **out, nb_errbuf *err)
{
    return open_pg(path, 1, out, err);
}

nb_err nb_pg_open_readonly(const char *path, nb_pg **out, nb_errbuf *err)
{
    return open_pg(path, 0, out, err);
}

void nb_pg_close(nb_pg *s)
{
    if (!s)
        return;
    PQfinish(s->listen);
    PQfinish(s->conn);
    free(s->name);
    free(s);
}

const char *nb_pg_failure(const nb_pg *s)
{
    return s && s->failed ? s->failure : NULL;
}

/* The run lock: a session advisory lock on a connection of its own, released when the
 * connection closes (a killed process's too: the server ends its session). */
struct nb_pg_lock {
    nb_pg *pg;
};

nb_err nb_pg_lock_take(const char *database, int64_t timeout_ms, nb_pg_lock **out, nb_errbuf *err)
{
    nb_pg *s = nb_xcalloc(1, sizeof *s);
    nb_err rc = connect_to(database, &s->conn, &s->name, err);
    int64_t deadline = nb_clock_monotonic_ms() + timeout_ms;
    while (!rc) {
        PGresult *res = nb_pg_query(s, "SELECT pg_try_advisory_lock(" RUN_LOCK_KEY ")", 0, NULL,
                                    "taking the run lock", err);
        if (!res) {
            rc = NB_ERR_STORE;
            break;
        }
        int taken = PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (taken)
            break;
        if (nb_clock_monotonic_ms() >= deadline) {
            rc = nb_errf(err, NB_ERR_LOCKED,
                         "another newsbrief run holds the run lock of database %s; gave up "
                         "after %lld s (lock_timeout)",
                         s->name, (long long)(timeout_ms / 1000));
            break;
        }
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (rc) {
        nb_pg_close(s);
        return rc;
    }
    nb_pg_lock *lock = nb_xmalloc(sizeof *lock);
    lock->pg = s;
    *out = lock;
    return NB_OK;
}

void nb_pg_lock_release(nb_pg_lock *lock)
{
    if (!lock)
        return;
    nb_pg_close(lock->pg); /* ends the session, and with it the lock */
    free(lock);
}
