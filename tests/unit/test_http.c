/* SPDX-License-Identifier: MIT */
/* net/http against a loopback libmicrohttpd server started by the test: statuses, body
 * cap, timeouts, redirect loops, gzip, the per-host cap under load, and reach: which
 * addresses discovered URLs, trusted URLs and their redirects may connect to. The servers
 * bind port 0; waits scale with NB_TEST_TIME_SCALE and only lower bounds of time are checked. */
#include "testing.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <brotli/encode.h>
#include <zlib.h>

#include "core/limits.h"
#include "core/time.h"
#include "net/http.h"

typedef struct server {
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t lock;
    int active, peak;      /* requests being answered now / at most */
    int flaky_calls;       /* requests to /flaky so far */
    int64_t starts_ms[64]; /* monotonic start times of /stamp requests */
    int stamp_count;
    int requests; /* every request answered */
} server;

static server site_a, site_b;
static server site_c; /* one polling thread: keeps connections alive between requests */

static int time_scale(void)
{
    const char *s = getenv("NB_TEST_TIME_SCALE");
    int v = s ? (int)strtol(s, NULL, 10) : 1;
    return v > 0 ? v : 1;
}

static struct MHD_Response *text_response(const char *text)
{
    return MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    server *s = cls;
    static int seen;
    (void)method, (void)version, (void)upload, (void)upload_size;
    if (!*con_cls) {
        /* the headers are in: answering only at the next call (the whole request read)
         * lets the connection live on for another request */
        *con_cls = &seen;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->lock);
    s->requests++;
    s->active++;
    if (s->active > s->peak)
        s->peak = s->active;
    pthread_mutex_unlock(&s->lock);
    unsigned status = 200;
    struct MHD_Response *r = NULL;
    if (strncmp(url, "/slow/", 6) == 0) {
        long ms = strtol(url + 6, NULL, 10);
        struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        r = text_response("slow");
    } else if (strncmp(url, "/status/", 8) == 0) {
        status = (unsigned)strtol(url + 8, NULL, 10);
        r = text_response("status");
    } else if (strcmp(url, "/etag") == 0) {
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
        if (inm && !strcmp(inm, "\"v1\"") && ims && !strcmp(ims, "Mon, 07 Apr 2025 01:00:00 GMT"))
            status = 304;
        r = text_response(status == 304 ? "" : "fresh");
        MHD_add_response_header(r, "ETag", "\"v1\"");
        MHD_add_response_header(r, "Last-Modified", "Mon, 07 Apr 2025 01:00:00 GMT");
    } else if (strncmp(url, "/flaky/", 7) == 0) {
        /* /flaky/<n>/<status>: the first n calls answer <status> with Retry-After: 1. */
        pthread_mutex_lock(&s->lock);
        int call = ++s->flaky_calls;
        pthread_mutex_unlock(&s->lock);
        char *rest;
        long failures = strtol(url + 7, &rest, 10);
        if (call <= failures) {
            status = (unsigned)strtol(rest + 1, NULL, 10);
            r = text_response("try later");
            if (status == 429)
                MHD_add_response_header(r, "Retry-After", "1");
        } else {
            r = text_response("recovered");
        }
    } else if (strcmp(url, "/stamp") == 0) {
        pthread_mutex_lock(&s->lock);
        if (s->stamp_count < 64)
            s->starts_ms[s->stamp_count++] = nb_clock_monotonic_ms();
        pthread_mutex_unlock(&s->lock);
        r = text_response("stamped");
    } else if (strncmp(url, "http://", 7) == 0) {
        r = text_response("via proxy"); /* an absolute-form request: we are the proxy */
    } else if (strcmp(url, "/br") == 0) {
        static const char plain[] = "brotli body, brotli body, brotli body";
        size_t out_len = BrotliEncoderMaxCompressedSize(sizeof plain - 1);
        uint8_t *out = malloc(out_len);
        BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, sizeof plain - 1,
                              (const uint8_t *)plain, &out_len, out);
        r = MHD_create_response_from_buffer(out_len, out, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Encoding", "br");
    } else if (strcmp(url, "/big") == 0) {
        size_t n = 3u << 20;
        char *big = malloc(n);
        memset(big, 'x', n);
        r = MHD_create_response_from_buffer(n, big, MHD_RESPMEM_MUST_FREE);
    } else if (strcmp(url, "/loop") == 0) {
        status = 302;
        r = text_response("");
        MHD_add_response_header(r, "Location", "/loop");
    } else if (strncmp(url, "/to/", 4) == 0) {
        /* /to/<status>/<host:port>/<path>: a redirect to http://<host:port>/<path> */
        char *rest;
        status = (unsigned)strtol(url + 4, &rest, 10);
        char target[256];
        snprintf(target, sizeof target, "http://%s", rest + 1);
        r = text_response("moved");
        MHD_add_response_header(r, "Location", target);
    } else if (strcmp(url, "/gzip") == 0) {
        /* 1 MiB of zeros compresses to about 1 KiB: the cap applies to what it inflates to. */
        size_t n = 1u << 20;
        unsigned char *plain = calloc(1, n);
        uLongf zlen = compressBound(n) + 32;
        unsigned char *z = malloc(zlen);
        z_stream zs = {0};
        deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
        zs.next_in = plain;
        zs.avail_in = (uInt)n;
        zs.next_out = z;
        zs.avail_out = (uInt)zlen;
        deflate(&zs, Z_FINISH);
        size_t out_len = zs.total_out;
        deflateEnd(&zs);
        free(plain);
        r = MHD_create_response_from_buffer(out_len, z, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    } else {
        r = text_response("hello");
    }
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    pthread_mutex_lock(&s->lock);
    s->active--;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int start_server(server *s, unsigned flags)
{
    pthread_mutex_init(&s->lock, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(flags | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, s,
                                 MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
    if (!s->daemon)
        return -1;
    s->port = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return start_server(&site_a, MHD_USE_THREAD_PER_CONNECTION) ||
           start_server(&site_b, MHD_USE_THREAD_PER_CONNECTION) || start_server(&site_c, 0);
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(site_a.daemon);
    MHD_stop_daemon(site_b.daemon);
    MHD_stop_daemon(site_c.daemon);
    return 0;
}

typedef struct outcome {
    int calls;
    nb_err error;
    long status;
    int attempts;
    int64_t retry_after;
    char etag[32], last_modified[64];
    size_t body_len;
    char body[64];
    char location[128];
    char message[NB_ERRBUF_SIZE];
} outcome;

static void record(void *user, const nb_http_response *r)
{
    outcome *o = user;
    o->calls++;
    o->error = r->error;
    o->status = r->status;
    o->body_len = r->body_len;
    o->attempts = r->attempts;
    o->retry_after = r->retry_after;
    snprintf(o->etag, sizeof o->etag, "%s", r->etag ? r->etag : "");
    snprintf(o->last_modified, sizeof o->last_modified, "%s",
             r->last_modified ? r->last_modified : "");
    snprintf(o->body, sizeof o->body, "%s", r->body);
    snprintf(o->location, sizeof o->location, "%s", r->location ? r->location : "");
    snprintf(o->message, sizeof o->message, "%s", r->error ? r->error_message : "");
}

/* Runs one request built from template (url filled in from s and path). */
static outcome fetch_url(const char *url, nb_http_request req)
{
    outcome o = {0};
    nb_http *h = nb_http_new(NULL);
    req.url = url;
    req.done = record;
    req.user = &o;
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    return o;
}

/* The test servers are on loopback: requests to them are trusted, as configured URLs are. */
static outcome fetch_with(server *s, const char *path, nb_http_request req)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s->port, path);
    if (req.reach == NB_HTTP_PUBLIC)
        req.reach = NB_HTTP_TRUSTED;
    return fetch_url(url, req);
}

static outcome fetch(server *s, const char *path, long timeout_ms, size_t max_body)
{
    nb_http_request req = {.timeout_ms = timeout_ms, .max_body = max_body};
    return fetch_with(s, path, req);
}

static void test_ok_and_status(void **state)
{
    (void)state;
    outcome o = fetch(&site_a, "/hello", 0, 0);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, NB_OK);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.body, "hello");
    o = fetch(&site_a, "/status/500", 0, 0);
    assert_int_equal(o.error, NB_OK); /* an answer is not a transport error */
    assert_int_equal(o.status, 500);
}

