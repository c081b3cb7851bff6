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

/* ---- the writer side: items, sources, the LLM cache and costs, the daemon's state ---- */

/* An item's abstract before a briefing gives it a summary: the start of its excerpt (as on
 * SQLite; length counts characters in a UTF-8 database). */
#define ABSTRACT_OF(excerpt)                                                                       \
    "CASE WHEN length(" excerpt ") > 300 THEN substr(" excerpt ", 1, 300) || '…' ELSE " excerpt    \
    " END"

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

nb_err nb_pg_item_put(nb_pg *s, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    /* A key forgotten by retention is not stored again; a known one is updated. */
    static const char insert_sql[] =
        "INSERT INTO items (source, key, url, title, published_at, image, excerpt,"
        " first_seen_at, content, author, tags, abstract)"
        " SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text, $7::text,"
        " $8::bigint, $9::text, $10::text, $11::text, " ABSTRACT_OF(
            "$7::text") " WHERE NOT EXISTS (SELECT 1 FROM forgotten_items"
                        " WHERE source = $1::text AND key = $2::text)"
                        " ON CONFLICT (source, key) DO NOTHING RETURNING id";
    static const char update_sql[] =
        "UPDATE items SET url = $3::text, title = $4::text, published_at = $5::bigint,"
        " image = $6::text, excerpt = $7::text, content = $9::text, author = $10::text,"
        " tags = $11::text, abstract = COALESCE(summary, " ABSTRACT_OF(
            "$7::text") ") WHERE source = $1::text AND key = $2::text AND $8::bigint IS NOT NULL"
                        " RETURNING id";
    char published[24], seen[24];
    const char *values[] = {item->source,
                            item->key,
                            item->url,
                            item->title,
                            nb_pg_param_int(published, item->published_at),
                            item->image,
                            item->excerpt,
                            nb_pg_param_int(seen, now),
                            item->content,
                            item->author,
                            item->tags};
    PGresult *res = nb_pg_query(s, insert_sql, 11, values, "storing item", err);
    if (!res)
        return nb_pg_failed_code(s);
    int inserted = PQntuples(res) == 1;
    if (inserted)
        item->id = nb_pg_int(res, 0, 0);
    PQclear(res);
    if (!inserted) {
        res = nb_pg_query(s, update_sql, 11, values, "updating item", err);
        if (!res)
            return nb_pg_failed_code(s);
        /* no row: forgotten by retention, not stored again */
        item->id = PQntuples(res) ? nb_pg_int(res, 0, 0) : 0;
        PQclear(res);
    }
    if (is_new)
        *is_new = inserted;
    return NB_OK;
}

nb_err nb_pg_item_known(nb_pg *s, const char *source, const char *key, int *known, nb_errbuf *err)
{
    const char *values[] = {source, key};
    PGresult *res =
        nb_pg_query(s,
                    "SELECT EXISTS (SELECT 1 FROM items WHERE source = $1::text AND key = $2::text)"
                    " OR EXISTS (SELECT 1 FROM forgotten_items WHERE source = $1::text"
                    " AND key = $2::text)",
                    2, values, "looking up item", err);
    if (!res)
        return nb_pg_failed_code(s);
    *known = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return NB_OK;
}

/* Runs an item query with $1 = since, $2 = max and $3 = channel (when not NULL): columns
 * id, source, key, url, title, published_at, image, excerpt, content, author, tags and,
 * with a channel, delivered. */
