/* SPDX-License-Identifier: MIT */
/* store/archive: the migration to the archive schema, briefings as delivered, item queries,
 * stories, full-text search (trigram and short terms), statistics and read-only access. */
#include "testing.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/memory.h"
#include "core/time.h"
#include "store/store.h"

static char dir[] = "/tmp/nb-test-archive-XXXXXX";

static int setup(void **state)
{
    (void)state;
    nb_errbuf err;
    if (nb_time_set_zone("Asia/Shanghai", &err) != NB_OK)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static nb_store *open_fresh(const char *name)
{
    char *path = nb_xasprintf("%s/%s", dir, name);
    unlink(path);
    nb_store *s = NULL;
    nb_errbuf err;
    if (nb_store_open(path, &s, &err) != NB_OK)
        fail_msg("open %s: %s", path, err.msg);
    free(path);
    return s;
}

static int64_t put(nb_store *s, const char *source, const char *key, int64_t published,
                   const char *title, const char *excerpt)
{
    nb_item it = {
        .source = nb_xstrdup(source),
        .key = nb_xstrdup(key),
        .url = nb_xasprintf("https://%s.example/%s", source, key),
        .title = nb_xstrdup(title),
        .published_at = published,
        .excerpt = excerpt ? nb_xstrdup(excerpt) : NULL,
    };
    nb_errbuf err;
    assert_int_equal(nb_store_item_put(s, &it, published + 60, NULL, &err), NB_OK);
    int64_t id = it.id;
    nb_item_clear(&it);
    return id;
}

/* Commits a briefing of entries (ids with summaries); entries[0] carries story as its
 * story ids and one related link. */
static void commit(nb_store *s, const char *channel, int64_t created_at, const int64_t *ids,
                   const char *const *summaries, size_t n, const int64_t *story, size_t story_count,
                   int64_t *briefing)
{
    nb_item *entries = nb_xcalloc(n, sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        entries[i].id = ids[i];
        entries[i].title = nb_xasprintf("entry %zu", i);
        entries[i].url = nb_xasprintf("https://x.example/%zu", i);
        entries[i].published_at = created_at - 100 * (int64_t)i;
        entries[i].summary = summaries[i] ? nb_xstrdup(summaries[i]) : NULL;
    }
    if (story_count) {
        entries[0].story_ids = nb_xmalloc(story_count * sizeof(int64_t));
        memcpy(entries[0].story_ids, story, story_count * sizeof(int64_t));
        entries[0].story_count = story_count;
        entries[0].related = nb_xcalloc(1, sizeof(nb_item_link));
        entries[0].related[0].label = nb_xstrdup("机器之心");
        entries[0].related[0].url = nb_xstrdup("https://jiqizhixin.example/a/1");
        entries[0].related_count = 1;
    }
    const char *pages[] = {"# 新闻简报 (更新时间: x)\n"};
    nb_briefing_draft d = {.channel = channel,
                           .title = "新闻简报",
                           .created_at = created_at,
                           .entries = entries,
                           .entry_count = n,
                           .per_page = 10,
                           .item_ids = ids,
                           .item_count = n,
                           .pages = pages,
                           .page_count = 1};
    nb_errbuf err;
    assert_int_equal(nb_store_briefing_commit(s, &d, briefing, &err), NB_OK);
    nb_items_free(entries, n);
}

/* A database left by the previous release (schema 5) gains the archive on open. */
static void test_migration_from_schema_5(void **state)
{
    (void)state;
    char *path = nb_xasprintf("%s/old.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *old =
        "CREATE TABLE sources (name TEXT PRIMARY KEY, type TEXT NOT NULL, etag TEXT,"
        " last_modified TEXT, next_fetch_at INTEGER NOT NULL DEFAULT 0,"
        " consecutive_errors INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
        " last_success_at INTEGER NOT NULL DEFAULT 0, last_attempt_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE items (id INTEGER PRIMARY KEY, source TEXT NOT NULL, key TEXT NOT NULL,"
        " url TEXT NOT NULL, title TEXT NOT NULL, published_at INTEGER NOT NULL, image TEXT,"
        " excerpt TEXT, content TEXT, content_hash TEXT, signature INTEGER, cluster_id INTEGER,"
        " state TEXT NOT NULL DEFAULT 'discovered', first_seen_at INTEGER NOT NULL,"
        " UNIQUE (source, key));"
        "CREATE INDEX items_by_published ON items (published_at DESC, id DESC);"
        "CREATE TABLE briefings (id INTEGER PRIMARY KEY, channel TEXT NOT NULL,"
        " created_at INTEGER NOT NULL, window_start INTEGER NOT NULL, item_ids TEXT NOT NULL,"
        " pages TEXT NOT NULL);"
        "ALTER TABLE items ADD COLUMN author TEXT; ALTER TABLE items ADD COLUMN tags TEXT;"
        "CREATE TABLE summaries (content_hash TEXT NOT NULL, model TEXT NOT NULL,"
        " prompt_hash TEXT NOT NULL, text TEXT NOT NULL, prompt_tokens INTEGER NOT NULL DEFAULT 0,"
        " completion_tokens INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
        " PRIMARY KEY (content_hash, model, prompt_hash));"
        "CREATE TABLE llm_usage (id INTEGER PRIMARY KEY, run_at INTEGER NOT NULL,"
        " model TEXT NOT NULL, requests INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,"
        " completion_tokens INTEGER NOT NULL, cost REAL NOT NULL);"
        "CREATE TABLE briefing_items (channel TEXT NOT NULL, item_id INTEGER NOT NULL,"
        " briefing_id INTEGER NOT NULL, PRIMARY KEY (channel, item_id));"
        "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, briefing_id INTEGER NOT NULL,"
        " channel TEXT NOT NULL, seq INTEGER NOT NULL, method TEXT NOT NULL DEFAULT '',"
        " payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
        " attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,"
        " last_answer TEXT, possible_duplicate INTEGER NOT NULL DEFAULT 0,"
        " created_at INTEGER NOT NULL, sent_at INTEGER);"
        "ALTER TABLE briefing_items ADD COLUMN delivery_id INTEGER;"
        "INSERT INTO items (source, key, url, title, published_at, excerpt, first_seen_at)"
        " VALUES ('s', 'k1', 'https://s.example/1', '旧数据里的多模态大模型', 1744000000,"
        " '旧的摘要', 1744000000);"
        /* 2025-04-07 20:46 and 20:46:30 in Shanghai: the same minute */
        "INSERT INTO briefings (channel, created_at, window_start, item_ids, pages)"
        " VALUES ('wecom', 1744029960, 0, '[1]', '[\"# 新闻简报\\n\"]'),"
        " ('feishu', 1744029990, 0, '[1]', '[\"# 新闻简报\\n\"]');"
        "PRAGMA user_version = 5;";
    assert_int_equal(sqlite3_exec(db, old, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    nb_store *s = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open(path, &s, &err), NB_OK);
    assert_int_equal(nb_store_schema_version(s), 9);
    nb_briefing *list = NULL;
    size_t n = 0;
    nb_briefing_query q = {.limit = 10};
    assert_int_equal(nb_store_briefings(s, &q, &list, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[1].slug, "2025-04-07-2046");
    assert_string_equal(list[0].slug, "2025-04-07-2046-2");
    assert_int_equal(list[0].entry_count, 0);
    nb_briefings_free(list, n);
    /* the old item is in the index */
    nb_search_query sq = {.text = "大模型", .limit = 10};
    nb_search_result r;
    assert_int_equal(nb_store_search(s, &sq, &r, &err), NB_OK);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.hits[0].item.summary, "旧的摘要");
    nb_search_result_clear(&r);
    /* an old briefing shows its delivered pages */
    nb_briefing b;
    int found = 0;
    assert_int_equal(nb_store_briefing_get(s, "2025-04-07-2046", &b, &found, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(b.page_count, 1);
    assert_string_equal(b.pages[0], "# 新闻简报\n");
    assert_string_equal(b.channel, "wecom");
    nb_briefing_clear(&b);
    nb_store_close(s);
    free(path);
}

static void test_briefings_as_delivered(void **state)
{
    (void)state;
    nb_store *s = open_fresh("brief.db");
    nb_errbuf err;
    int64_t a = put(s, "aibase", "1", 1744020000, "商汤发布新模型", "excerpt a");
    int64_t b = put(s, "jiqizhixin", "2", 1744020100, "商汤发布新模型（机器之心）", NULL);
    int64_t c = put(s, "aibase", "3", 1744010000, "第二条", "excerpt c");
    int64_t ids[] = {a, c};
    const char *summaries[] = {"商汤科技宣布升级。", NULL};
    int64_t story[] = {b, a};
    int64_t first = 0, second = 0, third = 0;
    commit(s, "wecom", 1744029960, ids, summaries, 2, story, 2, &first);
    commit(s, "feishu", 1744029970, ids, summaries, 1, NULL, 0, &second);
    commit(s, "feishu", 1744029980, ids, summaries, 1, NULL, 0, &third);

    nb_briefing *list = NULL;
    size_t n = 0;
    nb_briefing_query q = {.limit = 2, .preview = 1};
    assert_int_equal(nb_store_briefings(s, &q, &list, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, third);
    assert_string_equal(list[0].slug, "2025-04-07-2046-feishu-2");
    assert_string_equal(list[1].slug, "2025-04-07-2046-feishu");
    assert_int_equal(list[1].entries_loaded, 1);
    nb_briefing_query older = {.before_id = list[1].id, .limit = 5, .preview = 5};
    nb_briefings_free(list, n);
    assert_int_equal(nb_store_briefings(s, &older, &list, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].slug, "2025-04-07-2046");
    assert_int_equal(list[0].entries_loaded, 2);
    nb_briefings_free(list, n);

    nb_briefing br;
    int found = 0;
    assert_int_equal(nb_store_briefing_get(s, "2025-04-07-2046", &br, &found, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(br.id, first);
    assert_string_equal(br.title, "新闻简报");
    assert_int_equal(br.per_page, 10);
    assert_int_equal(br.entry_count, 2);
    assert_int_equal(br.entries_loaded, 2);
    assert_int_equal(br.entries[0].id, a);
    assert_string_equal(br.entries[0].title, "entry 0"); /* as shown, not as stored later */
    assert_string_equal(br.entries[0].source, "aibase");
    assert_string_equal(br.entries[0].summary, "商汤科技宣布升级。");
    assert_int_equal(br.entries[0].related_count, 1);
    assert_string_equal(br.entries[0].related[0].label, "机器之心");
    assert_null(br.entries[1].summary);
    nb_briefing_clear(&br);
    assert_int_equal(nb_store_briefing_get(s, "2099-01-01-0000", &br, &found, &err), NB_OK);
    assert_int_equal(found, 0);

    /* the summary shown became the item's; the story's reports share a cluster */
    nb_item it, *others = NULL;
    size_t other_count = 0;
    assert_int_equal(nb_store_item_get(s, a, &it, &found, &others, &other_count, &err), NB_OK);
    assert_int_equal(found, 1);
    assert_string_equal(it.summary, "商汤科技宣布升级。");
    assert_int_equal(other_count, 1);
    assert_int_equal(others[0].id, b);
    nb_item_clear(&it);
    nb_items_free(others, other_count);
    assert_int_equal(nb_store_item_get(s, c, &it, &found, &others, &other_count, &err), NB_OK);
    assert_string_equal(it.summary, "excerpt c"); /* no summary yet: the excerpt */
    assert_int_equal(other_count, 0);
    nb_item_clear(&it);
    assert_int_equal(nb_store_item_get(s, 999999, &it, &found, &others, &other_count, &err), NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(nb_store_item_briefings(s, a, &list, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    nb_briefings_free(list, n);
    nb_store_close(s);
}

static void test_item_queries(void **state)
{
    (void)state;
    nb_store *s = open_fresh("items.db");
    nb_errbuf err;
    for (int i = 0; i < 10; i++) {
        char key[8], title[32];
        snprintf(key, sizeof key, "%d", i);
        snprintf(title, sizeof title, "title %d", i);
        put(s, i % 2 ? "odd" : "even", key, 1000 + (i / 2) * 10, title, NULL);
    }
    nb_item *items = NULL;
    size_t n = 0;
    nb_item_query q = {.limit = 4};
    assert_int_equal(nb_store_items_query(s, &q, &items, &n, &err), NB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(items[0].title, "title 9");
    assert_string_equal(items[1].title, "title 8");
    /* the keyset cursor continues after the last one, through equal times */
    q.before_published = items[2].published_at;
    q.before_id = items[2].id;
    nb_items_free(items, n);
    assert_int_equal(nb_store_items_query(s, &q, &items, &n, &err), NB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(items[0].title, "title 6");
    nb_items_free(items, n);
    nb_item_query by_source = {.source = "odd", .from = 1010, .to = 1040, .limit = 10};
    assert_int_equal(nb_store_items_query(s, &by_source, &items, &n, &err), NB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].title, "title 7");
    assert_string_equal(items[2].title, "title 3");
    nb_items_free(items, n);
    nb_source_stats *stats = NULL;
    assert_int_equal(nb_store_source_stats(s, &stats, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(stats[0].name, "even");
    assert_int_equal(stats[0].items, 5);
    assert_int_equal(stats[1].newest, 1040);
    nb_source_stats_free(stats, n);
    nb_store_close(s);
}

static nb_search_result search(nb_store *s, const char *text, int newest)
{
    nb_search_query q = {.text = text, .limit = 20, .newest = newest};
    nb_search_result r;
    nb_errbuf err;
    if (nb_store_search(s, &q, &r, &err) != NB_OK)
        fail_msg("search %s: %s", text, err.msg);
    return r;
}

static void test_search(void **state)
{
    (void)state;
    nb_store *s = open_fresh("search.db");
    put(s, "a", "1", 1000, "OpenAI 发布 GPT-4o 多模态大模型", "新模型支持语音与图像");
    put(s, "a", "2", 2000, "谷歌更新 Gemini 大模型", "AI 助手更聪明");
    put(s, "b", "3", 3000, "英伟达财报超预期", "数据中心收入创新高，模型训练需求旺盛");
    put(s, "b", "4", 4000, "<script>alert(1)</script> \"onmouseover=x", "javascript:alert(2)");
    put(s, "b", "5", 5000, "Say \"NEAR\" (a OR b) * c:d - e^f", "syntax");

    /* four Chinese characters through the trigram index, title match marked */
    nb_search_result r = search(s, "多模态大模型", 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.substring_only, 0);
    assert_non_null(strstr(r.hits[0].title_marked, "\x01多模态大模型\x02"));
    nb_search_result_clear(&r);
    /* three characters: two items, the title weighs more than the summary */
    r = search(s, "大模型", 0);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.total, 2);
    nb_search_result_clear(&r);
    /* two characters cannot be trigrams: a substring scan of titles and summaries */
    r = search(s, "模型", 0);
    assert_int_equal(r.substring_only, 1);
    assert_int_equal(r.count, 3);
    assert_int_equal(r.hits[0].item.published_at, 3000); /* newest first */
    assert_non_null(strstr(r.hits[0].snippet_marked, "\x01模型\x02"));
    nb_search_result_clear(&r);
    r = search(s, "ai", 0); /* ASCII case folded */
    assert_int_equal(r.count, 2);
    nb_search_result_clear(&r);
    /* long and short terms in one statement: both must match */
    r = search(s, "GPT-4o 模型", 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.substring_only, 0);
    assert_non_null(strstr(r.hits[0].title_marked, "\x01GPT-4o\x02"));
    assert_non_null(strstr(r.hits[0].title_marked, "\x01模型\x02"));
    nb_search_result_clear(&r);
    r = search(s, "GPT-4o 财报", 0);
    assert_int_equal(r.count, 0);
    nb_search_result_clear(&r);
    /* FTS syntax in user text is just text */
    r = search(s, "\"NEAR\" (a OR b) * c:d - e^f", 0);
    assert_int_equal(r.count, 1);
    nb_search_result_clear(&r);
    r = search(s, "\"(a OR b)\"", 0);
    assert_int_equal(r.count, 1);
    nb_search_result_clear(&r);
    r = search(s, "\"\"\" ' ; -- %_\\", 0);
    assert_int_equal(r.count, 0);
    nb_search_result_clear(&r);
    r = search(s, "<script>", 0);
    assert_int_equal(r.count, 1);
    assert_non_null(strstr(r.hits[0].title_marked, "\x01<script>\x02"));
    nb_search_result_clear(&r);
    r = search(s, "%", 0); /* a LIKE wildcard matches only itself */
    assert_int_equal(r.count, 0);
    nb_search_result_clear(&r);
    r = search(s, "  \xE3\x80\x80 ", 0); /* nothing but spaces, ideographic included */
    assert_int_equal(r.term_count, 0);
    assert_int_equal(r.count, 0);
    nb_search_result_clear(&r);
    /* filters */
    nb_search_query q = {.text = "模型", .source = "a", .from = 1500, .limit = 10};
    nb_errbuf err;
    assert_int_equal(nb_store_search(s, &q, &r, &err), NB_OK);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.hits[0].item.published_at, 2000);
    nb_search_result_clear(&r);
    /* the index follows title changes */
    put(s, "a", "2", 2000, "谷歌更新 Gemini 推理引擎", "AI 助手更聪明");
    r = search(s, "Gemini 大模型", 0);
    assert_int_equal(r.count, 0);
    nb_search_result_clear(&r);
    r = search(s, "推理引擎", 1);
    assert_int_equal(r.count, 1);
    nb_search_result_clear(&r);
    nb_store_close(s);
}

static void test_search_caps_count_and_ranking(void **state)
{
    (void)state;
    nb_store *s = open_fresh("many.db");
    nb_errbuf err;
    assert_int_equal(nb_store_schema_version(s), 9);
    for (int i = 0; i < NB_SEARCH_COUNT_CAP + 50; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        put(s, "a", key, 1000 + i, "常见的大模型新闻", NULL);
    }
    nb_search_result r = search(s, "大模型", 0);
    assert_int_equal(r.total, NB_SEARCH_COUNT_CAP);
    assert_int_equal(r.total_capped, 1);
    assert_int_equal(r.count, 20);
    nb_search_result_clear(&r);
    r = search(s, "新闻", 0);
    assert_int_equal(r.total_capped, 1);
    assert_int_equal(r.hits[0].item.published_at, 1000 + NB_SEARCH_COUNT_CAP + 49);
    nb_search_result_clear(&r);
    nb_search_query q = {.text = "大模型", .limit = 10, .offset = 995};
    assert_int_equal(nb_store_search(s, &q, &r, &err), NB_OK);
    assert_int_equal(r.count, 5);
    nb_search_result_clear(&r);
    nb_store_close(s);
}

static void test_stats_and_runs(void **state)
{
    (void)state;
    nb_store *s = open_fresh("stats.db");
    nb_errbuf err;
    nb_run_source sources[] = {{"aibase", 12, NULL}, {"feed", 0, "network"}};
    nb_run_record run = {"run", "ok", 100, 110, 12, sources, 2};
    assert_int_equal(nb_store_run_record(s, &run, &err), NB_OK);
    run.result = "failed";
    sources[0].items = 3;
    assert_int_equal(nb_store_run_record(s, &run, &err), NB_OK);
    assert_int_equal(nb_store_llm_usage_add(s, 100, "m", 4, 1000, 200, 0.5, &err), NB_OK);
    nb_stat_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_stats(s, NB_STAT_RUNS, &rows, &n, &err), NB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].labels[1], "failed");
    assert_true(rows[1].value == 1);
    nb_stat_rows_free(rows, n);
    assert_int_equal(nb_store_stats(s, NB_STAT_SOURCE_ITEMS, &rows, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    assert_true(rows[0].value == 15);
    assert_null(rows[0].labels[1]);
    nb_stat_rows_free(rows, n);
    assert_int_equal(nb_store_stats(s, NB_STAT_SOURCE_ERRORS, &rows, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].labels[1], "network");
    assert_true(rows[0].value == 2);
    nb_stat_rows_free(rows, n);
    assert_int_equal(nb_store_stats(s, NB_STAT_LLM_COST, &rows, &n, &err), NB_OK);
    assert_true(n == 1 && rows[0].value == 0.5);
    nb_stat_rows_free(rows, n);
    nb_store_close(s);
}

static void test_readonly_and_data_version(void **state)
{
    (void)state;
    nb_store *w = open_fresh("ro.db");
    char *path = nb_xasprintf("%s/ro.db", dir);
    nb_store *r = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open_readonly(path, &r, &err), NB_OK);
    int64_t v1 = 0, v2 = 0, v3 = 0;
    assert_int_equal(nb_store_data_version(r, &v1, &err), NB_OK);
    assert_int_equal(nb_store_data_version(r, &v2, &err), NB_OK);
    assert_int_equal(v1, v2);
    put(w, "a", "1", 1, "t", NULL);
    assert_int_equal(nb_store_data_version(r, &v3, &err), NB_OK);
    assert_true(v3 != v2);
    nb_item_query q = {.limit = 5};
    nb_item *items = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_items_query(r, &q, &items, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    nb_items_free(items, n);
    nb_store_close(r);
    nb_store_close(w);
    char *missing = nb_xasprintf("%s/none.db", dir);
    assert_int_equal(nb_store_open_readonly(missing, &r, &err), NB_ERR_STORE);
    assert_non_null(strstr(err.msg, "none.db"));
    free(missing);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_from_schema_5),
        cmocka_unit_test(test_briefings_as_delivered),
        cmocka_unit_test(test_item_queries),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_search_caps_count_and_ranking),
        cmocka_unit_test(test_stats_and_runs),
        cmocka_unit_test(test_readonly_and_data_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
