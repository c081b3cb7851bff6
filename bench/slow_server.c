/* SPDX-License-Identifier: MIT */
/* Benchmark server: answers GET /feed/<n>.xml after a fixed delay with a one-item RSS feed
 * (ETag "<n>-v1"; a matching If-None-Match gets 304 after the same delay). Prints its port
 * on stdout, then serves until killed. Usage: slow_server DELAY_MS */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long delay_ms;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_size, (void)state;
    struct timespec pause = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    long n = strncmp(url, "/feed/", 6) == 0 ? strtol(url + 6, NULL, 10) : -1;
    char etag[32];
    snprintf(etag, sizeof etag, "\"%ld-v1\"", n);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (n < 0) {
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (inm && strcmp(inm, etag) == 0) {
        status = MHD_HTTP_NOT_MODIFIED;
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        char body[1024];
        int len = snprintf(body, sizeof body,
                           "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                           "<title>Feed %ld</title><link>http://bench.example/%ld</link>"
                           "<item><title>第 %ld 条新闻：模型发布</title>"
                           "<link>http://bench.example/%ld/1</link><guid>b-%ld</guid>"
                           "<pubDate>Mon, 07 Apr 2025 09:00:00 +0800</pubDate>"
                           "<description>&lt;p&gt;一段摘要。&lt;/p&gt;</description>"
                           "</item></channel></rss>",
                           n, n, n, n, n);
        r = MHD_create_response_from_buffer((size_t)len, body, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, "Content-Type", "application/rss+xml");
    }
    MHD_add_response_header(r, "ETag", etag);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv)
{
    delay_ms = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer,
        NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_CONNECTION_LIMIT, 2000u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "slow_server: cannot start\n");
        return 1;
    }
    printf("%u\n", MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    fflush(stdout);
    for (;;)
        pause();
}
