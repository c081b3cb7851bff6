/* text/summarize: the offline summarizer on Chinese and English articles: length within
 * budget, no boilerplate, original order, the key (lead) sentence kept; sentence splitting. */
#include "testing.h"

#include "text/text.h"

static const char zh_article[] =
    "机器之心报道\n\n"
    "编辑：小舟\n\n"
    "某研究机构今日发布了新一代开源大模型“星河-2”，在多项推理基准上超过了同等规模的闭源模型。\n\n"
    "据介绍，星河-2 采用混合专家架构，总参数量为 1200 亿，每次推理仅激活 120 亿参数，"
    "推理成本因此下降了六成。研究团队表示，模型在数学、代码和长文本理解任务上的提升最为明显。\n\n"
    "图源备注：图片由AI生成\n\n"
    "在训练数据方面，团队构建了覆盖中英文的高质量语料，并引入了合成数据来强化逻辑推理能力。"
    "他们还公开了完整的训练配方，方便社区复现。\n\n"
    "划重点：\n\n"
    "🔍 开源模型超过闭源\n\n"
    "🚀 推理成本下降六成\n\n"
    "业内人士认为，开源模型的快速进步正在改变大模型行业的竞争格局。不过也有专家提醒，"
    "基准测试成绩并不完全代表真实场景中的表现，模型的安全性和可靠性仍需更多验证。\n\n"
    "该模型的权重已在开源社区发布，开发者可以免费下载并用于商业用途。";

static const char en_article[] =
    "By Jane Doe\n\n"
    "The U.S. lab OpenFrontier released Atlas 3.5, an open model that matches leading "
    "proprietary systems on reasoning benchmarks. The release includes weights, code and a "
    "detailed technical report.\n\n"
    "Atlas 3.5 uses a mixture-of-experts design with 120 billion parameters, of which 12 "
    "billion are active per token. Dr. Smith, who led the project, said inference costs fell "
    "by 60 percent compared with the previous version.\n\n"
    "Photo: OpenFrontier\n\n"
    "Analysts said the release puts pressure on companies that sell access to closed models. "
    "Some researchers cautioned that benchmark scores do not always reflect real-world "
    "performance, e.g. on long documents.\n\n"
    "The weights are available under a permissive license that allows commercial use.";

static size_t position(const char *haystack, const char *needle)
{
    const char *p = strstr(haystack, needle);
    return p ? (size_t)(p - haystack) : (size_t)-1;
}

static void test_chinese_article(void **state)
{
    (void)state;
    nb_summary_options o = {100, 200};
    char *s = nb_summarize_extractive("开源大模型星河-2发布，推理成本下降六成", zh_article, &o);
    assert_non_null(s);
    size_t n = nb_utf8_length(s);
    if (n < 100 || n > 200)
        fail_msg("length %zu: %s", n, s);
    /* the lead sentence is the point of a news article */
    assert_non_null(strstr(s, "某研究机构今日发布了新一代开源大模型"));
    /* no boilerplate */
    const char *const banned[] = {"机器之心报道", "编辑：", "图源备注", "划重点", "🔍", "🚀"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(s, banned[i]))
            fail_msg("boilerplate \"%s\" in: %s", banned[i], s);
    /* sentences keep their order in the article */
    size_t last = 0;
    size_t count = 0;
    size_t *starts = NULL;
    char *sentences = nb_text_sentences(zh_article, &starts, &count);
    for (size_t i = 0; i < count; i++) {
        size_t at = position(s, sentences + starts[i]);
        if (at == (size_t)-1)
            continue;
        assert_true(at >= last);
        last = at;
    }
    free(starts);
    free(sentences);
    free(s);
}

static void test_english_article(void **state)
{
    (void)state;
    nb_summary_options o = {100, 300};
    char *s =
        nb_summarize_extractive("Atlas 3.5 open model matches proprietary systems", en_article, &o);
    assert_non_null(s);
    size_t n = nb_utf8_length(s);
    if (n < 100 || n > 300)
        fail_msg("length %zu: %s", n, s);
    assert_non_null(strstr(s, "The U.S. lab OpenFrontier released Atlas 3.5"));
    assert_null(strstr(s, "By Jane Doe"));
    assert_null(strstr(s, "Photo:"));
    assert_null(strstr(s, "  "));
    free(s);
}

static void test_short_and_empty(void **state)
{
    (void)state;
    nb_summary_options o = {100, 200};
    char *s = nb_summarize_extractive(NULL, "只有一句话。", &o);
    assert_string_equal(s, "只有一句话。"); /* shorter than min: all there is */
    free(s);
    assert_null(nb_summarize_extractive("t", "", &o));
    assert_null(nb_summarize_extractive("t", NULL, &o));
    assert_null(nb_summarize_extractive("t", "图源备注：图片由AI生成", &o));
    /* one sentence longer than the budget: cut, within budget */
    char longer[2048] = "";
    for (int i = 0; i < 30; i++)
        strcat(longer, "这是一个没有句号的很长的分句，");
    strcat(longer, "结束。");
    s = nb_summarize_extractive(NULL, longer, &o);
    assert_true(nb_utf8_length(s) <= 200);
    free(s);
}

static void test_sentence_split(void **state)
{
    (void)state;
    size_t *starts = NULL, count = 0;
    char *all = nb_text_sentences("他说：“成功了！”随后离开。版本 3.5 发布。Dr. Smith met "
                                  "the U.S. team. It works!\n\n新段落……还有吗？",
                                  &starts, &count);
    const char *const want[] = {
        "他说：“成功了！”", "随后离开。", "版本 3.5 发布。", "Dr. Smith met the U.S. team.",
        "It works!",        "新段落……",   "还有吗？"};
    assert_int_equal(count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(all + starts[i], want[i]);
    free(starts);
    free(all);
}

static void test_deterministic(void **state)
{
    (void)state;
    nb_summary_options o = {100, 200};
    char *a = nb_summarize_extractive("标题", zh_article, &o);
    char *b = nb_summarize_extractive("标题", zh_article, &o);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese_article), cmocka_unit_test(test_english_article),
        cmocka_unit_test(test_short_and_empty), cmocka_unit_test(test_sentence_split),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