static nb_err query_items(nb_pg *s, const char *sql, int64_t since, size_t max, const char *channel,
                          nb_item **items, size_t *count, nb_errbuf *err)
{
    *items = NULL;
    *count = 0;
    char since_text[24], max_text[24];
    const char *values[] = {nb_pg_param_int(since_text, since),
                            nb_pg_param_int(max_text, max > INT64_MAX ? INT64_MAX : (int64_t)max),
                            channel};
    PGresult *res = nb_pg_query(s, sql, channel ? 3 : 2, values, "reading items", err);
    if (!res)
        return nb_pg_failed_code(s);
    size_t n = (size_t)PQntuples(res);
    nb_item *out = n ? nb_xcalloc(n, sizeof *out) : NULL;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        nb_item *it = &out[i];
        it->id = nb_pg_int(res, row, 0);
        it->source = nb_pg_text(res, row, 1);
        it->key = nb_pg_text(res, row, 2);
        it->url = nb_pg_text(res, row, 3);
        it->title = nb_pg_text(res, row, 4);
        it->published_at = nb_pg_int(res, row, 5);
        it->image = nb_pg_text(res, row, 6);
        it->excerpt = nb_pg_text(res, row, 7);
        it->content = nb_pg_text(res, row, 8);
        it->author = nb_pg_text(res, row, 9);
        it->tags = nb_pg_text(res, row, 10);
        if (PQnfields(res) > 11)
            it->delivered = (int)nb_pg_int(res, row, 11);
    }
    PQclear(res);
    *items = out;
    *count = n;
    return NB_OK;
}

nb_err nb_pg_items_since(nb_pg *s, int64_t since, size_t max, nb_item **items, size_t *count,
                         nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags FROM items WHERE published_at >= $1::bigint"
                       " ORDER BY published_at DESC, id DESC LIMIT $2::bigint",
                       since, max, NULL, items, count, err);
}

