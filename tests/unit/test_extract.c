/* SPDX-License-Identifier: MIT */
/* parse/charset detection, parse/dom, parse/select and parse/extract: a page's charset
 * from its declarations or by detection, one tree from either parser with the input
 * guards, the selector subset, and articles found on real-shaped pages. */
#include "testing.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "parse/parse.h"

static nb_article *extract_file(const char *name, const char *url, const nb_extract_opts *o)
{
    size_t len;
    char *page = read_test_data(name, &len);
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    nb_err rc = nb_extract(page, len, url, NULL, o, &a, &err);
    if (rc)
        fail_msg("%s: %s", name, err.msg);
    free(page);
    return a;
}

static void test_detect_declared(void **state)
{
    (void)state;
    const char *latin = "<html><head><meta charset=\"windows-1252\"></head><p>caf\xE9</p>";
    assert_string_equal(nb_charset_detect(latin, strlen(latin), NULL), "WINDOWS-1252");
    const char *equiv = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
                        "<p>\xD0\xC2\xCE\xC5</p>";
    assert_string_equal(nb_charset_detect(equiv, strlen(equiv), NULL), "GB18030");
    /* the HTTP header wins over the page */
    assert_string_equal(nb_charset_detect(equiv, strlen(equiv), "text/html; charset=Big5"),
                        "BIG5-HKSCS");
    /* a byte order mark wins over everything */
    assert_string_equal(nb_charset_detect("\xFF\xFE<\0p\0", 6, "text/html; charset=gbk"),
                        "UTF-16LE");
    /* text that is valid UTF-8 is UTF-8 whatever its label */
    const char *mislabeled = "<meta charset=\"gbk\"><p>\xE6\x96\xB0\xE9\x97\xBB</p>";
    assert_string_equal(nb_charset_detect(mislabeled, strlen(mislabeled), NULL), "UTF-8");
    size_t n;
    const char *cs;
    char *s = nb_charset_page_to_utf8("\xEF\xBB\xBFhi", 5, NULL, &n, &cs);
    assert_string_equal(s, "hi");
    assert_string_equal(cs, "UTF-8");
    free(s);
}

static void test_detect_undeclared_chinese(void **state)
{
    (void)state;
    size_t len;
    char *page = read_test_data("sites/articles/zh-gbk.html", &len);
    assert_string_equal(nb_charset_detect(page, len, NULL), "GB18030");
    /* a server that says UTF-8 about GBK bytes is not believed */
    assert_string_equal(nb_charset_detect(page, len, "text/html; charset=utf-8"), "GB18030");
    char *utf8 = nb_charset_page_to_utf8(page, len, NULL, NULL, NULL);
    assert_non_null(strstr(utf8, "城市地铁九号线于今天上午六点正式开通运营"));
    free(utf8);
    free(page);
    page = read_test_data("sites/articles/zh-big5.html", &len);
    utf8 = nb_charset_page_to_utf8(page, len, NULL, NULL, NULL);
    assert_non_null(strstr(utf8, "山區小學的圖書館計畫"));
    free(utf8);
    free(page);
}

