/* SPDX-License-Identifier: MIT */
/* Text: UTF-8 handling (through utf8proc) and the short-summary cut.
 * Pure functions; every returned string is the caller's to free. */
#ifndef NB_TEXT_TEXT_H
#define NB_TEXT_TEXT_H

#include <stddef.h>

/* Code points in a UTF-8 string (invalid bytes count one each). */
size_t nb_utf8_length(const char *s);
/* UTF-16 code units of a UTF-8 string: two for a code point beyond U+FFFF (invalid bytes
 * count one each). */
size_t nb_utf8_utf16_length(const char *s);
/* Terminal columns a UTF-8 string takes: wide (CJK) characters two, combining marks none,
 * invalid bytes one each. */
size_t nb_utf8_width(const char *s);

/* The kinds of CJK character, from one range table (text/utf8.c), by Unicode block:
 *   NB_CJK_HAN        ideographs: U+3400-4DBF (extension A), U+4E00-9FFF, U+F900-FAFF
 *                     (compatibility), U+20000-2FFFF (extensions B and after)
 *   NB_CJK_KANA       hiragana and katakana, U+3040-30FF
 *   NB_CJK_HANGUL     hangul syllables, U+AC00-D7AF
 *   NB_CJK_PUNCT      CJK symbols and punctuation (、。「」), U+3000-303F
 *   NB_CJK_FULLWIDTH  compatibility forms and half- and full-width forms (，！？ＡＢ),
 *                     U+FE30-FE4F and U+FF00-FFEF
 *   NB_CJK_OTHER      radicals and ideographic description characters (U+2E80-2FFF),
 *                     bopomofo, compatibility jamo, kanbun, enclosed and compatibility
 *                     letters (U+3100-33FF), Yijing hexagrams (U+4DC0-4DFF)
 * Each caller names the kinds it means: word bigrams want NB_CJK_HAN, line joining wants
 * every script written without spaces (NB_CJK_ANY). */
enum {
    NB_CJK_HAN = 1,
    NB_CJK_KANA = 2,
    NB_CJK_HANGUL = 4,
    NB_CJK_PUNCT = 8,
    NB_CJK_FULLWIDTH = 16,
    NB_CJK_OTHER = 32,
    NB_CJK_ANY = 63,
};
/* The kind of CJK character code point cp is (one NB_CJK_* bit), or 0. */
unsigned nb_utf8_cjk(long cp);
/* The kind of CJK character the UTF-8 sequence at s starts, or 0 (also for an invalid or
 * cut sequence; reads no further than a NUL). */
unsigned nb_utf8_cjk_at(const char *s);

/* Copy of len bytes with every byte of an invalid sequence replaced by U+FFFD, NULs dropped. */
char *nb_utf8_sanitize(const char *s, size_t len);

/* Paragraphs joined into one line: a break between two CJK characters disappears,
 * any other run of white space becomes one space; leading and trailing space go. */
char *nb_text_one_line(const char *text);

/* Every run of white space (line breaks and tabs included) becomes one space; leading and
 * trailing space go. For titles, where a line break is never meaningful. */
char *nb_text_collapse_space(const char *text);

/* nb_text_collapse_space that also takes control characters (C0, C1, U+2028, U+2029) for
 * white space and drops bidirectional controls (U+202A-202E, U+2066-2069) and U+FEFF: text
 * from a source that must stay on its line and in its place. Caller frees. */
char *nb_text_inert_line(const char *text);

/* At most max code points of text, ended at the last sentence end (。！？!?; or ". ")
 * that keeps at least half of max; failing that, cut at max - 1 code points and "…"
 * appended. Text already short enough is returned whole. */
char *nb_text_cut(const char *text, size_t max);

/* The summary shown under an item while no summarizer has run: the source's excerpt,
 * on one line, cut to max code points. NULL or empty in, NULL out. */
char *nb_text_excerpt_summary(const char *excerpt, size_t max);

/* Paragraph rules for cleaning an article body (paragraphs separated by "\n\n"). */
typedef struct nb_body_rules {
    const char *const *drop_prefixes; /* paragraphs starting so are dropped anywhere */
    const char *const *lead_prefixes; /* ... dropped while they open the text (bylines) */
    const char *const *labels;        /* a label opening the first paragraph is removed */
    const char *key_points_heading;   /* this paragraph and the short ones after it are
                                       * key points, kept apart from the text */
} nb_body_rules;

/* Applies rules to text. *key_points (may be NULL) receives the key points, one per line,
 * or NULL when there are none. Both results are the caller's. */
char *nb_text_clean_body(const char *text, const nb_body_rules *rules, char **key_points);

/* The offline summarizer. Sentences are split (Chinese 。！？… with closing quotes; English
 * . ! ? outside decimals and abbreviations; a semicolon only joins clauses). Page furniture
 * is set aside: bylines, column and section labels, datelines ("OSLO (Newswire) -",
 * "新华社北京4月7日电"), photo credits and captions, "Advertisement", related-reading and
 * disclaimer lines, teaser cuts ("All..."). Sentences are ranked by TextRank centrality over
 * character bigrams (CJK) and words (Latin), a lead prior that weighs more as the text is
 * shorter, and the title's words as a query; whole sentences are chosen by maximal marginal
 * relevance within max_chars (past min_chars only strong ones), kept in their original
 * order. A sentence opening with a pronoun or "the company" (该公司, 他, 此外…) comes only with
 * the sentence before it. Only a top sentence longer than the budget is cut, at clause
 * boundaries (，；, ; ), dropping leading time, source and occasion clauses when needed, and
 * ended with a full stop; no word, number or link is split. Failing every clause, the lead is
 * cut at a word boundary with "…". */
