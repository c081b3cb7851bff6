/* SPDX-License-Identifier: MIT */
/* Story signatures and clustering. Tokens are hashed to 32 bits; each article keeps a
 * sorted (token, weight, idf, in-title) vector with its norm, so that every feature of a pair
 * comes from one merge of two vectors. The inverted index holds, per token, the articles for
 * which it is among their rarest tokens; tokens in too many articles are not indexed (they
 * say nothing about the story). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/memory.h"
#include "text/text.h"

#define KEY_TOKENS 12   /* an article's rarest tokens that enter the inverted index */
#define POSTING_CAP 200 /* a token in more articles than this is no evidence */
#define EXACT_BELOW 1500
#define IDF_PRIOR_DOCS 30 /* below this many articles, every pair is compared */

const nb_story_weights nb_story_default_weights = {
    .title = 2.0,
    .cjk = 1.0,
    .word = 1.5,
    .name = 2.0,
    .number = 4.0,
    .lead_codepoints = 240,
    /* chosen by the story unit test on tests/data/dedupe (it checks them) */
    .coef = {4.426, 3.377, 4.312, 1.826, 2.392, 3.802},
    .bias = -10.009,
    .threshold = NB_STORY_THRESHOLD,
};

typedef struct token {
    uint32_t hash;
    float weight;           /* raw weight; multiplied by idf in finish */
    float idf;              /* set in finish */
    unsigned char kind;     /* KIND_CJK, KIND_WORD, KIND_NAME, KIND_NUMBER ("40%", "2033") */
    unsigned char in_title; /* the title holds it */
} token;

typedef struct article {
    token *tokens; /* title and lead, sorted by hash */
    size_t count;
    double norm;
    double title_mass; /* inverse document frequencies of the title's tokens, summed */
    double names_mass; /* ... of its names and numbers */
} article;

typedef struct df_slot {
    uint32_t hash;
    uint32_t count; /* 0: empty */
} df_slot;

struct nb_story_index {
    nb_story_weights weights;
    article *articles;
    size_t count, alloc;
    df_slot *df; /* open addressing */
    size_t df_size, df_used;
};

nb_story_index *nb_story_index_new(void)
{
    return nb_story_index_new_with(&nb_story_default_weights);
}

nb_story_index *nb_story_index_new_with(const nb_story_weights *weights)
{
    nb_story_index *x = nb_xcalloc(1, sizeof *x);
    x->weights = *weights;
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

/* Latin words, numbers and their joiners; accented letters too ("Lütke", "FläktGroup"). */
static int is_word_char(utf8proc_int32_t cp)
{
    return (cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                          (cp >= '0' && cp <= '9') || cp == '.' || cp == '-' || cp == '%')) ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}

/* A Chinese figure written in characters: "六成" (60%), "一半" (50%), "十倍" (10). cp is the
 * code point at p; returns the figure, or -1. */
static int cjk_figure(utf8proc_int32_t cp, const char *p)
{
    static const utf8proc_int32_t digits[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94,
                                              0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341};
    int d = cp == 0x4E24 ? 2 : -1; /* 两 */
    for (int k = 0; k < 10 && d < 0; k++)
        if (digits[k] == cp)
            d = k + 1;
    if (d < 0)
        return -1;
    utf8proc_int32_t next;
    if (utf8proc_iterate((const utf8proc_uint8_t *)p + 3, -1, &next) <= 0)
        return -1;
    if (next == 0x6210) /* 成 */
        return d * 10;
    if (next == 0x500D) /* 倍 */
        return d;
    if (next == 0x534A && d == 1) /* 一半 */
        return 50;
    return -1;
}

static int stopword(const char *w, size_t n)
{
    static const char *const words[] = {
        "the",  "a",     "an",      "and",     "or",      "of",   "to",    "in",   "on",
        "for",  "with",  "is",      "are",     "was",     "were", "be",    "by",   "at",
        "as",   "it",    "its",     "that",    "this",    "from", "has",   "have", "had",
        "will", "can",   "not",     "but",     "their",   "they", "its",   "new",  "said",
        "says", "after", "first",   "more",    "up",      "out",  "into",  "than", "all",
        "his",  "her",   "billion", "million", "percent", "now",  "about", "over", NULL};
    for (const char *const *x = words; *x; x++)
        if (strlen(*x) == n && strncmp(w, *x, n) == 0)
            return 1;
    return 0;
}

enum { KIND_CJK, KIND_WORD, KIND_NAME, KIND_NUMBER };

static void push(token **v, size_t *n, size_t *alloc, uint32_t hash, float weight, int kind)
{
    *v = nb_xgrow(*v, alloc, *n + 1, sizeof **v);
    (*v)[(*n)++] = (token){hash ? hash : 1, weight, 0, (unsigned char)kind, 0};
}

