/* SPDX-License-Identifier: MIT */
/* store/sqlite: migrations, item upsert and queries, source health, briefings. */
#include "testing.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/memory.h"
#include "store/store.h"

static char dir[] = "/tmp/nb-test-store-XXXXXX";

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
    char *path = nb_xasprintf("%s/deep/er/nb.db", dir);
    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    assert_int_equal(nb_store_schema_version(s), 9);
    nb_store_close(s);
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK); /* idempotent */
    assert_int_equal(nb_store_schema_version(s), 9);
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
    char *path = nb_xasprintf("%s/items.db", dir);
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
    assert_int_equal(nb_store_outbox_mark(s, second, "failed", 1, 0, "too long", 7002, &err),
                     NB_OK);
    assert_int_equal(nb_store_outbox_pending(s, "chat", &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 0);
    nb_outbox_rows_free(rows, rn);
    assert_int_equal(nb_store_outbox_list(s, &rows, &rn, &err), NB_OK);
    assert_int_equal(rn, 1);
    assert_string_equal(rows[0].status, "failed");
    assert_string_equal(rows[0].last_answer, "too long");
    nb_outbox_rows_free(rows, rn);
    /* the failed message gives its item back to the channel; the sent one does not */
    assert_int_equal(nb_store_items_for_channel(s, "chat", 0, 10, &items, &n, &err), NB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i].delivered, !strcmp(items[i].key, "a"));
    nb_items_free(items, n);
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
    char *path = nb_xasprintf("%s/sources.db", dir);
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
    nb_source_state b = {.name = nb_xstrdup("a-first"), .type = nb_xstrdup("feed")};
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
    for (size_t i = 0; i < n; i++)
        nb_source_state_clear(&all[i]);
    free(all);
    nb_store_close(s);
    free(path);
}

static void test_run_lock(void **state)
{
    (void)state;
    char *path = nb_xasprintf("%s/lock/nb.db", dir);
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
    char *path = nb_xasprintf("%s/prune.db", dir);
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
    char *path = nb_xasprintf("%s/daemon.db", dir);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_migrates),
        cmocka_unit_test(test_unwritable_path),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_source_state),
        cmocka_unit_test(test_run_lock),
        cmocka_unit_test(test_daemon_state),
        cmocka_unit_test(test_prune),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
