/* bench/extract: article extraction in process. Reads every page named on the command
 * line into memory, then runs nb_extract on all of them ROUNDS times; prints
 * "pages bytes seconds" (process start and file reading excluded). */
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_extract ROUNDS PAGE...\n");
        return 2;
    }
    int rounds = (int)strtol(argv[1], NULL, 10);
    int count = argc - 2;
    nb_buf *pages = calloc((size_t)count, sizeof *pages);
    size_t bytes = 0;
    for (int i = 0; i < count; i++) {
        nb_errbuf err;
        nb_buf_init(&pages[i], NB_LIMIT_BODY_BYTES);
        if (nb_buf_read_file(&pages[i], argv[i + 2], &err) != NB_OK) {
            fprintf(stderr, "bench_extract: %s\n", err.msg);
            return 1;
        }
        bytes += pages[i].len;
    }
    size_t chars = 0;
    double start = now_seconds();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < count; i++) {
            nb_article *a = NULL;
            nb_errbuf err;
            if (nb_extract(nb_buf_str(&pages[i]), pages[i].len, "http://fakehost/test/page.html",
                           NULL, NULL, &a, &err) == NB_OK)
                chars += a->text[0] != '\0';
            nb_article_free(a);
        }
    }
    double seconds = now_seconds() - start;
    printf("%d %zu %.6f\n", count * rounds, bytes * (size_t)rounds, seconds);
    for (int i = 0; i < count; i++)
        nb_buf_free(&pages[i]);
    free(pages);
    return chars ? 0 : 1;
}
