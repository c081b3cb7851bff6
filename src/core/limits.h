/* Every cap on input from outside, in one place. Hitting one is an error that names
 * the cap and the URL or file, never a crash and never silent truncation. */
#ifndef NB_CORE_LIMITS_H
#define NB_CORE_LIMITS_H

#define NB_LIMIT_BODY_BYTES (8u << 20)    /* one HTTP response body, after decoding */
#define NB_LIMIT_CONFIG_BYTES (1u << 20)  /* the YAML configuration file */
#define NB_LIMIT_JSON_BYTES (8u << 20)    /* one JSON document */
#define NB_LIMIT_FEED_ITEMS 2000          /* entries read from one feed */
#define NB_LIMIT_FIELD_BYTES (256u << 10) /* one text field of an item (title, body) */
#define NB_LIMIT_HTML_DEPTH 400           /* deeper HTML goes to libxml2, not gumbo */
#define NB_LIMIT_REDIRECTS 5              /* HTTP redirects followed per request */
#define NB_LIMIT_CONNECT_TIMEOUT_MS 10000 /* TCP + TLS connect */
#define NB_LIMIT_TOTAL_TIMEOUT_MS 20000   /* one whole request */
#define NB_LIMIT_CONCURRENCY 64           /* requests in flight at once, all callers */
#define NB_LIMIT_SOURCES 1000             /* sources in one configuration */
#define NB_LIMIT_CHANNELS 100             /* channels in one configuration */
#define NB_LIMIT_SCHEDULES 100            /* schedules in one configuration */
#define NB_LIMIT_URL_BYTES 4096           /* one URL */
#define NB_LIMIT_SUMMARY_CODEPOINTS 200   /* a summary shown under an item */

/* HTML pages read for their article (parse/dom, parse/extract). */
#define NB_LIMIT_HTML_ATTRS 512              /* attributes in one HTML tag */
#define NB_LIMIT_HTML_NODES 2000000          /* nodes in one parsed HTML page */
#define NB_LIMIT_HTML_PARSE_BYTES (4u << 20) /* a page's HTML without scripts and styles */

/* Time zones (core/zone). */
#define NB_LIMIT_ZONE_BYTES (256u << 10) /* one TZif file of the zone database */
#define NB_LIMIT_ZONE_TRANSITIONS 4096   /* offset changes kept for one zone */

#endif