typedef struct nb_summary_options {
    size_t min_chars; /* aim for at least this many code points */
    size_t max_chars; /* never more */
} nb_summary_options;

/* NULL when text holds no sentence. Caller frees. */
char *nb_summarize_extractive(const char *title, const char *text,
                              const nb_summary_options *options);
/* The same, also setting aside the sites' own boilerplate (their bylines, labels and
 * credits) besides the furniture every site writes. sites is NULL-terminated and borrowed:
 * the pipeline passes nb_source_boilerplates(); NULL is nb_summarize_extractive. */
char *nb_summarize_extractive_sites(const char *title, const char *text,
                                    const nb_summary_options *options,
                                    const nb_body_rules *const *sites);

/* The lead baseline the ranking is measured against (bench/summarize): the first sentences of
 * the text cleaned as nb_summarize_extractive_sites cleans it while they fit in max_chars, or the
 * first sentence cut at max_chars code points when it alone is longer. NULL when text holds no
 * sentence. Caller frees. */
char *nb_summarize_lead(const char *text, const nb_summary_options *options,
                        const nb_body_rules *const *sites);

/* Story similarity: the same event told by several sites. Each article's signature is a
 * bag of tokens from its title and lead: CJK character bigrams, stemmed Latin words, the
 * parts of hyphenated names, numbers (also "六成", "十倍"), and the names of a glossary that
 * sites write in Chinese or English ("英伟达" and "Nvidia"), weighted by inverse document
 * frequency over the index. Two articles are compared by a few features (below), combined
 * by logistic regression into the probability that they tell the same event. Candidates come
 * from an inverted index of each article's rarest tokens, so clustering stays near-linear at
 * 100k articles. */
typedef struct nb_story_index nb_story_index;

/* The features of a pair: the cosine of their weighted tokens; the lesser and the greater
 * share of one title (by inverse document frequency) that the other article holds; 1 when
 * they share two or more numbers; the greater share of one title's names and numbers that
 * the other holds; the inverse document frequency of their rarest shared token, over the
 * highest possible. */
#define NB_STORY_FEATURES 6

/* Token weights, the regression and the probability from which two articles are one story.
 * The defaults are chosen on the labelled pairs of tests/data/dedupe and cross-validated
 * there (the story unit test repeats the choice, checks it, and prints the figure). */
typedef struct nb_story_weights {
    double title;                   /* factor of the title's tokens (the lead's is 1) */
    double cjk;                     /* a CJK character bigram */
    double word;                    /* a lowercase Latin word */
    double name;                    /* a capitalized word or one with digits ("H100") */
    double number;                  /* a number ("40%", "4.8", "2033") */
    size_t lead_codepoints;         /* how much of the lead counts */
    double coef[NB_STORY_FEATURES]; /* logistic regression over the features */
    double bias;
    double threshold; /* probability from which two articles are one story */
} nb_story_weights;

extern const nb_story_weights nb_story_default_weights;

nb_story_index *nb_story_index_new(void); /* with nb_story_default_weights */
nb_story_index *nb_story_index_new_with(const nb_story_weights *weights);
void nb_story_index_free(nb_story_index *index); /* NULL-safe */
/* Adds an article; returns its number (0, 1, ...). lead may be NULL. */
size_t nb_story_index_add(nb_story_index *index, const char *title, const char *lead);
/* Computes the weights; call after the last add and before comparing. */
void nb_story_index_finish(nb_story_index *index);
/* The features of two articles of a finished index. */
void nb_story_features(const nb_story_index *index, size_t a, size_t b,
                       double features[NB_STORY_FEATURES]);
/* The probability that two articles of a finished index tell the same event, 0..1. */
double nb_story_similarity(const nb_story_index *index, size_t a, size_t b);
/* Groups articles whose similarity reaches threshold (transitively): cluster[i] is the
 * smallest article number of i's group. */
void nb_story_cluster(const nb_story_index *index, double threshold, size_t *cluster);

/* Pairs of candidates whose similarity is at least low and below NB_STORY_THRESHOLD, the
 * grey zone an LLM may settle, most similar first. *pairs holds 2 * *count article numbers
 * (caller frees). */
void nb_story_grey_pairs(const nb_story_index *index, double low, size_t **pairs, size_t *count);
/* nb_story_cluster, also joining the extra pairs (2 * extra_count article numbers). */
void nb_story_cluster_with(const nb_story_index *index, double threshold, const size_t *extra,
                           size_t extra_count, size_t *cluster);

/* nb_story_default_weights.threshold, and the bottom of the grey zone below it (the
 * probabilities between them are settled by the LLM when one is configured). */
#define NB_STORY_THRESHOLD 0.603
#define NB_STORY_GREY 0.1

/* Sentences of text as NUL-separated pieces (for tests): *count pieces in the returned
 * buffer, each starting at the offsets written to starts (caller frees both). */
char *nb_text_sentences(const char *text, size_t **starts, size_t *count);

#endif
