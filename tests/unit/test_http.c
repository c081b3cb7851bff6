/* net/http against a loopback libmicrohttpd server started by the test: statuses, body
 * cap, timeouts, redirect loops, gzip, and the per-host cap under load. */
#include "testing.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/limits.h"
#include "net/http.h"

typedef struct server {
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t lock;
    int active, peak; /* requests being answered now / at most */
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
    snprintf(o->body, sizeof o->body, "%s", r->body);
    snprintf(o->message, sizeof o->message, "%s", r->error ? r->error_message : "");
}

static outcome fetch(server *s, const char *path, long timeout_ms, size_t max_body)
{
    outcome o = {0};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s->port, path);
    nb_http *h = nb_http_new(NULL);
    nb_http_request req = {
        .url = url, .timeout_ms = timeout_ms, .max_body = max_body, .done = record, .user = &o};
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    return o;
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

static void test_unreachable(void **state)
{
    (void)state;
    outcome o = {0};
    nb_http *h = nb_http_new(NULL);
    /* Port 9 (discard) on loopback: nothing listens in the test environment. */
    nb_http_request req = {.url = "http://127.0.0.1:9/", .done = record, .user = &o};
    nb_http_submit(h, &req);
    nb_http_run(h);
    nb_http_free(h);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, NB_ERR_NETWORK);
    assert_non_null(strstr(o.message, "127.0.0.1:9"));
}

/* Waits until an earlier test's abandoned request (the timeout case) has finished on the
 * server, then clears the server's peak. */
static void wait_idle(server *s)
{
    for (int i = 0; i < 3000; i++) {
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
    fail_msg("server still busy");
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
        /* 50 requests to site A, 10 to site B, all slow enough to overlap */
        server *s = i < 50 ? &site_a : &site_b;
        snprintf(url, sizeof url, "http://127.0.0.1:%u/slow/20", s->port);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
