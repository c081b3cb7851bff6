/* SPDX-License-Identifier: MIT */
/* SQLite implementation of store.h's leased work: jobs, fires of schedules and leases on
 * outbox rows. A claim is one BEGIN IMMEDIATE transaction (the writer lock makes it
 * exclusive, as FOR UPDATE SKIP LOCKED does on PostgreSQL), committed at once. Leases are
 * measured in ms on the database's clock; done, fail and finish are fenced by the worker and
 * the attempt it claimed with, so a worker whose lease was taken over changes nothing. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/memory.h"
#include "store/sqlite_private.h"
#include "store/store.h"

#define NOW NB_SQLITE_NOW_MS

static nb_err prepare(nb_sqlite *s, const char *sql, sqlite3_stmt **st, const char *what,
                      nb_errbuf *err)
{
    *st = NULL;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, what);
    return NB_OK;
}

/* Steps a statement without rows; *changes (may be NULL) receives the rows it changed. */
static nb_err step_done(nb_sqlite *s, sqlite3_stmt *st, int *changes, const char *what,
                        nb_errbuf *err)
{
    nb_err rc = NB_OK;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, what);
    else if (changes)
        *changes = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}

static void rollback(nb_sqlite *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

nb_err nb_sqlite_job_add(nb_sqlite *s, const char *kind, const char *key, const char *payload,
                         int max_attempts, int64_t delay_ms, int *added, nb_errbuf *err)
{
    sqlite3_stmt *st;
    int changes = 0;
    nb_err rc = prepare(s,
                        "INSERT INTO jobs (kind, key, payload, max_attempts, run_at, created_at)"
                        " VALUES (?1, ?2, ?3, ?4, " NOW " + ?5, " NOW ")"
                        " ON CONFLICT (kind, key) DO NOTHING",
                        &st, "preparing a job", err);
    if (rc)
        return rc;
    nb_sqlite_bind_text(st, 1, kind);
    nb_sqlite_bind_text(st, 2, key);
    nb_sqlite_bind_text(st, 3, payload ? payload : "");
    sqlite3_bind_int(st, 4, max_attempts > 0 ? max_attempts : 1);
    sqlite3_bind_int64(st, 5, delay_ms > 0 ? delay_ms : 0);
    rc = step_done(s, st, &changes, "adding a job", err);
    if (added)
        *added = !rc && changes > 0;
    return rc;
}

/* The statements of a claim, run in one BEGIN IMMEDIATE transaction: expire (binding ?1 =
 * key; NULL: none) first; then pick (?1 key, ?2 now) finds the row to claim, its id and
 * whether it is taken over from a holder whose lease expired; then take (?1 id, ?2 worker,
 * ?3 lease in ms, ?4 taken over) claims it, returning the row. */
typedef struct {
    const char *expire, *pick, *take;
    const char *preparing; /* what a failed prepare was doing */
    const char *what;      /* what a failed step was doing */
} claim_sql;

/* Reads the row take returned (id and taken over are pick's). */
typedef void (*claim_reader)(sqlite3_stmt *st, int64_t id, int taken_over, void *out);

static nb_err claim(nb_sqlite *s, const claim_sql *c, const char *key, int64_t now,
                    const char *worker, int64_t lease_ms, claim_reader read, void *out, int *found,
                    nb_errbuf *err)
{
    *found = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    nb_err rc = nb_sqlite_exec(s, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (c->expire) {
        rc = prepare(s, c->expire, &st, c->preparing, err);
        if (!rc) {
            nb_sqlite_bind_text(st, 1, key);
            rc = step_done(s, st, NULL, c->what, err);
        }
    }
    int64_t id = 0;
    int taken_over = 0;
    if (!rc)
        rc = prepare(s, c->pick, &st, c->preparing, err);
    if (!rc) {
        nb_sqlite_bind_text(st, 1, key);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, now);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            id = sqlite3_column_int64(st, 0);
            taken_over = sqlite3_column_int(st, 1);
        } else if (step != SQLITE_DONE) {
            rc = nb_sqlite_db_error(s, err, c->what);
        }
        sqlite3_finalize(st);
    }
    if (!rc && id)
        rc = prepare(s, c->take, &st, c->preparing, err);
    if (!rc && id) {
        sqlite3_bind_int64(st, 1, id);
        nb_sqlite_bind_text(st, 2, worker);
        sqlite3_bind_int64(st, 3, lease_ms);
        if (sqlite3_bind_parameter_count(st) >= 4)
            sqlite3_bind_int(st, 4, taken_over);
        if (sqlite3_step(st) == SQLITE_ROW) {
            read(st, id, taken_over, out);
            *found = 1;
        } else {
            rc = nb_sqlite_db_error(s, err, c->what);
        }
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = nb_sqlite_exec(s, "COMMIT", err);
    if (rc) {
        rollback(s);
        *found = 0;
    }
    return rc;
}

static void read_claimed_job(sqlite3_stmt *st, int64_t id, int taken_over, void *job)
{
    nb_job *out = job;
    out->id = id;
    out->kind = nb_sqlite_column_text(st, 0);
    out->key = nb_sqlite_column_text(st, 1);
    out->payload = nb_sqlite_column_text(st, 2);
    out->attempt = sqlite3_column_int(st, 3);
    out->max_attempts = sqlite3_column_int(st, 4);
    out->taken_over = taken_over;
}

nb_err nb_sqlite_job_claim(nb_sqlite *s, const char *kind, const char *worker, int64_t lease_ms,
                           nb_job *out, int *found, nb_errbuf *err)
{
    static const claim_sql sql = {
        /* a job whose workers keep dying with it goes dead, not round again */
        .expire = "UPDATE jobs SET state = 'dead', locked_by = NULL, finished_at = " NOW ","
                  " last_error = 'lease expired after attempt ' || attempts"
                  "   || COALESCE(' (last error: ' || last_error || ')', '')"
                  " WHERE state = 'running' AND lease_until < " NOW
                  " AND attempts >= max_attempts AND (?1 IS NULL OR kind = ?1)",
        .pick = "SELECT id, state = 'running' FROM jobs"
                " WHERE (?1 IS NULL OR kind = ?1) AND ((state = 'ready' AND run_at <= " NOW
                ") OR (state = 'running' AND lease_until < " NOW "))"
                " ORDER BY run_at, id LIMIT 1",
        .take = "UPDATE jobs SET state = 'running', locked_by = ?2, lease_until = " NOW
                " + ?3, attempts = attempts + 1 WHERE id = ?1"
                " RETURNING kind, key, payload, attempts, max_attempts",
        .preparing = "preparing a claim",
        .what = "claiming a job"};
    memset(out, 0, sizeof *out);
    nb_err rc = claim(s, &sql, kind, 0, worker, lease_ms, read_claimed_job, out, found, err);
    if (rc)
        nb_job_clear(out);
    return rc;
}

/* A fenced update of a job or an outbox row: params are ?1 id, ?2 worker, ?3 attempt, then
 * the statement's own; *held whether the row was still the caller's. */
static nb_err fenced(nb_sqlite *s, const char *sql, const nb_sqlite_param *params, size_t n,
                     int *held, const char *what, nb_errbuf *err)
{
    size_t changes = 0;
    nb_err rc = nb_sqlite_run(s, sql, params, n, &changes, what, err);
    if (held)
        *held = !rc && changes > 0;
    return rc;
}

#define HELD "WHERE id = ?1 AND locked_by = ?2 AND attempts = ?3 AND state = 'running'"

nb_err nb_sqlite_job_renew(nb_sqlite *s, int64_t id, const char *worker, int attempt,
                           int64_t lease_ms, int *held, nb_errbuf *err)
{
    const nb_sqlite_param params[] = {NB_SQL_I(id), NB_SQL_T(worker), NB_SQL_I(attempt),
                                      NB_SQL_T(""), NB_SQL_I(lease_ms)};
    return fenced(s, "UPDATE jobs SET lease_until = " NOW " + ?5 " HELD, params, 5, held,
                  "renewing a lease", err);
}

nb_err nb_sqlite_job_done(nb_sqlite *s, int64_t id, const char *worker, int attempt, int *held,
                          nb_errbuf *err)
{
    const nb_sqlite_param params[] = {NB_SQL_I(id), NB_SQL_T(worker), NB_SQL_I(attempt)};
    return fenced(s,
                  "UPDATE jobs SET state = 'done', locked_by = NULL, finished_at = " NOW " " HELD,
                  params, 3, held, "finishing a job", err);
}

nb_err nb_sqlite_job_fail(nb_sqlite *s, int64_t id, const char *worker, int attempt,
                          const char *error, int64_t retry_ms, int *held, nb_errbuf *err)
{
    const nb_sqlite_param params[] = {NB_SQL_I(id), NB_SQL_T(worker), NB_SQL_I(attempt),
                                      NB_SQL_R(error ? error : "failed"), NB_SQL_I(retry_ms)};
    return fenced(s,
                  "UPDATE jobs SET last_error = ?4, locked_by = NULL,"
                  " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,"
                  " finished_at = CASE WHEN attempts >= max_attempts THEN " NOW " END,"
                  " run_at = " NOW " + ?5 " HELD,
                  params, 5, held, "failing a job", err);
}

nb_err nb_sqlite_job_state(nb_sqlite *s, const char *kind, const char *key, char **state,
                           char **last_error, nb_errbuf *err)
{
    sqlite3_stmt *st;
    *state = NULL;
    if (last_error)
        *last_error = NULL;
    nb_err rc = prepare(s, "SELECT state, last_error FROM jobs WHERE kind = ?1 AND key = ?2", &st,
                        "preparing a job query", err);
    if (rc)
        return rc;
    nb_sqlite_bind_text(st, 1, kind);
    nb_sqlite_bind_text(st, 2, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *state = nb_sqlite_column_text(st, 0);
        if (last_error)
            *last_error = nb_sqlite_column_text(st, 1);
    } else if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading a job");
    }
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_job_states(nb_sqlite *s, const char *kind, const char *const *keys, size_t count,
                            char **states, nb_errbuf *err)
{
    sqlite3_stmt *st;
    nb_err rc = prepare(s, "SELECT state FROM jobs WHERE kind = ?1 AND key = ?2", &st,
                        "preparing a job query", err);
    if (rc)
        return rc;
    nb_sqlite_bind_text(st, 1, kind);
    for (size_t i = 0; i < count && !rc; i++) {
        nb_sqlite_bind_text(st, 2, keys[i]);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            states[i] = nb_sqlite_column_text(st, 0);
        else if (step != SQLITE_DONE)
            rc = nb_sqlite_db_error(s, err, "reading jobs");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_job_counts(nb_sqlite *s, nb_job_count **counts, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st;
    *counts = NULL;
    *count = 0;
    nb_err rc = prepare(s,
                        "SELECT kind, state, COUNT(*), CASE WHEN state = 'dead' THEN"
                        " (SELECT last_error FROM jobs d WHERE d.kind = j.kind AND d.state = 'dead'"
                        "   ORDER BY finished_at DESC, id DESC LIMIT 1) END"
                        " FROM jobs j GROUP BY kind, state ORDER BY kind, state",
                        &st, "preparing job counts", err);
    if (rc)
        return rc;
    nb_job_count *out = NULL;
    size_t n = 0, alloc = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        out[n].kind = nb_sqlite_column_text(st, 0);
        out[n].state = nb_sqlite_column_text(st, 1);
        out[n].count = sqlite3_column_int64(st, 2);
        out[n].last_error = nb_sqlite_column_text(st, 3);
        n++;
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "counting jobs");
    sqlite3_finalize(st);
    *counts = out;
    *count = n;
    return rc;
}

/* Runs two statements binding ?1 = worker, ?2 = number in one transaction; *total the rows
 * they changed. */
static nb_err both_tables(nb_sqlite *s, const char *jobs_sql, const char *outbox_sql,
                          const char *worker, int64_t number, size_t *total, const char *what,
                          nb_errbuf *err)
{
    if (total)
        *total = 0;
    if (nb_sqlite_broken(s, err))
        return NB_ERR_IO;
    nb_err rc = nb_sqlite_exec(s, "BEGIN IMMEDIATE", err);
    const char *sql[2] = {jobs_sql, outbox_sql};
    size_t changed = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        sqlite3_stmt *st;
        int changes = 0;
        rc = prepare(s, sql[i], &st, what, err);
        if (rc)
            break;
        nb_sqlite_bind_text(st, 1, worker);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, number);
        rc = step_done(s, st, &changes, what, err);
        changed += (size_t)changes;
    }
    if (!rc)
        rc = nb_sqlite_exec(s, "COMMIT", err);
    if (rc)
        rollback(s);
    else if (total)
        *total = changed;
    return rc;
}

