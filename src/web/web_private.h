/* SPDX-License-Identifier: MIT */
/* Private to src/web: one request as the route handlers see it, the answer they build, the
 * output helpers (escaping for HTML, XML and attributes), and how the server's parts
 * (server.c, routes.c, answers.c) hand a request on. */
#ifndef NB_WEB_WEB_PRIVATE_H
#define NB_WEB_WEB_PRIVATE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include "web/web.h"

/* Caps on what a client sends. */
#define NB_WEB_URI_MAX 2048                 /* the request target, path and query */
#define NB_WEB_QUERY_MAX 256                /* a search text, in bytes */
#define NB_WEB_BODY_MAX (32u << 20)         /* one rendered answer */
#define NB_WEB_KEY_MAX (4 * NB_WEB_URI_MAX) /* a cached answer's key: route, target, base */
#define NB_WEB_PAGE_SIZE 30                 /* items per page */
#define NB_WEB_BRIEFINGS_PAGE 20

/* A configured source, as the archive names it. */
typedef struct nb_web_source {
    char *name;
    char *type;
    char *label; /* the site's name ("机器之心"), else the source name */
    int enabled;
} nb_web_source;

/* What the handlers read of the configuration (copied at start). */
typedef struct nb_web_site {
    char *title;          /* the archive's name */
    char *briefing_title; /* newsbrief.title */
    char *related_prefix; /* "相关报道：" */
    char *base_url;       /* or NULL: from the Host header */
    nb_web_source *sources;
    size_t source_count;
    char style_version[17]; /* hash of the stylesheet, in its URL */
} nb_web_site;

typedef enum nb_web_route {
    ROUTE_HOME,
    ROUTE_BRIEFING,
    ROUTE_DAY,
    ROUTE_ITEM,
    ROUTE_SOURCES,
    ROUTE_SEARCH,
    ROUTE_FEED_ATOM,
    ROUTE_FEED_RSS,
    ROUTE_FEED_JSON,
    ROUTE_API_BRIEFINGS,
    ROUTE_API_BRIEFING,
    ROUTE_API_ITEMS,
    ROUTE_API_ITEM,
    ROUTE_API_SOURCES,
    ROUTE_METRICS,
    ROUTE_HEALTHZ,
    ROUTE_STYLE,
    ROUTE_MCP,
    ROUTE_NOT_FOUND,
    ROUTE_COUNT
} nb_web_route;

extern const char *const nb_web_route_names[ROUTE_COUNT];

/* The output of a handler: status, type and body (capped at NB_WEB_BODY_MAX; overflow makes
 * the server answer 500). */
typedef struct nb_web_reply {
    int status;
    const char *type;          /* static string */
    const char *cache_control; /* static string; NULL: "no-cache" */
    int cacheable;             /* the same request gives the same answer until the data changes */
    nb_buf body;
    int overflow;
} nb_web_reply;

typedef struct nb_web_request {
    nb_web *web;
    const nb_web_site *site;
    struct MHD_Connection *connection;
    nb_store *store; /* this thread's read-only connection */
    nb_web_route route;
    const char *rest;  /* the path after the route's prefix ("2025-04-07-2046"), or "" */
    int query_token;   /* the token came as ?token=: internal links carry it */
    const char *token; /* the configured token, or NULL */
    char base[512];    /* absolute URL of the archive's root, without the final "/" */
} nb_web_request;

/* A query argument (decoded), or NULL; borrowed from the request, valid while it runs. */
const char *nb_web_arg(const nb_web_request *r, const char *name);
/* The archive's label of a source name (its site's name when configured); borrowed from
 * site, or name itself. */
const char *nb_web_source_label(const nb_web_site *site, const char *name);

/* Output helpers. Text is escaped for HTML and XML alike (& < > " '); characters XML
 * forbids (C0 controls but tab and line ends, U+FFFE/U+FFFF) are dropped. */
void nb_web_puts(nb_web_reply *o, const char *s);
void nb_web_printf(nb_web_reply *o, const char *fmt, ...) NB_PRINTF(2, 3);
void nb_web_text(nb_web_reply *o, const char *s);
/* Text with search marks (NB_SEARCH_MARK_OPEN/CLOSE) as <mark> elements, always balanced. */
void nb_web_marked(nb_web_reply *o, const char *s);
/* A link target inside the archive: path (already safe) and the token when it travels in
 * the query. fmt builds the path and query. Escaped for an attribute. */
void nb_web_href(nb_web_reply *o, const nb_web_request *r, const char *fmt, ...) NB_PRINTF(3, 4);
/* A query value escaped for a URL (then for the attribute by the caller's use of href).
 * Caller frees. */
