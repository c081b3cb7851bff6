/* SPDX-License-Identifier: MIT */
/* bench/summarize (offline part): the extractive summarizer over the article bodies of the
 * demo recordings, repeated; prints articles per second. With an output path it also
 * writes the plain texts, one JSON object per line, for the peer script. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "sources/source.h"
#include "text/text.h"

typedef struct article {
    char *title, *text;
} article;

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Body HTML of a recording: aibase data.summary or 机器之心 content. */
static int load(const char *path, article *a)
{
    json_t *root = json_load_file(path, 0, NULL);
    json_t *data = json_object_get(root, "data");
    json_t *holder = data ? data : root;
    const char *title = json_string_value(json_object_get(holder, "title"));
    const char *html = json_string_value(json_object_get(holder, data ? "summary" : "content"));
    int ok = title && html;
    if (ok) {
        a->title = strdup(title);
        a->text = nb_html_to_text(html, strlen(html));
    }
    json_decref(root);
    return ok;
}

static size_t load_dir(const char *dir, const char *prefix, article *out, size_t n, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < cap) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (load(path, &out[n]))
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_summarize DEMO_DATA_DIR [TEXTS_OUT] [ROUNDS]\n");
        return 2;
    }
    article articles[128];
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/aibase", argv[1]);
    size_t n = load_dir(dir, "detail-", articles, 0, 128);
    snprintf(dir, sizeof dir, "%s/jiqizhixin/articles", argv[1]);
    n = load_dir(dir, "", articles, n, 128);
    int rounds = argc > 3 ? atoi(argv[3]) : 50;
    if (argc > 2) {
        FILE *f = fopen(argv[2], "w");
        for (size_t i = 0; f && i < n; i++) {
            json_t *o =
                json_pack("{s:s, s:s}", "title", articles[i].title, "text", articles[i].text);
            char *line = json_dumps(o, JSON_COMPACT);
            fprintf(f, "%s\n", line);
            free(line);
            json_decref(o);
        }
        if (f)
            fclose(f);
    }
    nb_summary_options o = {100, 200};
    size_t bytes = 0, total_chars = 0;
    double start = 0;
    /* round -1 is the untimed warm-up round every summarizer in bench/summarize.sh gets */
    for (int r = -1; r < rounds; r++) {
        if (r == 0)
            start = seconds();
        for (size_t i = 0; i < n; i++) {
            char *s = nb_summarize_extractive_sites(articles[i].title, articles[i].text, &o,
                                                    nb_source_boilerplates());
            if (r == 0) {
                bytes += strlen(articles[i].text);
                total_chars += s ? nb_utf8_length(s) : 0;
            }
            free(s);
        }
    }
    double took = seconds() - start;
    printf("%zu %d %.6f %zu %.1f\n", n, rounds, took, bytes, (double)total_chars / (double)n);
    for (size_t i = 0; i < n; i++) {
        free(articles[i].title);
        free(articles[i].text);
    }
    return 0;
}