static void test_dom_guards(void **state)
{
    (void)state;
    nb_hdoc *doc = NULL;
    nb_errbuf err = {{0}};
    /* BOM skipped, invalid UTF-8 replaced */
    const char *bad = "\xEF\xBB\xBF<p id=x>a\xFF"
                      "b</p>";
    assert_int_equal(nb_hdoc_parse(bad, strlen(bad), &doc, &err), NB_OK);
    assert_false(doc->deep);
    nb_hnode *p = NULL;
    for (nb_hnode *n = doc->root; n; n = nb_hnode_next(n, doc->root, 0))
        if (n->name && strcmp(n->name, "p") == 0)
            p = n;
    assert_non_null(p);
    assert_string_equal(nb_hnode_attr(p, "id"), "x");
    assert_string_equal(p->first->text, "a\xEF\xBF\xBD"
                                        "b");
    nb_hdoc_free(doc);

    /* a deep page goes to libxml2 and keeps its innermost text */
    size_t depth = 2000, len = depth * 11 + 64;
    char *deep = malloc(len);
    size_t o = 0;
    for (size_t i = 0; i < depth; i++)
        o += (size_t)snprintf(deep + o, len - o, "<div>");
    o += (size_t)snprintf(deep + o, len - o, "inner");
    for (size_t i = 0; i < depth; i++)
        o += (size_t)snprintf(deep + o, len - o, "</div>");
    assert_int_equal(nb_hdoc_parse(deep, o, &doc, &err), NB_OK);
    assert_true(doc->deep);
    const char *found = NULL;
    size_t levels = 0;
    for (nb_hnode *n = doc->root; n; n = nb_hnode_next(n, doc->root, 0))
        if (n->text && strcmp(n->text, "inner") == 0) {
            found = n->text;
            for (nb_hnode *a = n->parent; a; a = a->parent)
                levels++;
        }
    assert_non_null(found);
    assert_true(levels > depth);
    nb_hdoc_free(doc);
    free(deep);

    /* too many attributes on one tag: those past the cap are left out, the page goes on */
    len = 60000;
    char *attrs = malloc(len);
    o = (size_t)snprintf(attrs, len, "<div id=first");
    for (int i = 0; i < 2000; i++)
        o += (size_t)snprintf(attrs + o, len - o, " a%d='v >%d'", i, i);
    o += (size_t)snprintf(attrs + o, len - o, "><p>Text after the tag.</p></div>");
    assert_int_equal(nb_hdoc_parse(attrs, o, &doc, &err), NB_OK);
    assert_int_equal(doc->attr_cut.tags, 1);
    assert_int_equal(doc->attr_cut.most, 2001);
    assert_int_equal(doc->attr_cut.dropped, 2001 - NB_LIMIT_HTML_ATTRS);
    nb_hnode *div = NULL;
    for (nb_hnode *n = doc->root; n && !div; n = nb_hnode_next(n, doc->root, 0))
        if (n->name && strcmp(n->name, "div") == 0)
            div = n;
    assert_non_null(div);
    assert_int_equal(div->attr_count, NB_LIMIT_HTML_ATTRS);
    assert_string_equal(nb_hnode_attr(div, "id"), "first");
    assert_string_equal(nb_hnode_attr(div, "a510"), "v >510"); /* quoted '>' inside */
    assert_null(nb_hnode_attr(div, "a511"));
    nb_hdoc_free(doc);
    /* the plain-text and image paths read the same page */
    char *text = nb_html_to_text(attrs, o);
    assert_string_equal(text, "Text after the tag.");
    free(text);
    /* the rewrite alone: a copy only when a tag is over the cap */
    size_t capped_len;
    nb_attr_cut cuts;
    char *capped = nb_html_cap_attrs(attrs, o, &capped_len, &cuts);
    assert_non_null(capped);
    assert_int_equal(cuts.dropped, 2001 - NB_LIMIT_HTML_ATTRS);
    assert_non_null(strstr(capped, "a510='v >510' >"));
    assert_non_null(strstr(capped, "><p>Text after the tag.</p></div>"));
    free(capped);
    assert_null(nb_html_cap_attrs("<p a b c>x</p>", 14, &capped_len, &cuts));
    free(attrs);
    /* end tags are tokenized with attributes too; script text is not a tag */
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_int_equal(nb_buf_puts(&b, "<script>var s = '<b"), NB_OK);
    for (int i = 0; i < 600; i++)
        assert_int_equal(nb_buf_printf(&b, " s%d", i), NB_OK);
    assert_int_equal(nb_buf_puts(&b, ">';</script><p>x</p"), NB_OK);
    for (int i = 0; i < 600; i++)
        assert_int_equal(nb_buf_printf(&b, " e%d", i), NB_OK);
    assert_int_equal(nb_buf_puts(&b, ">"), NB_OK);
    capped = nb_html_cap_attrs(b.data, b.len, &capped_len, &cuts);
    assert_non_null(capped);
    assert_int_equal(cuts.tags, 1);
    assert_int_equal(cuts.dropped, 600 - NB_LIMIT_HTML_ATTRS);
    assert_non_null(strstr(capped, " s599>"));
    assert_non_null(strstr(capped, " e511 >"));
    assert_null(strstr(capped, " e512"));
    free(capped);
    nb_buf_free(&b);
}

/* A real page's broken markup spills text into a tag: the article is still found, with a
 * warning naming what was left out. */
