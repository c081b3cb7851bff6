/* Briefings: choosing the items and rendering them as pages in the seed's Markdown.
 * Pure: items in, text out. Times are shown in the process display zone
 * (nb_time_set_zone). */
#ifndef NB_BRIEF_BRIEF_H
#define NB_BRIEF_BRIEF_H

#include <stddef.h>
#include <stdint.h>

#include "core/record.h"

/* Orders items newest first (ties: higher id first), drops those published before
 * now - window, and keeps at most max. Returns how many remain at the front of items;
 * the dropped ones are cleared. */
size_t nb_brief_select(nb_item *items, size_t count, int64_t now, int64_t window, size_t max);

typedef struct nb_render_options {
    const char *title;     /* "新闻简报" */
    int64_t now;           /* the header's update time */
    size_t items_per_page; /* items per page; at least 1 */
} nb_render_options;

/* Renders items as pages of at most items_per_page items. *pages is an array of
 * *page_count strings, each ending in "\n"; free with nb_brief_pages_free. No items, no
 * pages. */
void nb_brief_render(const nb_render_options *options, const nb_item *items, size_t count,
                     char ***pages, size_t *page_count);
void nb_brief_pages_free(char **pages, size_t page_count);

/* Link text that cannot break Markdown: "[" and "]" full-width, line breaks and tabs as
 * spaces. Caller frees. */
char *nb_brief_link_text(const char *text);

/* The whole briefing as one text: pages separated by one blank line. Caller frees. */
char *nb_brief_join(char *const *pages, size_t page_count);

#endif
