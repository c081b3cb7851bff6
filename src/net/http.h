/* SPDX-License-Identifier: MIT */
/* The HTTP engine: every request of a run (sources, articles, LLM, channels) goes through
 * one libcurl multi handle on the calling thread. The engine enforces a global cap on
 * requests in flight, a cap per caller class, a per-host cap for sources, start times
 * (for politeness delays), timeouts, a redirect cap and a body-size cap. Retries are a
 * mechanism here and a policy of the caller: a request says whether and how often an
 * answer is retried, and the engine backs off exponentially with jitter, honouring
 * Retry-After. Callers learn the outcome through a callback, which may submit more.
 * Where a request may connect is its reach: URLs from the configuration are trusted as
 * written; URLs found in content, and every redirect target, reach public addresses only.
 * The address checked is the one the socket is about to connect to (and, on a reused
 * connection, the one it is connected to), so a name that resolves differently later
 * (DNS rebinding) gains nothing; through a proxy, the target name's addresses are checked
 * before the request. */
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
    int max_in_flight;                      /* all classes together; 0: 64 */
    int max_per_class[NB_HTTP_CLASS_COUNT]; /* 0: no cap beyond max_in_flight */
    int max_per_host;                       /* sources only, keyed by host:port; 0: none */
    const char *user_agent;                 /* NULL: "newsbrief/<version>" */
} nb_http_options;

/* Where a request may connect. */
typedef enum nb_http_reach {
    NB_HTTP_PUBLIC = 0, /* a discovered URL: loopback, private, link-local, CGNAT, multicast,
                           unspecified and reserved addresses are refused, redirects too */
    NB_HTTP_TRUSTED,    /* a configured URL: any address; the redirects it follows are
                           checked as NB_HTTP_PUBLIC */
    NB_HTTP_ANYWHERE,   /* private networks allowed: nothing is refused */
} nb_http_reach;

/* What came back. Borrowed by the callback; valid only during the call. */
typedef struct nb_http_response {
    nb_err error;              /* NB_OK when an HTTP answer arrived, whatever its status */
    const char *error_message; /* when error != NB_OK: the cause, naming the URL */
    long status;               /* HTTP status; 0 without an answer */
    const char *url;           /* the URL requested */
    const char *final_url;     /* after redirects */
    const char *location;      /* a 3xx not followed: its Location as an absolute URL, or NULL */
    const char *body;          /* NUL-terminated; "" when empty */
    size_t body_len;
    const char *content_type;  /* NULL when absent */
    const char *etag;          /* ETag header, or NULL */
    const char *last_modified; /* Last-Modified header, or NULL */
    int64_t retry_after;       /* Retry-After in seconds from now; -1 when absent */
    int attempts;              /* requests made, retries included */
    double seconds;            /* time of the last attempt */
} nb_http_response;

typedef void (*nb_http_done_fn)(void *user, const nb_http_response *response);

/* The caller's retry policy. should_retry sees each failed attempt; returning 1 retries
 * it (while attempts remain) after base_delay_ms * 2^(attempt-1), +-50% jitter, or after
 * Retry-After when the answer carries one. A wait longer than max_delay_ms is not
 * retried: the answer goes to the caller, who may come back next run. */
typedef struct nb_http_retry {
    int max_retries;    /* extra attempts; 0: none */
    long base_delay_ms; /* 0: 500 */
    long max_delay_ms;  /* 0: 30000 */
    int (*should_retry)(const nb_http_response *response);
} nb_http_retry;

typedef struct nb_http_request {
    const char *url;
    const char *method; /* NULL: GET, or POST when body is set */
    const char *body;   /* request body, or NULL */
    size_t body_len;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    nb_http_class caller;
    long connect_timeout_ms;       /* 0: NB_LIMIT_CONNECT_TIMEOUT_MS */
    long timeout_ms;               /* 0: NB_LIMIT_TOTAL_TIMEOUT_MS */
    size_t max_body;               /* 0: NB_LIMIT_BODY_BYTES */
    const char *proxy;             /* http://, https:// or socks5:// URL; NULL: none */
    nb_http_reach reach;           /* 0: NB_HTTP_PUBLIC, the safe default */
    int max_redirects;             /* redirects followed, at most NB_LIMIT_REDIRECTS; 0: none
                                      (a 3xx is the answer, with its location) */
    const char *if_none_match;     /* conditional GET: the stored ETag */
    const char *if_modified_since; /* conditional GET: the stored Last-Modified */
    int64_t not_before_ms;         /* do not start before this nb_clock_monotonic_ms() */
    nb_http_retry retry;
    nb_http_done_fn done;
    void *user;
} nb_http_request;

nb_http *nb_http_new(const nb_http_options *options);
void nb_http_free(nb_http *http); /* NULL-safe; pending requests are dropped uncalled */

/* Queues a request; every field is copied. done is called exactly once, from nb_http_run. */
void nb_http_submit(nb_http *http, const nb_http_request *request);

/* Runs until no request is queued or in flight. */
void nb_http_run(nb_http *http);

/* The most requests that were in flight at once to one host:port, and overall. */
int nb_http_peak_per_host(nb_http *http, const char *host_key);
int nb_http_peak_in_flight(nb_http *http);

/* Why an IP address (IPv4 or IPv6 text, brackets allowed) is not a public one: "loopback",
 * "private", "link-local", "CGNAT", "multicast", "unspecified" or "reserved"; NULL for a
 * public unicast address. IPv4 inside IPv6 (mapped, NAT64, 6to4) is judged as IPv4. Text
 * that is no address is "not an IP address". */
const char *nb_http_address_kind(const char *address);

/* Whether Retry-After's value ("120" or an HTTP date) can be read: 1 with *seconds the wait
 * from now (0 for a time already past); 0 when absent or unreadable, *seconds untouched. */
int nb_http_parse_retry_after(const char *value, int64_t now, int64_t *seconds) NB_MUST_CHECK;

/* --- Mail: SMTP, the other protocol the engine's libcurl speaks ------------------------ */

typedef struct nb_smtp_message {
    const char *url;      /* smtps://host:465 (TLS), or smtp://host:587 */
    const char *username; /* SMTP AUTH, or NULL */
    const char *password;
    const char *from;      /* envelope sender address */
    const char *const *to; /* envelope recipients, NULL-terminated */
    const char *ca_file;   /* CA bundle, or NULL for the system's */
    int require_tls;       /* smtp://: insist on STARTTLS */
    const char *data;      /* the message, CRLF line ends */
    size_t len;
    long timeout_ms; /* 0: NB_LIMIT_TOTAL_TIMEOUT_MS */
} nb_smtp_message;

/* Sends one message and waits for the server's verdict. *reply receives the last SMTP reply
 * code (250 accepted, 4xx transient, 5xx permanent), 0 when none came. NB_OK only when the
 * server accepted the message. */
nb_err nb_smtp_send(const nb_smtp_message *message, long *reply, nb_errbuf *err) NB_MUST_CHECK;

#endif
