/* SPDX-License-Identifier: MIT */
/* text/summarize: the offline summarizer on Chinese and English articles: length within
 * budget, no boilerplate, original order, the key (lead) sentence kept; sentence splitting;
 * the ending rules (whole sentences, clause cuts that split no word, number or link, no page
 * furniture, no pronoun opening alone), checked also on every article of
 * tests/data/summarize. */
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

/* The summary's last character, closing quotes aside, ends a sentence. */
static int ends_well(const char *s)
{
    size_t len = strlen(s);
    const char *const closers[] = {"”", "’", "」", "』", "）", ")", "\"", "'"};
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof closers / sizeof closers[0]; i++) {
            size_t n = strlen(closers[i]);
            if (len > n && !strncmp(s + len - n, closers[i], n)) {
                len -= n;
                again = 1;
            }
        }
    }
    const char *const ends[] = {"。", "！", "？", "!", "?", "."};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        size_t n = strlen(ends[i]);
        if (len >= n && !strncmp(s + len - n, ends[i], n))
            return 1;
    }
    return 0;
}

/* Every sentence of summary is a whole sentence of text. */
static void assert_whole_sentences(const char *summary, const char *text)
{
    size_t *starts = NULL, count = 0;
    char *pieces = nb_text_sentences(summary, &starts, &count);
    assert_true(count > 0);
    for (size_t i = 0; i < count; i++)
        if (!strstr(text, pieces + starts[i]))
            fail_msg("\"%s\" is not a sentence of the text", pieces + starts[i]);
    size_t *text_starts = NULL, text_count = 0;
    char *sentences = nb_text_sentences(text, &text_starts, &text_count);
    for (size_t i = 0; i < count; i++) {
        int whole = 0;
        for (size_t j = 0; j < text_count && !whole; j++)
            whole = !strcmp(pieces + starts[i], sentences + text_starts[j]) ||
                    /* a dateline opening the paragraph is left out */
                    (strlen(sentences + text_starts[j]) > strlen(pieces + starts[i]) &&
                     !strcmp(sentences + text_starts[j] + strlen(sentences + text_starts[j]) -
                                 strlen(pieces + starts[i]),
                             pieces + starts[i]));
        if (!whole)
            fail_msg("\"%s\" is part of a sentence", pieces + starts[i]);
    }
    free(text_starts);
    free(sentences);
    free(starts);
    free(pieces);
}

static void test_whole_sentences_within_budget(void **state)
{
    (void)state;
    static const char text[] =
        "星河科技今天发布了新一代推理芯片“启明二号”，单卡算力比上一代提高三倍。\n\n"
        "这款芯片采用七纳米工艺，功耗下降四成，首批产品已交付三家云服务商。公司预计全年出货十万片，"
        "主要面向大模型推理场景。\n\n"
        "分析人士认为，国产推理芯片正在进入规模商用阶段，但软件生态仍是短板。";
    for (size_t max = 40; max <= 160; max += 20) {
        nb_summary_options o = {max / 2, max};
        char *s = nb_summarize_extractive("星河科技发布推理芯片启明二号", text, &o);
        assert_non_null(s);
        if (nb_utf8_length(s) > max)
            fail_msg("max %zu, %zu code points: %s", max, nb_utf8_length(s), s);
        if (!ends_well(s))
            fail_msg("max %zu, ends inside a sentence: %s", max, s);
        assert_whole_sentences(s, text);
        free(s);
    }
}

