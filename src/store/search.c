/* SPDX-License-Identifier: MIT */
/* The search rules both engines share: terms from the user's text, LIKE patterns, and the
 * marks around matches. Marks never split a UTF-8 character; a text that is not valid
 * UTF-8 is copied byte for byte where it is not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "store/search_private.h"

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* White space: ASCII blanks and the ideographic space U+3000. */
static size_t space_at(const char *p)
{
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
        return 1;
    if ((unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

size_t nb_search_split(const char *text, nb_search_term *terms)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < NB_SEARCH_TERMS_MAX) {
        size_t sp = space_at(p);
        if (sp) {
            p += sp;
            continue;
        }
        const char *start = p, *end;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            end = p;
            if (*p)
                p++;
        } else {
            while (*p && !space_at(p))
                p++;
            end = p;
        }
        /* a phrase keeps its inner spaces but not the outer ones */
        while (start < end && space_at(start))
            start += space_at(start);
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end == start)
            continue;
        terms[n].text = nb_xstrndup(start, (size_t)(end - start));
        terms[n].chars = utf8_chars(start, (size_t)(end - start));
        n++;
    }
    return n;
}

void nb_search_terms_clear(nb_search_term *terms, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(terms[i].text);
        terms[i].text = NULL;
    }
}

char *nb_search_like_pattern(const char *t)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    nb_err rc = nb_buf_putc(&b, '%');
    for (const char *p = t; *p && !rc; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            rc = nb_buf_putc(&b, '\\');
        if (!rc)
            rc = nb_buf_putc(&b, *p);
    }
    if (!rc)
        rc = nb_buf_putc(&b, '%');
    return nb_buf_take(&b);
}

char *nb_search_mark_short(const char *text, const nb_search_term *terms, size_t count)
{
    if (!text)
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    int inside = 0;
    nb_err rc = NB_OK;
    const char *p = text;
    while (*p && !rc) {
        if (*p == NB_SEARCH_MARK_OPEN[0] || *p == NB_SEARCH_MARK_CLOSE[0]) {
            inside = *p == NB_SEARCH_MARK_OPEN[0];
            rc = nb_buf_putc(&b, *p++);
            continue;
        }
        size_t hit = 0;
        for (size_t i = 0; i < count && !inside && !hit; i++) {
            size_t len = strlen(terms[i].text);
            if (terms[i].chars < NB_SEARCH_TRIGRAM_CHARS && strncasecmp(p, terms[i].text, len) == 0)
                hit = len;
        }
        if (hit) {
            rc = nb_buf_printf(&b, NB_SEARCH_MARK_OPEN "%.*s" NB_SEARCH_MARK_CLOSE, (int)hit, p);
            p += hit;
            continue;
        }
        /* copy one whole UTF-8 character */
        do
            rc = nb_buf_putc(&b, *p++);
        while (!rc && ((unsigned char)*p & 0xC0) == 0x80);
    }
    return nb_buf_take(&b);
}

/* ---- Long terms: matched on code points, case folded ---- */

/* A text as case-folded code points, with the byte offset of each (off[n]: the end). */
typedef struct folded {
    int32_t *cp;
    size_t *off;
    size_t n;
} folded;

static void fold(const char *text, folded *f)
{
    size_t len = strlen(text);
    f->cp = nb_xcalloc(len + 1, sizeof *f->cp);
    f->off = nb_xcalloc(len + 1, sizeof *f->off);
    f->n = 0;
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t step =
            utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &c);
        f->off[f->n] = i;
        if (step <= 0) { /* not UTF-8: a value no term's character can equal */
            f->cp[f->n++] = -1 - (int32_t)(unsigned char)text[i];
            i++;
            continue;
        }
        f->cp[f->n++] = utf8proc_tolower(c);
        i += (size_t)step;
    }
    f->off[f->n] = len;
}

static void folded_free(folded *f)
{
    free(f->cp);
    free(f->off);
}

typedef struct span {
    size_t start, end; /* code points [start, end) */
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->start < y->start   ? -1
           : x->start > y->start ? 1
                                 : (x->end > y->end) - (x->end < y->end);
}

