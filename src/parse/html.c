/* HTML to plain text. gumbo parses HTML5 correctly but its time grows with the square of
 * the nesting depth, so a pre-scan sends deeper documents to libxml2's HTML parser (with
 * XML_PARSE_HUGE, linear at any depth). Both walks are iterative, so no depth can exhaust
 * the C stack; text is collected with white space collapsed and block boundaries turned
 * into paragraph breaks. */
#include <ctype.h>
#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"

typedef struct text_sink {
    nb_buf out;
    int pending_space; /* white space seen since the last character written */
    int pending_break; /* a block boundary seen since the last character written */
} text_sink;

static int skipped(GumboTag tag)
{
    return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
           tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_IFRAME || tag == GUMBO_TAG_HEAD ||
           tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_ASIDE || tag == GUMBO_TAG_NAV ||
           tag == GUMBO_TAG_FOOTER || tag == GUMBO_TAG_FORM;
}

static int is_block(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_MAIN:
        return 1;
    default:
        return 0;
    }
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends text; stops quietly at the cap (the caller sees a shorter text, which the
 * summary cut would shorten anyway). */
static void sink_text(text_sink *s, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        /* U+00A0 (no-break space, C2 A0) counts as white space too. */
        if (is_space(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) {
            if (*p == 0xC2)
                p++;
            s->pending_space = 1;
            continue;
        }
        nb_err rc = NB_OK;
        if (s->out.len && s->pending_break)
            rc = nb_buf_puts(&s->out, "\n\n");
        else if (s->out.len && s->pending_space)
            rc = nb_buf_putc(&s->out, ' ');
        if (!rc)
            rc = nb_buf_putc(&s->out, (char)*p);
        if (rc)
            return;
        s->pending_space = s->pending_break = 0;
    }
}

/* An upper estimate of the element nesting depth: every start tag opens a level, every end
 * tag closes one. Void elements are counted too, which errs toward the safe parser. */
static size_t nesting_depth(const char *html, size_t len)
{
    size_t depth = 0, deepest = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (html[i] != '<')
            continue;
        if (html[i + 1] == '/') {
            if (depth)
                depth--;
        } else if (isalpha((unsigned char)html[i + 1])) {
            if (++depth > deepest)
                deepest = depth;
        }
    }
    return deepest;
}

static int block_name(const char *name)
{
    GumboTag tag = gumbo_tag_enum(name);
    return is_block(tag);
}

static int skipped_name(const char *name)
{
    return skipped(gumbo_tag_enum(name));
}

/* libxml2 tree walk without recursion: down to the first child, else across, else up. */
static void deep_to_text(const char *html, size_t len, text_sink *sink)
{
    if (len > (size_t)INT32_MAX)
        return;
    htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
    if (!doc)
        return;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *n = root;
    while (n) {
        int descend = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            sink_text(sink, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            if (block_name(name))
                sink->pending_break = 1;
            descend = !skipped_name(name) && n->children;
        }
        if (descend) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next) {
            n = n->parent;
            if (n && n->type == XML_ELEMENT_NODE && block_name((const char *)n->name))
                sink->pending_break = 1;
        }
        n = n && n != root ? n->next : NULL;
    }
    xmlFreeDoc(doc);
}

char *nb_html_to_text(const char *html, size_t len)
{
    text_sink sink = {0};
    nb_buf_init(&sink.out, NB_LIMIT_FIELD_BYTES);
    if (nb_html_attrs_over_cap(html, len))
        return nb_buf_take(&sink.out);
    if (nesting_depth(html, len) > NB_LIMIT_HTML_DEPTH) {
        deep_to_text(html, len, &sink);
        return nb_buf_take(&sink.out);
    }
    GumboOutput *doc = gumbo_parse_with_options(&kGumboDefaultOptions, html, len);
    if (!doc)
        return nb_buf_take(&sink.out);
    /* Stack of (node, exiting) pairs; an element is pushed twice: to enter and to leave. */
    typedef struct frame {
        const GumboNode *node;
        int leaving;
    } frame;
    frame *stack = NULL;
    size_t depth = 0, alloc = 0;
    stack = nb_xgrow(stack, &alloc, 1, sizeof *stack);
    stack[depth++] = (frame){doc->root, 0};
    while (depth) {
        frame f = stack[--depth];
        const GumboNode *n = f.node;
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
            n->type == GUMBO_NODE_WHITESPACE) {
            sink_text(&sink, n->v.text.text);
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE &&
            n->type != GUMBO_NODE_DOCUMENT)
            continue;
        GumboTag tag = n->type == GUMBO_NODE_DOCUMENT ? GUMBO_TAG_UNKNOWN : n->v.element.tag;
        if (f.leaving || skipped(tag)) {
            if (is_block(tag))
                sink.pending_break = 1;
            continue;
        }
        if (is_block(tag))
            sink.pending_break = 1;
        const GumboVector *children =
            n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children : &n->v.element.children;
        stack = nb_xgrow(stack, &alloc, depth + 1 + children->length, sizeof *stack);
        stack[depth++] = (frame){n, 1};
        for (unsigned i = children->length; i > 0; i--)
            stack[depth++] = (frame){children->data[i - 1], 0};
    }
    free(stack);
    gumbo_destroy_output(&kGumboDefaultOptions, doc);
    return nb_buf_take(&sink.out);
}

static int is_pixel(const GumboElement *img)
{
    const GumboAttribute *w = gumbo_get_attribute(&img->attributes, "width");
    const GumboAttribute *h = gumbo_get_attribute(&img->attributes, "height");
    return w && h && strcmp(w->value, "1") == 0 && strcmp(h->value, "1") == 0;
}

char *nb_html_first_image(const char *html, size_t len, const char *base)
{
    if (nesting_depth(html, len) > NB_LIMIT_HTML_DEPTH || nb_html_attrs_over_cap(html, len))
        return NULL; /* not worth a second parser for a picture */
    GumboOutput *doc = gumbo_parse_with_options(&kGumboDefaultOptions, html, len);
    if (!doc)
        return NULL;
    char *found = NULL;
    const GumboNode **stack = NULL;
    size_t depth = 0, alloc = 0;
    stack = nb_xgrow(stack, &alloc, 1, sizeof *stack);
    stack[depth++] = doc->root;
    while (depth && !found) {
        const GumboNode *n = stack[--depth];
        if (n->type != GUMBO_NODE_ELEMENT)
            continue;
        const GumboElement *e = &n->v.element;
        if (e->tag == GUMBO_TAG_IMG) {
            const GumboAttribute *src = gumbo_get_attribute(&e->attributes, "src");
            if (src && *src->value && strncmp(src->value, "data:", 5) != 0 && !is_pixel(e)) {
                found = strncmp(src->value, "//", 2) == 0 ? nb_xasprintf("https:%s", src->value)
                                                          : nb_url_resolve(base, src->value);
            }
            continue;
        }
        stack = nb_xgrow(stack, &alloc, depth + e->children.length, sizeof *stack);
        for (unsigned i = e->children.length; i > 0; i--)
            stack[depth++] = e->children.data[i - 1];
    }
    free(stack);
    gumbo_destroy_output(&kGumboDefaultOptions, doc);
    if (found && !nb_url_is_http(found)) {
        free(found);
        found = NULL;
    }
    return found;
}
