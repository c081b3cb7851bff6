/* SPDX-License-Identifier: MIT */
/* sources: the site hook. A site's URL aliases and boilerplate live in its adapter; the
 * generic canonical form and the summarizer take them from there. */
#include "testing.h"

#include "core/url.h"
#include "sources/source.h"
#include "text/text.h"

/* url -> its canonical form (NULL: not an http(s) URL) */
static const struct {
    const char *url, *want;
} canonical_cases[] = {
    /* AIbase's mirrors fold into news.aibase.com, any query */
    {"HTTPS://News.AIbase.com:443/zh/news/16870#top", "https://news.aibase.com/zh/news/16870"},
    {"http://www.aibase.com/zh/news/16870/?utm_medium=x", "https://news.aibase.com/zh/news/16870"},
    {"https://news.aibase.cn/zh/news/16870?page=2", "https://news.aibase.com/zh/news/16870"},
    {"https://news.aibase.cn/zh/news/16870", "https://news.aibase.com/zh/news/16870"},
    /* English: another article; not an article */
    {"https://www.aibase.com/news/16870", "https://www.aibase.com/news/16870"},
    {"https://www.aibase.com/zh/news/16870/comments",
     "https://www.aibase.com/zh/news/16870/comments"},
    /* other sites keep the generic form */
    {"https://a.com/p/?utm_source=x&id=3#f", "https://a.com/p?id=3"},
    {"https://evil.example/zh/news/16870", "https://evil.example/zh/news/16870"},
    {"ftp://a.com/x", NULL},
};

static void test_canonical_url(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof canonical_cases / sizeof canonical_cases[0]; i++) {
        char *got = nb_source_canonical_url(canonical_cases[i].url);
        if (!canonical_cases[i].want ? got != NULL
                                     : !got || strcmp(got, canonical_cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", canonical_cases[i].url, got ? got : "NULL",
                     canonical_cases[i].want ? canonical_cases[i].want : "NULL");
        free(got);
    }
    assert_null(nb_source_canonical_url(NULL));
    /* the generic form alone knows no site */
    char *generic = nb_url_canonical("http://www.aibase.com/zh/news/16870/?utm_medium=x");
    assert_string_equal(generic, "http://www.aibase.com/zh/news/16870");
    free(generic);
}

static void test_host_path(void **state)
{
    (void)state;
    char *host = NULL, *path = NULL;
    assert_int_equal(nb_url_host_path("HTTP://Www.A.com:8080/x%20y?q#f", &host, &path), NB_OK);
    assert_string_equal(host, "www.a.com");
    assert_string_equal(path, "/x y");
    free(host);
    free(path);
    assert_int_equal(nb_url_host_path("https://a.com", &host, &path), NB_OK);
    assert_string_equal(path, "/");
    free(host);
    free(path);
    assert_int_equal(nb_url_host_path("/relative", &host, &path), NB_ERR_PARSE);
    assert_null(host);
    assert_null(path);
}

static int listed(const char *const *list, const char *phrase)
{
    for (; list && *list; list++)
        if (!strcmp(*list, phrase))
            return 1;
    return 0;
}

static void test_boilerplates(void **state)
{
    (void)state;
    const nb_body_rules *const *sites = nb_source_boilerplates();
    assert_ptr_equal(sites, nb_source_boilerplates());
    int aibase = 0, jiqizhixin = 0;
    for (const nb_body_rules *const *r = sites; *r; r++) {
        aibase |= listed((*r)->labels, "【AiBase提要：】");
        jiqizhixin |= listed((*r)->lead_prefixes, "机器之心报道");
    }
    assert_true(aibase);
    assert_true(jiqizhixin);
}

/* The summarizer sets a site's boilerplate aside only when it is handed the site's rules. */
static void test_summary_takes_site_rules(void **state)
{
    (void)state;
    const char *text = "【AiBase提要：】星河科技今天发布了新一代推理芯片启明二号，性能提升三倍。"
                       "该芯片采用全新架构，能效比上一代提高了一半，明年上半年量产。\n\n"
                       "业内人士认为，这款芯片将改变国内推理芯片市场的竞争格局。";
    nb_summary_options o = {20, 200};
    char *a = nb_summarize_extractive("星河科技发布推理芯片启明二号", text, &o);
    char *b = nb_summarize_extractive_sites("星河科技发布推理芯片启明二号", text, &o,
                                            nb_source_boilerplates());
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(strstr(a, "AiBase提要"));
    assert_null(strstr(b, "AiBase提要"));
    assert_non_null(strstr(b, "星河科技今天发布了新一代推理芯片启明二号"));
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_url),
        cmocka_unit_test(test_host_path),
        cmocka_unit_test(test_boilerplates),
        cmocka_unit_test(test_summary_takes_site_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