nb_err nb_sqlite_leases_renew(nb_sqlite *s, const char *worker, int64_t lease_ms, size_t *renewed,
                              nb_errbuf *err)
{
    return both_tables(s,
                       "UPDATE jobs SET lease_until = " NOW " + ?2"
                       " WHERE state = 'running' AND locked_by = ?1",
                       "UPDATE deliveries SET lease_until = " NOW " + ?2"
                       " WHERE status = 'sending' AND locked_by = ?1",
                       worker, lease_ms, renewed, "renewing leases", err);
}

nb_err nb_sqlite_leases_release(nb_sqlite *s, const char *worker, size_t *released, nb_errbuf *err)
{
    return both_tables(s,
                       "UPDATE jobs SET state = 'ready', locked_by = NULL, lease_until = 0,"
                       " run_at = " NOW " WHERE state = 'running' AND locked_by = ?1",
                       "UPDATE deliveries SET status = 'pending', locked_by = NULL,"
                       " lease_until = 0 WHERE status = 'sending' AND locked_by = ?1",
                       worker, 0, released, "releasing leases", err);
}

nb_err nb_sqlite_fire_claim(nb_sqlite *s, const char *schedule, int64_t fire_time,
                            const char *worker, int *won, char **holder, nb_errbuf *err)
{
    sqlite3_stmt *st;
    int changes = 0;
    *won = 0;
    if (holder)
        *holder = NULL;
    nb_err rc = prepare(s,
                        "INSERT INTO schedule_fires (schedule, fire_time, worker, claimed_at)"
                        " VALUES (?1, ?2, ?3, " NOW ") ON CONFLICT DO NOTHING",
                        &st, "preparing a fire claim", err);
    if (rc)
        return rc;
    nb_sqlite_bind_text(st, 1, schedule);
    sqlite3_bind_int64(st, 2, fire_time);
    nb_sqlite_bind_text(st, 3, worker);
    rc = step_done(s, st, &changes, "claiming a fire", err);
    if (rc)
        return rc;
    *won = changes > 0;
    if (*won || !holder)
        return NB_OK;
    rc = prepare(s, "SELECT worker FROM schedule_fires WHERE schedule = ?1 AND fire_time = ?2", &st,
                 "preparing a fire query", err);
    if (rc)
        return rc;
    nb_sqlite_bind_text(st, 1, schedule);
    sqlite3_bind_int64(st, 2, fire_time);
    if (sqlite3_step(st) == SQLITE_ROW)
        *holder = nb_sqlite_column_text(st, 0);
    sqlite3_finalize(st);
    return NB_OK;
}

