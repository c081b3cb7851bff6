/* SPDX-License-Identifier: MIT */
/* URLs: resolving links against a base, canonical form, host and port for politeness,
 * and the escaping that keeps a URL from breaking Markdown. Parsing is libxml2's RFC 3986
 * URI code. Every returned string is the caller's to free. */
#ifndef NB_CORE_URL_H
#define NB_CORE_URL_H

#include "core/err.h"

/* ref resolved against base; NULL when either cannot be parsed. */
char *nb_url_resolve(const char *base, const char *ref);

/* 1 when url is an absolute http:// or https:// URL with a host. */
int nb_url_is_http(const char *url);

/* "host:port" with the host lowercased and the scheme's default port filled in; NULL when
 * url has no host. Requests to the same key share a politeness budget. */
char *nb_url_host_key(const char *url);

/* An article's identity as a URL, by the rules true of every site: lowercase scheme and
 * host, no default port, no fragment, no trailing slash, no tracking parameters (utm_*,
 * spm, from, share_*, fbclid, gclid, ...). A site's own aliases are its adapter's to fold
 * (nb_source_canonical_url). NULL when url is not an absolute http(s) URL. */
char *nb_url_canonical(const char *url);

/* The host (lowercased) and path (percent-decoded; "/" when empty) of an absolute http(s)
 * URL into *host and *path, the caller's to free; NB_ERR_PARSE with both NULL when url is
 * not one. */
nb_err nb_url_host_path(const char *url, char **host, char **path) NB_MUST_CHECK;

/* Copy of url with space, '(', ')', '<', '>' and control bytes percent-encoded, so the URL
 * can stand inside Markdown's (...) or <...>. */
char *nb_url_escape_markdown(const char *url);

/* text percent-encoded for a query value: everything but A-Z a-z 0-9 - . _ ~ becomes %XX. */
char *nb_url_encode_component(const char *text);

/* Replaces scheme, host and port of url with those of base (a "scheme://host[:port]" URL),
 * keeping path and query. NULL when either cannot be parsed. */
char *nb_url_rebase(const char *url, const char *base);

#endif
