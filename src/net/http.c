/* SPDX-License-Identifier: MIT */
/* libcurl multi engine. Requests wait in a FIFO queue until their start time has come and
 * the global, class and host budgets all have room; then they become easy handles on the
 * multi handle. A retried request goes back to the queue with a later start time.
 * Invariant: in_flight == sum(class_in_flight) == number of easy handles attached.
 * A request that must stay public is checked where curl connects: the socket callback sees
 * each address before connecting, the pre-request callback the connection actually used. */
#include "net/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"

typedef struct host_slot {
    char *key;     /* "host:port" */
    int in_flight; /* source requests to it now */
    int peak;
    struct host_slot *next;
} host_slot;

typedef struct transfer {
    struct transfer *next; /* queue link */
    nb_http_request req;   /* owned copies of the caller's strings */
    char **header_copy;
    char *method_copy, *body_copy, *url_copy, *proxy_copy;
    int attempts;
    host_slot *host; /* NULL when not a source request or no host */
    CURL *easy;
    struct curl_slist *header_list;
    nb_buf body;
    int too_big;
    char refused[128];  /* "ADDRESS is a KIND address" once an address was refused */
    char *checked_host; /* through a proxy: the target host whose addresses were checked */
    int checked_public; /* ... and whether they were all public */
    char curl_error[CURL_ERROR_SIZE];
} transfer;

struct nb_http {
    CURLM *multi;
    nb_http_options opt;
    char *user_agent;
    transfer *queue_head, *queue_tail;
    int in_flight, peak_in_flight;
    uint64_t jitter_state; /* xorshift state for backoff jitter */
    int class_in_flight[NB_HTTP_CLASS_COUNT];
    host_slot *hosts;
};

static int curl_ready;

nb_http *nb_http_new(const nb_http_options *options)
{
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    nb_http *h = nb_xcalloc(1, sizeof *h);
    if (options)
        h->opt = *options;
    if (h->opt.max_in_flight <= 0)
        h->opt.max_in_flight = NB_LIMIT_CONCURRENCY;
    h->user_agent = options && options->user_agent ? nb_xstrdup(options->user_agent)
                                                   : nb_xstrdup("newsbrief/" NB_VERSION);
    h->opt.user_agent = h->user_agent;
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h->user_agent);
        free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    h->jitter_state = (uint64_t)nb_clock_monotonic_ms() * 2654435761u | 1;
    return h;
}

static void transfer_free(transfer *t)
{
    if (!t)
        return;
    if (t->header_copy) {
        for (char **p = t->header_copy; *p; p++)
            free(*p);
        free(t->header_copy);
    }
    free(t->method_copy);
    free(t->body_copy);
    free(t->url_copy);
    free(t->proxy_copy);
    free(t->checked_host);
    curl_slist_free_all(t->header_list);
    if (t->easy)
        curl_easy_cleanup(t->easy);
    nb_buf_free(&t->body);
    free(t);
}

static void enqueue(nb_http *h, transfer *t)
{
    t->next = NULL;
    if (h->queue_tail)
        h->queue_tail->next = t;
    else
        h->queue_head = t;
    h->queue_tail = t;
}

void nb_http_free(nb_http *h)
{
    if (!h)
        return;
    while (h->queue_head) {
        transfer *t = h->queue_head;
        h->queue_head = t->next;
        transfer_free(t);
    }
    host_slot *s = h->hosts;
    while (s) {
        host_slot *next = s->next;
        free(s->key);
        free(s);
        s = next;
    }
    curl_multi_cleanup(h->multi);
    free(h->user_agent);
    free(h);
}

static host_slot *host_for(nb_http *h, const char *url)
{
    char *key = nb_url_host_key(url);
    if (!key)
        return NULL;
    for (host_slot *s = h->hosts; s; s = s->next) {
        if (strcmp(s->key, key) == 0) {
            free(key);
            return s;
        }
    }
    host_slot *s = nb_xcalloc(1, sizeof *s);
    s->key = key;
    s->next = h->hosts;
    h->hosts = s;
    return s;
}

