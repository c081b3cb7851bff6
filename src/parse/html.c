/* SPDX-License-Identifier: MIT */
/* HTML to plain text, and a fragment's first picture, on the nb_hdoc tree (parse/dom:
 * gumbo, or libxml2 with XML_PARSE_HUGE past the depth guard; UTF-8 validated, caps on
 * size and attributes). The walks are iterative, so no depth can exhaust the C stack;
 * text is collected with white space collapsed and block boundaries turned into
 * paragraph breaks. */
#include <gumbo.h>
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

/* Where a paragraph break goes: HTML's block elements, and <br>. */
static int breaks_text(const nb_hnode *n)
{
    return n->tag == GUMBO_TAG_BR || nb_hnode_is_block(n);
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

static int is_pixel(const nb_hnode *img)
{
    const char *w = nb_hnode_attr(img, "width"), *h = nb_hnode_attr(img, "height");
    return w && h && strcmp(w, "1") == 0 && strcmp(h, "1") == 0;
}

char *nb_html_to_text(const char *html, size_t len)
{
    text_sink sink = {0};
    nb_buf_init(&sink.out, NB_LIMIT_FIELD_BYTES);
    nb_hdoc *doc = NULL;
    nb_errbuf err;
    if (nb_hdoc_parse(html, len, &doc, &err) != NB_OK)
        return nb_buf_take(&sink.out); /* over a cap: no text rather than a stall */
    const nb_hnode *root = doc->root, *n = root;
    while (n) {
        int descend = 0;
        if (!n->name) {
            sink_text(&sink, n->text);
        } else {
            if (breaks_text(n))
                sink.pending_break = 1;
            descend = !skipped((GumboTag)n->tag) && n->first;
        }
        if (descend) {
            n = n->first;
            continue;
        }
        while (n && n != root && !n->next) {
            n = n->parent;
            if (n && breaks_text(n))
                sink.pending_break = 1;
        }
        n = n && n != root ? n->next : NULL;
    }
    nb_hdoc_free(doc);
    return nb_buf_take(&sink.out);
}

char *nb_html_first_image(const char *html, size_t len, const char *base)
{
    nb_hdoc *doc = NULL;
    nb_errbuf err;
    char *found = NULL;
    if (nb_hdoc_parse(html, len, &doc, &err) != NB_OK)
        return NULL;
    for (nb_hnode *n = doc->root; n && !found; n = nb_hnode_next(n, doc->root, 0)) {
        if (n->tag != GUMBO_TAG_IMG || !n->name)
            continue;
        const char *src = nb_hnode_attr(n, "src");
        if (src && *src && strncmp(src, "data:", 5) != 0 && !is_pixel(n))
            found = strncmp(src, "//", 2) == 0 ? nb_xasprintf("https:%s", src)
                                               : nb_url_resolve(base, src);
    }
    nb_hdoc_free(doc);
    if (found && !nb_url_is_http(found)) {
        free(found);
        found = NULL;
    }
    return found;
}