static void test_attribute_cap_article(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_int_equal(nb_buf_puts(&b, "<html><head><title>Spilled markup</title></head><body>"
                                     "<article><div class=body"),
                     NB_OK);
    for (int i = 0; i < 3965; i++) /* and the class: 3966 */
        assert_int_equal(nb_buf_printf(&b, " word%d", i), NB_OK);
    assert_int_equal(nb_buf_puts(&b, ">"), NB_OK);
    for (int i = 0; i < 8; i++)
        assert_int_equal(nb_buf_puts(&b, "<p>The council approved the harbour plan on Monday, "
                                         "after a debate that lasted most of the evening.</p>"),
                         NB_OK);
    assert_int_equal(nb_buf_puts(&b, "</div></article></body></html>"), NB_OK);
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    assert_int_equal(nb_extract(b.data, b.len, "https://example.org/a", NULL, NULL, &a, &err),
                     NB_OK);
    assert_non_null(strstr(a->text, "The council approved the harbour plan"));
    assert_non_null(a->warning);
    assert_non_null(strstr(a->warning, "3454 attributes past the cap of 512"));
    assert_non_null(strstr(a->warning, "3966"));
    nb_article_free(a);
    /* an ordinary page has no warning */
    a = extract_file("sites/articles/en-news.html", "https://ledger.example/a/7", NULL);
    assert_null(a->warning);
    nb_article_free(a);
    nb_buf_free(&b);
}

