/* SPDX-License-Identifier: MIT */
/* bench/web_gen: a database for bench/web.sh, written through store.h as runs write it:
 * N items (Chinese and English titles and summaries, a fixed pseudo-random sequence) over
 * about three years, and B briefings of ten entries each with their summaries and some
 * related links. Prints the seconds spent storing items (the trigram index is kept by the
 * triggers as they go) and storing briefings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/memory.h"
#include "core/time.h"
#include "store/store.h"

static uint64_t seed = 0x9E3779B97F4A7C15ULL;

static unsigned next(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

#define PICK(list) list[next(sizeof list / sizeof list[0])]

static const char *const zh_who[] = {"OpenAI",   "谷歌",      "微软",     "Meta",     "英伟达",
                                     "阿里巴巴", "百度",      "腾讯",     "字节跳动", "商汤科技",
                                     "智谱",     "月之暗面",  "DeepSeek", "华为",     "苹果",
                                     "亚马逊",   "Anthropic", "小米",     "科大讯飞"};
static const char *const zh_what[] = {
    "发布新一代大模型", "推出多模态模型", "开源推理模型", "升级智能助手",     "发布自研芯片",
    "公布最新财报",     "上线编程工具",   "发布语音模型", "推出视频生成模型", "宣布算力扩建计划",
    "更新搜索服务",     "发布机器人平台", "下调模型价格", "开放智能体接口",   "公布安全评估结果"};
static const char *const zh_detail[] = {
    "新版本在推理、代码和数学任务上表现明显提升，上下文窗口扩展到百万级。",
    "公司表示，模型训练使用了更多高质量数据，幻觉率显著下降。",
    "业内人士认为，这一动向将加剧国内外厂商之间的竞争。",
    "开发者可以通过接口调用新能力，价格比上一代降低一半。",
    "分析师指出，算力成本仍是制约行业发展的主要因素。",
    "该产品首先向企业用户开放，个人用户将在下月陆续获得。",
    "研究团队同时公布了技术报告，详细介绍了训练方法和评测结果。",
    "监管部门近期发布的新规也对数据安全提出了更高要求。",
    "多家机构的测试显示，其在中文理解方面的能力接近国际领先水平。",
    "随着应用落地加速，人工智能正在改变软件开发和内容生产的方式。"};
static const char *const en_who[] = {"OpenAI",  "Google", "Microsoft", "Meta",
                                     "Nvidia",  "Apple",  "Amazon",    "Anthropic",
                                     "Mistral", "IBM",    "Samsung",   "Intel"};
static const char *const en_what[] = {
    "releases a new reasoning model", "unveils its AI chip",
    "opens an agent platform",        "cuts API prices",
    "publishes a safety report",      "ships a coding assistant",
    "expands its data centers",       "launches a video model",
    "updates its open weights",       "reports record AI revenue"};
static const char *const en_detail[] = {
    "The company says the model improves on coding and math benchmarks.",
    "Analysts expect the move to put pressure on rival providers.",
    "Developers can access the new features through the existing API.",
    "The release follows months of testing with enterprise customers.",
    "Researchers published a technical report describing the training data.",
    "Regulators are watching the market closely after recent incidents."};

static char *summary_zh(void)
{
    char buf[1024] = "";
    size_t n = 2 + next(2);
    for (size_t i = 0; i < n; i++)
        strncat(buf, PICK(zh_detail), sizeof buf - strlen(buf) - 1);
    return nb_xstrdup(buf);
}

static char *summary_en(void)
{
    char buf[1024] = "";
    size_t n = 2 + next(2);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(buf, " ", sizeof buf - strlen(buf) - 1);
        strncat(buf, PICK(en_detail), sizeof buf - strlen(buf) - 1);
    }
    return nb_xstrdup(buf);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_web_gen DATABASE ITEMS BRIEFINGS\n");
        return 2;
    }
    size_t items = strtoul(argv[2], NULL, 10), briefings = strtoul(argv[3], NULL, 10);
    nb_errbuf err;
    if (nb_time_set_zone("Asia/Shanghai", &err) != NB_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    nb_store *s = NULL;
    if (nb_store_open(argv[1], &s, &err) != NB_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    static const char *const sources[] = {"aibase", "jiqizhixin", "qbitai", "techcrunch",
                                          "theverge"};
    int64_t start = 1650000000; /* 2022-04-15 */
    int64_t span = 3 * 365 * 86400LL;
    int64_t *ids = nb_xcalloc(items + 1, sizeof *ids);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < items; i++) {
        int english = next(100) < 35;
        char title[512], key[32], url[128];
        if (english)
            snprintf(title, sizeof title, "%s %s (%zu)", PICK(en_who), PICK(en_what), i);
        else
            snprintf(title, sizeof title, "%s%s，第%zu号", PICK(zh_who), PICK(zh_what), i);
        snprintf(key, sizeof key, "k%zu", i);
        snprintf(url, sizeof url, "https://news.example.com/a/%zu", i);
        const char *source = sources[english ? 3 + next(2) : next(3)];
        nb_item it = {
            .source = (char *)source,
            .key = key,
            .url = url,
            .title = title,
            .published_at = start + (int64_t)((double)span * (double)i / (double)items),
            .excerpt = english ? summary_en() : summary_zh(),
        };
        if (next(3) == 0)
            it.image = nb_xasprintf("https://img.example.com/%zu.jpg", i);
        if (nb_store_item_put(s, &it, it.published_at + 600, NULL, &err) != NB_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        ids[i] = it.id;
        free(it.excerpt);
        free(it.image);
    }
    double item_seconds = seconds_since(&t0);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t per = 10;
    for (size_t b = 0; b < briefings; b++) {
        nb_item entries[10];
        int64_t ledger[10];
        memset(entries, 0, sizeof entries);
        size_t base =
            items > per ? (size_t)((double)(items - per) * (double)b / (double)briefings) : 0;
        size_t n = items < per ? items : per;
        int64_t created = start + (int64_t)((double)span * (double)b / (double)briefings) + 3600;
        for (size_t k = 0; k < n; k++) {
            nb_item *e = &entries[k];
            e->id = ids[base + n - 1 - k];
            e->title = nb_xasprintf("条目 %zu", base + n - 1 - k);
            e->url = nb_xasprintf("https://news.example.com/a/%zu", base + n - 1 - k);
            e->published_at = created - 60 * (int64_t)k;
            e->summary = next(100) < 35 ? summary_en() : summary_zh();
            if (k == 0) {
                e->related = nb_xcalloc(1, sizeof *e->related);
                e->related[0].label = nb_xstrdup("机器之心");
                e->related[0].url = nb_xstrdup("https://www.jiqizhixin.com/articles/x");
                e->related_count = 1;
            }
            ledger[k] = e->id;
        }
        const char *page = "# 新闻简报\n";
        nb_briefing_draft d = {.channel = "wecom",
                               .title = "新闻简报",
                               .created_at = created,
                               .window_start = created - 86400,
                               .entries = entries,
                               .entry_count = n,
                               .per_page = per,
                               .item_ids = ledger,
                               .item_count = n,
                               .pages = &page,
                               .page_count = 1};
        if (nb_store_briefing_commit(s, &d, NULL, &err) != NB_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        for (size_t k = 0; k < n; k++)
            nb_item_clear(&entries[k]);
    }
    double briefing_seconds = seconds_since(&t0);
    printf("%.2f %.2f\n", item_seconds, briefing_seconds);
    free(ids);
    nb_store_close(s);
    return 0;
}
