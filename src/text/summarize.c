/* Extractive summaries: split, clean, rank (TextRank + lead prior + title bonus), select
 * (maximal marginal relevance within the budget), reassemble in original order. Pure and
 * deterministic: the same article always gives the same summary. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/memory.h"
#include "text/text.h"

#define MAX_SENTENCES 400
#define DAMPING 0.85
#define ITERATIONS 40
#define MMR_LAMBDA 0.7

typedef struct sentence {
    size_t start, len; /* bytes in the cleaned text */
    size_t codepoints;
    size_t index;     /* position in the article */
    uint32_t *tokens; /* sorted, unique token hashes */
    size_t token_count;
    int latin; /* mostly Latin script: joined with spaces */
    double score;
    int chosen;
} sentence;

static const char *const summary_drop[] = {
    "图源备注", "（图源备注", "(图源备注", "图片来源", "图源：",       "图：",   "▲", "责任编辑",
    "责编",     "来源：",     "原文链接",  "参考链接", "Image credit", "Photo:", NULL};
static const char *const summary_lead[] = {
    "机器之心报道", "机器之心编辑部", "机器之心原创", "编辑：", "作者：",
    "编辑:",        "作者:",          "记者",         "By ",    NULL};
static const char *const summary_labels[] = {"【AiBase提要:】", "【AiBase提要：】", "摘要：", NULL};

static int is_cjk(utf8proc_int32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF);
}

static int closes_quote(utf8proc_int32_t cp)
{
    return cp == 0x201D || cp == 0x2019 || cp == 0x300D || cp == 0x300F || cp == 0xFF09 ||
           cp == 0x300B || cp == '"' || cp == '\'' || cp == ')';
}

static utf8proc_int32_t decode(const char *p, utf8proc_ssize_t *step)
{
    utf8proc_int32_t cp;
    *step = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
    if (*step <= 0) {
        *step = 1;
        cp = 0xFFFD;
    }
    return cp;
}

/* "e.g.", "U.S.", "Mr.", "3.5": a period that does not end an English sentence. */
static int abbreviation_before(const char *text, const char *dot)
{
    static const char *const words[] = {"Mr",  "Mrs", "Ms",  "Dr", "Prof", "vs", "etc", "e.g",
                                        "i.e", "Inc", "Ltd", "Co", "Jr",   "Sr", "St",  NULL};
    const char *w = dot;
    while (w > text &&
           ((w[-1] >= 'a' && w[-1] <= 'z') || (w[-1] >= 'A' && w[-1] <= 'Z') || w[-1] == '.'))
        w--;
    size_t len = (size_t)(dot - w);
    /* Initials and initialisms: "J. Smith", "U.S.", "e.g.": single letters between dots. */
    int initials = len > 0;
    for (size_t i = 0; i < len && initials; i++)
        initials = (i % 2 == 0) ? w[i] != '.' : w[i] == '.';
    if (initials)
        return 1;
    for (const char *const *x = words; *x; x++)
        if (strlen(*x) == len && strncmp(w, *x, len) == 0)
            return 1;
    return 0;
}

/* Byte length of the sentence starting at p (within one paragraph of len bytes). */
static size_t sentence_length(const char *text, const char *p, size_t len)
{
    const char *end = p + len;
    const char *q = p;
    while (q < end) {
        utf8proc_ssize_t step;
        utf8proc_int32_t cp = decode(q, &step);
        const char *next = q + step;
        int ends = 0;
        if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B || cp == 0x2026) {
            ends = 1;
            while (next < end && (*next == '\xe2' && next[1] == '\x80' && next[2] == '\xa6'))
                next += 3; /* "……" */
        } else if (cp == '!' || cp == '?' || cp == ';') {
            ends = next >= end || *next == ' ';
        } else if (cp == '.') {
            ends = (next >= end || *next == ' ' || (unsigned char)*next >= 0x80) &&
                   !abbreviation_before(text, q) &&
                   !(q > p && q[-1] >= '0' && q[-1] <= '9' && next < end && *next >= '0' &&
                     *next <= '9');
        }
        if (ends) {
            while (next < end) {
                utf8proc_ssize_t s2;
                utf8proc_int32_t c2 = decode(next, &s2);
                if (!closes_quote(c2))
                    break;
                next += s2;
            }
            return (size_t)(next - p);
        }
        q = next;
    }
    return len;
}

static uint32_t fnv1a(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 16777619u;
    }
    return h;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int stopword(const char *w, size_t n)
{
    static const char *const words[] = {
        "the",  "a",     "an",   "and",  "or",   "of",   "to",  "in",   "on",  "for",
        "with", "is",    "are",  "was",  "were", "be",   "by",  "at",   "as",  "it",
        "its",  "that",  "this", "from", "has",  "have", "had", "will", "can", "not",
        "but",  "their", "they", "we",   "he",   "she",  NULL};
    for (const char *const *x = words; *x; x++)
        if (strlen(*x) == n && strncmp(w, *x, n) == 0)
            return 1;
    return 0;
}

