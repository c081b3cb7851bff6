/* SPDX-License-Identifier: MIT */
/* PostgreSQL implementation of store.h's leased work: jobs, fires of schedules and leases
 * on outbox rows, shared by every daemon on the database. A claim is one statement,
 * `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING …`, committed at
 * once; leases come from the database clock (now()); done, fail and finish are fenced by
 * the worker and the attempt it claimed with. Inserts of jobs, fires and outbox rows NOTIFY
 * newsbrief_work at commit (triggers of migration 3); a LISTEN connection of its own waits. */
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"
#include "store/postgres_private.h"
#include "store/store.h"

/* Migration 3. Rows an old-style sender (a run, `newsbrief push`) marks "sending" without a
 * lease are stamped with its session, so that only a sender whose session ended is
 * recovered, never one still sending. */
const char nb_pg_jobs_migration[] =
    "CREATE TABLE jobs ("
    "  id bigserial PRIMARY KEY,"
    "  kind text NOT NULL,"
    "  key text NOT NULL,"
    "  payload text NOT NULL DEFAULT '',"
    "  state text NOT NULL DEFAULT 'ready'"
    "    CHECK (state IN ('ready', 'running', 'done', 'dead')),"
    "  run_at timestamptz NOT NULL DEFAULT now(),"
    "  locked_by text,"
    "  lease_until timestamptz,"
    "  attempts integer NOT NULL DEFAULT 0,"
    "  max_attempts integer NOT NULL DEFAULT 5,"
    "  last_error text,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  finished_at timestamptz,"
    "  UNIQUE (kind, key));"
    "CREATE INDEX jobs_open ON jobs (run_at, id) WHERE state IN ('ready', 'running');"
    "CREATE INDEX jobs_by_worker ON jobs (locked_by) WHERE state = 'running';"
    "CREATE TABLE schedule_fires ("
    "  schedule text NOT NULL,"
    "  fire_time bigint NOT NULL,"
    "  worker text NOT NULL,"
    "  claimed_at timestamptz NOT NULL DEFAULT now(),"
    "  PRIMARY KEY (schedule, fire_time));"
    "ALTER TABLE deliveries ADD COLUMN locked_by text, ADD COLUMN lease_until timestamptz;"
    "CREATE TABLE daemons ("
    "  worker text PRIMARY KEY,"
    "  pid bigint NOT NULL,"
    "  started_at bigint NOT NULL,"
    "  heartbeat_at bigint NOT NULL,"
    "  next_wake_at bigint NOT NULL);"
    "CREATE INDEX deliveries_unsent ON deliveries (channel, id)"
    "  WHERE status IN ('pending', 'sending');"
    "CREATE FUNCTION newsbrief_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN PERFORM pg_notify('newsbrief_work', TG_TABLE_NAME); RETURN NULL; END $$;"
    "CREATE TRIGGER jobs_notify AFTER INSERT ON jobs"
    "  FOR EACH STATEMENT EXECUTE FUNCTION newsbrief_notify_work();"
    "CREATE TRIGGER schedule_fires_notify AFTER INSERT ON schedule_fires"
    "  FOR EACH STATEMENT EXECUTE FUNCTION newsbrief_notify_work();"
    "CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries"
    "  FOR EACH STATEMENT EXECUTE FUNCTION newsbrief_notify_work();"
    "CREATE FUNCTION newsbrief_sending_session() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN NEW.locked_by := 'session:' || pg_backend_pid(); NEW.lease_until := NULL;"
    " RETURN NEW; END $$;"
    "CREATE TRIGGER deliveries_sending_session BEFORE UPDATE ON deliveries FOR EACH ROW"
    "  WHEN (NEW.status = 'sending' AND OLD.status IS DISTINCT FROM 'sending'"
    "        AND NEW.locked_by IS NULL)"
    "  EXECUTE FUNCTION newsbrief_sending_session();";

/* A "sending" row nobody holds any more: its lease expired, or the session that marked it
 * without a lease ended. */
#define ABANDONED(d)                                                                               \
    "(" d ".lease_until < now() OR (" d ".locked_by LIKE 'session:%' AND NOT EXISTS"               \
    " (SELECT 1 FROM pg_stat_activity a WHERE 'session:' || a.pid = " d ".locked_by)))"

#define MS(param) "(" param "::bigint * interval '1 millisecond')"

