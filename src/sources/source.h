/* Sources: the adapter interface, the registry of adapters, and collection.
 * An adapter turns one configured source into items: it fetches through the run's HTTP
 * engine (never libcurl directly), parses, and emits items or one failure. Adding a site
 * is one new file and one line in registry.c. */
#ifndef NB_SOURCES_SOURCE_H
#define NB_SOURCES_SOURCE_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "core/item.h"
#include "net/http.h"

typedef struct nb_source_run nb_source_run;

typedef struct nb_source_adapter {
    const char *type; /* the `type:` value in the configuration */
    /* Checks the settings this type needs; the message names the missing or bad key. */
    nb_err (*check)(const nb_source_config *config, nb_errbuf *err);
    /* Begins collecting: submits the first request(s) with nb_source_fetch. */
    void (*start)(nb_source_run *run);
} nb_source_adapter;

/* The adapter for a type, or NULL. */
const nb_source_adapter *nb_source_adapter_find(const char *type);
/* Every registered type, NULL-terminated (for the configuration vocabulary). */
extern const char *const nb_source_types[];

/* --- For adapters ------------------------------------------------------------------- */

typedef void (*nb_source_fetch_fn)(nb_source_run *run, const nb_http_response *response,
                                   void *user);

const nb_source_config *nb_source_config_of(const nb_source_run *run);
/* The run's clock ("now", pinned in tests). */
int64_t nb_source_now(const nb_source_run *run);
/* GETs url for this source; done runs later, from the engine's loop. */
void nb_source_fetch(nb_source_run *run, const char *url, const char *const *headers,
                     nb_source_fetch_fn done, void *user);
/* Hands an item to the collection; takes ownership of its strings and zeroes *item. */
void nb_source_emit(nb_source_run *run, nb_item *item);
/* Records the source's failure for this run (the first one counts). */
void nb_source_fail(nb_source_run *run, nb_err code, const char *fmt, ...) NB_PRINTF(3, 4);

/* --- For the pipeline ----------------------------------------------------------------- */

typedef struct nb_source_outcome {
    const nb_source_config *config; /* borrowed from the nb_config */
    nb_err status;                  /* NB_OK, or the failure's class */
    char *error;                    /* the failure's message, or NULL */
    size_t item_count;              /* items emitted */
} nb_source_outcome;

typedef struct nb_collection {
    nb_item *items; /* every item of every source, in emission order */
    size_t item_count;
    nb_source_outcome *outcomes; /* one per enabled source, in configuration order */
    size_t outcome_count;
} nb_collection;

/* Runs every enabled source of config on http until all are done. */
nb_collection *nb_collect(const nb_config *config, nb_http *http, int64_t now);
void nb_collection_free(nb_collection *collection); /* NULL-safe */

#endif
