/* SPDX-License-Identifier: MIT */
/* The summarizer's sentences: a cleaned text split into sentences (Chinese 。！？… with their
 * closing quotes, English . ! ? outside decimals and abbreviations), news agencies' datelines
 * set aside, and each sentence's tokens (CJK bigrams, Latin words, digit runs) as sorted
 * hashes for the ranking to compare. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "text/text.h"
#include "text/text_internal.h"

#define MAX_SENTENCES 400

static int closes_quote(utf8proc_int32_t cp)
{
    return cp == 0x201D || cp == 0x2019 || cp == 0x300D || cp == 0x300F || cp == 0xFF09 ||
           cp == 0x300B || cp == '"' || cp == '\'' || cp == ')';
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
size_t nb_sum_closers_at_end(const char *p, size_t len)
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
int nb_sum_terminated(const char *p, size_t len)
{
    len -= nb_sum_closers_at_end(p, len);
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
uint32_t *nb_sum_tokenize(const char *p, size_t len, size_t *count, int *latin_out)
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

int nb_sum_has_token(const uint32_t *tokens, size_t n, uint32_t t)
{
    return bsearch(&t, tokens, n, sizeof t, cmp_u32) != NULL;
}

size_t nb_sum_latin_words(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')) &&
             (i == 0 || p[i - 1] == ' ' || (unsigned char)p[i - 1] >= 0x80);
    return n;
}

sentence *nb_sum_split(const char *text, size_t *count)
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
    sentence *s = nb_sum_split(text, &n);
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
