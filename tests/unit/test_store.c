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
    assert_int_equal(nb_store_schema_version(s), 7);
    nb_store_close(s);
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK); /* idempotent */
    assert_int_equal(nb_store_schema_version(s), 7);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_migrates),
        cmocka_unit_test(test_unwritable_path),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_source_state),
        cmocka_unit_test(test_run_lock),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
