/* SPDX-License-Identifier: MIT */
/* The archive's HTTP server on libmicrohttpd: a thread pool with connection, per-address and
 * idle limits; GET and HEAD only; a cap on the request target; the token; one read-only
 * database connection per worker thread, whose data_version tells when kept answers are
 * stale; durations by route for /metrics. Routes are in routes.c, the answers' headers and
 * the kept answers in answers.c. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "mcp/mcp.h"
#include "sources/source.h"
#include "web/web_private.h"

const double nb_web_bucket_bounds[NB_WEB_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};
const int nb_web_codes[NB_WEB_CODES] = {200, 202, 304, 400, 401, 403, 404, 405, 414, 500, 503, 0};

/* ---- Per-request context: created by the URI callback, freed when the request ends ---- */

struct nb_web_call {
    int64_t started_us;
    size_t uri_len;
    nb_web_route route;
    int status;
    int seen;     /* the handler was called for the headers */
    int answered; /* an answer is queued */
    int mcp;      /* a request to /mcp: its body is kept */
    nb_buf body;  /* the /mcp message */
    int body_too_large;
};

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
    nb_web_call *ctx = nb_xcalloc(1, sizeof *ctx);
    ctx->started_us = now_us();
    ctx->uri_len = strlen(uri);
    ctx->route = ROUTE_NOT_FOUND;
    return ctx;
}

/* Counts an answer by route and status, with the time it took to make. */
static void record(nb_web *web, const nb_web_call *ctx)
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
    nb_web_call *ctx = *con_cls;
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

enum MHD_Result nb_web_queue(nb_web *web, struct MHD_Connection *c, nb_web_call *ctx, int status,
                             struct MHD_Response *resp)
{
    ctx->status = status;
    ctx->answered = 1;
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    record(web, ctx);
    return rc;
}

enum MHD_Result nb_web_answer_plain(nb_web *web, struct MHD_Connection *c, nb_web_call *ctx,
                                    int status, const char *text, const char *header,
                                    const char *value)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    nb_web_security_headers(resp);
    if (header)
        MHD_add_response_header(resp, header, value);
    enum MHD_Result rc = nb_web_queue(web, c, ctx, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result unauthorized(nb_web *web, struct MHD_Connection *c, nb_web_call *ctx)
{
    return nb_web_answer_plain(web, c, ctx, 401,
                               "401 a token is required (Authorization: Bearer, or ?token=)\n",
                               "WWW-Authenticate", "Bearer realm=\"newsbrief\"");
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

/* 503 when this thread's connection cannot be had; err is logged. */
static enum MHD_Result store_unavailable(nb_web *web, struct MHD_Connection *c, nb_web_call *ctx,
                                         const nb_errbuf *err)
{
    nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err->msg);
    return nb_web_answer_plain(web, c, ctx, 503, "503 the archive cannot read its database\n", NULL,
                               NULL);
}

static enum MHD_Result healthz(nb_web *web, struct MHD_Connection *c, nb_web_call *ctx)
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
    nb_web_security_headers(resp);
    enum MHD_Result rc = nb_web_queue(web, c, ctx, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result dispatch(nb_web *web, struct MHD_Connection *c, const char *url,
                                nb_web_call *ctx)
{
    nb_web_request r = {.web = web, .site = &web->site, .connection = c, .token = web->token};
    r.route = nb_web_route_of(url, &r.rest);
    ctx->route = r.route;
    if (web->token && r.route != ROUTE_HEALTHZ) {
        int how = nb_web_authorized(web, c);
        if (!how)
            return unauthorized(web, c, ctx);
        r.query_token = how == 2;
    }
    if (r.route == ROUTE_HEALTHZ)
        return healthz(web, c, ctx);
    nb_errbuf err;
    r.store = thread_store(web, &err);
    if (!r.store)
        return store_unavailable(web, c, ctx, &err);
    nb_web_base_url(web, c, r.base, sizeof r.base);
    int gz = nb_web_accepts_gzip(c);
    int too_many = 0;
    char *key = nb_web_cache_key(&r, gz, &too_many);
    if (too_many) {
        free(key);
        return nb_web_answer_plain(web, c, ctx, 400, "400 too many query arguments\n", NULL, NULL);
    }
    return nb_web_answer(web, c, ctx, &r, gz, key);
}

/* /mcp: authorized like every page, then answered by the MCP server on this thread's
 * connection. */
static enum MHD_Result mcp_request(nb_web *web, struct MHD_Connection *c, const char *method,
                                   nb_web_call *ctx)
{
    ctx->route = ROUTE_MCP;
    if (web->token && !nb_web_authorized(web, c))
        return unauthorized(web, c, ctx);
    nb_errbuf err;
    nb_store *store = thread_store(web, &err);
    if (!store)
        return store_unavailable(web, c, ctx, &err);
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
    nb_web_security_headers(resp);
    enum MHD_Result rc = nb_web_queue(web, c, ctx, a.status, resp);
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
    nb_web_call *ctx = *con_cls;
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
    ctx->route = nb_web_route_of(url, &rest);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return nb_web_answer_plain(web, c, ctx, 405, "405 only GET and HEAD\n", "Allow",
                                   "GET, HEAD");
    if (ctx->uri_len > NB_WEB_URI_MAX)
        return nb_web_answer_plain(web, c, ctx, 414, "414 the request target is too long\n", NULL,
                                   NULL);
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
    uint64_t h = nb_web_hash(nb_web_stylesheet, strlen(nb_web_stylesheet));
    snprintf(site->style_version, sizeof site->style_version, "%016llx", (unsigned long long)h);
}

static void web_free(nb_web *web)
{
    for (size_t i = 0; i < web->store_count; i++)
        nb_store_close(web->stores[i]);
    free(web->stores);
    pthread_mutex_destroy(&web->stores_lock);
    nb_web_cache_free(web->cache);
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
    if (config->web.cache_mb > 0)
        web->cache = nb_web_cache_new((size_t)config->web.cache_mb << 20);
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
