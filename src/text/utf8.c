/* SPDX-License-Identifier: MIT */
/* UTF-8 primitives over utf8proc_iterate: counting, sanitizing, the one CJK range table,
 * one-line joining. */
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "text/text.h"

/* The length of s in code points, or with utf16 in UTF-16 code units (two for a code
 * point beyond U+FFFF); an invalid byte counts one, as the U+FFFD it stands for. */
static size_t length(const char *s, int utf16)
{
    size_t n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p, -1, &cp);
        n += utf16 && step > 0 && cp > 0xFFFF ? 2 : 1;
        p += step > 0 ? step : 1;
    }
    return n;
}

size_t nb_utf8_length(const char *s)
{
    return length(s, 0);
}

size_t nb_utf8_utf16_length(const char *s)
{
    return length(s, 1);
}

size_t nb_utf8_width(const char *s)
{
    size_t n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p, -1, &cp);
        if (step <= 0) {
            n++;
            p++;
            continue;
        }
        int w = utf8proc_charwidth(cp);
        n += w > 0 ? (size_t)w : 0;
        p += step;
    }
    return n;
}

/* The CJK ranges, in code point order, each with its kind (text.h lists them). */
static const struct cjk_range {
    long first, last;
    unsigned kind;
} CJK[] = {
    {0x2E80, 0x2FFF, NB_CJK_OTHER},     {0x3000, 0x303F, NB_CJK_PUNCT},
    {0x3040, 0x30FF, NB_CJK_KANA},      {0x3100, 0x33FF, NB_CJK_OTHER},
    {0x3400, 0x4DBF, NB_CJK_HAN},       {0x4DC0, 0x4DFF, NB_CJK_OTHER},
    {0x4E00, 0x9FFF, NB_CJK_HAN},       {0xAC00, 0xD7AF, NB_CJK_HANGUL},
    {0xF900, 0xFAFF, NB_CJK_HAN},       {0xFE30, 0xFE4F, NB_CJK_FULLWIDTH},
    {0xFF00, 0xFFEF, NB_CJK_FULLWIDTH}, {0x20000, 0x2FFFF, NB_CJK_HAN},
};

unsigned nb_utf8_cjk(long cp)
{
    if (cp < CJK[0].first)
        return 0;
    for (size_t i = 0; i < sizeof CJK / sizeof CJK[0] && cp >= CJK[i].first; i++)
        if (cp <= CJK[i].last)
            return CJK[i].kind;
    return 0;
}

unsigned nb_utf8_cjk_at(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    if (*p < 0xE2) /* below U+2000: nothing CJK is written shorter */
        return 0;
    utf8proc_int32_t cp;
    return utf8proc_iterate(p, -1, &cp) > 0 ? nb_utf8_cjk(cp) : 0;
}

char *nb_utf8_sanitize(const char *s, size_t len)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s, *end = p + len;
    nb_err rc = NB_OK;
    while (p < end && !rc) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p, end - p, &cp);
        if (step <= 0) {
            rc = nb_buf_puts(&b, "\xEF\xBF\xBD");
            p++;
        } else {
            if (cp != 0)
                rc = nb_buf_append(&b, p, (size_t)step);
            p += step;
        }
    }
    return nb_buf_take(&b);
}

/* Full-width punctuation (。，！？；：、and friends) needs no space after it. */
static int is_cjk_punctuation(utf8proc_int32_t cp)
{
    return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0x2026 || cp == 0x201D;
}

static int is_white(utf8proc_int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0 || cp == 0x3000;
}

/* Control characters and line or paragraph separators: spaces in text shown on one line. */
static int is_control(utf8proc_int32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
}

/* Bidirectional embeddings, overrides and isolates, which can reorder what follows them. */
static int is_bidi_control(utf8proc_int32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/* Joins the words of text with single spaces; keep_cjk_joins drops a line break between
 * two CJK characters instead; inert also takes control characters for spaces and drops
 * bidirectional controls. */
static char *join_words(const char *text, int keep_cjk_joins, int inert)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    utf8proc_int32_t last = 0; /* last code point written */
    int gap = 0, gap_has_break = 0;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p, -1, &cp);
        if (step <= 0) {
            step = 1;
            cp = 0xFFFD;
        }
        if (inert && is_bidi_control(cp)) {
            p += step;
            continue;
        }
        if (is_white(cp) || (inert && is_control(cp))) {
            gap = 1;
            gap_has_break |= cp == '\n';
            p += step;
            continue;
        }
        nb_err rc = NB_OK;
        int joined = keep_cjk_joins && gap_has_break &&
                     ((nb_utf8_cjk(last) && nb_utf8_cjk(cp)) || is_cjk_punctuation(last));
        if (gap && last && !joined)
            rc = nb_buf_putc(&b, ' ');
        if (!rc)
            rc = cp == 0xFFFD && step == 1 ? nb_buf_puts(&b, "\xEF\xBF\xBD")
                                           : nb_buf_append(&b, p, (size_t)step);
        (void)rc; /* unlimited buffer */
        gap = gap_has_break = 0;
        last = cp;
        p += step;
    }
    return nb_buf_take(&b);
}

char *nb_text_one_line(const char *text)
{
    return join_words(text, 1, 0);
}

char *nb_text_collapse_space(const char *text)
{
    return join_words(text, 0, 0);
}

char *nb_text_inert_line(const char *text)
{
    return join_words(text, 0, 1);
}
