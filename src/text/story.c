/* Story signatures and clustering. Tokens are hashed to 32 bits; each article keeps a
 * sorted (token, weight) vector with its norm. The inverted index holds, per token, the
 * articles for which it is among their rarest tokens; tokens in too many articles are not
 * indexed (they say nothing about the story). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/memory.h"
#include "text/text.h"

#define LEAD_CODEPOINTS 240
#define KEY_TOKENS 12   /* an article's rarest tokens that enter the inverted index */
#define POSTING_CAP 200 /* a token in more articles than this is no evidence */
#define EXACT_BELOW 1500
#define FIGURE_BONUS 0.1
#define IDF_PRIOR_DOCS 30 /* below this many articles, every pair is compared */

typedef struct token {
    uint32_t hash;
    float weight; /* raw weight; multiplied by idf in finish */
    int number;   /* a figure: "40%", "4.8", "2033" */
} token;

typedef struct article {
    token *tokens;
    size_t count;
    double norm;
} article;

typedef struct df_slot {
    uint32_t hash;
    uint32_t count; /* 0: empty */
} df_slot;

struct nb_story_index {
    article *articles;
    size_t count, alloc;
    df_slot *df; /* open addressing */
    size_t df_size, df_used;
};

nb_story_index *nb_story_index_new(void)
{
    nb_story_index *x = nb_xcalloc(1, sizeof *x);
    x->df_size = 1024;
    x->df = nb_xcalloc(x->df_size, sizeof *x->df);
    return x;
}

void nb_story_index_free(nb_story_index *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->count; i++)
        free(x->articles[i].tokens);
    free(x->articles);
    free(x->df);
    free(x);
}

static uint32_t mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352d;
    h ^= h >> 15;
    h *= 0x846ca68b;
    h ^= h >> 16;
    return h ? h : 1;
}

static df_slot *df_find(nb_story_index *x, uint32_t hash)
{
    size_t mask = x->df_size - 1, i = mix(hash) & mask;
    while (x->df[i].count && x->df[i].hash != hash)
        i = (i + 1) & mask;
    return &x->df[i];
}

static void df_add(nb_story_index *x, uint32_t hash)
{
    if ((x->df_used + 1) * 2 > x->df_size) {
        df_slot *old = x->df;
        size_t old_size = x->df_size;
        x->df_size *= 2;
        x->df = nb_xcalloc(x->df_size, sizeof *x->df);
        for (size_t i = 0; i < old_size; i++)
            if (old[i].count)
                *df_find(x, old[i].hash) = old[i];
        free(old);
    }
    df_slot *s = df_find(x, hash);
    if (!s->count) {
        s->hash = hash;
        x->df_used++;
    }
    s->count++;
}

static uint32_t fnv(const char *p, size_t n, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 16777619u;
    }
    return h;
}

static int is_cjk(utf8proc_int32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

static int is_word_char(utf8proc_int32_t cp)
{
    return cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                         (cp >= '0' && cp <= '9') || cp == '.' || cp == '-' || cp == '%');
}

static int stopword(const char *w, size_t n)
{
    static const char *const words[] = {
        "the",  "a",     "an",   "and",  "or",   "of",   "to",   "in",    "on",    "for",
        "with", "is",    "are",  "was",  "were", "be",   "by",   "at",    "as",    "it",
        "its",  "that",  "this", "from", "has",  "have", "had",  "will",  "can",   "not",
        "but",  "their", "they", "its",  "new",  "said", "says", "after", "first", "more",
        "up",   "out",   "into", "than", "all",  "his",  "her",  NULL};
    for (const char *const *x = words; *x; x++)
        if (strlen(*x) == n && strncmp(w, *x, n) == 0)
            return 1;
    return 0;
}

static void push(token **v, size_t *n, size_t *alloc, uint32_t hash, float weight, int number)
{
    *v = nb_xgrow(*v, alloc, *n + 1, sizeof **v);
    (*v)[(*n)++] = (token){hash ? hash : 1, weight, number};
}

/* Tokens of text with factor: CJK bigrams 1, words 1.5, names (capitalized or with digits)
 * 2, numbers 4. Stops after max code points (0: all). */