void nb_http_submit(nb_http *h, const nb_http_request *req)
{
    transfer *t = nb_xcalloc(1, sizeof *t);
    t->req = *req;
    t->url_copy = nb_xstrdup(req->url ? req->url : "");
    t->req.url = t->url_copy;
    t->method_copy = nb_xstrdup(req->method);
    t->req.method = t->method_copy;
    t->proxy_copy = nb_xstrdup(req->proxy);
    t->req.proxy = t->proxy_copy;
    if (req->body) {
        t->body_copy = nb_xstrndup(req->body, req->body_len);
        t->req.body = t->body_copy;
    }
    /* The caller's headers, plus the conditional GET validators as headers. */
    size_t n = 0;
    while (req->headers && req->headers[n])
        n++;
    t->header_copy = nb_xcalloc(n + 3, sizeof(char *));
    size_t k = 0;
    for (; k < n; k++)
        t->header_copy[k] = nb_xstrdup(req->headers[k]);
    if (req->if_none_match && *req->if_none_match)
        t->header_copy[k++] = nb_xasprintf("If-None-Match: %s", req->if_none_match);
    if (req->if_modified_since && *req->if_modified_since)
        t->header_copy[k++] = nb_xasprintf("If-Modified-Since: %s", req->if_modified_since);
    t->req.headers = (const char *const *)t->header_copy;
    t->req.if_none_match = t->req.if_modified_since = NULL;
    if (req->caller == NB_HTTP_SOURCE && h->opt.max_per_host > 0)
        t->host = host_for(h, t->url_copy);
    nb_buf_init(&t->body, req->max_body ? req->max_body : NB_LIMIT_BODY_BYTES);
    enqueue(h, t);
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t n = size * count;
    if (nb_buf_append(&t->body, data, n) != NB_OK) {
        t->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

/* --- Reach: which addresses a request may connect to ------------------------------------ */

static const char *ipv4_kind(const unsigned char *a)
{
    static const struct {
        uint32_t net;
        int bits;
        const char *kind;
    } ranges[] = {
        {0x00000000u, 32, "unspecified"}, /* 0.0.0.0 */
        {0x00000000u, 8, "reserved"},     /* "this network" */
        {0x0A000000u, 8, "private"},
        {0x64400000u, 10, "CGNAT"}, /* shared address space */
        {0x7F000000u, 8, "loopback"},
        {0xA9FE0000u, 16, "link-local"}, /* cloud metadata services among them */
        {0xAC100000u, 12, "private"},
        {0xC0000000u, 24, "reserved"}, /* IETF protocol assignments */
        {0xC0000200u, 24, "reserved"}, /* documentation */
        {0xC0586300u, 24, "reserved"}, /* 6to4 relay anycast */
        {0xC0A80000u, 16, "private"},
        {0xC6120000u, 15, "reserved"}, /* benchmarking */
        {0xC6336400u, 24, "reserved"}, /* documentation */
        {0xCB007100u, 24, "reserved"}, /* documentation */
        {0xE0000000u, 4, "multicast"},
        {0xF0000000u, 4, "reserved"}, /* and the broadcast address */
    };
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        uint32_t mask = ranges[i].bits == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> ranges[i].bits);
        if ((v & mask) == ranges[i].net)
            return ranges[i].kind;
    }
    return NULL;
}

