/* SPDX-License-Identifier: MIT */
/* Sources: the adapter interface, the registry of adapters, and collection.
 * An adapter turns one configured source into items: it fetches through the run's HTTP
 * engine (never libcurl directly), parses, and emits items or one failure. Adding a site
 * is one new file and one line in registry.c. */
#ifndef NB_SOURCES_SOURCE_H
#define NB_SOURCES_SOURCE_H

#include <stddef.h>

#include <jansson.h>

#include "core/config.h"
#include "core/err.h"
#include "core/record.h"
#include "net/http.h"
#include "text/text.h"

typedef struct nb_source_run nb_source_run;

typedef struct nb_source_adapter {
    const char *type;         /* the `type:` value in the configuration */
    const char *display_name; /* the site's name for readers ("机器之心"); NULL: the source's */
    /* Checks the settings this type needs; the message names the missing or bad key. */
    nb_err (*check)(const nb_source_config *config, nb_errbuf *err);
    /* Begins collecting: submits the first request(s) with nb_source_fetch. */
    void (*start)(nb_source_run *run);
    long default_delay_ms; /* pause between this source's requests unless delay_ms is set */
    /* The configuration keys of this type beyond every source's (type, name, enabled,
     * delay_ms, proxy), NULL-terminated. */
    const char *const *keys;

    /* --- The site hook: what the adapter knows of its site beyond collecting. Generic code
     * (core/url, text/summarize) keeps only what is true of every site and asks here, so
     * adding a site touches its adapter alone. Both may be NULL. */

    /* The site's own form of an article URL, given the host (lowercase) and path of a URL
     * already in nb_url_canonical's generic form; NULL when the URL is not one the site
     * folds (any other site's, or not an article). Caller frees. */
    char *(*canonical_url)(const char *host, const char *path);
    /* The site's boilerplate: bylines that open its articles, labels, credits and its
     * "key points" heading. Applied to the bodies it collects, and handed to the offline
     * summarizer (through nb_source_boilerplates) for articles that carry it elsewhere. */
    const nb_body_rules *boilerplate;
} nb_source_adapter;

/* The adapter for a type, or NULL. Static: never freed. */
const nb_source_adapter *nb_source_adapter_find(const char *type);
/* Whether a configuration key means something for a source of this type. */
int nb_source_key_applies(const char *type, const char *key);
/* Every registered type, NULL-terminated (for the configuration vocabulary). Static: never
 * freed. */
const char *const *nb_source_types(void);

/* url in canonical form: nb_url_canonical's rules for every site, then those of the adapter
 * that claims the URL (AIbase folds its mirrors into news.aibase.com). NULL when url is not
 * an absolute http(s) URL. Caller frees. */
char *nb_source_canonical_url(const char *url);
/* The boilerplate of every adapter that names one, NULL-terminated, for
 * nb_summary_options.sites: articles travel between sites (reposts, feeds that carry a
 * site's text), so any known site's furniture is set aside. Static: never freed. */
const nb_body_rules *const *nb_source_boilerplates(void);

/* --- For adapters ------------------------------------------------------------------- */

typedef void (*nb_source_fetch_fn)(nb_source_run *run, const nb_http_response *response,
                                   void *user);

/* The source's configuration, borrowed from the nb_config the collection runs on. */
const nb_source_config *nb_source_config_of(const nb_source_run *run);
/* The run's clock ("now", pinned in tests). */
int64_t nb_source_now(const nb_source_run *run);
/* GETs url, a URL found in content (an entry's link), for this source; done runs later,
 * from the engine's loop. Requests of one source start at least its delay apart; a 5xx
 * other than 503 is retried once; at most NB_LIMIT_REDIRECTS redirects are followed. A
 * discovered URL reaches public addresses only (its redirects too), unless
 * newsbrief.allow_private_networks is set: a refusal is an NB_ERR_REFUSED answer. */
void nb_source_fetch(nb_source_run *run, const char *url, const char *const *headers,
                     nb_source_fetch_fn done, void *user);
/* The same for the source's configured url (trusted: any address; its redirects are
 * checked as discovered URLs), sending the validators stored from the source's last run
 * (If-None-Match, If-Modified-Since) and remembering the new ones. A 304 marks the run
 * "not modified". */
void nb_source_fetch_conditional(nb_source_run *run, const char *url, const char *const *headers,
                                 nb_source_fetch_fn done, void *user);
/* Whether response is a 200 to go on with (a predicate: 1 or 0). Otherwise the run is
 * failed with the right class (network, blocked for 403/429/503, http for other statuses)
 * naming what and the URL; a 304 is 0 without failing. */
