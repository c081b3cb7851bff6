/* nb_item: one news article as it travels from a source adapter through the store to a
 * briefing. A plain record; whoever fills it owns the strings (nb_item_clear frees them). */
#ifndef NB_CORE_ITEM_H
#define NB_CORE_ITEM_H

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
    char *summary;        /* the text shown under the title, or NULL */
} nb_item;

void nb_item_clear(nb_item *item); /* frees the strings, zeroes the record */
void nb_items_free(nb_item *items, size_t count);

#endif
