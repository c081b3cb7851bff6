/* The HTTP engine: every request of a run (sources, articles, LLM, channels) goes through
 * one libcurl multi handle on the calling thread. The engine enforces a global cap on
 * requests in flight, a cap per caller class, and a per-host cap for sources, plus
 * timeouts, a redirect cap and a body-size cap. Callers are told the outcome through a
 * callback; a callback may submit further requests. */
#ifndef NB_NET_HTTP_H
#define NB_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct nb_http nb_http;

/* Who is asking: each class has its own concurrency budget, so that site politeness
 * never slows the LLM or the chat platforms. */
typedef enum nb_http_class {
    NB_HTTP_SOURCE = 0,
    NB_HTTP_LLM,
    NB_HTTP_CHANNEL,
    NB_HTTP_CLASS_COUNT,
} nb_http_class;

typedef struct nb_http_options {
    int max_in_flight;                      /* all classes together; 0: default 64 */
    int max_per_class[NB_HTTP_CLASS_COUNT]; /* 0: no cap beyond max_in_flight */
    int max_per_host;                       /* sources only, keyed by host:port; 0: none */
    const char *user_agent;                 /* NULL: "newsbrief/<version>" */
} nb_http_options;

/* What came back. Borrowed by the callback; valid only during the call. */
typedef struct nb_http_response {
    nb_err error;              /* NB_OK when an HTTP answer arrived, whatever its status */
    const char *error_message; /* when error != NB_OK: the cause, naming the URL */
    long status;               /* HTTP status; 0 without an answer */
    const char *url;           /* the URL requested */
    const char *final_url;     /* after redirects */
    const char *body;          /* NUL-terminated; "" when empty */
    size_t body_len;
    const char *content_type; /* NULL when absent */
    double seconds;           /* total time of the request */
} nb_http_response;

typedef void (*nb_http_done_fn)(void *user, const nb_http_response *response);

typedef struct nb_http_request {
    const char *url;
    const char *method; /* NULL: GET, or POST when body is set */
    const char *body;   /* request body, or NULL */
    size_t body_len;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    nb_http_class caller;
    long connect_timeout_ms; /* 0: NB_LIMIT_CONNECT_TIMEOUT_MS */
    long timeout_ms;         /* 0: NB_LIMIT_TOTAL_TIMEOUT_MS */
    size_t max_body;         /* 0: NB_LIMIT_BODY_BYTES */
    nb_http_done_fn done;
    void *user;
} nb_http_request;

nb_http *nb_http_new(const nb_http_options *options);
void nb_http_free(nb_http *http); /* NULL-safe; pending requests are dropped uncalled */

/* Queues a request; every field is copied. done is called exactly once, from nb_http_run. */
void nb_http_submit(nb_http *http, const nb_http_request *request);

/* Runs until no request is queued or in flight. */
void nb_http_run(nb_http *http);

/* The most requests that were in flight at once to one host:port (tests, bench). */
int nb_http_peak_per_host(nb_http *http, const char *host_key);
int nb_http_peak_in_flight(nb_http *http);

#endif
