/* SPDX-License-Identifier: MIT */
/* Extractive summaries: clean, split, set page furniture aside, rank (TextRank centrality, a
 * lead prior that grows as the text shrinks, the title's words as a query), then choose whole
 * sentences within the budget by maximal marginal relevance. A sentence that opens with a
 * pronoun comes only with the one before it; only a top sentence longer than the budget is
 * cut, at clause boundaries. Every summary ends where a sentence ends. Pure and
 * deterministic: the same article always gives the same summary. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "text/text.h"
#include "text/text_internal.h"

#define DAMPING 0.85
#define ITERATIONS 40
#define MMR_LAMBDA 0.7
#define FILL_SHARE                                                                                 \
    0.7 /* past min_chars, a sentence joins only with this share of the top score                  \
         */
#define LABEL_CODEPOINTS 80  /* an unterminated paragraph this short is a label or caption */
#define MIN_CJK_CODEPOINTS 6 /* shorter sentences say nothing on their own ("“好。”") */

/* Furniture any site may carry; a site's own (its bylines and labels) comes from its adapter,
 * handed over as data (nb_summarize_extractive_sites). */
static const char *const summary_drop[] = {
    /* Chinese sites */
    "图源备注", "（图源备注", "(图源备注", "图片来源", "图源：", "图源:", "图：", "图/", "图为",
    "▲", "责任编辑", "责编", "编辑：", "编辑:", "作者：", "作者:", "来源：", "来源:", "原标题",
    "原文链接", "原文地址", "参考链接", "相关阅读", "推荐阅读", "延伸阅读", "相关链接", "免责声明",
    "声明：", "扫码", "扫描二维码", "长按二维码", "点击查看", "点击阅读", "点击关注", "本文来自",
    "（本文来自", "(本文来自", "本文转载", "（本文转载", "文/", "文 /", "记者：", "记者:",
    /* English sites */
    "Advertisement", "ADVERTISEMENT", "Image credit", "Image:", "Photo:", "Photo illustration",
    "Photograph:", "Photo credit", "Credit:", "Read more:", "Read more ", "READ MORE",
    "Related:", "Related Articles", "Reporting by", "Editing by", "Additional reporting",
    "Share this", "Listen to this", "Sign up", "Subscribe to", "Follow us", "Click here",
    "Copyright", "©", NULL};
static const char *const summary_lead[] = {"By ", "BY ", NULL};
static const char *const summary_labels[] = {"摘要：", NULL};

/* Sentence openings that point back at something named before them. */
static const char *const anaphora_latin[] = {
    "He ",      "She ",         "It ",      "It's ",       "They ",      "This ",
    "These ",   "Those ",       "That ",    "His ",        "Her ",       "Its ",
    "Their ",   "The company",  "The firm", "The group",   "The start",  "The move",
    "The deal", "The decision", "The plan", "Such ",       "But ",       "However",
    "Also,",    "Still,",       "Instead,", "In addition", "Besides,",   "Meanwhile,",
    "Yet ",     "And ",         "So ",      "Then ",       "Until then", NULL};
static const char *const anaphora_cjk[] = {
    "他",   "她", "它",   "其",   "该",   "此",   "这",   "另外", "同时", "不过",     "但",
    "然而", "而", "因此", "所以", "对此", "为此", "随后", "之后", "此前", "与此同时", NULL};

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

/* Share of the title's tokens that the sentence holds, 0..1. */
static double coverage(const sentence *s, const sentence *title)
{
    return title && title->token_count ? (double)overlap(s, title) / (double)title->token_count : 0;
}

/* Marks page furniture, short fragments and sentences that point back.
 * A label (an unterminated short paragraph) counts only when the text has sentence ends
 * elsewhere: a headline-style excerpt is all there is. */
static void classify(const char *text, sentence *s, size_t n, const char *const *drop)
{
    int any_terminated = 0;
    for (size_t i = 0; i < n; i++)
        any_terminated |= nb_sum_terminated(text + s[i].start, s[i].len);
    size_t prev = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        sentence *x = &s[i];
        const char *p = text + x->start;
        size_t para_codepoints = 0;
        int para_terminated = 0;
        for (size_t j = i; j > 0 && s[j - 1].paragraph == x->paragraph; j--)
            para_codepoints += s[j - 1].codepoints;
        for (size_t j = i; j < n && s[j].paragraph == x->paragraph; j++) {
            para_codepoints += s[j].codepoints;
            para_terminated = nb_sum_terminated(text + s[j].start, s[j].len);
        }
        int last = i + 1 == n;
        if (x->len == 0 || starts_with_any(p, x->len, drop) ||
            (any_terminated && !para_terminated && para_codepoints <= LABEL_CODEPOINTS) ||
            (any_terminated && last && !nb_sum_terminated(p, x->len)) ||
            (x->len >= 3 && !strncmp(p + x->len - 3, "摄", 3))) {
            x->furniture = 1;
            continue;
        }
        size_t words = nb_sum_latin_words(p, x->len);
        x->weak = x->latin ? words < MIN_LATIN_WORDS
                           : x->codepoints < MIN_CJK_CODEPOINTS && words < MIN_LATIN_WORDS;
        x->dependent =
            starts_with_any(p, x->len, anaphora_latin) || starts_with_any(p, x->len, anaphora_cjk);
        x->pred = x->dependent ? prev : SIZE_MAX;
        prev = i;
    }
}

