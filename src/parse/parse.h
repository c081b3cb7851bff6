/* SPDX-License-Identifier: MIT */
/* Parsers: bytes in, values out. No network, no disk, no globals.
 * - feed: RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents, read with libxml2 without
 *   network access or entity expansion.
 * - html: HTML fragments and pages reduced to readable plain text, with gumbo.
 * - sanitize: HTML fragments from feeds made safe to display (allow-lists), libxml2.
 * - charset: bytes in a named character set to valid UTF-8, through iconv; a page's
 *   charset found from its BOM, HTTP header, <meta> or by detection (uchardet).
 * - dom: one HTML tree for gumbo's and libxml2's parse, with the input guards.
 * - select: a small CSS selector subset matched on that tree.
 * - extract: an article page's main text and metadata. */
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
    const char *image;        /* enclosure or media:content/thumbnail of an image type, else
                                 the first picture in the content or summary HTML */
    const char *author;       /* dc:creator, author or atom:author's name (else the feed's) */
    const char *date_text;    /* the publication date as written */
    int64_t published;        /* UTC seconds; valid when has_published */
    int has_published;
} nb_feed_entry;

typedef struct nb_feed {
    const char *version; /* feedparser's names: "rss20", "rss10", "atom10", "" unknown */
    const char *title;
    const char *link;
    const char *author; /* the feed's author (Atom: the entries' default), or NULL */
    nb_feed_entry *entries;
    size_t entry_count;
    nb_arena *arena; /* owns everything above */
} nb_feed;

/* Parses a feed. base_url resolves relative links. Times without an offset are UTC.
 * Not a feed (HTML, JSON, garbage) is NB_ERR_PARSE naming what was found. */
nb_err nb_feed_parse(const char *data, size_t len, const char *base_url, const char *content_type,
                     nb_feed **out, nb_errbuf *err) NB_MUST_CHECK;
/* The same view of a result of nb_feed_parse_dict (not taken: the caller still owns it);
 * data and len are the document it was read from, named in the error when it is not a
 * feed. nb_feed_parse is nb_feed_parse_dict then this. */
