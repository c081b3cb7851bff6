/* SPDX-License-Identifier: MIT */
/* One HTML tree for the extractor, built from gumbo's parse or, for pages nested deeper
 * than NB_LIMIT_HTML_DEPTH, from libxml2's (HTML_PARSE_HUGE keeps it linear). The input is
 * guarded first: valid UTF-8, no BOM, a cap on size and nodes (over them the page is
 * refused), attributes past the per-tag cap left out (the page goes on). Every walk here
 * is iterative, so no nesting depth can exhaust the C stack. */
#include <ctype.h>
#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/memory.h"
#include "parse/parse.h"

typedef struct scan {
    size_t depth; /* deepest element nesting, an upper estimate */
} scan;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Reads the tag whose name starts at html[i] as HTML's tokenizer does (its attribute name,
 * value and quoting states); returns the index of its closing '>' (or len). *attrs gets
 * the number of attributes, *cut the index where attribute NB_LIMIT_HTML_ATTRS + 1 starts
 * (len when there are not that many). */
static size_t scan_tag(const char *html, size_t len, size_t i, size_t *attrs, size_t *cut)
{
    enum { BEFORE_NAME, NAME, AFTER_NAME, BEFORE_VALUE, QUOTED, UNQUOTED, AFTER_QUOTED } state;
    size_t count = 0;
    char quote = 0;
    *cut = len;
    while (i < len && !is_space((unsigned char)html[i]) && html[i] != '>' && html[i] != '/')
        i++;
    state = BEFORE_NAME;
    for (; i < len; i++) {
        char c = html[i];
        int space = is_space((unsigned char)c);
        switch (state) {
        case QUOTED:
            if (c == quote)
                state = AFTER_QUOTED;
            continue;
        case UNQUOTED:
            if (space)
                state = BEFORE_NAME;
            else if (c == '>')
                goto out;
            continue;
        case BEFORE_VALUE:
            if (c == '"' || c == '\'') {
                quote = c;
                state = QUOTED;
            } else if (c == '>') {
                goto out;
            } else if (!space) {
                state = UNQUOTED;
            }
            continue;
        case NAME:
            if (space)
                state = AFTER_NAME;
            else if (c == '/')
                state = BEFORE_NAME;
            else if (c == '=')
                state = BEFORE_VALUE;
            else if (c == '>')
                goto out;
            continue;
        case AFTER_NAME:
            if (c == '=') {
                state = BEFORE_VALUE;
                continue;
            }
            break; /* anything else as before a name */
        case AFTER_QUOTED:
            break;
        case BEFORE_NAME:
            break;
        }
        if (space || c == '/') {
            state = BEFORE_NAME;
        } else if (c == '>') {
            goto out;
        } else {
            if (++count == (size_t)NB_LIMIT_HTML_ATTRS + 1)
                *cut = i;
            state = NAME;
        }
    }
out:
    *attrs = count;
    return i;
}

/* The index of the first '<' at or after i that is followed by "close" (compared without
 * case), or len: the end of a raw text element (script, style). */
static size_t raw_text_end(const char *html, size_t len, size_t i, const char *close)
{
    size_t n = strlen(close);
    while (i < len) {
        const char *p = memchr(html + i, '<', len - i);
        if (!p)
            return len;
        i = (size_t)(p - html);
        if (len - i >= n && strncasecmp(p, close, n) == 0)
            return i;
        i++;
    }
    return len;
}

/* Start tags open a level and end tags close one (void elements count too, erring toward
 * the safe parser); the raw text of script and style is skipped. */
static void prescan(const char *html, size_t len, scan *s)
{
    size_t depth = 0;
    s->depth = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        const char *lt = memchr(html + i, '<', len - i - 1);
        if (!lt)
            break;
        i = (size_t)(lt - html);
        if (html[i + 1] == '/') {
            if (depth)
                depth--;
            continue;
        }
        if (!isalpha((unsigned char)html[i + 1]))
            continue;
        if (++depth > s->depth)
            s->depth = depth;
        size_t attrs, cut, start = i + 1;
        i = scan_tag(html, len, start, &attrs, &cut);
        const char *raw = NULL;
        if (len - start > 6 && strncasecmp(html + start, "script", 6) == 0)
            raw = "</script";
        else if (len - start > 5 && strncasecmp(html + start, "style", 5) == 0)
            raw = "</style";
        if (raw && i < len) {
            size_t j = raw_text_end(html, len, i, raw);
            i = j ? j - 1 : j;
            depth--;
        }
    }
}