/* A Latin word's stem: plural and tense endings off, so that two sites' "signs" and
 * "signed", "models" and "model", "launches" and "launched" meet. */
static size_t stem(const char *w, size_t n)
{
    if (n > 5 && !memcmp(w + n - 3, "ing", 3))
        n -= 3;
    else if (n > 4 && !memcmp(w + n - 2, "ed", 2))
        n -= 2;
    else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i')
        n -= 1;
    if (n > 4 && w[n - 1] == 'e')
        n -= 1;
    return n;
}

/* One part of a Latin run ("gpt", "oss", "120b", "4.9B", "Llama"): a number (unit letter
 * off: "4.9B" is 4.9), a name (capitalized or with digits) or a word (stemmed). */
static void push_part(const nb_story_weights *wt, const char *start, size_t len, float factor,
                      token **v, size_t *n, size_t *alloc)
{
    char word[64];
    size_t wl = len < sizeof word ? len : sizeof word - 1;
    int digits = 0, letters = 0, upper = start[0] >= 'A' && start[0] <= 'Z';
    for (size_t i = 0; i < wl; i++) {
        char c = start[i];
        digits += c >= '0' && c <= '9';
        letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        word[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    while (wl && (word[wl - 1] == '.' || word[wl - 1] == '%'))
        wl--;
    if (digits && word[0] >= '0' && word[0] <= '9' && letters <= 2) {
        size_t units = 0; /* "5b", "1.5bn", "40k" */
        while (units < wl && word[wl - 1 - units] >= 'a' && word[wl - 1 - units] <= 'z')
            units++;
        if (units == (size_t)letters) {
            wl -= units;
            letters = 0;
        }
    }
    if (wl == 0 || (wl < 2 && !digits))
        return;
    if (letters && !digits && stopword(word, wl))
        return;
    if (letters && !digits)
        wl = stem(word, wl);
    double w = !letters ? wt->number : (digits || upper) ? wt->name : wt->word;
    push(v, n, alloc, fnv(word, wl, 2), (float)w * factor,
         !letters            ? KIND_NUMBER
         : (digits || upper) ? KIND_NAME
                             : KIND_WORD);
}

/* Tokens of text with factor times their kind's weight: CJK character bigrams, and the parts
 * of each Latin run split at hyphens ("DeepSeek-V3-0324": "deepseek", "v3", "0324"), with
 * the whole run as a name too. Stops after max code points (0: all). */
static void tokenize(const nb_story_weights *wt, const char *text, float factor, size_t max,
                     token **v, size_t *n, size_t *alloc)
{
    const char *p = text, *prev_cjk = NULL;
    size_t seen = 0;
    while (*p && (!max || seen < max)) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
        if (step <= 0)
            step = 1, cp = 0xFFFD;
        int figure = step == 3 ? cjk_figure(cp, p) : -1;
        if (figure >= 0) {
            char digits[8];
            int dn = snprintf(digits, sizeof digits, "%d", figure);
            push(v, n, alloc, fnv(digits, (size_t)dn, 2), (float)wt->number * factor, KIND_NUMBER);
        }
        if (nb_utf8_cjk(cp) == NB_CJK_HAN) {
            if (prev_cjk)
                push(v, n, alloc, fnv(prev_cjk, (size_t)(p + step - prev_cjk), 1),
                     (float)wt->cjk * factor, KIND_CJK);
            prev_cjk = p;
            p += step;
            seen++;
            continue;
        }
        prev_cjk = NULL;
        if (is_word_char(cp) && cp != '.' && cp != '-' && cp != '%') {
            const char *start = p;
            for (;;) {
                utf8proc_int32_t c2;
                utf8proc_ssize_t s2 = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c2);
                if (s2 <= 0 || !*p || !is_word_char(c2))
                    break;
                p += s2;
            }
            size_t len = (size_t)(p - start);
            while (len && (start[len - 1] == '.' || start[len - 1] == '-'))
                len--;
            seen += len;
            size_t parts = 0;
            for (const char *q = start; q < start + len;) {
                const char *dash = memchr(q, '-', (size_t)(start + len - q));
                size_t part = dash ? (size_t)(dash - q) : (size_t)(start + len - q);
                if (part)
                    push_part(wt, q, part, factor, v, n, alloc);
                parts++;
                q += part + 1;
            }
            if (parts > 1 && len < 64) {
                char word[64];
                for (size_t i = 0; i < len; i++)
                    word[i] = (char)(start[i] >= 'A' && start[i] <= 'Z' ? start[i] + 32 : start[i]);
                push(v, n, alloc, fnv(word, len, 3), (float)wt->name * factor, KIND_NAME);
            }
            continue;
        }
        p += step;
        seen++;
    }
}

/* Names of the field written differently by different sites, Chinese and English: each
 * alias adds the name's one token, so that "英伟达" meets "Nvidia" and "竞技场" meets
 * "LM Arena". An entry is the name, then its aliases, separated by "|" (Latin aliases match
 * as written, not inside a lowercase word). */
