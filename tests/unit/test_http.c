/* net/http against a loopback libmicrohttpd server started by the test: statuses, body
 * cap, timeouts, redirect loops, gzip, and the per-host cap under load. The servers bind
 * port 0; waits scale with NB_TEST_TIME_SCALE and only lower bounds of time are checked. */
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
} server;

static server site_a, site_b;

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
    (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    pthread_mutex_lock(&s->lock);
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

static int start_server(server *s)
{
    pthread_mutex_init(&s->lock, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, answer, s, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
    if (!s->daemon)
        return -1;
    s->port = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return start_server(&site_a) || start_server(&site_b);
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(site_a.daemon);
    MHD_stop_daemon(site_b.daemon);
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
    snprintf(o->message, sizeof o->message, "%s", r->error ? r->error_message : "");
}

/* Runs one request built from template (url filled in from s and path). */
static outcome fetch_with(server *s, const char *path, nb_http_request req)
{
    outcome o = {0};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s->port, path);
    nb_http *h = nb_http_new(NULL);
    req.url = url;
    req.done = record;
    req.user = &o;
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    return o;
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
    outcome o = fetch(&site_a, "/loop", 0, 0);
    assert_int_equal(o.error, NB_ERR_LIMIT);
    assert_non_null(strstr(o.message, "redirects"));
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
    nb_http_request req = {.url = url, .done = record, .user = &o};
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
        nb_http_request req = {
            .url = url, .caller = NB_HTTP_SOURCE, .done = record, .user = &results[i]};
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
        nb_http_request req = {
            .url = url, .caller = NB_HTTP_LLM, .done = record, .user = &results[i]};
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
    assert_int_equal(nb_http_parse_retry_after("120", 0), 120);
    assert_int_equal(nb_http_parse_retry_after("Mon, 07 Apr 2025 01:02:00 GMT", 1743987600), 120);
    assert_int_equal(nb_http_parse_retry_after("Mon, 07 Apr 2025 01:02:00 GMT", 1743990000), 0);
    assert_int_equal(nb_http_parse_retry_after("soon", 0), -1);
    assert_int_equal(nb_http_parse_retry_after(NULL, 0), -1);
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
        nb_http_request req = {
            .url = url, .not_before_ms = start + 150 * i, .done = record, .user = &results[i]};
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
    nb_http_request req = {
        .url = "http://news.example.invalid/article", .proxy = proxy, .done = record, .user = &o};
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(o.error, NB_OK);
    assert_string_equal(o.body, "via proxy");
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