/* Eligible to be chosen: not furniture nor weak, and a pronoun's predecessor is usable. */
static int eligible(const sentence *s, size_t i)
{
    const sentence *x = &s[i];
    if (x->furniture || x->weak)
        return 0;
    if (!x->dependent)
        return 1;
    return x->pred != SIZE_MAX && !s[x->pred].furniture && eligible(s, x->pred);
}

/* The sentences that come with i: i and its unchosen predecessors. Their code points. */
static size_t unit_cost(const sentence *s, size_t i)
{
    size_t cost = 0;
    for (size_t k = i; k != SIZE_MAX && !s[k].chosen; k = s[k].dependent ? s[k].pred : SIZE_MAX)
        cost += s[k].codepoints + (s[k].latin ? 1 : 0); /* the space that joins it */
    return cost;
}

static double unit_score(const sentence *s, size_t i)
{
    double sum = 0;
    size_t members = 0;
    for (size_t k = i; k != SIZE_MAX && !s[k].chosen; k = s[k].dependent ? s[k].pred : SIZE_MAX) {
        sum += s[k].score;
        members++;
    }
    return members ? sum / (double)members : 0;
}

static void choose_unit(sentence *s, size_t i, int order)
{
    for (size_t k = i; k != SIZE_MAX && !s[k].chosen; k = s[k].dependent ? s[k].pred : SIZE_MAX)
        s[k].chosen = order;
}

/* Weights of the parts of a sentence's score. */
typedef struct weights {
    double centre, lead, title;
    double top_title; /* the best title coverage of any sentence */
} weights;

static double combine(const weights *w, double centrality, double lead, double about)
{
    return w->centre * centrality + w->lead * lead +
           (w->top_title > 0 ? w->title * about / w->top_title : 0);
}

static void rank(sentence *s, size_t n, const sentence *title, size_t text_codepoints, weights *wt)
{
    double *w = nb_xcalloc(n ? n * n : 1, sizeof *w);
    double *out_weight = nb_xcalloc(n ? n : 1, sizeof *out_weight);
    double *score = nb_xcalloc(n ? n : 1, sizeof *score),
           *next = nb_xcalloc(n ? n : 1, sizeof *next);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n && !s[i].furniture; j++) {
            double v = s[j].furniture ? 0 : similarity(&s[i], &s[j]);
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
        if (s[i].furniture)
            continue;
        if (score[i] > top)
            top = score[i];
        double t = coverage(&s[i], title);
        if (t > top_title)
            top_title = t;
    }
    /* Short news carries its point in the lead; a long article spreads it. The lead prior
     * weighs 0.44 for a text of 100 characters, 0.27 at 500, 0.16 at 2000; the title's
     * words 0.35, centrality the rest. */
    double shortness = 300.0 / (300.0 + (double)text_codepoints);
    wt->lead = 0.1 + 0.45 * shortness;
    wt->title = top_title > 0 ? 0.35 : 0;
    wt->centre = 1 - wt->lead - wt->title;
    wt->top_title = top_title;
    size_t position = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].furniture)
            continue;
        s[i].centrality = top > 0 ? score[i] / top : 0;
        s[i].lead = 1.0 / (1.0 + (double)position * (0.5 + shortness));
        s[i].about = coverage(&s[i], title);
        s[i].score = combine(wt, s[i].centrality, s[i].lead, s[i].about);
        position++;
    }
    free(w);
    free(out_weight);
    free(score);
    free(next);
}

/* The best unit that fits in room by maximal marginal relevance; n when none. */
static size_t best_unit(const sentence *s, size_t n, size_t room, double *value)
{
    double best_value = -1e9;
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if (s[i].chosen || !eligible(s, i) || s[i].token_count == 0 || unit_cost(s, i) > room)
            continue;
        double worst_overlap = 0;
        for (size_t j = 0; j < n; j++)
            if (s[j].chosen) {
                double r = redundancy(&s[i], &s[j]);
                if (r > worst_overlap)
                    worst_overlap = r;
            }
        double v = MMR_LAMBDA * unit_score(s, i) - (1 - MMR_LAMBDA) * worst_overlap;
        if (v > best_value) {
            best_value = v;
            best = i;
        }
    }
    if (value)
        *value = best_value;
    return best;
}

