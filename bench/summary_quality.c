/* SPDX-License-Identifier: MIT */
/* bench/summarize (quality part): the offline summarizer against the lead baseline (the first
 * sentences that fit, or the first sentence cut at the budget) on tests/data/summarize: short
 * Chinese news with a 30-character budget (and a held-out part written after the weights
 * were chosen), longer Chinese and English articles with their own budgets. Scored by ROUGE-1/2/L
 * F1 over characters (CJK) and words (Latin) against references written for the set; also counts
 * summaries cut at a word with "…" because no clause fits the budget ("cut+...") and those that end
 * inside a sentence without one ("bad ends"). --print shows every summary; --check exits 1 when the
 * summarizer falls below the lead on a set's mean ROUGE or a summary ends badly or overruns its
 * budget. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "sources/source.h"
#include "text/text.h"

#define MAX_TOKENS 4096

typedef struct sample {
    char *id, *title, *text, *reference;
    size_t min_chars, max_chars;
} sample;

typedef struct scores {
    double r1, r2, rl;
    size_t count, hard_cuts, bad_ends, overruns;
} scores;

static int is_cjk(utf8proc_int32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* Tokens as 32-bit values: a CJK character, or a hash of a lowercase ASCII letter/digit run. */
static size_t tokens_of(const char *s, uint32_t *out)
{
    size_t n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    uint32_t h = 0;
    int in_word = 0;
    while (n < MAX_TOKENS) {
        utf8proc_int32_t cp = 0;
        utf8proc_ssize_t step = *p ? utf8proc_iterate(p, -1, &cp) : 0;
        if (step < 0)
            step = 1, cp = 0xFFFD;
        int alnum = cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                                  (cp >= '0' && cp <= '9'));
        if (alnum) {
            if (!in_word)
                h = 2166136261u;
            h = (h ^ (uint32_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp)) * 16777619u;
            in_word = 1;
        } else {
            if (in_word && n < MAX_TOKENS)
                out[n++] = h | 0x80000000u; /* apart from code points */
            in_word = 0;
            if (is_cjk(cp) && n < MAX_TOKENS)
                out[n++] = (uint32_t)cp;
        }
        if (!step)
            break;
        p += step;
    }
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* n-grams of t as sorted 64-bit keys */
static size_t grams(const uint32_t *t, size_t n, int order, uint64_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i + (size_t)order <= n; i++)
        out[m++] = order == 1 ? t[i] : ((uint64_t)t[i] << 32) | t[i + 1];
    qsort(out, m, sizeof *out, cmp_u64);
    return m;
}

static double f1(double overlap, double candidate, double reference)
{
    if (!overlap || !candidate || !reference)
        return 0;
    double p = overlap / candidate, r = overlap / reference;
    return 2 * p * r / (p + r);
}