static void test_body_cap(void **state)
{
    (void)state;
    outcome o = fetch(&site_a, "/big", 0, 1u << 20);
    assert_int_equal(o.error, NB_ERR_LIMIT);
    assert_non_null(strstr(o.message, "/big: body exceeds the 1048576 byte cap"));
    o = fetch(&site_a, "/gzip", 0, 64u << 10);
    assert_int_equal(o.error, NB_ERR_LIMIT); /* the decompressed size counts */
    o = fetch(&site_a, "/gzip", 0, 2u << 20);
    assert_int_equal(o.error, NB_OK);
    assert_int_equal(o.body_len, 1u << 20);
}

static void test_timeout(void **state)
{
    (void)state;
    char path[32];
    snprintf(path, sizeof path, "/slow/%d", 1000 * time_scale());
    outcome o = fetch(&site_a, path, 200L * time_scale(), 0);
    assert_int_equal(o.error, NB_ERR_NETWORK);
    assert_non_null(strstr(o.message, "timed out"));
}

static void test_redirect_loop(void **state)
{
    (void)state;
    nb_http_request req = {.reach = NB_HTTP_ANYWHERE, .max_redirects = NB_LIMIT_REDIRECTS};
    outcome o = fetch_with(&site_a, "/loop", req);
    assert_int_equal(o.error, NB_ERR_LIMIT);
    assert_non_null(strstr(o.message, "more than 5 redirects"));
    /* No redirect allowed: the 3xx is the answer, with its Location made absolute. */
    o = fetch(&site_a, "/loop", 0, 0);
    assert_int_equal(o.error, NB_OK);
    assert_int_equal(o.status, 302);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/loop", site_a.port);
    assert_string_equal(o.location, want);
}

