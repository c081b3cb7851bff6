/* SPDX-License-Identifier: MIT */
/* Stories: the same event from several sites shown once. Items are clustered by their
 * titles and leads (text/story), each story keeps its earliest full report as the entry
 * and lists the others as related links. Pure: items in, items out. */
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/memory.h"
#include "text/text.h"

static const char *lead_of(const nb_item *it)
{
    return it->excerpt && *it->excerpt ? it->excerpt : it->content;
}

/* The entry of a story: the earliest report; among reports within an hour of it, the one
 * with the most text (a full report rather than a brief). */
static size_t pick_entry(const nb_item *items, const size_t *members, size_t n)
{
    size_t first = members[0];
    for (size_t k = 1; k < n; k++)
        if (items[members[k]].published_at < items[first].published_at)
            first = members[k];
    size_t best = first;
    size_t best_len = items[first].content ? strlen(items[first].content) : 0;
    for (size_t k = 0; k < n; k++) {
        const nb_item *it = &items[members[k]];
        size_t len = it->content ? strlen(it->content) : 0;
        if (it->published_at <= items[first].published_at + 3600 && len > best_len * 2) {
            best = members[k];
            best_len = len;
        }
    }
    return best;
}

static nb_story_index *index_of(const nb_item *items, size_t count)
{
    nb_story_index *index = nb_story_index_new();
    for (size_t i = 0; i < count; i++)
        nb_story_index_add(index, items[i].title, lead_of(&items[i]));
    nb_story_index_finish(index);
    return index;
}

void nb_brief_grey_pairs(const nb_item *items, size_t count, size_t **pairs, size_t *pair_count)
{
    nb_story_index *index = index_of(items, count);
    nb_story_grey_pairs(index, NB_STORY_GREY, pairs, pair_count);
    nb_story_index_free(index);
}

size_t nb_brief_stories(nb_item *items, size_t count, int only_new,
                        const char *(*label_of)(void *ctx, const char *source), void *ctx,
                        const size_t *same, size_t same_count)
{
    if (count == 0)
        return 0;
    nb_story_index *index = index_of(items, count);
    size_t *cluster = nb_xmalloc(count * sizeof *cluster);
    nb_story_cluster_with(index, NB_STORY_THRESHOLD, same, same_count, cluster);
    nb_story_index_free(index);

    size_t *members = nb_xmalloc(count * sizeof *members);
    char *keep = nb_xcalloc(count, 1);
    for (size_t root = 0; root < count; root++) {
        if (cluster[root] != root)
            continue;
        size_t n = 0;
        int delivered = 0;
        for (size_t i = root; i < count; i++)
            if (cluster[i] == root) {
                members[n++] = i;
                delivered |= items[i].delivered;
            }
        if (only_new && delivered)
            continue;
        size_t entry = pick_entry(items, members, n);
        nb_item *e = &items[entry];
        keep[entry] = 1;
        e->story_ids = nb_xmalloc(n * sizeof *e->story_ids);
        e->story_count = n;
        /* the other reports (members come newest first) */
        for (size_t k = 0; k < n; k++) {
            size_t m = members[k];
            e->story_ids[k] = items[m].id;
            if (m == entry || !strcmp(items[m].url, e->url))
                continue;
            e->related = nb_xrealloc(e->related, (e->related_count + 1) * sizeof *e->related);
            nb_item_link *link = &e->related[e->related_count++];
            link->label = nb_xstrdup(label_of ? label_of(ctx, items[m].source) : items[m].source);
            link->url = nb_xstrdup(items[m].url);
        }
        /* oldest first */
        for (size_t a = 0, b = e->related_count; a + 1 < b; a++, b--) {
            nb_item_link t = e->related[a];
            e->related[a] = e->related[b - 1];
            e->related[b - 1] = t;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        nb_items_sieve(items, &kept, i, keep[i]);
    free(keep);
    free(members);
    free(cluster);
    return kept;
}
