/* SPDX-License-Identifier: MIT */
/* Article extraction: the text of nodes (collapsed, measured, as written) and the few
 * string cleanups metadata values need. Walks are iterative; every string returned is in
 * the article's arena. */
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "parse/extract_internal.h"

/* Characters in text with white-space runs counted once; commas and clause punctuation
 * counted into *commas. */
unsigned nb_ex_text_measure(const char *text, unsigned *commas, unsigned *cjk)
{
    unsigned n = 0, cm = 0, wide = 0;
    int space = 1;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        int w = ws_len(p);
        if (w) {
            if (!space)
                n++;
            space = 1;
            p += w;
            continue;
        }
        space = 0;
        if (*p == ',')
            cm++;
        else if (p[0] == 0xEF && p[1] == 0xBC &&
                 (p[2] == 0x8C || p[2] == 0x81 || p[2] == 0x9F || p[2] == 0x9B || p[2] == 0x9A))
            cm++; /* ，！？；： */
        else if (p[0] == 0xE3 && p[1] == 0x80 && (p[2] == 0x81 || p[2] == 0x82))
            cm++; /* 、。 */
        if ((*p & 0xC0) != 0x80)
            n++;
        if (*p >= 0xE2 && (nb_utf8_cjk_at((const char *)p) & CJK_TEXT))
            wide++;
        p++;
    }
    *commas = cm;
    *cjk = wide;
    return n;
}

char *nb_ex_node_text(ctx *c, const nb_hnode *n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_FIELD_BYTES);
    nb_ex_append_text(&b, n, 0);
    char *s = nb_arena_strdup(c->art->arena, nb_buf_str(&b));
    nb_buf_free(&b);
    return s;
}

/* The text under n as written, or NULL when its subtree has more than max_nodes nodes
 * or max_bytes of text. Headlines, bylines and labels are small: looking at each
 * candidate's whole subtree would make deep pages quadratic, and even max_nodes steps
 * for each of a deep page's candidates is costly, so while the subtree is as parsed
 * (as_parsed) its size is looked up rather than walked. */
const char *nb_ex_small_text(ctx *c, const nb_hnode *n, size_t max_bytes, size_t max_nodes,
                             int as_parsed)
{
    if (as_parsed && n->id < c->size_count && c->sizes[n->id] > max_nodes)
        return NULL;
    nb_buf b;
    nb_buf_init(&b, max_bytes);
    size_t seen = 0;
    const char *out = NULL;
    for (const nb_hnode *k = n; k; k = nb_hnode_next(k, n, 0)) {
        if (++seen > max_nodes || (k->text && nb_buf_puts(&b, k->text)))
            goto out;
    }
    out = nb_arena_strdup(c->art->arena, nb_buf_str(&b));
out:
    nb_buf_free(&b);
    return out;
}

/* A copy of s with white space collapsed and trimmed, in the arena; NULL for NULL or
 * blank. */
const char *nb_ex_clean_str(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = nb_arena_alloc(c->art->arena, len + 1);
    size_t o = 0;
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int w = ws_len(p);
        if (w) {
            space = 1;
            p += w;
            continue;
        }
        if (space && o)
            out[o++] = ' ';
        space = 0;
        out[o++] = (char)*p++;
    }
    out[o] = '\0';
    return o ? out : NULL;
}

/* Decodes the few entities that metadata strings carry (&amp; &lt; &gt; &quot; &apos;
 * and numeric references) in place. */
void nb_ex_unescape(char *s)
{
    static const struct {
        const char *name;
        char ch;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    char *o = s;
    for (char *p = s; *p;) {
        if (*p != '&') {
            *o++ = *p++;
            continue;
        }
        int done = 0;
        for (size_t i = 0; i < sizeof named / sizeof named[0] && !done; i++) {
            size_t n = strlen(named[i].name);
            if (strncmp(p + 1, named[i].name, n) == 0) {
                *o++ = named[i].ch;
                p += n + 1;
                done = 1;
            }
        }
        if (!done && p[1] == '#') {
            char *end;
            int hex = p[2] == 'x' || p[2] == 'X';
            unsigned long cp = strtoul(p + 2 + hex, &end, hex ? 16 : 10);
            if (*end == ';' && end > p + 2 + hex) {
                if (cp == 0 || cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF))
                    cp = 0xFFFD;
                if (cp < 0x80) {
                    *o++ = (char)cp;
                } else if (cp < 0x800) {
                    *o++ = (char)(0xC0 | (cp >> 6));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    *o++ = (char)(0xE0 | (cp >> 12));
                    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                } else {
                    *o++ = (char)(0xF0 | (cp >> 18));
                    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                }
                p = end + 1;
                done = 1;
            }
        }
        if (!done)
            *o++ = *p++;
    }
    *o = '\0';
}

/* A metadata value: entities decoded, trimmed. */
const char *nb_ex_meta_str(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    char *t = nb_arena_strdup(c->art->arena, s);
    nb_ex_unescape(t);
    size_t len = strlen(t);
    const char *p = t;
    int w;
    while ((w = ws_len((const unsigned char *)p)) != 0)
        p += w;
    while (len > (size_t)(p - t) && is_ws((unsigned char)t[len - 1]))
        t[--len] = '\0';
    return *p ? p : NULL;
}

int nb_ex_is_skipped_tag(unsigned tag)
{
    return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
           tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_LINK ||
           tag == GUMBO_TAG_META || tag == GUMBO_TAG_TITLE;
}

void nb_ex_append_text(nb_buf *b, const nb_hnode *top, int breaks)
{
    int space = 0, brk = 0;
    for (const nb_hnode *n = top; n;) {
        int skip = 0;
        if (n->name) {
            if ((nb_ex_is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_SVG) && n != top) {
                skip = 1;
            } else if (n->tag == GUMBO_TAG_BR) {
                if (breaks)
                    brk = brk ? 2 : 1; /* a second <br> in a row ends a paragraph */
                else
                    space = 1;
            } else if (nb_hnode_is_block(n)) {
                if (breaks)
                    brk = 2;
                else
                    space = 1;
            }
        } else {
            for (const unsigned char *p = (const unsigned char *)n->text; *p;) {
                int w = ws_len(p);
                if (w) {
                    space = 1;
                    p += w;
                    continue;
                }
                nb_err rc = NB_OK;
                if (b->len && brk)
                    rc = nb_buf_puts(b, brk > 1 ? "\n\n" : "\n");
                else if (b->len && space)
                    rc = nb_buf_putc(b, ' ');
                if (!rc)
                    rc = nb_buf_putc(b, (char)*p);
                if (rc)
                    return;
                p++;
                space = brk = 0;
            }
        }
        /* leaving blocks: walk by hand to see the exits */
        if (!skip && n->first) {
            n = n->first;
            continue;
        }
        while (n && n != top && !n->next) {
            n = n->parent;
            if (n && nb_hnode_is_block(n)) {
                if (breaks)
                    brk = 2;
                else
                    space = 1;
            }
        }
        if (n && n != top && nb_hnode_is_block(n)) {
            if (breaks)
                brk = 2;
            else
                space = 1;
        }
        n = n && n != top ? n->next : NULL;
    }
}

/* The text of every text node under n, as written, trimmed. */
const char *nb_ex_raw_text(ctx *c, const nb_hnode *n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_FIELD_BYTES);
    for (const nb_hnode *k = n; k; k = nb_hnode_next(k, n, 0))
        if (k->text && nb_buf_puts(&b, k->text))
            break;
    const char *t = nb_ex_meta_str(c, nb_buf_str(&b));
    nb_buf_free(&b);
    return t;
}