nb_err nb_pg_items_for_channel(nb_pg *s, const char *channel, int64_t since, size_t max,
                               nb_item **items, size_t *count, nb_errbuf *err)
{
    /* given to the channel: in the ledger, unless the message carrying it failed for good */
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags, (EXISTS (SELECT 1 FROM briefing_items b"
                       " LEFT JOIN deliveries d ON d.id = b.delivery_id WHERE b.channel = $3::text"
                       " AND b.item_id = items.id AND (d.id IS NULL OR d.status <> 'failed')))::int"
                       " FROM items WHERE published_at >= $1::bigint"
                       " ORDER BY published_at DESC, id DESC LIMIT $2::bigint",
                       since, max, channel, items, count, err);
}

static const char source_columns[] = "name, type, etag, last_modified, next_fetch_at,"
                                     " consecutive_errors, last_error, last_success_at,"
                                     " last_attempt_at, settings, title";

static void read_source(const PGresult *res, int row, nb_source_state *out)
{
    out->name = nb_pg_text(res, row, 0);
    out->type = nb_pg_text(res, row, 1);
    out->etag = nb_pg_text(res, row, 2);
    out->last_modified = nb_pg_text(res, row, 3);
    out->next_fetch_at = nb_pg_int(res, row, 4);
    out->consecutive_errors = (int)nb_pg_int(res, row, 5);
    out->last_error = nb_pg_text(res, row, 6);
    out->last_success_at = nb_pg_int(res, row, 7);
    out->last_attempt_at = nb_pg_int(res, row, 8);
    out->settings = nb_pg_text(res, row, 9);
    out->title = nb_pg_text(res, row, 10);
}

nb_err nb_pg_source_load(nb_pg *s, const char *name, nb_source_state *out, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources WHERE name = $1::text", source_columns);
    memset(out, 0, sizeof *out);
    PGresult *res = nb_pg_query(s, sql, 1, &name, "reading source", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res))
        read_source(res, 0, out);
    else
        out->name = nb_xstrdup(name);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_source_save(nb_pg *s, const nb_source_state *state, nb_errbuf *err)
{
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO sources (%s) VALUES ($1::text, $2::text, $3::text, $4::text,"
             " $5::bigint, $6::integer, $7::text, $8::bigint, $9::bigint, $10::text, $11::text)"
             " ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, etag = EXCLUDED.etag,"
             " last_modified = EXCLUDED.last_modified, next_fetch_at = EXCLUDED.next_fetch_at,"
             " consecutive_errors = EXCLUDED.consecutive_errors,"
             " last_error = EXCLUDED.last_error, last_success_at = EXCLUDED.last_success_at,"
             " last_attempt_at = EXCLUDED.last_attempt_at, settings = EXCLUDED.settings,"
             " title = EXCLUDED.title",
             source_columns);
    char next[24], errors[24], success[24], attempt[24];
    char *last_error = nb_redact(state->last_error);
    const char *values[] = {state->name,
                            state->type ? state->type : "",
                            state->etag,
                            state->last_modified,
                            nb_pg_param_int(next, state->next_fetch_at),
                            nb_pg_param_int(errors, state->consecutive_errors),
                            last_error,
                            nb_pg_param_int(success, state->last_success_at),
                            nb_pg_param_int(attempt, state->last_attempt_at),
                            state->settings,
                            state->title};
    nb_err rc = nb_pg_run(s, sql, 11, values, "saving source", err);
    free(last_error);
    return rc;
}

nb_err nb_pg_source_list(nb_pg *s, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources ORDER BY name", source_columns);
    *states = NULL;
    *count = 0;
    PGresult *res = nb_pg_query(s, sql, 0, NULL, "listing sources", err);
    if (!res)
        return nb_pg_failed_code(s);
    size_t n = (size_t)PQntuples(res);
    nb_source_state *out = n ? nb_xcalloc(n, sizeof *out) : NULL;
    for (size_t i = 0; i < n; i++)
        read_source(res, (int)i, &out[i]);
    PQclear(res);
    *states = out;
    *count = n;
    return NB_OK;
}

nb_err nb_pg_summary_get(nb_pg *s, const char *content_hash, const char *model,
                         const char *prompt_hash, char **text, nb_errbuf *err)
{
    *text = NULL;
    const char *values[] = {content_hash, model, prompt_hash};
    PGresult *res = nb_pg_query(s,
                                "SELECT text FROM summaries WHERE content_hash = $1::text"
                                " AND model = $2::text AND prompt_hash = $3::text",
                                3, values, "reading summary", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res))
        *text = nb_pg_text(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_summary_put(nb_pg *s, const char *content_hash, const char *model,
                         const char *prompt_hash, const char *text, long prompt_tokens,
                         long completion_tokens, int64_t now, nb_errbuf *err)
{
    char prompt[24], completion[24], created[24];
    const char *values[] = {content_hash,
                            model,
                            prompt_hash,
                            text,
                            nb_pg_param_int(prompt, prompt_tokens),
                            nb_pg_param_int(completion, completion_tokens),
                            nb_pg_param_int(created, now)};
    return nb_pg_run(s,
                     "INSERT INTO summaries (content_hash, model, prompt_hash, text,"
                     " prompt_tokens, completion_tokens, created_at) VALUES ($1::text, $2::text,"
                     " $3::text, $4::text, $5::bigint, $6::bigint, $7::bigint)"
                     " ON CONFLICT (content_hash, model, prompt_hash) DO UPDATE SET"
                     " text = EXCLUDED.text, prompt_tokens = EXCLUDED.prompt_tokens,"
                     " completion_tokens = EXCLUDED.completion_tokens,"
                     " created_at = EXCLUDED.created_at",
                     7, values, "storing summary", err);
}

nb_err nb_pg_llm_usage_add(nb_pg *s, int64_t run_at, const char *model, long requests,
                           long prompt_tokens, long completion_tokens, double cost, nb_errbuf *err)
{
    char at[24], count[24], prompt[24], completion[24], spent[40];
    snprintf(spent, sizeof spent, "%.17g", cost);
    const char *values[] = {nb_pg_param_int(at, run_at),
                            model,
                            nb_pg_param_int(count, requests),
                            nb_pg_param_int(prompt, prompt_tokens),
                            nb_pg_param_int(completion, completion_tokens),
                            spent};
    return nb_pg_run(s,
                     "INSERT INTO llm_usage (run_at, model, requests, prompt_tokens,"
                     " completion_tokens, cost) VALUES ($1::bigint, $2::text, $3::bigint,"
                     " $4::bigint, $5::bigint, $6::double precision)",
                     6, values, "storing usage", err);
}

/* ---- the daemon's state ---- */

static const char schedule_columns[] =
    "name, cron, last_fire, last_result, last_run_at, last_duration_ms, next_fire";

static void read_schedule(const PGresult *res, int row, nb_schedule_state *out)
{
    out->name = nb_pg_text(res, row, 0);
    out->cron = nb_pg_text(res, row, 1);
    out->last_fire = nb_pg_int(res, row, 2);
    out->last_result = nb_pg_text(res, row, 3);
    out->last_run_at = nb_pg_int(res, row, 4);
    out->last_duration_ms = nb_pg_int(res, row, 5);
    out->next_fire = nb_pg_int(res, row, 6);
}

nb_err nb_pg_schedule_load(nb_pg *s, const char *name, nb_schedule_state *out, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules WHERE name = $1::text", schedule_columns);
    memset(out, 0, sizeof *out);
    PGresult *res = nb_pg_query(s, sql, 1, &name, "reading schedule", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res))
        read_schedule(res, 0, out);
    else
        out->name = nb_xstrdup(name);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_schedule_save(nb_pg *s, const nb_schedule_state *state, nb_errbuf *err)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "INSERT INTO schedules (%s) VALUES ($1::text, $2::text, $3::bigint, $4::text,"
             " $5::bigint, $6::bigint, $7::bigint) ON CONFLICT (name) DO UPDATE SET"
             " cron = EXCLUDED.cron, last_fire = EXCLUDED.last_fire,"
             " last_result = EXCLUDED.last_result, last_run_at = EXCLUDED.last_run_at,"
             " last_duration_ms = EXCLUDED.last_duration_ms, next_fire = EXCLUDED.next_fire",
             schedule_columns);
    char fire[24], run[24], duration[24], next[24];
    const char *values[] = {state->name,
                            state->cron ? state->cron : "",
                            nb_pg_param_int(fire, state->last_fire),
                            state->last_result,
                            nb_pg_param_int(run, state->last_run_at),
                            nb_pg_param_int(duration, state->last_duration_ms),
                            nb_pg_param_int(next, state->next_fire)};
    return nb_pg_run(s, sql, 7, values, "saving schedule", err);
}

