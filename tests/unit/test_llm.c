/* SPDX-License-Identifier: MIT */
/* llm/: prompt rendering, the token budget, reply cleaning and validation. */
#include "testing.h"

#include "llm/llm.h"
#include "text/text.h"

static void expect(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_render_prompt(void **state)
{
    (void)state;
    nb_prompt_vars v = {.title = "标题",
                        .content = "正文",
                        .source = "aibase",
                        .language = "zh",
                        .min_chars = 100,
                        .max_chars = 200};
    expect(nb_llm_render_prompt("{source}:{title}|{content}|{min_chars}-{max_chars} {language} "
                                "{unknown}",
                                &v),
           "aibase:标题|正文|100-200 简体中文 {unknown}");
    v.language = "en";
    expect(nb_llm_render_prompt("in {language}", &v), "in English");
    char *zh = nb_llm_render_prompt(nb_llm_default_user_prompt("zh"), &v);
    assert_non_null(strstr(zh, "标题"));
    assert_non_null(strstr(zh, "正文"));
    assert_non_null(strstr(zh, "100到200"));
    free(zh);
}

static void test_budget(void **state)
{
    (void)state;
    expect(nb_llm_cut_to_budget("短文。", 100), "短文。");
    /* three paragraphs of 10 CJK characters: a budget of 25 keeps two */
    expect(nb_llm_cut_to_budget(
               "一二三四五六七八九十\n\n一二三四五六七八九十\n\n一二三四五六七八九十", 25),
           "一二三四五六七八九十\n\n一二三四五六七八九十");
    /* English: about four bytes a token */
    char *cut = nb_llm_cut_to_budget("aaaa bbbb cccc dddd\n\neeee ffff gggg hhhh", 6);
    assert_string_equal(cut, "aaaa bbbb cccc dddd");
    free(cut);
    /* a first paragraph over budget is cut inside */
    cut = nb_llm_cut_to_budget("一二三四五六七八九十一二三四五六七八九十", 8);
    assert_true(nb_utf8_length(cut) <= 8);
    free(cut);
}

static void test_clean_reply(void **state)
{
    (void)state;
    expect(nb_llm_clean_reply("**摘要：**“某公司发布了新模型。”"), "某公司发布了新模型。");
    expect(nb_llm_clean_reply("```\n## 摘要\n- 第一点；\n- 第二点。\n```"), "第一点；第二点。");
    expect(nb_llm_clean_reply("Summary: The lab released a model."), "The lab released a model.");
    expect(nb_llm_clean_reply("see [link](http://x) <script>"),
           "see ［link］(http://x) ＜script＞");
    expect(nb_llm_clean_reply("第一行\n第二行"), "第一行第二行");
    expect(nb_llm_clean_reply(""), "");
}

static void test_check_reply(void **state)
{
    (void)state;
    char *cut = NULL;
    nb_errbuf why;
    assert_int_equal(nb_llm_check_reply("", 10, 50, &cut, &why), NB_ERR_PARSE);
    assert_string_equal(why.msg, "empty reply");
    assert_int_equal(nb_llm_check_reply("抱歉，我无法完成这个请求。", 5, 50, &cut, &why),
                     NB_ERR_PARSE);
    assert_non_null(strstr(why.msg, "declined"));
    assert_int_equal(
        nb_llm_check_reply("I'm sorry, but I can't help with that request.", 5, 80, &cut, &why),
        NB_ERR_PARSE);
    assert_int_equal(nb_llm_check_reply("太短。", 10, 50, &cut, &why), NB_ERR_PARSE);
    assert_non_null(strstr(why.msg, "under 10"));
    assert_int_equal(nb_llm_check_reply("长度正好合适的一段摘要。", 5, 50, &cut, &why), NB_OK);
    assert_null(cut);
    /* over max with a sentence end in range: cut there */
    assert_int_equal(
        nb_llm_check_reply("第一句话有十个字啊。第二句话也有十个字。第三句", 8, 20, &cut, &why),
        NB_OK);
    assert_string_equal(cut, "第一句话有十个字啊。第二句话也有十个字。");
    free(cut);
    /* over max without one: rejected */
    assert_int_equal(
        nb_llm_check_reply("没有句号的一段很长很长很长很长很长很长的话", 5, 10, &cut, &why),
        NB_ERR_PARSE);
    assert_non_null(strstr(why.msg, "over 10"));
    assert_null(cut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_prompt),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_clean_reply),
        cmocka_unit_test(test_check_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