static void read_claimed_row(sqlite3_stmt *st, int64_t id, int taken_over, void *row)
{
    (void)id;
    (void)taken_over;
    nb_sqlite_read_outbox_row(st, row);
}

nb_err nb_sqlite_outbox_claim(nb_sqlite *s, const char *channel, const char *worker,
                              int64_t lease_ms, int64_t now, nb_outbox_row *row, int *found,
                              nb_errbuf *err)
{
    static const claim_sql sql = {
        .expire = NULL,
        /* the channel's first unsent row decides: due and pending, or sending under a lease
         * that expired (one without a lease is a run's, in flight) */
        .pick = "SELECT id, status = 'sending' FROM deliveries"
                " WHERE id = (SELECT MIN(id) FROM deliveries WHERE channel = ?1"
                "   AND status IN ('pending', 'sending'))"
                " AND ((status = 'pending' AND next_attempt_at <= ?2)"
                "   OR (status = 'sending' AND locked_by IS NOT NULL AND lease_until < " NOW "))",
        .take = "UPDATE deliveries SET status = 'sending', locked_by = ?2,"
                " lease_until = " NOW " + ?3, attempts = attempts + 1,"
                " possible_duplicate = MAX(possible_duplicate, ?4) WHERE id = ?1"
                " RETURNING id, briefing_id, channel, seq, method, payload, status, attempts,"
                " next_attempt_at, last_answer, possible_duplicate, created_at",
        .preparing = "preparing an outbox claim",
        .what = "claiming an outbox row"};
    memset(row, 0, sizeof *row);
    nb_err rc = claim(s, &sql, channel, now, worker, lease_ms, read_claimed_row, row, found, err);
    if (rc)
        nb_store_outbox_row_clear(row);
    return rc;
}

