/* SPDX-License-Identifier: MIT */
/* store: leased work on both engines — jobs claimed by one worker at a time, fencing after a
 * takeover, dead jobs after their last attempt, each fire claimed once, outbox rows leased
 * in order per channel, leases renewed and released, wake-ups. Every case runs on SQLite
 * and on the test PostgreSQL (skipped, with the reason, when there is none). */
#include "testing.h"

#include <time.h>
#include <unistd.h>

#include "core/memory.h"
#include "pgtest.h"
#include "store/store.h"

static char dir[] = "/tmp/nb-test-jobs-XXXXXX";
static int counter;

typedef struct engine {
    const char *name;
    int postgres;
} engine;

static const engine sqlite_engine = {"sqlite", 0};
static const engine pg_engine = {"postgresql", 1};

/* A fresh database of the engine (caller frees); skips when PostgreSQL is missing. */
static char *fresh(const engine *e)
{
    if (!e->postgres)
        return nb_xasprintf("%s/jobs-%d.db", dir, ++counter);
    const char *why = NULL;
    char name[64];
    snprintf(name, sizeof name, "nb_test_jobs_%d", ++counter);
    char *conninfo = pgtest_fresh_database(name, &why);
    if (!conninfo) {
        print_message("skipped (postgresql): %s\n", why);
        skip();
    }
    return conninfo;
}