/* A copy of html, rewritten in one pass: tags keep at most NB_LIMIT_HTML_ATTRS attributes
 * (HTML parsers compare each new attribute with the tag's others, so their time grows with
 * the square of the count; real pages with text spilled into a tag reach thousands), and,
 * when strip is set, what no extractor reads goes: comments, and the raw text of <script>
 * (JSON-LD kept), <style> and <noscript>, found by scanning for the closing tag as HTML
 * defines raw-text elements. Tags themselves are copied, so the tree is the same shape. */
static char *rewrite(const char *html, size_t len, int strip, size_t *out_len, nb_attr_cut *cuts)
{
    char *out = nb_xmalloc(len + 2);
    size_t o = 0, i = 0;
    memset(cuts, 0, sizeof *cuts);
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        size_t next = lt ? (size_t)(lt - html) : len;
        memcpy(out + o, html + i, next - i);
        o += next - i;
        i = next;
        if (i >= len)
            break;
        if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
            const char *end = NULL;
            for (size_t j = i + 4; j + 3 <= len; j++) {
                const char *p = memchr(html + j, '-', len - j);
                if (!p || (size_t)(p - html) + 3 > len)
                    break;
                if (p[1] == '-' && p[2] == '>') {
                    end = p + 3;
                    break;
                }
                j = (size_t)(p - html);
            }
            size_t stop = end ? (size_t)(end - html) : len;
            if (!strip) {
                memcpy(out + o, html + i, stop - i);
                o += stop - i;
            }
            i = stop;
            continue;
        }
        size_t start = i + 1 + (i + 1 < len && html[i + 1] == '/');
        if (start >= len || !isalpha((unsigned char)html[start])) {
            out[o++] = html[i++];
            continue;
        }
        size_t attrs, cut;
        size_t gt = scan_tag(html, len, start, &attrs, &cut);
        size_t tag_end = gt < len ? gt + 1 : len;
        const char *close = NULL;
        size_t name_len = 0;
        while (start + name_len < len && isalnum((unsigned char)html[start + name_len]))
            name_len++;
        if (start == i + 1 && name_len == 6 && strncasecmp(html + start, "script", 6) == 0) {
            int json_ld = 0;
            for (size_t j = start; j + 7 <= tag_end && !json_ld && strip; j++)
                json_ld = strncasecmp(html + j, "ld+json", 7) == 0;
            if (!json_ld)
                close = "</script";
        } else if (start == i + 1 && name_len == 5 && strncasecmp(html + start, "style", 5) == 0) {
            close = "</style";
        } else if (start == i + 1 && name_len == 8 &&
                   strncasecmp(html + start, "noscript", 8) == 0 && strip) {
            close = "</noscript";
        }
        if (attrs > NB_LIMIT_HTML_ATTRS) {
            memcpy(out + o, html + i, cut - i);
            o += cut - i;
            if (gt < len)
                out[o++] = '>'; /* an unfinished tag stays unfinished */
            cuts->tags++;
            cuts->dropped += attrs - NB_LIMIT_HTML_ATTRS;
            if (attrs > cuts->most)
                cuts->most = attrs;
        } else {
            memcpy(out + o, html + i, tag_end - i);
            o += tag_end - i;
        }
        i = tag_end;
        if (!close)
            continue;
        size_t stop = raw_text_end(html, len, i, close);
        if (!strip) {
            memcpy(out + o, html + i, stop - i);
            o += stop - i;
        }
        i = stop;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

char *nb_html_cap_attrs(const char *html, size_t len, size_t *out_len, nb_attr_cut *cuts)
{
    char *out = rewrite(html, len, 0, out_len, cuts);
    if (!cuts->tags) {
        free(out);
        out = NULL;
    }
    return out;
}

typedef struct builder {
    nb_hdoc *doc;
    int over; /* the node cap was hit */
} builder;

static nb_hnode *new_node(builder *b)
{
    if (b->doc->node_count >= NB_LIMIT_HTML_NODES) {
        b->over = 1;
        return NULL;
    }
    nb_hnode *n = nb_arena_alloc(b->doc->arena, sizeof *n);
    n->id = (unsigned)b->doc->node_count++;
    return n;
}

