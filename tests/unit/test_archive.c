/* SPDX-License-Identifier: MIT */
/* store/archive: briefings as delivered, item queries, stories, full-text search (trigram
 * and short terms), statistics and read-only access, on either engine: `test_archive [sqlite]`
 * runs them on SQLite (with the migration to the archive schema), `test_archive
 * postgresql` on fresh databases of the test PostgreSQL (with the copy from SQLite, whose
 * results must equal SQLite's), or says "skipped: <reason>" and exits 77 when there is
 * none. */
#include "testing.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/memory.h"
#include "core/time.h"
#include "pgtest.h"
#include "store/store.h"

static char dir[] = "/tmp/nb-test-archive-XXXXXX";
static int use_pg; /* the engine under test */

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

/* A fresh database of the engine under test (or of SQLite when lite): a new file, or a new
 * database on the test server named after name. Caller frees. */
static char *fresh_database(const char *name, int lite)
{
    if (lite || !use_pg) {
        char *path = nb_xasprintf("%s/%s.db", dir, name);
        unlink(path);
        return path;
    }
    char db[64];
    snprintf(db, sizeof db, "nb_test_archive_%s", name);
    const char *why = NULL;
    char *conninfo = pgtest_fresh_database(db, &why);
    if (!conninfo)
        fail_msg("%s", why);
    char *copy = nb_xstrdup(conninfo);
    free(conninfo);
    return copy;
}

static nb_store *open_database(const char *database)
{
    nb_store *s = NULL;
    nb_errbuf err;
    if (nb_store_open(database, &s, &err) != NB_OK)
        fail_msg("open %s: %s", database, err.msg);
    return s;
}

static nb_store *open_fresh(const char *name)
{
    char *database = fresh_database(name, 0);
    nb_store *s = open_database(database);
    free(database);
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
    int version;
    assert_int_equal(nb_store_schema_version(s, &version, &err), NB_OK);
    assert_int_equal(version, 9);
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
    nb_store *s = open_fresh("brief");
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
    nb_store *s = open_fresh("items");
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
    nb_store *s = open_fresh("search");
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
    nb_store *s = open_fresh("many");
    nb_errbuf err;
    int version;
    assert_int_equal(nb_store_schema_version(s, &version, &err), NB_OK);
    assert_int_equal(version, use_pg ? 3 : 9);
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
    nb_store *s = open_fresh("stats");
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
    char *database = fresh_database("ro", 0);
    nb_store *w = open_database(database);
    nb_store *r = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open_readonly(database, &r, &err), NB_OK);
    int64_t v1 = 0, v2 = 0, v3 = 0;
    /* Unchanged while nothing is written. On PostgreSQL a commit to another database of
     * the same server (the other tests share it) changes it too: tried until undisturbed. */
    for (int attempt = 0; attempt < 200; attempt++) {
        assert_int_equal(nb_store_data_version(r, &v1, &err), NB_OK);
        assert_int_equal(nb_store_data_version(r, &v2, &err), NB_OK);
        if (v1 == v2)
            break;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
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
    if (use_pg) {
        const char *why = NULL;
        char *server = pgtest_server(&why);
        assert_non_null(server);
        free(missing);
        missing = nb_xasprintf("%s dbname=nb_test_archive_none", server);
        free(server);
    }
    assert_int_equal(nb_store_open_readonly(missing, &r, &err), NB_ERR_STORE);
    assert_non_null(strstr(err.msg, use_pg ? "nb_test_archive_none" : "none.db"));
    free(missing);
    free(database);
}

/* ---- PostgreSQL: a SQLite database copied, and read back the same ---- */

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

#define assert_same_text(a, b)                                                                     \
    do {                                                                                           \
        if (!same_text((a), (b)))                                                                  \
            fail_msg("%s: \"%s\" on SQLite, \"%s\" on PostgreSQL", #a, (a) ? (a) : "(null)",       \
                     (b) ? (b) : "(null)");                                                        \
    } while (0)