static void test_clause_cut(void **state)
{
    (void)state;
    /* The first sentence alone is over the budget: cut at a clause boundary, full stop. */
    static const char zh[] =
        "工业和信息化部等七部门近日联合印发《关于推动未来产业创新发展的实施意见》，提出到2025年，"
        "未来产业技术创新、产业培育、安全治理等全面发展，部分领域达到国际先进水平，到2027年，"
        "未来产业综合实力显著提升。";
    nb_summary_options o = {30, 80};
    char *s = nb_summarize_extractive("七部门发布推动未来产业创新发展实施意见", zh, &o);
    assert_non_null(s);
    assert_true(nb_utf8_length(s) <= 80);
    assert_true(ends_well(s));
    assert_true(!strncmp(s, "工业和信息化部等七部门近日联合印发",
                         strlen("工业和信息化部等七部门近日联合印发")));
    /* ended where a clause ends: what precedes the full stop is followed by "，" in the text */
    size_t body = strlen(s) - strlen("。");
    char *at = strstr(zh, "工业");
    assert_true(!strncmp(at + body, "，", strlen("，")));
    /* not on a dangling time ("到2027年") */
    assert_null(strstr(s, "到2027年。"));
    free(s);

    /* English: ", " is a boundary, "1,000", "3.5" and a link are not. */
    static const char en[] =
        "Aurex Semiconductor will build a $3.5 billion chip plant that employs 1,000 people near "
        "Phoenix, the company said on Monday in a filing published at "
        "https://example.com/filings/2025/aurex,html, adding that production starts in 2028 and "
        "that federal subsidies are still under discussion with the Commerce Department.";
    nb_summary_options e = {40, 120};
    s = nb_summarize_extractive("Aurex to build chip plant near Phoenix", en, &e);
    assert_non_null(s);
    assert_string_equal(s, "Aurex Semiconductor will build a $3.5 billion chip plant that employs "
                           "1,000 people near Phoenix.");
    free(s);

    /* No clause fits: a word boundary and an ellipsis, never half a number or word. */
    static const char one[] = "The committee approved the 12345678901234567890 budget yesterday.";
    nb_summary_options tiny = {10, 30};
    s = nb_summarize_extractive(NULL, one, &tiny);
    assert_non_null(s);
    assert_string_equal(s, "The committee approved the…");
    free(s);
}

static void test_page_furniture(void **state)
{
    (void)state;
    static const char en[] =
        "Opinion\n\nColumnist\n\n“Please.”\n\nBy Jane Roe\n\n"
        "OSLO, June 3 (Newswire) - Nordlys AI released three open models that run on phones "
        "and laptops without a connection to the cloud.\n\n"
        "Advertisement\n\nPhoto: Nordlys AI\n\nCredit: Getty Images\n\n"
        "The models can be downloaded for free and used in commercial products.\n\n"
        "Reporting by Jane Roe; Editing by Tom Hughes";
    nb_summary_options o = {50, 300};
    char *s = nb_summarize_extractive("Nordlys AI releases open models for phones", en, &o);
    assert_non_null(s);
    assert_true(!strncmp(s, "Nordlys AI released three open models", 37));
    const char *const banned[] = {"Opinion",  "Columnist",     "Please", "By Jane", "OSLO",
                                  "Newswire", "Advertisement", "Photo",  "Credit",  "Reporting by"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(s, banned[i]))
            fail_msg("furniture \"%s\" in: %s", banned[i], s);
    assert_true(ends_well(s));
    free(s);

    static const char zh[] = "新华社北京4月7日电（记者 王磊）\n\n"
                             "记者7日从有关部门获悉，我国首个全国产万卡智算集群当天投入运营，"
                             "总算力达到1.2万P。\n\n"
                             "图为智算中心机房。新华社记者 王磊 摄\n\n"
                             "相关阅读：\n\n另一条新闻的标题\n\n"
                             "责任编辑：张晓\n\n免责声明：本文转载自其他媒体。";
    nb_summary_options z = {20, 200};
    s = nb_summarize_extractive("全国产万卡智算集群投入运营", zh, &z);
    assert_non_null(s);
    assert_true(!strncmp(s, "记者7日从有关部门获悉", strlen("记者7日从有关部门获悉")));
    const char *const zh_banned[] = {"新华社", "图为",     "摄",      "相关阅读",
                                     "另一条", "责任编辑", "免责声明"};
    for (size_t i = 0; i < sizeof zh_banned / sizeof zh_banned[0]; i++)
        if (strstr(s, zh_banned[i]))
            fail_msg("furniture \"%s\" in: %s", zh_banned[i], s);
    free(s);

    /* A teaser cut ("All...") is not a sentence. */
    static const char teaser[] = "We used to buy software once. Now we pay for it every month, "
                                 "again and again. All...";
    s = nb_summarize_extractive(NULL, teaser, &o);
    assert_non_null(s);
    assert_null(strstr(s, "All..."));
    assert_true(ends_well(s));
    free(s);
}