/* Fills room with whole units; past min code points (counting already), only units that
 * score at least FILL_SHARE of the top sentence's score join. Returns the code points used. */
static size_t fill(sentence *s, size_t n, size_t already, size_t room, size_t min, double top)
{
    size_t used = 0;
    for (;;) {
        size_t best = best_unit(s, n, room - used, NULL);
        if (best == n || (already + used >= min && unit_score(s, best) < FILL_SHARE * top))
            break;
        used += unit_cost(s, best);
        int order = 1;
        for (size_t i = 0; i < n; i++)
            if (s[i].chosen >= order)
                order = s[i].chosen + 1;
        choose_unit(s, best, order);
    }
    return used;
}

static char *assemble(const char *text, const sentence *s, size_t n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    const sentence *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].chosen)
            continue;
        if (prev && (prev->latin || s[i].latin) && nb_buf_putc(&b, ' '))
            break;
        if (s[i].cut ? nb_buf_puts(&b, s[i].cut) : nb_buf_append(&b, text + s[i].start, s[i].len))
            break;
        prev = &s[i];
    }
    return nb_buf_take(&b);
}

typedef struct prepared {
    char *clean;
    sentence *s;
    size_t n;
    sentence title;
    int has_title;
    const char **drop, **lead, **labels; /* generic and site furniture (strings borrowed) */
} prepared;

enum rule_list { RULE_DROP, RULE_LEAD, RULE_LABELS };

static const char *const *rule_list(const nb_body_rules *r, enum rule_list which)
{
    return which == RULE_DROP   ? r->drop_prefixes
           : which == RULE_LEAD ? r->lead_prefixes
                                : r->labels;
}

/* The generic list followed by that list of every site's rules, NULL-terminated; the caller
 * frees the array, not the strings. */
static const char **with_sites(const char *const *generic, const nb_body_rules *const *sites,
                               enum rule_list which)
{
    size_t n = 0;
    for (const char *const *x = generic; *x; x++)
        n++;
    for (const nb_body_rules *const *r = sites; r && *r; r++)
        for (const char *const *x = rule_list(*r, which); x && *x; x++)
            n++;
    const char **out = nb_xcalloc(n + 1, sizeof *out);
    n = 0;
    for (const char *const *x = generic; *x; x++)
        out[n++] = *x;
    for (const nb_body_rules *const *r = sites; r && *r; r++)
        for (const char *const *x = rule_list(*r, which); x && *x; x++)
            out[n++] = *x;
    return out;
}

static void prepare(const char *title, const char *text, const nb_body_rules *const *sites,
                    prepared *d)
{
    memset(d, 0, sizeof *d);
    d->drop = with_sites(summary_drop, sites, RULE_DROP);
    d->lead = with_sites(summary_lead, sites, RULE_LEAD);
    d->labels = with_sites(summary_labels, sites, RULE_LABELS);
    const nb_body_rules rules = {
        .drop_prefixes = d->drop,
        .lead_prefixes = d->lead,
        .labels = d->labels,
        .key_points_heading = "划重点",
    };
    d->clean = nb_text_clean_body(text, &rules, NULL);
    d->s = nb_sum_split(d->clean, &d->n);
    for (size_t i = 0; i < d->n; i++)
        d->s[i].tokens = nb_sum_tokenize(d->clean + d->s[i].start, d->s[i].len,
                                         &d->s[i].token_count, &d->s[i].latin);
    classify(d->clean, d->s, d->n, d->drop);
    /* A text with nothing eligible keeps what is not furniture, then everything. */
    int any = 0;
    for (size_t i = 0; i < d->n && !any; i++)
        any = eligible(d->s, i);
    for (size_t i = 0; i < d->n && !any; i++)
        if (!d->s[i].furniture) {
            d->s[i].weak = d->s[i].dependent = 0;
            any = 1;
        }
    for (size_t i = 0; i < d->n && !any; i++)
        d->s[i].furniture = d->s[i].weak = d->s[i].dependent = 0;
    if (title && *title) {
        d->title.tokens = nb_sum_tokenize(title, strlen(title), &d->title.token_count, NULL);
        d->has_title = d->title.token_count > 0;
    }
}

static void release(prepared *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->s[i].tokens);
        free(d->s[i].cut);
    }
    free(d->s);
    free(d->clean);
    free(d->title.tokens);
    free(d->drop);
    free(d->lead);
    free(d->labels);
}

/* Cut at the last word boundary within max - 1 code points, "…" appended; for a budget that
 * no sentence and no clause fits. */