static void tokenize(const char *text, float factor, size_t max, token **v, size_t *n,
                     size_t *alloc)
{
    const char *p = text, *prev_cjk = NULL;
    size_t seen = 0;
    while (*p && (!max || seen < max)) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (step <= 0)
            step = 1, cp = 0xFFFD;
        if (is_cjk(cp)) {
            if (prev_cjk)
                push(v, n, alloc, fnv(prev_cjk, (size_t)(p + step - prev_cjk), 1), factor, 0);
            prev_cjk = p;
            p += step;
            seen++;
            continue;
        }
        prev_cjk = NULL;
        if (is_word_char(cp) && cp != '.' && cp != '-' && cp != '%') {
            const char *start = p;
            while (*p && is_word_char((unsigned char)*p))
                p++;
            size_t len = (size_t)(p - start);
            while (len && (start[len - 1] == '.' || start[len - 1] == '-'))
                len--;
            char word[64];
            size_t wl = len < sizeof word ? len : sizeof word - 1;
            int digits = 0, letters = 0, upper = start[0] >= 'A' && start[0] <= 'Z';
            for (size_t i = 0; i < wl; i++) {
                char c = start[i];
                digits += c >= '0' && c <= '9';
                letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                word[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            seen += len;
            if (wl < 2 && !digits)
                continue;
            if (letters && !digits && stopword(word, wl))
                continue;
            float w = !letters ? 4.0f : (digits || upper) ? 2.0f : 1.5f;
            push(v, n, alloc, fnv(word, wl, 2), w * factor, !letters);
            continue;
        }
        p += step;
        seen++;
    }
}

static int by_hash(const void *a, const void *b)
{
    uint32_t x = ((const token *)a)->hash, y = ((const token *)b)->hash;
    return x < y ? -1 : x > y;
}

size_t nb_story_index_add(nb_story_index *x, const char *title, const char *lead)
{
    token *v = NULL;
    size_t n = 0, alloc = 0;
    tokenize(title ? title : "", 2.0f, 0, &v, &n, &alloc);
    tokenize(lead ? lead : "", 1.0f, LEAD_CODEPOINTS, &v, &n, &alloc);
    if (n)
        qsort(v, n, sizeof *v, by_hash);
    size_t u = 0; /* merge repeats: weights add up (term frequency) */
    for (size_t i = 0; i < n; i++) {
        if (u && v[u - 1].hash == v[i].hash)
            v[u - 1].weight += v[i].weight;
        else
            v[u++] = v[i];
    }
    for (size_t i = 0; i < u; i++)
        df_add(x, v[i].hash);
    x->articles = nb_xgrow(x->articles, &x->alloc, x->count + 1, sizeof *x->articles);
    x->articles[x->count] = (article){v, u, 0};
    return x->count++;
}

static double idf(const nb_story_index *x, uint32_t hash)
{
    size_t mask = x->df_size - 1, i = mix(hash) & mask;
    while (x->df[i].count && x->df[i].hash != hash)
        i = (i + 1) & mask;
    double df = x->df[i].count ? x->df[i].count : 1;
    /* IDF_PRIOR_DOCS imaginary articles holding no token keep a small index from treating
     * every shared word as rare */
    return log(((double)x->count + IDF_PRIOR_DOCS + 1) / (df + 1)) + 1;
}

void nb_story_index_finish(nb_story_index *x)
{
    for (size_t i = 0; i < x->count; i++) {
        article *a = &x->articles[i];
        double sum = 0;
        for (size_t k = 0; k < a->count; k++) {
            a->tokens[k].weight = (float)(sqrt(a->tokens[k].weight) * idf(x, a->tokens[k].hash));
            sum += (double)a->tokens[k].weight * a->tokens[k].weight;
        }
        a->norm = sqrt(sum);
    }
}

double nb_story_similarity(const nb_story_index *x, size_t ia, size_t ib)
{
    const article *a = &x->articles[ia], *b = &x->articles[ib];
    if (!a->norm || !b->norm)
        return 0;
    double dot = 0;
    size_t i = 0, j = 0, figures = 0;
    while (i < a->count && j < b->count) {
        if (a->tokens[i].hash == b->tokens[j].hash) {
            figures += a->tokens[i].number;
            dot += (double)a->tokens[i++].weight * b->tokens[j++].weight;
        } else if (a->tokens[i].hash < b->tokens[j].hash)
            i++;
        else
            j++;
    }
    /* The same event is told with the same figures: two or more in common count extra. */
    double bonus = figures >= 2 ? FIGURE_BONUS : 0;
    return dot / (a->norm * b->norm) + bonus;
}

static size_t find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void unite(size_t *parent, size_t a, size_t b)
{
    size_t ra = find(parent, a), rb = find(parent, b);
    if (ra < rb)
        parent[rb] = ra;
    else if (rb < ra)
        parent[ra] = rb;
}

/* What to do with each candidate pair. */
typedef struct visit {
    const nb_story_index *x;
    double threshold, low;
    size_t *parent;                   /* clustering: join pairs at or above threshold */
    size_t *grey, grey_n, grey_alloc; /* grey zone: collect pairs in [low, threshold) */
} visit;

static void candidate(visit *v, size_t a, size_t b)
{
    if (v->parent) {
        if (find(v->parent, a) != find(v->parent, b) &&
            nb_story_similarity(v->x, a, b) >= v->threshold)
            unite(v->parent, a, b);
        return;
    }
    double s = nb_story_similarity(v->x, a, b);
    if (s >= v->low && s < v->threshold) {
        v->grey = nb_xgrow(v->grey, &v->grey_alloc, 2 * v->grey_n + 2, sizeof *v->grey);
        v->grey[2 * v->grey_n] = a;
        v->grey[2 * v->grey_n + 1] = b;
        v->grey_n++;
    }
}

typedef struct posting {
    uint32_t hash;
    uint32_t article;
} posting;

static int by_posting(const void *a, const void *b)
{
    const posting *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->article < y->article ? -1 : x->article > y->article;
}

static int by_weight_desc(const void *a, const void *b)
{
    float x = ((const token *)a)->weight, y = ((const token *)b)->weight;
    return x > y ? -1 : x < y;
}

/* Calls candidate() for every pair worth comparing. */
static void each_candidate(const nb_story_index *x, visit *v)
{
    size_t n = x->count;
    if (n < EXACT_BELOW) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                candidate(v, i, j);
    } else {
        /* Candidates: articles sharing one of their KEY_TOKENS heaviest (rarest) tokens. */
        posting *postings = nb_xmalloc(n * KEY_TOKENS * sizeof *postings);
        size_t m = 0;
        token *top = nb_xmalloc(sizeof *top * 1);
        size_t top_alloc = 1;
        for (size_t i = 0; i < n; i++) {
            const article *a = &x->articles[i];
            top = nb_xgrow(top, &top_alloc, a->count + 1, sizeof *top);
            memcpy(top, a->tokens, a->count * sizeof *top);
            qsort(top, a->count, sizeof *top, by_weight_desc);
            for (size_t k = 0; k < a->count && k < KEY_TOKENS; k++)
                postings[m++] = (posting){top[k].hash, (uint32_t)i};
        }
        free(top);
        qsort(postings, m, sizeof *postings, by_posting);
        for (size_t s = 0; s < m;) {
            size_t e = s;
            while (e < m && postings[e].hash == postings[s].hash)
                e++;
            if (e - s <= POSTING_CAP)
                for (size_t i = s; i < e; i++)
                    for (size_t j = i + 1; j < e; j++)
                        candidate(v, postings[i].article, postings[j].article);
            s = e;
        }
        free(postings);
    }
}