nb_err nb_pg_job_add(nb_pg *s, const char *kind, const char *key, const char *payload,
                     int max_attempts, int64_t delay_ms, int *added, nb_errbuf *err)
{
    char attempts[24], delay[24];
    const char *v[] = {kind, key, payload ? payload : "",
                       nb_pg_param_int(attempts, max_attempts > 0 ? max_attempts : 1),
                       nb_pg_param_int(delay, delay_ms > 0 ? delay_ms : 0)};
    PGresult *res = nb_pg_query(
        s,
        "INSERT INTO jobs (kind, key, payload, max_attempts, run_at)"
        " VALUES ($1, $2, $3, $4::int, now() + " MS("$5") ")"
                                                          " ON CONFLICT (kind, key) DO NOTHING",
        5, v, "adding a job", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (added)
        *added = strtol(PQcmdTuples(res), NULL, 10) > 0;
    PQclear(res);
    return NB_OK;
}

/* The job a claim returns: id, kind, key, payload, attempts, max_attempts and the state it
 * was taken from. */
static void read_claimed_job(const PGresult *res, int row, void *job)
{
    nb_job *out = job;
    out->id = nb_pg_int(res, row, 0);
    out->kind = nb_pg_text(res, row, 1);
    out->key = nb_pg_text(res, row, 2);
    out->payload = nb_pg_text(res, row, 3);
    out->attempt = (int)nb_pg_int(res, row, 4);
    out->max_attempts = (int)nb_pg_int(res, row, 5);
    out->taken_over = !strcmp(PQgetvalue(res, row, 6), "running");
}

nb_err nb_pg_job_claim(nb_pg *s, const char *kind, const char *worker, int64_t lease_ms,
                       nb_job *out, int *found, nb_errbuf *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    char lease[24];
    const char *v[] = {kind, worker, nb_pg_param_int(lease, lease_ms)};
    /* One statement, one round trip: a job whose workers keep dying with it goes dead (not
     * round again) in the same statement that claims the next one. The two never touch the
     * same row: the claim takes an expired job only below its last attempt. */
    return nb_pg_row(
        s,
        "WITH dead AS (UPDATE jobs SET state = 'dead', locked_by = NULL, finished_at = now(),"
        "   last_error = 'lease expired after attempt ' || attempts"
        "     || COALESCE(' (last error: ' || last_error || ')', '')"
        "   WHERE state = 'running' AND lease_until < now()"
        "   AND attempts >= max_attempts AND ($1::text IS NULL OR kind = $1) RETURNING id)"
        " UPDATE jobs j SET state = 'running', locked_by = $2,"
        " lease_until = now() + " MS(
            "$3") ", attempts = j.attempts + 1"
                  " FROM (SELECT id, state AS was FROM jobs"
                  "   WHERE ($1::text IS NULL OR kind = $1) AND state IN ('ready', 'running')"
                  "   AND ((state = 'ready' AND run_at <= now())"
                  "     OR (state = 'running' AND lease_until < now() AND attempts < max_attempts))"
                  "   ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) c"
                  " WHERE j.id = c.id"
                  " RETURNING j.id, j.kind, j.key, j.payload, j.attempts, j.max_attempts, c.was",
        3, v, "claiming a job", read_claimed_job, out, found, err);
}

/* A fenced update of a job or an outbox row: $1 id, $2 worker, $3 attempt, then the extra
 * values ($4 ...); *held whether the row was still the caller's. */
static nb_err fenced(nb_pg *s, const char *sql, int64_t id, const char *worker, int attempt,
                     const char *const *extra, int nextra, int *held, const char *what,
                     nb_errbuf *err)
{
    char ids[24], attempts[24];
    const char *v[8] = {nb_pg_param_int(ids, id), worker, nb_pg_param_int(attempts, attempt)};
    for (int i = 0; i < nextra && i + 3 < 8; i++)
        v[i + 3] = extra[i];
    size_t changed = 0;
    nb_err rc = nb_pg_run_counted(s, sql, 3 + nextra, v, what, &changed, err);
    if (held)
        *held = !rc && changed > 0;
    return rc;
}

#define HELD                                                                                       \
    " WHERE id = $1::bigint AND locked_by = $2 AND attempts = $3::int AND state = 'running'"

nb_err nb_pg_job_renew(nb_pg *s, int64_t id, const char *worker, int attempt, int64_t lease_ms,
                       int *held, nb_errbuf *err)
{
    char lease[24];
    const char *extra[] = {NULL, nb_pg_param_int(lease, lease_ms)};
    return fenced(s,
                  "UPDATE jobs SET lease_until = now() + " MS("$5") ", last_error = "
                                                                    "COALESCE($4, last_error)" HELD,
                  id, worker, attempt, extra, 2, held, "renewing a lease", err);
}

nb_err nb_pg_job_done(nb_pg *s, int64_t id, const char *worker, int attempt, int *held,
                      nb_errbuf *err)
{
    return fenced(s,
                  "UPDATE jobs SET state = 'done', locked_by = NULL, lease_until = NULL,"
                  " finished_at = now()" HELD,
                  id, worker, attempt, NULL, 0, held, "finishing a job", err);
}

nb_err nb_pg_job_fail(nb_pg *s, int64_t id, const char *worker, int attempt, const char *error,
                      int64_t retry_ms, int *held, nb_errbuf *err)
{
    char retry[24];
    char *masked = nb_redact(error ? error : "failed");
    const char *extra[] = {masked, nb_pg_param_int(retry, retry_ms)};
    nb_err rc = fenced(s,
                       "UPDATE jobs SET last_error = $4, locked_by = NULL, lease_until = NULL,"
                       " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,"
                       " finished_at = CASE WHEN attempts >= max_attempts THEN now() END,"
                       " run_at = now() + " MS("$5") HELD,
                       id, worker, attempt, extra, 2, held, "failing a job", err);
    free(masked);
    return rc;
}

nb_err nb_pg_job_state(nb_pg *s, const char *kind, const char *key, char **state, char **last_error,
                       nb_errbuf *err)
{
    *state = NULL;
    if (last_error)
        *last_error = NULL;
    const char *v[] = {kind, key};
    PGresult *res =
        nb_pg_query(s, "SELECT state, last_error FROM jobs WHERE kind = $1 AND key = $2", 2, v,
                    "reading a job", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res) == 1) {
        *state = nb_pg_text(res, 0, 0);
        if (last_error)
            *last_error = nb_pg_text(res, 0, 1);
    }
    PQclear(res);
    return NB_OK;
}

