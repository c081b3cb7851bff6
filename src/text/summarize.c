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
#include <utf8proc.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "text/text.h"

#define MAX_SENTENCES 400
#define MAX_CLAUSES 16
#define DAMPING 0.85
#define ITERATIONS 40
#define MMR_LAMBDA 0.7
#define FILL_SHARE                                                                                 \
    0.7 /* past min_chars, a sentence joins only with this share of the top score                  \
         */
#define LABEL_CODEPOINTS 80      /* an unterminated paragraph this short is a label or caption */
#define MIN_CJK_CODEPOINTS 6     /* shorter sentences say nothing on their own ("“好。”") */
#define MIN_LATIN_WORDS 4        /* ("“Please.”", "Opinion.") */
#define FRAME_CODEPOINTS 24      /* a leading "记者从…获悉" clause is at most this long */
#define TIME_CODEPOINTS 8        /* "5月22日晚", "4月1日起" */
#define LAST_CLAUSE_CODEPOINTS 8 /* a cut does not end on a shorter clause ("到2027年") */

typedef struct sentence {
    size_t start, len; /* bytes in the cleaned text, dateline left out */
    size_t codepoints;
    size_t paragraph; /* number of its paragraph */
    uint32_t *tokens; /* sorted, unique token hashes */
    size_t token_count;
    int latin;     /* mostly Latin script: joined with spaces */
    int furniture; /* byline, label, credit, caption, teaser: never in a summary */
    int weak;      /* too short to stand alone: not chosen, but may be a predecessor */
    int dependent; /* opens with a pronoun or connective: needs the sentence before */
    size_t pred;   /* that sentence (the previous one not furniture), or SIZE_MAX */
    double centrality, lead, about; /* the parts of score, 0..1 */
    double score;
    int chosen; /* 0, or the order in which it was chosen (1 first) */
    char *cut;  /* when chosen in part: the clauses kept, ending with a full stop */
    size_t cut_codepoints;
} sentence;

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

static int closes_quote(utf8proc_int32_t cp)
{
    return cp == 0x201D || cp == 0x2019 || cp == 0x300D || cp == 0x300F || cp == 0xFF09 ||
           cp == 0x300B || cp == '"' || cp == '\'' || cp == ')';
}

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

static size_t codepoints(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)p[i] & 0xC0) != 0x80;
    return n;
}

static int starts_with(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return n <= len && strncmp(p, prefix, n) == 0;
}