/* A loopback port nobody listens on while *fd stays open: bound, never listening. */
static unsigned closed_port(int *fd)
{
    struct sockaddr_in addr = {.sin_family = AF_INET};
    socklen_t len = sizeof addr;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*fd >= 0);
    assert_int_equal(bind(*fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(*fd, (struct sockaddr *)&addr, &len), 0);
    return ntohs(addr.sin_port);
}

static void test_unreachable(void **state)
{
    (void)state;
    outcome o = {0};
    int fd;
    unsigned port = closed_port(&fd);
    char url[64], where[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    snprintf(where, sizeof where, "127.0.0.1:%u", port);
    nb_http *h = nb_http_new(NULL);
    nb_http_request req = {.url = url, .reach = NB_HTTP_TRUSTED, .done = record, .user = &o};
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    close(fd);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, NB_ERR_NETWORK);
    assert_non_null(strstr(o.message, where));
}

/* Waits until an earlier test's abandoned request (the timeout case) has finished on the
 * server, then clears the server's peak. */
static void wait_idle(server *s)
{
    for (int i = 0; i < 3000 * time_scale(); i++) {
        pthread_mutex_lock(&s->lock);
        int active = s->active;
        if (!active)
            s->peak = 0;
        pthread_mutex_unlock(&s->lock);
        if (!active)
            return;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    fail_msg("server still busy after %d s", 30 * time_scale());
}

static void test_per_host_cap(void **state)
{
    (void)state;
    wait_idle(&site_a);
    wait_idle(&site_b);
    nb_http_options opt = {.max_per_host = 2};
    nb_http *h = nb_http_new(&opt);
    outcome results[60] = {{0}};
    char url[128];
    for (int i = 0; i < 60; i++) {
        /* 50 requests to site A, 10 to site B, all slow enough to overlap (B's long enough
         * for its two connections to meet on a loaded machine) */
        server *s = i < 50 ? &site_a : &site_b;
        snprintf(url, sizeof url, "http://127.0.0.1:%u/slow/%d", s->port, i < 50 ? 20 : 200);
        nb_http_request req = {.url = url,
                               .caller = NB_HTTP_SOURCE,
                               .reach = NB_HTTP_TRUSTED,
                               .done = record,
                               .user = &results[i]};
        nb_http_submit(h, &req);
    }
    nb_http_run(h);
    char key[64];
    snprintf(key, sizeof key, "127.0.0.1:%u", site_a.port);
    assert_int_equal(nb_http_peak_per_host(h, key), 2);
    nb_http_free(h);
    for (int i = 0; i < 60; i++) {
        assert_int_equal(results[i].calls, 1);
        assert_int_equal(results[i].status, 200);
    }
    assert_true(site_a.peak <= 2); /* what the server saw */
    assert_true(site_b.peak <= 2);
    assert_int_equal(site_b.peak, 2); /* the second host was served in parallel */
}

static void test_class_cap_is_separate(void **state)
{
    (void)state;
    site_a.peak = 0;
    nb_http_options opt = {.max_per_host = 1, .max_per_class = {[NB_HTTP_LLM] = 4}};
    nb_http *h = nb_http_new(&opt);
    outcome results[8] = {{0}};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/slow/50", site_a.port);
    for (int i = 0; i < 8; i++) {
        nb_http_request req = {.url = url,
                               .caller = NB_HTTP_LLM,
                               .reach = NB_HTTP_TRUSTED,
                               .done = record,
                               .user = &results[i]};
        nb_http_submit(h, &req);
    }
    nb_http_run(h);
    /* The per-host politeness cap is for sources; the LLM class has its own cap of 4. */
    assert_int_equal(nb_http_peak_in_flight(h), 4);
    nb_http_free(h);
}

static int retry_5xx_and_429(const nb_http_response *r)
{
    return r->status == 429 || (r->status >= 500 && r->status != 503);
}

static void test_retry_policy(void **state)
{
    (void)state;
    /* 500 twice, then success: two retries allowed, so the caller sees the success. */
    site_a.flaky_calls = 0;
    nb_http_request req = {
        .retry = {.max_retries = 2, .base_delay_ms = 20, .should_retry = retry_5xx_and_429}};
    outcome o = fetch_with(&site_a, "/flaky/2/500", req);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.attempts, 3);
    assert_string_equal(o.body, "recovered");
    /* One retry allowed: the caller sees the second 500. */
    site_a.flaky_calls = 0;
    req.retry.max_retries = 1;
    o = fetch_with(&site_a, "/flaky/2/500", req);
    assert_int_equal(o.status, 500);
    assert_int_equal(o.attempts, 2);
    /* 503 is not retried by this policy: the caller backs off to the next run. */
    site_a.flaky_calls = 0;
    o = fetch_with(&site_a, "/flaky/1/503", req);
    assert_int_equal(o.status, 503);
    assert_int_equal(o.attempts, 1);
    /* No policy, no retry. */
    site_a.flaky_calls = 0;
    o = fetch(&site_a, "/flaky/1/500", 0, 0);
    assert_int_equal(o.attempts, 1);
}