char *nb_web_url_encode(const char *s);
/* Whether a URL from a source may be linked or loaded: absolute http or https only. */
int nb_web_safe_url(const char *url);
/* Times: RFC 3339 in UTC ("2025-04-07T09:46:00Z"); the display zone ("2025-04-07 17:46"),
 * RFC 822 for RSS ("Mon, 07 Apr 2025 09:46:00 +0000"). */
void nb_web_time_iso(int64_t t, char *out, size_t n);
void nb_web_time_display(int64_t t, char *out, size_t n);
void nb_web_time_rfc822(int64_t t, char *out, size_t n);
/* The display-zone day "YYYY-MM-DD" of t, and the UTC bounds [from, to) of such a day;
 * 0 when the text is not a date. */
void nb_web_day_of(int64_t t, char *out, size_t n);
int nb_web_day_bounds(const char *day, int64_t *from, int64_t *to);

/* Errors in the answer's kind: an HTML page or {"error": {...}} for the API. */
void nb_web_error(nb_web_request *r, nb_web_reply *o, int status, const char *code,
                  const char *message);

/* Reads shared by the pages and the API (reads.c). A load that fails has answered the
 * request (404 or 500, logged) and returns its class; the view is then empty. */
/* Logs err and answers 500 "the archive could not read its database". */
void nb_web_store_failed(nb_web_request *r, nb_web_reply *o, const nb_errbuf *err);

/* The briefing whose slug is given (404 when none); release with nb_briefing_clear. */
nb_err nb_web_briefing_load(nb_web_request *r, nb_web_reply *o, const char *slug,
                            nb_briefing *b) NB_MUST_CHECK;

/* One item with the other reports of its story and the briefings that carried it. */
typedef struct nb_web_item_view {
    nb_item item;
    nb_item *others; /* the story's other reports */
    size_t other_count;
    nb_briefing *carried; /* briefings that carried the item */
    size_t carried_count;
} nb_web_item_view;

/* Item id (404 when id <= 0 or unknown); release with nb_web_item_view_free. */
nb_err nb_web_item_load(nb_web_request *r, nb_web_reply *o, int64_t id,
                        nb_web_item_view *view) NB_MUST_CHECK;
void nb_web_item_view_free(nb_web_item_view *view);

/* Every stored source's state and counts, for the health columns of /sources and
 * /api/sources. */
typedef struct nb_web_health {
    nb_source_state *states;
    size_t state_count;
    nb_source_stats *stats;
    size_t stats_count;
} nb_web_health;

nb_err nb_web_health_load(nb_web_request *r, nb_web_reply *o, nb_web_health *h) NB_MUST_CHECK;
/* The state and counts stored for source name, or NULL; borrowed from h. */
const nb_source_state *nb_web_health_state(const nb_web_health *h, const char *name);
const nb_source_stats *nb_web_health_stats(const nb_web_health *h, const char *name);
/* The source's last error with secrets masked into out (n bytes); 0 (out "") when none. */
int nb_web_health_error(const nb_source_state *st, char *out, size_t n);
void nb_web_health_free(nb_web_health *h);

/* The handlers (pages.c, feeds.c, api.c, metrics.c). */
void nb_web_home(nb_web_request *r, nb_web_reply *o);
void nb_web_briefing(nb_web_request *r, nb_web_reply *o);
void nb_web_day(nb_web_request *r, nb_web_reply *o);
void nb_web_item(nb_web_request *r, nb_web_reply *o);
void nb_web_sources(nb_web_request *r, nb_web_reply *o);
void nb_web_search(nb_web_request *r, nb_web_reply *o);
void nb_web_not_found(nb_web_request *r, nb_web_reply *o);
void nb_web_style(nb_web_request *r, nb_web_reply *o);
void nb_web_feed(nb_web_request *r, nb_web_reply *o);
void nb_web_api(nb_web_request *r, nb_web_reply *o);
void nb_web_metrics(nb_web_request *r, nb_web_reply *o);

/* One POST (or other method) to /mcp, as the server read it. */
typedef struct nb_web_mcp_request {
    const char *method;
    const char *origin;           /* the Origin header, or NULL */
    const char *host;             /* the Host header, or NULL */
    const char *base_url;         /* web.base_url, or NULL */
    const char *protocol_version; /* the MCP-Protocol-Version header, or NULL */
    const char *body;
    size_t body_len;
    int too_large; /* the body was over NB_LIMIT_JSON_BYTES (and dropped) */
} nb_web_mcp_request;

typedef struct nb_web_mcp_answer {
    int status;
    const char *type;  /* NULL: no body */
    const char *text;  /* the body */
    const char *allow; /* an Allow header, or NULL */
    char *owned;       /* what to free after sending (may be text) */
} nb_web_mcp_answer;

