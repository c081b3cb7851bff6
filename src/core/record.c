/* SPDX-License-Identifier: MIT */
/* Ownership helpers of the plain records. */
#include "core/record.h"

#include <stdlib.h>
#include <string.h>

void nb_item_clear(nb_item *item)
{
    free(item->source);
    free(item->key);
    free(item->url);
    free(item->title);
    free(item->image);
    free(item->excerpt);
    free(item->content);
    free(item->author);
    free(item->tags);
    free(item->summary);
    for (size_t i = 0; i < item->related_count; i++) {
        free(item->related[i].label);
        free(item->related[i].url);
    }
    free(item->related);
    free(item->story_ids);
    memset(item, 0, sizeof *item);
}

void nb_items_free(nb_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_item_clear(&items[i]);
    free(items);
}

void nb_items_sieve(nb_item *items, size_t *kept, size_t i, int keep)
{
    if (!keep) {
        nb_item_clear(&items[i]);
        return;
    }
    if (*kept != i) {
        items[*kept] = items[i];
        memset(&items[i], 0, sizeof items[i]);
    }
    (*kept)++;
}

void nb_source_state_clear(nb_source_state *state)
{
    free(state->name);
    free(state->type);
    free(state->etag);
    free(state->last_modified);
    free(state->last_error);
    free(state->settings);
    free(state->title);
    memset(state, 0, sizeof *state);
}

void nb_source_state_forget_failures(nb_source_state *state)
{
    state->consecutive_errors = 0;
    state->next_fetch_at = 0;
    free(state->last_error);
    state->last_error = NULL;
}