/* The keys go as a JSON array (any text, quoted by jansson): one statement for them all. */
nb_err nb_pg_job_states(nb_pg *s, const char *kind, const char *const *keys, size_t count,
                        char **states, nb_errbuf *err)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *key = json_string(keys[i]); /* NULL for text that is not UTF-8: no such job */
        json_array_append_new(list, key ? key : json_null());
    }
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    const char *v[] = {kind, text};
    PGresult *res = nb_pg_query(s,
                                "SELECT k.n, j.state FROM jsonb_array_elements_text($2::jsonb)"
                                " WITH ORDINALITY AS k(key, n)"
                                " JOIN jobs j ON j.kind = $1 AND j.key = k.key",
                                2, v, "reading jobs", err);
    free(text);
    if (!res)
        return nb_pg_failed_code(s);
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t n = nb_pg_int(res, r, 0);
        if (n >= 1 && (size_t)n <= count && !states[n - 1])
            states[n - 1] = nb_pg_text(res, r, 1);
    }
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_job_counts(nb_pg *s, nb_job_count **counts, size_t *count, nb_errbuf *err)
{
    *counts = NULL;
    *count = 0;
    PGresult *res =
        nb_pg_query(s,
                    "SELECT kind, state, COUNT(*), CASE WHEN state = 'dead' THEN"
                    " (SELECT last_error FROM jobs d WHERE d.kind = j.kind AND d.state = 'dead'"
                    "   ORDER BY finished_at DESC, id DESC LIMIT 1) END"
                    " FROM jobs j GROUP BY kind, state ORDER BY kind, state",
                    0, NULL, "counting jobs", err);
    if (!res)
        return nb_pg_failed_code(s);
    int n = PQntuples(res);
    nb_job_count *out = nb_xcalloc((size_t)n + 1, sizeof *out);
    for (int i = 0; i < n; i++) {
        out[i].kind = nb_pg_text(res, i, 0);
        out[i].state = nb_pg_text(res, i, 1);
        out[i].count = nb_pg_int(res, i, 2);
        out[i].last_error = nb_pg_text(res, i, 3);
    }
    PQclear(res);
    *counts = out;
    *count = (size_t)n;
    return NB_OK;
}

/* Runs one statement (binding $1 = worker, $2 = number) over jobs then outbox rows, in one
 * transaction (a data-modifying WITH); *total the rows it changed. */