static void test_selectors(void **state)
{
    (void)state;
    const char *html = "<body><div id=main class='post wide'><h2 class=t>T</h2>"
                       "<div class=body><p data-x=1>one</p><section><p>two</p></section></div>"
                       "</div><p class=t>out</p></body>";
    nb_hdoc *doc = NULL;
    nb_errbuf err = {{0}};
    assert_int_equal(nb_hdoc_parse(html, strlen(html), &doc, &err), NB_OK);
    struct {
        const char *sel;
        int matches; /* elements matched in the page */
    } cases[] = {
        {"p", 3},          {"div.body p", 2}, {"div.body > p", 1}, {"#main .t", 1},
        {".post.wide", 1}, {"[data-x]", 1},   {"p[data-x=1]", 1},  {"p[data-x=\"2\"]", 0},
        {"h2, p.t", 2},    {"body > p", 1},   {"section p", 1},    {"* > section > p", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_selector *sel = NULL;
        assert_int_equal(nb_selector_compile(cases[i].sel, &sel, &err), NB_OK);
        int count = 0;
        for (nb_hnode *n = doc->root; n; n = nb_hnode_next(n, doc->root, 0))
            if (n->name && nb_selector_matches(sel, n))
                count++;
        if (count != cases[i].matches)
            fail_msg("%s: %d matches, want %d", cases[i].sel, count, cases[i].matches);
        nb_selector_free(sel);
    }
    /* a deep page and a selector that backtracks: the budget runs out, nothing matches */
    size_t depth = 50000, len = depth * 11 + 16, o = 0;
    char *deep = malloc(len);
    for (size_t i = 0; i < depth; i++)
        o += (size_t)snprintf(deep + o, len - o, "<div>");
    o += (size_t)snprintf(deep + o, len - o, "x");
    nb_hdoc *deep_doc = NULL;
    assert_int_equal(nb_hdoc_parse(deep, o, &deep_doc, &err), NB_OK);
    nb_selector *slow = NULL;
    assert_int_equal(nb_selector_compile("span div div div", &slow, &err), NB_OK);
    assert_null(nb_selector_first(slow, deep_doc->root));
    assert_true(nb_selector_exhausted(slow));
    nb_selector_free(slow);
    assert_int_equal(nb_selector_compile("div > div > div", &slow, &err), NB_OK);
    assert_non_null(nb_selector_first(slow, deep_doc->root));
    assert_false(nb_selector_exhausted(slow));
    nb_selector_free(slow);
    nb_hdoc_free(deep_doc);
    free(deep);

    const char *bad[] = {"",       "div >",   ", p", "p:first-child",
                         "a[href", "div ~ p", "##x", "</a> | <a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nb_selector *sel = NULL;
        if (nb_selector_compile(bad[i], &sel, &err) != NB_ERR_CONFIG)
            fail_msg("\"%s\" compiled", bad[i]);
        assert_null(sel);
        assert_non_null(strstr(err.msg, "selector"));
    }
    nb_hdoc_free(doc);
}

static void test_english_article(void **state)
{
    (void)state;
    nb_article *a = extract_file("sites/articles/en-news.html", "https://ledger.example/a/7", NULL);
    assert_string_equal(a->title, "Tidal power plant opens on the Orkney coast");
    assert_string_equal(a->byline, "Jane Doe, Ravi Patel");
    assert_string_equal(a->site_name, "Northern Ledger");
    assert_string_equal(a->published, "2025-04-07T09:30:00+01:00");
    assert_string_equal(a->lang, "en-GB");
    assert_string_equal(a->image, "https://ledger.example/media/turbine-large.jpg");
    assert_true(a->readerable);
    assert_non_null(strstr(a->text, "A tidal array off the Orkney coast began sending"));
    assert_non_null(strstr(a->text, "if a new round of price support goes ahead later this year."));
    assert_non_null(strstr(a->text, "delays.\n\nThe four turbines"));
    const char *noise[] = {"Most read",       "Ferry timetable",     "Comments (2)", "Great news",
                           "Share on social", "All rights reserved", "Sport",        "tracking",
                           "Advertisement",   "ADVERTISEMENT"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
        if (strstr(a->text, noise[i]))
            fail_msg("\"%s\" in the article text", noise[i]);
    nb_article_free(a);
}

static void test_chinese_article(void **state)
{
    (void)state;
    nb_article *a = extract_file("sites/articles/zh-gbk.html", NULL, NULL);
    assert_string_equal(a->charset, "GB18030");
    assert_string_equal(a->published, "2025-04-07T13:22:00+08:00");
    /* the <title>'s "_本地新闻_晨报网" is not part of the headline */
    assert_string_equal(a->title, "城市地铁新线今日开通 早高峰客流平稳");
    assert_null(strstr(a->text, "早高峰客流平稳")); /* the <h1> is the title, not the text */
    assert_non_null(strstr(a->text, "经过五年建设，城市地铁九号线"));
    assert_non_null(strstr(a->text, "方便市民“最后一公里”出行。"));
    const char *noise[] = {"相关阅读", "地铁十号线进入试运行阶段", "热门排行", "版权所有", "财经"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
        if (strstr(a->text, noise[i]))
            fail_msg("\"%s\" in the article text", noise[i]);
    nb_article_free(a);
    a = extract_file("sites/articles/zh-big5.html", NULL, NULL);
    assert_string_equal(a->published, "2025-04-07T09:15:00+08:00");
    assert_non_null(strstr(a->text, "讓更多人享受閱讀的樂趣。"));
    assert_null(strstr(a->text, "熱門文章"));
    nb_article_free(a);
}

/* Furniture around and inside the article: every paragraph of the story stays, none of
 * the page's boxes, notices, credits and lists do. */
static void check_furniture(const char *name, const char *const *keep, size_t nkeep,
                            const char *const *drop, size_t ndrop)
{
    nb_article *a = extract_file(name, "https://example.com/a/1", NULL);
    for (size_t i = 0; i < nkeep; i++)
        if (!strstr(a->text, keep[i]))
            fail_msg("%s: \"%s\" missing from the article text", name, keep[i]);
    for (size_t i = 0; i < ndrop; i++)
        if (strstr(a->text, drop[i]))
            fail_msg("%s: \"%s\" in the article text", name, drop[i]);
    nb_article_free(a);
}

static void test_furniture_english(void **state)
{
    (void)state;
    const char *keep[] = {
        "The freight line between the quarry at Brackley", "most of the money coming from",
        "Residents of the villages along the A49", "the trains are quieter than the lorries",
        "leaves room for a passenger service later."};
    const char *drop[] = {"cookies",          "Facebook",      "Photograph:",   "Read more",
                          "Valley bridges",   "Sign up",       "inbox",         "Image credit",
                          "continue reading", "free articles", "correspondent", "Recommended",
                          "Bus routes",       "Comments",      "potholes",      "More from",
                          "Harbour dredging"};
    check_furniture("sites/articles/en-furniture.html", keep, sizeof keep / sizeof *keep, drop,
                    sizeof drop / sizeof *drop);
}

static void test_furniture_chinese(void **state)
{
    (void)state;
    const char *keep[] = {"某人工智能公司今天上午发布了新一代大语言模型",
                          "每次推理只激活其中一小部分参数。", "该模型已于2024年3月1日开始内部测试",
                          "数据安全和内容可靠性仍是企业最关心的问题。"};
    const char *drop[] = {
        "原标题",   "图片来源",       "视觉中国", "点击查看", "扫码关注",
        "来源：",   "责任编辑",       "免责声明", "相关阅读", "多家公司发布开源模型",
        "推荐阅读", "新能源汽车销量", "首页",     "延伸阅读", "算力租赁价格"};
    check_furniture("sites/articles/zh-furniture.html", keep, sizeof keep / sizeof *keep, drop,
                    sizeof drop / sizeof *drop);
}

/* The labelled pages (sites/labelled/<name>.html beside the text a reader would keep,
 * <name>.txt): every paragraph of the story is in the text, and little else is (the
 * pictures' captions stay, so a page may keep a few words more). tests/e2e/labelled.py
 * scores the same pages by shingles. */
static void test_labelled_pages(void **state)
{
    (void)state;
    static const char *const pages[] = {"en-blog-comments", "en-magazine", "en-news-cards",
                                        "en-wire",          "zh-finance",  "zh-flat-siblings",
                                        "zh-portal",        "zh-tech-blog"};
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        char html[128], txt[128];
        snprintf(html, sizeof html, "sites/labelled/%s.html", pages[i]);
        snprintf(txt, sizeof txt, "sites/labelled/%s.txt", pages[i]);
        size_t want_len;
        char *want = read_test_data(txt, &want_len);
        nb_article *a = extract_file(html, "https://example.com/articles/1", NULL);
        size_t paragraphs = 0;
        for (char *p = want; p && *p;) {
            char *end = strstr(p, "\n\n");
            if (end)
                *end = '\0';
            p[strcspn(p, "\n")] = '\0';
            if (*p && !strstr(a->text, p))
                fail_msg("%s: \"%s\" missing from the article text", pages[i], p);
            paragraphs++;
            p = end ? end + 2 : NULL;
        }
        if (paragraphs < 3 || strlen(a->text) > want_len + want_len / 10)
            fail_msg("%s: %zu bytes of text where the story has %zu:\n%s", pages[i],
                     strlen(a->text), want_len, a->text);
        nb_article_free(a);
        free(want);
    }
}

static nb_article *extract_string(const char *page)
{
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    if (nb_extract(page, strlen(page), NULL, NULL, NULL, &a, &err))
        fail_msg("%s", err.msg);
    return a;
}

/* A Chinese news page: a header with the page's info line far from the article body,
 * then the body, whose own text names other dates and reporters. */
static char *cn_page(const char *head, const char *lead_line)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_BODY_BYTES);
    int rc = nb_buf_printf(
        &b,
        "<html lang=zh-CN><head>%s</head><body><div class=top><div class=bar>"
        "<h1>某市发布人工智能产业新政</h1><div>%s</div></div></div>"
        "<div class=frame><div class=col><div class=box>%s"
        "<p>某市今天发布支持人工智能产业发展的若干措施，对在本地设立研发中心的企业给予最高一千万元"
        "的资金支持，并在算力、人才和数据开放等方面提供便利。</p>"
        "<p>记者了解到，这是该市继2023年6月1日出台首批措施之后的又一次加码，新政自2025年5月1日起"
        "施行，有效期三年，此前的措施同时废止。</p>"
        "<p>市科技部门负责人表示，新政将重点支持大模型、智能制造和自动驾驶等方向，预计三年内带动"
        "相关产业投资超过五百亿元。</p></div><div class=side><a href=/a/1>更多新闻</a></div></div>"
        "<div class=right><a href=/a/2>热点</a></div></div></body></html>",
        strstr(head, "<meta") ? head : "", strstr(head, "<meta") ? "" : head, lead_line);
    assert_int_equal(rc, 0);
    char *s = strdup(nb_buf_str(&b));
    nb_buf_free(&b);
    return s;
}

