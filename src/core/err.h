/* SPDX-License-Identifier: MIT */
/* Error codes and the caller-owned message buffer every fallible function fills.
 * Convention, across the library and the commands alike: a fallible function returns nb_err
 * (NB_OK == 0) and gives its results through out-parameters; on failure it writes one line,
 * naming the thing that failed and why, into the caller's nb_errbuf (a command prints its
 * own message instead). A predicate ("whether ...") returns int 1 or 0. Not -1 for
 * "failed", and never an exit status: only app/main.c turns a command's nb_err into the
 * process's exit status. */
#ifndef NB_CORE_ERR_H
#define NB_CORE_ERR_H

#include <stddef.h>

#define NB_MUST_CHECK __attribute__((warn_unused_result))
#define NB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef enum nb_err {
    NB_OK = 0,
    NB_ERR_USAGE,   /* bad command line */
    NB_ERR_CONFIG,  /* bad configuration file or value */
    NB_ERR_IO,      /* file system */
    NB_ERR_STORE,   /* database */
    NB_ERR_NETWORK, /* DNS, connect, TLS, timeout */
    NB_ERR_HTTP,    /* non-2xx answer */
    NB_ERR_PARSE,   /* bytes are not the promised format */
    NB_ERR_SCHEMA,  /* parsed, but a field is missing or mistyped */
    NB_ERR_LIMIT,   /* a cap from core/limits.h was hit */
    NB_ERR_BLOCKED, /* the site refuses us (anti-bot page, 403, 429) */
    NB_ERR_LOCKED,  /* another run holds the lock */
    NB_ERR_REFUSED, /* a discovered URL led to a private address */
    NB_ERR_INTERNAL,
    NB_ERR_FAILED, /* the work ran and part of it failed (no source succeeded, a channel
                    * failed, an unhealthy status); each cause was reported where it arose */
} nb_err;

#define NB_ERRBUF_SIZE 512

typedef struct nb_errbuf {
    char msg[NB_ERRBUF_SIZE]; /* one line, NUL-terminated; empty when no error */
} nb_errbuf;

/* Formats the message into err (when not NULL) and returns code. */
nb_err nb_errf(nb_errbuf *err, nb_err code, const char *fmt, ...) NB_PRINTF(3, 4);

/* Prepends "prefix: " to the message already in err. */
void nb_err_prefix(nb_errbuf *err, const char *fmt, ...) NB_PRINTF(2, 3);

/* A short stable name for a code ("network", "parse", ...). */
const char *nb_err_name(nb_err code);

#endif