static void test_retry_after_is_honoured(void **state)
{
    (void)state;
    site_a.flaky_calls = 0;
    nb_http_request req = {
        .retry = {.max_retries = 1, .base_delay_ms = 1, .should_retry = retry_5xx_and_429}};
    int64_t start = nb_clock_monotonic_ms();
    outcome o = fetch_with(&site_a, "/flaky/1/429", req);
    int64_t took = nb_clock_monotonic_ms() - start;
    assert_int_equal(o.status, 200);
    assert_int_equal(o.attempts, 2);
    assert_true(took >= 1000); /* waited the server's Retry-After: 1, not the 1 ms base */
    /* A Retry-After beyond max_delay_ms is not waited for: the caller gets the 429. */
    site_a.flaky_calls = 0;
    req.retry.max_delay_ms = 500;
    o = fetch_with(&site_a, "/flaky/1/429", req);
    assert_int_equal(o.status, 429);
    assert_int_equal(o.retry_after, 1);
}

static void test_parse_retry_after(void **state)
{
    (void)state;
    int64_t seconds = -1;
    assert_true(nb_http_parse_retry_after("120", 0, &seconds));
    assert_int_equal(seconds, 120);
    assert_true(nb_http_parse_retry_after("-5", 0, &seconds));
    assert_int_equal(seconds, 0);
    assert_true(nb_http_parse_retry_after("Mon, 07 Apr 2025 01:02:00 GMT", 1743987600, &seconds));
    assert_int_equal(seconds, 120);
    assert_true(nb_http_parse_retry_after("Mon, 07 Apr 2025 01:02:00 GMT", 1743990000, &seconds));
    assert_int_equal(seconds, 0);
    /* unreadable or absent: false, and *seconds is left as it was */
    seconds = 7;
    assert_false(nb_http_parse_retry_after("soon", 0, &seconds));
    assert_false(nb_http_parse_retry_after("", 0, &seconds));
    assert_false(nb_http_parse_retry_after(NULL, 0, &seconds));
    assert_int_equal(seconds, 7);
}

