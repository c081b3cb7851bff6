/* SPDX-License-Identifier: MIT */
/* PostgreSQL implementation of store.h (libpq): the connection, migrations, the query
 * helpers, the run lock and check-config; the writer side is in postgres_writer.c, the
 * archive's reads and search in postgres_archive.c. Several daemons share one database:
 * migrations run under an advisory lock so that the first to start applies them once, times
 * come from the database clock where workers must agree, and no transaction is held across a
 * network request. Free text that may quote a request is redacted before it is written, as
 * on SQLite. */
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
    /* 1: the tables of SQLite's eight migrations, as they stand after the eighth (times
     * are UTC seconds, as SQLite stores them). The archive's search indexes are 2. */
    "CREATE TABLE sources ("
    "  name text PRIMARY KEY,"
    "  type text NOT NULL,"
    "  etag text,"
    "  last_modified text,"
    "  next_fetch_at bigint NOT NULL DEFAULT 0,"
    "  consecutive_errors integer NOT NULL DEFAULT 0,"
    "  last_error text,"
    "  last_success_at bigint NOT NULL DEFAULT 0,"
    "  last_attempt_at bigint NOT NULL DEFAULT 0,"
    "  settings text,"
    "  title text);"
    "CREATE TABLE items ("
    "  id bigserial PRIMARY KEY,"
    "  source text NOT NULL,"
    "  key text NOT NULL,"
    "  url text NOT NULL,"
    "  title text NOT NULL,"
    "  published_at bigint NOT NULL,"
    "  image text,"
    "  excerpt text,"
    "  content text,"
    "  content_hash text,"
    "  signature bigint,"
    "  cluster_id bigint,"
    "  state text NOT NULL DEFAULT 'discovered',"
    "  first_seen_at bigint NOT NULL,"
    "  author text,"
    "  tags text,"
    "  summary text,"  /* the summary a briefing showed */
    "  abstract text," /* that summary, else the start of the excerpt */
    "  UNIQUE (source, key));"
    "CREATE INDEX items_by_published ON items (published_at DESC, id DESC);"
    "CREATE INDEX items_by_cluster ON items (cluster_id) WHERE cluster_id IS NOT NULL;"
    "CREATE INDEX items_by_source ON items (source, published_at DESC, id DESC);"
    "CREATE INDEX items_by_first_seen ON items (first_seen_at);"
    "CREATE INDEX items_by_content_hash ON items (content_hash) WHERE content_hash IS NOT NULL;"
    "CREATE TABLE briefings ("
    "  id bigserial PRIMARY KEY,"
    "  channel text NOT NULL,"
    "  created_at bigint NOT NULL,"
    "  window_start bigint NOT NULL,"
    "  item_ids text NOT NULL," /* JSON arrays, as on SQLite */
    "  pages text NOT NULL,"
    "  slug text NOT NULL UNIQUE,"
    "  title text,"
    "  per_page integer NOT NULL DEFAULT 0,"
    "  entry_count integer NOT NULL DEFAULT 0);"
    "CREATE INDEX briefings_by_created ON briefings (created_at);"
    "CREATE TABLE briefing_entries ("
    "  briefing_id bigint NOT NULL,"
    "  position integer NOT NULL,"
    "  item_id bigint NOT NULL,"
    "  title text NOT NULL,"
    "  url text NOT NULL,"
    "  published_at bigint NOT NULL,"
    "  image text,"
    "  summary text,"
    "  related text NOT NULL DEFAULT '[]',"
    "  story text NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY (briefing_id, position));"
    "CREATE INDEX briefing_entries_by_item ON briefing_entries (item_id);"
    /* the ledger: what each channel was given, and the message carrying it */
    "CREATE TABLE briefing_items ("
    "  channel text NOT NULL,"
    "  item_id bigint NOT NULL,"
    "  briefing_id bigint NOT NULL,"
    "  delivery_id bigint,"
    "  PRIMARY KEY (channel, item_id));"
    "CREATE INDEX briefing_items_by_item ON briefing_items (item_id);"
    /* the outbox */
    "CREATE TABLE deliveries ("
    "  id bigserial PRIMARY KEY,"
    "  briefing_id bigint NOT NULL,"
    "  channel text NOT NULL,"
    "  seq integer NOT NULL,"
    "  method text NOT NULL DEFAULT '',"
    "  payload text NOT NULL,"
    "  status text NOT NULL DEFAULT 'pending',"
    "  attempts integer NOT NULL DEFAULT 0,"
    "  next_attempt_at bigint NOT NULL DEFAULT 0,"
    "  last_answer text,"
    "  possible_duplicate integer NOT NULL DEFAULT 0,"
    "  created_at bigint NOT NULL,"
    "  sent_at bigint);"
    "CREATE INDEX deliveries_by_channel ON deliveries (channel, status, id);"
    "CREATE INDEX deliveries_by_briefing ON deliveries (briefing_id);"
    /* the LLM summary cache and what the LLM cost */
    "CREATE TABLE summaries ("
    "  content_hash text NOT NULL,"
    "  model text NOT NULL,"
    "  prompt_hash text NOT NULL,"
    "  text text NOT NULL,"
    "  prompt_tokens bigint NOT NULL DEFAULT 0,"
    "  completion_tokens bigint NOT NULL DEFAULT 0,"
    "  created_at bigint NOT NULL,"
    "  PRIMARY KEY (content_hash, model, prompt_hash));"
    "CREATE TABLE llm_usage ("
    "  id bigserial PRIMARY KEY,"
    "  run_at bigint NOT NULL,"
    "  model text NOT NULL,"
    "  requests bigint NOT NULL,"
    "  prompt_tokens bigint NOT NULL,"
    "  completion_tokens bigint NOT NULL,"
    "  cost double precision NOT NULL);"
    /* runs and per-source counts, for the metrics */
    "CREATE TABLE runs ("
    "  id bigserial PRIMARY KEY,"
    "  schedule text NOT NULL,"
    "  result text NOT NULL,"
    "  started_at bigint NOT NULL,"
    "  finished_at bigint NOT NULL,"
    "  items_new bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE source_counts ("
    "  source text NOT NULL,"
    "  kind text NOT NULL,"
    "  count bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (source, kind));"
    /* the daemon: each schedule's last fire and result, and the heartbeat */
    "CREATE TABLE schedules ("
    "  name text PRIMARY KEY,"
    "  cron text NOT NULL DEFAULT '',"
    "  last_fire bigint NOT NULL DEFAULT 0,"
    "  last_result text,"
    "  last_run_at bigint NOT NULL DEFAULT 0,"
    "  last_duration_ms bigint NOT NULL DEFAULT 0,"
    "  next_fire bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE daemon ("
    "  id integer PRIMARY KEY CHECK (id = 1),"
    "  pid bigint NOT NULL,"
    "  started_at bigint NOT NULL,"
    "  heartbeat_at bigint NOT NULL,"
    "  next_wake_at bigint NOT NULL,"
    "  stopped_at bigint NOT NULL DEFAULT 0);"
    /* items removed by retention: their keys stay, so a source serving them again does not
     * bring them back as new */
    "CREATE TABLE forgotten_items ("
    "  source text NOT NULL,"
    "  key text NOT NULL,"
    "  forgotten_at bigint NOT NULL,"
    "  PRIMARY KEY (source, key));",
    /* 2: the archive's search: trigram indexes over titles and abstracts (what pages show
     * and search reads), for ILIKE '%term%' with terms of three or more characters. pg_trgm
     * is a trusted extension: the database's owner may create it. Chinese needs a UTF-8
     * LC_CTYPE (check_ctype). */
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
    "CREATE INDEX items_title_trgm ON items USING gin (title gin_trgm_ops);"
    "CREATE INDEX items_abstract_trgm ON items USING gin (abstract gin_trgm_ops);",
    /* 3: leased work: jobs, fires of schedules, leases on outbox rows (postgres_jobs.c) */
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