static void test_pronoun_needs_its_antecedent(void **state)
{
    (void)state;
    /* The second sentence is closest to the title, but opens with "The company": it comes
     * with the first or not at all. */
    static const char en[] = "Nordlys AI, a start-up based in Oslo, released three models on "
                             "Tuesday. The company says the largest open model matches systems "
                             "ten times its size on reasoning tests. Analysts were cautious.";
    const char *title = "Largest open model matches systems ten times its size";
    for (size_t max = 60; max <= 200; max += 10) {
        nb_summary_options o = {20, max};
        char *s = nb_summarize_extractive(title, en, &o);
        assert_non_null(s);
        if (!strncmp(s, "The company", 11))
            fail_msg("max %zu opens with a pronoun: %s", max, s);
        if (strstr(s, "The company") && !strstr(s, "Nordlys AI"))
            fail_msg("max %zu has the pronoun without its antecedent: %s", max, s);
        free(s);
    }
    static const char zh[] = "宇树科技日前完成C轮融资，投后估值超过120亿元。"
                             "该公司表示，新一轮资金将主要用于人形机器人研发和产能扩张。"
                             "他透露，今年人形机器人出货量预计超过1000台。";
    for (size_t max = 30; max <= 120; max += 10) {
        nb_summary_options o = {10, max};
        char *s = nb_summarize_extractive("人形机器人研发和产能扩张", zh, &o);
        assert_non_null(s);
        if (!strncmp(s, "该公司", strlen("该公司")) || !strncmp(s, "他", strlen("他")))
            fail_msg("max %zu opens with a pronoun: %s", max, s);
        free(s);
    }
}

/* Splits an article file of tests/data/summarize/articles: header lines, then the text. */
static void article_parts(char *data, const char **title, const char **text, size_t *min,
                          size_t *max)
{
    char *p = data;
    while (*p && *p != '\n') {
        char *end = strchr(p, '\n');
        *end = '\0';
        if (!strncmp(p, "title: ", 7))
            *title = p + 7;
        else if (!strncmp(p, "budget: ", 8))
            *min = strtoul(p + 8, &p, 10), *max = strtoul(p, NULL, 10);
        p = end + 1;
    }
    while (*p == '\n')
        p++;
    *text = p;
}

static void test_articles_end_well(void **state)
{
    (void)state;
    static const char *const names[] = {
        "en-01-opinion.txt", "en-02-company.txt", "en-03-permits.txt", "en-04-scribe.txt",
        "en-05-chips.txt",   "en-06-study.txt",   "en-07-dubbing.txt", "en-08-delivery.txt",
        "zh-01-cluster.txt", "zh-02-gemma.txt",   "zh-03-ling.txt",    "zh-04-shanghai.txt",
        "zh-05-step.txt",    "zh-06-glasses.txt", "zh-07-future.txt",  "zh-08-unitree.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "summarize/articles/%s", names[i]);
        char *data = read_test_data(path, NULL);
        const char *title = NULL, *text = NULL;
        size_t min = 100, max = 200;
        article_parts(data, &title, &text, &min, &max);
        /* the article's own budget, the default one and a tight one (in which a clause of
         * the article fits: a budget below every clause gets a cut with an ellipsis) */
        int latin = names[i][0] == 'e';
        const size_t budgets[][2] = {{min, max}, {100, 200}, {latin ? 60 : 30, latin ? 120 : 60}};
        for (size_t b = 0; b < 3; b++) {
            nb_summary_options o = {budgets[b][0], budgets[b][1]};
            char *s = nb_summarize_extractive(title, text, &o);
            assert_non_null(s);
            if (nb_utf8_length(s) > o.max_chars)
                fail_msg("%s: %zu code points over %zu: %s", names[i], nb_utf8_length(s),
                         o.max_chars, s);
            if (!ends_well(s))
                fail_msg("%s (max %zu) ends inside a sentence: %s", names[i], o.max_chars, s);
            const char *const openers[] = {"The company", "It ", "They ", "He ", "She ", "This ",
                                           "该",          "这",  "他",    "她",  "此外", "其中"};
            for (size_t k = 0; k < sizeof openers / sizeof openers[0]; k++)
                if (!strncmp(s, openers[k], strlen(openers[k])))
                    fail_msg("%s opens with \"%s\": %s", names[i], openers[k], s);
            free(s);
        }
        free(data);
    }
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
        cmocka_unit_test(test_chinese_article),
        cmocka_unit_test(test_english_article),
        cmocka_unit_test(test_short_and_empty),
        cmocka_unit_test(test_sentence_split),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_whole_sentences_within_budget),
        cmocka_unit_test(test_clause_cut),
        cmocka_unit_test(test_page_furniture),
        cmocka_unit_test(test_pronoun_needs_its_antecedent),
        cmocka_unit_test(test_articles_end_well),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
