/* SPDX-License-Identifier: MIT */
/* URL helpers over libxml2's URI parser (xmlParseURI / xmlBuildURI). */
#include "core/url.h"

#include <ctype.h>
#include <libxml/uri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"

static char *own(xmlChar *s)
{
    if (!s)
        return NULL;
    char *copy = nb_xstrdup((const char *)s);
    xmlFree(s);
    return copy;
}

static xmlURIPtr parse_http(const char *url)
{
    if (!url || strlen(url) > NB_LIMIT_URL_BYTES)
        return NULL;
    xmlURIPtr uri = xmlParseURI(url);
    if (!uri)
        return NULL;
    if (!uri->scheme || !uri->server || !*uri->server ||
        (strcasecmp(uri->scheme, "http") != 0 && strcasecmp(uri->scheme, "https") != 0)) {
        xmlFreeURI(uri);
        return NULL;
    }
    return uri;
}

static int default_port(const char *scheme)
{
    return strcasecmp(scheme, "https") == 0 ? 443 : 80;
}

static void lowercase(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

char *nb_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    if (!base || !*base)
        return nb_xstrdup(ref);
    return own(xmlBuildURI((const xmlChar *)ref, (const xmlChar *)base));
}

int nb_url_is_http(const char *url)
{
    xmlURIPtr uri = parse_http(url);
    xmlFreeURI(uri);
    return uri != NULL;
}

char *nb_url_host_key(const char *url)
{
    xmlURIPtr uri = parse_http(url);
    if (!uri)
        return NULL;
    int port = uri->port > 0 ? uri->port : default_port(uri->scheme);
    char *key = nb_xasprintf("%s:%d", uri->server, port);
    lowercase(key);
    xmlFreeURI(uri);
    return key;
}

/* Query parameters that only say where a reader came from. */
static int tracking_param(const char *name, size_t len)
{
    static const char *const exact[] = {"spm",     "from",    "fbclid", "gclid",  "dclid",
                                        "msclkid", "yclid",   "igshid", "mc_cid", "mc_eid",
                                        "ref",     "ref_src", "scene",  "srcid",  "isappinstalled",
                                        "wfr",     NULL};
    static const char *const prefixes[] = {"utm_", "share_", "__", NULL};
    for (const char *const *x = exact; *x; x++)
        if (strlen(*x) == len && strncasecmp(name, *x, len) == 0)
            return 1;
    for (const char *const *x = prefixes; *x; x++)
        if (len >= strlen(*x) && strncasecmp(name, *x, strlen(*x)) == 0)
            return 1;
    return 0;
}

/* The query without tracking parameters; NULL when nothing is left. */
static char *clean_query(const char *query)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    for (const char *p = query; *p;) {
        size_t len = strcspn(p, "&");
        size_t name = strcspn(p, "=&");
        if (len && !tracking_param(p, name < len ? name : len) &&
            (nb_buf_puts(&b, b.len ? "&" : "") || nb_buf_append(&b, p, len)))
            break;
        p += len;
        if (*p == '&')
            p++;
    }
    if (!b.len) {
        nb_buf_free(&b);
        return NULL;
    }
    return nb_buf_take(&b);
}

char *nb_url_canonical(const char *url)
{
    xmlURIPtr uri = parse_http(url);
    if (!uri)
        return NULL;
    lowercase(uri->scheme);
    lowercase(uri->server);
    if (uri->port == default_port(uri->scheme))
        uri->port = 0;
    xmlFree(uri->fragment);
    uri->fragment = NULL;
    if (!uri->path || !*uri->path) {
        xmlFree(uri->path);
        uri->path = (char *)xmlStrdup((const xmlChar *)"/");
    }
    size_t plen = strlen(uri->path);
    if (plen > 1 && uri->path[plen - 1] == '/')
        uri->path[plen - 1] = '\0'; /* "/a/" and "/a" are one page */
    if (uri->query_raw) {
        char *query = clean_query(uri->query_raw);
        xmlFree(uri->query_raw);
        xmlFree(uri->query);
        uri->query = NULL;
        uri->query_raw = query ? (char *)xmlStrdup((const xmlChar *)query) : NULL;
        free(query);
    }
    char *out = own(xmlSaveUri(uri));
    xmlFreeURI(uri);
    return out;
}

nb_err nb_url_host_path(const char *url, char **host, char **path)
{
    *host = *path = NULL;
    xmlURIPtr uri = parse_http(url);
    if (!uri)
        return NB_ERR_PARSE;
    *host = nb_xstrdup(uri->server);
    lowercase(*host);
    *path = nb_xstrdup(uri->path && *uri->path ? uri->path : "/");
    xmlFreeURI(uri);
    return NB_OK;
}

char *nb_url_escape_markdown(const char *url)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        nb_err rc;
        if (*p <= 0x20 || *p == 0x7f || *p == '(' || *p == ')' || *p == '<' || *p == '>')
            rc = nb_buf_printf(&b, "%%%02X", *p);
        else
            rc = nb_buf_putc(&b, (char)*p);
        (void)rc; /* capped above what capped input makes: cannot fail */
    }
    return nb_buf_take(&b);
}

char *nb_url_rebase(const char *url, const char *base)
{
    xmlURIPtr target = parse_http(url);
    xmlURIPtr origin = parse_http(base);
    char *out = NULL;
    if (target && origin) {
        xmlFree(target->scheme);
        xmlFree(target->server);
        target->scheme = (char *)xmlStrdup((const xmlChar *)origin->scheme);
        target->server = (char *)xmlStrdup((const xmlChar *)origin->server);
        target->port = origin->port;
        out = own(xmlSaveUri(target));
    }
    xmlFreeURI(target);
    xmlFreeURI(origin);
    return out;
}

char *nb_url_encode_component(const char *text)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        nb_err rc = isalnum(*p) || strchr("-._~", *p) ? nb_buf_putc(&b, (char)*p)
                                                      : nb_buf_printf(&b, "%%%02X", *p);
        (void)rc; /* capped above what capped input makes: cannot fail */
    }
    return nb_buf_take(&b);
}
