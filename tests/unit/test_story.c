/* SPDX-License-Identifier: MIT */
/* text/story: story similarity on the labelled pairs of tests/data/dedupe. The regression's
 * weights and the threshold are chosen on each training part of a repeated stratified 5-fold
 * cross-validation; the out-of-fold precision and recall are checked (not the in-sample
 * ones), with a bootstrap interval printed, and the compiled-in defaults must be what the
 * same choice gives on the whole set. Also the seed's own items: no two distinct stories
 * merge, and how far the Llama 4 pair is from merging offline. */
#include <math.h>

#include "testing.h"

#include "text/text.h"

#define MAX_PAIRS 512
#define MAX_ARTICLES 1200
#define FOLDS 5
#define BOOTSTRAP 2000
#define REPEATS 5
#define TRAIN_PRECISION 0.96

/* Splits a tab-separated line in place; returns the number of fields. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line; n < max;) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

typedef struct seed {
    nb_story_index *index;
    char keys[64][32];
    size_t count;
} seed;

/* The seed's items, with their summaries as lead text. */
static void load_seed(seed *s)
{
    s->count = 0;
    const char *dir = getenv("NB_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/dedupe/seed_items.tsv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    char line[8192];
    while (f && fgets(line, sizeof line, f)) {
        char *fields[4];
        if (line[0] == '#' || split(line, fields, 4) < 4)
            continue;
        snprintf(s->keys[s->count], sizeof s->keys[0], "%s", fields[0]);
        nb_story_index_add(s->index, fields[2], fields[3]);
        s->count++;
    }
    if (f)
        fclose(f);
}

/* Every article once (seed items first, then the pairs' sides), and the pairs as article
 * numbers. */
typedef struct labelled {
    char *title[MAX_ARTICLES], *lead[MAX_ARTICLES];
    size_t articles, seed_articles;
    size_t a[MAX_PAIRS], b[MAX_PAIRS];
    int label[MAX_PAIRS];
    size_t pairs;
} labelled;

static size_t article_of(labelled *d, const char *title, const char *lead)
{
    for (size_t i = d->seed_articles; i < d->articles; i++)
        if (!strcmp(d->title[i], title) && !strcmp(d->lead[i], lead))
            return i;
    assert_true(d->articles < MAX_ARTICLES);
    d->title[d->articles] = strdup(title);
    d->lead[d->articles] = strdup(lead);
    return d->articles++;
}

static void load_labelled(labelled *d)
{
    memset(d, 0, sizeof *d);
    const char *dir = getenv("NB_TEST_DATA");
    char path[1024], line[8192];
    snprintf(path, sizeof path, "%s/dedupe/seed_items.tsv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char *fields[4];
        if (line[0] == '#' || split(line, fields, 4) < 4)
            continue;
        d->title[d->articles] = strdup(fields[2]);
        d->lead[d->articles++] = strdup(fields[3]);
    }
    fclose(f);
    d->seed_articles = d->articles;
    snprintf(path, sizeof path, "%s/dedupe/pairs.tsv", dir ? dir : "tests/data");
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char *fields[5];
        if (line[0] == '#' || split(line, fields, 5) < 5)
            continue;
        assert_true(d->pairs < MAX_PAIRS);
        d->label[d->pairs] = fields[0][0] == '1';
        d->a[d->pairs] = article_of(d, fields[1], fields[2]);
        d->b[d->pairs] = article_of(d, fields[3], fields[4]);
        d->pairs++;
    }
    fclose(f);
}

static void free_labelled(labelled *d)
{
    for (size_t i = 0; i < d->articles; i++) {
        free(d->title[i]);
        free(d->lead[i]);
    }
}

/* The features of every pair (every article in the index: the inverse document frequencies
 * come from all of them, as from a briefing's window). */