/* A call that must succeed, else the failure with the store's message. */
#define assert_ok(call)                                                                            \
    do {                                                                                           \
        if ((call) != NB_OK)                                                                       \
            fail_msg("%s: %s", #call, err.msg);                                                    \
    } while (0)

static void assert_same_item(const nb_item *a, const nb_item *b)
{
    assert_int_equal(a->id, b->id);
    assert_same_text(a->source, b->source);
    assert_same_text(a->url, b->url);
    assert_same_text(a->title, b->title);
    assert_int_equal(a->published_at, b->published_at);
    assert_same_text(a->image, b->image);
    assert_same_text(a->summary, b->summary);
    assert_int_equal(a->related_count, b->related_count);
    for (size_t i = 0; i < a->related_count; i++) {
        assert_same_text(a->related[i].label, b->related[i].label);
        assert_same_text(a->related[i].url, b->related[i].url);
    }
}

static void assert_same_briefing(const nb_briefing *a, const nb_briefing *b)
{
    assert_int_equal(a->id, b->id);
    assert_same_text(a->slug, b->slug);
    assert_same_text(a->channel, b->channel);
    assert_same_text(a->title, b->title);
    assert_int_equal(a->created_at, b->created_at);
    assert_int_equal(a->per_page, b->per_page);
    assert_int_equal(a->entry_count, b->entry_count);
    assert_int_equal(a->entries_loaded, b->entries_loaded);
    for (size_t i = 0; i < a->entries_loaded; i++)
        assert_same_item(&a->entries[i], &b->entries[i]);
    assert_int_equal(a->page_count, b->page_count);
    for (size_t i = 0; i < a->page_count; i++)
        assert_same_text(a->pages[i], b->pages[i]);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = nb_xmalloc((size_t)size + 1);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* A SQLite database with something in every table the copy takes. */
static void fill(nb_store *s, int64_t *ids)
{
    nb_errbuf err;
    ids[0] =
        put(s, "aibase", "1", 1744020000, "商汤发布新模型 SenseCore 2.0", "商汤科技宣布升级算力。");
    ids[1] = put(s, "jiqizhixin", "2", 1744020100, "商汤发布新模型（机器之心）", NULL);
    ids[2] = put(s, "aibase", "3", 1744010000, "OpenAI 发布 GPT-4o 多模态大模型",
                 "新模型支持语音与图像，\t制表符\\反斜杠\n换行");
    ids[3] = put(s, "qbitai", "4", 1744000000, "谷歌更新 Gemini 大模型", "AI 助手更聪明");
    ids[4] = put(s, "qbitai", "5", 1743990000, "100% 的 _下划线_ 标题", NULL);
    nb_item text = {.source = nb_xstrdup("aibase"),
                    .key = nb_xstrdup("1"),
                    .url = nb_xstrdup("https://aibase.example/1"),
                    .title = nb_xstrdup("商汤发布新模型 SenseCore 2.0"),
                    .published_at = 1744020000,
                    .excerpt = nb_xstrdup("商汤科技宣布升级算力。"),
                    .content = nb_xstrdup("第一段。\n\n第二段：\"引号\" 与 \\N 字样。")};
    assert_int_equal(nb_store_item_put(s, &text, 1744020060, NULL, &err), NB_OK);
    nb_item_clear(&text);
    int64_t story[] = {ids[1], ids[0]};
    const char *summaries[] = {"商汤科技宣布 SenseCore 升级。", NULL, "谷歌的模型。"};
    int64_t first[] = {ids[0], ids[2], ids[3]};
    int64_t b1 = 0, b2 = 0;
    commit(s, "wecom", 1744029960, first, summaries, 3, story, 2, &b1);
    commit(s, "feishu", 1744029970, first, summaries, 1, NULL, 0, &b2);
    nb_source_state src = {.name = "aibase",
                           .type = "aibase",
                           .etag = "\"abc\"",
                           .consecutive_errors = 2,
                           .last_error = "HTTP 503",
                           .last_success_at = 1744020000,
                           .last_attempt_at = 1744020100,
                           .next_fetch_at = 1744023600};
    assert_int_equal(nb_store_source_save(s, &src, &err), NB_OK);
    assert_int_equal(
        nb_store_summary_put(s, "hash", "gpt", "prompt", "缓存的摘要", 100, 20, 1744020000, &err),
        NB_OK);
    assert_int_equal(nb_store_llm_usage_add(s, 1744020000, "gpt", 3, 300, 60, 0.25, &err), NB_OK);
    nb_run_source sources[] = {{"aibase", 5, NULL}, {"qbitai", 0, "network"}};
    nb_run_record run = {"morning", "ok", 1744020000, 1744020030, 5, sources, 2};
    assert_int_equal(nb_store_run_record(s, &run, &err), NB_OK);
    nb_schedule_state sched = {.name = "morning",
                               .cron = "45 10 * * *",
                               .last_fire = 1744019100,
                               .last_result = "ok",
                               .last_run_at = 1744019100,
                               .last_duration_ms = 30000,
                               .next_fire = 1744105500};
    assert_int_equal(nb_store_schedule_save(s, &sched, &err), NB_OK);
    /* an outbox row: one message of a chat channel, then marked sent */
    nb_item entry = {.id = ids[3],
                     .title = nb_xstrdup("谷歌更新 Gemini 大模型"),
                     .url = nb_xstrdup("https://qbitai.example/4"),
                     .published_at = 1744000000};
    const char *pages[] = {"# 新闻简报\n"};
    nb_outbox_message message = {.method = "",
                                 .payload = "{\"msgtype\":\"markdown\"}",
                                 .item_ids = &ids[3],
                                 .item_count = 1};
    nb_briefing_draft d = {.channel = "slack",
                           .title = "新闻简报",
                           .created_at = 1744033560,
                           .entries = &entry,
                           .entry_count = 1,
                           .per_page = 10,
                           .item_ids = &ids[3],
                           .item_count = 1,
                           .pages = pages,
                           .page_count = 1,
                           .messages = &message,
                           .message_count = 1};
    int64_t b3 = 0;
    assert_int_equal(nb_store_briefing_commit(s, &d, &b3, &err), NB_OK);
    nb_item_clear(&entry);
    nb_outbox_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_outbox_list(s, &rows, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        nb_store_outbox_mark(s, rows[0].id, "pending", 1, 1744033600, "HTTP 429", 1744033570, &err),
        NB_OK);
    nb_outbox_rows_free(rows, n);
}

/* Returns how many hits both gave. */
static size_t compare_search(nb_store *lite, nb_store *pg, const char *text, int newest)
{
    nb_search_result a = search(lite, text, newest), b = search(pg, text, newest);
    if (a.count != b.count || a.total != b.total)
        fail_msg("search %s: %zu of %zu on SQLite, %zu of %zu on PostgreSQL", text, a.count,
                 a.total, b.count, b.total);
    assert_int_equal(a.substring_only, b.substring_only);
    assert_int_equal(a.term_count, b.term_count);
    for (size_t i = 0; i < a.count; i++) {
        assert_same_item(&a.hits[i].item, &b.hits[i].item);
        assert_same_text(a.hits[i].title_marked, b.hits[i].title_marked);
        /* snippets: the whole abstract when it is short, cut alike around the match else */
        if (!a.hits[i].item.summary || strlen(a.hits[i].item.summary) < 50)
            assert_same_text(a.hits[i].snippet_marked, b.hits[i].snippet_marked);
    }
    size_t count = a.count;
    nb_search_result_clear(&a);
    nb_search_result_clear(&b);
    return count;
}

static void compare_archive(nb_store *lite, nb_store *pg, const int64_t *ids, size_t id_count)
{
    nb_errbuf err;
    nb_briefing *la = NULL, *pa = NULL;
    size_t ln = 0, pn = 0;
    nb_briefing_query bq = {.limit = 10, .preview = 10};
    assert_ok(nb_store_briefings(lite, &bq, &la, &ln, &err));
    assert_ok(nb_store_briefings(pg, &bq, &pa, &pn, &err));
    assert_int_equal(ln, 3);
    assert_int_equal(ln, pn);
    for (size_t i = 0; i < ln; i++) {
        assert_same_briefing(&la[i], &pa[i]);
        nb_briefing a, b;
        int fa = 0, fb = 0;
        assert_ok(nb_store_briefing_get(lite, la[i].slug, &a, &fa, &err));
        assert_ok(nb_store_briefing_get(pg, la[i].slug, &b, &fb, &err));
        assert_true(fa && fb);
        assert_same_briefing(&a, &b);
        nb_briefing_clear(&a);
        nb_briefing_clear(&b);
    }
    nb_briefings_free(la, ln);
    nb_briefings_free(pa, pn);

    nb_item *li = NULL, *pi = NULL;
    nb_item_query iq = {.limit = 3};
    assert_ok(nb_store_items_query(lite, &iq, &li, &ln, &err));
    assert_ok(nb_store_items_query(pg, &iq, &pi, &pn, &err));
    assert_int_equal(ln, pn);
    for (size_t i = 0; i < ln; i++)
        assert_same_item(&li[i], &pi[i]);
    nb_items_free(li, ln);
    nb_items_free(pi, pn);

    for (size_t k = 0; k < id_count; k++) {
        nb_item a, b, *ao = NULL, *bo = NULL;
        size_t an = 0, bn = 0;
        int fa = 0, fb = 0;
        assert_ok(nb_store_item_get(lite, ids[k], &a, &fa, &ao, &an, &err));
        assert_ok(nb_store_item_get(pg, ids[k], &b, &fb, &bo, &bn, &err));
        assert_true(fa && fb);
        assert_same_item(&a, &b);
        assert_int_equal(an, bn);
        for (size_t i = 0; i < an; i++)
            assert_same_item(&ao[i], &bo[i]);
        nb_item_clear(&a);
        nb_item_clear(&b);
        nb_items_free(ao, an);
        nb_items_free(bo, bn);
        char *ta = NULL, *tb = NULL;
        assert_ok(nb_store_item_text(lite, ids[k], &ta, &err));
        assert_ok(nb_store_item_text(pg, ids[k], &tb, &err));
        assert_same_text(ta, tb);
        free(ta);
        free(tb);
        assert_ok(nb_store_item_briefings(lite, ids[k], &la, &ln, &err));
        assert_ok(nb_store_item_briefings(pg, ids[k], &pa, &pn, &err));
        assert_int_equal(ln, pn);
        for (size_t i = 0; i < ln; i++)
            assert_same_briefing(&la[i], &pa[i]);
        nb_briefings_free(la, ln);
        nb_briefings_free(pa, pn);
    }

    nb_source_stats *ls = NULL, *ps = NULL;
    assert_ok(nb_store_source_stats(lite, &ls, &ln, &err));
    assert_ok(nb_store_source_stats(pg, &ps, &pn, &err));
    assert_int_equal(ln, pn);
    for (size_t i = 0; i < ln; i++) {
        assert_same_text(ls[i].name, ps[i].name);
        assert_int_equal(ls[i].items, ps[i].items);
        assert_int_equal(ls[i].newest, ps[i].newest);
    }
    nb_source_stats_free(ls, ln);
    nb_source_stats_free(ps, pn);

    for (int which = NB_STAT_RUNS; which <= NB_STAT_BRIEFINGS; which++) {
        nb_stat_row *lr = NULL, *pr = NULL;
        assert_ok(nb_store_stats(lite, (nb_store_stat)which, &lr, &ln, &err));
        assert_ok(nb_store_stats(pg, (nb_store_stat)which, &pr, &pn, &err));
        if (ln != pn)
            fail_msg("statistic %d: %zu rows on SQLite, %zu on PostgreSQL", which, ln, pn);
        for (size_t i = 0; i < ln; i++) {
            assert_same_text(lr[i].labels[0], pr[i].labels[0]);
            assert_same_text(lr[i].labels[1], pr[i].labels[1]);
            assert_true(lr[i].value == pr[i].value);
        }
        nb_stat_rows_free(lr, ln);
        nb_stat_rows_free(pr, pn);
    }

    static const struct {
        const char *text;
        size_t hits;
    } queries[] = {
        {"大模型", 2},      {"模型", 4},     {"商汤发布新模型", 2}, {"商汤 SenseCore", 1},
        {"gpt-4o 模型", 1}, {"AI", 1},       {"gemini 模型", 1},    {"100%", 1},
        {"%", 1},           {"_下划线_", 1}, {"\"发布 GPT\"", 1},   {"不存在的词", 0},
        {"反斜杠", 1},      {"升级", 1},
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        for (int newest = 0; newest < 2; newest++) {
            size_t hits = compare_search(lite, pg, queries[i].text, newest);
            if (hits != queries[i].hits)
                fail_msg("search %s: %zu hits, want %zu", queries[i].text, hits, queries[i].hits);
        }
    }
}

static void test_copy_from_sqlite(void **state)
{
    (void)state;
    char *path = fresh_database("copy", 1);
    nb_store *w = open_database(path);
    int64_t ids[5];
    fill(w, ids);
    nb_store_close(w);
    size_t before_len = 0, after_len = 0;
    char *before = read_file(path, &before_len);

    nb_store *lite = NULL, *pg = NULL;
    nb_errbuf err;
    assert_int_equal(nb_store_open_readonly(path, &lite, &err), NB_OK);
    char *target = fresh_database("copy", 0);
    pg = open_database(target);
    nb_copy_report report;
    if (nb_store_copy(lite, pg, &report, &err) != NB_OK)
        fail_msg("copy: %s", err.msg);
    static const struct {
        const char *table;
        int64_t rows;
    } want[] = {{"sources", 1},   {"items", 5},          {"summaries", 1},        {"llm_usage", 1},
                {"briefings", 3}, {"briefing_items", 5}, {"briefing_entries", 5}, {"deliveries", 1},
                {"runs", 1},      {"source_counts", 2},  {"schedules", 1}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        size_t i = 0;
        while (i < report.table_count && strcmp(report.tables[i].name, want[k].table))
            i++;
        if (i == report.table_count)
            fail_msg("the report has no table %s", want[k].table);
        if (report.tables[i].source_rows != want[k].rows ||
            report.tables[i].copied_rows != want[k].rows)
            fail_msg("%s: %lld rows read, %lld copied, want %lld", want[k].table,
                     (long long)report.tables[i].source_rows,
                     (long long)report.tables[i].copied_rows, (long long)want[k].rows);
    }
    compare_archive(lite, pg, ids, 5);

    /* the state the writers read back is the same too */
    nb_source_state sa, sb;
    assert_int_equal(nb_store_source_load(lite, "aibase", &sa, &err), NB_OK);
    assert_int_equal(nb_store_source_load(pg, "aibase", &sb, &err), NB_OK);
    assert_same_text(sa.etag, sb.etag);
    assert_same_text(sa.last_error, sb.last_error);
    assert_int_equal(sa.consecutive_errors, sb.consecutive_errors);
    assert_int_equal(sa.next_fetch_at, sb.next_fetch_at);
    nb_source_state_clear(&sa);
    nb_source_state_clear(&sb);
    char *cached = NULL;
    assert_int_equal(nb_store_summary_get(pg, "hash", "gpt", "prompt", &cached, &err), NB_OK);
    assert_string_equal(cached, "缓存的摘要");
    free(cached);
    nb_outbox_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(nb_store_outbox_list(pg, &rows, &n, &err), NB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].channel, "slack");
    assert_int_equal(rows[0].attempts, 1);
    assert_string_equal(rows[0].last_answer, "HTTP 429");
    nb_outbox_rows_free(rows, n);
    nb_schedule_state sched;
    assert_int_equal(nb_store_schedule_load(pg, "morning", &sched, &err), NB_OK);
    assert_string_equal(sched.cron, "45 10 * * *");
    assert_int_equal(sched.next_fire, 1744105500);
    nb_schedule_state_clear(&sched);

    /* new rows continue after the copied ids */
    nb_item more = {.source = nb_xstrdup("aibase"),
                    .key = nb_xstrdup("new"),
                    .url = nb_xstrdup("https://aibase.example/new"),
                    .title = nb_xstrdup("复制之后的新条目"),
                    .published_at = 1744040000};
    int is_new = 0;
    assert_int_equal(nb_store_item_put(pg, &more, 1744040000, &is_new, &err), NB_OK);
    assert_int_equal(is_new, 1);
    assert_true(more.id > ids[4]);
    nb_item_clear(&more);

    /* a second copy finds the database not empty, and changes nothing */
    assert_int_equal(nb_store_copy(lite, pg, &report, &err), NB_ERR_STORE);
    assert_non_null(strstr(err.msg, "not empty"));
    assert_int_equal(nb_store_copy(pg, lite, &report, &err), NB_ERR_STORE);
    nb_item *items = NULL;
    nb_item_query q = {.limit = 100};
    assert_int_equal(nb_store_items_query(pg, &q, &items, &n, &err), NB_OK);
    assert_int_equal(n, 6);
    nb_items_free(items, n);
    nb_store_close(pg);
    nb_store_close(lite);

    /* the SQLite file is as it was */
    char *after = read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    free(target);
    free(path);
}

int main(int argc, char **argv)
{
    use_pg = argc > 1 && !strcmp(argv[1], "postgresql");
    if (argc > 1 && !use_pg && strcmp(argv[1], "sqlite")) {
        fprintf(stderr, "usage: test_archive [sqlite|postgresql]\n");
        return 2;
    }
#define BOTH_ENGINES                                                                               \
    cmocka_unit_test(test_briefings_as_delivered), cmocka_unit_test(test_item_queries),            \
        cmocka_unit_test(test_search), cmocka_unit_test(test_search_caps_count_and_ranking),       \
        cmocka_unit_test(test_stats_and_runs), cmocka_unit_test(test_readonly_and_data_version)
    if (!use_pg) {
        const struct CMUnitTest lite[] = {cmocka_unit_test(test_migration_from_schema_5),
                                          BOTH_ENGINES};
        return cmocka_run_group_tests_name("sqlite", lite, setup, teardown);
    }
    const char *why = NULL;
    char *server = pgtest_server(&why);
    if (!server) {
        printf("skipped: %s\n", why);
        return 77;
    }
    free(server);
    const struct CMUnitTest pg[] = {cmocka_unit_test(test_copy_from_sqlite), BOTH_ENGINES};
    return cmocka_run_group_tests_name("postgresql", pg, setup, teardown);
}