typedef struct glossary_entry {
    const char *name;
    const char *aliases[5]; /* NULL after the last */
} glossary_entry;

static const glossary_entry glossary[] = {
    {"nvidia", {"英伟达", "Nvidia", "NVIDIA", "辉达"}},
    {"google", {"谷歌", "Google", "Alphabet"}},
    {"microsoft", {"微软", "Microsoft"}},
    {"apple", {"苹果", "Apple"}},
    {"amazon", {"亚马逊", "Amazon", "AWS"}},
    {"meta", {"Meta", "脸书", "Facebook"}},
    {"intel", {"英特尔", "Intel"}},
    {"amd", {"AMD", "超威"}},
    {"tsmc", {"台积电", "TSMC"}},
    {"samsung", {"三星", "Samsung"}},
    {"qualcomm", {"高通", "Qualcomm"}},
    {"huawei", {"华为", "Huawei"}},
    {"ascend", {"昇腾", "Ascend"}},
    {"alibaba", {"阿里巴巴", "Alibaba", "阿里"}},
    {"qwen", {"通义千问", "千问", "Qwen"}},
    {"wanx", {"通义万相", "万相", "Wan2"}},
    {"tencent", {"腾讯", "Tencent"}},
    {"hunyuan", {"混元", "Hunyuan"}},
    {"bytedance", {"字节跳动", "ByteDance"}},
    {"doubao", {"豆包", "Doubao"}},
    {"baidu", {"百度", "Baidu"}},
    {"ernie", {"文心", "ERNIE", "Ernie"}},
    {"apollogo", {"萝卜快跑", "Apollo Go"}},
    {"deepseek", {"深度求索", "DeepSeek"}},
    {"moonshot", {"月之暗面", "Moonshot"}},
    {"zhipu", {"智谱", "Zhipu"}},
    {"stepfun", {"阶跃星辰", "StepFun"}},
    {"sensetime", {"商汤", "SenseTime"}},
    {"sensenova", {"日日新", "SenseNova"}},
    {"iflytek", {"科大讯飞", "讯飞", "iFlytek"}},
    {"xiaomi", {"小米", "Xiaomi"}},
    {"kuaishou", {"快手", "Kuaishou"}},
    {"kling", {"可灵", "Kling"}},
    {"unitree", {"宇树", "Unitree"}},
    {"agibot", {"智元机器人", "AgiBot"}},
    {"xpeng", {"小鹏", "XPeng", "Xpeng"}},
    {"nio", {"蔚来", "NIO"}},
    {"byd", {"比亚迪", "BYD"}},
    {"tesla", {"特斯拉", "Tesla"}},
    {"optimus", {"擎天柱", "Optimus"}},
    {"musk", {"马斯克", "Musk"}},
    {"altman", {"奥特曼", "Altman"}},
    {"jensenhuang", {"黄仁勋", "Jensen Huang"}},
    {"zuckerberg", {"扎克伯格", "Zuckerberg"}},
    {"llama", {"羊驼", "Llama"}},
    {"arena", {"竞技场", "Arena"}},
    {"cambricon", {"寒武纪", "Cambricon"}},
    {"moorethreads", {"摩尔线程", "Moore Threads"}},
    {"nyt", {"纽约时报", "NYT", "New York Times"}},
    {"eu", {"欧盟", "EU", "European Union"}},
    {"un", {"联合国", "United Nations"}},
    {"imf", {"国际货币基金组织", "IMF"}},
    {"whitehouse", {"白宫", "White House"}},
};

static int lower_letter(const char *p)
{
    return *p >= 'a' && *p <= 'z';
}

/* Adds one name token per glossary entry that text mentions. */
static void add_names(const nb_story_weights *wt, const char *text, float factor, size_t max,
                      token **v, size_t *n, size_t *alloc)
{
    size_t len = strlen(text);
    if (max && len > max * 4)
        len = max * 4; /* at most max code points of three bytes and more */
    for (size_t g = 0; g < sizeof glossary / sizeof glossary[0]; g++) {
        int found = 0;
        for (const char *const *alias = glossary[g].aliases; *alias && !found; alias++) {
            size_t alen = strlen(*alias);
            int latin = (unsigned char)**alias < 0x80;
            for (const char *hit = text; !found && hit + alen <= text + len; hit++) {
                hit = memchr(hit, **alias, (size_t)(text + len - hit));
                if (!hit || hit + alen > text + len)
                    break;
                if (memcmp(hit, *alias, alen) != 0)
                    continue;
                found = !latin ||
                        ((hit == text || !lower_letter(hit - 1)) && !lower_letter(hit + alen));
            }
        }
        if (found)
            push(v, n, alloc, fnv(glossary[g].name, strlen(glossary[g].name), 4),
                 (float)wt->name * factor, KIND_NAME);
    }
}

