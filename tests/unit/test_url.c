/* SPDX-License-Identifier: MIT */
/* core/url: resolving, canonical form, host keys, Markdown escaping, rebasing. */
#include "testing.h"

#include "core/url.h"

static void expect(char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_resolve(void **state)
{
    (void)state;
    expect(nb_url_resolve("https://a.com/x/feed.xml", "/zh/news/1"), "https://a.com/zh/news/1");
    expect(nb_url_resolve("https://a.com/x/feed.xml", "item?id=2"), "https://a.com/x/item?id=2");
    expect(nb_url_resolve("https://a.com/x/", "//cdn.b.com/i.png"), "https://cdn.b.com/i.png");
    expect(nb_url_resolve("https://a.com/", "http://c.com/"), "http://c.com/");
    expect(nb_url_resolve(NULL, "http://c.com/"), "http://c.com/");
}

static void test_canonical(void **state)
{
    (void)state;
    expect(nb_url_canonical("HTTPS://News.AIbase.com:443/zh/news/16870#top"),
           "https://news.aibase.com/zh/news/16870");
    expect(nb_url_canonical("http://a.com:80"), "http://a.com/");
    expect(nb_url_canonical("http://a.com:8080/p?q=1"), "http://a.com:8080/p?q=1");
    expect(nb_url_canonical("https://a.com/p/?utm_source=x&id=3&spm=a.b&share_token=z#f"),
           "https://a.com/p?id=3");
    expect(nb_url_canonical("https://a.com/p?from=timeline&fbclid=1&gclid=2"), "https://a.com/p");
    expect(nb_url_canonical("https://a.com/p?fromage=1"), "https://a.com/p?fromage=1");
    /* a site's aliases are its adapter's (test_sources): the generic form keeps the host */
    expect(nb_url_canonical("http://www.aibase.com/zh/news/16870/?utm_medium=x"),
           "http://www.aibase.com/zh/news/16870");
    expect(nb_url_canonical("https://www.aibase.com/news/16870"),
           "https://www.aibase.com/news/16870"); /* English: another article */
    expect(nb_url_canonical("ftp://a.com/x"), NULL);
    expect(nb_url_canonical("/relative"), NULL);
    expect(nb_url_canonical("not a url"), NULL);
}

static void test_host_key(void **state)
{
    (void)state;
    expect(nb_url_host_key("https://WWW.jiqizhixin.com/api"), "www.jiqizhixin.com:443");
    expect(nb_url_host_key("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
    expect(nb_url_host_key("mailto:x@y"), NULL);
    assert_true(nb_url_is_http("http://a.b/"));
    assert_false(nb_url_is_http("javascript:alert(1)"));
}

static void test_markdown_escape(void **state)
{
    (void)state;
    expect(nb_url_escape_markdown("https://a.com/a b(c)<d>"), "https://a.com/a%20b%28c%29%3Cd%3E");
    expect(nb_url_escape_markdown("https://a.com/中文?q=1"), "https://a.com/中文?q=1");
}

static void test_rebase(void **state)
{
    (void)state;
    expect(nb_url_rebase("https://mcpapi.aibase.cn/api/aiInfo/aiNews?pageNo=1",
                         "http://127.0.0.1:8080"),
           "http://127.0.0.1:8080/api/aiInfo/aiNews?pageNo=1");
    expect(nb_url_rebase("https://a.com/x", "not a base"), NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),  cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_host_key), cmocka_unit_test(test_markdown_escape),
        cmocka_unit_test(test_rebase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
