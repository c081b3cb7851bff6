/* SPDX-License-Identifier: MIT */
/* Every cap on input from outside, in one place. Hitting one is an error that names
 * the cap and the URL or file, never a crash and never silent truncation. */
#ifndef NB_CORE_LIMITS_H
#define NB_CORE_LIMITS_H

#define NB_LIMIT_BODY_BYTES (8u << 20)        /* one HTTP response body, after decoding */
#define NB_LIMIT_CONFIG_BYTES (1u << 20)      /* the YAML configuration file */
#define NB_LIMIT_JSON_BYTES (8u << 20)        /* one JSON document */
#define NB_LIMIT_FEED_ITEMS 2000              /* entries read from one feed */
#define NB_LIMIT_FIELD_BYTES (256u << 10)     /* one text field of an item (title, body) */
#define NB_LIMIT_FEED_ENTITY_BYTES (8u << 20) /* text entity references expand to in one feed, */
#define NB_LIMIT_FEED_ENTITY_FACTOR 10u       /* ... and at most this many times its size */
#define NB_LIMIT_FEED_ENTITIES 1000           /* entities one feed declares or uses */
#define NB_LIMIT_FEED_TEXT_BYTES (16u << 20)  /* text and markup read for one feed element */
#define NB_LIMIT_HTML_DEPTH 400               /* deeper HTML goes to libxml2, not gumbo */
#define NB_LIMIT_REDIRECTS 5                  /* HTTP redirects followed per request */
#define NB_LIMIT_CONNECT_TIMEOUT_MS 10000     /* TCP + TLS connect */
#define NB_LIMIT_TOTAL_TIMEOUT_MS 20000       /* one whole request */
#define NB_LIMIT_CONCURRENCY 64               /* requests in flight at once, all callers */
#define NB_LIMIT_SOURCES 1000                 /* sources in one configuration */
#define NB_LIMIT_CHANNELS 100                 /* channels in one configuration */
#define NB_LIMIT_SCHEDULES 100                /* schedules in one configuration */
#define NB_LIMIT_URL_BYTES 4096               /* one URL */
#define NB_LIMIT_SUMMARY_CODEPOINTS 200       /* a summary shown under an item */

/* HTML pages read for their article (parse/dom, parse/extract). */
#define NB_LIMIT_HTML_ATTRS 512              /* attributes in one HTML tag */
#define NB_LIMIT_HTML_NODES 2000000          /* nodes in one parsed HTML page */
#define NB_LIMIT_HTML_PARSE_BYTES (4u << 20) /* a page's HTML without scripts and styles */

/* Growing buffers (core/buf): every nb_buf_init names its cap, here or beside the module
 * that owns the input (NB_WEB_BODY_MAX). A cap above what its input can make is still a
 * cap: a bug that loops appending fails with NB_ERR_LIMIT instead of eating memory. */
#define NB_LIMIT_TEXT_BYTES                                                                        \
    (64u << 20) /* text made from one document or field (decoded                                   \
                 * to UTF-8, cleaned body, summary, escaped or encoded text, URL                   \
                 * forms, prompts): the largest input,                                             \
                 * NB_LIMIT_BODY_BYTES, grown 6 times by the                                       \
                 * widest escape ("&quot;"), fits */
#define NB_LIMIT_MESSAGE_BYTES                                                                     \
    (64u << 20) /* one rendered chat message, e-mail or briefing                                   \
                 * page: at most 1000 items of capped fields */
#define NB_LIMIT_OUTPUT_BYTES                                                                      \
    (256u << 20) /* one document a command prints or logs, masked                                  \
                  * by core/redact (a feed's --json dictionary) */
#define NB_LIMIT_SQL_BYTES                                                                         \
    (256u << 20)                 /* one statement or COPY chunk the store builds (search SQL, id   \
                                  * lists, a chunk of rows of capped fields) */
#define NB_LIMIT_TAGS_BYTES 4096 /* an item's tags, one per line */
#define NB_LIMIT_SUBJECT_BYTES 4096   /* an e-mail subject made from its template */
#define NB_LIMIT_NAME_LIST_BYTES 1024 /* names listed in a configuration error */

/* Time zones (core/zone). */
#define NB_LIMIT_ZONE_BYTES (256u << 10) /* one TZif file of the zone database */
#define NB_LIMIT_ZONE_TRANSITIONS 4096   /* offset changes kept for one zone */

#endif