/* Every match of a long term in f, sorted, overlapping ones merged. */
static size_t long_spans(const folded *f, const nb_search_term *terms, size_t count, span **out)
{
    span *spans = NULL;
    size_t n = 0, alloc = 0;
    for (size_t t = 0; t < count; t++) {
        if (terms[t].chars < NB_SEARCH_TRIGRAM_CHARS)
            continue;
        folded term;
        fold(terms[t].text, &term);
        for (size_t i = 0; term.n && i + term.n <= f->n; i++) {
            if (memcmp(f->cp + i, term.cp, term.n * sizeof *term.cp))
                continue;
            spans = nb_xgrow(spans, &alloc, n + 1, sizeof *spans);
            spans[n++] = (span){i, i + term.n};
        }
        folded_free(&term);
    }
    if (n)
        qsort(spans, n, sizeof *spans, span_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept && spans[i].start < spans[kept - 1].end) {
            if (spans[i].end > spans[kept - 1].end)
                spans[kept - 1].end = spans[i].end;
        } else {
            spans[kept++] = spans[i];
        }
    }
    *out = spans;
    return kept;
}

/* Appends code points [from, to) of text with the spans marked (clipped to the range). */
static nb_err emit(nb_buf *b, const char *text, const folded *f, const span *spans, size_t count,
                   size_t from, size_t to)
{
    nb_err rc = NB_OK;
    size_t at = from;
    for (size_t i = 0; i < count && !rc && at < to; i++) {
        size_t start = spans[i].start < from ? from : spans[i].start;
        size_t end = spans[i].end > to ? to : spans[i].end;
        if (end <= at || start >= to)
            continue;
        if (start < at)
            start = at;
        rc = nb_buf_append(b, text + f->off[at], f->off[start] - f->off[at]);
        if (!rc)
            rc = nb_buf_puts(b, NB_SEARCH_MARK_OPEN);
        if (!rc)
            rc = nb_buf_append(b, text + f->off[start], f->off[end] - f->off[start]);
        if (!rc)
            rc = nb_buf_puts(b, NB_SEARCH_MARK_CLOSE);
        at = end;
    }
    if (!rc && at < to)
        rc = nb_buf_append(b, text + f->off[at], f->off[to] - f->off[at]);
    return rc;
}

char *nb_search_mark_long(const char *text, const nb_search_term *terms, size_t count)
{
    if (!text)
        return NULL;
    folded f;
    fold(text, &f);
    span *spans = NULL;
    size_t n = long_spans(&f, terms, count, &spans);
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    if (emit(&b, text, &f, spans, n, 0, f.n) != NB_OK) {
        /* unlimited buffer: cannot fail */
    }
    free(spans);
    folded_free(&f);
    char *out = nb_buf_take(&b);
    return out ? out : nb_xstrdup("");
}

char *nb_search_snippet(const char *text, const nb_search_term *terms, size_t count, size_t width)
{
    if (!text || !*text)
        return NULL;
    folded f;
    fold(text, &f);
    span *spans = NULL;
    size_t n = long_spans(&f, terms, count, &spans);
    size_t from = 0, to = f.n;
    if (f.n > width) {
        /* the matches that fit in one window from the first, centred in it */
        size_t first = n ? spans[0].start : 0, last = n ? spans[0].end : 0;
        for (size_t i = 1; i < n && spans[i].end - first <= width; i++)
            last = spans[i].end;
        size_t used = last - first < width ? last - first : width;
        size_t lead = (width - used) / 2;
        from = first > lead ? first - lead : 0;
        if (from + width > f.n)
            from = f.n - width;
        to = from + width;
    }
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    nb_err rc = from ? nb_buf_puts(&b, "…") : NB_OK;
    if (!rc)
        rc = emit(&b, text, &f, spans, n, from, to);
    if (!rc && to < f.n)
        rc = nb_buf_puts(&b, "…");
    free(spans);
    folded_free(&f);
    return nb_buf_take(&b);
}