static double rouge_n(const uint32_t *c, size_t cn, const uint32_t *r, size_t rn, int order)
{
    static uint64_t a[MAX_TOKENS], b[MAX_TOKENS];
    size_t an = grams(c, cn, order, a), bn = grams(r, rn, order, b);
    size_t i = 0, j = 0, both = 0;
    while (i < an && j < bn) { /* clipped counts: sorted multiset intersection */
        if (a[i] == b[j]) {
            both++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    return f1((double)both, (double)an, (double)bn);
}

static double rouge_l(const uint32_t *c, size_t cn, const uint32_t *r, size_t rn)
{
    size_t *prev = nb_xcalloc(rn + 1, sizeof *prev), *cur = nb_xcalloc(rn + 1, sizeof *cur);
    for (size_t i = 1; i <= cn; i++) {
        for (size_t j = 1; j <= rn; j++)
            cur[j] = c[i - 1] == r[j - 1]   ? prev[j - 1] + 1
                     : prev[j] > cur[j - 1] ? prev[j]
                                            : cur[j - 1];
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    double lcs = (double)prev[rn];
    free(prev);
    free(cur);
    return f1(lcs, (double)cn, (double)rn);
}

/* A summary ends well when its last character (closing quotes and brackets aside) ends a
 * sentence. */
static int ends_well(const char *s)
{
    size_t len = strlen(s);
    const char *closers[] = {"”", "’", "」", "』", "）", ")", "\"", "'", NULL};
    for (int again = 1; again;) {
        again = 0;
        for (const char *const *c = closers; *c; c++) {
            size_t n = strlen(*c);
            if (len > n && !strncmp(s + len - n, *c, n)) {
                len -= n;
                again = 1;
            }
        }
    }
    const char *ends[] = {"。", "！", "？", "!", "?", ".", NULL};
    for (const char *const *e = ends; *e; e++) {
        size_t n = strlen(*e);
        if (len >= n && !strncmp(s + len - n, *e, n))
            return 1;
    }
    return 0;
}

static void score(scores *sc, const sample *x, const char *summary)
{
    static uint32_t c[MAX_TOKENS], r[MAX_TOKENS];
    const char *s = summary ? summary : "";
    size_t cn = tokens_of(s, c), rn = tokens_of(x->reference, r);
    sc->r1 += rouge_n(c, cn, r, rn, 1);
    sc->r2 += rouge_n(c, cn, r, rn, 2);
    sc->rl += rouge_l(c, cn, r, rn);
    sc->count++;
    size_t len = strlen(s);
    int ellipsis = len >= 3 && !strcmp(s + len - 3, "…");
    sc->hard_cuts += ellipsis;
    sc->bad_ends += !ellipsis && !ends_well(s);
    sc->overruns += nb_utf8_length(s) > x->max_chars;
}

static char *field(char **p)
{
    char *start = *p, *tab = strchr(start, '\t');
    if (tab) {
        *tab = '\0';
        *p = tab + 1;
    } else {
        *p = start + strlen(start);
    }
    return nb_xstrdup(start);
}

static size_t load_short(const char *dir, const char *name, sample *out, size_t cap)
{
    char path[1024], line[8192];
    snprintf(path, sizeof path, "%s/summarize/%s", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    while (f && n < cap && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *p = line;
        sample *x = &out[n++];
        x->id = field(&p);
        x->title = field(&p);
        x->text = field(&p);
        x->reference = field(&p);
        x->min_chars = 15;
        x->max_chars = 30;
    }
    if (f)
        fclose(f);
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* articles/<lang>-*.txt: "title:", "budget: MIN MAX", "reference:" lines, a blank line, the
 * text (paragraphs separated by blank lines). */
static size_t load_articles(const char *dir, const char *lang, sample *out, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/summarize/articles", dir);
    DIR *d = opendir(path);
    char *names[256];
    size_t count = 0, n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && count < 256)
        if (!strncmp(e->d_name, lang, 2) && e->d_name[2] == '-')
            names[count++] = nb_xstrdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/summarize/articles/%s", dir, names[i]);
        nb_buf b;
        nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
        nb_errbuf err;
        if (n < cap && nb_buf_read_file(&b, path, &err) == NB_OK) {
            sample *x = &out[n++];
            memset(x, 0, sizeof *x);
            x->id = names[i];
            names[i] = NULL;
            char *p = b.data;
            while (*p && *p != '\n') {
                char *end = strchr(p, '\n');
                *end = '\0';
                if (!strncmp(p, "title: ", 7))
                    x->title = nb_xstrdup(p + 7);
                else if (!strncmp(p, "reference: ", 11))
                    x->reference = nb_xstrdup(p + 11);
                else if (!strncmp(p, "budget: ", 8))
                    x->min_chars = strtoul(p + 8, &p, 10), x->max_chars = strtoul(p, NULL, 10);
                p = end + 1;
            }
            while (*p == '\n')
                p++;
            size_t len = strlen(p);
            while (len && p[len - 1] == '\n')
                p[--len] = '\0';
            x->text = nb_xstrdup(p);
        }
        nb_buf_free(&b);
        free(names[i]);
    }
    return n;
}

static void row(const char *set, const char *method, const scores *s)
{
    double n = s->count ? (double)s->count : 1;
    printf("%-22s %-10s %4zu %7.3f %7.3f %7.3f %7.3f %9zu %9zu %9zu\n", set, method, s->count,
           s->r1 / n, s->r2 / n, s->rl / n, (s->r1 + s->r2 + s->rl) / (3 * n), s->hard_cuts,
           s->bad_ends, s->overruns);
}

int main(int argc, char **argv)
{
    int print = 0, check = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--print"))
            print = 1;
        else if (!strcmp(argv[i], "--check"))
            check = 1;
        else
            dir = argv[i];
    }
    if (!dir) {
        fprintf(stderr, "usage: bench_summary_quality [--print] [--check] TESTS_DATA_DIR\n");
        return 2;
    }
    static sample sets[4][128];
    size_t counts[4] = {load_short(dir, "short_zh.tsv", sets[0], 128),
                        load_short(dir, "short_zh_heldout.tsv", sets[1], 128),
                        load_articles(dir, "zh", sets[2], 128),
                        load_articles(dir, "en", sets[3], 128)};
    const char *names[4] = {"short zh news (30)", "  held out (30)", "zh articles", "en articles"};
    int failed = 0;
    printf("%-22s %-10s %4s %7s %7s %7s %7s %9s %9s %9s\n", "set", "summarizer", "n", "R-1", "R-2",
           "R-L", "mean", "cut+...", "bad ends", "overruns");
    for (int k = 0; k < 4; k++) {
        scores lead = {0}, ours = {0};
        if (counts[k] == 0) {
            fprintf(stderr, "%s: no samples under %s/summarize\n", names[k], dir);
            failed = 1;
        }
        for (size_t i = 0; i < counts[k]; i++) {
            sample *x = &sets[k][i];
            nb_summary_options o = {x->min_chars, x->max_chars};
            char *a = nb_summarize_lead(x->text, &o, nb_source_boilerplates());
            char *b =
                nb_summarize_extractive_sites(x->title, x->text, &o, nb_source_boilerplates());
            score(&lead, x, a);
            score(&ours, x, b);
            if (print)
                printf("[%s] lead: %s\n[%s] newsbrief: %s\n", x->id, a ? a : "", x->id, b ? b : "");
            free(a);
            free(b);
            free(x->id);
            free(x->title);
            free(x->text);
            free(x->reference);
        }
        row(names[k], "lead", &lead);
        row(names[k], "newsbrief", &ours);
        if (ours.r1 + ours.r2 + ours.rl < lead.r1 + lead.r2 + lead.rl || ours.bad_ends ||
            ours.overruns)
            failed = 1;
    }
    return check && failed ? 1 : 0;
}