static void pair_features(const labelled *d, double (*f)[NB_STORY_FEATURES])
{
    nb_story_index *x = nb_story_index_new();
    for (size_t i = 0; i < d->articles; i++)
        nb_story_index_add(x, d->title[i], d->lead[i]);
    nb_story_index_finish(x);
    for (size_t k = 0; k < d->pairs; k++)
        nb_story_features(x, d->a[k], d->b[k], f[k]);
    nb_story_index_free(x);
}

#define DIM (NB_STORY_FEATURES + 1) /* the coefficients and the bias */
#define L2 0.3                      /* ridge on the coefficients (not the bias) */

static double logit(const double *w, const double *f)
{
    double z = w[NB_STORY_FEATURES];
    for (int k = 0; k < NB_STORY_FEATURES; k++)
        z += w[k] * f[k];
    return 1 / (1 + exp(-z));
}

/* Solves m x = v (DIM x DIM) in place by Gaussian elimination with partial pivoting. */
static void solve(double m[DIM][DIM], double *v)
{
    for (int c = 0; c < DIM; c++) {
        int p = c;
        for (int r = c + 1; r < DIM; r++)
            if (fabs(m[r][c]) > fabs(m[p][c]))
                p = r;
        for (int k = 0; k < DIM; k++) {
            double t = m[c][k];
            m[c][k] = m[p][k];
            m[p][k] = t;
        }
        double t = v[c];
        v[c] = v[p];
        v[p] = t;
        for (int r = c + 1; r < DIM; r++) {
            double q = m[r][c] / m[c][c];
            for (int k = c; k < DIM; k++)
                m[r][k] -= q * m[c][k];
            v[r] -= q * v[c];
        }
    }
    for (int c = DIM - 1; c >= 0; c--) {
        for (int k = c + 1; k < DIM; k++)
            v[c] -= m[c][k] * v[k];
        v[c] /= m[c][c];
    }
}

/* Logistic regression with a ridge, by Newton's method, on the pairs marked in `in`. */
static void fit(const labelled *d, double (*f)[NB_STORY_FEATURES], const int *in, double *w)
{
    for (int k = 0; k < DIM; k++)
        w[k] = 0;
    for (int it = 0; it < 50; it++) {
        double h[DIM][DIM] = {{0}}, g[DIM] = {0};
        for (size_t n = 0; n < d->pairs; n++) {
            if (in && !in[n])
                continue;
            double x[DIM], p = logit(w, f[n]);
            for (int k = 0; k < NB_STORY_FEATURES; k++)
                x[k] = f[n][k];
            x[NB_STORY_FEATURES] = 1;
            for (int r = 0; r < DIM; r++) {
                g[r] += (p - d->label[n]) * x[r];
                for (int c = 0; c < DIM; c++)
                    h[r][c] += p * (1 - p) * x[r] * x[c];
            }
        }
        for (int k = 0; k < NB_STORY_FEATURES; k++) {
            g[k] += L2 * w[k];
            h[k][k] += L2;
        }
        solve(h, g);
        double step = 0;
        for (int k = 0; k < DIM; k++) {
            w[k] -= g[k];
            step += fabs(g[k]);
        }
        if (step < 1e-12)
            break;
    }
}

typedef struct counts {
    size_t tp, fp, fn, tn;
} counts;

static double precision_of(counts c)
{
    return c.tp + c.fp ? (double)c.tp / (double)(c.tp + c.fp) : 1;
}

static double recall_of(counts c)
{
    return c.tp + c.fn ? (double)c.tp / (double)(c.tp + c.fn) : 1;
}

static void tally(counts *c, int predicted, int label)
{
    c->tp += predicted && label;
    c->fp += predicted && !label;
    c->fn += !predicted && label;
    c->tn += !predicted && !label;
}

typedef struct scored {
    double p;
    int label;
} scored;

/* Halfway between the probability of the last pair kept (s[best]) and the next one. */
static double k_threshold(const scored *s, size_t n, size_t best)
{
    return best + 1 < n ? (s[best].p + s[best + 1].p) / 2 : s[best].p;
}