nb_err nb_pg_schedule_list(nb_pg *s, nb_schedule_state **states, size_t *count, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules ORDER BY name", schedule_columns);
    *states = NULL;
    *count = 0;
    PGresult *res = nb_pg_query(s, sql, 0, NULL, "listing schedules", err);
    if (!res)
        return nb_pg_failed_code(s);
    size_t n = (size_t)PQntuples(res);
    nb_schedule_state *out = n ? nb_xcalloc(n, sizeof *out) : NULL;
    for (size_t i = 0; i < n; i++)
        read_schedule(res, (int)i, &out[i]);
    PQclear(res);
    *states = out;
    *count = n;
    return NB_OK;
}

nb_err nb_pg_daemon_save(nb_pg *s, const nb_daemon_state *state, nb_errbuf *err)
{
    char pid[24], started[24], beat[24], wake[24], stopped[24];
    const char *values[] = {
        nb_pg_param_int(pid, state->pid), nb_pg_param_int(started, state->started_at),
        nb_pg_param_int(beat, state->heartbeat_at), nb_pg_param_int(wake, state->next_wake_at),
        nb_pg_param_int(stopped, state->stopped_at)};
    return nb_pg_run(s,
                     "INSERT INTO daemon (id, pid, started_at, heartbeat_at, next_wake_at,"
                     " stopped_at) VALUES (1, $1::bigint, $2::bigint, $3::bigint, $4::bigint,"
                     " $5::bigint) ON CONFLICT (id) DO UPDATE SET pid = EXCLUDED.pid,"
                     " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,"
                     " next_wake_at = EXCLUDED.next_wake_at, stopped_at = EXCLUDED.stopped_at",
                     5, values, "saving heartbeat", err);
}

nb_err nb_pg_daemon_load(nb_pg *s, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    PGresult *res = nb_pg_query(s,
                                "SELECT pid, started_at, heartbeat_at, next_wake_at, stopped_at"
                                " FROM daemon WHERE id = 1",
                                0, NULL, "reading heartbeat", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res)) {
        out->pid = nb_pg_int(res, 0, 0);
        out->started_at = nb_pg_int(res, 0, 1);
        out->heartbeat_at = nb_pg_int(res, 0, 2);
        out->next_wake_at = nb_pg_int(res, 0, 3);
        out->stopped_at = nb_pg_int(res, 0, 4);
        *found = 1;
    }
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
        version = nb_pg_schema_version(s);
        if (version < 0)
            rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot read the schema version", s->name);
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