nb_err nb_sqlite_outbox_finish(nb_sqlite *s, int64_t id, const char *worker, int attempt,
                               const char *status, int64_t next_attempt_at, const char *answer,
                               int64_t now, int *held, nb_errbuf *err)
{
    const nb_sqlite_param params[] = {
        NB_SQL_I(id),     NB_SQL_T(worker),          NB_SQL_I(attempt),
        NB_SQL_T(status), NB_SQL_I(next_attempt_at), NB_SQL_R(answer),
        NB_SQL_I(now)};
    return fenced(s,
                  "UPDATE deliveries SET status = ?4, next_attempt_at = ?5,"
                  " last_answer = COALESCE(?6, last_answer), locked_by = NULL,"
                  " lease_until = 0,"
                  " sent_at = CASE WHEN ?4 = 'sent' THEN ?7 ELSE sent_at END"
                  " WHERE id = ?1 AND locked_by = ?2 AND attempts = ?3"
                  " AND status = 'sending'",
                  params, 7, held, "updating the outbox", err);
}

nb_err nb_sqlite_work_wait(nb_sqlite *s, int64_t timeout_ms, int *woken, nb_errbuf *err)
{
    /* PRAGMA data_version changes when another connection commits: a cheap wake-up */
    sqlite3_stmt *st;
    if (woken)
        *woken = 0;
    nb_err rc = prepare(s, "PRAGMA data_version", &st, "preparing data_version", err);
    if (rc)
        return rc;
    int64_t first = -1;
    for (int64_t waited = 0;; waited += 100) {
        int64_t version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_reset(st);
        if (first < 0)
            first = version;
        else if (version != first) {
            if (woken)
                *woken = 1;
            break;
        }
        if (waited >= timeout_ms)
            break;
        int64_t slice = timeout_ms - waited < 100 ? timeout_ms - waited : 100;
        struct timespec pause = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
    sqlite3_finalize(st);
    return NB_OK;
}

/* ---- each daemon's heartbeat, by worker id ---- */

nb_err nb_sqlite_worker_save(nb_sqlite *s, const nb_daemon_state *state, nb_errbuf *err)
{
    sqlite3_stmt *st;
    /* a clean stop removes the row: the table lists the daemons that may be alive */
    nb_err rc =
        prepare(s,
                state->stopped_at ? "DELETE FROM daemons WHERE worker = ?1"
                                  : "INSERT INTO daemons (worker, pid, started_at, heartbeat_at,"
                                    " next_wake_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                                    " ON CONFLICT (worker) DO UPDATE SET pid = excluded.pid,"
                                    " started_at = excluded.started_at,"
                                    " heartbeat_at = excluded.heartbeat_at,"
                                    " next_wake_at = excluded.next_wake_at",
                &st, "saving the heartbeat", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, state->worker, -1, SQLITE_STATIC);
    if (!state->stopped_at) {
        sqlite3_bind_int64(st, 2, state->pid);
        sqlite3_bind_int64(st, 3, state->started_at);
        sqlite3_bind_int64(st, 4, state->heartbeat_at);
        sqlite3_bind_int64(st, 5, state->next_wake_at);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "saving the heartbeat");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_worker_list(nb_sqlite *s, nb_daemon_state **list, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st;
    *list = NULL;
    *count = 0;
    nb_err rc = prepare(s,
                        "SELECT worker, pid, started_at, heartbeat_at, next_wake_at FROM daemons"
                        " ORDER BY heartbeat_at DESC, worker",
                        &st, "reading the heartbeats", err);
    if (rc)
        return rc;
    nb_daemon_state *out = NULL;
    size_t n = 0, alloc = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        out[n] = (nb_daemon_state){.worker = nb_sqlite_column_text(st, 0),
                                   .pid = sqlite3_column_int64(st, 1),
                                   .started_at = sqlite3_column_int64(st, 2),
                                   .heartbeat_at = sqlite3_column_int64(st, 3),
                                   .next_wake_at = sqlite3_column_int64(st, 4)};
        n++;
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "reading the heartbeats");
    sqlite3_finalize(st);
    *list = out;
    *count = n;
    return rc;
}

/* Done jobs finished more than age seconds ago (the database's clock, in ms here) and the
 * rows of daemons silent as long (their heartbeat on now's clock). */
nb_err nb_sqlite_work_prune(nb_sqlite *s, int64_t age, int64_t now, int dry_run, size_t *removed,
                            nb_errbuf *err)
{
    static const char *const sql[2][3] = {
        {"DELETE FROM jobs WHERE state = 'done' AND finished_at < " NOW " - ?1 * 1000",
         "DELETE FROM daemons WHERE heartbeat_at < ?2 - ?1",
         "DELETE FROM schedule_fires WHERE fire_time < ?2 - ?1"},
        {"SELECT COUNT(*) FROM jobs WHERE state = 'done' AND finished_at < " NOW " - ?1 * 1000",
         "SELECT COUNT(*) FROM daemons WHERE heartbeat_at < ?2 - ?1",
         "SELECT COUNT(*) FROM schedule_fires WHERE fire_time < ?2 - ?1"}};
    *removed = 0;
    nb_err rc = NB_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        sqlite3_stmt *st;
        rc = prepare(s, sql[dry_run ? 1 : 0][i], &st, "pruning finished work", err);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, age);
        if (i > 0)
            sqlite3_bind_int64(st, 2, now);
        int step = sqlite3_step(st);
        if (dry_run && step == SQLITE_ROW)
            *removed += (size_t)sqlite3_column_int64(st, 0);
        else if (!dry_run && step == SQLITE_DONE)
            *removed += (size_t)sqlite3_changes(s->db);
        else
            rc = nb_sqlite_db_error(s, err, "pruning finished work");
        sqlite3_finalize(st);
    }
    return rc;
}