/* What an error class says of the storage the store needs, as on SQLite: "read-only" (a
 * read-only transaction or standby, or a role without the rights), "disk full", "I/O
 * error"; NULL for an error of the statement itself (a constraint, a bad value). */
static const char *storage_cause(const char *sqlstate)
{
    if (!sqlstate)
        return NULL;
    if (!strcmp(sqlstate, "25006") || !strcmp(sqlstate, "42501"))
        return "read-only"; /* read_only_sql_transaction, insufficient_privilege */
    if (!strcmp(sqlstate, "53100"))
        return "disk full";
    if (!strcmp(sqlstate, "58030"))
        return "I/O error";
    return NULL;
}

nb_err nb_pg_storage_failed(nb_pg *s, const char *cause, const char *detail, const char *what,
                            nb_errbuf *err)
{
    if (!s->failed) {
        s->failed = 1;
        snprintf(s->failure, sizeof s->failure, "database %s: %s (%s) while %s", s->name, cause,
                 detail, what);
    }
    return nb_errf(err, NB_ERR_IO, "%s", s->failure);
}

static nb_err query_error(nb_pg *s, const PGresult *res, const char *what, nb_errbuf *err)
{
    char line[NB_ERRBUF_SIZE / 2];
    first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn), line, sizeof line);
    if (!line[0])
        first_line(PQerrorMessage(s->conn), line, sizeof line);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return nb_pg_storage_failed(s, "connection lost", line, what, err);
    const char *cause = storage_cause(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
    if (cause)
        return nb_pg_storage_failed(s, cause, line, what, err);
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
        return nb_pg_failed_code(s);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_run_counted(nb_pg *s, const char *sql, int nparams, const char *const *values,
                         const char *what, size_t *changed, nb_errbuf *err)
{
    PGresult *res = nb_pg_query(s, sql, nparams, values, what, err);
    if (!res)
        return nb_pg_failed_code(s);
    *changed = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return NB_OK;
}

void *nb_pg_rows(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, size_t size, nb_pg_reader read, size_t *count, nb_err *rc,
                 nb_errbuf *err)
{
    *count = 0;
    PGresult *res = nb_pg_query(s, sql, nparams, values, what, err);
    *rc = res ? NB_OK : nb_pg_failed_code(s);
    if (!res)
        return NULL;
    size_t n = (size_t)PQntuples(res);
    char *out = n ? nb_xcalloc(n, size) : NULL;
    for (size_t i = 0; i < n; i++)
        read(res, (int)i, out + i * size);
    PQclear(res);
    *count = n;
    return out;
}

nb_err nb_pg_row(nb_pg *s, const char *sql, int nparams, const char *const *values,
                 const char *what, nb_pg_reader read, void *out, int *found, nb_errbuf *err)
{
    if (found)
        *found = 0;
    PGresult *res = nb_pg_query(s, sql, nparams, values, what, err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res)) {
        read(res, 0, out);
        if (found)
            *found = 1;
    }
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

nb_err nb_pg_schema_version(nb_pg *s, int *version, nb_errbuf *err)
{
    *version = 0;
    PGresult *res = nb_pg_query(s, "SELECT coalesce(max(version), 0) FROM newsbrief_schema", 0,
                                NULL, "reading the schema version", err);
    if (!res)
        return nb_pg_failed_code(s);
    *version = (int)nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

/* Applies the migrations not yet run, under the migration lock: several daemons starting
 * together migrate once (the others wait, then find nothing to do). */
static nb_err migrate(nb_pg *s, nb_errbuf *err)
{
    nb_err rc = run_script(s, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")",
                           "waiting for the migration lock", err);
    if (rc)
        return rc;
    /* Created only when missing: CREATE ... IF NOT EXISTS still needs the right to create
     * and a writable transaction, which a migrated database opened by a reading role or
     * a read-only session lacks (nb_pg_check_writable then says so). */
    PGresult *exists = nb_pg_query(s, "SELECT to_regclass('newsbrief_schema') IS NOT NULL", 0, NULL,
                                   "reading the schema version", err);
    rc = exists ? NB_OK : s->failed ? NB_ERR_IO : NB_ERR_STORE;
    if (exists && PQgetvalue(exists, 0, 0)[0] != 't')
        rc = run_script(s,
                        "CREATE TABLE IF NOT EXISTS newsbrief_schema ("
                        "  version integer PRIMARY KEY,"
                        "  applied_at timestamptz NOT NULL DEFAULT now())",
                        "creating the schema table", err);
    PQclear(exists);
    int version = 0;
    if (!rc)
        rc = nb_pg_schema_version(s, &version, err);
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

/* Whether an LC_CTYPE name ("C.UTF-8", "en_US.utf8", "C") is a UTF-8 one. */
static int ctype_is_utf8(const char *ctype)
{
    char lower[64];
    size_t n = 0;
    for (; ctype[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char)tolower((unsigned char)ctype[n]);
    lower[n] = '\0';
    return strstr(lower, "utf8") || strstr(lower, "utf-8");
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
    if (!ctype_is_utf8(ctype))
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
        int version;
        rc = nb_pg_schema_version(s, &version, err);
        if (!rc && version != MIGRATION_COUNT)
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

/* ---- whether the writer can write; the data version ---- */

/* The tables the writer changes: check_writable asks for the right to change each. */
#define WRITTEN_TABLES                                                                             \
    "ARRAY['sources', 'items', 'briefings', 'briefing_entries', 'briefing_items',"                 \
    " 'deliveries', 'summaries', 'llm_usage', 'runs', 'source_counts', 'schedules', 'daemon',"     \
    " 'forgotten_items']"

nb_err nb_pg_check_writable(nb_pg *s, nb_errbuf *err)
{
    if (nb_pg_broken(s, err))
        return NB_ERR_IO;
    PGresult *res = nb_pg_query(
        s,
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',"
        " current_user, (SELECT string_agg(t, ', ' ORDER BY t) FROM unnest(" WRITTEN_TABLES ") t"
        "   WHERE to_regclass(t) IS NOT NULL AND NOT (has_table_privilege(t, 'INSERT')"
        "     AND has_table_privilege(t, 'UPDATE') AND has_table_privilege(t, 'DELETE')))",
        0, NULL, "checking that it can be written", err);
    if (!res)
        return nb_pg_failed_code(s);
    char detail[NB_ERRBUF_SIZE / 2] = "";
    if (PQgetvalue(res, 0, 0)[0] == 't')
        snprintf(detail, sizeof detail, "the server is a standby in recovery");
    else if (PQgetvalue(res, 0, 1)[0] == 't')
        snprintf(detail, sizeof detail,
                 "transactions are read-only: default_transaction_read_only is on for role "
                 "\"%s\" or the database",
                 PQgetvalue(res, 0, 2));
    else if (!PQgetisnull(res, 0, 3))
        snprintf(detail, sizeof detail, "role \"%s\" may not write table %s", PQgetvalue(res, 0, 2),
                 PQgetvalue(res, 0, 3));
    PQclear(res);
    if (detail[0])
        return nb_pg_storage_failed(s, "read-only", detail, "checking that it can be written", err);
    return NB_OK;
}

/* The value SQLite's PRAGMA data_version stands for: the snapshot (the oldest transaction
 * still running, the next transaction id, those in progress) changes whenever a writing
 * transaction starts or ends anywhere on the server, and not when this connection reads.
 * A hash of it: equal while nothing was written, different after any commit (a write to
 * another database of the server changes it too, which costs a reader a cache miss). */
nb_err nb_pg_data_version(nb_pg *s, int64_t *version, nb_errbuf *err)
{
    PGresult *res = nb_pg_query(s, "SELECT hashtextextended(pg_current_snapshot()::text, 0)", 0,
                                NULL, "reading the data version", err);
    if (!res)
        return nb_pg_failed_code(s);
    *version = nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

/* ---- check-config ---- */

nb_err nb_pg_describe(const char *conninfo, char **text, char **warning, nb_errbuf *err)
{
    *text = *warning = NULL;
    nb_pg *s = nb_xcalloc(1, sizeof *s);
    nb_err rc = connect_to(conninfo, &s->conn, &s->name, err);
    PGresult *res = NULL;
    if (!rc)
        res = nb_pg_query(s,
                          "SELECT datctype,"
                          " (SELECT to_regclass('newsbrief_schema') IS NOT NULL),"
                          " current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery()"
                          " FROM pg_database WHERE datname = current_database()",
                          0, NULL, "describing the database", err);
    if (!rc && !res)
        rc = nb_pg_failed_code(s);
    int version = 0;
    if (!rc && PQgetvalue(res, 0, 1)[0] == 't') {
        rc = nb_pg_schema_version(s, &version, err);
    }
    if (!rc && version > MIGRATION_COUNT)
        rc = nb_errf(err, NB_ERR_STORE,
                     "database %s has schema %d, newer than this newsbrief knows (%d)", s->name,
                     version, MIGRATION_COUNT);
    if (!rc) {
        const char *ctype = PQgetvalue(res, 0, 0);
        int server = PQserverVersion(s->conn); /* 150018: 15.18 */
        *text = nb_xasprintf("PostgreSQL %d.%d, database %s, schema %d of %d%s%s", server / 10000,
                             server % 10000, s->name, version, MIGRATION_COUNT,
                             version < MIGRATION_COUNT ? " (migrated when newsbrief first opens it)"
                                                       : "",
                             PQgetvalue(res, 0, 2)[0] == 't' ? ", read-only" : "");
        if (!ctype_is_utf8(ctype))
            *warning = nb_xasprintf("database %s: LC_CTYPE is '%s', not UTF-8: the archive's "
                                    "search finds no Chinese text (pg_trgm needs a UTF-8 "
                                    "LC_CTYPE); create the database with ENCODING 'UTF8' "
                                    "LC_CTYPE 'C.UTF-8'",
                                    s->name, ctype);
    }
    PQclear(res);
    nb_pg_close(s);
    return rc;
}
