/* parse/feed: RSS 2.0, Atom 1.0 and RDF entries; relative links; dates; images; hostile
 * documents. */
#include "testing.h"

#include "core/time.h"
#include "parse/parse.h"

static nb_feed *parse_file(const char *name, const char *base)
{
    size_t len;
    char *data = read_test_data(name, &len);
    nb_feed *feed = NULL;
    nb_errbuf err;
    if (nb_feed_parse(data, len, base, &feed, &err) != NB_OK)
        fail_msg("%s: %s", name, err.msg);
    free(data);
    return feed;
}

static void test_atom(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/atom-utc.xml", "https://lab.example.org/atom.xml");
    assert_string_equal(f->title, "AI 实验室博客");
    assert_int_equal(f->entry_count, 3);
    const nb_feed_entry *e = &f->entries[0];
    assert_string_equal(e->title, "多模态模型 [预览] (v2) *新* #发布\n第二行");
    assert_string_equal(e->link, "https://lab.example.org/posts/preview-v2");
    assert_string_equal(e->id, "urn:uuid:entry-1");
    assert_true(e->has_published);
    assert_int_equal(e->published, 1743991800); /* <published>, not <updated> */
    assert_string_equal(e->image, "https://img.example.org/v2.png");
    assert_non_null(strstr(e->summary_html, "<p>实验室发布了"));
    e = &f->entries[1];
    assert_string_equal(e->title, "推理 加速 三倍"); /* xhtml title reduced to text */
    assert_int_equal(e->published, 1743980400);      /* falls back to <updated> */
    assert_string_equal(e->image, "https://img.example.org/fast.jpg");
    assert_non_null(strstr(e->content_html, "<p>通过新的内核"));
    assert_null(f->entries[2].link);
    nb_feed_free(f);
}

static void test_rss(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/rss-cst.xml", "https://news.example.cn/rss");
    assert_int_equal(f->entry_count, 3);
    assert_string_equal(f->entries[0].id, "cn-1001");
    assert_int_equal(f->entries[0].published, 1743991500);
    assert_string_equal(f->entries[0].image, "https://news.example.cn/img/1001.jpg");
    assert_string_equal(f->entries[1].title, "芯片出口&监管新规");
    assert_int_equal(f->entries[1].published, 1743990000);
    assert_null(f->entries[1].id);
    assert_string_equal(f->entries[2].link, "https://news.example.cn/a/1003.html");
    assert_string_equal(f->entries[2].content_html, "<p>Body from content:encoded.</p>");
    nb_feed_free(f);
}

static void test_rdf(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/rdf.xml", NULL);
    assert_int_equal(f->entry_count, 1);
    assert_string_equal(f->entries[0].link, "https://rdf.example.com/1");
    assert_string_equal(f->title, "RDF site");
    nb_feed_free(f);
}

static void test_no_entity_expansion(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/billion-laughs.xml", NULL);
    assert_int_equal(f->entry_count, 1);
    /* Neither the nested entities nor the external file are expanded. */
    assert_true(!f->entries[0].title || strlen(f->entries[0].title) < 1000);
    assert_true(!f->entries[0].summary_html || !strstr(f->entries[0].summary_html, "root:"));
    nb_feed_free(f);
}

static void test_not_a_feed(void **state)
{
    (void)state;
    nb_feed *f = NULL;
    nb_errbuf err;
    const char *html = "<!DOCTYPE html><html><body><p>landing page</p></body></html>";
    assert_int_equal(nb_feed_parse(html, strlen(html), NULL, &f, &err), NB_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not a feed"));
    const char *json = "{\"data\": []}";
    assert_int_equal(nb_feed_parse(json, strlen(json), NULL, &f, &err), NB_ERR_PARSE);
    assert_int_equal(nb_feed_parse("", 0, NULL, &f, &err), NB_ERR_PARSE);
    const char *empty = "<rss version=\"2.0\"><channel><title>x</title></channel></rss>";
    assert_int_equal(nb_feed_parse(empty, strlen(empty), NULL, &f, &err), NB_OK);
    assert_int_equal(f->entry_count, 0);
    nb_feed_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atom),       cmocka_unit_test(test_rss),
        cmocka_unit_test(test_rdf),        cmocka_unit_test(test_no_entity_expansion),
        cmocka_unit_test(test_not_a_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
