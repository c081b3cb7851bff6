/* SPDX-License-Identifier: MIT */
/* bench/dedupe: story clustering of N articles (default 100000) built from the labelled
 * pairs and the seed's items with varied numbers and words, so that most are distinct and
 * some are near copies. Prints the time of each phase and the clusters found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/text.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const words[] = {"模型", "芯片", "机器人", "融资", "开源", "发布", "监管",
                                    "数据", "算力", "智能体", "推理", "训练", "搜索", "手机",
                                    "汽车", "医疗", "教育",   "游戏", "视频", "语音"};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dedupe TESTS_DATA_DIR [N]\n");
        return 2;
    }
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
    char *titles[256], *leads[256];
    size_t pool = 0;
    char path[1024], line[8192];
    const char *files[] = {"dedupe/seed_items.tsv", "dedupe/pairs.tsv"};
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/%s", argv[1], files[f]);
        FILE *in = fopen(path, "r");
        while (in && fgets(line, sizeof line, in) && pool < 250) {
            if (line[0] == '#')
                continue;
            line[strcspn(line, "\n")] = '\0';
            char *field[5] = {0};
            size_t k = 0;
            for (char *p = line; p && k < 5; k++) {
                field[k] = p;
                p = strchr(p, '\t');
                if (p)
                    *p++ = '\0';
            }
            if (f == 0 && k >= 4) {
                titles[pool] = strdup(field[2]);
                leads[pool++] = strdup(field[3]);
            } else if (f == 1 && k >= 5) {
                titles[pool] = strdup(field[1]);
                leads[pool++] = strdup(field[2]);
                titles[pool] = strdup(field[3]);
                leads[pool++] = strdup(field[4]);
            }
        }
        if (in)
            fclose(in);
    }
    srand(7);
    double t0 = seconds();
    nb_story_index *x = nb_story_index_new();
    char title[1024], lead[4096];
    for (size_t i = 0; i < n; i++) {
        size_t base = (size_t)rand() % pool;
        /* most articles get their own numbers and topic words; a few stay near copies */
        int variant = rand() % 10;
        snprintf(title, sizeof title, "%s %s%s 第%zu号", titles[base], words[rand() % 20],
                 words[rand() % 20], variant ? i : i % 1000);
        snprintf(lead, sizeof lead, "%s 编号%d，%s%s%s。", leads[base], rand() % 100000,
                 words[rand() % 20], words[rand() % 20], words[rand() % 20]);
        nb_story_index_add(x, title, lead);
    }
    double t1 = seconds();
    nb_story_index_finish(x);
    double t2 = seconds();
    size_t *cluster = malloc(n * sizeof *cluster);
    nb_story_cluster(x, NB_STORY_THRESHOLD, cluster);
    double t3 = seconds();
    size_t clusters = 0, largest = 0;
    size_t *sizes = calloc(n, sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        clusters += cluster[i] == i;
        if (++sizes[cluster[i]] > largest)
            largest = sizes[cluster[i]];
    }
    printf("%zu %.3f %.3f %.3f %zu %zu\n", n, t1 - t0, t2 - t1, t3 - t2, clusters, largest);
    free(sizes);
    free(cluster);
    nb_story_index_free(x);
    for (size_t i = 0; i < pool; i++) {
        free(titles[i]);
        free(leads[i]);
    }
    return 0;
}
