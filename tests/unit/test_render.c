/* SPDX-License-Identifier: MIT */
/* brief/: selection and the seed's Markdown, byte for byte, with hostile titles and URLs. */
#include "testing.h"

#include "brief/brief.h"
#include "core/memory.h"
#include "core/time.h"

static nb_item item(int64_t id, const char *title, const char *url, int64_t published,
                    const char *summary, const char *image)
{
    nb_item it = {
        .id = id,
        .title = nb_xstrdup(title),
        .url = nb_xstrdup(url),
        .published_at = published,
        .summary = nb_xstrdup(summary),
        .image = nb_xstrdup(image),
    };
    return it;
}

static int setup(void **state)
{
    (void)state;
    nb_errbuf err;
    return nb_time_set_zone("Asia/Shanghai", &err) == NB_OK ? 0 : -1;
}

static void test_seed_page(void **state)
{
    (void)state;
    nb_item items[2] = {
        item(1, "OpenAI 新图像生成模型助推虚假文件的制作潮", "https://www.aibase.com/zh/news/16870",
             1743989040, "摘要一。",
             "https://upload.chinaz.com/2025/0407/6387961465414723411193632.png"),
        item(2, "标题", "https://www.jiqizhixin.com/articles/2025-04-07-7", 1744003320, "摘要二。",
             NULL),
    };
    nb_render_options o = {.title = "新闻简报", .now = 1743993900, .items_per_page = 10};
    char **pages;
    size_t n;
    nb_brief_render(&o, items, 2, &pages, &n);
    assert_int_equal(n, 1);
    assert_string_equal(
        pages[0],
        "# 新闻简报 (更新时间: 2025-04-07 10:45)\n"
        "\n"
        "## 1. [OpenAI 新图像生成模型助推虚假文件的制作潮](https://www.aibase.com/zh/news/16870)"
        "   2025-04-07 09:24\n"
        "\n"
        "摘要一。\n"
        "\n"
        "![](https://upload.chinaz.com/2025/0407/6387961465414723411193632.png)\n"
        "\n"
        "---\n"
        "\n"
        "## 2. [标题](https://www.jiqizhixin.com/articles/2025-04-07-7)   2025-04-07 13:22\n"
        "\n"
        "摘要二。\n");
    nb_brief_pages_free(pages, n);
    nb_item_clear(&items[0]);
    nb_item_clear(&items[1]);
}

static void test_hostile_title_and_url(void **state)
{
    (void)state;
    nb_item it = item(1, "[x] (y) *z* #h\nnext\tcol", "https://a.com/p (1)<b>", 1743989040,
                      "# not a heading\nsecond line", "https://i.com/a b.png");
    nb_render_options o = {.title = "T", .now = 1743993900, .items_per_page = 10};
    char **pages;
    size_t n;
    nb_brief_render(&o, &it, 1, &pages, &n);
    assert_string_equal(pages[0], "# T (更新时间: 2025-04-07 10:45)\n\n"
                                  "## 1. [［x］ (y) \\*z\\* #h next col]"
                                  "(https://a.com/p%20%281%29%3Cb%3E)   2025-04-07 09:24\n\n"
                                  "\\# not a heading second line\n\n"
                                  "![](https://i.com/a%20b.png)\n");
    nb_brief_pages_free(pages, n);
    nb_item_clear(&it);
}

static void test_pages_and_join(void **state)
{
    (void)state;
    nb_item items[23];
    for (int i = 0; i < 23; i++) {
        char title[32];
        snprintf(title, sizeof title, "item %d", i + 1);
        items[i] = item(i + 1, title, "https://a.com/", 1743989040 - i * 60, NULL, NULL);
    }
    nb_render_options o = {.title = "新闻简报", .now = 1743993900, .items_per_page = 10};
    char **pages;
    size_t n;
    nb_brief_render(&o, items, 23, &pages, &n);
    assert_int_equal(n, 3);
    assert_non_null(strstr(pages[1], "## 1. [item 11]"));
    assert_non_null(strstr(pages[1], "## 10. [item 20]"));
    assert_null(strstr(pages[1], "item 21"));
    assert_non_null(strstr(pages[2], "## 3. [item 23]"));
    /* nothing follows the last item of a page */
    size_t len = strlen(pages[0]);
    assert_string_equal(pages[0] + len - strlen("09:15\n"), "09:15\n");
    char *all = nb_brief_join(pages, n);
    assert_non_null(
        strstr(all, "09:15\n\n# 新闻简报 (更新时间: 2025-04-07 10:45)\n\n## 1. [item 11]"));
    free(all);
    nb_brief_pages_free(pages, n);
    nb_brief_render(&o, items, 0, &pages, &n);
    assert_int_equal(n, 0);
    for (int i = 0; i < 23; i++)
        nb_item_clear(&items[i]);
}

static void test_select(void **state)
{
    (void)state;
    nb_item items[5] = {
        item(1, "old", "https://a/", 1000, NULL, NULL),
        item(2, "new", "https://a/", 5000, NULL, NULL),
        item(3, "mid", "https://a/", 3000, NULL, NULL),
        item(4, "mid-later-id", "https://a/", 3000, NULL, NULL),
        item(5, "edge", "https://a/", 2000, NULL, NULL),
    };
    size_t kept = nb_brief_select(items, 5, 6000, 4000, 3);
    assert_int_equal(kept, 3);
    assert_string_equal(items[0].title, "new");
    assert_string_equal(items[1].title, "mid-later-id");
    assert_string_equal(items[2].title, "mid");
    assert_null(items[3].title); /* dropped items are cleared */
    kept = nb_brief_select(items, 3, 6000, 2500, 10);
    assert_int_equal(kept, 1);
    for (int i = 0; i < 5; i++)
        nb_item_clear(&items[i]);
}

static void test_header_templates(void **state)
{
    (void)state;
    char *zh = nb_brief_header(NULL, "新闻简报", "2025-04-07 10:45");
    char *en = nb_brief_header("{title} (Updated: {time})", "AI News", "2025-04-07 10:45");
    char *own = nb_brief_header("{time} — {title} {title}\n{x}", "T", "10:45");
    assert_string_equal(zh, "新闻简报 (更新时间: 2025-04-07 10:45)");
    assert_string_equal(en, "AI News (Updated: 2025-04-07 10:45)");
    assert_string_equal(own, "10:45 — T T {x}"); /* one line; unknown braces stay */
    free(zh);
    free(en);
    free(own);
    nb_item it = item(1, "标题", "https://a.com/1", 1743989040, "摘要。", NULL);
    nb_render_options o = {.title = "AI News",
                           .header = "{title} (Updated: {time})",
                           .now = 1743993900,
                           .items_per_page = 10};
    char **pages;
    size_t n;
    nb_brief_render(&o, &it, 1, &pages, &n);
    const char *want = "# AI News (Updated: 2025-04-07 10:45)\n\n## 1. [标题](https://a.com/1)";
    assert_memory_equal(pages[0], want, strlen(want));
    nb_brief_pages_free(pages, n);
    nb_item_clear(&it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_page),        cmocka_unit_test(test_hostile_title_and_url),
        cmocka_unit_test(test_header_templates), cmocka_unit_test(test_pages_and_join),
        cmocka_unit_test(test_select),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
