/* SPDX-License-Identifier: MIT */
/* Error messages: bounded formatting into a caller's buffer; never allocates. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

nb_err nb_errf(nb_errbuf *err, nb_err code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void nb_err_prefix(nb_errbuf *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[NB_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char joined[2 * NB_ERRBUF_SIZE + 2];
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    memcpy(err->msg, joined, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
}

const char *nb_err_name(nb_err code)
{
    switch (code) {
    case NB_OK:
        return "ok";
    case NB_ERR_USAGE:
        return "usage";
    case NB_ERR_CONFIG:
        return "config";
    case NB_ERR_IO:
        return "io";
    case NB_ERR_STORE:
        return "store";
    case NB_ERR_NETWORK:
        return "network";
    case NB_ERR_HTTP:
        return "http";
    case NB_ERR_PARSE:
        return "parse";
    case NB_ERR_SCHEMA:
        return "schema";
    case NB_ERR_LIMIT:
        return "limit";
    case NB_ERR_BLOCKED:
        return "blocked";
    case NB_ERR_LOCKED:
        return "locked";
    case NB_ERR_REFUSED:
        return "refused";
    case NB_ERR_INTERNAL:
        return "internal";
    case NB_ERR_FAILED:
        return "failed";
    }
    return "unknown";
}