static int by_hash(const void *a, const void *b)
{
    uint32_t x = ((const token *)a)->hash, y = ((const token *)b)->hash;
    return x < y ? -1 : x > y;
}

/* Sorts v by hash and merges repeats (weights add up: term frequency); returns the count. */
static size_t merge(token *v, size_t n)
{
    if (n)
        qsort(v, n, sizeof *v, by_hash);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && v[u - 1].hash == v[i].hash) {
            v[u - 1].weight += v[i].weight;
            v[u - 1].in_title |= v[i].in_title;
        } else
            v[u++] = v[i];
    }
    return u;
}

size_t nb_story_index_add(nb_story_index *x, const char *title, const char *lead)
{
    token *v = NULL;
    size_t n = 0, alloc = 0;
    tokenize(&x->weights, title ? title : "", 1.0f, 0, &v, &n, &alloc);
    add_names(&x->weights, title ? title : "", 1.0f, 0, &v, &n, &alloc);
    size_t in_title = n;
    for (size_t i = 0; i < in_title; i++) {
        v[i].weight *= (float)x->weights.title;
        v[i].in_title = 1;
    }
    tokenize(&x->weights, lead ? lead : "", 1.0f, x->weights.lead_codepoints, &v, &n, &alloc);
    add_names(&x->weights, lead ? lead : "", 1.0f, x->weights.lead_codepoints, &v, &n, &alloc);
    size_t u = merge(v, n);
    for (size_t i = 0; i < u; i++)
        df_add(x, v[i].hash);
    x->articles = nb_xgrow(x->articles, &x->alloc, x->count + 1, sizeof *x->articles);
    x->articles[x->count] = (article){v, u, 0, 0, 0};
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
            a->tokens[k].idf = (float)idf(x, a->tokens[k].hash);
            a->tokens[k].weight = (float)(sqrt(a->tokens[k].weight) * a->tokens[k].idf);
            sum += (double)a->tokens[k].weight * a->tokens[k].weight;
        }
        a->norm = sqrt(sum);
        a->title_mass = a->names_mass = 0;
        for (size_t k = 0; k < a->count; k++)
            if (a->tokens[k].in_title) {
                a->title_mass += a->tokens[k].idf;
                a->names_mass += a->tokens[k].kind >= KIND_NAME ? a->tokens[k].idf : 0;
            }
    }
}

void nb_story_features(const nb_story_index *x, size_t ia, size_t ib,
                       double features[NB_STORY_FEATURES])
{
    const article *a = &x->articles[ia], *b = &x->articles[ib];
    double dot = 0, rarest = 0, ab = 0, ba = 0, names_ab = 0, names_ba = 0;
    size_t i = 0, j = 0, figures = 0;
    while (i < a->count && j < b->count) {
        const token *s = &a->tokens[i], *t = &b->tokens[j];
        if (s->hash == t->hash) {
            int name = s->kind >= KIND_NAME;
            figures += s->kind == KIND_NUMBER;
            rarest = s->idf > rarest ? s->idf : rarest;
            ab += s->in_title ? s->idf : 0; /* of a's title, held by b */
            ba += t->in_title ? t->idf : 0;
            names_ab += s->in_title && name ? s->idf : 0;
            names_ba += t->in_title && name ? t->idf : 0;
            dot += (double)s->weight * t->weight;
            i++;
            j++;
        } else if (s->hash < t->hash) {
            i++;
        } else {
            j++;
        }
    }
    ab = a->title_mass > 0 ? ab / a->title_mass : 1;
    ba = b->title_mass > 0 ? ba / b->title_mass : 1;
    names_ab = a->names_mass > 0 ? names_ab / a->names_mass : 1;
    names_ba = b->names_mass > 0 ? names_ba / b->names_mass : 1;
    /* the highest inverse document frequency a token can have in this index */
    double top = log(((double)x->count + IDF_PRIOR_DOCS + 1) / 2) + 1;
    features[0] = a->norm > 0 && b->norm > 0 ? dot / (a->norm * b->norm) : 0;
    features[1] = ab < ba ? ab : ba;
    features[2] = ab < ba ? ba : ab;
    features[3] = figures >= 2; /* the same event is told with the same figures */
    features[4] = names_ab < names_ba ? names_ba : names_ab;
    features[5] = rarest / top;
}

double nb_story_similarity(const nb_story_index *x, size_t ia, size_t ib)
{
    double f[NB_STORY_FEATURES];
    nb_story_features(x, ia, ib, f);
    const nb_story_weights *w = &x->weights;
    double z = w->bias;
    for (int k = 0; k < NB_STORY_FEATURES; k++)
        z += w->coef[k] * f[k];
    return 1 / (1 + exp(-z));
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
