/* SPDX-License-Identifier: MIT */
/* parse/feed: RSS 2.0, Atom 1.0 and RDF entries; relative links; dates; images; hostile
 * documents. */
#include "testing.h"

#include "core/buf.h"
#include "core/limits.h"
#include "core/time.h"
#include "parse/parse.h"

static nb_feed *parse_file(const char *name, const char *base)
{
    size_t len;
    char *data = read_test_data(name, &len);
    nb_feed *feed = NULL;
    nb_errbuf err;
    if (nb_feed_parse(data, len, base, NULL, &feed, &err) != NB_OK)
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

/* Most feeds give their picture only as an <img> in the HTML, and their author as
 * dc:creator or atom:author. */
static void test_images_and_authors_in_entries(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/img-only-rss.xml", "https://ai.example.cn/rss");
    assert_int_equal(f->entry_count, 2);
    /* the tracking pixel is skipped, the relative src resolved */
    assert_string_equal(f->entries[0].image, "https://ai.example.cn/uploads/2001/cover.jpg");
    assert_string_equal(f->entries[0].author, "李明");
    /* content:encoded before the description; "//host" made https */
    assert_string_equal(f->entries[1].image, "https://cdn.example.cn/2002.png");
    assert_string_equal(f->entries[1].author, "王芳");
    assert_null(f->author); /* RSS: no feed-wide author */
    nb_feed_free(f);
    f = parse_file("feeds/img-only-atom.xml", "https://blog.example.org/atom.xml");
    assert_int_equal(f->entry_count, 2);
    assert_string_equal(f->entries[0].image, "https://blog.example.org/images/context.png");
    assert_string_equal(f->entries[0].author, "Ada Chen");
    assert_string_equal(f->entries[1].image, "https://blog.example.org/images/bench.jpg");
    assert_string_equal(f->entries[1].author, "Feed Team"); /* the feed's author */
    nb_feed_free(f);
    /* a media element still wins over the HTML's picture */
    f = parse_file("feeds/rss-cst.xml", "https://news.example.cn/rss");
    assert_string_equal(f->entries[0].image, "https://news.example.cn/img/1001.jpg");
    assert_null(f->entries[1].image);
    assert_null(f->entries[0].author);
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
    assert_int_equal(nb_feed_parse(html, strlen(html), NULL, NULL, &f, &err), NB_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not a feed"));
    const char *json = "{\"data\": []}";
    assert_int_equal(nb_feed_parse(json, strlen(json), NULL, NULL, &f, &err), NB_ERR_PARSE);
    assert_int_equal(nb_feed_parse("", 0, NULL, NULL, &f, &err), NB_ERR_PARSE);
    const char *empty = "<rss version=\"2.0\"><channel><title>x</title></channel></rss>";
    assert_int_equal(nb_feed_parse(empty, strlen(empty), NULL, NULL, &f, &err), NB_OK);
    assert_int_equal(f->entry_count, 0);
    nb_feed_free(f);
}

static json_t *parse_dict(const char *name, const char *content_type)
{
    size_t len;
    char *data = read_test_data(name, &len);
    json_t *headers = json_object();
    if (content_type)
        json_object_set_new(headers, "Content-Type", json_string(content_type));
    json_t *d = nb_feed_parse_dict(data, len, "https://feeds.example.org/f.xml", headers);
    json_decref(headers);
    free(data);
    return d;
}

static const char *path_str(json_t *d, const char *a, size_t i, const char *b)
{
    json_t *v = json_object_get(d, a);
    if (json_is_array(v))
        v = json_array_get(v, i);
    return json_string_value(json_object_get(v, b));
}

/* Legacy Chinese encodings: the HTTP charset decides an undeclared document; a declared
 * GB2312 is read as its superset GB18030. */
static void test_chinese_encodings(void **state)
{
    (void)state;
    json_t *d = parse_dict("feeds/gbk-undeclared.xml", "application/rss+xml; charset=GBK");
    assert_string_equal(json_string_value(json_object_get(d, "encoding")), "GBK");
    assert_false(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(path_str(d, "feed", 0, "title"), "人工智能新闻");
    assert_string_equal(path_str(d, "entries", 0, "title"), "大模型发布");
    json_decref(d);
    /* without the header the bytes are not the UTF-8 XML presumes: the statistical guess
     * reads them (GB18030), and the feed is flagged for it */
    d = parse_dict("feeds/gbk-undeclared.xml", NULL);
    assert_true(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(path_str(d, "bozo_exception", 0, "type"), "CharacterEncodingOverride");
    assert_string_equal(json_string_value(json_object_get(d, "encoding")), "GB18030");
    assert_string_equal(path_str(d, "entries", 0, "title"), "大模型发布");
    json_decref(d);
    d = parse_dict("feeds/gb2312-declared.xml", NULL);
    assert_string_equal(json_string_value(json_object_get(d, "encoding")), "gb18030");
    assert_string_equal(json_string_value(json_object_get(d, "version")), "rss091u");
    assert_string_equal(path_str(d, "entries", 0, "title"), "第十期");
    json_decref(d);
    /* text/plain is not an XML media type */
    d = parse_dict("feeds/atom03.xml", "text/plain");
    assert_string_equal(path_str(d, "bozo_exception", 0, "type"), "NonXMLContentType");
    json_decref(d);
}

/* Atom 0.3: version, base64 content, xml:base, the old date names. */
static void test_atom03(void **state)
{
    (void)state;
    json_t *d = parse_dict("feeds/atom03.xml", "application/atom+xml");
    assert_string_equal(json_string_value(json_object_get(d, "version")), "atom03");
    json_t *e = json_array_get(json_object_get(d, "entries"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "link")),
                        "https://old.example.org/posts/1");
    json_t *content = json_array_get(json_object_get(e, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(content, "value")),
                        "<p>Hello <b>world</b></p>");
    json_t *parsed = json_object_get(e, "published_parsed");
    assert_int_equal(json_integer_value(json_array_get(parsed, 0)), 2004);
    assert_int_equal(json_integer_value(json_array_get(parsed, 6)), 3); /* a Thursday */
    assert_non_null(json_object_get(json_object_get(d, "feed"), "updated_parsed"));
    json_decref(d);
}

/* JSON Feed 1.1 reaches the pipeline like any feed. */
static void test_json_feed(void **state)
{
    (void)state;
    nb_feed *f = parse_file("feeds/jsonfeed.json", "https://lab.example.org/feed.json");
    assert_string_equal(f->version, "json11");
    assert_string_equal(f->title, "实验室");
    assert_int_equal(f->entry_count, 2);
    assert_string_equal(f->entries[0].link, "https://lab.example.org/p/1");
    assert_string_equal(f->entries[0].content_html, "<p>正文</p>"); /* script removed */
    assert_string_equal(f->entries[0].image, "https://lab.example.org/img/1.png");
    assert_true(f->entries[0].has_published);
    assert_int_equal(f->entries[0].published, 1743991200);
    assert_string_equal(f->entries[1].id, "2");
    assert_string_equal(f->entries[1].content_html, "纯文本");
    nb_feed_free(f);
}

/* Ill-formed but readable: a bare '&' and an HTML entity are kept, unsafe markup goes, and
 * the feed says it was ill-formed. */
static void test_ill_formed(void **state)
{
    (void)state;
    json_t *d = parse_dict("feeds/ill-formed.xml", NULL);
    assert_true(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(path_str(d, "feed", 0, "title"), "Q&A … news");
    assert_string_equal(path_str(d, "entries", 0, "link"), "https://x.example/?a=1&b=2");
    assert_string_equal(path_str(d, "entries", 0, "summary"), "<p>Hi</p>");
    json_decref(d);
}

/* Past NB_LIMIT_FEED_ITEMS entries are read but not kept, and the count says so. */
static void test_entry_cap(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_int_equal(nb_buf_puts(&b, "<rss version=\"2.0\"><channel><title>many</title>"), NB_OK);
    for (int i = 0; i < NB_LIMIT_FEED_ITEMS + 5; i++)
        assert_int_equal(nb_buf_printf(&b, "<item><title>item %d</title></item>", i), NB_OK);
    assert_int_equal(nb_buf_puts(&b, "</channel></rss>"), NB_OK);
    json_t *d = nb_feed_parse_dict(b.data, b.len, NULL, NULL);
    json_t *entries = json_object_get(d, "entries");
    assert_int_equal(json_array_size(entries), NB_LIMIT_FEED_ITEMS);
    assert_string_equal(path_str(d, "entries", 0, "title"), "item 0");
    char last[32];
    snprintf(last, sizeof last, "item %d", NB_LIMIT_FEED_ITEMS - 1);
    assert_string_equal(path_str(d, "entries", NB_LIMIT_FEED_ITEMS - 1, "title"), last);
    assert_int_equal(json_integer_value(json_object_get(d, "entries_dropped")), 5);
    assert_string_equal(path_str(d, "feed", 0, "title"), "many");
    json_decref(d);
    nb_buf_free(&b);
}

static const char *bozo_field(json_t *d, const char *key)
{
    return json_string_value(json_object_get(json_object_get(d, "bozo_exception"), key));
}

/* One large internal entity referenced many times: the expansion stops at the cap (here
 * 10 times the document's size), the document is bozo naming the cap, and the rest of
 * the document is still read. */
static void test_entity_blowup(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_int_equal(nb_buf_puts(&b, "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY big \""),
                     NB_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(nb_buf_putc(&b, 'x'), NB_OK);
    assert_int_equal(nb_buf_puts(&b, "\">]><rss version=\"2.0\"><channel><title>t</title>"
                                     "<item><title>first</title><description>"),
                     NB_OK);
    for (int i = 0; i < 20000; i++) /* 2 GB if every reference were expanded */
        assert_int_equal(nb_buf_puts(&b, "&big;"), NB_OK);
    assert_int_equal(nb_buf_puts(&b, "</description></item><item><title>second &big;</title>"
                                     "</item></channel></rss>"),
                     NB_OK);
    json_t *d = nb_feed_parse_dict(b.data, b.len, NULL, NULL);
    assert_true(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(bozo_field(d, "type"), "EntityExpansionLimit");
    char cap[32];
    snprintf(cap, sizeof cap, "%zu bytes", 10 * b.len);
    assert_non_null(strstr(bozo_field(d, "message"), cap));
    const char *summary = path_str(d, "entries", 0, "summary");
    assert_non_null(summary);
    assert_true(strlen(summary) <= 10 * b.len && strlen(summary) >= 5 * b.len);
    assert_string_equal(path_str(d, "entries", 1, "title"), "second");
    json_decref(d);
    nb_buf_free(&b);

    /* a few references of an ordinary entity stay well within the cap */
    const char *small = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY org \"Northern Ledger "
                        "News Service\">]><rss version=\"2.0\"><channel><title>&org;</title>"
                        "<item><title>&org; &org; &org;</title></item></channel></rss>";
    d = nb_feed_parse_dict(small, strlen(small), NULL, NULL);
    assert_false(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(path_str(d, "entries", 0, "title"),
                        "Northern Ledger News Service Northern Ledger News Service Northern "
                        "Ledger News Service");
    json_decref(d);
}

/* Many small entities, each declared and used: read in linear time (looked up by hash),
 * and past NB_LIMIT_FEED_ENTITIES the declarations are left out, the document bozo. */
static void test_many_small_entities(void **state)
{
    (void)state;
    for (int over = 0; over < 2; over++) {
        int count = over ? NB_LIMIT_FEED_ENTITIES + 50 : NB_LIMIT_FEED_ENTITIES / 2;
        nb_buf b;
        nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
        assert_int_equal(nb_buf_puts(&b, "<?xml version=\"1.0\"?><!DOCTYPE rss ["), NB_OK);
        for (int i = 0; i < count; i++)
            assert_int_equal(nb_buf_printf(&b, "<!ENTITY e%d \"v%d \">", i, i), NB_OK);
        assert_int_equal(nb_buf_puts(&b, "]><rss version=\"2.0\"><channel><title>t</title>"
                                         "<item><title>x</title><description>"),
                         NB_OK);
        for (int i = 0; i < count; i++)
            assert_int_equal(nb_buf_printf(&b, "&e%d;", i), NB_OK);
        assert_int_equal(nb_buf_puts(&b, "</description></item></channel></rss>"), NB_OK);
        json_t *d = nb_feed_parse_dict(b.data, b.len, NULL, NULL);
        const char *summary = path_str(d, "entries", 0, "summary");
        assert_non_null(summary);
        assert_true(strncmp(summary, "v0 v1 v2 ", 9) == 0);
        char last[32];
        snprintf(last, sizeof last, " v%d", NB_LIMIT_FEED_ENTITIES - 1);
        if (!over) {
            assert_false(json_is_true(json_object_get(d, "bozo")));
            snprintf(last, sizeof last, " v%d", count - 1); /* the end: no space after */
            assert_non_null(strstr(summary, last));
        } else {
            assert_true(json_is_true(json_object_get(d, "bozo")));
            assert_string_equal(bozo_field(d, "type"), "EntityExpansionLimit");
            char cap[32];
            snprintf(cap, sizeof cap, "%d entities", NB_LIMIT_FEED_ENTITIES);
            assert_non_null(strstr(bozo_field(d, "message"), cap));
            assert_non_null(strstr(summary, last)); /* the last one within the cap */
            snprintf(last, sizeof last, " v%d", NB_LIMIT_FEED_ENTITIES);
            assert_null(strstr(summary, last));
        }
        json_decref(d);
        nb_buf_free(&b);
    }
}

/* The text of one element is capped (the document's own size is the caller's cap). */
static void test_element_text_cap(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_int_equal(nb_buf_puts(&b, "<rss version=\"2.0\"><channel><title>t</title>"
                                     "<item><title>x</title><description>"),
                     NB_OK);
    char chunk[1024];
    memset(chunk, 'y', sizeof chunk);
    for (size_t i = 0; i <= NB_LIMIT_FEED_TEXT_BYTES / sizeof chunk; i++)
        assert_int_equal(nb_buf_append(&b, chunk, sizeof chunk), NB_OK);
    assert_int_equal(nb_buf_puts(&b, "</description></item><item><title>after</title></item>"
                                     "</channel></rss>"),
                     NB_OK);
    json_t *d = nb_feed_parse_dict(b.data, b.len, NULL, NULL);
    assert_true(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(bozo_field(d, "type"), "TextLimit");
    assert_non_null(strstr(bozo_field(d, "message"), "16 MB"));
    assert_true(strlen(path_str(d, "entries", 0, "summary")) <= NB_LIMIT_FEED_TEXT_BYTES);
    assert_string_equal(path_str(d, "entries", 1, "title"), "after");
    json_decref(d);
    nb_buf_free(&b);
}

/* An attribute whose value libxml2's recovery ends inside a character (an undefined
 * entity's replacement cut after its first byte) is repaired, the stray byte becoming
 * U+FFFD, rather than dropped: an xml:base built that way in a Latin-1 document is the
 * base of what the element holds, and the whole result still serializes. */
static void test_attribute_cut_in_a_character(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://a.example/&mdash;x/\">"
        "<title>T</title><entry><title>e</title></entry></feed>";
    json_t *d = nb_feed_parse_dict(doc, sizeof doc - 1, "https://feeds.example.org/f.xml", NULL);
    assert_true(json_is_true(json_object_get(d, "bozo")));
    assert_string_equal(path_str(d, "feed", 0, "title"), "T");
    const char *repaired = "http://a.example/\xEF\xBF\xBDx/";
    json_t *detail = json_object_get(json_object_get(d, "feed"), "title_detail");
    assert_string_equal(json_string_value(json_object_get(detail, "base")), repaired);
    json_t *entry = json_array_get(json_object_get(d, "entries"), 0);
    detail = json_object_get(entry, "title_detail");
    assert_string_equal(json_string_value(json_object_get(detail, "base")), repaired);
    char *text = json_dumps(d, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    json_decref(d);

    /* the fuzzer's document: the value is kept, repaired, on an unknown element */
    static const char seed[] = "<f base=\"http:/&mdash;<m base=\"";
    d = nb_feed_parse_dict(seed, sizeof seed - 1, NULL, NULL);
    json_t *f = json_object_get(json_object_get(d, "feed"), "f");
    assert_string_equal(json_string_value(json_object_get(f, "base")), "http:/\xEF\xBF\xBD");
    text = json_dumps(d, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atom),
        cmocka_unit_test(test_rss),
        cmocka_unit_test(test_images_and_authors_in_entries),
        cmocka_unit_test(test_rdf),
        cmocka_unit_test(test_no_entity_expansion),
        cmocka_unit_test(test_not_a_feed),
        cmocka_unit_test(test_chinese_encodings),
        cmocka_unit_test(test_atom03),
        cmocka_unit_test(test_json_feed),
        cmocka_unit_test(test_ill_formed),
        cmocka_unit_test(test_entry_cap),
        cmocka_unit_test(test_entity_blowup),
        cmocka_unit_test(test_many_small_entities),
        cmocka_unit_test(test_element_text_cap),
        cmocka_unit_test(test_attribute_cut_in_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