/* Tokens: CJK character bigrams, lowercase Latin words (no stopwords), digit runs. */
static void tokenize(const char *p, size_t len, sentence *s)
{
    size_t alloc = 0, cjk = 0, latin = 0;
    uint32_t *tokens = NULL;
    size_t n = 0;
    const char *end = p + len, *prev_cjk = NULL;
    char word[64];
    size_t wlen = 0;
    for (const char *q = p; q <= end;) {
        utf8proc_ssize_t step = 1;
        utf8proc_int32_t cp = q < end ? decode(q, &step) : 0;
        int alnum = cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                                  (cp >= '0' && cp <= '9'));
        if (alnum && wlen < sizeof word) {
            word[wlen++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        } else if (wlen) {
            if (wlen >= 2 && !stopword(word, wlen)) {
                tokens = nb_xgrow(tokens, &alloc, n + 1, sizeof *tokens);
                tokens[n++] = fnv1a(word, wlen);
            }
            latin++;
            wlen = 0;
        }
        if (q < end && is_cjk(cp)) {
            cjk++;
            if (prev_cjk) {
                tokens = nb_xgrow(tokens, &alloc, n + 1, sizeof *tokens);
                tokens[n++] = fnv1a(prev_cjk, (size_t)(q + step - prev_cjk)) ^ 0x9e3779b9u;
            }
            prev_cjk = q;
        } else {
            prev_cjk = NULL;
        }
        q += step;
        if (q > end)
            break;
    }
    if (n)
        qsort(tokens, n, sizeof *tokens, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || tokens[u - 1] != tokens[i])
            tokens[u++] = tokens[i];
    s->tokens = tokens;
    s->token_count = u;
    s->latin = latin > cjk;
}

static size_t overlap(const sentence *a, const sentence *b)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->token_count && j < b->token_count) {
        if (a->tokens[i] == b->tokens[j]) {
            n++;
            i++;
            j++;
        } else if (a->tokens[i] < b->tokens[j]) {
            i++;
        } else {
            j++;
        }
    }
    return n;
}

/* TextRank's edge weight. */
static double similarity(const sentence *a, const sentence *b)
{
    if (a->token_count < 2 || b->token_count < 2)
        return 0;
    return (double)overlap(a, b) / (log((double)a->token_count) + log((double)b->token_count));
}

/* Redundancy between two sentences, 0..1. */
static double redundancy(const sentence *a, const sentence *b)
{
    size_t both = overlap(a, b);
    size_t either = a->token_count + b->token_count - both;
    return either ? (double)both / (double)either : 0;
}

static sentence *split(const char *text, size_t *count)
{
    sentence *out = NULL;
    size_t n = 0, alloc = 0;
    const char *p = text;
    while (*p && n < MAX_SENTENCES) {
        const char *para_end = strstr(p, "\n\n");
        size_t para_len = para_end ? (size_t)(para_end - p) : strlen(p);
        const char *q = p;
        while (q < p + para_len && n < MAX_SENTENCES) {
            while (q < p + para_len && *q == ' ')
                q++;
            if (q >= p + para_len)
                break;
            size_t len = sentence_length(text, q, (size_t)(p + para_len - q));
            size_t trimmed = len;
            while (trimmed && q[trimmed - 1] == ' ')
                trimmed--;
            out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
            memset(&out[n], 0, sizeof out[n]);
            out[n].start = (size_t)(q - text);
            out[n].len = trimmed;
            out[n].index = n;
            char *copy = nb_xstrndup(q, trimmed);
            out[n].codepoints = nb_utf8_length(copy);
            free(copy);
            n++;
            q += len;
        }
        p = para_end ? para_end + 2 : p + para_len;
    }
    *count = n;
    return out;
}

char *nb_text_sentences(const char *text, size_t **starts, size_t *count)
{
    size_t n;
    sentence *s = split(text, &n);
    nb_buf b;
    nb_buf_init(&b, 0);
    *starts = nb_xcalloc(n ? n : 1, sizeof **starts);
    for (size_t i = 0; i < n; i++) {
        (*starts)[i] = b.len;
        if (nb_buf_append(&b, text + s[i].start, s[i].len) || nb_buf_putc(&b, '\0'))
            break;
    }
    free(s);
    *count = n;
    return nb_buf_take(&b);
}