static void check_cn_meta(const char *head, const char *lead_line, const char *byline,
                          const char *published)
{
    char *page = cn_page(head, lead_line);
    nb_article *a = extract_string(page);
    if (byline && (!a->byline || strcmp(a->byline, byline) != 0))
        fail_msg("byline %s, want %s, on %s|%s", a->byline ? a->byline : "(null)", byline, head,
                 lead_line);
    if (!byline && a->byline)
        fail_msg("byline %s, want none, on %s|%s", a->byline, head, lead_line);
    if (published && (!a->published || strcmp(a->published, published) != 0))
        fail_msg("published %s, want %s, on %s|%s", a->published ? a->published : "(null)",
                 published, head, lead_line);
    assert_non_null(strstr(a->text, "某市今天发布支持人工智能产业发展的若干措施"));
    assert_non_null(strstr(a->text, "预计三年内带动相关产业投资超过五百亿元。"));
    if (*lead_line && strstr(a->text, "李明"))
        fail_msg("the byline line is still in the text: %s", a->text);
    nb_article_free(a);
    free(page);
}

static void test_chinese_metadata(void **state)
{
    (void)state;
    /* bylines: each label, in the header or as the body's first line */
    check_cn_meta("<meta name=\"author\" content=\"李明\">", "", "李明", NULL);
    check_cn_meta("2025-04-07 13:22:01　作者：李明　来源：晨报网", "", "李明",
                  "2025-04-07T13:22:01+08:00");
    check_cn_meta("", "<p>文/李明</p>", "李明", NULL);
    check_cn_meta("", "<p>本报记者 李明</p>", "李明", NULL);
    check_cn_meta("", "<p>记者　李明　王芳</p>", "李明", NULL);
    check_cn_meta("来源：晨报网　编辑：李明", "", "李明", NULL);
    /* the page editor is not the author; "记者了解到" in the text names nobody */
    check_cn_meta("责任编辑：王芳", "", NULL, NULL);
    check_cn_meta("", "", NULL, NULL);
    /* times: the page's, in each visible pattern, over the dates in the text */
    check_cn_meta("2025年04月07日 13:22　来源：晨报网", "", NULL, "2025-04-07T13:22:00+08:00");
    check_cn_meta("<span>发布时间：</span><span>2025-04-07 13:22</span>", "", NULL,
                  "2025-04-07T13:22:00+08:00");
    check_cn_meta("来源：新华社　2025-04-07", "", NULL, "2025-04-07");
    check_cn_meta("作者：李明", "<p>2025-04-07 09:15</p>", "李明", "2025-04-07T09:15:00+08:00");
    /* with no date on the page, the text's first date is the last resort */
    check_cn_meta("", "", NULL, "2023-06-01");
}