static void test_conditional_get(void **state)
{
    (void)state;
    outcome o = fetch(&site_a, "/etag", 0, 0);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.etag, "\"v1\"");
    assert_string_equal(o.last_modified, "Mon, 07 Apr 2025 01:00:00 GMT");
    nb_http_request req = {.if_none_match = "\"v1\"",
                           .if_modified_since = "Mon, 07 Apr 2025 01:00:00 GMT"};
    o = fetch_with(&site_a, "/etag", req);
    assert_int_equal(o.status, 304);
    assert_int_equal(o.body_len, 0);
    req.if_none_match = "\"v0\"";
    o = fetch_with(&site_a, "/etag", req);
    assert_int_equal(o.status, 200);
}

static void test_brotli(void **state)
{
    (void)state;
    outcome o = fetch(&site_a, "/br", 0, 0);
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "brotli body, brotli body, brotli body");
}

static void test_start_times(void **state)
{
    (void)state;
    site_b.stamp_count = 0;
    nb_http *h = nb_http_new(NULL);
    outcome results[3] = {{0}};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/stamp", site_b.port);
    int64_t start = nb_clock_monotonic_ms();
    for (int i = 0; i < 3; i++) {
        nb_http_request req = {.url = url,
                               .reach = NB_HTTP_TRUSTED,
                               .not_before_ms = start + 150 * i,
                               .done = record,
                               .user = &results[i]};
        nb_http_submit(h, &req);
    }
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(site_b.stamp_count, 3);
    /* Request i may not start before start + 150 i ms, so the k-th arrival (the stamps are
     * in arrival order) is not before start + 150 k ms, however late a loaded machine
     * delivers any of them. */
    for (int k = 0; k < 3; k++)
        assert_true(site_b.starts_ms[k] >= start + 150 * k);
}

static void test_proxy(void **state)
{
    (void)state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", site_b.port);
    outcome o = {0};
    nb_http *h = nb_http_new(NULL);
    nb_http_request req = {.url = "http://news.example.invalid/article",
                           .proxy = proxy,
                           .reach = NB_HTTP_TRUSTED,
                           .done = record,
                           .user = &o};
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "via proxy");
}