static const char *ipv6_kind(const unsigned char *a)
{
    static const unsigned char zero[16];
    if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
        return ipv4_kind(a + 12); /* ::ffff:a.b.c.d, IPv4-mapped */
    if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && memcmp(a + 4, zero, 8) == 0)
        return ipv4_kind(a + 12); /* 64:ff9b::/96, NAT64 */
    if (a[0] == 0x20 && a[1] == 0x02)
        return ipv4_kind(a + 2); /* 2002::/16, 6to4 */
    if (memcmp(a, zero, 15) == 0)
        return a[15] == 0 ? "unspecified" : a[15] == 1 ? "loopback" : "reserved";
    if ((a[0] & 0xfe) == 0xfc)
        return "private"; /* fc00::/7, unique local */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "link-local"; /* fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return "private"; /* fec0::/10, the former site-local */
    if (a[0] == 0xff)
        return "multicast";
    if ((a[0] & 0xe0) != 0x20)
        return "reserved"; /* outside 2000::/3, global unicast (IPv4-compatible, discard ...) */
    if (a[0] == 0x20 && a[1] == 0x01 && (a[2] < 0x02 || (a[2] == 0x0d && a[3] == 0xb8)))
        return "reserved"; /* 2001::/23 IETF protocol assignments, 2001:db8::/32 documentation */
    if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
        return "reserved"; /* 3fff::/20, documentation */
    return NULL;
}

const char *nb_http_address_kind(const char *address)
{
    char text[INET6_ADDRSTRLEN + 2];
    unsigned char bytes[16];
    const char *kind = "not an IP address";
    size_t len = address ? strlen(address) : 0;
    if (len >= 2 && address[0] == '[' && address[len - 1] == ']') {
        address++;
        len -= 2;
    }
    const char *zone = address ? memchr(address, '%', len) : NULL;
    if (zone)
        len = (size_t)(zone - address); /* fe80::1%eth0: the zone does not change the kind */
    if (len == 0 || len >= sizeof text)
        return kind;
    memcpy(text, address, len);
    text[len] = '\0';
    if (inet_pton(AF_INET, text, bytes) == 1)
        kind = ipv4_kind(bytes);
    else if (inet_pton(AF_INET6, text, bytes) == 1)
        kind = ipv6_kind(bytes);
    return kind;
}

/* The kind of a socket address (as nb_http_address_kind), its text into ip. */
static const char *sockaddr_kind(const struct sockaddr *sa, char *ip, size_t n)
{
    snprintf(ip, n, "?");
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, (socklen_t)n);
        return ipv4_kind((const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, (socklen_t)n);
        return ipv6_kind((const unsigned char *)&in6->sin6_addr);
    }
    return "not an IP address";
}

static void note_refused(transfer *t, const char *ip, const char *kind)
{
    const char *article = strchr("aeiou", kind[0]) ? "an" : "a";
    snprintf(t->refused, sizeof t->refused, "%s is %s %s address", ip, article, kind);
}

/* 1 when the request's current hop may only reach public addresses. */
static int must_be_public(transfer *t)
{
    if (t->req.reach == NB_HTTP_ANYWHERE)
        return 0;
    if (t->req.reach == NB_HTTP_PUBLIC)
        return 1;
    long redirects = 0;
    curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    return redirects > 0; /* a trusted URL's redirect targets are discovered */
}

/* Through a proxy, whose address is the one connected to: 1 when every address the current
 * URL's host resolves to here is public. A name that does not resolve cannot be checked and
 * is refused. Remembered per host. */
static int target_is_public(transfer *t)
{
    char *url = NULL, *host = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url ? url : t->req.url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        snprintf(t->refused, sizeof t->refused, "the target's host cannot be read");
        return 0;
    }
    curl_url_cleanup(u);
    if (t->checked_host && strcmp(t->checked_host, host) == 0) {
        curl_free(host);
        return t->checked_public;
    }
    free(t->checked_host);
    t->checked_host = nb_xstrdup(host);
    size_t len = strlen(host);
    char *name = host[0] == '[' && len > 2 ? nb_xstrndup(host + 1, len - 2) : nb_xstrdup(host);
    curl_free(host);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *list = NULL;
    int ok = getaddrinfo(name, NULL, &hints, &list) == 0 && list;
    if (!ok)
        snprintf(t->refused, sizeof t->refused,
                 "%s does not resolve here, so its addresses cannot be checked", name);
    for (struct addrinfo *ai = list; ok && ai; ai = ai->ai_next) {
        char ip[INET6_ADDRSTRLEN];
        const char *kind = sockaddr_kind(ai->ai_addr, ip, sizeof ip);
        if (kind) {
            note_refused(t, ip, kind);
            ok = 0;
        }
    }
    if (list)
        freeaddrinfo(list);
    free(name);
    t->checked_public = ok;
    return ok;
}