static void test_site_selectors(void **state)
{
    (void)state;
    nb_extract_opts o = {
        .content = ".story-body > p", .title = "article h1", .time = "time", .image = "figure img"};
    nb_article *a = extract_file("sites/articles/en-news.html", "https://ledger.example/a/7", &o);
    assert_string_equal(a->title, "Tidal power plant opens on the Orkney coast");
    assert_string_equal(a->published, "2025-04-07T09:30:00+01:00");
    assert_string_equal(a->image, "https://ledger.example/media/turbine.jpg");
    assert_true(strncmp(a->text, "A tidal array", 13) == 0);
    assert_null(strstr(a->text, "Share on social"));
    assert_null(strstr(a->text, "first turbine was lowered")); /* the caption is not a p */
    nb_article_free(a);

    nb_extract_opts broken = {.content = "div:nth-child(2)"};
    size_t len;
    char *page = read_test_data("sites/articles/en-news.html", &len);
    nb_errbuf err = {{0}};
    assert_int_equal(nb_extract(page, len, NULL, NULL, &broken, &a, &err), NB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "div:nth-child(2)"));
    free(page);
}

static void test_metadata_sources(void **state)
{
    (void)state;
    /* OpenGraph and <meta> without JSON-LD; a " | Site" suffix on <title> */
    const char *page =
        "<html lang=fr dir=ltr><head><title>Une étude sur les abeilles | Le Journal</title>"
        "<meta property=\"og:site_name\" content=\"Le Journal\">"
        "<meta property=\"article:published_time\" content=\"2025-04-06T18:00:00Z\">"
        "<meta name=\"author\" content=\"Marie Curie &amp; Co\"></head><body>"
        "<div class=article><p>Les abeilles sauvages reculent dans les plaines agricoles, selon "
        "une étude publiée cette semaine, qui a suivi quarante sites pendant dix ans.</p>"
        "<p>Les auteurs recommandent de garder des haies et des bandes fleuries au bord des "
        "champs, une mesure simple et peu coûteuse pour les exploitants.</p></div></body></html>";
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    assert_int_equal(nb_extract(page, strlen(page), NULL, NULL, NULL, &a, &err), NB_OK);
    assert_string_equal(a->title, "Une étude sur les abeilles");
    assert_string_equal(a->site_name, "Le Journal");
    assert_string_equal(a->byline, "Marie Curie & Co");
    assert_string_equal(a->published, "2025-04-06T18:00:00Z");
    assert_string_equal(a->lang, "fr");
    assert_string_equal(a->dir, "ltr");
    assert_non_null(strstr(a->text, "bandes fleuries"));
    nb_article_free(a);

    /* no metadata: a date in the visible text, a byline from the page */
    const char *bare = "<html><body><div class=main><h1>新模型发布</h1>"
                       "<span class=author>作者：张三</span><span>发布时间：2025-03-31 08:05</span>"
                       "<p>某实验室今天发布了新一代语言模型，在多项测试中表现优于上一代，"
                       "推理速度提高了一倍。</p></div></body></html>";
    assert_int_equal(nb_extract(bare, strlen(bare), NULL, NULL, NULL, &a, &err), NB_OK);
    assert_string_equal(a->published, "2025-03-31T08:05:00+08:00");
    assert_string_equal(a->byline, "张三"); /* the label is not part of the name */
    assert_non_null(strstr(a->text, "推理速度提高了一倍"));
    nb_article_free(a);
    const char *seconds =
        "<html lang=zh-CN><body><div>来源：新华社 2025年04月07日13:22:05</div>"
        "<div><p>记者从有关部门获悉，新的管理办法将于下月起施行，涉及多个行业。</p>"
        "</div></body></html>";
    assert_int_equal(nb_extract(seconds, strlen(seconds), NULL, NULL, NULL, &a, &err), NB_OK);
    assert_string_equal(a->published, "2025-04-07T13:22:05+08:00");
    assert_non_null(strstr(a->text, "新的管理办法将于下月起施行"));
    nb_article_free(a);
}

