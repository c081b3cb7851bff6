/* SPDX-License-Identifier: MIT */
/* The archive's HTTP server on libmicrohttpd: a thread pool with connection, per-address and
 * idle limits; GET and HEAD only; a cap on the request target; the token; routing; one
 * read-only database connection per worker thread; rendered answers kept per request until
 * the database changes (PRAGMA data_version), with ETag, Last-Modified, 304 and gzip; the
 * security headers on every answer; durations by route for /metrics. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/log.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "mcp/mcp.h"
#include "sources/source.h"
#include "web/web_private.h"

const char *const nb_web_route_names[ROUTE_COUNT] = {
    [ROUTE_HOME] = "/",
    [ROUTE_BRIEFING] = "/briefings/{id}",
    [ROUTE_DAY] = "/days/{date}",
    [ROUTE_ITEM] = "/items/{id}",
    [ROUTE_SOURCES] = "/sources",
    [ROUTE_SEARCH] = "/search",
    [ROUTE_FEED_ATOM] = "/feed.atom",
    [ROUTE_FEED_RSS] = "/feed.rss",
    [ROUTE_FEED_JSON] = "/feed.json",
    [ROUTE_API_BRIEFINGS] = "/api/briefings",
    [ROUTE_API_BRIEFING] = "/api/briefings/{id}",
    [ROUTE_API_ITEMS] = "/api/items",
    [ROUTE_API_ITEM] = "/api/items/{id}",
    [ROUTE_API_SOURCES] = "/api/sources",
    [ROUTE_METRICS] = "/metrics",
    [ROUTE_HEALTHZ] = "/healthz",
    [ROUTE_STYLE] = "/static/style.css",
    [ROUTE_MCP] = "/mcp",
    [ROUTE_NOT_FOUND] = "other",
};

const double nb_web_bucket_bounds[NB_WEB_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};
const int nb_web_codes[NB_WEB_CODES] = {200, 202, 304, 400, 401, 403, 404, 405, 414, 500, 503, 0};

static const char csp[] = "default-src 'none'; style-src 'self'; img-src * data:;"
                          " form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/* ---- Per-request context: created by the URI callback, freed when the request ends ---- */

typedef struct request_ctx {
    int64_t started_us;
    size_t uri_len;
    nb_web_route route;
    int status;
    int seen;     /* the handler was called for the headers */
    int answered; /* an answer is queued */
    int mcp;      /* a request to /mcp: its body is kept */
    nb_buf body;  /* the /mcp message */
    int body_too_large;
} request_ctx;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)cls;
    (void)connection;
    request_ctx *ctx = nb_xcalloc(1, sizeof *ctx);
    ctx->started_us = now_us();
    ctx->uri_len = strlen(uri);
    ctx->route = ROUTE_NOT_FOUND;
    return ctx;
}

/* Counts an answer by route and status, with the time it took to make. */
static void record(nb_web *web, const request_ctx *ctx)
{
    nb_web_route_stats *st = &web->routes[ctx->route];
    int64_t us = now_us() - ctx->started_us;
    double seconds = (double)us / 1e6;
    size_t code = 0;
    while (nb_web_codes[code] && nb_web_codes[code] != ctx->status)
        code++;
    atomic_fetch_add(&st->codes[code], 1);
    size_t b = 0;
    while (b < NB_WEB_BUCKETS && seconds > nb_web_bucket_bounds[b])
        b++;
    atomic_fetch_add(b < NB_WEB_BUCKETS ? &st->buckets[b] : &st->over, 1);
    atomic_fetch_add(&st->count, 1);
    atomic_fetch_add(&st->sum_us, (uint_fast64_t)(us > 0 ? us : 0));
    nb_log(NB_LOG_DEBUG, "web", "route=%s status=%d us=%lld", nb_web_route_names[ctx->route],
           ctx->status, (long long)us);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)connection;
    (void)toe;
    request_ctx *ctx = *con_cls;
    if (ctx)
        nb_buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    nb_log(NB_LOG_WARN, "web", "error=\"%s\"", line);
}