static nb_err both_tables(nb_pg *s, const char *sql, const char *worker, int64_t number,
                          size_t *total, const char *what, nb_errbuf *err)
{
    char n[24];
    const char *v[] = {worker, nb_pg_param_int(n, number)};
    if (total)
        *total = 0;
    PGresult *res = nb_pg_query(s, sql, 2, v, what, err);
    if (!res)
        return nb_pg_failed_code(s);
    if (total && PQntuples(res) == 1)
        *total = (size_t)nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_leases_renew(nb_pg *s, const char *worker, int64_t lease_ms, size_t *renewed,
                          nb_errbuf *err)
{
    return both_tables(
        s,
        "WITH j AS (UPDATE jobs SET lease_until = now() + " MS(
            "$2") "   WHERE state = 'running' AND locked_by = $1 RETURNING 1),"
                  " d AS (UPDATE deliveries SET lease_until = now() + " MS(
                      "$2") "   WHERE status = 'sending' AND locked_by = $1 RETURNING 1)"
                            " SELECT (SELECT COUNT(*) FROM j) + (SELECT COUNT(*) FROM d)",
        worker, lease_ms, renewed, "renewing leases", err);
}

nb_err nb_pg_leases_release(nb_pg *s, const char *worker, size_t *released, nb_errbuf *err)
{
    return both_tables(s,
                       "WITH j AS (UPDATE jobs SET state = 'ready', locked_by = NULL,"
                       "   lease_until = NULL, run_at = now()"
                       "   WHERE state = 'running' AND locked_by = $1 RETURNING 1),"
                       " d AS (UPDATE deliveries SET status = 'pending', locked_by = NULL,"
                       "   lease_until = NULL WHERE status = 'sending' AND locked_by = $1"
                       "   AND $2::bigint = 0 RETURNING 1)"
                       " SELECT (SELECT COUNT(*) FROM j) + (SELECT COUNT(*) FROM d)",
                       worker, 0, released, "releasing leases", err);
}

nb_err nb_pg_fire_claim(nb_pg *s, const char *schedule, int64_t fire_time, const char *worker,
                        int *won, char **holder, nb_errbuf *err)
{
    char fire[24];
    const char *v[] = {schedule, nb_pg_param_int(fire, fire_time), worker};
    *won = 0;
    if (holder)
        *holder = NULL;
    PGresult *res = nb_pg_query(s,
                                "INSERT INTO schedule_fires (schedule, fire_time, worker)"
                                " VALUES ($1, $2::bigint, $3) ON CONFLICT DO NOTHING",
                                3, v, "claiming a fire", err);
    if (!res)
        return nb_pg_failed_code(s);
    *won = strtol(PQcmdTuples(res), NULL, 10) > 0;
    PQclear(res);
    if (*won || !holder)
        return NB_OK;
    res = nb_pg_query(s,
                      "SELECT worker FROM schedule_fires WHERE schedule = $1 AND fire_time = "
                      "$2::bigint",
                      2, v, "reading a fire", err);
    if (!res)
        return nb_pg_failed_code(s);
    if (PQntuples(res) == 1)
        *holder = nb_pg_text(res, 0, 0);
    PQclear(res);
    return NB_OK;
}

nb_err nb_pg_outbox_claim(nb_pg *s, const char *channel, const char *worker, int64_t lease_ms,
                          int64_t now, nb_outbox_row *row, int *found, nb_errbuf *err)
{
    memset(row, 0, sizeof *row);
    *found = 0;
    char lease[24], at[24];
    const char *v[] = {channel, worker, nb_pg_param_int(lease, lease_ms), nb_pg_param_int(at, now)};
    return nb_pg_row(s,
                     "UPDATE deliveries d SET status = 'sending', locked_by = $2,"
                     " lease_until = now() + " MS(
                         "$3") ", attempts = d.attempts + 1,"
                               " possible_duplicate = CASE WHEN c.was = 'sending' THEN 1 ELSE "
                               "d.possible_duplicate END"
                               " FROM (SELECT f.id, f.status AS was FROM deliveries f"
                               "   WHERE f.id = (SELECT MIN(id) FROM deliveries WHERE channel = $1"
                               "     AND status IN ('pending', 'sending'))"
                               "   AND ((f.status = 'pending' AND f.next_attempt_at <= $4::bigint)"
                               "     OR (f.status = 'sending' AND " ABANDONED(
                                   "f") "))"
                                        "   FOR UPDATE SKIP LOCKED) c"
                                        " WHERE d.id = c.id"
                                        " RETURNING d.id, d.briefing_id, d.channel, d.seq, "
                                        "d.method, d.payload, d.status,"
                                        " d.attempts, d.next_attempt_at, d.last_answer, "
                                        "d.possible_duplicate, d.created_at",
                     4, v, "claiming an outbox row", nb_pg_read_outbox_row, row, found, err);
}

nb_err nb_pg_outbox_finish(nb_pg *s, int64_t id, const char *worker, int attempt,
                           const char *status, int64_t next_attempt_at, const char *answer,
                           int64_t now, int *held, nb_errbuf *err)
{
    char next[24], at[24];
    char *masked = answer ? nb_redact(answer) : NULL;
    const char *extra[] = {status, nb_pg_param_int(next, next_attempt_at), masked,
                           nb_pg_param_int(at, now)};
    nb_err rc = fenced(s,
                       "UPDATE deliveries SET status = $4, next_attempt_at = $5::bigint,"
                       " last_answer = COALESCE($6, last_answer), locked_by = NULL,"
                       " lease_until = NULL,"
                       " sent_at = CASE WHEN $4 = 'sent' THEN $7::bigint ELSE sent_at END"
                       " WHERE id = $1::bigint AND locked_by = $2 AND attempts = $3::int"
                       " AND status = 'sending'",
                       id, worker, attempt, extra, 4, held, "updating the outbox", err);
    free(masked);
    return rc;
}

/* A run's recovery also takes back the rows its own session left "sending" (as on SQLite,
 * where the run lock makes every such row a dead run's). */
nb_err nb_pg_outbox_recover(nb_pg *s, size_t *recovered, nb_errbuf *err)
{
    *recovered = 0;
    PGresult *res =
        nb_pg_query(s,
                    "UPDATE deliveries d SET status = 'pending', possible_duplicate = 1,"
                    " locked_by = NULL, lease_until = NULL"
                    " WHERE status = 'sending' AND (" ABANDONED(
                        "d") " OR d.locked_by = 'session:' || pg_backend_pid())",
                    0, NULL, "recovering the outbox", err);
    if (!res)
        return nb_pg_failed_code(s);
    *recovered = (size_t)strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return NB_OK;
}

/* The LISTEN connection: opened on first use with the store's own settings. */
static nb_err listener(nb_pg *s, nb_errbuf *err)
{
    if (s->listen && PQstatus(s->listen) == CONNECTION_OK)
        return NB_OK;
    PQfinish(s->listen);
    s->listen = NULL;
    PQconninfoOption *options = PQconninfo(s->conn);
    size_t n = 0;
    for (PQconninfoOption *o = options; o && o->keyword; o++)
        n++;
    const char **keys = nb_xcalloc(n + 1, sizeof *keys);
    const char **values = nb_xcalloc(n + 1, sizeof *values);
    size_t k = 0;
    for (PQconninfoOption *o = options; o && o->keyword; o++)
        if (o->val && o->val[0]) {
            keys[k] = o->keyword;
            values[k++] = o->val;
        }
    PGconn *conn = PQconnectdbParams(keys, values, 0);
    free(keys);
    free(values);
    PQconninfoFree(options);
    nb_err rc = NB_OK;
    PGresult *res = NULL;
    if (PQstatus(conn) != CONNECTION_OK ||
        PQresultStatus(res = PQexec(conn, "LISTEN newsbrief_work")) != PGRES_COMMAND_OK) {
        char line[NB_ERRBUF_SIZE / 2];
        nb_redact_copy(PQerrorMessage(conn), line, sizeof line);
        line[strcspn(line, "\n")] = '\0';
        rc = nb_errf(err, NB_ERR_STORE, "database %s: listening for work: %s", s->name, line);
        PQfinish(conn);
        conn = NULL;
    }
    PQclear(res);
    s->listen = conn;
    return rc;
}

nb_err nb_pg_work_wait(nb_pg *s, int64_t timeout_ms, int *woken, nb_errbuf *err)
{
    if (woken)
        *woken = 0;
    if (nb_pg_broken(s, err))
        return NB_ERR_IO;
    nb_err rc = listener(s, err);
    if (rc)
        return rc;
    int64_t deadline = nb_clock_monotonic_ms() + timeout_ms;
    for (;;) {
        if (!PQconsumeInput(s->listen)) {
            PQfinish(s->listen); /* reconnected on the next wait */
            s->listen = NULL;
            return NB_OK;
        }
        int got = 0;
        PGnotify *n;
        while ((n = PQnotifies(s->listen))) {
            got = 1;
            PQfreemem(n);
        }
        if (got) {
            if (woken)
                *woken = 1;
            return NB_OK;
        }
        int64_t left = deadline - nb_clock_monotonic_ms();
        if (left <= 0)
            return NB_OK;
        struct pollfd p = {.fd = PQsocket(s->listen), .events = POLLIN};
        if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0)
            return NB_OK; /* a signal: the caller looks at it */
    }
}

