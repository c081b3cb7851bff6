/* text/story: story similarity on labelled pairs (precision and recall printed) and on the
 * seed's own items (no two distinct stories merge). */
#include "testing.h"

#include "text/text.h"

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

static void test_labelled_pairs(void **state)
{
    (void)state;
    seed s = {.index = nb_story_index_new()};
    load_seed(&s); /* background for the inverse document frequencies */
    const char *dir = getenv("NB_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/dedupe/pairs.tsv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int labels[200];
    size_t a[200], b[200], n = 0;
    char line[8192];
    while (fgets(line, sizeof line, f) && n < 200) {
        char *fields[5];
        if (line[0] == '#' || split(line, fields, 5) < 5)
            continue;
        labels[n] = fields[0][0] == '1';
        a[n] = nb_story_index_add(s.index, fields[1], fields[2]);
        b[n] = nb_story_index_add(s.index, fields[3], fields[4]);
        n++;
    }
    fclose(f);
    nb_story_index_finish(s.index);
    size_t tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        int same = nb_story_similarity(s.index, a[i], b[i]) >= NB_STORY_THRESHOLD;
        tp += same && labels[i];
        fp += same && !labels[i];
        fn += !same && labels[i];
        tn += !same && !labels[i];
    }
    double precision = tp + fp ? (double)tp / (double)(tp + fp) : 1;
    double recall = tp + fn ? (double)tp / (double)(tp + fn) : 1;
    printf("story pairs: %zu labelled (%zu same, %zu different), threshold %.2f: "
           "precision %.3f recall %.3f (tp %zu fp %zu fn %zu tn %zu)\n",
           n, tp + fn, fp + tn, NB_STORY_THRESHOLD, precision, recall, tp, fp, fn, tn);
    assert_true(n >= 40);
    assert_true(precision >= 0.95);
    assert_true(recall >= 0.80);
    nb_story_index_free(s.index);
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
    for (size_t i = 0; i < s.count; i++)
        for (size_t j = i + 1; j < s.count; j++) {
            int pair = (i == un_a && j == un_b) || (i == un_b && j == un_a) ||
                       (i == llama_a && j == llama_b) || (i == llama_b && j == llama_a);
            double v = nb_story_similarity(s.index, i, j);
            if (!pair && v > other)
                other = v;
        }
    printf("seed: UN pair %.3f, Llama 4 / Maverick pair %.3f, highest other pair %.3f\n", un, llama,
           other);
    /* The UN pair is one story offline; the Llama 4 / Maverick pair needs the LLM (their
     * words differ: "双标", "评测版" against "作弊", "竞技场"), so offline it stays apart. */
    assert_int_equal(cluster[un_a], cluster[un_b]);
    /* No two distinct stories of the seed merge. */
    for (size_t i = 0; i < s.count; i++) {
        int in_pair = i == un_a || i == un_b || i == llama_a || i == llama_b;
        if (!in_pair)
            assert_int_equal(cluster[i], i);
    }
    /* The two real pairs stand out from every distinct pair. */
    assert_true(un > other + 0.1);
    assert_true(llama > other);
    nb_story_index_free(s.index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labelled_pairs),
        cmocka_unit_test(test_seed_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