/* Answers one /mcp request (mcp_http.c), reading the archive through store. */
struct nb_mcp;
void nb_web_mcp(const struct nb_mcp *mcp, nb_store *store, const nb_web_mcp_request *q,
                nb_web_mcp_answer *a);

/* The stylesheet served at /static/style.css. */
extern const char nb_web_stylesheet[];

/* The server's own request metrics: requests by route and status, durations by route. */
#define NB_WEB_BUCKETS 12
extern const double nb_web_bucket_bounds[NB_WEB_BUCKETS]; /* seconds */
#define NB_WEB_CODES 12
extern const int nb_web_codes[NB_WEB_CODES]; /* the last one, 0, counts every other code */

typedef struct nb_web_route_stats {
    atomic_uint_fast64_t codes[NB_WEB_CODES];
    atomic_uint_fast64_t buckets[NB_WEB_BUCKETS]; /* not cumulative: each its own range */
    atomic_uint_fast64_t over;                    /* past the last bound */
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_us;
} nb_web_route_stats;

/* Rendered answers kept until the data changes (answers.c). */
typedef struct nb_web_cache nb_web_cache;

struct nb_web {
    struct MHD_Daemon *daemon;
    nb_web_site site;
    char *database;
    char *token;
    char url[128];
    int port;
    uint64_t serial; /* tells this server's per-thread connections from another's */
    int heartbeat;   /* /healthz follows nb_web_heartbeat */
    int64_t heartbeat_max_age;
    atomic_int_fast64_t heartbeat_ms;
    atomic_uint_fast64_t generation;   /* grows when the database changes */
    atomic_int_fast64_t last_modified; /* the database's last change seen (UTC seconds) */
    nb_web_cache *cache;               /* NULL: no cache */
    pthread_mutex_t stores_lock;
    nb_store **stores; /* every thread's connection, closed at stop */
    size_t store_count, store_alloc;
    nb_web_route_stats routes[ROUTE_COUNT];
    struct nb_mcp *mcp; /* the MCP server behind /mcp */
};

/* ---- The server's parts ---- */

/* One request from its URI to its end: when it started, its route, its answer's status
 * (server.c). */
typedef struct nb_web_call nb_web_call;

/* Queues the answer and counts it by route and status (before it is sent: the next request
 * sees the count) (server.c). */
enum MHD_Result nb_web_queue(nb_web *web, struct MHD_Connection *c, nb_web_call *call, int status,
                             struct MHD_Response *resp);
/* A small answer that is never kept: errors before routing, 401, 405, 414. text stays
 * readable until sent (a literal); header, when not NULL, is added with value (server.c). */
enum MHD_Result nb_web_answer_plain(nb_web *web, struct MHD_Connection *c, nb_web_call *call,
                                    int status, const char *text, const char *header,
                                    const char *value);

/* Routing (routes.c). The route of a path; rest is the part after a prefixed route's prefix
 * (borrowed from path), else "". */
nb_web_route nb_web_route_of(const char *path, const char **rest);
/* 1: authorized by the Authorization header, 2: by ?token=, 0: not. */
int nb_web_authorized(nb_web *web, struct MHD_Connection *c);
/* The absolute root URL for feeds: web.base_url, else http:// and a well-formed Host. */
void nb_web_base_url(const nb_web *web, struct MHD_Connection *c, char *out, size_t n);
/* Runs the route's handler. */
void nb_web_run_handler(nb_web_request *r, nb_web_reply *o);

/* Answers (answers.c). The headers every answer carries (CSP, nosniff, no referrer, ...). */
void nb_web_security_headers(struct MHD_Response *resp);
/* Whether Accept-Encoding lists gzip (or "*") with a non-zero quality. */
int nb_web_accepts_gzip(struct MHD_Connection *c);
/* FNV-1a (64 bits) of data: ETags, kept answers, the stylesheet's version. */
uint64_t nb_web_hash(const void *data, size_t len);
/* The key of a kept answer: route, path rest, sorted arguments, variant (gz, token, base).
 * Caller frees; too_many is set when the request has more arguments than a key holds. */
char *nb_web_cache_key(nb_web_request *r, int gz, int *too_many);
/* Answers a routed request: its kept answer when the data has not changed since, else its
 * handler's, kept when it may be; a 304 when the client's validators match. Takes key. */
enum MHD_Result nb_web_answer(nb_web *web, struct MHD_Connection *c, nb_web_call *call,
                              nb_web_request *r, int gz, char *key);
/* A cache of budget bytes; free with nb_web_cache_free (NULL-safe). */
nb_web_cache *nb_web_cache_new(size_t budget);
void nb_web_cache_free(nb_web_cache *c);

#endif