static void test_address_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *address, *kind; /* kind NULL: public */
    } cases[] = {
        {"8.8.8.8", NULL},
        {"93.184.215.14", NULL},
        {"1.1.1.1", NULL},
        {"100.63.255.255", NULL},
        {"100.128.0.0", NULL},
        {"172.15.255.255", NULL},
        {"172.32.0.0", NULL},
        {"192.169.0.1", NULL},
        {"223.255.255.255", NULL},
        {"0.0.0.0", "unspecified"},
        {"0.1.2.3", "reserved"},
        {"10.0.0.1", "private"},
        {"10.255.255.255", "private"},
        {"100.64.0.1", "CGNAT"},
        {"100.127.255.254", "CGNAT"},
        {"127.0.0.1", "loopback"},
        {"127.0.0.2", "loopback"},
        {"127.255.255.254", "loopback"},
        {"169.254.169.254", "link-local"},
        {"169.254.0.1", "link-local"},
        {"172.16.0.1", "private"},
        {"172.31.255.255", "private"},
        {"192.0.0.8", "reserved"},
        {"192.0.2.1", "reserved"},
        {"192.88.99.1", "reserved"},
        {"192.168.1.1", "private"},
        {"198.18.0.1", "reserved"},
        {"198.19.255.255", "reserved"},
        {"198.51.100.7", "reserved"},
        {"203.0.113.9", "reserved"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.250", "multicast"},
        {"240.0.0.1", "reserved"},
        {"255.255.255.255", "reserved"},
        {"2606:4700:4700::1111", NULL},
        {"2001:4860:4860::8888", NULL},
        {"[2a00:1450:4001::200e]", NULL},
        {"::", "unspecified"},
        {"[::]", "unspecified"},
        {"::1", "loopback"},
        {"[::1]", "loopback"},
        {"0:0:0:0:0:0:0:1", "loopback"},
        {"::ffff:127.0.0.1", "loopback"},
        {"::ffff:7f00:1", "loopback"},
        {"::ffff:10.1.2.3", "private"},
        {"::ffff:169.254.169.254", "link-local"},
        {"::ffff:0.0.0.0", "unspecified"},
        {"::ffff:8.8.8.8", NULL},
        {"::127.0.0.1", "reserved"}, /* IPv4-compatible, deprecated */
        {"64:ff9b::a00:1", "private"},
        {"64:ff9b::808:808", NULL},
        {"64:ff9b:1::1", "reserved"},
        {"2002:7f00:1::1", "loopback"},
        {"2002:a9fe:a9fe::1", "link-local"},
        {"2002:808:808::1", NULL},
        {"fc00::1", "private"},
        {"fd12:3456:789a::1", "private"},
        {"fd00::2", "private"},
        {"fe80::1", "link-local"},
        {"fe80::1%eth0", "link-local"},
        {"febf::1", "link-local"},
        {"fec0::1", "private"},
        {"ff02::1", "multicast"},
        {"ff05::1:3", "multicast"},
        {"100::1", "reserved"},
        {"2001:db8::1", "reserved"},
        {"2001::1", "reserved"},
        {"3fff::1", "reserved"},
        {"4000::1", "reserved"},
        {"example.com", "not an IP address"},
        {"127.1", "not an IP address"}, /* names are resolved by curl, then judged */
        {"", "not an IP address"},
        {NULL, "not an IP address"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *kind = nb_http_address_kind(cases[i].address);
        if (cases[i].kind == NULL && kind != NULL)
            fail_msg("%s: want public, got %s", cases[i].address, kind);
        if (cases[i].kind != NULL && (kind == NULL || strcmp(kind, cases[i].kind) != 0))
            fail_msg("%s: want %s, got %s", cases[i].address, cases[i].kind,
                     kind ? kind : "public");
    }
}

static int requests_of(server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->requests;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* A discovered URL on a private address is refused before anything is sent; every
 * spelling of loopback and "any" too. */
static void test_discovered_urls_stay_public(void **state)
{
    (void)state;
    const char *hosts[] = {"127.0.0.1", "127.0.0.2",          "127.1",    "0.0.0.0", "[::1]",
                           "[::]",      "[::ffff:127.0.0.1]", "localhost"};
    const char *addresses[] = {"127.0.0.1", "127.0.0.2", "127.0.0.1", "0.0.0.0",
                               "::1",       "::",        "127.0.0.1", "loopback address"};
    int before = requests_of(&site_a);
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        char url[128];
        snprintf(url, sizeof url, "http://%s:%u/hello", hosts[i], site_a.port);
        outcome o = fetch_url(url, (nb_http_request){.reach = NB_HTTP_PUBLIC});
        if (o.error != NB_ERR_REFUSED || !strstr(o.message, url) ||
            !strstr(o.message, addresses[i]) || !strstr(o.message, "allow_private_networks"))
            fail_msg("%s: want a refusal naming the URL and %s, got %s (%s)", url, addresses[i],
                     nb_err_name(o.error), o.message);
    }
    assert_int_equal(requests_of(&site_a), before);
    /* allowed, the same URL is fetched */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello", site_a.port);
    outcome o = fetch_url(url, (nb_http_request){.reach = NB_HTTP_ANYWHERE});
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "hello");
}