static nb_store *open_db(const char *db)
{
    nb_store *s = NULL;
    nb_errbuf err;
    if (nb_store_open(db, &s, &err) != NB_OK)
        fail_msg("open %s: %s", db, err.msg);
    return s;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A lease short enough to let expire in a test, long enough to hold across a few calls on
 * a slow (sanitizer) build. */
static int64_t short_lease(void)
{
    const char *scale = getenv("NB_TEST_TIME_SCALE");
    return 300 * (scale ? strtol(scale, NULL, 10) : 1);
}

static void test_claim_exclusive(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db), *b = open_db(db);
    nb_errbuf err;
    int added = 0;
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(nb_store_job_add(a, "summary", key, "{}", 3, 0, &added, &err), NB_OK);
        assert_int_equal(added, 1);
    }
    /* the same key again: nothing added */
    assert_int_equal(nb_store_job_add(b, "summary", "k0", "{}", 3, 0, &added, &err), NB_OK);
    assert_int_equal(added, 0);
    /* a job of another kind, not yet due, is not claimed */
    assert_int_equal(nb_store_job_add(b, "other", "x", "", 3, 60000, &added, &err), NB_OK);
    int64_t seen[6] = {0};
    for (int i = 0; i < 6; i++) {
        nb_job job;
        int found = 0;
        assert_int_equal(nb_store_job_claim(i % 2 ? b : a, "summary", i % 2 ? "w:b" : "w:a", 60000,
                                            &job, &found, &err),
                         NB_OK);
        assert_int_equal(found, 1);
        assert_int_equal(job.attempt, 1);
        assert_int_equal(job.taken_over, 0);
        assert_string_equal(job.kind, "summary");
        for (int k = 0; k < i; k++)
            assert_true(seen[k] != job.id);
        seen[i] = job.id;
        nb_job_clear(&job);
    }
    nb_job job;
    int found = 1;
    assert_int_equal(nb_store_job_claim(a, NULL, "w:a", 60000, &job, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    char *st = NULL;
    assert_int_equal(nb_store_job_state(b, "summary", "k3", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "running");
    free(st);
    assert_int_equal(nb_store_job_state(b, "summary", "nope", &st, NULL, &err), NB_OK);
    assert_null(st);
    nb_store_close(a);
    nb_store_close(b);
    free(db);
}

static void test_fencing_after_takeover(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db), *b = open_db(db);
    nb_errbuf err;
    int found = 0, held = 1;
    nb_job ja, jb;
    assert_int_equal(nb_store_job_add(a, "summary", "k", "p", 5, 0, NULL, &err), NB_OK);
    assert_int_equal(nb_store_job_claim(a, "summary", "w:a", short_lease(), &ja, &found, &err),
                     NB_OK);
    assert_int_equal(found, 1);
    /* while a's lease runs, b finds nothing */
    assert_int_equal(nb_store_job_claim(b, "summary", "w:b", 60000, &jb, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    /* a renews in time: still nothing for b */
    assert_int_equal(nb_store_job_renew(a, ja.id, "w:a", ja.attempt, short_lease(), &held, &err),
                     NB_OK);
    assert_int_equal(held, 1);
    sleep_ms(short_lease() + 100);
    assert_int_equal(nb_store_job_claim(b, "summary", "w:b", 60000, &jb, &found, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(jb.id, ja.id);
    assert_int_equal(jb.attempt, 2);
    assert_int_equal(jb.taken_over, 1);
    assert_string_equal(jb.payload, "p");
    /* a's lease was taken over: it can neither renew, finish nor fail the job */
    assert_int_equal(nb_store_job_renew(a, ja.id, "w:a", ja.attempt, 60000, &held, &err), NB_OK);
    assert_int_equal(held, 0);
    assert_int_equal(nb_store_job_done(a, ja.id, "w:a", ja.attempt, &held, &err), NB_OK);
    assert_int_equal(held, 0);
    assert_int_equal(nb_store_job_fail(a, ja.id, "w:a", ja.attempt, "late", 0, &held, &err), NB_OK);
    assert_int_equal(held, 0);
    char *st = NULL;
    assert_int_equal(nb_store_job_state(a, "summary", "k", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "running");
    free(st);
    /* the same worker name with a stale attempt is fenced too */
    assert_int_equal(nb_store_job_done(b, jb.id, "w:b", jb.attempt - 1, &held, &err), NB_OK);
    assert_int_equal(held, 0);
    assert_int_equal(nb_store_job_done(b, jb.id, "w:b", jb.attempt, &held, &err), NB_OK);
    assert_int_equal(held, 1);
    assert_int_equal(nb_store_job_state(a, "summary", "k", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "done");
    free(st);
    nb_job_clear(&ja);
    nb_job_clear(&jb);
    nb_store_close(a);
    nb_store_close(b);
    free(db);
}

static void test_dead_after_max_attempts(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db);
    nb_errbuf err;
    int found = 0, held = 0;
    nb_job job;
    assert_int_equal(nb_store_job_add(a, "summary", "k", "", 2, 0, NULL, &err), NB_OK);
    assert_int_equal(nb_store_job_claim(a, "summary", "w", 60000, &job, &found, &err), NB_OK);
    assert_int_equal(
        nb_store_job_fail(a, job.id, "w", job.attempt, "HTTP 500 the first", 60000, &held, &err),
        NB_OK);
    assert_int_equal(held, 1);
    nb_job_clear(&job);
    /* a retry waits for its time */
    assert_int_equal(nb_store_job_claim(a, "summary", "w", 60000, &job, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    char *st = NULL, *last = NULL;
    assert_int_equal(nb_store_job_state(a, "summary", "k", &st, &last, &err), NB_OK);
    assert_string_equal(st, "ready");
    assert_string_equal(last, "HTTP 500 the first");
    free(st);
    free(last);
    nb_store_close(a);

    /* the second attempt's failure is the last one */
    a = open_db(db);
    assert_int_equal(nb_store_job_add(a, "summary", "k2", "", 2, 0, NULL, &err), NB_OK);
    for (int attempt = 1; attempt <= 2; attempt++) {
        assert_int_equal(nb_store_job_claim(a, "summary", "w", 60000, &job, &found, &err), NB_OK);
        assert_int_equal(found, 1);
        assert_string_equal(job.key, "k2");
        assert_int_equal(job.attempt, attempt);
        char why[32];
        snprintf(why, sizeof why, "timeout %d", attempt);
        assert_int_equal(nb_store_job_fail(a, job.id, "w", job.attempt, why, 0, &held, &err),
                         NB_OK);
        nb_job_clear(&job);
    }
    assert_int_equal(nb_store_job_state(a, "summary", "k2", &st, &last, &err), NB_OK);
    assert_string_equal(st, "dead");
    assert_string_equal(last, "timeout 2");
    free(st);
    free(last);
    /* a job whose worker dies on its last attempt goes dead when its lease expires */
    assert_int_equal(nb_store_job_add(a, "summary", "k3", "", 1, 0, NULL, &err), NB_OK);
    assert_int_equal(nb_store_job_claim(a, "summary", "w", short_lease(), &job, &found, &err),
                     NB_OK);
    assert_string_equal(job.key, "k3");
    nb_job_clear(&job);
    sleep_ms(short_lease() + 100);
    assert_int_equal(nb_store_job_claim(a, "summary", "w2", 60000, &job, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(nb_store_job_state(a, "summary", "k3", &st, &last, &err), NB_OK);
    assert_string_equal(st, "dead");
    assert_non_null(strstr(last, "lease expired after attempt 1"));
    free(st);
    free(last);
    /* counts per kind and state, with the newest dead job's error */
    nb_job_count *counts = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_job_counts(a, &counts, &n, &err), NB_OK);
    int dead = 0, ready = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(counts[i].state, "dead")) {
            dead = (int)counts[i].count;
            assert_non_null(strstr(counts[i].last_error, "lease expired"));
        } else if (!strcmp(counts[i].state, "ready")) {
            ready = (int)counts[i].count;
            assert_null(counts[i].last_error);
        }
    }
    assert_int_equal(dead, 2);
    assert_int_equal(ready, 1);
    nb_job_counts_free(counts, n);
    nb_store_close(a);
    free(db);
}

static void test_fire_claimed_once(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db), *b = open_db(db), *c = open_db(db);
    nb_errbuf err;
    int won = 0;
    char *holder = NULL;
    assert_int_equal(nb_store_fire_claim(a, "morning", 1700000000, "host:1", &won, &holder, &err),
                     NB_OK);
    assert_int_equal(won, 1);
    assert_null(holder);
    assert_int_equal(nb_store_fire_claim(b, "morning", 1700000000, "host:2", &won, &holder, &err),
                     NB_OK);
    assert_int_equal(won, 0);
    assert_string_equal(holder, "host:1");
    free(holder);
    assert_int_equal(nb_store_fire_claim(c, "morning", 1700000000, "host:3", &won, NULL, &err),
                     NB_OK);
    assert_int_equal(won, 0);
    /* another fire, another schedule: new claims */
    assert_int_equal(nb_store_fire_claim(c, "morning", 1700003600, "host:3", &won, NULL, &err),
                     NB_OK);
    assert_int_equal(won, 1);
    assert_int_equal(nb_store_fire_claim(b, "evening", 1700000000, "host:2", &won, NULL, &err),
                     NB_OK);
    assert_int_equal(won, 1);
    nb_store_close(a);
    nb_store_close(b);
    nb_store_close(c);
    free(db);
}

/* A briefing of n messages for channel. */
static void queue(nb_store *s, const char *channel, int n)
{
    nb_outbox_message m[4];
    char payloads[4][32];
    for (int i = 0; i < n; i++) {
        snprintf(payloads[i], sizeof payloads[i], "{\"%s\":%d}", channel, i + 1);
        m[i] = (nb_outbox_message){"", payloads[i], NULL, 0};
    }
    const char *pages[] = {"# page\n"};
    nb_briefing_draft d = {.channel = channel,
                           .created_at = 7000 + counter * 100 + n,
                           .pages = pages,
                           .page_count = 1,
                           .messages = m,
                           .message_count = (size_t)n};
    nb_errbuf err;
    if (nb_store_briefing_commit(s, &d, NULL, &err) != NB_OK)
        fail_msg("%s", err.msg);
}

static void test_outbox_order_with_leases(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db), *b = open_db(db);
    nb_errbuf err;
    queue(a, "chat", 3);
    queue(a, "other", 1);
    int64_t now = 8000;
    nb_outbox_row ra, rb;
    int found = 0, held = 0;
    assert_int_equal(nb_store_outbox_claim(a, "chat", "w:a", 60000, now, &ra, &found, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(ra.seq, 1);
    assert_int_equal(ra.attempts, 1);
    assert_string_equal(ra.status, "sending");
    assert_int_equal(ra.possible_duplicate, 0);
    /* the channel's next row waits while its first is leased; another channel goes */
    assert_int_equal(nb_store_outbox_claim(b, "chat", "w:b", 60000, now, &rb, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(nb_store_outbox_claim(b, "other", "w:b", 60000, now, &rb, &found, &err),
                     NB_OK);
    assert_int_equal(found, 1);
    assert_string_equal(rb.channel, "other");
    assert_int_equal(
        nb_store_outbox_finish(b, rb.id, "w:b", rb.attempts, "sent", 0, "ok", now, &held, &err),
        NB_OK);
    assert_int_equal(held, 1);
    free(rb.channel), free(rb.method), free(rb.payload), free(rb.status), free(rb.last_answer);
    /* a retry time holds the channel too */
    assert_int_equal(nb_store_outbox_finish(a, ra.id, "w:a", ra.attempts, "pending", now + 60,
                                            "HTTP 503", now, &held, &err),
                     NB_OK);
    assert_int_equal(held, 1);
    free(ra.channel), free(ra.method), free(ra.payload), free(ra.status), free(ra.last_answer);
    assert_int_equal(nb_store_outbox_claim(b, "chat", "w:b", 60000, now, &rb, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(nb_store_outbox_claim(b, "chat", "w:b", 60000, now + 60, &rb, &found, &err),
                     NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(rb.seq, 1);
    assert_int_equal(rb.attempts, 2);
    assert_int_equal(
        nb_store_outbox_finish(b, rb.id, "w:b", rb.attempts, "sent", 0, "ok", now, &held, &err),
        NB_OK);
    free(rb.channel), free(rb.method), free(rb.payload), free(rb.status), free(rb.last_answer);
    /* seq 2 claimed by b with a short lease; b dies; a takes it over after the lease */
    assert_int_equal(
        nb_store_outbox_claim(b, "chat", "w:b", short_lease(), now + 60, &rb, &found, &err), NB_OK);
    assert_int_equal(rb.seq, 2);
    assert_int_equal(nb_store_outbox_claim(a, "chat", "w:a", 60000, now + 60, &ra, &found, &err),
                     NB_OK);
    assert_int_equal(found, 0);
    /* recovery (a run's start) leaves a live lease alone */
    size_t recovered = 9;
    assert_int_equal(nb_store_outbox_recover(a, &recovered, &err), NB_OK);
    assert_int_equal(recovered, 0);
    sleep_ms(short_lease() + 100);
    assert_int_equal(nb_store_outbox_claim(a, "chat", "w:a", 60000, now + 60, &ra, &found, &err),
                     NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(ra.id, rb.id);
    assert_int_equal(ra.possible_duplicate, 1); /* its request may have gone out */
    assert_int_equal(ra.attempts, rb.attempts + 1);
    /* b comes back late: fenced */
    assert_int_equal(
        nb_store_outbox_finish(b, rb.id, "w:b", rb.attempts, "sent", 0, "late", now, &held, &err),
        NB_OK);
    assert_int_equal(held, 0);
    assert_int_equal(
        nb_store_outbox_finish(a, ra.id, "w:a", ra.attempts, "sent", 0, "ok", now, &held, &err),
        NB_OK);
    assert_int_equal(held, 1);
    free(ra.channel), free(ra.method), free(ra.payload), free(ra.status), free(ra.last_answer);
    free(rb.channel), free(rb.method), free(rb.payload), free(rb.status), free(rb.last_answer);
    /* seq 3: leased, then released by a clean stop: pending again, not a duplicate */
    assert_int_equal(nb_store_outbox_claim(a, "chat", "w:a", 60000, now + 60, &ra, &found, &err),
                     NB_OK);
    assert_int_equal(ra.seq, 3);
    assert_int_equal(nb_store_job_add(a, "summary", "k", "", 3, 0, NULL, &err), NB_OK);
    nb_job job;
    assert_int_equal(nb_store_job_claim(a, NULL, "w:a", 60000, &job, &found, &err), NB_OK);
    nb_job_clear(&job);
    size_t n = 0;
    assert_int_equal(nb_store_leases_renew(a, "w:a", 60000, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(nb_store_leases_release(a, "w:a", &n, &err), NB_OK);
    assert_int_equal(n, 2);
    char *st = NULL;
    assert_int_equal(nb_store_job_state(b, "summary", "k", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "ready");
    free(st);
    nb_outbox_row *rows = NULL;
    size_t count = 0;
    assert_int_equal(nb_store_outbox_pending(b, "chat", &rows, &count, &err), NB_OK);
    assert_int_equal(count, 1);
    assert_int_equal(rows[0].seq, 3);
    assert_int_equal(rows[0].possible_duplicate, 0);
    nb_outbox_rows_free(rows, count);
    free(ra.channel), free(ra.method), free(ra.payload), free(ra.status), free(ra.last_answer);
    /* a run's "sending" mark (no lease): recovered once its sender is gone — at once on
     * SQLite, where a run holds the run lock; on PostgreSQL when its session ended */
    assert_int_equal(nb_store_outbox_pending(b, "chat", &rows, &count, &err), NB_OK);
    assert_int_equal(nb_store_outbox_mark(b, rows[0].id, "sending", 1, 0, NULL, now, &err), NB_OK);
    if (e->postgres) {
        assert_int_equal(nb_store_outbox_recover(a, &recovered, &err), NB_OK);
        assert_int_equal(recovered, 0);
        nb_store_close(b);
        b = NULL;
        for (int i = 0; i < 50 && recovered == 0; i++) {
            sleep_ms(20);
            assert_int_equal(nb_store_outbox_recover(a, &recovered, &err), NB_OK);
        }
    } else {
        assert_int_equal(nb_store_outbox_recover(a, &recovered, &err), NB_OK);
    }
    assert_int_equal(recovered, 1);
    nb_outbox_rows_free(rows, count);
    nb_store_close(a);
    nb_store_close(b);
    free(db);
}

static void test_wait_wakes(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *a = open_db(db), *b = open_db(db);
    nb_errbuf err;
    int woken = 1;
    assert_int_equal(nb_store_work_wait(b, 0, &woken, &err), NB_OK); /* starts listening */
    woken = 1;
    assert_int_equal(nb_store_work_wait(b, 100, &woken, &err), NB_OK);
    assert_int_equal(woken, 0);
    if (e->postgres) {
        assert_int_equal(nb_store_job_add(a, "summary", "k", "", 3, 0, NULL, &err), NB_OK);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(nb_store_work_wait(b, 10000, &woken, &err), NB_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_int_equal(woken, 1);
        assert_true(t1.tv_sec - t0.tv_sec < 5);
        /* a fire claim wakes too */
        int won;
        assert_int_equal(nb_store_fire_claim(a, "s", 1, "w", &won, NULL, &err), NB_OK);
        assert_int_equal(nb_store_work_wait(b, 10000, &woken, &err), NB_OK);
        assert_int_equal(woken, 1);
    }
    nb_store_close(a);
    nb_store_close(b);
    free(db);
}

/* Each daemon sharing the database keeps a heartbeat row of its own (a clean stop removes
 * it); the states of several jobs come in one query; prune removes done jobs and the rows
 * of daemons silent longer than the age. */
static void test_heartbeats_and_prune(void **state)
{
    const engine *e = *state;
    char *db = fresh(e);
    nb_store *s = open_db(db);
    nb_errbuf err;
    int64_t now = 1744000000;
    nb_daemon_state one = {.pid = 11,
                           .started_at = now - 60,
                           .heartbeat_at = now,
                           .next_wake_at = now + 30,
                           .worker = "host-a:11"};
    nb_daemon_state two = {.pid = 22,
                           .started_at = now - 60,
                           .heartbeat_at = now - 10,
                           .next_wake_at = now + 20,
                           .worker = "host-b:22"};
    nb_daemon_state old = {.pid = 33,
                           .started_at = now - 9000,
                           .heartbeat_at = now - 7200,
                           .next_wake_at = now - 7170,
                           .worker = "host-c:33"};
    assert_int_equal(nb_store_daemon_save(s, &old, &err), NB_OK);
    assert_int_equal(nb_store_daemon_save(s, &two, &err), NB_OK);
    assert_int_equal(nb_store_daemon_save(s, &one, &err), NB_OK);
    one.heartbeat_at = now + 1; /* a later heartbeat updates the row */
    assert_int_equal(nb_store_daemon_save(s, &one, &err), NB_OK);
    nb_daemon_state *list = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_daemon_list(s, &list, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].worker, "host-a:11");
    assert_int_equal(list[0].heartbeat_at, now + 1);
    assert_string_equal(list[1].worker, "host-b:22");
    assert_int_equal(list[1].pid, 22);
    assert_string_equal(list[2].worker, "host-c:33");
    nb_daemon_states_free(list, n);
    /* the single heartbeat row is the last saver's, as without workers */
    nb_daemon_state last;
    int found = 0;
    assert_int_equal(nb_store_daemon_load(s, &last, &found, &err), NB_OK);
    assert_true(found);
    assert_int_equal(last.pid, 11);
    /* a clean stop removes the daemon's row */
    two.stopped_at = now;
    assert_int_equal(nb_store_daemon_save(s, &two, &err), NB_OK);
    assert_int_equal(nb_store_daemon_list(s, &list, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    nb_daemon_states_free(list, n);

    /* prune: done jobs finished longer ago than the age, silent daemons' rows */
    nb_job job;
    int found_job = 0, held = 0;
    assert_int_equal(nb_store_job_add(s, "summary", "done", "", 3, 0, NULL, &err), NB_OK);
    assert_int_equal(nb_store_job_add(s, "summary", "waiting", "", 3, 60000, NULL, &err), NB_OK);
    assert_int_equal(nb_store_job_claim(s, "summary", "w", 60000, &job, &found_job, &err), NB_OK);
    assert_true(found_job);
    assert_string_equal(job.key, "done");
    assert_int_equal(nb_store_job_done(s, job.id, "w", job.attempt, &held, &err), NB_OK);
    assert_true(held);
    nb_job_clear(&job);
    /* the states of several jobs in one query, in the order asked, NULL for none */
    const char *keys[] = {"waiting", "missing", "done"};
    char *states[3];
    assert_int_equal(nb_store_job_states(s, "summary", keys, 3, states, &err), NB_OK);
    assert_string_equal(states[0], "ready");
    assert_null(states[1]);
    assert_string_equal(states[2], "done");
    for (int i = 0; i < 3; i++)
        free(states[i]);
    /* the claims of fires: one older than the age, one within it */
    int won = 0;
    assert_int_equal(nb_store_fire_claim(s, "morning", now - 7200, "w", &won, NULL, &err), NB_OK);
    assert_true(won);
    assert_int_equal(nb_store_fire_claim(s, "morning", now - 60, "w", &won, NULL, &err), NB_OK);
    assert_true(won);
    nb_retention r = {.now = now, .work_age = 3600};
    nb_prune_report report;
    assert_int_equal(nb_store_prune(s, &r, 1, &report, &err), NB_OK); /* dry run: counts */
    assert_int_equal(report.jobs, 2); /* host-c's row and the old fire's claim */
    assert_int_equal(nb_store_prune(s, &r, 0, &report, &err), NB_OK);
    assert_int_equal(report.jobs, 2);
    /* the old fire can be claimed again (it is gone); the recent one stays taken */
    assert_int_equal(nb_store_fire_claim(s, "morning", now - 60, "x", &won, NULL, &err), NB_OK);
    assert_false(won);
    assert_int_equal(nb_store_fire_claim(s, "morning", now - 7200, "x", &won, NULL, &err), NB_OK);
    assert_true(won);
    char *st = NULL;
    assert_int_equal(nb_store_job_state(s, "summary", "done", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "done"); /* finished a moment ago: kept */
    free(st);
    sleep_ms(1100);
    r.work_age = 1;
    r.now = now + 5; /* host-a's heartbeat (now + 1) is older than a second then */
    assert_int_equal(nb_store_prune(s, &r, 0, &report, &err), NB_OK);
    assert_int_equal(report.jobs, 4); /* the done job, host-a's row and both fires' claims */
    st = NULL;
    assert_int_equal(nb_store_job_state(s, "summary", "done", &st, NULL, &err), NB_OK);
    assert_null(st);
    assert_int_equal(nb_store_job_state(s, "summary", "waiting", &st, NULL, &err), NB_OK);
    assert_string_equal(st, "ready"); /* open work never goes */
    free(st);
    assert_int_equal(nb_store_daemon_list(s, &list, &n, &err), NB_OK);
    assert_int_equal(n, 0);
    nb_daemon_states_free(list, n);
    nb_store_close(s);
    free(db);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_prestate(fn, (void *)&sqlite_engine),                                         \
        cmocka_unit_test_prestate(fn, (void *)&pg_engine)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_claim_exclusive),          BOTH(test_fencing_after_takeover),
        BOTH(test_dead_after_max_attempts),  BOTH(test_fire_claimed_once),
        BOTH(test_outbox_order_with_leases), BOTH(test_wait_wakes),
        BOTH(test_heartbeats_and_prune),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
