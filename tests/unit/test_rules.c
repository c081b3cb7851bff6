/* SPDX-License-Identifier: MIT */
/* brief/rules and brief/stories: selection rules and one entry per story. */
#include "testing.h"

#include "brief/brief.h"
#include "core/memory.h"

static nb_item item(int64_t id, const char *source, const char *title, const char *excerpt,
                    int64_t published)
{
    nb_item it = {.id = id,
                  .source = nb_xstrdup(source),
                  .url = nb_xasprintf("https://example.com/%lld", (long long)id),
                  .title = nb_xstrdup(title),
                  .excerpt = nb_xstrdup(excerpt),
                  .published_at = published};
    return it;
}

static int passes(char *const *keywords, const char *title, const char *excerpt)
{
    nb_rules *r = NULL;
    nb_errbuf err;
    if (nb_rules_new(keywords, &r, &err) != NB_OK)
        fail_msg("%s", err.msg);
    nb_item it = item(1, "s", title, excerpt, 0);
    int ok = nb_rules_match(r, &it);
    nb_item_clear(&it);
    nb_rules_free(r);
    return ok;
}

static void test_keywords(void **state)
{
    (void)state;
    char *any[] = {"大模型", "OpenAI", NULL};
    assert_true(passes(any, "国产大模型发布", ""));
    assert_true(passes(any, "openai ships a model", "")); /* case does not matter */
    assert_false(passes(any, "芯片出口新规", "监管部门发布新规"));
    char *required[] = {"+开源", "模型", NULL};
    assert_true(passes(required, "开源模型登顶", ""));
    assert_false(passes(required, "闭源模型", ""));
    char *excluded[] = {"!广告", NULL};
    assert_true(passes(excluded, "新闻", "正文"));
    assert_false(passes(excluded, "新闻", "这是广告"));
    char *regex[] = {"/GPT-[45]/", NULL};
    assert_true(passes(regex, "GPT-5 发布", ""));
    assert_false(passes(regex, "GPT-3 回顾", ""));
    char *none[] = {NULL};
    assert_true(passes(none, "任何", ""));
    nb_rules *r = NULL;
    nb_errbuf err;
    char *broken[] = {"/(unclosed/", NULL};
    assert_int_equal(nb_rules_new(broken, &r, &err), NB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "(unclosed"));
    char *empty[] = {"+", NULL};
    assert_int_equal(nb_rules_new(empty, &r, &err), NB_ERR_CONFIG);
}

static void test_filter_caps(void **state)
{
    (void)state;
    nb_item items[5] = {
        item(1, "a", "模型一", "", 500), item(2, "a", "模型二", "", 400),
        item(3, "b", "模型三", "", 300), item(4, "a", "模型四", "", 200),
        item(5, "b", "广告", "", 100),
    };
    char *kw[] = {"!广告", NULL};
    nb_rules *r = NULL;
    nb_errbuf err;
    assert_int_equal(nb_rules_new(kw, &r, &err), NB_OK);
    size_t kept = nb_brief_filter(items, 5, r, 2, 10);
    assert_int_equal(kept, 3); /* a: two at most; b: the advert is out */
    assert_string_equal(items[0].title, "模型一");
    assert_string_equal(items[1].title, "模型二");
    assert_string_equal(items[2].title, "模型三");
    nb_rules_free(r);
    for (int i = 0; i < 5; i++)
        nb_item_clear(&items[i]);
}

static const char *label(void *ctx, const char *source)
{
    (void)ctx;
    return !strcmp(source, "jq") ? "机器之心" : source;
}

static void test_stories(void **state)
{
    (void)state;
    nb_item items[3] = {
        item(1, "jq", "联合国报告：AI将影响全球40%的岗位",
             "联合国贸发会议报告称，人工智能可能影响全球40%的工作岗位，到2033年市场规模达4."
             "8万亿美元。",
             2000),
        item(2, "aibase", "贸发会议：人工智能冲击四成就业",
             "联合国贸易和发展会议发布报告，预计AI将影响全球约40%的岗位，相关市场2033年将达4."
             "8万亿美元。",
             1000),
        item(3, "aibase", "小米发布首款自研手机芯片玄戒O1",
             "小米在发布会上推出自研3nm手机芯片玄戒O1，首发搭载于小米15S Pro。", 1500),
    };
    size_t kept = nb_brief_stories(items, 3, 1, label, NULL, NULL, 0);
    assert_int_equal(kept, 2);
    /* the UN story: the earliest report is the entry, the other is a related link */
    const nb_item *un = items[0].id == 2 ? &items[0] : &items[1];
    assert_int_equal(un->id, 2);
    assert_int_equal(un->related_count, 1);
    assert_string_equal(un->related[0].label, "机器之心");
    assert_int_equal(un->story_count, 2);
    char *line = nb_brief_related_line(un, "相关报道：");
    assert_string_equal(line, "相关报道：[机器之心](https://example.com/1)");
    free(line);
    assert_null(nb_brief_related_line(un, ""));
    for (int i = 0; i < 3; i++)
        nb_item_clear(&items[i]);
    /* a story one of whose reports was delivered stays out with only_new */
    nb_item again[2] = {
        item(1, "jq", "联合国报告：AI将影响全球40%的岗位",
             "联合国贸发会议报告称，人工智能可能影响全球40%的工作岗位，到2033年市场规模达4."
             "8万亿美元。",
             2000),
        item(2, "aibase", "贸发会议：人工智能冲击四成就业",
             "联合国贸易和发展会议发布报告，预计AI将影响全球约40%的岗位，相关市场2033年将达4."
             "8万亿美元。",
             1000),
    };
    again[1].delivered = 1;
    assert_int_equal(nb_brief_stories(again, 2, 1, label, NULL, NULL, 0), 0);
    nb_item_clear(&again[0]);
    nb_item_clear(&again[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_filter_caps),
        cmocka_unit_test(test_stories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
