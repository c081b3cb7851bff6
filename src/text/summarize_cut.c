/* SPDX-License-Identifier: MIT */
/* Cutting one sentence that is longer than the summary's budget: at clause boundaries
 * (，；, ; ) outside brackets and quotes, leading clauses that only frame the news (when,
 * who reported it, on what occasion) may go, and the cut never ends on a clause that leans
 * on what follows. The clauses kept are the most valuable run that fits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "text/text_internal.h"

#define MAX_CLAUSES 16
#define FRAME_CODEPOINTS 24      /* a leading "记者从…获悉" clause is at most this long */
#define TIME_CODEPOINTS 8        /* "5月22日晚", "4月1日起" */
#define LAST_CLAUSE_CODEPOINTS 8 /* a cut does not end on a shorter clause ("到2027年") */

/* Clauses that frame the news rather than tell it: when ("5月22日晚", "近期"), who
 * reported it ("据…消息", "…数据显示", "记者…获悉"), on what occasion or for what purpose
 * ("在…发布会上", "为降低…成本"). A cut may drop them when they lead; it never ends on one. */
static const char *const time_words[] = {"年",   "月",   "日",       "今天",   "近日", "日前",
                                         "近期", "目前", "当地时间", "周",     "晚间", "凌晨",
                                         "上午", "下午", "此前",     "近年来", "截至", NULL};
static const char *const source_ends[] = {"获悉", "消息", "显示", "报道", "了解到", "透露", "称",
                                          "表示", "指出", "宣布", "披露", "介绍",   "认为", "强调",
                                          "发现", "说",   "提出", "明确", NULL};
static const char *const adverbial_starts[] = {"为",   "随着", "截至", "对于", "根据", "由于",
                                               "面对", "针对", "自从", "当",   "据",   NULL};
static const char *const place_ends[] = {"上",   "中",   "里", "时", "后",   "前",
                                         "期间", "之际", "下", "内", "方面", NULL};
/* "…举行发布会", "…举办活动": the occasion, not the news */
static const char *const occasion_verbs[] = {"举行", "举办", "召开", "亮相", NULL};
static const char *const occasion_ends[] = {"发布会", "活动", "大会", "会议", "交流日", "开放日",
                                            "论坛",   "峰会", "仪式", "展会", NULL};
/* "从今年秋季学期起": a time that waits for its event */
static const char *const open_time_ends[] = {"起", "以来", "之前", "之后", "期间", NULL};
/* English clauses that cannot end a cut: they lean on what follows. */
static const char *const subordinate_latin[] = {
    "According", "On ",     "In ",     "At ",      "After ", "Before ", "While ",   "Although ",
    "Because ",  "When ",   "If ",     "As ",      "For ",   "With ",   "Despite ", "Since ",
    "Under ",    "Unlike ", "Though ", "Whereas ", "Which ", "Who ",    "Where ",   NULL};

static int opens_bracket(utf8proc_int32_t cp)
{
    return cp == 0x201C || cp == 0x2018 || cp == 0x300C || cp == 0x300E || cp == 0xFF08 ||
           cp == 0x300A || cp == '(';
}

static int closes_bracket(utf8proc_int32_t cp)
{
    return cp == 0x201D || cp == 0x2019 || cp == 0x300D || cp == 0x300F || cp == 0xFF09 ||
           cp == 0x300B || cp == ')';
}

static int contains_any(const char *p, size_t len, const char *const *needles)
{
    for (const char *const *x = needles; *x; x++) {
        size_t n = strlen(*x);
        for (size_t i = 0; i + n <= len; i++)
            if (!memcmp(p + i, *x, n))
                return 1;
    }
    return 0;
}

static int ends_with_any(const char *p, size_t len, const char *const *suffixes)
{
    for (const char *const *x = suffixes; *x; x++) {
        size_t n = strlen(*x);
        if (n <= len && !memcmp(p + len - n, *x, n))
            return 1;
    }
    return 0;
}

typedef struct clause {
    size_t start, len; /* bytes within the sentence, separator excluded */
    size_t sep;        /* separator bytes after it */
    size_t codepoints;
    double value;
    int frame;   /* frames the news: may go when it leads */
    int can_end; /* a cut may end on it */
} clause;

/* Clauses of p[0..len): split at "，", "；", ", " and "; " outside brackets and quotes. */
static size_t clauses_of(const char *p, size_t len, clause *c, size_t max)
{
    size_t n = 0, start = 0, depth = 0;
    for (size_t i = 0; i < len && n + 1 < max;) {
        utf8proc_ssize_t step;
        utf8proc_int32_t cp = decode(p + i, &step);
        size_t sep = 0;
        if (opens_bracket(cp) && !(cp == '(' && depth > 4))
            depth++;
        else if (closes_bracket(cp) && depth)
            depth--;
        else if (!depth && (cp == 0xFF0C || cp == 0xFF1B))
            sep = (size_t)step;
        else if (!depth && (cp == ',' || cp == ';') && i + 1 < len && p[i + 1] == ' ')
            sep = 2;
        if (sep && i > start) {
            c[n++] = (clause){start, i - start, sep, codepoints(p + start, i - start), 0, 0, 0};
            start = i + sep;
            i += sep;
            continue;
        }
        i += (size_t)step;
    }
    if (start < len)
        c[n++] = (clause){start, len - start, 0, codepoints(p + start, len - start), 0, 0, 0};
    return n;
}