int nb_source_expect_ok(nb_source_run *run, const nb_http_response *response, const char *what);
/* Start of the window: items published before it are not wanted. */
int64_t nb_source_window_start(const nb_source_run *run);
/* 1 when an item with this key is already stored for this source. */
int nb_source_known(nb_source_run *run, const char *key);
/* url with scheme, host and port replaced by the source's base_url (when set); caller frees. */
char *nb_source_site_url(const nb_source_run *run, const char *url);
/* nb_source_fetch of a built-in endpoint url as redirected by base_url: trusted as
 * configuration is (any address; redirects are checked as discovered URLs). */
void nb_source_fetch_site(nb_source_run *run, const char *url, const char *const *headers,
                          nb_source_fetch_fn done, void *user);
/* The JSON object a site's API promised. Fails the run and returns NULL when the answer is
 * not one: an HTTP failure (as nb_source_expect_ok), a page containing one of
 * block_markers (NULL-terminated; anti-bot or landing pages: blocked), another non-JSON
 * body (parse, with content type and the first bytes), or bad JSON (parse). what names the
 * request in messages ("list page 1"). The caller json_decref's the result. */
json_t *nb_source_json(nb_source_run *run, const nb_http_response *response, const char *what,
                       const char *const *block_markers);
/* A site's wall-clock time text as UTC seconds into *out: offset is the site's zone (28800
 * for Beijing); an explicit offset in the text wins. A text that is not a date, or a year
 * outside 2015..next year, fails the run with a schema error naming what and path, and
 * returns NB_ERR_SCHEMA. */
nb_err nb_source_site_time(nb_source_run *run, const char *what, const char *path, const char *text,
                           int offset, int64_t *out) NB_MUST_CHECK;
/* The plain text of an article body: HTML reduced to paragraphs, then rules applied; NULL
 * when nothing is left. Caller frees. */
char *nb_source_body_text(const char *html, const nb_body_rules *rules);
/* Member key of obj as a string into *out (NULL when absent or null and not required),
 * borrowed from obj; or fails the run with a schema error naming what and the field path,
 * and returns NB_ERR_SCHEMA. */
nb_err nb_source_string(nb_source_run *run, const char *what, json_t *obj, const char *path,
                        const char *key, int required, const char **out) NB_MUST_CHECK;
/* The check of a built-in site adapter: no url (endpoints are built in), base_url http(s). */
nb_err nb_source_check_site(const nb_source_config *config, nb_errbuf *err);
/* The keys of a built-in site adapter's type (base_url). */
extern const char *const nb_source_site_keys[];
/* Browser-like User-Agent for sites that refuse unknown clients. */
#define NB_SOURCE_BROWSER_UA                                                                       \
    "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, "      \
    "like Gecko) Chrome/126.0 Safari/537.36"

/* Hands an item over (stored when the source is done); takes its strings, zeroes *item. */
void nb_source_emit(nb_source_run *run, nb_item *item);
/* The source's own title as this run found it (a feed's <title>): what readers see when the
 * configuration gives no name. */
void nb_source_set_title(nb_source_run *run, const char *title);
/* Records the source's failure for this run (the first one counts). */
void nb_source_fail(nb_source_run *run, nb_err code, const char *fmt, ...) NB_PRINTF(3, 4);

/* --- For the pipeline ----------------------------------------------------------------- */

typedef struct nb_source_outcome {
    const nb_source_config *config; /* borrowed from the nb_config */
    nb_err status;                  /* NB_OK, or the failure's class */
    char *error;                    /* the failure's message, or NULL */
    size_t item_count;              /* items emitted */
    int not_modified;               /* the source answered 304: nothing new */
    int skipped;                    /* not fetched: backing off until state's next_fetch_at */
    int64_t retry_after;            /* seconds the site asked us to wait; -1: none */
    char *title;                    /* the source's own title, when it gave one */
} nb_source_outcome;

typedef struct nb_collection {
    size_t item_count;           /* items emitted by every source */
    nb_source_outcome *outcomes; /* one per enabled source, in configuration order */
    size_t outcome_count;
} nb_collection;

/* Runs every enabled source of config on http until all are done; the result is the
 * caller's (nb_collection_free). states holds one entry
 * per configured source (same order), as stored: sources still backing off are skipped,
 * and each state is updated with the run's result (validators, errors, next fetch time)
 * for the caller to store. failures_before_backoff failed runs in a row start an
 * exponential backoff (30 min, doubling, at most a day). hooks->known tells adapters which
 * keys are stored, so that paging stops at the first known item. */
/* What collection needs from its caller: which keys are stored, and where items go: each
 * source's items together, as soon as that source is done (so a run killed half-way keeps
 * the sources it finished, and never half of one). */
typedef struct nb_collect_hooks {
    int (*known)(void *ctx, const char *source, const char *key);
    void (*sink)(void *ctx, const nb_item *item); /* item is borrowed during the call */
    void *ctx;
} nb_collect_hooks;

nb_collection *nb_collect(const nb_config *config, nb_http *http, int64_t now,
                          nb_source_state *states, const nb_collect_hooks *hooks);
void nb_collection_free(nb_collection *collection); /* NULL-safe */

#endif
