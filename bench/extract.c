/* SPDX-License-Identifier: MIT */
/* bench/extract: article extraction in process. Reads every page named on the command
 * line into memory, runs nb_extract on all of them once untimed (the same warm-up round
 * as the peers), then ROUNDS times; prints
 * "pages bytes seconds" (process start and file reading excluded). With -b (best), the
 * seconds are the CPU time of the fastest round and pages and bytes those of one round:
 * steadier on a machine shared with other work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/limits.h"
#include "parse/parse.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round: every page through nb_extract; how many gave text. */
static size_t extract_all(const nb_buf *pages, int count)
{
    size_t chars = 0;
    for (int i = 0; i < count; i++) {
        nb_article *a = NULL;
        nb_errbuf err;
        if (nb_extract(nb_buf_str(&pages[i]), pages[i].len, "http://fakehost/test/page.html", NULL,
                       NULL, &a, &err) == NB_OK)
            chars += a->text[0] != '\0';
        nb_article_free(a);
    }
    return chars;
}

int main(int argc, char **argv)
{
    int best = argc > 1 && strcmp(argv[1], "-b") == 0;
    argc -= best;
    argv += best;
    if (argc < 3) {
        fprintf(stderr, "usage: bench_extract [-b] ROUNDS PAGE...\n");
        return 2;
    }
    int rounds = (int)strtol(argv[1], NULL, 10);
    int count = argc - 2;
    nb_buf *pages = calloc((size_t)count, sizeof *pages);
    size_t bytes = 0;
    for (int i = 0; i < count; i++) {
        nb_errbuf err;
        /* past the body cap too: nb_extract is what refuses an oversized page */
        nb_buf_init(&pages[i], 8 * (size_t)NB_LIMIT_BODY_BYTES);
        if (nb_buf_read_file(&pages[i], argv[i + 2], &err) != NB_OK) {
            fprintf(stderr, "bench_extract: %s\n", err.msg);
            return 1;
        }
        bytes += pages[i].len;
    }
    size_t chars = extract_all(pages, count);
    double start = now_seconds(), fastest = -1;
    for (int r = 0; r < rounds; r++) {
        double round_start = cpu_seconds();
        chars += extract_all(pages, count);
        double took = cpu_seconds() - round_start;
        if (fastest < 0 || took < fastest)
            fastest = took;
    }
    double seconds = now_seconds() - start;
    if (best)
        printf("%d %zu %.6f\n", count, bytes, fastest);
    else
        printf("%d %zu %.6f\n", count * rounds, bytes * (size_t)rounds, seconds);
    for (int i = 0; i < count; i++)
        nb_buf_free(&pages[i]);
    free(pages);
    return chars ? 0 : 1;
}