static void classify_clause(const char *p, int latin, clause *c)
{
    size_t len = c->len, cps = c->codepoints;
    if (latin) {
        c->can_end = nb_sum_latin_words(p, len) >= MIN_LATIN_WORDS &&
                     !starts_with_any(p, len, subordinate_latin);
        return;
    }
    int time = cps <= TIME_CODEPOINTS && contains_any(p, len, time_words);
    int source =
        cps <= FRAME_CODEPOINTS && (starts_with(p, len, "据") || starts_with(p, len, "记者") ||
                                    ends_with_any(p, len, source_ends));
    int adverbial = cps <= FRAME_CODEPOINTS &&
                    (starts_with_any(p, len, adverbial_starts) ||
                     (starts_with(p, len, "在") && ends_with_any(p, len, place_ends)));
    int occasion = cps <= FRAME_CODEPOINTS && contains_any(p, len, occasion_verbs) &&
                   ends_with_any(p, len, occasion_ends);
    c->frame = time || source || adverbial || occasion;
    c->can_end =
        !c->frame && cps >= LAST_CLAUSE_CODEPOINTS && !ends_with_any(p, len, open_time_ends);
}

/* The sentence cut to fit max code points at clause boundaries: leading clauses that only
 * frame the news ("记者从…获悉") may go, then the clauses from the first one that tells it,
 * as many as fit, ended with a full stop. *kept is the share of the sentence's token value
 * kept. NULL when no cut fits. */
char *nb_sum_cut_sentence(const char *text, const sentence *x, const sentence *s, size_t n,
                          const sentence *title, size_t max, double *kept)

{
    const char *p = text + x->start;
    size_t len = x->len - nb_sum_closers_at_end(text + x->start, x->len);
    /* the sentence's own end mark goes; a cut ends with a full stop */
    while (len && (p[len - 1] == '.' || p[len - 1] == '!' || p[len - 1] == '?'))
        len--;
    while (len >= 3 && (!strncmp(p + len - 3, "。", 3) || !strncmp(p + len - 3, "！", 3) ||
                        !strncmp(p + len - 3, "？", 3)))
        len -= 3;
    clause c[MAX_CLAUSES];
    size_t m = clauses_of(p, len, c, MAX_CLAUSES);
    double total = 0;
    for (size_t k = 0; k < m; k++) {
        size_t count = 0;
        uint32_t *t = nb_sum_tokenize(p + c[k].start, c[k].len, &count, NULL);
        for (size_t j = 0; j < count; j++) {
            double v = 1;
            if (title && nb_sum_has_token(title->tokens, title->token_count, t[j]))
                v += 2;
            for (size_t o = 0; o < n; o++)
                if (&s[o] != x && !s[o].furniture &&
                    nb_sum_has_token(s[o].tokens, s[o].token_count, t[j])) {
                    v += 1;
                    break;
                }
            c[k].value += v;
        }
        free(t);
        total += c[k].value;
        classify_clause(p + c[k].start, x->latin, &c[k]);
    }
    const char *stop = x->latin ? "." : "。";
    size_t stop_cp = 1;
    double best_value = 0;
    size_t best_from = 0, best_to = 0;
    for (size_t from = 0; from < m; from++) {
        size_t cost = stop_cp;
        double value = 0;
        for (size_t to = from; to < m; to++) {
            cost +=
                c[to].codepoints +
                (to > from ? codepoints(p + c[to - 1].start + c[to - 1].len, c[to - 1].sep) : 0);
            value += c[to].value;
            if (cost > max)
                break;
            if (to + 1 < m && !c[to].can_end)
                continue;
            if (value > best_value) {
                best_value = value;
                best_from = from;
                best_to = to + 1;
            }
        }
        if (!c[from].frame)
            break; /* the first clause that tells the news stays */
    }
    *kept = total > 0 ? best_value / total : 0;
    if (best_to == 0 || (best_to == m && best_from == 0))
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    size_t from_byte = c[best_from].start, to_byte = c[best_to - 1].start + c[best_to - 1].len;
    if (nb_buf_append(&b, p + from_byte, to_byte - from_byte) || nb_buf_puts(&b, stop)) {
        /* capped above what capped input makes: cannot fail */
    }
    return nb_buf_take(&b);
}
