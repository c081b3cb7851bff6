/* SPDX-License-Identifier: MIT */
/* The archive's answers as they leave: the security headers on every one; for rendered
 * pages ETag, Last-Modified, 304 and gzip; and rendered answers kept per request until the
 * database changes (the generation moves), within the configured budget. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "web/web_private.h"

static const char csp[] = "default-src 'none'; style-src 'self'; img-src * data:;"
                          " form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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

uint64_t nb_web_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
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

nb_web_cache *nb_web_cache_new(size_t budget)
{
    nb_web_cache *c = nb_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->budget = budget;
    return c;
}

void nb_web_cache_free(nb_web_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        entry_clear(c, &c->slots[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ---- Headers, validators, gzip ---- */

void nb_web_security_headers(struct MHD_Response *resp)
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

int nb_web_accepts_gzip(struct MHD_Connection *c)
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

/* ---- A routed request's answer ---- */

/* The cache key's arguments, sorted. */
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

char *nb_web_cache_key(nb_web_request *r, int gz, int *too_many)
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

/* Builds the answer of a rendered reply (taking its body), and the 304 to go with it. */
static struct MHD_Response *make_response(nb_web *web, nb_web_reply *o, int gz, char *etag,
                                          size_t etag_size, struct MHD_Response **not_mod,
                                          size_t *bytes)
{
    size_t len = o->body.len;
    char *body = nb_buf_take(&o->body);
    uint64_t h = nb_web_hash(body, len);
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
        nb_web_security_headers(r);
    }
    return resp;
}

enum MHD_Result nb_web_answer(nb_web *web, struct MHD_Connection *c, nb_web_call *call,
                              nb_web_request *r, int gz, char *key)
{
    uint64_t hash = nb_web_hash(key, strlen(key));
    uint64_t generation = atomic_load(&web->generation);
    nb_web_cache *cache = r->route == ROUTE_METRICS ? NULL : web->cache;
    enum MHD_Result result = MHD_NO;
    if (cache) {
        pthread_mutex_lock(&cache->lock);
        cache_entry *e = &cache->slots[hash % CACHE_SLOTS];
        int hit =
            e->response && e->hash == hash && e->generation == generation && !strcmp(e->key, key);
        if (hit) {
            int unchanged =
                e->status == 200 && not_modified(c, e->etag, atomic_load(&web->last_modified));
            result = nb_web_queue(web, c, call, unchanged ? 304 : e->status,
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
    nb_web_run_handler(r, &o);
    if (o.overflow) {
        nb_log(NB_LOG_ERROR, "web", "route=%s error=\"answer over %u bytes\"",
               nb_web_route_names[r->route], NB_WEB_BODY_MAX);
        nb_buf_free(&o.body);
        free(key);
        return nb_web_answer_plain(web, c, call, 500, "500 the answer is too large\n", NULL, NULL);
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
    result = nb_web_queue(web, c, call, unchanged ? 304 : o.status, unchanged ? not_mod : resp);
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
