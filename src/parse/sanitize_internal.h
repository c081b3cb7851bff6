/* SPDX-License-Identifier: MIT */
/* Shared by the files of the feed HTML sanitizer (sanitize*.c) only: the walker that the SAX
 * events write through, the case-insensitive allow-list lookup, and the functions one file
 * offers the others (nb_san_*). */
#ifndef NB_PARSE_SANITIZE_INTERNAL_H
#define NB_PARSE_SANITIZE_INTERNAL_H

#include <libxml/HTMLparser.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static inline int by_name(const void *key, const void *item)
{
    return strcasecmp((const char *)key, *(const char *const *)item);
}

/* The list's spelling of name (case-insensitive), or NULL. The lists are kept sorted
 * case-insensitively for bsearch. */
static inline const char *lookup(const char *const *list, size_t n, const char *name)
{
    const char *const *hit = bsearch(name, list, n, sizeof(*list), by_name);
    return hit ? *hit : NULL;
}

#define IN(list, name) lookup(list, COUNT(list), name)

/* White space as CSS and URI attributes allow around a value. */
static inline int is_css_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

typedef struct open_element {
    const char *name; /* the name written, NULL when the tag was left out */
    unsigned void_element : 1, unacceptable : 1, svg : 1, mathml : 1;
} open_element;

typedef struct walker {
    htmlParserCtxtPtr ctxt;
    nb_buf out;
    const char *base; /* NULL: no resolution */
    int sanitize;     /* 0: only resolve relative URIs, write everything else back */
    int wrapper_open;
    open_element stack[NB_LIMIT_HTML_DEPTH];
    size_t depth;           /* open elements below the wrapper, even past the cap */
    size_t unacceptable;    /* open script/style/applet: their text is dropped */
    size_t svg, mathml;     /* open <svg> / <math> in their namespaces */
    const xmlChar *skip_at; /* input position of an entity name already written */
    int failed;             /* the output cap was hit */
} walker;

typedef struct attribute {
    const char *name;
    char *value; /* owned */
} attribute;

static inline void put(walker *w, const char *s, size_t len)
{
    if (!w->failed && nb_buf_append(&w->out, s, len) != NB_OK)
        w->failed = 1;
}

static inline void put_str(walker *w, const char *s)
{
    put(w, s, strlen(s));
}

/* sanitize_write.c: the output. */
/* An attribute value between double quotes, every '&' escaped. */
void nb_san_put_attribute_value(walker *w, const char *v);
/* Text with '&' and '<' escaped. */
void nb_san_put_text(walker *w, const char *s, size_t len);
/* Text that came from a character reference, written back as the author spelled it;
 * 0 (nothing written) when the text did not come from one. */
int nb_san_put_reference(walker *w, const char *text, size_t len);

/* sanitize_style.c: the declarations of a style attribute that are on the lists (in_svg:
 * SVG's too), as "prop: value;" joined by spaces; NULL when nothing is left. Caller frees. */
char *nb_san_clean_style(const char *style, int in_svg);

/* sanitize_uri.c: attribute a of element tag as written out (relative URIs resolved against
 * w->base, unsafe schemes emptied when sanitizing), or NULL to leave it out. Caller frees. */
char *nb_san_attribute_out(walker *w, const char *tag, const attribute *a);

#endif
