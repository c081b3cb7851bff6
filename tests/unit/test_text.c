/* SPDX-License-Identifier: MIT */
/* parse/html and text/: plain text from HTML, UTF-8 handling, the summary cut. */
#include "testing.h"

#include "parse/parse.h"
#include "text/text.h"

static void expect(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static char *html_text(const char *html)
{
    return nb_html_to_text(html, strlen(html));
}

static void test_html_to_text(void **state)
{
    (void)state;
    expect(html_text("<p>第一段。</p><p>第二段  有   空格。</p>"), "第一段。\n\n第二段 有 空格。");
    expect(html_text("<div>a<script>var x='<p>no</p>';</script><style>p{}</style>b</div>"), "ab");
    expect(html_text("Tom &amp; Jerry&nbsp;&lt;3 <!-- hidden --> <span class=\"spamTxt\">"
                     "x</span>"),
           "Tom & Jerry <3 x");
    expect(html_text("line<br>break"), "line\n\nbreak");
    /* table cells are blocks, as in the extractor: their texts do not run together */
    expect(html_text("<table><caption>Prices</caption><tr><th>Model</th><td>GPT-5</td></tr>"
                     "</table><address>Beijing</address>"),
           "Prices\n\nModel\n\nGPT-5\n\nBeijing");
    expect(html_text(""), "");
    expect(html_text("<p>unclosed <b>bold <i>both</p> after"), "unclosed bold both\n\nafter");
}

static void test_deep_nesting_is_safe(void **state)
{
    (void)state;
    size_t depth = 20000;
    char *html = malloc(depth * 5 + 16);
    char *p = html;
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "<i>");
    strcpy(p, "deep");
    char *text = nb_html_to_text(html, strlen(html));
    assert_string_equal(text, "deep");
    free(text);
    free(html);
    /* Past the gumbo depth guard, libxml2 gives the same paragraphs and drops scripts. */
    html = malloc(1000 * 11 + 100);
    p = html;
    for (int i = 0; i < 1000; i++)
        p += sprintf(p, "<div>");
    strcpy(p, "<p>一段。</p><script>x()</script><p>二段 。</p>");
    text = nb_html_to_text(html, strlen(html));
    assert_string_equal(text, "一段。\n\n二段 。");
    free(text);
    free(html);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(nb_utf8_length("新闻简报 ok"), 7);
    assert_int_equal(nb_utf8_length(""), 0);
    assert_int_equal(nb_utf8_utf16_length("新闻😀 ok"), 7);
    assert_int_equal(nb_utf8_utf16_length("a\xff"), 2);
    expect(nb_utf8_sanitize("a\xff"
                            "b\xe4\xb8",
                            5),
           "a\xEF\xBF\xBD"
           "b\xEF\xBF\xBD\xEF\xBF\xBD");
    expect(nb_utf8_sanitize("a\0b", 3), "ab");
}

/* The one CJK table: each kind at its edges, and what is outside it. */
static void test_cjk_kinds(void **state)
{
    (void)state;
    assert_int_equal(nb_utf8_cjk(0x4E00), NB_CJK_HAN); /* 一 */
    assert_int_equal(nb_utf8_cjk(0x9FFF), NB_CJK_HAN);
    assert_int_equal(nb_utf8_cjk(0x3400), NB_CJK_HAN);   /* extension A */
    assert_int_equal(nb_utf8_cjk(0x20BB7), NB_CJK_HAN);  /* 𠮷, extension B */
    assert_int_equal(nb_utf8_cjk(0x4DC0), NB_CJK_OTHER); /* a Yijing hexagram */
    assert_int_equal(nb_utf8_cjk(0x2F00), NB_CJK_OTHER); /* a Kangxi radical */
    assert_int_equal(nb_utf8_cjk(0x3042), NB_CJK_KANA);  /* あ */
    assert_int_equal(nb_utf8_cjk(0xAC00), NB_CJK_HANGUL);
    assert_int_equal(nb_utf8_cjk(0x3002), NB_CJK_PUNCT);     /* 。 */
    assert_int_equal(nb_utf8_cjk(0xFF0C), NB_CJK_FULLWIDTH); /* ， */
    assert_int_equal(nb_utf8_cjk('A'), 0);
    assert_int_equal(nb_utf8_cjk(0x2E7F), 0);
    assert_int_equal(nb_utf8_cjk(0xA000), 0); /* Yi */
    assert_int_equal(nb_utf8_cjk(0x30000), 0);
    assert_int_equal(nb_utf8_cjk_at("中文"), NB_CJK_HAN);
    assert_int_equal(nb_utf8_cjk_at("，"), NB_CJK_FULLWIDTH);
    assert_int_equal(nb_utf8_cjk_at("abc"), 0);
    assert_int_equal(nb_utf8_cjk_at("\xE4\xB8"), 0); /* cut short by the end */
    assert_int_equal(nb_utf8_cjk_at("\xE4\x41\x41"), 0);
}

