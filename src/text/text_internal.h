/* SPDX-License-Identifier: MIT */
/* Shared by the files of src/text only: the span helpers body cleanup and the summarizer both
 * use, and the offline summarizer's sentence with the functions one summarize*.c file offers
 * the others (nb_sum_*). Spans are (pointer, byte length) and need not end in a NUL. */
#ifndef NB_TEXT_TEXT_INTERNAL_H
#define NB_TEXT_TEXT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "text/text.h"

/* Code points in p[0..len): every byte that does not continue a sequence counts. */
static inline size_t codepoints(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)p[i] & 0xC0) != 0x80;
    return n;
}

static inline int starts_with(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return n <= len && strncmp(p, prefix, n) == 0;
}

/* 1 when p[0..len) starts with one of the NULL-terminated prefixes (a NULL list has none). */
static inline int starts_with_any(const char *p, size_t len, const char *const *prefixes)
{
    for (const char *const *x = prefixes; x && *x; x++)
        if (starts_with(p, len, *x))
            return 1;
    return 0;
}

/* The code point at p and its length in *step; an invalid sequence is one byte of U+FFFD. */
static inline utf8proc_int32_t decode(const char *p, utf8proc_ssize_t *step)
{
    utf8proc_int32_t cp;
    *step = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
    if (*step <= 0) {
        *step = 1;
        cp = 0xFFFD;
    }
    return cp;
}

/* ---- the offline summarizer (summarize.c, summarize_sentences.c, summarize_cut.c) ---- */

#define MIN_LATIN_WORDS 4 /* fewer words say nothing on their own ("“Please.”", "Opinion.") */

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

/* summarize_sentences.c: the sentences of text (paragraphs "\n\n"-separated, datelines left
 * out), *count of them; only their positions are set. Caller frees the array. */
sentence *nb_sum_split(const char *text, size_t *count);
/* Sorted unique token hashes of p[0..len) (caller frees); *latin_out (may be NULL) is 1
 * when Latin words outnumber CJK characters. */
uint32_t *nb_sum_tokenize(const char *p, size_t len, size_t *count, int *latin_out);
int nb_sum_has_token(const uint32_t *tokens, size_t n, uint32_t t);
/* Latin words in p[0..len). */
size_t nb_sum_latin_words(const char *p, size_t len);
/* Bytes of the closing quotes and brackets at the end of p[0..len). */
size_t nb_sum_closers_at_end(const char *p, size_t len);
/* 1 when p[0..len) ends with a sentence end, closing quotes aside. */
int nb_sum_terminated(const char *p, size_t len);

/* summarize_cut.c: sentence x of text cut at clause boundaries to at most max code points,
 * ended with a full stop; *kept is the share of its token value kept. NULL when no cut
 * fits. Caller frees. */
char *nb_sum_cut_sentence(const char *text, const sentence *x, const sentence *s, size_t n,
                          const sentence *title, size_t max, double *kept);

#endif
