/* SPDX-License-Identifier: MIT */
/* bench/feeds (newsbrief side): loads every feed file into memory first, then parses them
 * all with nb_feed_parse_dict, round after round, and prints one line:
 *   files items bytes rounds seconds peak_rss_kb cpu_seconds
 * items and bytes are per round; seconds (wall, monotonic) and cpu_seconds cover all
 * rounds; one untimed parse of the first file comes before the clocks start.
 * bench/peer_feedparser.py prints the same line for Python's feedparser. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "parse/parse.h"

typedef struct corpus {
    char **paths;  /* file names, then sorted */
    size_t count;  /* paths in use */
    size_t alloc;  /* paths allocated */
    nb_buf *files; /* the contents, one per path */
} corpus;

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_path(corpus *c, const char *path)
{
    c->paths = nb_xgrow(c->paths, &c->alloc, c->count + 1, sizeof *c->paths);
    c->paths[c->count++] = nb_xstrdup(path);
}

static int has_xml_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

/* Every *.xml below dir. Returns 0, or -1 when a directory cannot be read. */
static int walk(corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_feeds: cannot read directory %s\n", dir);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = nb_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        int found = stat(path, &st) == 0; /* a dangling link is no feed */
        if (found && S_ISDIR(st.st_mode))
            rc = walk(c, path);
        else if (found && S_ISREG(st.st_mode) && has_xml_suffix(e->d_name))
            add_path(c, path);
        free(path);
    }
    closedir(d);
    return rc;
}

/* A directory is walked for *.xml; anything else is one feed file. */
static int add_argument(corpus *c, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "bench_feeds: no such file or directory: %s\n", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return walk(c, path);
    add_path(c, path);
    return 0;
}

/* A list file: one path per line (empty lines skipped). */
static int add_list(corpus *c, const char *list)
{
    FILE *f = fopen(list, "r");
    if (!f) {
        fprintf(stderr, "bench_feeds: cannot open list %s\n", list);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line)
            add_path(c, line);
    }
    free(line);
    fclose(f);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load(corpus *c, size_t *bytes)
{
    qsort(c->paths, c->count, sizeof *c->paths, by_name);
    c->files = nb_xcalloc(c->count ? c->count : 1, sizeof *c->files);
    *bytes = 0;
    for (size_t i = 0; i < c->count; i++) {
        nb_buf_init(&c->files[i], NB_LIMIT_BODY_BYTES);
        nb_errbuf err;
        if (nb_buf_read_file(&c->files[i], c->paths[i], &err) != NB_OK) {
            fprintf(stderr, "bench_feeds: %s\n", err.msg);
            return -1;
        }
        *bytes += c->files[i].len;
    }
    return 0;
}

static size_t parse_one(const nb_buf *file, const char *url)
{
    json_t *dict = nb_feed_parse_dict(file->data ? file->data : "", file->len, url, NULL);
    size_t items = json_array_size(json_object_get(dict, "entries"));
    json_decref(dict);
    return items;
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->count; i++) {
        if (c->files)
            nb_buf_free(&c->files[i]);
        free(c->paths[i]);
    }
    free(c->files);
    free(c->paths);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_feeds [-r ROUNDS | -t MIN_SECONDS] [-u URL] [-l LIST] PATH...\n"
                    "  PATH: a feed file, or a directory searched for *.xml\n"
                    "  -l LIST: a file naming one feed file per line\n"
                    "  -u URL: the address every feed was fetched from (default none)\n"
                    "  -r ROUNDS: parse the corpus this many times\n"
                    "  -t MIN_SECONDS: or as many times as it takes (default 2)\n");
}

int main(int argc, char **argv)
{
    corpus c = {0};
    unsigned long rounds = 0;
    double min_seconds = 2.0;
    const char *url = NULL;
    int status = 2, opt;
    while ((opt = getopt(argc, argv, "r:t:u:l:")) != -1) {
        if (opt == 'r')
            rounds = strtoul(optarg, NULL, 10);
        else if (opt == 't')
            min_seconds = strtod(optarg, NULL);
        else if (opt == 'u')
            url = optarg;
        else if (opt == 'l' && add_list(&c, optarg) == 0)
            continue;
        else {
            usage();
            goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        if (add_argument(&c, argv[i]) != 0)
            goto out;
    if (c.count == 0) {
        usage();
        goto out;
    }
    size_t bytes = 0;
    status = 1;
    if (load(&c, &bytes) != 0)
        goto out;

    (void)parse_one(&c.files[0], url);
    size_t items = 0;
    unsigned long done = 0;
    double start = seconds(CLOCK_MONOTONIC), took = 0;
    double cpu_start = seconds(CLOCK_PROCESS_CPUTIME_ID);
    do {
        for (size_t i = 0; i < c.count; i++) {
            size_t n = parse_one(&c.files[i], url);
            if (done == 0)
                items += n;
        }
        done++;
        took = seconds(CLOCK_MONOTONIC) - start;
    } while (rounds ? done < rounds : took < min_seconds);

    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu %zu %zu %lu %.6f %ld %.6f\n", c.count, items, bytes, done, took, ru.ru_maxrss, cpu);
    status = 0;
out:
    corpus_free(&c);
    return status;
}