/* ---- each daemon's heartbeat, by worker id ---- */

nb_err nb_pg_worker_save(nb_pg *s, const nb_daemon_state *state, nb_errbuf *err)
{
    char pid[24], started[24], beat[24], wake[24];
    const char *v[] = {state->worker, nb_pg_param_int(pid, state->pid),
                       nb_pg_param_int(started, state->started_at),
                       nb_pg_param_int(beat, state->heartbeat_at),
                       nb_pg_param_int(wake, state->next_wake_at)};
    /* a clean stop removes the row: the table lists the daemons that may be alive */
    if (state->stopped_at)
        return nb_pg_run(s, "DELETE FROM daemons WHERE worker = $1", 1, v, "saving the heartbeat",
                         err);
    return nb_pg_run(s,
                     "INSERT INTO daemons (worker, pid, started_at, heartbeat_at, next_wake_at)"
                     " VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5::bigint)"
                     " ON CONFLICT (worker) DO UPDATE SET pid = EXCLUDED.pid,"
                     " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at,"
                     " next_wake_at = EXCLUDED.next_wake_at",
                     5, v, "saving the heartbeat", err);
}

nb_err nb_pg_worker_list(nb_pg *s, nb_daemon_state **list, size_t *count, nb_errbuf *err)
{
    *list = NULL;
    *count = 0;
    PGresult *res = nb_pg_query(s,
                                "SELECT worker, pid, started_at, heartbeat_at, next_wake_at"
                                " FROM daemons ORDER BY heartbeat_at DESC, worker",
                                0, NULL, "reading the heartbeats", err);
    if (!res)
        return nb_pg_failed_code(s);
    size_t n = (size_t)PQntuples(res);
    nb_daemon_state *out = nb_xcalloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = (nb_daemon_state){.worker = nb_pg_text(res, (int)i, 0),
                                   .pid = nb_pg_int(res, (int)i, 1),
                                   .started_at = nb_pg_int(res, (int)i, 2),
                                   .heartbeat_at = nb_pg_int(res, (int)i, 3),
                                   .next_wake_at = nb_pg_int(res, (int)i, 4)};
    PQclear(res);
    *list = out;
    *count = n;
    return NB_OK;
}