/* curl is about to open a socket to address: a request that must stay public gets none
 * for a private address (curl then tries the host's next address, if any). */
static curl_socket_t open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *address)
{
    transfer *t = user;
    if (purpose == CURLSOCKTYPE_IPCXN && must_be_public(t)) {
        char ip[INET6_ADDRSTRLEN];
        const char *kind = t->req.proxy ? NULL : sockaddr_kind(&address->addr, ip, sizeof ip);
        if (kind) {
            note_refused(t, ip, kind);
            return CURL_SOCKET_BAD;
        }
        if (t->req.proxy && !target_is_public(t))
            return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* Before each request, redirects included, on a new or a reused connection: the address
 * connected to (or, through a proxy, the target's) must be public when the hop requires. */
static int before_request(void *user, char *primary_ip, char *local_ip, int primary_port,
                          int local_port)
{
    transfer *t = user;
    (void)local_ip, (void)primary_port, (void)local_port;
    if (!must_be_public(t))
        return CURL_PREREQFUNC_OK;
    if (t->req.proxy)
        return target_is_public(t) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
    const char *kind = nb_http_address_kind(primary_ip);
    if (kind) {
        note_refused(t, primary_ip && *primary_ip ? primary_ip : "?", kind);
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

static void start(nb_http *h, transfer *t)
{
    CURL *e = curl_easy_init();
    t->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, t->req.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_error);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    long redirects =
        t->req.max_redirects < NB_LIMIT_REDIRECTS ? t->req.max_redirects : NB_LIMIT_REDIRECTS;
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, redirects > 0 ? redirects : 0L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, before_request);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl decodes */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     t->req.connect_timeout_ms ? t->req.connect_timeout_ms
                                               : (long)NB_LIMIT_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     t->req.timeout_ms ? t->req.timeout_ms : (long)NB_LIMIT_TOTAL_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->body.limit);
    for (const char *const *hd = t->req.headers; hd && *hd; hd++)
        t->header_list = curl_slist_append(t->header_list, *hd);
    if (t->header_list)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    if (t->req.body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->req.body_len);
    }
    if (t->req.method)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->req.method);
    if (t->req.proxy) {
        curl_easy_setopt(e, CURLOPT_PROXY, t->req.proxy);
        curl_easy_setopt(e, CURLOPT_NOPROXY, ""); /* every host through it, whatever NO_PROXY */
    } else
        curl_easy_setopt(e, CURLOPT_PROXY, ""); /* no proxy from the environment either */
    t->attempts++;
    h->in_flight++;
    if (h->in_flight > h->peak_in_flight)
        h->peak_in_flight = h->in_flight;
    h->class_in_flight[t->req.caller]++;
    if (t->host) {
        t->host->in_flight++;
        if (t->host->in_flight > t->host->peak)
            t->host->peak = t->host->in_flight;
    }
    nb_log(NB_LOG_DEBUG, "http", "start url=%s", t->req.url);
    curl_multi_add_handle(h->multi, e);
}

static int has_room(const nb_http *h, const transfer *t, int64_t now_ms)
{
    if (t->req.not_before_ms > now_ms)
        return 0;
    int class_cap = h->opt.max_per_class[t->req.caller];
    if (class_cap > 0 && h->class_in_flight[t->req.caller] >= class_cap)
        return 0;
    if (t->host && t->host->in_flight >= h->opt.max_per_host)
        return 0;
    return 1;
}

/* Starts queued requests, oldest first, while budgets allow; skips those whose host or
 * class is full so that one slow host never blocks the others. */