static void test_one_line(void **state)
{
    (void)state;
    expect(nb_text_one_line("第一段。\n\n第二段。"), "第一段。第二段。");
    expect(nb_text_one_line("First.\n\nSecond."), "First. Second.");
    expect(nb_text_one_line("  中文 English\t混排  "), "中文 English 混排");
    expect(nb_text_one_line("AI\n\n模型"), "AI 模型");
    expect(nb_text_one_line("高效学习。\n\nNoProp 表现优异"), "高效学习。NoProp 表现优异");
    expect(nb_text_one_line("高效学习。 NoProp"), "高效学习。 NoProp"); /* only breaks join */
    expect(nb_text_collapse_space(" 标题\n第二行\t[x] "), "标题 第二行 [x]");
}

static void test_cut(void **state)
{
    (void)state;
    expect(nb_text_cut("短句。", 200), "短句。");
    /* Cut at the last sentence end that keeps at least half. */
    expect(nb_text_cut("一二三四五。六七八九十。甲乙丙丁", 12), "一二三四五。六七八九十。");
    expect(nb_text_cut("First sentence here. Second one is longer than the cap", 30),
           "First sentence here.");
    /* No sentence end in reach: hard cut with an ellipsis, total within max. */
    char *cut = nb_text_cut("一二三四五六七八九十一二三四五六七八九十", 10);
    assert_string_equal(cut, "一二三四五六七八九…");
    assert_int_equal(nb_utf8_length(cut), 10);
    free(cut);
    /* A sentence end too early (under half) is not used. */
    expect(nb_text_cut("短。一二三四五六七八九十一二三四五六七八九十", 10), "短。一二三四五六七…");
    /* "3.5" is not a sentence end. */
    /* A hard cut never splits a word, a number or a link: it backs off to the run's start. */
    expect(nb_text_cut("Version 3.5 improves a lot of things for everyone", 20), "Version 3.5…");
    expect(nb_text_cut("The price rose to 12345.678 dollars today", 24), "The price rose to…");
    expect(nb_text_cut("详情见 https://example.com/news/2025/04/07/llama 页面", 20), "详情见…");
    expect(nb_text_cut("模型在测试中得分为 1338.5 分，超过所有同类模型和更大的模型", 14),
           "模型在测试中得分为…");
}

static void test_excerpt_summary(void **state)
{
    (void)state;
    assert_null(nb_text_excerpt_summary(NULL, 200));
    assert_null(nb_text_excerpt_summary("", 200));
    assert_null(nb_text_excerpt_summary(" \n ", 200));
    expect(nb_text_excerpt_summary("第一段。\n\n第二段。", 200), "第一段。第二段。");
    char longer[2000] = "";
    for (int i = 0; i < 40; i++)
        strcat(longer, "这是一个测试句子。");
    char *s = nb_text_excerpt_summary(longer, 200);
    assert_true(nb_utf8_length(s) <= 200);
    assert_true(nb_utf8_length(s) >= 100);
    assert_string_equal(s + strlen(s) - 3, "。");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_to_text),
        cmocka_unit_test(test_deep_nesting_is_safe),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_one_line),
        cmocka_unit_test(test_cjk_kinds),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_excerpt_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
