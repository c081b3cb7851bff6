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
    char *out = own(xmlSaveUri(uri));
    xmlFreeURI(uri);
    return out;
}

char *nb_url_escape_markdown(const char *url)
{
    nb_buf b;
    nb_buf_init(&b, 0);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        nb_err rc;
        if (*p <= 0x20 || *p == 0x7f || *p == '(' || *p == ')' || *p == '<' || *p == '>')
            rc = nb_buf_printf(&b, "%%%02X", *p);
        else
            rc = nb_buf_putc(&b, (char)*p);
        (void)rc; /* unlimited buffer: cannot fail */
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
    nb_buf_init(&b, 0);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        nb_err rc = isalnum(*p) || strchr("-._~", *p) ? nb_buf_putc(&b, (char)*p)
                                                      : nb_buf_printf(&b, "%%%02X", *p);
        (void)rc; /* unlimited buffer: cannot fail */
    }
    return nb_buf_take(&b);
}
