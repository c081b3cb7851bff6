/* Parsers: bytes in, values out. No network, no disk, no globals.
 * - feed: RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents, read with libxml2 without
 *   network access or entity expansion.
 * - html: HTML fragments and pages reduced to readable plain text, with gumbo.
 * - sanitize: HTML fragments from feeds made safe to display (allow-lists), libxml2.
 * - charset: bytes in a named character set to valid UTF-8, through iconv. */
#ifndef NB_PARSE_PARSE_H
#define NB_PARSE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"

typedef struct nb_arena nb_arena;

/* One entry of a feed. Strings live in the feed's arena; any may be NULL. */
typedef struct nb_feed_entry {
    const char *id;           /* guid / atom:id */
    const char *title;        /* as given (may hold HTML entities already decoded) */
    const char *link;         /* absolute URL (resolved against the feed's base) */
    const char *summary_html; /* description / summary */
    const char *content_html; /* content:encoded / atom:content */
    const char *image;        /* enclosure or media:content/thumbnail of an image type */
    const char *date_text;    /* the publication date as written */
    int64_t published;        /* UTC seconds; valid when has_published */
    int has_published;
} nb_feed_entry;

typedef struct nb_feed {
    const char *version; /* feedparser's names: "rss20", "rss10", "atom10", "" unknown */
    const char *title;
    const char *link;
    nb_feed_entry *entries;
    size_t entry_count;
    nb_arena *arena; /* owns everything above */
} nb_feed;

/* Parses a feed. base_url resolves relative links. Times without an offset are UTC.
 * Not a feed (HTML, JSON, garbage) is NB_ERR_PARSE naming what was found. */
nb_err nb_feed_parse(const char *data, size_t len, const char *base_url, const char *content_type,
                     nb_feed **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_feed_free(nb_feed *feed); /* NULL-safe */

/* Plain text of an HTML fragment or page: scripts, styles and comments dropped, block
 * elements become paragraph breaks ("\n\n"), runs of white space collapse. Caller frees. */
char *nb_html_to_text(const char *html, size_t len);

/* The first <img> of an HTML fragment worth showing: src resolved against base (and
 * "//host/..." made https), data: URIs and 1x1 pixels skipped. NULL when none. */
char *nb_html_first_image(const char *html, size_t len, const char *base);

/* A feed read as feedparser reads it: the result dictionary of feedparser's JSON contract
 * (bozo, bozo_exception, encoding, version, namespaces, headers, href, status, feed,
 * entries, ...). url is the document's address (the base of relative links); headers are
 * the HTTP response headers ({"Content-Type": ...}; NULL or {} when there are none). Never
 * fails: problems are reported in bozo. Caller owns the result (json_decref). */
json_t *nb_feed_parse_dict(const char *data, size_t len, const char *url, json_t *headers);

/* Internal to parse/: JSON Feed (feed_json.c). nb_feed_is_json says whether the document
 * is a JSON object; nb_feed_parse_json reads it into the same dictionary. */
int nb_feed_is_json(const char *data, size_t len);
json_t *nb_feed_parse_json(const char *data, size_t len, const char *url);

/* How the feed's bytes were decoded (internal to parse/: feed_encoding.c for feed.c). */
typedef struct nb_feed_encoding {
    char name[64];         /* the encoding used, "" when none worked */
    int bozo;              /* 1 when the declarations disagreed or were not XML's */
    const char *exception; /* feedparser's exception class name when bozo */
    char message[256];
} nb_feed_encoding;

/* The feed as UTF-8, with an XML declaration that does not contradict it. content_type is
 * the HTTP header's
 * value, or NULL when the document came without one (its own declaration decides then).
 * Caller frees. */
char *nb_feed_to_utf8(const char *data, size_t len, const char *content_type, nb_feed_encoding *enc,
                      size_t *out_len);

/* Sanitizes an HTML fragment from a feed for display: an allow-list of elements and
 * attributes (feedparser's acceptable_elements / acceptable_attributes, incl. MathML and
 * SVG lists), scripts/styles/event handlers/javascript: and other unsafe URI schemes and
 * dangerous CSS removed; when base_url is not NULL, relative URIs in URI-valued
 * attributes are resolved against it first. html must be UTF-8. Returns a NUL-terminated
 * UTF-8 string the caller frees; NULL when len exceeds NB_LIMIT_FIELD_BYTES. Elements
 * nested deeper than NB_LIMIT_HTML_DEPTH are left out with their text. */
char *nb_html_sanitize(const char *html, size_t len, const char *base_url);

/* The fragment written back with relative URIs (a href, img src, ... as feedparser lists
 * them) resolved against base_url and nothing removed, for HTML that is shown unsanitized.
 * Same ownership and caps as nb_html_sanitize. */
char *nb_html_resolve_uris(const char *html, size_t len, const char *base_url);

/* 1 when uri has a scheme a reader may follow (http, https, mailto, ...: the sanitizer's
 * list); 0 for other schemes and for relative references. */
int nb_html_uri_scheme_allowed(const char *uri);

/* 1 when the sanitizer keeps elements of this lower-case name (HTML's list; SVG and
 * MathML elements are judged in their own context). */
int nb_html_element_allowed(const char *name);

/* Converts len bytes in charset (an IANA/WHATWG label: "gb2312", "big5", "utf-16le",
 * "windows-1252", ...) to UTF-8. Undecodable bytes become U+FFFD, each counted in
 * *invalid (may be NULL). Returns a NUL-terminated string the caller frees, its length in
 * *out_len (may be NULL), or NULL when iconv does not know the charset. */
char *nb_charset_to_utf8(const char *bytes, size_t len, const char *charset, size_t *out_len,
                         size_t *invalid);
/* 1 when nb_charset_to_utf8 can convert from charset. */
int nb_charset_known(const char *charset);

#endif
