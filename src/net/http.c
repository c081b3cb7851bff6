/* libcurl multi engine. Requests wait in a FIFO queue until the global, class and host
 * budgets all have room; then they become easy handles on the multi handle. Invariant:
 * in_flight == sum(class_in_flight) == number of easy handles attached. */
#include "net/http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/memory.h"
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
    char *method_copy, *body_copy, *url_copy;
    host_slot *host; /* NULL when not a source request or no host */
    CURL *easy;
    struct curl_slist *header_list;
    nb_buf body;
    int too_big;
    char curl_error[CURL_ERROR_SIZE];
} transfer;

struct nb_http {
    CURLM *multi;
    nb_http_options opt;
    char *user_agent;
    transfer *queue_head, *queue_tail;
    int in_flight, peak_in_flight;
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
    curl_slist_free_all(t->header_list);
    if (t->easy)
        curl_easy_cleanup(t->easy);
    nb_buf_free(&t->body);
    free(t);
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
    if (req->body) {
        t->body_copy = nb_xstrndup(req->body, req->body_len);
        t->req.body = t->body_copy;
    }
    if (req->headers) {
        size_t n = 0;
        while (req->headers[n])
            n++;
        t->header_copy = nb_xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
            t->header_copy[i] = nb_xstrdup(req->headers[i]);
        t->req.headers = (const char *const *)t->header_copy;
    }
    if (req->caller == NB_HTTP_SOURCE && h->opt.max_per_host > 0)
        t->host = host_for(h, t->url_copy);
    nb_buf_init(&t->body, req->max_body ? req->max_body : NB_LIMIT_BODY_BYTES);
    if (h->queue_tail)
        h->queue_tail->next = t;
    else
        h->queue_head = t;
    h->queue_tail = t;
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
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)NB_LIMIT_REDIRECTS);
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

static int has_room(const nb_http *h, const transfer *t)
{
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
    transfer *prev = NULL, *t = h->queue_head;
    while (t && h->in_flight < h->opt.max_in_flight) {
        transfer *next = t->next;
        if (has_room(h, t)) {
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

static void finish(nb_http *h, transfer *t, CURLcode result)
{
    nb_http_response r = {0};
    char message[NB_ERRBUF_SIZE] = "";
    char *final_url = NULL, *content_type = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &final_url);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r.seconds);
    r.url = t->req.url;
    r.final_url = final_url ? final_url : t->req.url;
    r.content_type = content_type;
    r.body = nb_buf_str(&t->body);
    r.body_len = t->body.len;
    if (t->too_big || result == CURLE_FILESIZE_EXCEEDED) {
        r.error = NB_ERR_LIMIT;
        snprintf(message, sizeof message, "%s: body exceeds the %zu byte cap", t->req.url,
                 t->body.limit);
    } else if (result == CURLE_TOO_MANY_REDIRECTS) {
        r.error = NB_ERR_LIMIT;
        snprintf(message, sizeof message, "%s: more than %d redirects", t->req.url,
                 NB_LIMIT_REDIRECTS);
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
    if (t->req.done)
        t->req.done(t->req.user, &r);
    transfer_free(t);
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
        if (h->in_flight > 0)
            curl_multi_poll(h->multi, NULL, 0, 100, NULL);
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