void nb_story_cluster_with(const nb_story_index *x, double threshold, const size_t *extra,
                           size_t extra_count, size_t *cluster)
{
    size_t n = x->count;
    size_t *parent = nb_xmalloc((n ? n : 1) * sizeof *parent);
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t k = 0; k < extra_count; k++)
        if (extra[2 * k] < n && extra[2 * k + 1] < n)
            unite(parent, extra[2 * k], extra[2 * k + 1]);
    visit v = {.x = x, .threshold = threshold, .parent = parent};
    each_candidate(x, &v);
    for (size_t i = 0; i < n; i++)
        cluster[i] = find(parent, i);
    free(parent);
}

void nb_story_cluster(const nb_story_index *x, double threshold, size_t *cluster)
{
    nb_story_cluster_with(x, threshold, NULL, 0, cluster);
}

typedef struct scored_pair {
    double similarity;
    size_t a, b;
} scored_pair;

static int by_similarity_desc(const void *p, const void *q)
{
    double x = ((const scored_pair *)p)->similarity, y = ((const scored_pair *)q)->similarity;
    return x > y ? -1 : x < y;
}

void nb_story_grey_pairs(const nb_story_index *x, double low, size_t **pairs, size_t *count)
{
    visit v = {.x = x, .threshold = NB_STORY_THRESHOLD, .low = low};
    each_candidate(x, &v);
    /* most similar first, so that a caller asking only some asks the likeliest */
    scored_pair *sorted = nb_xcalloc(v.grey_n ? v.grey_n : 1, sizeof *sorted);
    for (size_t k = 0; k < v.grey_n; k++)
        sorted[k] = (scored_pair){nb_story_similarity(x, v.grey[2 * k], v.grey[2 * k + 1]),
                                  v.grey[2 * k], v.grey[2 * k + 1]};
    qsort(sorted, v.grey_n, sizeof *sorted, by_similarity_desc);
    for (size_t k = 0; k < v.grey_n; k++) {
        v.grey[2 * k] = sorted[k].a;
        v.grey[2 * k + 1] = sorted[k].b;
    }
    free(sorted);
    *pairs = v.grey;
    *count = v.grey_n;
}