static void start_queued(nb_http *h)
{
    int64_t now_ms = nb_clock_monotonic_ms();
    transfer *prev = NULL, *t = h->queue_head;
    while (t && h->in_flight < h->opt.max_in_flight) {
        transfer *next = t->next;
        if (has_room(h, t, now_ms)) {
            if (prev)
                prev->next = next;
            else
                h->queue_head = next;
            if (h->queue_tail == t)
                h->queue_tail = prev;
            t->next = NULL;
            start(h, t);
        } else {
            prev = t;
        }
        t = next;
    }
}

static const char *header_value(CURL *easy, const char *name)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd)
        return NULL;
    return hd->value;
}

int nb_http_parse_retry_after(const char *value, int64_t now, int64_t *seconds)
{
    if (!value || !*value)
        return 0;
    char *end;
    long long given = strtoll(value, &end, 10);
    if (end != value && *end == '\0') {
        *seconds = given < 0 ? 0 : (int64_t)given;
        return 1;
    }
    int64_t when;
    if (nb_time_parse(value, 0, &when, NULL) != NB_OK)
        return 0;
    *seconds = when > now ? when - now : 0;
    return 1;
}

/* Exponential backoff with +-50% jitter: base * 2^(attempt-1) * [0.5, 1.5). */
static long backoff_ms(nb_http *h, long base, int attempt)
{
    h->jitter_state ^= h->jitter_state << 13;
    h->jitter_state ^= h->jitter_state >> 7;
    h->jitter_state ^= h->jitter_state << 17;
    long delay = base << (attempt - 1 < 16 ? attempt - 1 : 16);
    return delay / 2 + (long)(h->jitter_state % (uint64_t)(delay > 0 ? delay : 1));
}

/* Puts t back in the queue for another attempt when the caller's policy asks for one and
 * the wait fits; returns 1 when it did. */
static int schedule_retry(nb_http *h, transfer *t, const nb_http_response *r)
{
    const nb_http_retry *p = &t->req.retry;
    if (!p->should_retry || t->attempts > p->max_retries || !p->should_retry(r))
        return 0;
    long max_delay = p->max_delay_ms ? p->max_delay_ms : 30000;
    long delay = r->retry_after >= 0
                     ? (long)(r->retry_after * 1000)
                     : backoff_ms(h, p->base_delay_ms ? p->base_delay_ms : 500, t->attempts);
    if (delay > max_delay)
        return 0;
    nb_log(NB_LOG_INFO, "http", "retry url=%s attempt=%d status=%ld delay_ms=%ld", t->req.url,
           t->attempts + 1, r->status, delay);
    curl_easy_cleanup(t->easy);
    t->easy = NULL;
    curl_slist_free_all(t->header_list);
    t->header_list = NULL;
    nb_buf_reset(&t->body);
    t->too_big = 0;
    t->refused[0] = '\0';
    free(t->checked_host);
    t->checked_host = NULL;
    t->curl_error[0] = '\0';
    t->req.not_before_ms = nb_clock_monotonic_ms() + delay;
    enqueue(h, t);
    return 1;
}