static char *hard_cut(const char *p, size_t len, size_t max)
{
    char *whole = nb_xstrndup(p, len);
    char *cut = nb_text_cut(whole, max);
    free(whole);
    return cut;
}

char *nb_summarize_extractive(const char *title, const char *text,
                              const nb_summary_options *options)
{
    return nb_summarize_extractive_sites(title, text, options, NULL);
}

char *nb_summarize_extractive_sites(const char *title, const char *text,
                                    const nb_summary_options *options,
                                    const nb_body_rules *const *sites)
{
    if (!text || !*text)
        return NULL;
    prepared d;
    prepare(title, text, sites, &d);
    sentence *s = d.s;
    size_t n = d.n, max = options->max_chars;
    char *result = NULL;
    if (n == 0)
        goto out;
    size_t length = 0;
    for (size_t i = 0; i < n; i++)
        length += s[i].furniture ? 0 : s[i].codepoints;
    const sentence *t = d.has_title ? &d.title : NULL;
    weights wt;
    rank(s, n, t, length, &wt);
    /* The top sentence: when it does not fit, a cut of it competes with the best whole
     * sentence that fits. */
    size_t top = n;
    for (size_t i = 0; i < n; i++)
        if (eligible(s, i) && (top == n || s[i].score > s[top].score))
            top = i;
    if (top == n)
        goto out;
    /* The best whole unit that fits, against cuts of the sentences ranked above it that do
     * not fit: a cut keeps its sentence's place, its share of the centrality and its own
     * coverage of the title. */
    size_t room = max + 1; /* a Latin sentence counts the space before it; the first has none */
    size_t whole = best_unit(s, n, room, NULL);
    double bar = whole < n ? unit_score(s, whole) : -1;
    size_t cut_of = n;
    char *cut = NULL;
    double cut_score = bar;
    for (size_t i = 0; i < n; i++) {
        if (!eligible(s, i) || s[i].dependent || s[i].score <= bar || unit_cost(s, i) <= room)
            continue;
        double kept = 0;
        char *c = nb_sum_cut_sentence(d.clean, &s[i], s, n, t, max, &kept);
        if (!c)
            continue;
        size_t count = 0;
        uint32_t *tokens = nb_sum_tokenize(c, strlen(c), &count, NULL);
        sentence shadow = {.tokens = tokens, .token_count = count};
        double v = combine(&wt, s[i].centrality * kept, s[i].lead, coverage(&shadow, t));
        free(tokens);
        if (v > cut_score) {
            free(cut);
            cut = c;
            cut_score = v;
            cut_of = i;
        } else {
            free(c);
        }
    }
    size_t used = 0;
    if (cut) {
        s[cut_of].cut = cut;
        s[cut_of].cut_codepoints = nb_utf8_length(cut);
        s[cut_of].chosen = 1;
        used = s[cut_of].cut_codepoints;
    }
    used += fill(s, n, used, room - used, options->min_chars, s[top].score);
    if (used == 0) {
        result = hard_cut(d.clean + s[top].start, s[top].len, max);
        goto out;
    }
    result = assemble(d.clean, s, n);
    /* Spaces between sentences of mixed scripts can still overrun: the last choice goes. */
    while (nb_utf8_length(result) > max) {
        int last = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i].chosen > last)
                last = s[i].chosen;
        if (last <= 1)
            break;
        for (size_t i = 0; i < n; i++)
            if (s[i].chosen == last)
                s[i].chosen = 0;
        free(result);
        result = assemble(d.clean, s, n);
    }
out:
    release(&d);
    if (result && !*result) {
        free(result);
        result = NULL;
    }
    return result;
}

char *nb_summarize_lead(const char *text, const nb_summary_options *options,
                        const nb_body_rules *const *sites)
{
    if (!text || !*text)
        return NULL;
    prepared d;
    prepare(NULL, text, sites, &d);
    sentence *s = d.s;
    size_t total = 0, first = d.n;
    for (size_t i = 0; i < d.n; i++) {
        if (s[i].furniture || s[i].weak)
            continue;
        if (first == d.n)
            first = i;
        if (total + s[i].codepoints > options->max_chars)
            break;
        s[i].chosen = 1;
        total += s[i].codepoints;
    }
    char *result = NULL;
    if (total) {
        result = assemble(d.clean, s, d.n);
    } else if (first < d.n) {
        /* the first sentence cut at max_chars code points */
        const char *p = d.clean + s[first].start;
        size_t bytes = 0, cps = 0;
        while (bytes < s[first].len && cps < options->max_chars) {
            utf8proc_ssize_t step;
            decode(p + bytes, &step);
            bytes += (size_t)step;
            cps++;
        }
        result = nb_xstrndup(p, bytes);
    }
    release(&d);
    return result;
}
