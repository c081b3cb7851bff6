/* SPDX-License-Identifier: MIT */
/* store: migrations, item upsert and queries, source health, briefings, the ledger and the
 * outbox, retention, the daemon's state. The same tests run against both engines: `sqlite`
 * (files in a temporary directory) or `postgresql` (a fresh database per test on the test
 * server, scripts/pg-test.sh); without an argument, both. Without a server the PostgreSQL
 * run prints "skipped: <reason>" and exits 77, which ctest reports as skipped. A few tests
 * are one engine's own: file paths for SQLite; concurrent migration, connection errors,
 * LC_CTYPE, a killed connection and read-only sessions for PostgreSQL. */
#include "testing.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/redact.h"
#include "pgtest.h"
#include "store/store.h"

static char dir[] = "/tmp/nb-test-store-XXXXXX";

/* The engine under test. */
static struct {
    int pg;       /* 0: SQLite, 1: PostgreSQL */
    char *server; /* PostgreSQL: the test server's connection string */
} engine;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nb-test-store-XXXXXX"); /* a new one per group */
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* PostgreSQL database names of this run: the ASan build runs its own server. */
static char *pg_name(const char *name)
{
    return nb_xasprintf("nbtest_store_%s", name);
}

/* A database for one test: a file under the temporary directory (SQLite), or a fresh,
 * empty database on the test server (PostgreSQL). Caller frees. */
static char *database(const char *name)
{
    if (!engine.pg)
        return nb_xasprintf("%s/%s.db", dir, name);
    char *db = pg_name(name);
    const char *why = "";
    char *conninfo = pgtest_fresh_database(db, &why);
    if (!conninfo)
        fail_msg("PostgreSQL database %s: %s", db, why);
    free(db);
    return conninfo;
}

/* Runs sql on the test server (database dbname, or the server's own when NULL) and
 * returns the first value of the first row (caller frees; "" when there is none). */