static int by_p_desc(const void *x, const void *y)
{
    double a = ((const scored *)x)->p, b = ((const scored *)y)->p;
    return a > b ? -1 : a < b;
}

/* The threshold on the pairs marked in `in`: the most recall at a precision of at least
 * TRAIN_PRECISION, halfway between the last pair kept and the next one. */
static double choose_threshold(const labelled *d, double (*f)[NB_STORY_FEATURES], const int *in,
                               const double *w)
{
    scored *s = calloc(d->pairs, sizeof *s);
    size_t n = 0, positives = 0;
    for (size_t k = 0; k < d->pairs; k++)
        if (!in || in[k]) {
            s[n++] = (scored){logit(w, f[k]), d->label[k]};
            positives += (size_t)d->label[k];
        }
    qsort(s, n, sizeof *s, by_p_desc);
    size_t tp = 0, best = 0, best_tp = 0;
    for (size_t k = 0; k < n; k++) {
        tp += (size_t)s[k].label;
        /* a cut only between two different probabilities */
        if (k + 1 < n && s[k + 1].p == s[k].p)
            continue;
        if ((double)tp / (double)(k + 1) >= TRAIN_PRECISION && tp > best_tp) {
            best_tp = tp;
            best = k;
        }
    }
    (void)positives;
    double t = k_threshold(s, n, best);
    free(s);
    return t;
}

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Stratified folds: positives and negatives each dealt round the folds in a shuffled order. */
static void deal_folds(const labelled *d, uint32_t shuffle, int *fold)
{
    size_t order[MAX_PAIRS], n = d->pairs;
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    uint32_t rng = shuffle;
    for (size_t k = n; k > 1; k--) {
        size_t j = next_random(&rng) % k, t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
    size_t dealt[2] = {0, 0};
    for (size_t k = 0; k < n; k++) {
        int l = d->label[order[k]];
        fold[order[k]] = (int)(dealt[l]++ % FOLDS);
    }
}

static void test_cross_validated_figure(void **state)
{
    (void)state;
    static labelled d;
    static double f[MAX_PAIRS][NB_STORY_FEATURES];
    static int predicted[REPEATS][MAX_PAIRS];
    load_labelled(&d);
    size_t positives = 0, n = d.pairs;
    for (size_t k = 0; k < n; k++)
        positives += (size_t)d.label[k];
    printf("story pairs: %zu labelled (%zu same event, %zu different), %zu articles\n", n,
           positives, n - positives, d.articles);
    assert_true(n >= 300);
    pair_features(&d, f);
    printf("repeated stratified %d-fold cross-validation, %d repeats; on each training part a "
           "logistic regression (ridge %.1f) and the threshold of most recall at precision >= "
           "%.2f\n",
           FOLDS, REPEATS, L2, TRAIN_PRECISION);
    printf("%-7s %-10s %-10s %-9s %-9s\n", "repeat", "precision", "recall", "threshold", "(range)");
    counts pooled = {0};
    for (int r = 0; r < REPEATS; r++) {
        int fold[MAX_PAIRS];
        deal_folds(&d, (uint32_t)(r + 1), fold);
        counts c = {0};
        double lo = 1, hi = 0;
        for (int k = 0; k < FOLDS; k++) {
            int in[MAX_PAIRS];
            for (size_t m = 0; m < n; m++)
                in[m] = fold[m] != k;
            double w[DIM];
            fit(&d, f, in, w);
            double t = choose_threshold(&d, f, in, w);
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
            for (size_t m = 0; m < n; m++)
                if (!in[m]) {
                    predicted[r][m] = logit(w, f[m]) >= t;
                    tally(&c, predicted[r][m], d.label[m]);
                    tally(&pooled, predicted[r][m], d.label[m]);
                }
        }
        printf("%-7d %-10.3f %-10.3f %.2f-%.2f\n", r + 1, precision_of(c), recall_of(c), lo, hi);
    }
    /* Bootstrap: the pairs drawn with replacement (each with its predictions in every
     * repeat), BOOTSTRAP times. */
    static double ps[BOOTSTRAP], rs[BOOTSTRAP];
    uint32_t rng = 20;
    for (int b = 0; b < BOOTSTRAP; b++) {
        counts c = {0};
        for (size_t k = 0; k < n; k++) {
            size_t j = next_random(&rng) % n;
            for (int r = 0; r < REPEATS; r++)
                tally(&c, predicted[r][j], d.label[j]);
        }
        ps[b] = precision_of(c);
        rs[b] = recall_of(c);
    }
    qsort(ps, BOOTSTRAP, sizeof *ps, cmp_double);
    qsort(rs, BOOTSTRAP, sizeof *rs, cmp_double);
    int lo = BOOTSTRAP / 40, hi = BOOTSTRAP - 1 - BOOTSTRAP / 40;
    printf("cross-validated: precision %.3f [95%% CI %.3f, %.3f]  recall %.3f [95%% CI %.3f, "
           "%.3f]  (%d repeats: tp %zu fp %zu fn %zu tn %zu)\n",
           precision_of(pooled), ps[lo], ps[hi], recall_of(pooled), rs[lo], rs[hi], REPEATS,
           pooled.tp, pooled.fp, pooled.fn, pooled.tn);
    /* The same choice on the whole set gives the compiled-in defaults. */
    double w[DIM];
    fit(&d, f, NULL, w);
    double t = choose_threshold(&d, f, NULL, w);
    counts all = {0};
    for (size_t k = 0; k < n; k++)
        tally(&all, logit(w, f[k]) >= t, d.label[k]);
    printf("chosen on all %zu pairs: coef {", n);
    for (int k = 0; k < NB_STORY_FEATURES; k++)
        printf("%s%.3f", k ? ", " : "", w[k]);
    printf("} bias %.3f threshold %.3f (in-sample precision %.3f recall %.3f)\n",
           w[NB_STORY_FEATURES], t, precision_of(all), recall_of(all));
    const nb_story_weights *def = &nb_story_default_weights;
    for (int k = 0; k < NB_STORY_FEATURES; k++)
        if (fabs(def->coef[k] - w[k]) > 0.001)
            fail_msg("coef[%d] is %.3f, the choice gives %.3f", k, def->coef[k], w[k]);
    if (fabs(def->bias - w[NB_STORY_FEATURES]) > 0.001)
        fail_msg("bias is %.3f, the choice gives %.3f", def->bias, w[NB_STORY_FEATURES]);
    if (fabs(def->threshold - t) > 0.001)
        fail_msg("threshold is %.3f, the choice gives %.3f", def->threshold, t);
    assert_true(NB_STORY_THRESHOLD == def->threshold);
    assert_true(precision_of(pooled) >= 0.95);
    assert_true(recall_of(pooled) >= 0.85);
    free_labelled(&d);
}

/* The seed's Llama 4 pair (aibase 16869, 机器之心 2025-04-07-4) in the seed's own index. */
static double seed_llama(void)
{
    seed s = {.index = nb_story_index_new()};
    load_seed(&s);
    nb_story_index_finish(s.index);
    size_t a = 0, b = 0;
    for (size_t i = 0; i < s.count; i++) {
        a = !strcmp(s.keys[i], "16869") ? i : a;
        b = !strcmp(s.keys[i], "2025-04-07-4") ? i : b;
    }
    double p = nb_story_similarity(s.index, a, b);
    nb_story_index_free(s.index);
    return p;
}

static void test_seed_items(void **state)
{
    (void)state;
    seed s = {.index = nb_story_index_new()};
    load_seed(&s);
    nb_story_index_finish(s.index);
    assert_int_equal(s.count, 35);
    size_t cluster[64];
    nb_story_cluster(s.index, NB_STORY_THRESHOLD, cluster);
    size_t un_a = 0, un_b = 0, llama_a = 0, llama_b = 0;
    for (size_t i = 0; i < s.count; i++) {
        if (!strcmp(s.keys[i], "16890"))
            un_a = i;
        if (!strcmp(s.keys[i], "16886"))
            un_b = i;
        if (!strcmp(s.keys[i], "16869"))
            llama_a = i;
        if (!strcmp(s.keys[i], "2025-04-07-4"))
            llama_b = i;
    }
    double un = nb_story_similarity(s.index, un_a, un_b);
    double llama = nb_story_similarity(s.index, llama_a, llama_b);
    double other = 0;
    size_t above_llama = 0;
    for (size_t i = 0; i < s.count; i++)
        for (size_t j = i + 1; j < s.count; j++) {
            int pair = (i == un_a && j == un_b) || (i == un_b && j == un_a) ||
                       (i == llama_a && j == llama_b) || (i == llama_b && j == llama_a);
            double v = nb_story_similarity(s.index, i, j);
            above_llama += !pair && v >= llama;
            if (!pair && v > other)
                other = v;
        }
    printf("seed: UN pair %.3f, Llama 4 / Maverick pair %.3f, highest other pair %.3f (%zu "
           "distinct pairs at or above the Llama pair)\n",
           un, llama, other, above_llama);
    /* The UN pair is one story offline. */
    assert_int_equal(cluster[un_a], cluster[un_b]);
    /* No two distinct stories of the seed merge. */
    for (size_t i = 0; i < s.count; i++) {
        int in_pair = i == un_a || i == un_b || i == llama_a || i == llama_b;
        if (!in_pair)
            assert_int_equal(cluster[i], i);
    }
    assert_true(un >= NB_STORY_THRESHOLD && other < NB_STORY_THRESHOLD);
    /* The Llama 4 / Maverick pair shares little beyond "Meta" and "LM Arena" ("双标",
     * "评测版" against "作弊", "竞技场"): offline it stays apart, in the grey zone the LLM
     * settles. */
    assert_true(llama < NB_STORY_THRESHOLD && llama >= NB_STORY_GREY);
    nb_story_index_free(s.index);
}

/* Merging the Llama 4 pair offline would take a threshold at its probability: what that
 * costs on the labelled pairs (with the default weights). */
static void test_llama_offline(void **state)
{
    (void)state;
    static labelled d;
    static double f[MAX_PAIRS][NB_STORY_FEATURES];
    load_labelled(&d);
    pair_features(&d, f);
    const nb_story_weights *def = &nb_story_default_weights;
    double w[DIM];
    for (int k = 0; k < NB_STORY_FEATURES; k++)
        w[k] = def->coef[k];
    w[NB_STORY_FEATURES] = def->bias;
    double llama = seed_llama();
    counts at_default = {0}, at_llama = {0};
    for (size_t k = 0; k < d.pairs; k++) {
        double p = logit(w, f[k]);
        tally(&at_default, p >= def->threshold, d.label[k]);
        tally(&at_llama, p >= llama, d.label[k]);
    }
    printf("Llama 4 pair offline: probability %.3f against the threshold %.3f; a threshold "
           "there would merge %zu of %zu different-event pairs (precision %.3f, recall %.3f; "
           "at the threshold %zu, precision %.3f, recall %.3f, in-sample)\n",
           llama, def->threshold, at_llama.fp, at_llama.fp + at_llama.tn, precision_of(at_llama),
           recall_of(at_llama), at_default.fp, precision_of(at_default), recall_of(at_default));
    /* too many false merges: it stays with the LLM */
    assert_true(precision_of(at_llama) < 0.95);
    free_labelled(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_validated_figure),
        cmocka_unit_test(test_seed_items),
        cmocka_unit_test(test_llama_offline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