static void link_child(nb_hnode *parent, nb_hnode *child)
{
    child->parent = parent;
    child->prev = parent->last;
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
}

static char *lower_dup(nb_arena *a, const char *s, size_t n)
{
    char *p = nb_arena_strndup(a, s, n);
    for (char *q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return p;
}

static void gumbo_element(builder *b, nb_hnode *n, const GumboElement *e)
{
    nb_arena *a = b->doc->arena;
    n->tag = e->tag;
    if (e->tag != GUMBO_TAG_UNKNOWN) {
        n->name = gumbo_normalized_tagname(e->tag);
    } else {
        GumboStringPiece piece = e->original_tag;
        gumbo_tag_from_original_text(&piece);
        n->name = lower_dup(a, piece.data ? piece.data : "", piece.data ? piece.length : 0);
    }
    n->attr_count = e->attributes.length;
    if (n->attr_count) {
        n->attrs = nb_arena_alloc(a, 2 * n->attr_count * sizeof *n->attrs);
        for (unsigned i = 0; i < n->attr_count; i++) {
            const GumboAttribute *at = e->attributes.data[i];
            n->attrs[2 * i] = at->name;
            n->attrs[2 * i + 1] = at->value;
        }
    }
}

/* gumbo's strings live in its output, which is freed after the copy: copy them. */
static void own_strings(nb_arena *a, nb_hnode *n)
{
    for (unsigned i = 0; i < 2 * n->attr_count; i++)
        n->attrs[i] = nb_arena_strdup(a, n->attrs[i]);
}

static void from_gumbo(builder *b, const GumboNode *groot)
{
    typedef struct frame {
        const GumboNode *g;
        nb_hnode *parent;
    } frame;
    frame *stack = NULL;
    size_t depth = 0, alloc = 0;
    stack = nb_xgrow(stack, &alloc, 1, sizeof *stack);
    stack[depth++] = (frame){groot, NULL};
    while (depth && !b->over) {
        frame f = stack[--depth];
        const GumboNode *g = f.g;
        nb_hnode *n;
        if (g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_WHITESPACE ||
            g->type == GUMBO_NODE_CDATA) {
            if (!f.parent || !(n = new_node(b)))
                continue;
            n->text = nb_arena_strdup(b->doc->arena, g->v.text.text);
            link_child(f.parent, n);
            continue;
        }
        if (g->type != GUMBO_NODE_ELEMENT && g->type != GUMBO_NODE_TEMPLATE)
            continue;
        if (!(n = new_node(b)))
            continue;
        gumbo_element(b, n, &g->v.element);
        own_strings(b->doc->arena, n);
        if (f.parent)
            link_child(f.parent, n);
        else
            b->doc->root = n;
        const GumboVector *kids = &g->v.element.children;
        stack = nb_xgrow(stack, &alloc, depth + kids->length, sizeof *stack);
        for (unsigned i = kids->length; i > 0; i--)
            stack[depth++] = (frame){kids->data[i - 1], n};
    }
    free(stack);
}

static void xml_element(builder *b, nb_hnode *n, xmlNode *x)
{
    nb_arena *a = b->doc->arena;
    n->name = lower_dup(a, (const char *)x->name, strlen((const char *)x->name));
    n->tag = gumbo_tag_enum(n->name);
    unsigned count = 0;
    for (xmlAttr *at = x->properties; at; at = at->next)
        count++;
    if (!count)
        return;
    n->attrs = nb_arena_alloc(a, 2 * count * sizeof *n->attrs);
    for (xmlAttr *at = x->properties; at; at = at->next) {
        xmlChar *v = xmlNodeListGetString(x->doc, at->children, 1);
        n->attrs[2 * n->attr_count] =
            lower_dup(a, (const char *)at->name, strlen((const char *)at->name));
        n->attrs[2 * n->attr_count + 1] = nb_arena_strdup(a, v ? (const char *)v : "");
        n->attr_count++;
        xmlFree(v);
    }
}

/* libxml2's tree walked without recursion: down to the first child, else across, else
 * up; our parent follows along. */
static void from_libxml2(builder *b, xmlNode *root)
{
    xmlNode *x = root;
    nb_hnode *parent = NULL;
    while (x && !b->over) {
        nb_hnode *n = NULL;
        if (x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) {
            if (parent && (n = new_node(b))) {
                n->text = nb_arena_strdup(b->doc->arena, (const char *)x->content);
                link_child(parent, n);
            }
        } else if (x->type == XML_ELEMENT_NODE && (n = new_node(b))) {
            xml_element(b, n, x);
            if (parent)
                link_child(parent, n);
            else
                b->doc->root = n;
            if (x->children) {
                parent = n;
                x = x->children;
                continue;
            }
        }
        while (x && x != root && !x->next) {
            x = x->parent;
            parent = parent ? parent->parent : NULL;
        }
        x = x && x != root ? x->next : NULL;
    }
}

nb_err nb_hdoc_parse(const char *html, size_t len, nb_hdoc **out, nb_errbuf *err)
{
    nb_err rc = NB_OK;
    char *clean = NULL;
    nb_hdoc *doc = NULL;
    *out = NULL;
    if (len > NB_LIMIT_BODY_BYTES) {
        rc = nb_errf(err, NB_ERR_LIMIT, "page of %zu bytes is over the %u-byte cap", len,
                     NB_LIMIT_BODY_BYTES);
        goto out;
    }
    size_t clean_len = 0;
    nb_attr_cut cuts;
    if (len >= 3 && memcmp(html, "\xEF\xBB\xBF", 3) == 0) {
        html += 3;
        len -= 3;
    }
    if (nb_charset_is_utf8(html, len)) {
        clean = rewrite(html, len, 1, &clean_len, &cuts);
    } else {
        char *valid = nb_charset_to_utf8(html, len, "UTF-8", &clean_len, NULL);
        if (!valid) {
            rc = nb_errf(err, NB_ERR_INTERNAL, "iconv cannot read UTF-8");
            goto out;
        }
        clean = rewrite(valid, clean_len, 1, &clean_len, &cuts);
        free(valid);
    }
    const char *text = clean;
    if (clean_len > NB_LIMIT_HTML_PARSE_BYTES) {
        rc = nb_errf(err, NB_ERR_LIMIT,
                     "page has %zu bytes of markup and text besides scripts and styles, over "
                     "the %u-byte cap",
                     clean_len, NB_LIMIT_HTML_PARSE_BYTES);
        goto out;
    }
    scan s;
    prescan(text, clean_len, &s);
    doc = nb_xcalloc(1, sizeof *doc);
    doc->arena = nb_arena_new();
    doc->attr_cut = cuts;
    builder b = {doc, 0};
    if (s.depth > NB_LIMIT_HTML_DEPTH) {
        doc->deep = 1;
        htmlDocPtr x = htmlReadMemory(text, (int)clean_len, NULL, "UTF-8",
                                      HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                          HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
        if (x) {
            xmlNode *root = xmlDocGetRootElement(x);
            if (root)
                from_libxml2(&b, root);
            xmlFreeDoc(x);
        }
    } else {
        GumboOutput *g = gumbo_parse_with_options(&kGumboDefaultOptions, text, clean_len);
        if (g) {
            from_gumbo(&b, g->root);
            gumbo_destroy_output(&kGumboDefaultOptions, g);
        }
    }
    if (b.over) {
        rc = nb_errf(err, NB_ERR_LIMIT, "page has more than %d HTML nodes", NB_LIMIT_HTML_NODES);
        goto out;
    }
    if (!doc->root) {
        doc->root = nb_hnode_new(doc, "html");
        doc->root->tag = GUMBO_TAG_HTML;
    }
    *out = doc;
    doc = NULL;
out:
    nb_hdoc_free(doc);
    free(clean);
    return rc;
}

void nb_hdoc_free(nb_hdoc *doc)
{
    if (!doc)
        return;
    nb_arena_free(doc->arena);
    free(doc->nodes);
    free(doc);
}

static nb_hnode *copy_of(nb_hnode *nodes, const nb_hnode *n)
{
    return n ? &nodes[n->id] : NULL;
}

nb_hdoc *nb_hdoc_copy(const nb_hdoc *doc, nb_hdoc *reuse)
{
    nb_hdoc *copy = reuse;
    if (copy && copy->node_count < doc->node_count) {
        nb_hdoc_free(copy);
        copy = NULL;
    }
    if (copy) {
        nb_arena_free(copy->arena); /* nodes added to the last copy */
    } else {
        copy = nb_xcalloc(1, sizeof *copy);
        /* not zeroed: every node reachable from the root is written below */
        copy->nodes = nb_xmalloc((doc->node_count ? doc->node_count : 1) * sizeof *copy->nodes);
    }
    copy->arena = nb_arena_new();
    copy->node_count = doc->node_count;
    copy->deep = doc->deep;
    copy->attr_cut = doc->attr_cut;
    for (const nb_hnode *n = doc->root; n; n = nb_hnode_next(n, doc->root, 0)) {
        nb_hnode *c = &copy->nodes[n->id];
        *c = *n;
        c->parent = copy_of(copy->nodes, n->parent);
        c->first = copy_of(copy->nodes, n->first);
        c->last = copy_of(copy->nodes, n->last);
        c->prev = copy_of(copy->nodes, n->prev);
        c->next = copy_of(copy->nodes, n->next);
    }
    copy->root = copy_of(copy->nodes, doc->root);
    return copy;
}

const char *nb_hnode_attr(const nb_hnode *n, const char *name)
{
    for (unsigned i = 0; i < n->attr_count; i++)
        if (strcmp(n->attrs[2 * i], name) == 0)
            return n->attrs[2 * i + 1];
    return NULL;
}

void nb_hnode_remove(nb_hnode *n)
{
    nb_hnode *p = n->parent;
    if (!p)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else
        p->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        p->last = n->prev;
    n->parent = n->prev = n->next = NULL;
}

void nb_hnode_append(nb_hnode *parent, nb_hnode *child)
{
    nb_hnode_remove(child);
    link_child(parent, child);
}

nb_hnode *nb_hnode_new(nb_hdoc *doc, const char *name)
{
    nb_hnode *n = nb_arena_alloc(doc->arena, sizeof *n);
    n->id = (unsigned)doc->node_count++;
    n->name = nb_arena_strdup(doc->arena, name);
    n->tag = gumbo_tag_enum(name);
    return n;
}

nb_hnode *nb_hnode_next(const nb_hnode *n, const nb_hnode *top, int skip_children)
{
    if (!skip_children && n->first)
        return n->first;
    while (n && n != top) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

/* HTML's block elements: each one starts and ends a run of text. The one list every walk
 * that turns a tree into text asks (html.c, the extractor), so they agree on where a
 * paragraph ends. <br> is not here: a line break inside a block, each walk says what it
 * makes of it. */
static const unsigned char BLOCK[GUMBO_TAG_LAST] = {
    [GUMBO_TAG_ADDRESS] = 1,    [GUMBO_TAG_ARTICLE] = 1,    [GUMBO_TAG_ASIDE] = 1,
    [GUMBO_TAG_BLOCKQUOTE] = 1, [GUMBO_TAG_BODY] = 1,       [GUMBO_TAG_CAPTION] = 1,
    [GUMBO_TAG_DD] = 1,         [GUMBO_TAG_DIV] = 1,        [GUMBO_TAG_DL] = 1,
    [GUMBO_TAG_DT] = 1,         [GUMBO_TAG_FIGCAPTION] = 1, [GUMBO_TAG_FIGURE] = 1,
    [GUMBO_TAG_FOOTER] = 1,     [GUMBO_TAG_H1] = 1,         [GUMBO_TAG_H2] = 1,
    [GUMBO_TAG_H3] = 1,         [GUMBO_TAG_H4] = 1,         [GUMBO_TAG_H5] = 1,
    [GUMBO_TAG_H6] = 1,         [GUMBO_TAG_HEADER] = 1,     [GUMBO_TAG_HR] = 1,
    [GUMBO_TAG_LI] = 1,         [GUMBO_TAG_MAIN] = 1,       [GUMBO_TAG_NAV] = 1,
    [GUMBO_TAG_OL] = 1,         [GUMBO_TAG_P] = 1,          [GUMBO_TAG_PRE] = 1,
    [GUMBO_TAG_SECTION] = 1,    [GUMBO_TAG_TABLE] = 1,      [GUMBO_TAG_TD] = 1,
    [GUMBO_TAG_TH] = 1,         [GUMBO_TAG_TR] = 1,         [GUMBO_TAG_UL] = 1,
};

int nb_hnode_is_block(const nb_hnode *n)
{
    return n->name && n->tag < GUMBO_TAG_LAST && BLOCK[n->tag];
}