/* Done jobs finished more than age seconds ago (the database's clock) and the rows of
 * daemons silent as long (their heartbeat on now's clock). */
nb_err nb_pg_work_prune(nb_pg *s, int64_t age, int64_t now, int dry_run, size_t *removed,
                        nb_errbuf *err)
{
    char ages[24], at[24];
    const char *v[] = {nb_pg_param_int(ages, age), nb_pg_param_int(at, now)};
    PGresult *res = nb_pg_query(
        s,
        dry_run ? "SELECT (SELECT count(*) FROM jobs WHERE state = 'done'"
                  "   AND finished_at < now() - $1::bigint * interval '1 second')"
                  " + (SELECT count(*) FROM daemons WHERE heartbeat_at < $2::bigint - $1::bigint)"
                  " + (SELECT count(*) FROM schedule_fires"
                  "   WHERE fire_time < $2::bigint - $1::bigint)"
                : "WITH jobs_gone AS (DELETE FROM jobs WHERE state = 'done'"
                  "   AND finished_at < now() - $1::bigint * interval '1 second' RETURNING 1),"
                  " daemons_gone AS (DELETE FROM daemons"
                  "   WHERE heartbeat_at < $2::bigint - $1::bigint RETURNING 1),"
                  " fires_gone AS (DELETE FROM schedule_fires"
                  "   WHERE fire_time < $2::bigint - $1::bigint RETURNING 1)"
                  " SELECT (SELECT count(*) FROM jobs_gone) + (SELECT count(*) FROM daemons_gone)"
                  " + (SELECT count(*) FROM fires_gone)",
        2, v, "pruning finished work", err);
    if (!res)
        return nb_pg_failed_code(s);
    *removed = (size_t)nb_pg_int(res, 0, 0);
    PQclear(res);
    return NB_OK;
}
