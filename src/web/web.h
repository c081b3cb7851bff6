/* SPDX-License-Identifier: MIT */
/* The archive on the web: server-rendered pages, feeds out (Atom, RSS, JSON Feed), a JSON
 * API, /metrics and /healthz over libmicrohttpd's thread pool. Read-only: every worker
 * thread has its own read-only connection to the database (SQLite WAL), so a run can write
 * while the archive serves. */
#ifndef NB_WEB_WEB_H
#define NB_WEB_WEB_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

typedef struct nb_web nb_web;

#define NB_WEB_DEFAULT_LISTEN "127.0.0.1:8080"

typedef struct nb_web_options {
    const char *listen; /* "ADDR:PORT" (port 0: any free port); NULL: config->web.listen, else
                           NB_WEB_DEFAULT_LISTEN */
    int heartbeat;      /* started by the daemon: /healthz reports the age of the last
                           nb_web_heartbeat and answers 503 past web.heartbeat_max_age */
} nb_web_options;

/* Migrates the database (opening it for writing once), binds the address and starts the
 * worker threads. The server copies what it needs from config, which the caller may free
 * afterwards. The display zone (nb_time_set_zone) must be set before. Errors name the
 * address or the database. */
nb_err nb_web_start(const nb_config *config, const nb_web_options *options, nb_web **out,
                    nb_errbuf *err) NB_MUST_CHECK;

/* The port bound (useful with port 0) and the address as "http://127.0.0.1:8080"
 * (borrowed until nb_web_stop). */
int nb_web_port(const nb_web *web);
const char *nb_web_url(const nb_web *web);

/* The daemon is alive: /healthz measures its age from now (monotonic clock). Thread-safe. */
void nb_web_heartbeat(nb_web *web);

/* Stops accepting, lets the requests in flight finish, closes every connection and frees.
 * NULL-safe. */
void nb_web_stop(nb_web *web);

#endif