nb_err nb_feed_from_dict(json_t *dict, const char *data, size_t len, const char *base_url,
                         nb_feed **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_feed_free(nb_feed *feed); /* NULL-safe */

/* Plain text of an HTML fragment or page: scripts, styles and comments dropped, block
 * elements become paragraph breaks ("\n\n"), runs of white space collapse. Caller frees. */
char *nb_html_to_text(const char *html, size_t len);

/* Attributes left out of tags that had more than NB_LIMIT_HTML_ATTRS (HTML parsers check
 * each new attribute against the tag's others, so their time grows with the square of the
 * count; broken pages that spill text into a tag reach thousands). */
typedef struct nb_attr_cut {
    size_t tags;    /* tags over the cap */
    size_t most;    /* the most attributes one of them had */
    size_t dropped; /* attributes left out, in all */
} nb_attr_cut;

/* html with every tag's attributes past the NB_LIMIT_HTML_ATTRS-th left out, *cuts saying
 * what went. NULL when no tag is over the cap (html serves as it is); else a copy the
 * caller frees, its length in *out_len. Comments and the raw text of script and style are
 * copied untouched. */
char *nb_html_cap_attrs(const char *html, size_t len, size_t *out_len, nb_attr_cut *cuts);

/* The first <img> of an HTML fragment worth showing: src resolved against base (and
 * "//host/..." made https), data: URIs and 1x1 pixels skipped. NULL when none; else a
 * string the caller frees. */
char *nb_html_first_image(const char *html, size_t len, const char *base);

/* A feed read as feedparser reads it: the result dictionary of feedparser's JSON contract
 * (bozo, bozo_exception, encoding, version, namespaces, headers, href, status, feed,
 * entries, ...). url is the document's address (the base of relative links); headers are
 * the HTTP response headers ({"Content-Type": ...}; NULL or {} when there are none). Never
 * fails: problems are reported in bozo. Caller owns the result (json_decref). */
json_t *nb_feed_parse_dict(const char *data, size_t len, const char *url, json_t *headers);

/* Internal to parse/: JSON Feed (feed_json.c). nb_feed_is_json says whether the document
 * is a JSON object; nb_feed_parse_json reads it into the same dictionary, which the caller
 * owns (json_decref). */
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
 * UTF-8 string the caller frees; only the first NB_LIMIT_FIELD_BYTES of a longer fragment
 * are read (cut before a tag); NULL when the output would pass its own cap. Elements
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
 * *out_len (may be NULL), or NULL when iconv does not know the charset or the text would
 * pass NB_LIMIT_TEXT_BYTES (each byte makes at most 3: a body of NB_LIMIT_BODY_BYTES fits). */
char *nb_charset_to_utf8(const char *bytes, size_t len, const char *charset, size_t *out_len,
                         size_t *invalid);
/* 1 when nb_charset_to_utf8 can convert from charset. */
int nb_charset_known(const char *charset);
/* The charset=... value in s (len bytes of a Content-Type or a <meta> content
 * attribute), quotes and spaces around it dropped, copied into out; 0 when none. */
int nb_charset_param(const char *s, size_t len, char *out, size_t cap);

/* The charset of an HTML page: a byte order mark, then the charset of content_type (the
 * HTTP Content-Type header, may be NULL), then <meta charset> or <meta http-equiv> in
 * the first 1024 bytes, then valid UTF-8, then detection with uchardet, else
 * windows-1252. Returns a static name iconv knows. */
const char *nb_charset_detect(const char *bytes, size_t len, const char *content_type);
/* uchardet's guess alone (no BOM, header or <meta>), as a static name iconv knows; NULL
 * when it has none. */
const char *nb_charset_guess(const char *bytes, size_t len);
/* 1 when bytes is well-formed UTF-8 throughout. */
int nb_charset_is_utf8(const char *bytes, size_t len);
/* The page as UTF-8 (nb_charset_detect then nb_charset_to_utf8), BOM stripped. Caller
 * frees; the length goes to *out_len (may be NULL); the charset used to *charset (may be
 * NULL, static). */
char *nb_charset_page_to_utf8(const char *bytes, size_t len, const char *content_type,
                              size_t *out_len, const char **charset);

/* An HTML tree, the same whichever parser built it. Elements have a lowercase name;
 * text nodes have name NULL and text (entities decoded). Everything lives in the
 * document's arena until nb_hdoc_free. The tree may be edited with nb_hnode_remove and
 * nb_hnode_append. */
typedef struct nb_hnode nb_hnode;
struct nb_hnode {
    nb_hnode *parent, *first, *last, *prev, *next;
    const char *name;    /* element name, lowercase; NULL for a text node */
    const char *text;    /* a text node's text (UTF-8); NULL for an element */
    const char **attrs;  /* attr_count (name, value) pairs, names lowercase */
    unsigned attr_count; /* attributes of an element */
    unsigned tag;        /* the element's gumbo tag number (GUMBO_TAG_UNKNOWN when custom) */
    unsigned id;         /* 0..node_count-1 in document order at parse time */
};

typedef struct nb_hdoc {
    nb_hnode *root;       /* the <html> element */
    size_t node_count;    /* nodes created (ids below this) */
    int deep;             /* 1 when the page was deeper than NB_LIMIT_HTML_DEPTH (libxml2) */
    nb_arena *arena;      /* owns every node and string (a copy's strings: its original's) */
    nb_hnode *nodes;      /* a copy's nodes, indexed by id, one block; NULL after a parse */
    nb_attr_cut attr_cut; /* attributes past the per-tag cap, left out of the tree */
} nb_hdoc;

/* Parses a UTF-8 page (invalid sequences are replaced, a BOM is skipped). Pages nested
 * deeper than NB_LIMIT_HTML_DEPTH go to libxml2's parser. Attributes of a tag past the
 * NB_LIMIT_HTML_ATTRS-th are left out (doc->attr_cut counts them). A page larger than
 * NB_LIMIT_BODY_BYTES, with more than NB_LIMIT_HTML_PARSE_BYTES besides scripts and
 * styles, or more than NB_LIMIT_HTML_NODES nodes is NB_ERR_LIMIT. */
nb_err nb_hdoc_parse(const char *html, size_t len, nb_hdoc **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_hdoc_free(nb_hdoc *doc); /* NULL-safe */
/* A copy of doc's tree to edit, in time linear in its nodes (no parse): the nodes are new
 * (same ids), their strings are doc's, so doc must outlive the copy and stay unchanged.
 * reuse, when not NULL, is an earlier copy of the same doc, overwritten (its memory kept)
 * and returned. Free with nb_hdoc_free. */
nb_hdoc *nb_hdoc_copy(const nb_hdoc *doc, nb_hdoc *reuse);
/* The value of attribute name, or NULL. Borrowed: it lives in the doc's arena. */
const char *nb_hnode_attr(const nb_hnode *n, const char *name);
/* Detaches n (and its subtree) from its parent. */
void nb_hnode_remove(nb_hnode *n);
/* Detaches child from where it is and appends it to parent's children. */
void nb_hnode_append(nb_hnode *parent, nb_hnode *child);
/* A new detached element (name lowercase, no attributes) in doc's arena. */
nb_hnode *nb_hnode_new(nb_hdoc *doc, const char *name);
/* The next node in document order inside the subtree of top (NULL after the last).
 * With skip_children set, n's own subtree is skipped. The node is the doc's (borrowed). */
nb_hnode *nb_hnode_next(const nb_hnode *n, const nb_hnode *top, int skip_children);
/* 1 when n is an element of HTML's block elements (p, div, li, headings, tables, their
 * rows and cells, sections ...): where a run of text ends. Not <br>. */
int nb_hnode_is_block(const nb_hnode *n);

/* A selector: the CSS subset of type, .class, #id, [attr], [attr=value], the descendant
 * (space) and child (>) combinators and comma lists, e.g.
 * "article .content > p, div#main". Compiled once, matched on nb_hnode trees. */
typedef struct nb_selector nb_selector;
nb_err nb_selector_compile(const char *text, nb_selector **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_selector_free(nb_selector *sel); /* NULL-safe */
/* 1 when n matches. Matching spends from a budget of ancestor steps the selector gets
 * when compiled (enough for any real page); once spent, nothing matches. */
int nb_selector_matches(nb_selector *sel, const nb_hnode *n);
/* 1 when the budget ran out (the page was too deep or large for this selector). */
int nb_selector_exhausted(const nb_selector *sel);
/* The first element under top (top included) in document order that matches; NULL if none.
 * The node is top's doc's (borrowed). */
nb_hnode *nb_selector_first(nb_selector *sel, nb_hnode *top);

/* Per-site selectors for nb_extract; each may be NULL (generic extraction then). */
typedef struct nb_extract_opts {
    const char *content; /* elements whose text is the article (all matches, in order) */
    const char *title;   /* the headline element */
    const char *time;    /* the element holding the publication time (datetime or text) */
    const char *image;   /* the lead image (img src, or content/href) */
} nb_extract_opts;

/* What nb_extract finds on an article page. Strings live in the article's arena; any may
 * be NULL except text ("" when nothing is found). */
typedef struct nb_article {
    const char *title;     /* headline, without " | Site" suffixes */
    const char *byline;    /* author(s) as the page names them */
    const char *excerpt;   /* description, else the first paragraph */
    const char *site_name; /* og:site_name, JSON-LD publisher, ... */
    const char *published; /* as the metadata states it, verbatim; else ISO 8601 from
                              a date found in the visible text */
    const char *lang;      /* <html lang> or content-language, as written */
    const char *dir;       /* "ltr" or "rtl" when declared */
    const char *image;     /* lead image, absolute URL */
    const char *charset;   /* the charset the page was decoded from */
    const char *text;      /* main text: paragraphs separated by blank lines */
    int readerable;        /* 1 when the page looks like an article */
    const char *warning;   /* what was left out of the page to stay within a cap (the
                              page was still read), else NULL */
    nb_arena *arena;       /* owns everything above */
} nb_article;

/* Extracts the article from a page's raw bytes (any charset; content_type, the HTTP
 * header, may be NULL). url resolves relative links (may be NULL). opts may be NULL.
 * Errors: NB_ERR_LIMIT (a cap hit, named), NB_ERR_CONFIG (a selector that does not
 * compile). Free with nb_article_free. */
nb_err nb_extract(const char *bytes, size_t len, const char *url, const char *content_type,
                  const nb_extract_opts *opts, nb_article **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_article_free(nb_article *article); /* NULL-safe */

#endif