/* ---- Rendered answers kept until the data changes ---- */

#define CACHE_SLOTS 2048

typedef struct cache_entry {
    uint64_t hash;
    char *key;
    uint64_t generation;
    struct MHD_Response *response;
    struct MHD_Response *not_modified;
    char etag[40];
    int status;
    size_t bytes;
} cache_entry;

struct nb_web_cache {
    pthread_mutex_t lock;
    size_t budget, used;
    cache_entry slots[CACHE_SLOTS];
};

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void entry_clear(nb_web_cache *c, cache_entry *e)
{
    if (e->response)
        MHD_destroy_response(e->response);
    if (e->not_modified)
        MHD_destroy_response(e->not_modified);
    free(e->key);
    c->used -= e->bytes;
    memset(e, 0, sizeof *e);
}

static void cache_free(nb_web_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        entry_clear(c, &c->slots[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ---- Headers and answers ---- */

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), interest-cohort=()");
}

static void http_date(int64_t t, char *out, size_t n)
{
    nb_web_time_rfc822(t, out, n);
    /* RFC 9110 dates end in "GMT" */
    char *zone = strstr(out, "+0000");
    if (zone)
        memcpy(zone, "GMT", 4);
}

/* Whether If-None-Match lists etag (weak comparison) or "*". */
static int etag_matches(const char *header, const char *etag)
{
    if (!header)
        return 0;
    const char *p = header;
    size_t len = strlen(etag);
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return 1;
        if (!strncmp(p, "W/", 2))
            p += 2;
        if (!strncmp(p, etag, len) && (p[len] == '\0' || p[len] == ',' || p[len] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

/* Answers 304 when the client's validators match. */
static int not_modified(struct MHD_Connection *c, const char *etag, int64_t last_modified)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (inm)
        return etag_matches(inm, etag);
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    int64_t since;
    nb_errbuf err;
    return ims && nb_time_parse(ims, 0, &since, &err) == NB_OK && last_modified <= since;
}

/* Whether Accept-Encoding lists gzip (or "*") with a non-zero quality. */
static int accepts_gzip(struct MHD_Connection *c)
{
    const char *p = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    while (p && *p) {
        p += strspn(p, " \t,");
        size_t name = strcspn(p, " \t,;");
        int wanted = (name == 4 && !strncasecmp(p, "gzip", 4)) || (name == 1 && *p == '*');
        p += name;
        double q = 1;
        const char *params = p;
        p += strcspn(p, ",");
        const char *qp = strstr(params, "q=");
        if (qp && qp < p)
            q = strtod(qp + 2, NULL);
        if (wanted)
            return q > 0;
    }
    return 0;
}

/* gzip of data, or NULL when it does not shrink. */
static char *gzip(const char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    char *out = nb_xmalloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int zrc = deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    if (zrc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static int compressible(const char *type)
{
    return type && (!strncmp(type, "text/", 5) || strstr(type, "json") || strstr(type, "xml"));
}

/* Queues the answer and counts it (before it is sent: the next request sees the count). */
static enum MHD_Result queue(nb_web *web, struct MHD_Connection *c, request_ctx *ctx, int status,
                             struct MHD_Response *resp)
{
    ctx->status = status;
    ctx->answered = 1;
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    record(web, ctx);
    return rc;
}

/* A small answer that is never kept: errors before routing, 401, 405, 414. */
static enum MHD_Result answer_plain(nb_web *web, struct MHD_Connection *c, request_ctx *ctx,
                                    int status, const char *text, const char *header,
                                    const char *value)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    if (header)
        MHD_add_response_header(resp, header, value);
    enum MHD_Result rc = queue(web, c, ctx, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- Per-thread database connections ---- */

static _Thread_local struct {
    uint64_t serial;
    nb_store *store;
    int64_t version;
} thread_db;

static atomic_uint_fast64_t next_serial = 1;

/* The modification time of the database (or its WAL, when newer). */
static int64_t database_mtime(const char *path)
{
    struct stat st;
    int64_t t = stat(path, &st) == 0 ? (int64_t)st.st_mtime : 0;
    char *wal = nb_xasprintf("%s-wal", path);
    if (stat(wal, &st) == 0 && (int64_t)st.st_mtime > t)
        t = (int64_t)st.st_mtime;
    free(wal);
    return t;
}

static void data_changed(nb_web *web)
{
    atomic_fetch_add(&web->generation, 1);
    atomic_store(&web->last_modified, database_mtime(web->database));
}

/* This thread's connection, opened on first use; notices commits made elsewhere. */
static nb_store *thread_store(nb_web *web, nb_errbuf *err)
{
    if (thread_db.serial != web->serial || !thread_db.store) {
        nb_store *s = NULL;
        if (nb_store_open_readonly(web->database, &s, err) != NB_OK)
            return NULL;
        pthread_mutex_lock(&web->stores_lock);
        web->stores =
            nb_xgrow(web->stores, &web->store_alloc, web->store_count + 1, sizeof *web->stores);
        web->stores[web->store_count++] = s;
        pthread_mutex_unlock(&web->stores_lock);
        thread_db.serial = web->serial;
        thread_db.store = s;
        thread_db.version = -1;
    }
    int64_t version = 0;
    if (nb_store_data_version(thread_db.store, &version, err) != NB_OK)
        return NULL;
    /* A new connection may see commits the others have not noticed yet: start over too. */
    if (version != thread_db.version) {
        thread_db.version = version;
        data_changed(web);
    }
    return thread_db.store;
}

/* ---- Routing ---- */

static nb_web_route route_of(const char *path, const char **rest)
{
    static const struct {
        const char *path;
        nb_web_route route;
    } exact[] = {
        {"/", ROUTE_HOME},
        {"/sources", ROUTE_SOURCES},
        {"/search", ROUTE_SEARCH},
        {"/feed.atom", ROUTE_FEED_ATOM},
        {"/feed.rss", ROUTE_FEED_RSS},
        {"/feed.json", ROUTE_FEED_JSON},
        {"/api/briefings", ROUTE_API_BRIEFINGS},
        {"/api/items", ROUTE_API_ITEMS},
        {"/api/sources", ROUTE_API_SOURCES},
        {"/metrics", ROUTE_METRICS},
        {"/healthz", ROUTE_HEALTHZ},
        {"/static/style.css", ROUTE_STYLE},
    };
    static const struct {
        const char *prefix;
        nb_web_route route;
    } prefixed[] = {
        {"/briefings/", ROUTE_BRIEFING}, {"/days/", ROUTE_DAY},
        {"/items/", ROUTE_ITEM},         {"/api/briefings/", ROUTE_API_BRIEFING},
        {"/api/items/", ROUTE_API_ITEM},
    };
    *rest = "";
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcmp(path, exact[i].path))
            return exact[i].route;
    for (size_t i = 0; i < sizeof prefixed / sizeof prefixed[0]; i++) {
        size_t n = strlen(prefixed[i].prefix);
        if (!strncmp(path, prefixed[i].prefix, n) && path[n] && !strchr(path + n, '/')) {
            *rest = path + n;
            return prefixed[i].route;
        }
    }
    return ROUTE_NOT_FOUND;
}

const char *nb_web_arg(const nb_web_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *nb_web_source_label(const nb_web_site *site, const char *name)
{
    for (size_t i = 0; name && i < site->source_count; i++)
        if (!strcmp(site->sources[i].name, name))
            return site->sources[i].label;
    return name ? name : "";
}

/* Constant-time comparison of the offered token. */
static int token_equal(const char *offered, const char *token)
{
    size_t a = strlen(offered), b = strlen(token);
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < b; i++)
        diff |= (unsigned char)token[i] ^ (unsigned char)(i < a ? offered[i] : 0);
    return diff == 0;
}

/* 1: authorized by header, 2: by ?token=, 0: not. */
static int authorized(nb_web *web, struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7) && token_equal(auth + 7, web->token))
        return 1;
    const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    return arg && token_equal(arg, web->token) ? 2 : 0;
}

/* The absolute root URL for feeds: web.base_url, else http:// and a well-formed Host. */
static void base_url(const nb_web *web, struct MHD_Connection *c, char *out, size_t n)
{
    if (web->site.base_url) {
        snprintf(out, n, "%s", web->site.base_url);
        return;
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (!host || !*host || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        host = web->url + 7;
    snprintf(out, n, "http://%s", host);
}

/* The cache key: route, path rest, sorted arguments, variant. */
typedef struct key_builder {
    char *args[64];
    size_t count;
    int too_many;
} key_builder;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    key_builder *kb = cls;
    if (kb->count == sizeof kb->args / sizeof kb->args[0]) {
        kb->too_many = 1;
        return MHD_NO;
    }
    kb->args[kb->count++] = nb_xasprintf("%s=%s", key, value ? value : "");
    return MHD_YES;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *cache_key(nb_web_request *r, int gz, int *too_many)
{
    key_builder kb = {0};
    MHD_get_connection_values(r->connection, MHD_GET_ARGUMENT_KIND, collect_arg, &kb);
    qsort(kb.args, kb.count, sizeof kb.args[0], compare_strings);
    nb_buf b;
    nb_buf_init(&b, NB_WEB_KEY_MAX);
    nb_err rc = nb_buf_printf(&b, "%d\n%s\n%d%d\n%s", (int)r->route, r->rest, gz, r->query_token,
                              r->site->base_url ? "" : r->base);
    for (size_t i = 0; i < kb.count; i++) {
        if (!rc)
            rc = nb_buf_printf(&b, "\n%s", kb.args[i]);
        free(kb.args[i]);
    }
    *too_many = kb.too_many;
    return nb_buf_take(&b);
}

static void run_handler(nb_web_request *r, nb_web_reply *o)
{
    switch (r->route) {
    case ROUTE_HOME:
        nb_web_home(r, o);
        break;
    case ROUTE_BRIEFING:
        nb_web_briefing(r, o);
        break;
    case ROUTE_DAY:
        nb_web_day(r, o);
        break;
    case ROUTE_ITEM:
        nb_web_item(r, o);
        break;
    case ROUTE_SOURCES:
        nb_web_sources(r, o);
        break;
    case ROUTE_SEARCH:
        nb_web_search(r, o);
        break;
    case ROUTE_FEED_ATOM:
    case ROUTE_FEED_RSS:
    case ROUTE_FEED_JSON:
        nb_web_feed(r, o);
        break;
    case ROUTE_API_BRIEFINGS:
    case ROUTE_API_BRIEFING:
    case ROUTE_API_ITEMS:
    case ROUTE_API_ITEM:
    case ROUTE_API_SOURCES:
        nb_web_api(r, o);
        break;
    case ROUTE_METRICS:
        nb_web_metrics(r, o);
        break;
    case ROUTE_STYLE:
        nb_web_style(r, o);
        break;
    case ROUTE_MCP: /* answered before routing (mcp_request) */
    case ROUTE_HEALTHZ:
    case ROUTE_NOT_FOUND:
    case ROUTE_COUNT:
        nb_web_not_found(r, o);
        break;
    }
}

static enum MHD_Result healthz(nb_web *web, struct MHD_Connection *c, request_ctx *ctx)
{
    nb_errbuf err;
    int status = 200;
    char body[256];
    nb_store *store = thread_store(web, &err);
    if (!store) {
        status = 503;
        snprintf(body, sizeof body, "{\"status\":\"unavailable\",\"error\":\"database\"}\n");
    } else if (!web->heartbeat) {
        snprintf(body, sizeof body, "{\"status\":\"ok\",\"daemon\":false}\n");
    } else {
        int64_t age = (nb_clock_monotonic_ms() - atomic_load(&web->heartbeat_ms)) / 1000;
        int fresh = age <= web->heartbeat_max_age;
        status = fresh ? 200 : 503;
        snprintf(body, sizeof body,
                 "{\"status\":\"%s\",\"daemon\":true,\"heartbeat_age\":%lld,\"max_age\":%lld}\n",
                 fresh ? "ok" : "stale", (long long)age, (long long)web->heartbeat_max_age);
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    enum MHD_Result rc = queue(web, c, ctx, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Builds the answer of a rendered reply (taking its body), and the 304 to go with it. */
static struct MHD_Response *make_response(nb_web *web, nb_web_reply *o, int gz, char *etag,
                                          size_t etag_size, struct MHD_Response **not_mod,
                                          size_t *bytes)
{
    size_t len = o->body.len;
    char *body = nb_buf_take(&o->body);
    uint64_t h = fnv1a(body, len, 0xcbf29ce484222325ULL);
    char *packed = NULL;
    size_t packed_len = 0;
    if (gz && len > 1024 && compressible(o->type))
        packed = gzip(body, len, &packed_len);
    snprintf(etag, etag_size, "\"%016llx%s\"", (unsigned long long)h, packed ? "-gz" : "");
    if (packed) {
        free(body);
        body = packed;
        len = packed_len;
    }
    *bytes = len;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return NULL;
    }
    char date[64];
    http_date(atomic_load(&web->last_modified), date, sizeof date);
    struct MHD_Response *responses[2] = {resp, NULL};
    if (not_mod)
        responses[1] = *not_mod =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    for (int i = 0; i < 2 && responses[i]; i++) {
        struct MHD_Response *r = responses[i];
        if (i == 0)
            MHD_add_response_header(r, "Content-Type", o->type ? o->type : "text/plain");
        if (packed && i == 0)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
        MHD_add_response_header(r, "Cache-Control",
                                o->cache_control ? o->cache_control : "no-cache");
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
        MHD_add_response_header(r, "ETag", etag);
        if (o->status == 200)
            MHD_add_response_header(r, "Last-Modified", date);
        add_security_headers(r);
    }
    return resp;
}

static enum MHD_Result dispatch(nb_web *web, struct MHD_Connection *c, const char *url,
                                request_ctx *ctx)
{
    nb_web_request r = {.web = web, .site = &web->site, .connection = c, .token = web->token};
    r.route = route_of(url, &r.rest);
    ctx->route = r.route;
    if (web->token && r.route != ROUTE_HEALTHZ) {
        int how = authorized(web, c);
        if (!how)
            return answer_plain(web, c, ctx, 401,
                                "401 a token is required (Authorization: Bearer, or "
                                "?token=)\n",
                                "WWW-Authenticate", "Bearer realm=\"newsbrief\"");
        r.query_token = how == 2;
    }
    if (r.route == ROUTE_HEALTHZ)
        return healthz(web, c, ctx);
    nb_errbuf err;
    r.store = thread_store(web, &err);
    if (!r.store) {
        nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err.msg);
        return answer_plain(web, c, ctx, 503, "503 the archive cannot read its database\n", NULL,
                            NULL);
    }
    base_url(web, c, r.base, sizeof r.base);
    int gz = accepts_gzip(c);
    int too_many = 0;
    char *key = cache_key(&r, gz, &too_many);
    if (too_many) {
        free(key);
        return answer_plain(web, c, ctx, 400, "400 too many query arguments\n", NULL, NULL);
    }
    uint64_t hash = fnv1a(key, strlen(key), 0xcbf29ce484222325ULL);
    uint64_t generation = atomic_load(&web->generation);
    nb_web_cache *cache = r.route == ROUTE_METRICS ? NULL : web->cache;
    enum MHD_Result result = MHD_NO;
    if (cache) {
        pthread_mutex_lock(&cache->lock);
        cache_entry *e = &cache->slots[hash % CACHE_SLOTS];
        int hit =
            e->response && e->hash == hash && e->generation == generation && !strcmp(e->key, key);
        if (hit) {
            int unchanged =
                e->status == 200 && not_modified(c, e->etag, atomic_load(&web->last_modified));
            result = queue(web, c, ctx, unchanged ? 304 : e->status,
                           unchanged ? e->not_modified : e->response);
        }
        pthread_mutex_unlock(&cache->lock);
        if (hit) {
            free(key);
            return result;
        }
    }
    nb_web_reply o = {.status = 200};
    nb_buf_init(&o.body, NB_WEB_BODY_MAX);
    run_handler(&r, &o);
    if (o.overflow) {
        nb_log(NB_LOG_ERROR, "web", "route=%s error=\"answer over %u bytes\"",
               nb_web_route_names[r.route], NB_WEB_BODY_MAX);
        nb_buf_free(&o.body);
        free(key);
        return answer_plain(web, c, ctx, 500, "500 the answer is too large\n", NULL, NULL);
    }
    char etag[40];
    struct MHD_Response *not_mod = NULL;
    size_t bytes = 0;
    struct MHD_Response *resp = make_response(web, &o, gz, etag, sizeof etag, &not_mod, &bytes);
    if (!resp) {
        if (not_mod)
            MHD_destroy_response(not_mod);
        free(key);
        return MHD_NO;
    }
    int unchanged = o.status == 200 && not_modified(c, etag, atomic_load(&web->last_modified));
    result = queue(web, c, ctx, unchanged ? 304 : o.status, unchanged ? not_mod : resp);
    if (cache && o.cacheable && bytes < cache->budget / 8) {
        pthread_mutex_lock(&cache->lock);
        cache_entry *e = &cache->slots[hash % CACHE_SLOTS];
        entry_clear(cache, e);
        if (cache->used + bytes > cache->budget) /* full: start again */
            for (size_t i = 0; i < CACHE_SLOTS; i++)
                entry_clear(cache, &cache->slots[i]);
        *e = (cache_entry){.hash = hash,
                           .key = key,
                           .generation = generation,
                           .response = resp,
                           .not_modified = not_mod,
                           .status = o.status,
                           .bytes = bytes + strlen(key)};
        snprintf(e->etag, sizeof e->etag, "%s", etag);
        cache->used += e->bytes;
        pthread_mutex_unlock(&cache->lock);
        key = NULL;
        resp = not_mod = NULL;
    }
    if (resp)
        MHD_destroy_response(resp);
    if (not_mod)
        MHD_destroy_response(not_mod);
    free(key);
    return result;
}

/* /mcp: authorized like every page, then answered by the MCP server on this thread's
 * connection. */
static enum MHD_Result mcp_request(nb_web *web, struct MHD_Connection *c, const char *method,
                                   request_ctx *ctx)
{
    ctx->route = ROUTE_MCP;
    if (web->token && !authorized(web, c))
        return answer_plain(web, c, ctx, 401,
                            "401 a token is required (Authorization: Bearer, or ?token=)\n",
                            "WWW-Authenticate", "Bearer realm=\"newsbrief\"");
    nb_errbuf err;
    nb_store *store = thread_store(web, &err);
    if (!store) {
        nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err.msg);
        return answer_plain(web, c, ctx, 503, "503 the archive cannot read its database\n", NULL,
                            NULL);
    }
    nb_web_mcp_request q = {
        .method = method,
        .origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
        .host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
        .base_url = web->site.base_url,
        .protocol_version = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "MCP-Protocol-Version"),
        .body = nb_buf_str(&ctx->body),
        .body_len = ctx->body.len,
        .too_large = ctx->body_too_large,
    };
    nb_web_mcp_answer a;
    nb_web_mcp(web->mcp, store, &q, &a);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(a.text), (void *)a.text, MHD_RESPMEM_MUST_COPY);
    free(a.owned);
    if (!resp)
        return MHD_NO;
    if (a.type)
        MHD_add_response_header(resp, "Content-Type", a.type);
    if (a.allow)
        MHD_add_response_header(resp, "Allow", a.allow);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    enum MHD_Result rc = queue(web, c, ctx, a.status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    nb_web *web = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx) /* the URI callback always sets one; be safe */
        *con_cls = ctx = on_uri(NULL, url, c);
    if (!ctx->seen) { /* the headers: answer once the request is complete */
        ctx->seen = 1;
        ctx->mcp = !strcmp(url, "/mcp");
        if (ctx->mcp)
            nb_buf_init(&ctx->body, NB_LIMIT_JSON_BYTES);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A body nobody asked for is read and dropped; /mcp keeps its message. */
        if (ctx->mcp && !ctx->body_too_large &&
            nb_buf_append(&ctx->body, upload_data, *upload_data_size) != NB_OK) {
            ctx->body_too_large = 1;
            nb_buf_free(&ctx->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->answered)
        return MHD_YES;
    if (ctx->mcp)
        return mcp_request(web, c, method, ctx);
    const char *rest;
    ctx->route = route_of(url, &rest);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return answer_plain(web, c, ctx, 405, "405 only GET and HEAD\n", "Allow", "GET, HEAD");
    if (ctx->uri_len > NB_WEB_URI_MAX)
        return answer_plain(web, c, ctx, 414, "414 the request target is too long\n", NULL, NULL);
    return dispatch(web, c, url, ctx);
}

/* ---- Start and stop ---- */

static void site_free(nb_web_site *site)
{
    free(site->title);
    free(site->briefing_title);
    free(site->related_prefix);
    free(site->base_url);
    for (size_t i = 0; i < site->source_count; i++) {
        free(site->sources[i].name);
        free(site->sources[i].type);
        free(site->sources[i].label);
    }
    free(site->sources);
}

/* The archive names sources as briefings do: the configured name, else the site's own (an
 * adapter's, a feed's title as last fetched), else the key. */
static char *source_label(const nb_source_config *sc, nb_store *store)
{
    const nb_source_adapter *a = nb_source_adapter_find(sc->type);
    if (sc->display_name)
        return nb_xstrdup(sc->display_name);
    if (a && a->display_name)
        return nb_xstrdup(a->display_name);
    nb_source_state state;
    nb_errbuf err;
    char *label = NULL;
    if (nb_store_source_load(store, sc->name, &state, &err) == NB_OK && state.title && *state.title)
        label = nb_xstrdup(state.title);
    nb_source_state_clear(&state);
    return label ? label : nb_xstrdup(sc->name);
}

static void site_copy(const nb_config *config, nb_store *store, nb_web_site *site)
{
    site->title = nb_xstrdup(config->web.title ? config->web.title : config->title);
    site->briefing_title = nb_xstrdup(config->title);
    site->related_prefix = nb_xstrdup(config->related_prefix ? config->related_prefix : "");
    site->base_url = nb_xstrdup(config->web.base_url);
    site->sources = nb_xcalloc(config->source_count + 1, sizeof *site->sources);
    site->source_count = config->source_count;
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *sc = &config->sources[i];
        site->sources[i].name = nb_xstrdup(sc->name);
        site->sources[i].type = nb_xstrdup(sc->type);
        site->sources[i].label = source_label(sc, store);
        site->sources[i].enabled = sc->enabled;
    }
    uint64_t h = fnv1a(nb_web_stylesheet, strlen(nb_web_stylesheet), 0xcbf29ce484222325ULL);
    snprintf(site->style_version, sizeof site->style_version, "%016llx", (unsigned long long)h);
}

static void web_free(nb_web *web)
{
    for (size_t i = 0; i < web->store_count; i++)
        nb_store_close(web->stores[i]);
    free(web->stores);
    pthread_mutex_destroy(&web->stores_lock);
    cache_free(web->cache);
    site_free(&web->site);
    free(web->database);
    free(web->token);
    nb_mcp_free(web->mcp);
    free(web);
}

/* Splits "host:port" / "[v6]:port" and resolves it to a socket address. */
static nb_err resolve_listen(const char *listen, struct sockaddr_storage *addr, int *ipv6,
                             nb_errbuf *err)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1])
        return nb_errf(err, NB_ERR_USAGE, "listen address \"%s\": expected ADDRESS:PORT", listen);
    char host[256];
    size_t hl = (size_t)(colon - listen);
    const char *h = listen;
    if (*h == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return nb_errf(err, NB_ERR_USAGE, "listen address \"%s\": host too long", listen);
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return nb_errf(err, NB_ERR_USAGE, "listen address \"%s\": bad port", listen);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0 || !res)
        return nb_errf(err, NB_ERR_USAGE, "listen address \"%s\": %s", listen, gai_strerror(gai));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return NB_OK;
}

nb_err nb_web_start(const nb_config *config, const nb_web_options *options, nb_web **out,
                    nb_errbuf *err)
{
    const char *listen = options && options->listen ? options->listen
                         : config->web.listen       ? config->web.listen
                                                    : NB_WEB_DEFAULT_LISTEN;
    struct sockaddr_storage addr;
    int ipv6 = 0;
    nb_err rc = resolve_listen(listen, &addr, &ipv6, err);
    if (rc)
        return rc;
    /* The schema the archive reads: migrate once with a writing connection. */
    nb_store *writer = NULL;
    rc = nb_store_open(config->database, &writer, err);
    if (rc)
        return rc;

    nb_web *web = nb_xcalloc(1, sizeof *web);
    pthread_mutex_init(&web->stores_lock, NULL);
    site_copy(config, writer, &web->site);
    nb_store_close(writer);
    web->database = nb_xstrdup(config->database);
    web->token = nb_xstrdup(config->web.token);
    web->serial = atomic_fetch_add(&next_serial, 1);
    web->heartbeat = options && options->heartbeat;
    web->heartbeat_max_age = config->web.heartbeat_max_age;
    web->mcp = nb_mcp_new(config);
    atomic_store(&web->heartbeat_ms, nb_clock_monotonic_ms());
    atomic_store(&web->last_modified, database_mtime(web->database));
    if (config->web.cache_mb > 0) {
        web->cache = nb_xcalloc(1, sizeof *web->cache);
        pthread_mutex_init(&web->cache->lock, NULL);
        web->cache->budget = (size_t)config->web.cache_mb << 20;
    }
    unsigned flags =
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    web->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, web, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, web,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)config->web.threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)config->web.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)config->web.max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)config->web.idle_timeout, MHD_OPTION_URI_LOG_CALLBACK, on_uri, web,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, web, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(64 << 10), MHD_OPTION_END);
    if (!web->daemon) {
        rc = nb_errf(err, NB_ERR_USAGE, "cannot listen on %s: %s", listen,
                     errno ? strerror(errno) : "libmicrohttpd refused to start");
        web_free(web);
        return rc;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(web->daemon, MHD_DAEMON_INFO_BIND_PORT);
    web->port = info ? info->port : 0;
    char host[256] = "127.0.0.1";
    if (getnameinfo((struct sockaddr *)&addr,
                    ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), host,
                    sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "127.0.0.1");
    snprintf(web->url, sizeof web->url, ipv6 ? "http://[%s]:%d" : "http://%s:%d", host, web->port);
    *out = web;
    return NB_OK;
}

int nb_web_port(const nb_web *web)
{
    return web->port;
}

const char *nb_web_url(const nb_web *web)
{
    return web->url;
}

void nb_web_heartbeat(nb_web *web)
{
    atomic_store(&web->heartbeat_ms, nb_clock_monotonic_ms());
}

void nb_web_stop(nb_web *web)
{
    if (!web)
        return;
    /* Stop accepting; give the requests in flight a moment, then close everything. */
    MHD_socket listener = MHD_quiesce_daemon(web->daemon);
    int64_t deadline = nb_clock_monotonic_ms() + 2000;
    while (nb_clock_monotonic_ms() < deadline) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(web->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    MHD_stop_daemon(web->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    web_free(web);
}
