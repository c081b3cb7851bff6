/* SPDX-License-Identifier: MIT */
/* Private to src/store: the search rules both engines share (store.h, nb_store_search):
 * the user's text split into terms, LIKE patterns for substrings, and the marks around
 * matches in titles and snippets. The engines differ only in how they find and rank. */
#ifndef NB_STORE_SEARCH_PRIVATE_H
#define NB_STORE_SEARCH_PRIVATE_H

#include <stddef.h>

#include "store/store.h"

/* Terms of fewer characters are found by substring; longer ones through the index. */
#define NB_SEARCH_TRIGRAM_CHARS 3

typedef struct nb_search_term {
    char *text;
    size_t chars; /* code points */
} nb_search_term;

/* Splits the user's text on white space (ASCII blanks and U+3000; "..." keeps a phrase)
 * into at most NB_SEARCH_TERMS_MAX terms; returns how many. Free with
 * nb_search_terms_clear. */
size_t nb_search_split(const char *text, nb_search_term *terms);
void nb_search_terms_clear(nb_search_term *terms, size_t count);

/* "%term%" with %, _ and \ escaped by a backslash (SQLite: ESCAPE '\'; PostgreSQL's
 * default escape). Caller frees. */
char *nb_search_like_pattern(const char *term);

/* Marks the short terms (ASCII case folded) in text, outside the marks already there.
 * NULL for NULL; caller frees. */
char *nb_search_mark_short(const char *text, const nb_search_term *terms, size_t count);

/* Marks every occurrence of the long terms (Unicode simple case folding; overlapping
 * matches merged into one mark), as the trigram index's highlight does. Caller frees. */
char *nb_search_mark_long(const char *text, const nb_search_term *terms, size_t count);

/* The part of text around its first long-term match, about width characters, with "…"
 * where it was cut, long terms marked; the start of text when nothing matches; NULL for
 * NULL or empty text. Caller frees. */
char *nb_search_snippet(const char *text, const nb_search_term *terms, size_t count, size_t width);

#endif
