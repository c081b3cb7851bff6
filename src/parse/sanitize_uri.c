/* SPDX-License-Identifier: MIT */
/* URIs in the feed HTML sanitizer: relative ones resolved against the document's base the way
 * feedparser resolves them, and every attribute a browser loads or follows checked against
 * the allowed schemes (an unsafe value is written empty). */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "parse/sanitize_internal.h"

/* The URI schemes feedparser accepts, sorted for bsearch. */
/* clang-format off */
static const char *const uri_schemes[] = {
    "aim", "callto", "cvs", "facetime", "feed", "file", "ftp", "git", "gopher", "gtalk", "h323",
    "hdl", "http", "https", "imap", "irc", "irc6", "ircs", "itms", "magnet", "mailto", "mms",
    "msnim", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip",
    "sips", "skype", "smb", "snews", "ssh", "svn", "svn+ssh", "telnet", "wais", "ymsg",
};
/* clang-format on */

/* (element, attribute) pairs whose value is a URI relative to the document: feedparser's
 * relative_uris. */
static const struct {
    const char *element, *attribute;
} relative_uris[] = {
    {"a", "href"},          {"applet", "codebase"}, {"area", "href"},    {"audio", "src"},
    {"blockquote", "cite"}, {"body", "background"}, {"del", "cite"},     {"form", "action"},
    {"frame", "longdesc"},  {"frame", "src"},       {"head", "profile"}, {"iframe", "longdesc"},
    {"iframe", "src"},      {"img", "longdesc"},    {"img", "src"},      {"img", "usemap"},
    {"input", "src"},       {"input", "usemap"},    {"ins", "cite"},     {"link", "href"},
    {"object", "classid"},  {"object", "codebase"}, {"object", "data"},  {"object", "usemap"},
    {"q", "cite"},          {"script", "src"},      {"source", "src"},   {"video", "poster"},
    {"video", "src"},
};

/* Attributes whose value a browser loads or follows as a URI: their scheme must be on the
 * list whatever the element (feedparser itself checks only href). */
static const char *const uri_attributes[] = {
    "action", "background", "cite", "classid",  "codebase",   "data",
    "dynsrc", "href",       "icon", "longdesc", "lowsrc",     "ping",
    "poster", "profile",    "src",  "usemap",   "xlink:href", "xml:base"};

/* The scheme as Python's urlsplit finds it (leading controls and spaces skipped, tabs and
 * newlines ignored), lower-cased into buf; "" when the URI has none. */
static const char *uri_scheme(const char *uri, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)uri;
    while (*p && *p <= ' ')
        p++;
    size_t n = 0;
    for (; *p && *p != ':'; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r')
            continue;
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (n && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'));
        if (!ok || n + 1 >= size)
            return "";
        buf[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    buf[n] = '\0';
    return *p == ':' ? buf : "";
}

static int uri_safe(const char *uri)
{
    char buf[32];
    const char *scheme = uri_scheme(uri, buf, sizeof(buf));
    return !*scheme || IN(uri_schemes, scheme) != NULL;
}

static int is_relative_uri(const char *element, const char *attr)
{
    for (size_t i = 0; i < COUNT(relative_uris); i++)
        if (strcmp(relative_uris[i].element, element) == 0 &&
            strcmp(relative_uris[i].attribute, attr) == 0)
            return 1;
    return 0;
}

/* uri with space, controls, non-ASCII bytes and the characters RFC 3986 never allows
 * percent-encoded; '%' and the delimiters stay as they are. */
static char *escape_uri(const char *uri)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(uri);
    char *out = nb_xmalloc(len * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p <= ' ' || *p >= 0x7F || strchr("\"<>\\^`{|}", *p)) {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        } else {
            *o++ = (char)*p;
        }
    }
    *o = '\0';
    return out;
}

/* value resolved against base the way feedparser does (white space trimmed, extra slashes
 * after "scheme://" dropped); NULL when it cannot be resolved. */
static char *resolve(const char *base, const char *value)
{
    while (*value && is_css_space(*value))
        value++;
    size_t len = strlen(value);
    while (len && is_css_space(value[len - 1]))
        len--;
    if (len > NB_LIMIT_URL_BYTES)
        return NULL;
    char *ref = nb_xstrndup(value, len);
    char *colon = strstr(ref, "://");
    if (colon) {
        int scheme = colon > ref && ((*ref >= 'a' && *ref <= 'z') || (*ref >= 'A' && *ref <= 'Z'));
        for (const char *p = ref; scheme && p < colon; p++)
            scheme = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.",
                            *p) != NULL;
        char *rest = colon + 3, *slashes = rest;
        while (scheme && *slashes == '/')
            slashes++;
        if (slashes > rest)
            memmove(rest, slashes, strlen(slashes) + 1);
    }
    char scheme[32];
    if (*uri_scheme(ref, scheme, sizeof(scheme)))
        return ref; /* absolute already: kept as written, as urljoin keeps it */
    char *resolved = nb_url_resolve(base, ref);
    if (!resolved) {
        /* libxml2 rejects raw spaces and non-ASCII ("/tag/人工智能"), which feeds do write
         * and browsers accept: percent-encode them and try again. */
        char *escaped = escape_uri(ref);
        resolved = nb_url_resolve(base, escaped);
        free(escaped);
    }
    free(ref);
    return resolved;
}

/* The attribute's value as written out, or NULL to leave it out. */
char *nb_san_attribute_out(walker *w, const char *tag, const attribute *a)
{
    char *value = nb_xstrdup(a->value);
    if (w->base && is_relative_uri(tag, a->name)) {
        char *resolved = resolve(w->base, value);
        /* feedparser keeps the value as written when it will not resolve it. */
        if (resolved && uri_safe(resolved)) {
            free(value);
            value = resolved;
        } else {
            free(resolved);
        }
    }
    if (w->sanitize && IN(uri_attributes, a->name) && !uri_safe(value))
        value[0] = '\0';
    return value;
}

int nb_html_uri_scheme_allowed(const char *uri)
{
    char buf[32];
    const char *scheme = uri_scheme(uri, buf, sizeof(buf));
    return *scheme && IN(uri_schemes, scheme) != NULL;
}