static void test_breaks_and_xhtml(void **state)
{
    (void)state;
    const char *brs = "<html xml:lang=\"de\"><body>Erster Absatz der Meldung, mit Kommas, und "
                      "genug Worten.<br><br>Zweiter Absatz, ebenfalls lang genug, mit Kommas."
                      "<br>Eine Zeile darunter.</body></html>";
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    assert_int_equal(nb_extract(brs, strlen(brs), NULL, NULL, NULL, &a, &err), NB_OK);
    assert_string_equal(a->lang, "de");
    assert_non_null(strstr(a->text, "Worten.\n\nZweiter Absatz"));
    assert_non_null(strstr(a->text, "Kommas.\nEine Zeile"));
    nb_article_free(a);
}

static void test_empty_and_garbage(void **state)
{
    (void)state;
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    assert_int_equal(nb_extract("", 0, NULL, NULL, NULL, &a, &err), NB_OK);
    assert_string_equal(a->text, "");
    assert_null(a->title);
    nb_article_free(a);
    const char junk[] = "\x00\x01<<<>>>&#xFFFFFF;&&<a<b<c</>\xFE\xFF";
    assert_int_equal(nb_extract(junk, sizeof junk - 1, "not a url", NULL, NULL, &a, &err), NB_OK);
    assert_non_null(a->text);
    nb_article_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_declared),   cmocka_unit_test(test_detect_undeclared_chinese),
        cmocka_unit_test(test_dom_guards),        cmocka_unit_test(test_attribute_cap_article),
        cmocka_unit_test(test_selectors),         cmocka_unit_test(test_english_article),
        cmocka_unit_test(test_chinese_article),   cmocka_unit_test(test_furniture_english),
        cmocka_unit_test(test_furniture_chinese), cmocka_unit_test(test_chinese_metadata),
        cmocka_unit_test(test_labelled_pages),    cmocka_unit_test(test_site_selectors),
        cmocka_unit_test(test_metadata_sources),  cmocka_unit_test(test_breaks_and_xhtml),
        cmocka_unit_test(test_empty_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