static void rank(sentence *s, size_t n, const sentence *title)
{
    double *w = nb_xcalloc(n ? n * n : 1, sizeof *w);
    double *out_weight = nb_xcalloc(n ? n : 1, sizeof *out_weight);
    double *score = nb_xcalloc(n ? n : 1, sizeof *score),
           *next = nb_xcalloc(n ? n : 1, sizeof *next);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            double v = similarity(&s[i], &s[j]);
            w[i * n + j] = w[j * n + i] = v;
            out_weight[i] += v;
            out_weight[j] += v;
        }
        score[i] = 1;
    }
    for (int it = 0; it < ITERATIONS; it++) {
        for (size_t i = 0; i < n; i++) {
            double sum = 0;
            for (size_t j = 0; j < n; j++)
                if (out_weight[j] > 0)
                    sum += w[j * n + i] / out_weight[j] * score[j];
            next[i] = (1 - DAMPING) + DAMPING * sum;
        }
        memcpy(score, next, n * sizeof *score);
    }
    double top = 0, top_title = 0;
    for (size_t i = 0; i < n; i++) {
        if (score[i] > top)
            top = score[i];
        double t = title ? redundancy(&s[i], title) : 0;
        if (t > top_title)
            top_title = t;
    }
    for (size_t i = 0; i < n; i++) {
        double centrality = top > 0 ? score[i] / top : 0;
        double lead = 1.0 / sqrt(1.0 + (double)i); /* news puts the point first */
        double about = title && top_title > 0 ? redundancy(&s[i], title) / top_title : 0;
        s[i].score = 0.45 * centrality + 0.4 * lead + 0.15 * about;
    }
    free(w);
    free(out_weight);
    free(score);
    free(next);
}

/* Picks sentences by maximal marginal relevance while they fit in max_chars. */
static size_t select_sentences(sentence *s, size_t n, size_t max_chars)
{
    size_t total = 0;
    for (;;) {
        double best_value = -1e9;
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (s[i].chosen || total + s[i].codepoints > max_chars || s[i].token_count == 0)
                continue;
            double worst_overlap = 0;
            for (size_t j = 0; j < n; j++)
                if (s[j].chosen) {
                    double r = redundancy(&s[i], &s[j]);
                    if (r > worst_overlap)
                        worst_overlap = r;
                }
            double value = MMR_LAMBDA * s[i].score - (1 - MMR_LAMBDA) * worst_overlap;
            if (value > best_value) {
                best_value = value;
                best = i;
            }
        }
        if (best == n)
            break;
        s[best].chosen = 1;
        total += s[best].codepoints;
    }
    return total;
}

static char *assemble(const char *text, const sentence *s, size_t n)
{
    nb_buf b;
    nb_buf_init(&b, 0);
    const sentence *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].chosen)
            continue;
        if (prev && (prev->latin || s[i].latin) && nb_buf_putc(&b, ' '))
            break;
        if (nb_buf_append(&b, text + s[i].start, s[i].len))
            break;
        prev = &s[i];
    }
    return nb_buf_take(&b);
}

char *nb_summarize_lead(const char *text, const nb_summary_options *options)
{
    if (!text || !*text)
        return NULL;
    const nb_body_rules rules = {
        .drop_prefixes = summary_drop,
        .lead_prefixes = summary_lead,
        .labels = summary_labels,
        .key_points_heading = "划重点",
    };
    char *clean = nb_text_clean_body(text, &rules, NULL);
    size_t n = 0, total = 0;
    sentence *s = split(clean, &n);
    for (size_t i = 0; i < n; i++)
        tokenize(clean + s[i].start, s[i].len, &s[i]);
    for (size_t i = 0; i < n && total + s[i].codepoints <= options->max_chars; i++) {
        s[i].chosen = 1;
        total += s[i].codepoints;
    }
    char *result = NULL;
    if (n && total) {
        result = assemble(clean, s, n);
    } else if (n) {
        /* the first sentence cut at max_chars code points */
        const char *p = clean + s[0].start;
        size_t bytes = 0, cps = 0;
        while (bytes < s[0].len && cps < options->max_chars) {
            utf8proc_ssize_t step;
            decode(p + bytes, &step);
            bytes += (size_t)step;
            cps++;
        }
        result = nb_xstrndup(p, bytes);
    }
    for (size_t i = 0; i < n; i++)
        free(s[i].tokens);
    free(s);
    free(clean);
    return result;
}

char *nb_summarize_extractive(const char *title, const char *text,
                              const nb_summary_options *options)
{
    if (!text || !*text)
        return NULL;
    const nb_body_rules rules = {
        .drop_prefixes = summary_drop,
        .lead_prefixes = summary_lead,
        .labels = summary_labels,
        .key_points_heading = "划重点",
    };
    char *clean = nb_text_clean_body(text, &rules, NULL);
    char *result = NULL;
    size_t n = 0;
    sentence *s = split(clean, &n);
    for (size_t i = 0; i < n; i++)
        tokenize(clean + s[i].start, s[i].len, &s[i]);
    if (n == 0)
        goto out;
    sentence t = {0};
    if (title)
        tokenize(title, strlen(title), &t);
    rank(s, n, title ? &t : NULL);
    free(t.tokens);
    size_t total = select_sentences(s, n, options->max_chars);
    if (total == 0) {
        /* Even the best sentence is too long: cut the lead sentence at a clause end. */
        char *lead = nb_xstrndup(clean + s[0].start, s[0].len);
        result = nb_text_cut(lead, options->max_chars);
        free(lead);
        goto out;
    }
    result = assemble(clean, s, n);
out:
    for (size_t i = 0; i < n; i++)
        free(s[i].tokens);
    free(s);
    free(clean);
    if (result && !*result) {
        free(result);
        result = NULL;
    }
    return result;
}