static void finish(nb_http *h, transfer *t, CURLcode result)
{
    nb_http_response r = {0};
    char message[NB_ERRBUF_SIZE] = "";
    char *final_url = NULL, *content_type = NULL, *location = NULL;
    long redirects = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &final_url);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r.seconds);
    r.url = t->req.url;
    r.final_url = final_url ? final_url : t->req.url;
    r.content_type = content_type;
    if (result == CURLE_OK && r.status >= 300 && r.status <= 399 &&
        curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK)
        r.location = location;
    r.body = nb_buf_str(&t->body);
    r.body_len = t->body.len;
    r.attempts = t->attempts;
    r.retry_after = -1;
    if (result == CURLE_OK) {
        r.etag = header_value(t->easy, "ETag");
        r.last_modified = header_value(t->easy, "Last-Modified");
        if (!nb_http_parse_retry_after(header_value(t->easy, "Retry-After"), nb_clock_now(),
                                       &r.retry_after))
            r.retry_after = -1; /* absent or unreadable */
    }
    if (t->refused[0] && (result == CURLE_COULDNT_CONNECT || result == CURLE_ABORTED_BY_CALLBACK)) {
        r.error = NB_ERR_REFUSED;
        if (redirects > 0)
            snprintf(message, sizeof message, "%s: redirected to %s: refused: %s", t->req.url,
                     r.final_url, t->refused);
        else
            snprintf(message, sizeof message, "%s: refused: %s", t->req.url, t->refused);
        size_t used = strlen(message);
        snprintf(message + used, sizeof message - used,
                 " (URLs found in content and redirects reach public addresses only; "
                 "newsbrief.allow_private_networks: true allows private networks)");
    } else if (t->too_big || result == CURLE_FILESIZE_EXCEEDED) {
        r.error = NB_ERR_LIMIT;
        snprintf(message, sizeof message, "%s: body exceeds the %zu byte cap", t->req.url,
                 t->body.limit);
    } else if (result == CURLE_TOO_MANY_REDIRECTS) {
        r.error = NB_ERR_LIMIT;
        snprintf(message, sizeof message, "%s: more than %ld redirects", t->req.url,
                 t->req.max_redirects < NB_LIMIT_REDIRECTS ? (long)t->req.max_redirects
                                                           : (long)NB_LIMIT_REDIRECTS);
    } else if (result == CURLE_OPERATION_TIMEDOUT) {
        r.error = NB_ERR_NETWORK;
        snprintf(message, sizeof message, "%s: timed out after %.1f s", t->req.url, r.seconds);
    } else if (result != CURLE_OK) {
        r.error = NB_ERR_NETWORK;
        snprintf(message, sizeof message, "%s: %s", t->req.url,
                 t->curl_error[0] ? t->curl_error : curl_easy_strerror(result));
    }
    r.error_message = message;
    nb_log(NB_LOG_DEBUG, "http", "done url=%s status=%ld bytes=%zu seconds=%.3f error=%s",
           t->req.url, r.status, r.body_len, r.seconds, r.error ? message : "none");
    h->in_flight--;
    h->class_in_flight[t->req.caller]--;
    if (t->host)
        t->host->in_flight--;
    curl_multi_remove_handle(h->multi, t->easy);
    if (schedule_retry(h, t, &r))
        return;
    if (t->req.done)
        t->req.done(t->req.user, &r);
    transfer_free(t);
}

/* How long the loop may sleep: until the next queued request may start, at most 100 ms. */
static int poll_timeout_ms(const nb_http *h)
{
    int64_t now = nb_clock_monotonic_ms(), wait = 100;
    /* Requests held back by a cap wake the loop when a transfer ends; only start times
     * need a timer. */
    for (const transfer *t = h->queue_head; t; t = t->next) {
        int64_t until = t->req.not_before_ms - now;
        if (until > 0 && until < wait)
            wait = until;
    }
    if (h->in_flight > 0 && wait > 100)
        wait = 100;
    return wait < 0 ? 0 : (int)wait;
}

void nb_http_run(nb_http *h)
{
    start_queued(h);
    while (h->in_flight > 0 || h->queue_head) {
        int running = 0;
        curl_multi_perform(h->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(h->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            transfer *t = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            finish(h, t, msg->data.result);
        }
        start_queued(h);
        curl_multi_poll(h->multi, NULL, 0, poll_timeout_ms(h), NULL);
    }
}

int nb_http_peak_per_host(nb_http *h, const char *host_key)
{
    for (host_slot *s = h->hosts; s; s = s->next)
        if (strcmp(s->key, host_key) == 0)
            return s->peak;
    return 0;
}

int nb_http_peak_in_flight(nb_http *h)
{
    return h->peak_in_flight;
}
