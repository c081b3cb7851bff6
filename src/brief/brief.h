/* SPDX-License-Identifier: MIT */
/* Briefings: choosing the items and rendering them as pages in the seed's Markdown.
 * Pure: items in, text out. Times are shown in the process display zone
 * (nb_time_set_zone). */
#ifndef NB_BRIEF_BRIEF_H
#define NB_BRIEF_BRIEF_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/record.h"

/* Orders items newest first (ties: higher id first), drops those published before
 * now - window, and keeps at most max. Returns how many remain at the front of items;
 * the dropped ones are cleared. */
size_t nb_brief_select(nb_item *items, size_t count, int64_t now, int64_t window, size_t max);

/* Stories: items telling the same event (nb_story_cluster over titles and leads) become
 * one entry, the earliest report with the longest text among the earliest, with the others
 * as related links labelled by label_of(source) (the label table belongs to the caller).
 * With only_new, a story any of whose reports has delivered set is left out entirely.
 * same (2 * same_count item positions) are pairs known to be one story (an LLM said so).
 * Items are merged in place; returns how many entries remain at the front (the rest are
 * cleared). Each entry's story_ids lists every report of its story, for the ledger. */
size_t nb_brief_stories(nb_item *items, size_t count, int only_new,
                        const char *(*label_of)(void *ctx, const char *source), void *ctx,
                        const size_t *same, size_t same_count);
/* The pairs of items (2 * *count positions; caller frees) whose similarity falls in the grey
 * zone below the story threshold, for an LLM to settle. */
void nb_brief_grey_pairs(const nb_item *items, size_t count, size_t **pairs, size_t *pair_count);

/* Selection rules, the syntax TrendRadar users know: "word" (at least one of these must
 * appear, when there are any), "+word" (must appear), "!word" (must not appear), "/regex/"
 * (PCRE2, UTF-8; counts as a "word"). Words match without regard to case. An item's text
 * is its title and its excerpt. */
typedef struct nb_rules nb_rules;
nb_err nb_rules_new(char *const *keywords, nb_rules **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_rules_free(nb_rules *rules); /* NULL-safe */
int nb_rules_match(const nb_rules *rules, const nb_item *item);

/* Keeps the items that pass rules (NULL: all) and, newest first, at most per_source of
 * each source (0: no limit) and max in all; the others are cleared. Returns how many
 * remain at the front. */
size_t nb_brief_filter(nb_item *items, size_t count, const nb_rules *rules, size_t per_source,
                       size_t max);

typedef struct nb_render_options {
    const char *title;          /* "新闻简报" */
    const char *header;         /* header template ({title}, {time}); NULL: the zh one */
    const char *related_prefix; /* "相关报道：" before related links; NULL or "": none */
    int64_t now;                /* the header's update time */
    size_t items_per_page;      /* items per page; at least 1 */
} nb_render_options;

/* The header line's text: templ with {title} and {time} filled in; NULL templ is
 * "{title} (更新时间: {time})". Caller frees. */
char *nb_brief_header(const char *templ, const char *title, const char *time);

/* Renders items as pages of at most items_per_page items. *pages is an array of
 * *page_count strings, each ending in "\n"; free with nb_brief_pages_free. No items, no
 * pages. */
void nb_brief_render(const nb_render_options *options, const nb_item *items, size_t count,
                     char ***pages, size_t *page_count);
void nb_brief_pages_free(char **pages, size_t page_count);

/* Source text (a title, summary or label) as Markdown that stays text: one line (control
 * characters as spaces, bidirectional controls dropped), "[" and "]" full-width, "<" and
 * entity-like "&" as entities, "\\ * _ ~ `" backslash-escaped ("_" inside a word stays),
 * and with NB_MD_LINE_START a leading "# > - + = |" or "1." escaped too. No tag, link,
 * emphasis, mention or new block can come out of it. Caller frees. */
enum { NB_MD_LINK_TEXT = 0, NB_MD_LINE_START = 1 };
char *nb_brief_markdown_text(const char *text, unsigned where);

/* Two rules of Markdown that the chat dialects built on it share (push/escape.c): whether p,
 * at a "&", starts "&name;", "&#123;" or "&#x1F;", an entity a renderer would decode; and
 * whether p, in line, stands between two ASCII letters or digits, where "_" is part of a
 * word (snake_case), never emphasis. */
int nb_brief_md_entity(const char *p);
int nb_brief_md_in_word(const char *line, const char *p);

/* "相关报道：[机器之心](url) · [量子位](url)" for an item with related reports, NULL when it
 * has none or prefix is NULL or empty. Caller frees. */
char *nb_brief_related_line(const nb_item *item, const char *prefix);

/* The whole briefing as one text: pages separated by one blank line. Caller frees. */
char *nb_brief_join(char *const *pages, size_t page_count);

#endif