/* A trusted URL may be private, but where it redirects is discovered. */
static void test_redirects_of_trusted_urls_are_checked(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/to/302/127.0.0.1:%u/hello", site_b.port);
    int before_b = requests_of(&site_b);
    nb_http_request req = {.reach = NB_HTTP_TRUSTED, .max_redirects = NB_LIMIT_REDIRECTS};
    outcome o = fetch_with(&site_a, path, req);
    assert_int_equal(o.error, NB_ERR_REFUSED);
    char target[64];
    snprintf(target, sizeof target, "redirected to http://127.0.0.1:%u/hello", site_b.port);
    assert_non_null(strstr(o.message, path));
    assert_non_null(strstr(o.message, target));
    assert_non_null(strstr(o.message, "127.0.0.1 is a loopback address"));
    assert_int_equal(requests_of(&site_b), before_b);
    /* 307 and 308 as well */
    snprintf(path, sizeof path, "/to/308/[::1]:%u/hello", site_b.port);
    o = fetch_with(&site_a, path, req);
    assert_int_equal(o.error, NB_ERR_REFUSED);
    assert_non_null(strstr(o.message, "::1 is a loopback address"));
    /* allowed: followed */
    snprintf(path, sizeof path, "/to/307/127.0.0.1:%u/hello", site_b.port);
    req.reach = NB_HTTP_ANYWHERE;
    o = fetch_with(&site_a, path, req);
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "hello");
    assert_int_equal(requests_of(&site_b), before_b + 1);
}

/* A discovered request to a host:port a trusted one left a connection open to reuses no
 * check: the address of the connection is checked before every request. */
static void test_reused_connections_are_checked(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello", site_c.port);
    outcome first = {0}, second = {0};
    nb_http *h = nb_http_new(NULL);
    nb_http_request req = {.url = url, .reach = NB_HTTP_TRUSTED, .done = record, .user = &first};
    nb_http_submit(h, &req);
    nb_http_run(h);
    int before = requests_of(&site_c);
    req.reach = NB_HTTP_PUBLIC;
    req.user = &second;
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(first.error, NB_OK);
    assert_int_equal(second.error, NB_ERR_REFUSED);
    assert_non_null(strstr(second.message, "127.0.0.1 is a loopback address"));
    assert_int_equal(requests_of(&site_c), before);
}

/* Through a proxy the connected address is the proxy's: the target's own addresses are
 * checked before the request. */
static void test_proxied_targets_are_checked(void **state)
{
    (void)state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", site_b.port);
    int before = requests_of(&site_b);
    const char *refused[] = {"http://127.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                             "http://[fd00::1]/", "http://localhost/",
                             "http://news.example.invalid/article"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        outcome o = fetch_url(refused[i], (nb_http_request){.proxy = proxy});
        if (o.error != NB_ERR_REFUSED || !strstr(o.message, refused[i]))
            fail_msg("%s: want a refusal, got %s (%s)", refused[i], nb_err_name(o.error),
                     o.message);
    }
    assert_int_equal(requests_of(&site_b), before);
    /* a public literal address is fetched through the proxy */
    outcome o = fetch_url("http://93.184.215.14/", (nb_http_request){.proxy = proxy});
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "via proxy");
    /* the connection to the proxy kept alive and reused: checked before the request */
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", site_c.port);
    outcome first = {0}, second = {0};
    nb_http *h = nb_http_new(NULL);
    nb_http_request req = {
        .url = "http://93.184.215.14/", .proxy = proxy, .done = record, .user = &first};
    nb_http_submit(h, &req);
    nb_http_run(h);
    before = requests_of(&site_c);
    req.url = "http://10.0.0.1/";
    req.user = &second;
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(first.error, NB_OK);
    assert_int_equal(second.error, NB_ERR_REFUSED);
    assert_non_null(strstr(second.message, "10.0.0.1 is a private address"));
    assert_int_equal(requests_of(&site_c), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_and_status),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_redirect_loop),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_per_host_cap),
        cmocka_unit_test(test_class_cap_is_separate),
        cmocka_unit_test(test_retry_policy),
        cmocka_unit_test(test_retry_after_is_honoured),
        cmocka_unit_test(test_parse_retry_after),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_brotli),
        cmocka_unit_test(test_start_times),
        cmocka_unit_test(test_proxy),
        cmocka_unit_test(test_address_kinds),
        cmocka_unit_test(test_discovered_urls_stay_public),
        cmocka_unit_test(test_redirects_of_trusted_urls_are_checked),
        cmocka_unit_test(test_reused_connections_are_checked),
        cmocka_unit_test(test_proxied_targets_are_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
