/* SPDX-License-Identifier: MIT */
/* Cutting text to a length in code points, preferring a sentence end; a hard cut backs off
 * to the start of a word, number or link rather than split it. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/memory.h"
#include "text/text.h"

static int ends_sentence(utf8proc_int32_t cp, const utf8proc_uint8_t *next)
{
    switch (cp) {
    case 0x3002: /* 。 */
    case 0xFF01: /* ！ */
    case 0xFF1F: /* ？ */
    case 0xFF1B: /* ； */
    case 0x2026: /* … */
        return 1;
    case '.':
    case '!':
    case '?':
    case ';':
        return *next == '\0' || *next == ' ' || *next == '\n';
    default:
        return 0;
    }
}

/* Characters of a run that must not be split: Latin words, numbers ("3.5", "1,000" is two
 * runs joined by a comma without a space), links. */
static int run_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("._-/:%?=&#~+@", c) != NULL);
}

char *nb_text_cut(const char *text, size_t max)
{
    if (nb_utf8_length(text) <= max)
        return nb_xstrdup(text);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    size_t count = 0;
    size_t sentence_end = 0; /* byte offset just after the last sentence end within max */
    size_t hard_end = 0;     /* byte offset after max - 1 code points */
    size_t sentence_count = 0;
    while (*p && count < max) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(p, -1, &cp);
        if (step <= 0)
            step = 1;
        p += step;
        count++;
        size_t offset = (size_t)(p - (const utf8proc_uint8_t *)text);
        if (count == max - 1 || max == 1)
            hard_end = offset;
        if (ends_sentence(cp, p)) {
            sentence_end = offset;
            sentence_count = count;
        }
    }
    if (sentence_end && sentence_count * 2 >= max)
        return nb_xstrndup(text, sentence_end);
    if (max == 1)
        return nb_xstrdup("…");
    /* inside a run: back off to its start, unless the run is all there is */
    if (hard_end && run_char((unsigned char)text[hard_end]) &&
        run_char((unsigned char)text[hard_end - 1])) {
        size_t start = hard_end;
        while (start && run_char((unsigned char)text[start - 1]))
            start--;
        if (start > 0)
            hard_end = start;
    }
    char *cut = nb_xmalloc(hard_end + 4);
    memcpy(cut, text, hard_end);
    /* Drop a trailing space before the ellipsis. */
    while (hard_end && cut[hard_end - 1] == ' ')
        hard_end--;
    memcpy(cut + hard_end, "…", 4);
    return cut;
}

char *nb_text_excerpt_summary(const char *excerpt, size_t max)
{
    if (!excerpt || !*excerpt)
        return NULL;
    char *line = nb_text_one_line(excerpt);
    char *cut = line[0] ? nb_text_cut(line, max) : NULL;
    free(line);
    return cut;
}