static int starts_with_any(const char *p, size_t len, const char *const *prefixes)
{
    for (const char *const *x = prefixes; *x; x++)
        if (starts_with(p, len, *x))
            return 1;
    return 0;
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

/* Byte length of the sentence starting at p (within one paragraph of len bytes). A
 * semicolon joins clauses; it does not end a sentence. */
static size_t sentence_length(const char *text, const char *p, size_t len)
{
    const char *end = p + len;
    const char *q = p;
    while (q < end) {
        utf8proc_ssize_t step;
        utf8proc_int32_t cp = decode(q, &step);
        const char *next = q + step;
        int ends = 0;
        if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0x2026) {
            ends = 1;
            while (next < end && (*next == '\xe2' && next[1] == '\x80' && next[2] == '\xa6'))
                next += 3; /* "……" */
        } else if (cp == '!' || cp == '?') {
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

/* Bytes of the closing quotes and brackets at the end of p[0..len). */
static size_t closers_at_end(const char *p, size_t len)
{
    size_t n = len;
    while (n) {
        size_t k = n - 1;
        while (k && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--;
        utf8proc_ssize_t step;
        if (!closes_quote(decode(p + k, &step)))
            break;
        n = k;
    }
    return len - n;
}

/* 1 when the sentence ends with a sentence end (。！？.!?), closing quotes aside; a trailing
 * "..." or "…" after a word is a teaser's cut, not an end. */
static int terminated(const char *p, size_t len)
{
    len -= closers_at_end(p, len);
    if (len >= 3 && (!strncmp(p + len - 3, "。", 3) || !strncmp(p + len - 3, "！", 3) ||
                     !strncmp(p + len - 3, "？", 3)))
        return 1;
    if (len >= 3 && (!strncmp(p + len - 3, "...", 3) || !strncmp(p + len - 3, "…", 3)))
        return 0;
    return len && (p[len - 1] == '.' || p[len - 1] == '!' || p[len - 1] == '?');
}

/* Bytes of a news agency's dateline opening p: "OSLO, June 3 (Newswire) - ",
 * "ROTTERDAM — ", "(Reuters) - ", "新华社北京4月7日电（记者 王磊）", "本报讯（记者 王磊）".
 * 0 when there is none. */
static size_t dateline(const char *p, size_t len)
{
    static const char *const agencies[] = {"新华社", "中新社", "中新网", "人民网", "央视网", "本报",
                                           "央广网", "路透社", "美联社", "法新社", NULL};
    const char *end = p + len, *q = p;
    if (starts_with(p, len, "本报讯") || starts_with(p, len, "【本报讯】")) {
        q += starts_with(p, len, "本报讯") ? strlen("本报讯") : strlen("【本报讯】");
    } else if (starts_with_any(p, len, agencies)) {
        size_t seen = 0;
        while (q < end && seen < 24 && !starts_with(q, (size_t)(end - q), "电")) {
            utf8proc_ssize_t step;
            decode(q, &step);
            q += step;
            seen++;
        }
        if (q >= end || seen >= 24)
            return 0;
        q += strlen("电");
    } else {
        /* capitals: "SAN FRANCISCO", "ROTTERDAM", then ", June 3" and "(Agency)" */
        size_t caps = 0;
        while (q < end && ((*q >= 'A' && *q <= 'Z') || *q == '.' || *q == '\'' ||
                           (*q == ' ' && q + 1 < end && q[1] >= 'A' && q[1] <= 'Z'))) {
            caps += *q >= 'A' && *q <= 'Z';
            q++;
        }
        if (caps && caps < 3)
            return 0;
        if (caps && q + 2 < end && q[0] == ',' && q[1] == ' ') {
            const char *r = q + 2;
            while (r < end && ((*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z') || *r == '.'))
                r++;
            if (r < end && *r == ' ')
                r++;
            const char *digits = r;
            while (r < end && *r >= '0' && *r <= '9')
                r++;
            if (r > digits)
                q = r;
        }
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q == '(') {
            const char *close = memchr(q, ')', (size_t)(end - q));
            if (!close || close - q > 40)
                return 0;
            q = close + 1;
        } else if (!caps) {
            return 0;
        }
        while (q < end && *q == ' ')
            q++;
        if (starts_with(q, (size_t)(end - q), "—") || starts_with(q, (size_t)(end - q), "–"))
            q += 3;
        else if (starts_with(q, (size_t)(end - q), "--"))
            q += 2;
        else if (q < end && *q == '-')
            q++;
        else
            return 0;
        if (q < end && *q != ' ')
            return 0;
    }
    /* "（记者 王磊）" after a Chinese dateline */
    while (q < end && *q == ' ')
        q++;
    if (starts_with(q, (size_t)(end - q), "（") || (q < end && *q == '(')) {
        const char *close = NULL;
        for (const char *r = q; r + 3 <= end && r - q < 60 && !close; r++)
            if (!strncmp(r, "）", 3))
                close = r + 3;
            else if (*r == ')')
                close = r + 1;
        if (close)
            q = close;
    }
    while (q < end && *q == ' ')
        q++;
    return (size_t)(q - p);
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

/* Tokens: CJK character bigrams, lowercase Latin words (no stopwords), digit runs. Sets
 * *latin when Latin words outnumber CJK characters. Returns sorted unique hashes. */
static uint32_t *tokenize(const char *p, size_t len, size_t *count, int *latin_out)
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
        if (q < end && nb_utf8_cjk(cp) == NB_CJK_HAN) {
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
    *count = u;
    if (latin_out)
        *latin_out = latin > cjk;
    return tokens;
}

static int has_token(const uint32_t *tokens, size_t n, uint32_t t)
{
    return bsearch(&t, tokens, n, sizeof t, cmp_u32) != NULL;
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

/* Share of the title's tokens that the sentence holds, 0..1. */
static double coverage(const sentence *s, const sentence *title)
{
    return title && title->token_count ? (double)overlap(s, title) / (double)title->token_count : 0;
}

static size_t latin_words(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')) &&
             (i == 0 || p[i - 1] == ' ' || (unsigned char)p[i - 1] >= 0x80);
    return n;
}

static sentence *split(const char *text, size_t *count)
{
    sentence *out = NULL;
    size_t n = 0, alloc = 0, paragraph = 0;
    const char *p = text;
    while (*p && n < MAX_SENTENCES) {
        const char *para_end = strstr(p, "\n\n");
        size_t para_len = para_end ? (size_t)(para_end - p) : strlen(p);
        const char *q = p + dateline(p, para_len);
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
            out[n].paragraph = paragraph;
            out[n].codepoints = codepoints(q, trimmed);
            out[n].pred = SIZE_MAX;
            n++;
            q += len;
        }
        paragraph++;
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
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
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

/* Marks page furniture, short fragments and sentences that point back.
 * A label (an unterminated short paragraph) counts only when the text has sentence ends
 * elsewhere: a headline-style excerpt is all there is. */
static void classify(const char *text, sentence *s, size_t n, const char *const *drop)
{
    int any_terminated = 0;
    for (size_t i = 0; i < n; i++)
        any_terminated |= terminated(text + s[i].start, s[i].len);
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
            para_terminated = terminated(text + s[j].start, s[j].len);
        }
        int last = i + 1 == n;
        if (x->len == 0 || starts_with_any(p, x->len, drop) ||
            (any_terminated && !para_terminated && para_codepoints <= LABEL_CODEPOINTS) ||
            (any_terminated && last && !terminated(p, x->len)) ||
            (x->len >= 3 && !strncmp(p + x->len - 3, "摄", 3))) {
            x->furniture = 1;
            continue;
        }
        size_t words = latin_words(p, x->len);
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
        c->can_end =
            latin_words(p, len) >= MIN_LATIN_WORDS && !starts_with_any(p, len, subordinate_latin);
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
static char *cut_sentence(const char *text, const sentence *x, const sentence *s, size_t n,
                          const sentence *title, size_t max, double *kept)

{
    const char *p = text + x->start;
    size_t len = x->len - closers_at_end(text + x->start, x->len);
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
        uint32_t *t = tokenize(p + c[k].start, c[k].len, &count, NULL);
        for (size_t j = 0; j < count; j++) {
            double v = 1;
            if (title && has_token(title->tokens, title->token_count, t[j]))
                v += 2;
            for (size_t o = 0; o < n; o++)
                if (&s[o] != x && !s[o].furniture &&
                    has_token(s[o].tokens, s[o].token_count, t[j])) {
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
    d->s = split(d->clean, &d->n);
    for (size_t i = 0; i < d->n; i++)
        d->s[i].tokens =
            tokenize(d->clean + d->s[i].start, d->s[i].len, &d->s[i].token_count, &d->s[i].latin);
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
        d->title.tokens = tokenize(title, strlen(title), &d->title.token_count, NULL);
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
        char *c = cut_sentence(d.clean, &s[i], s, n, t, max, &kept);
        if (!c)
            continue;
        size_t count = 0;
        uint32_t *tokens = tokenize(c, strlen(c), &count, NULL);
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
