/* SPDX-License-Identifier: MIT */
/* Plain records that travel between stages: nb_item, one news article on its way from a
 * source adapter through the store to a briefing; nb_source_state, what a source remembers
 * between runs. Whoever fills a record owns its strings (the _clear functions free them). */
#ifndef NB_CORE_RECORD_H
#define NB_CORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_item {
    int64_t id;           /* store row id; 0 until stored */
    char *source;         /* name of the source (its key under sources:) */
    char *key;            /* stable key within the source: feed guid, site id */
    char *url;            /* canonical article URL */
    char *title;          /* plain text, one line */
    int64_t published_at; /* UTC seconds */
    char *image;          /* absolute image URL, or NULL */
    char *excerpt;        /* plain text the source gives with the item, or NULL */
    char *content;        /* the article's full text, paragraphs separated by "\n\n", or NULL */
    char *author;         /* or NULL */
    char *tags;           /* tags, one per line, or NULL */
    char *summary;        /* the text shown under the title, or NULL */
    int delivered;        /* already given to the channel being composed for */
    struct nb_item_link *related; /* other reports of the same story, oldest first */
    size_t related_count;
    int64_t *story_ids; /* ids of every report of the story (this one included), or NULL */
    size_t story_count;
} nb_item;

/* Another site's report of an item's story. */
typedef struct nb_item_link {
    char *label; /* the site's name ("机器之心") */
    char *url;
} nb_item_link;

void nb_item_clear(nb_item *item); /* frees the strings, zeroes the record */
void nb_items_free(nb_item *items, size_t count);
/* One step of filtering items in place, for i = 0, 1, ...: a kept item moves to position
 * *kept (and *kept grows), a dropped one is cleared. Items before *kept are the kept ones. */
void nb_items_sieve(nb_item *items, size_t *kept, size_t i, int keep);

typedef struct nb_source_state {
    char *name; /* the source's name */
    char *type; /* its adapter type */
    char *etag; /* validators for conditional GET, or NULL */
    char *last_modified;
    int64_t next_fetch_at;   /* UTC seconds; the source is skipped until then (0: now) */
    int consecutive_errors;  /* failed runs in a row */
    char *last_error;        /* the last failure's message, or NULL */
    int64_t last_success_at; /* 0: never */
    int64_t last_attempt_at; /* 0: never */
    char *settings;          /* fingerprint of the source's configuration last run, or NULL */
    char *title;             /* the source's own title as last fetched (a feed's), or NULL */
} nb_source_state;

void nb_source_state_clear(nb_source_state *state);
/* Forgets the failures: no error count, no backoff, no last error (a fixed source or
 * `sources --reset`). Successes and validators stay. */
void nb_source_state_forget_failures(nb_source_state *state);

#endif