static char *pg_admin(const char *dbname, const char *sql)
{
    char *conninfo =
        dbname ? nb_xasprintf("%s dbname=%s", engine.server, dbname) : nb_xstrdup(engine.server);
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("cannot connect to the test PostgreSQL: %s", PQerrorMessage(conn));
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    char *value = nb_xstrdup(
        status == PGRES_TUPLES_OK && PQntuples(res) && PQnfields(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    PQfinish(conn);
    free(conninfo);
    return value;
}

static void pg_admin_run(const char *dbname, const char *sql)
{
    free(pg_admin(dbname, sql));
}

static nb_item make_item(const char *key, int64_t published, const char *title)
{
    nb_item it = {
        .source = nb_xstrdup("s"),
        .key = nb_xstrdup(key),
        .url = nb_xasprintf("https://a.com/%s", key),
        .title = nb_xstrdup(title),
        .published_at = published,
        .excerpt = nb_xstrdup("text"),
    };
    return it;
}

static void test_open_creates_and_migrates(void **state)
{
    (void)state;
    /* SQLite creates the missing directories */
    char *path = engine.pg ? database("migrate") : nb_xasprintf("%s/deep/er/nb.db", dir);
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    int version, again;
    assert_int_equal(nb_store_schema_version(s, &version, &err), NB_OK);
    if (engine.pg) {
        assert_int_equal(version, 3);
        /* one row per migration, each applied once */
        char *db = pg_name("migrate");
        char *rows = pg_admin(db, "SELECT count(*) || '/' || max(version) FROM newsbrief_schema");
        char *expected = nb_xasprintf("%d/%d", version, version);
        assert_string_equal(rows, expected);
        free(expected);
        free(rows);
        free(db);
    } else {
        assert_int_equal(version, 9);
    }
    nb_store_close(s);
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK); /* idempotent */
    assert_int_equal(nb_store_schema_version(s, &again, &err), NB_OK);
    assert_int_equal(again, version);
    nb_store_close(s);
    /* a reader opens the migrated database */
    assert_int_equal(nb_store_open_readonly(path, &s, &err), NB_OK);
    assert_int_equal(nb_store_schema_version(s, &again, &err), NB_OK);
    assert_int_equal(again, version);
    nb_store_close(s);
    free(path);
}

static void test_unwritable_path(void **state)
{
    (void)state;
    nb_store *s = NULL;
    nb_errbuf err;
    char *ro = nb_xasprintf("%s/ro", dir);
    assert_int_equal(mkdir(ro, 0500), 0);
    char *path = nb_xasprintf("%s/nb.db", ro);
    if (geteuid() == 0) {
        /* root writes anywhere; a path under a regular file fails for everyone */
        char *file = nb_xasprintf("%s/file", dir);
        FILE *f = fopen(file, "w");
        fclose(f);
        free(path);
        path = nb_xasprintf("%s/nb.db", file);
        free(file);
    }
    assert_int_equal(nb_store_open(path, &s, &err), NB_ERR_STORE);
    assert_non_null(strstr(err.msg, "nb.db"));
    assert_null(s);
    free(path);
    free(ro);
}

static void test_items(void **state)
{
    (void)state;
    char *path = database("items");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    nb_item a = make_item("a", 1000, "A"), b = make_item("b", 3000, "B"),
            c = make_item("c", 2000, "C");
    b.content = nb_xstrdup("body of b");
    b.tags = nb_xstrdup("t1\nt2");
    int is_new = -1;
    assert_int_equal(nb_store_item_put(s, &a, 5000, &is_new, &err), NB_OK);
    assert_int_equal(is_new, 1);
    assert_true(a.id > 0);
    assert_int_equal(nb_store_item_put(s, &b, 5000, &is_new, &err), NB_OK);
    assert_int_equal(nb_store_item_put(s, &c, 5000, &is_new, &err), NB_OK);
    /* The same (source, key) again updates instead of duplicating. */
    nb_item a2 = make_item("a", 1500, "A, corrected");
    assert_int_equal(nb_store_item_put(s, &a2, 6000, &is_new, &err), NB_OK);
    assert_int_equal(is_new, 0);
    assert_int_equal(a2.id, a.id);

    nb_item *items = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_items_since(s, 1200, 10, &items, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].key, "b");
    assert_string_equal(items[1].key, "c");
    assert_string_equal(items[2].title, "A, corrected");
    assert_int_equal(items[2].published_at, 1500);
    assert_string_equal(items[2].source, "s");
    assert_null(items[2].image);
    assert_string_equal(items[0].content, "body of b");
    assert_string_equal(items[0].tags, "t1\nt2");
    int known = -1;
    assert_int_equal(nb_store_item_known(s, "s", "b", &known, &err), NB_OK);
    assert_int_equal(known, 1);
    assert_int_equal(nb_store_item_known(s, "s", "zz", &known, &err), NB_OK);
    assert_int_equal(known, 0);
    nb_items_free(items, n);
    assert_int_equal(nb_store_items_since(s, 0, 2, &items, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    nb_items_free(items, n);

    /* The ledger: a channel is given each item once. */
    int64_t ids[] = {a.id, b.id};
    const char *pages[] = {"# page 1\n", "# page 2\n"};
    nb_outbox_message messages[] = {{"", "{\"n\":1}", &ids[0], 1},
                                    {"sendPhoto", "{\"n\":2}", &ids[1], 1}};
    int64_t briefing = 0;
    nb_briefing_draft draft = {.channel = "chat",
                               .created_at = 7000,
                               .item_ids = ids,
                               .item_count = 2,
                               .pages = pages,
                               .page_count = 2,
                               .messages = messages,
                               .message_count = 2};
    assert_int_equal(nb_store_briefing_commit(s, &draft, &briefing, &err), NB_OK);
    assert_true(briefing > 0);
    assert_int_equal(nb_store_items_for_channel(s, "chat", 0, 10, &items, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[1].key, "c");
    assert_int_equal(items[1].delivered, 0); /* only c was never given to "chat" */
    assert_int_equal(items[0].delivered + items[2].delivered, 2);
    nb_items_free(items, n);
    assert_int_equal(nb_store_items_for_channel(s, "other", 0, 10, &items, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(items[0].delivered + items[1].delivered + items[2].delivered, 0);
    nb_items_free(items, n);

    /* The outbox: pending in order, marked sending, recovered after a crash, sent. */
    nb_outbox_row *rows = NULL;
    size_t rn = 0;
    assert_int_equal(nb_store_outbox_pending(s, "chat", &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 2);
    assert_int_equal(rows[0].seq, 1);
    assert_string_equal(rows[1].method, "sendPhoto");
    assert_string_equal(rows[1].payload, "{\"n\":2}");
    assert_int_equal(rows[0].briefing_id, briefing);
    int64_t first = rows[0].id, second = rows[1].id;
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_mark(s, first, "sending", 1, 0, NULL, 7001, &err), NB_OK);
    size_t recovered = 0;
    assert_int_equal(nb_store_outbox_recover(s, &recovered, &err), NB_OK);
    assert_int_equal(recovered, 1);
    assert_int_equal(nb_store_outbox_pending(s, "chat", &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 2);
    assert_int_equal(rows[0].possible_duplicate, 1);
    assert_int_equal(rows[0].attempts, 1);
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_mark(s, first, "sent", 2, 0, "ok", 7002, &err), NB_OK);
    nb_redact_add("bot-4242-token");
    assert_int_equal(
        nb_store_outbox_mark(s, second, "failed", 1, 0, "too long (bot-4242-token)", 7002, &err),
        NB_OK);
    assert_int_equal(nb_store_outbox_pending(s, "chat", &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 0);
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_list(s, &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 1);
    assert_string_equal(rows[0].status, "failed");
    assert_string_equal(rows[0].last_answer, "too long (" NB_REDACT_MASK ")");
    nb_outbox_rows_free(rows, rn);
    /* the failed message gives its item back to the channel; the sent one does not */
    assert_int_equal(nb_store_items_for_channel(s, "chat", 0, 10, &items, &n, &err), NB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i].delivered, !strcmp(items[i].key, "a"));
    nb_items_free(items, n);
    /* dropping: by id, then every row of a channel */
    size_t dropped = 9;
    assert_int_equal(nb_store_outbox_drop(s, second, NULL, &dropped, &err), NB_OK);
    assert_int_equal(dropped, 1);
    assert_int_equal(nb_store_outbox_list(s, &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 0);
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_drop(s, 0, "chat", &dropped, &err), NB_OK);
    assert_int_equal(dropped, 0); /* the sent one stays sent */
    int64_t last = 0;
    assert_int_equal(nb_store_last_briefing_at(s, &last, &err), NB_OK);
    assert_int_equal(last, 7000);

    /* a local channel: its items count as delivered at once; entries record summaries */
    nb_item shown = make_item("c", 2000, "C");
    shown.id = c.id;
    shown.summary = nb_xstrdup("C, summarized");
    int64_t story[] = {c.id, b.id};
    shown.story_ids = story;
    shown.story_count = 2;
    int64_t local_ids[] = {c.id};
    nb_briefing_draft local = {.channel = "file",
                               .title = "新闻简报",
                               .created_at = 7000, /* the same minute: another slug */
                               .entries = &shown,
                               .entry_count = 1,
                               .per_page = 10,
                               .item_ids = local_ids,
                               .item_count = 1,
                               .pages = pages,
                               .page_count = 1};
    int64_t local_briefing = 0;
    assert_int_equal(nb_store_briefing_commit(s, &local, &local_briefing, &err), NB_OK);
    assert_true(local_briefing > briefing);
    shown.story_ids = NULL;
    shown.story_count = 0;
    nb_item_clear(&shown);
    assert_int_equal(nb_store_items_for_channel(s, "file", 0, 10, &items, &n, &err), NB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i].delivered, !strcmp(items[i].key, "c"));
    nb_items_free(items, n);

    /* the summary cache and the LLM's costs */
    char *text = NULL;
    assert_int_equal(nb_store_summary_get(s, "h1", "m", "p", &text, &err), NB_OK);
    assert_null(text);
    assert_int_equal(nb_store_summary_put(s, "h1", "m", "p", "first", 10, 5, 100, &err), NB_OK);
    assert_int_equal(nb_store_summary_put(s, "h1", "m", "p", "second", 10, 5, 100, &err), NB_OK);
    assert_int_equal(nb_store_summary_get(s, "h1", "m", "p", &text, &err), NB_OK);
    assert_string_equal(text, "second");
    free(text);
    assert_int_equal(nb_store_summary_get(s, "h1", "other", "p", &text, &err), NB_OK);
    assert_null(text);
    assert_int_equal(nb_store_llm_usage_add(s, 7000, "m", 3, 300, 120, 0.0125, &err), NB_OK);
    nb_item_clear(&a);
    nb_item_clear(&a2);
    nb_item_clear(&b);
    nb_item_clear(&c);
    nb_store_close(s);
    free(path);
}

static void test_source_state(void **state)
{
    (void)state;
    char *path = database("sources");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    nb_source_state st;
    assert_int_equal(nb_store_source_load(s, "x", &st, &err), NB_OK);
    assert_string_equal(st.name, "x"); /* never seen: zeroed, named */
    assert_int_equal(st.last_attempt_at, 0);
    assert_null(st.etag);
    st.type = nb_xstrdup("feed");
    st.etag = nb_xstrdup("\"v1\"");
    st.last_modified = nb_xstrdup("Mon, 07 Apr 2025 01:00:00 GMT");
    st.next_fetch_at = 900;
    st.consecutive_errors = 2;
    st.last_error = nb_xstrdup("HTTP 503");
    st.last_success_at = 100;
    st.last_attempt_at = 300;
    assert_int_equal(nb_store_source_save(s, &st, &err), NB_OK);
    nb_source_state_clear(&st);
    /* errors are stored with secrets masked */
    nb_redact_add("tok-5150-secret");
    nb_source_state b = {.name = nb_xstrdup("a-first"),
                         .type = nb_xstrdup("feed"),
                         .last_error = nb_xstrdup("HTTP 401 for key tok-5150-secret")};
    assert_int_equal(nb_store_source_save(s, &b, &err), NB_OK);
    nb_source_state_clear(&b);

    assert_int_equal(nb_store_source_load(s, "x", &st, &err), NB_OK);
    assert_string_equal(st.etag, "\"v1\"");
    assert_string_equal(st.last_modified, "Mon, 07 Apr 2025 01:00:00 GMT");
    assert_int_equal(st.next_fetch_at, 900);
    assert_int_equal(st.consecutive_errors, 2);
    assert_string_equal(st.last_error, "HTTP 503");
    assert_int_equal(st.last_success_at, 100);
    assert_int_equal(st.last_attempt_at, 300);
    nb_source_state_clear(&st);

    nb_source_state *all = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_source_list(s, &all, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(all[0].name, "a-first");
    assert_string_equal(all[1].name, "x");
    assert_string_equal(all[0].last_error, "HTTP 401 for key " NB_REDACT_MASK);
    /* saving again replaces the row */
    free(all[1].etag);
    all[1].etag = NULL;
    all[1].consecutive_errors = 0;
    assert_int_equal(nb_store_source_save(s, &all[1], &err), NB_OK);
    assert_int_equal(nb_store_source_load(s, "x", &st, &err), NB_OK);
    assert_null(st.etag);
    assert_int_equal(st.consecutive_errors, 0);
    assert_string_equal(st.last_error, "HTTP 503");
    nb_source_state_clear(&st);
    for (size_t i = 0; i < n; i++)
        nb_source_state_clear(&all[i]);
    free(all);
    nb_store_close(s);
    free(path);
}

static void test_run_lock(void **state)
{
    (void)state;
    /* SQLite: a lock file beside the database (its directory created); PostgreSQL: a
     * session advisory lock */
    char *path = engine.pg ? database("lock") : nb_xasprintf("%s/lock/nb.db", dir);
    nb_store_lock *first = NULL, *second = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_lock_take(path, 0, &first, &err), NB_OK);
    assert_int_equal(nb_store_lock_take(path, 200, &second, &err), NB_ERR_LOCKED);
    assert_non_null(strstr(err.msg, "another newsbrief run holds"));
    assert_null(second);
    nb_store_lock_release(first);
    assert_int_equal(nb_store_lock_take(path, 0, &second, &err), NB_OK);
    nb_store_lock_release(second);
    free(path);
}

/* Retention: texts, then items (their keys stay), then briefings with their sent messages;
 * a briefing with a message still to send stays; the next-due query per channel head. */
static void test_prune(void **state)
{
    (void)state;
    char *path = database("prune");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    /* 1200 old items (more than one batch) seen at t=1000, and one recent seen at 90000 */
    int64_t ids[1201];
    for (int i = 0; i < 1200; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        nb_item it = make_item(key, 900, "old");
        it.content = nb_xstrdup("a long article text");
        assert_int_equal(nb_store_item_put(s, &it, 1000, NULL, &err), NB_OK);
        ids[i] = it.id;
        nb_item_clear(&it);
    }
    nb_item fresh = make_item("fresh", 89000, "new");
    fresh.content = nb_xstrdup("text");
    assert_int_equal(nb_store_item_put(s, &fresh, 90000, NULL, &err), NB_OK);
    ids[1200] = fresh.id;
    const char *pages[] = {"# p\n"};
    nb_outbox_message sent[] = {{"", "{\"n\":1}", &ids[0], 1}};
    nb_outbox_message waiting[] = {{"", "{\"n\":2}", &ids[1], 1}};
    int64_t b1 = 0, b2 = 0;
    nb_briefing_draft chat = {.channel = "chat",
                              .created_at = 2000,
                              .item_ids = &ids[0],
                              .item_count = 1,
                              .pages = pages,
                              .page_count = 1,
                              .messages = sent,
                              .message_count = 1};
    nb_briefing_draft late = chat;
    late.channel = "late";
    late.item_ids = &ids[1];
    late.messages = waiting;
    assert_int_equal(nb_store_briefing_commit(s, &chat, &b1, &err), NB_OK);
    assert_int_equal(nb_store_briefing_commit(s, &late, &b2, &err), NB_OK);
    nb_outbox_row *rows = NULL;
    size_t rn = 0;
    assert_int_equal(nb_store_outbox_pending(s, "chat", &rows, &rn, &err), NB_OK);
    assert_int_equal(nb_store_outbox_mark(s, rows[0].id, "sent", 1, 0, "ok", 2001, &err), NB_OK);
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_pending(s, "late", &rows, &rn, &err), NB_OK);
    assert_int_equal(nb_store_outbox_mark(s, rows[0].id, "pending", 1, 95000, "wait", 2001, &err),
                     NB_OK);
    nb_outbox_rows_free(rows, rn);
    int64_t due = 0;
    size_t pending = 0;
    assert_int_equal(nb_store_outbox_next_due(s, &due, &pending, &err), NB_OK);
    assert_int_equal(pending, 1);
    assert_int_equal(due, 95000);

    nb_retention r = {
        .article_text_before = 50000, .items_before = 0, .briefings_before = 50000, .now = 100000};
    nb_prune_report p;
    assert_int_equal(nb_store_prune(s, &r, 1, &p, &err), NB_OK); /* dry run: counts only */
    assert_int_equal(p.texts, 1200);
    assert_int_equal(p.briefings, 1); /* "late" still has a message to send */
    assert_int_equal(p.messages, 1);
    assert_int_equal(nb_store_prune(s, &r, 0, &p, &err), NB_OK);
    assert_int_equal(p.texts, 1200);
    assert_int_equal(p.items, 0);
    assert_int_equal(p.briefings, 1);
    assert_int_equal(p.messages, 1);
    nb_item *items = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_items_since(s, 0, 2000, &items, &n, &err), NB_OK);
    assert_int_equal(n, 1201);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(items[i].title);
        assert_true(items[i].excerpt != NULL);
        if (items[i].id == fresh.id)
            assert_string_equal(items[i].content, "text");
        else
            assert_null(items[i].content);
    }
    nb_items_free(items, n);

    r = (nb_retention){.items_before = 50000, .now = 100000};
    assert_int_equal(nb_store_prune(s, &r, 0, &p, &err), NB_OK);
    assert_int_equal(p.items, 1200);
    assert_int_equal(nb_store_items_since(s, 0, 2000, &items, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    nb_items_free(items, n);
    /* a removed item served again is known, and is not stored as new */
    int known = 0, is_new = -1;
    assert_int_equal(nb_store_item_known(s, "s", "k7", &known, &err), NB_OK);
    assert_int_equal(known, 1);
    nb_item again = make_item("k7", 99000, "old, served again");
    assert_int_equal(nb_store_item_put(s, &again, 99500, &is_new, &err), NB_OK);
    assert_int_equal(is_new, 0);
    assert_int_equal(again.id, 0);
    nb_item_clear(&again);
    assert_int_equal(nb_store_items_since(s, 0, 2000, &items, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    nb_items_free(items, n);
    nb_item_clear(&fresh);
    nb_store_close(s);
    free(path);
}

static void test_daemon_state(void **state)
{
    (void)state;
    char *path = database("daemon");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    nb_schedule_state st;
    assert_int_equal(nb_store_schedule_load(s, "briefing", &st, &err), NB_OK);
    assert_string_equal(st.name, "briefing");
    assert_int_equal(st.last_fire, 0);
    assert_null(st.last_result);
    st.cron = nb_xstrdup("45 10,15,20 * * *");
    st.last_fire = 1743993900;
    st.last_result = nb_xstrdup("ok");
    st.last_duration_ms = 1234;
    st.next_fire = 1744011900;
    assert_int_equal(nb_store_schedule_save(s, &st, &err), NB_OK);
    nb_schedule_state_clear(&st);
    assert_int_equal(nb_store_schedule_load(s, "briefing", &st, &err), NB_OK);
    assert_string_equal(st.cron, "45 10,15,20 * * *");
    assert_int_equal(st.last_fire, 1743993900);
    assert_string_equal(st.last_result, "ok");
    assert_int_equal(st.last_duration_ms, 1234);
    assert_int_equal(st.next_fire, 1744011900);
    nb_schedule_state_clear(&st);
    nb_schedule_state *list = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_schedule_list(s, &list, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    nb_schedule_states_free(list, n);

    nb_daemon_state d;
    int found = 1;
    assert_int_equal(nb_store_daemon_load(s, &d, &found, &err), NB_OK);
    assert_int_equal(found, 0);
    d = (nb_daemon_state){.pid = 42, .started_at = 100, .heartbeat_at = 160, .next_wake_at = 400};
    assert_int_equal(nb_store_daemon_save(s, &d, &err), NB_OK);
    d.heartbeat_at = 400;
    assert_int_equal(nb_store_daemon_save(s, &d, &err), NB_OK); /* one row, replaced */
    memset(&d, 0, sizeof d);
    assert_int_equal(nb_store_daemon_load(s, &d, &found, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(d.pid, 42);
    assert_int_equal(d.heartbeat_at, 400);

    int64_t due = -1;
    size_t pending = 9;
    assert_int_equal(nb_store_outbox_next_due(s, &due, &pending, &err), NB_OK);
    assert_int_equal(pending, 0);
    nb_store_close(s);
    free(path);
}

/* A reader sees a new data version after a writer commits, and the same one while
 * nothing changes (the web server's caches follow it). */
static void test_data_version(void **state)
{
    (void)state;
    char *path = database("version");
    nb_store *w = NULL, *r = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &w, &err), NB_OK);
    assert_int_equal(nb_store_open_readonly(path, &r, &err), NB_OK);
    int64_t v1 = 0, v2 = 0, v3 = 0;
    /* Reading changes nothing. On PostgreSQL the version follows the server's snapshot, so
     * a commit to another database of the same server (the other tests share it) changes it
     * too: the quiet reading is tried again until one is not disturbed. */
    for (int attempt = 0; attempt < 200; attempt++) {
        assert_int_equal(nb_store_data_version(r, &v1, &err), NB_OK);
        nb_item *items = NULL;
        size_t n = 0;
        assert_int_equal(nb_store_items_since(r, 0, 10, &items, &n, &err), NB_OK);
        nb_items_free(items, n);
        assert_int_equal(nb_store_data_version(r, &v2, &err), NB_OK);
        if (v1 == v2)
            break;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    assert_true(v1 == v2);
    nb_item it = make_item("v", 100, "V");
    assert_int_equal(nb_store_item_put(w, &it, 200, NULL, &err), NB_OK);
    nb_item_clear(&it);
    assert_int_equal(nb_store_data_version(r, &v3, &err), NB_OK);
    assert_true(v3 != v2);
    nb_store_close(r);
    nb_store_close(w);
    free(path);
}

/* ---- PostgreSQL's own ---- */

/* Several daemons starting together on an empty database: the migrations run once, under
 * the advisory lock, and every opener succeeds. */
static void test_pg_concurrent_migration(void **state)
{
    (void)state;
    char *conninfo = database("concurrent");
    enum { OPENERS = 4 };
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t pids[OPENERS];
    for (int i = 0; i < OPENERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(gate[1]);
            char c;
            (void)!read(gate[0], &c, 1); /* all start at once, when the gate closes */
            nb_store *s = NULL;
            nb_errbuf err;
            nb_err rc = nb_store_open(conninfo, &s, &err);
            if (rc)
                fprintf(stderr, "opener %d: %s\n", i, err.msg);
            nb_store_close(s);
            _exit(rc ? 1 : 0);
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (int i = 0; i < OPENERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    char *db = pg_name("concurrent");
    char *rows = pg_admin(db, "SELECT count(*) = max(version) AND count(*) >= 1 FROM "
                              "newsbrief_schema");
    assert_string_equal(rows, "t");
    free(rows);
    free(db);
    free(conninfo);
}

/* Several daemons composing in the same minute: each briefing gets its own readable id
 * (a taken one is skipped, never a failed commit), with its own outbox rows. */
static void test_pg_concurrent_briefings(void **state)
{
    (void)state;
    char *conninfo = database("briefings");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(conninfo, &s, &err), NB_OK); /* migrated once, here */
    nb_store_close(s);
    enum { WRITERS = 3, EACH = 8 };
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            close(gate[1]);
            char c;
            (void)!read(gate[0], &c, 1);
            nb_store *mine = NULL;
            nb_errbuf e;
            nb_err rc = nb_store_open(conninfo, &mine, &e);
            const char *pages[] = {"# p\n"};
            nb_outbox_message message = {"", "{}", NULL, 0};
            for (int k = 0; k < EACH && !rc; k++) {
                nb_briefing_draft d = {.channel = "chat",
                                       .created_at = 1744030000,
                                       .pages = pages,
                                       .page_count = 1,
                                       .messages = &message,
                                       .message_count = 1};
                rc = nb_store_briefing_commit(mine, &d, NULL, &e);
            }
            if (rc)
                fprintf(stderr, "writer %d: %s\n", w, e.msg);
            nb_store_close(mine);
            _exit(rc ? 1 : 0);
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    char *db = pg_name("briefings");
    char *counts = pg_admin(db, "SELECT count(*) || '/' || count(DISTINCT slug) || '/' ||"
                                " (SELECT count(*) FROM deliveries) FROM briefings");
    char *want = nb_xasprintf("%d/%d/%d", WRITERS * EACH, WRITERS * EACH, WRITERS * EACH);
    assert_string_equal(counts, want);
    free(want);
    free(counts);
    free(db);
    free(conninfo);
}

/* A server that cannot be reached, an unknown role: a message naming the database with
 * its password masked, in both forms of the setting. */
static void test_pg_connect_errors(void **state)
{
    (void)state;
    nb_store *s = NULL;
    nb_errbuf err;
    const char *unreachable[] = {
        "host=/nonexistent/nb-socket port=5439 user=newsbrief password=Sekr1tPass dbname=nb",
        "postgresql://newsbrief:Sekr1tPass@127.0.0.1:1/nb?connect_timeout=5",
    };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(nb_store_open(unreachable[i], &s, &err), NB_ERR_STORE);
        assert_null(s);
        assert_non_null(strstr(err.msg, "cannot connect"));
        assert_null(strstr(err.msg, "Sekr1tPass"));
        assert_non_null(strstr(err.msg, NB_REDACT_MASK));
    }
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    /* a role the server does not know */
    char *bad = nb_xasprintf("%s user=nb_no_such_role password=An0therSecret", engine.server);
    assert_int_equal(nb_store_open(bad, &s, &err), NB_ERR_STORE);
    assert_non_null(strstr(err.msg, "nb_no_such_role"));
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_null(strstr(err.msg, "An0therSecret"));
    free(bad);
    /* the run lock's connection says the same */
    nb_store_lock *lock = NULL;
    assert_int_equal(nb_store_lock_take(unreachable[0], 0, &lock, &err), NB_ERR_STORE);
    assert_null(lock);
    assert_null(strstr(err.msg, "Sekr1tPass"));
}

static char *captured_log(FILE *f)
{
    fflush(f);
    long size = ftell(f);
    char *text = nb_xmalloc((size_t)size + 1);
    rewind(f);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    return text;
}

/* A database whose LC_CTYPE is not UTF-8 opens with a warning (trigram search needs it);
 * a UTF-8 one opens without. */
static void test_pg_ctype_warning(void **state)
{
    (void)state;
    FILE *log = tmpfile();
    assert_non_null(log);
    nb_log_set_output(log);
    char *utf8 = database("ctype_utf8");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(utf8, &s, &err), NB_OK);
    nb_store_close(s);
    char *text = captured_log(log);
    assert_null(strstr(text, "LC_CTYPE"));
    free(text);

    char *db = pg_name("ctype_c");
    char *sql = nb_xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    pg_admin_run(NULL, sql);
    free(sql);
    sql = nb_xasprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C' "
                       "LC_COLLATE 'C'",
                       db);
    pg_admin_run(NULL, sql);
    free(sql);
    char *c = nb_xasprintf("%s dbname=%s", engine.server, db);
    assert_int_equal(nb_store_open(c, &s, &err), NB_OK); /* everything else works */
    nb_item it = make_item("ctype", 100, "标题");
    assert_int_equal(nb_store_item_put(s, &it, 200, NULL, &err), NB_OK);
    nb_item_clear(&it);
    nb_store_close(s);
    nb_log_set_output(stderr);
    text = captured_log(log);
    fclose(log);
    assert_non_null(strstr(text, "LC_CTYPE is 'C', not UTF-8"));
    free(text);
    free(c);
    free(db);
    free(utf8);
}

/* The connection killed under the store: the call fails with NB_ERR_IO naming the
 * database, and every later call at once with the same message. */
static void test_pg_killed_connection(void **state)
{
    (void)state;
    char *conninfo = database("killed");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(conninfo, &s, &err), NB_OK);
    assert_null(nb_store_failure(s));
    char *db = pg_name("killed");
    char *sql = nb_xasprintf("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000))"
                             " FROM pg_stat_activity WHERE datname = '%s'"
                             " AND pid <> pg_backend_pid()",
                             db);
    char *killed = pg_admin(NULL, sql);
    assert_string_equal(killed, "1");
    free(killed);
    free(sql);
    nb_item it = make_item("k", 100, "K");
    assert_int_equal(nb_store_item_put(s, &it, 200, NULL, &err), NB_ERR_IO);
    nb_item_clear(&it);
    assert_non_null(strstr(err.msg, "connection lost"));
    assert_non_null(strstr(err.msg, db));
    assert_non_null(strstr(err.msg, "while storing item"));
    assert_non_null(nb_store_failure(s));
    assert_string_equal(nb_store_failure(s), err.msg);
    nb_source_state st;
    nb_errbuf later;
    assert_int_equal(nb_store_source_load(s, "x", &st, &later), NB_ERR_IO);
    assert_string_equal(later.msg, err.msg);
    nb_store_close(s);
    free(db);
    free(conninfo);
}

/* A session that cannot write: a read-only default, a role with reading rights only.
 * The store opens (the database was migrated) and check_writable says why, NB_ERR_IO. */
static void test_pg_read_only(void **state)
{
    (void)state;
    char *conninfo = database("readonly");
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(conninfo, &s, &err), NB_OK);
    assert_int_equal(nb_store_check_writable(s, &err), NB_OK);
    nb_store_close(s);
    char *db = pg_name("readonly");

    char *sql = nb_xasprintf("ALTER DATABASE %s SET default_transaction_read_only = on", db);
    pg_admin_run(NULL, sql);
    free(sql);
    assert_int_equal(nb_store_open(conninfo, &s, &err), NB_OK);
    assert_int_equal(nb_store_check_writable(s, &err), NB_ERR_IO);
    assert_non_null(strstr(err.msg, "read-only"));
    assert_non_null(strstr(err.msg, "default_transaction_read_only"));
    nb_store_close(s);
    /* a write without the check fails the same way */
    assert_int_equal(nb_store_open(conninfo, &s, &err), NB_OK);
    nb_item it = make_item("ro", 100, "RO");
    assert_int_equal(nb_store_item_put(s, &it, 200, NULL, &err), NB_ERR_IO);
    nb_item_clear(&it);
    assert_non_null(strstr(err.msg, "read-only"));
    assert_non_null(strstr(err.msg, "while storing item"));
    nb_store_close(s);
    sql = nb_xasprintf("ALTER DATABASE %s RESET default_transaction_read_only", db);
    pg_admin_run(NULL, sql);
    free(sql);

    pg_admin_run(NULL, "DROP ROLE IF EXISTS nbtest_store_reader");
    pg_admin_run(NULL, "CREATE ROLE nbtest_store_reader LOGIN");
    pg_admin_run(db, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO nbtest_store_reader");
    char *reader = nb_xasprintf("%s user=nbtest_store_reader", conninfo);
    assert_int_equal(nb_store_open(reader, &s, &err), NB_OK);
    assert_int_equal(nb_store_check_writable(s, &err), NB_ERR_IO);
    assert_non_null(strstr(err.msg, "read-only"));
    assert_non_null(strstr(err.msg, "role \"nbtest_store_reader\" may not write table"));
    assert_non_null(strstr(err.msg, "items"));
    nb_store_close(s);
    sql = nb_xasprintf("DROP DATABASE %s WITH (FORCE)", db);
    pg_admin_run(NULL, sql);
    free(sql);
    pg_admin_run(NULL, "DROP ROLE nbtest_store_reader");
    free(reader);
    free(db);
    free(conninfo);
}

/* Runs one engine's tests: 0 when they pass, 77 when the engine cannot be tested here. */
static int run_engine(const char *name)
{
    const struct CMUnitTest both[] = {
        cmocka_unit_test(test_open_creates_and_migrates),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_source_state),
        cmocka_unit_test(test_run_lock),
        cmocka_unit_test(test_daemon_state),
        cmocka_unit_test(test_prune),
        cmocka_unit_test(test_data_version),
    };
    const struct CMUnitTest sqlite_only[] = {
        cmocka_unit_test(test_unwritable_path),
    };
    const struct CMUnitTest pg_only[] = {
        cmocka_unit_test(test_pg_concurrent_migration),
        cmocka_unit_test(test_pg_concurrent_briefings),
        cmocka_unit_test(test_pg_connect_errors),
        cmocka_unit_test(test_pg_ctype_warning),
        cmocka_unit_test(test_pg_killed_connection),
        cmocka_unit_test(test_pg_read_only),
    };
    if (!strcmp(name, "sqlite")) {
        engine.pg = 0;
        int failed = cmocka_run_group_tests_name("store/sqlite", both, setup, teardown);
        failed += cmocka_run_group_tests_name("store/sqlite only", sqlite_only, setup, teardown);
        return failed ? 1 : 0;
    }
    const char *why = "";
    engine.pg = 1;
    engine.server = pgtest_server(&why);
    if (!engine.server) {
        printf("skipped: store tests on PostgreSQL: %s\n", why);
        return 77;
    }
    int failed = cmocka_run_group_tests_name("store/postgresql", both, setup, teardown);
    failed += cmocka_run_group_tests_name("store/postgresql only", pg_only, setup, teardown);
    free(engine.server);
    return failed ? 1 : 0;
}

/* usage: test_store [sqlite|postgresql] (both without an argument) */
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sqlite") && strcmp(argv[1], "postgresql")) {
        fprintf(stderr, "usage: test_store [sqlite|postgresql]\n");
        return 2;
    }
    if (argc > 1)
        return run_engine(argv[1]);
    int lite = run_engine("sqlite");
    int pg = run_engine("postgresql");
    return lite ? lite : pg;
}
