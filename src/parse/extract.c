/* SPDX-License-Identifier: MIT */
/* Article extraction: the page's metadata (JSON-LD, OpenGraph, Twitter cards, <meta>,
 * <time>, microdata, dates in the text) and its main text, found by scoring blocks on
 * text length, punctuation (Latin and Chinese) and link density, weighted by class and
 * id hints, then gathering the best block's siblings and cleaning out link lists and
 * forms. Every walk is iterative; per-node numbers live in arrays indexed by node id. */
#include <ctype.h>
#include <gumbo.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"

enum {
    STRIP_UNLIKELY = 1, /* drop blocks whose class/id say they are not the article */
    WEIGHT_CLASSES = 2, /* class/id hints change scores */
    CLEAN_COND = 4,     /* drop link lists, forms and image galleries from the result */
    ALL_FLAGS = 7,
};

#define MIN_PARAGRAPH 25  /* characters for a block to be scored */
#define RETRY_BELOW 500   /* a shorter result is tried again with fewer removals */
#define RETRY_GAIN 1.3    /* ... and replaced only by one this much longer */
#define ANCESTOR_LEVELS 5 /* levels a paragraph's score reaches up */
#define STATS_UPDATE 64   /* levels a removal's numbers are subtracted from */

/* Numbers about a node's subtree. */
typedef struct stats {
    double score;    /* content score once a candidate */
    unsigned tlen;   /* characters of text (white space runs count once) */
    double llen;     /* characters inside links (in-page links count 0.3) */
    unsigned commas; /* commas and Chinese clause punctuation */
    unsigned p, img, li, input, embed, tr, th, blocks, heading_len;
    unsigned li_len; /* characters inside <li> elements (nested ones count again) */
    unsigned cjk;    /* CJK characters in tlen */
    unsigned char scored, as_p, in_figure, in_table;
} stats;

typedef struct meta_kv {
    char *key;
    const char *value;
} meta_kv;

typedef struct ctx {
    nb_hdoc *doc;
    nb_article *art;
    const char *url;
    const char *base; /* <base href> resolved, else url */
    stats *st;
    size_t st_count;
    unsigned *sizes; /* nodes in each node's subtree in the page as parsed, by id */
    size_t size_count;
    meta_kv *metas;
    size_t meta_count, meta_alloc;
    const char *doc_title; /* <title> text */
    const char *byline;    /* found in the content */
    const char *cn_byline; /* the name on a Chinese byline line taken out of the text */
    const char *dateline;  /* a paragraph that was only a date, taken out of the text */
    nb_hnode **cands;
    size_t cand_count, cand_alloc;
    int effects;          /* the flags that changed something in this pass (a pass without the
                             others gives the same article, so it is not run) */
    nb_hnode *top;        /* the chosen block */
    nb_hnode *top_area;   /* its parent before the article was gathered (headline, dates) */
    const char *dir;      /* the dir attribute nearest the chosen block */
    const char *og_image; /* og:image / twitter:image, copied before the tree goes */
    struct {
        const char *title, *byline, *excerpt, *site, *published;
    } ld;
} ctx;

/* Makes room for every node of the document, so that stats pointers stay valid until
 * the next node is created. */
static void st_reserve(ctx *c)
{
    size_t need = c->doc->node_count + 1;
    if (need > c->st_count) {
        size_t old = c->st_count;
        c->st = nb_xgrow(c->st, &c->st_count, need + need / 4, sizeof *c->st);
        memset(c->st + old, 0, (c->st_count - old) * sizeof *c->st);
    }
}

static stats *st(ctx *c, const nb_hnode *n)
{
    if (n->id >= c->st_count) {
        size_t old = c->st_count;
        c->st = nb_xgrow(c->st, &c->st_count, (size_t)n->id + 1 + c->st_count / 4, sizeof *c->st);
        memset(c->st + old, 0, (c->st_count - old) * sizeof *c->st);
    }
    return &c->st[n->id];
}

/* Counts the nodes of every subtree of the page as parsed (ids follow document order,
 * so a parent's id is below its children's). */
static void count_subtrees(ctx *c)
{
    nb_hnode **order = NULL;
    size_t count = 0, alloc = 0;
    for (nb_hnode *n = c->doc->root; n; n = nb_hnode_next(n, c->doc->root, 0)) {
        order = nb_xgrow(order, &alloc, count + 1, sizeof *order);
        order[count++] = n;
    }
    c->size_count = c->doc->node_count;
    c->sizes = nb_xcalloc(c->size_count ? c->size_count : 1, sizeof *c->sizes);
    for (size_t i = count; i > 0; i--) {
        const nb_hnode *n = order[i - 1];
        c->sizes[n->id]++;
        if (n->parent)
            c->sizes[n->parent->id] += c->sizes[n->id];
    }
    free(order);
}

/* ---------- text helpers ---------- */

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Length of the UTF-8 sequence at p that is white space (ASCII, U+00A0, U+3000), or 0. */
static int ws_len(const unsigned char *p)
{
    if (is_ws(*p))
        return 1;
    if (p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    return 0;
}

/* Characters in text with white-space runs counted once; commas and clause punctuation
 * counted into *commas. */
static unsigned text_measure(const char *text, unsigned *commas, unsigned *cjk)
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
        if (*p >= 0xE3 && *p <= 0xE9)
            wide++; /* CJK punctuation, kana and ideographs (U+3000..U+9FFF) */
        p++;
    }
    *commas = cm;
    *cjk = wide;
    return n;
}

/* Appends the text of the subtree at top to b with white space collapsed; blocks and
 * <br> become breaks when breaks is set. */
static void append_text(nb_buf *b, const nb_hnode *top, int breaks);

static char *node_text(ctx *c, const nb_hnode *n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_FIELD_BYTES);
    append_text(&b, n, 0);
    char *s = nb_arena_strdup(c->art->arena, nb_buf_str(&b));
    nb_buf_free(&b);
    return s;
}

/* The text under n as written, or NULL when its subtree has more than max_nodes nodes
 * or max_bytes of text. Headlines, bylines and labels are small: looking at each
 * candidate's whole subtree would make deep pages quadratic, and even max_nodes steps
 * for each of a deep page's candidates is costly, so while the subtree is as parsed
 * (as_parsed) its size is looked up rather than walked. */
static const char *small_text(ctx *c, const nb_hnode *n, size_t max_bytes, size_t max_nodes,
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
static const char *clean_str(ctx *c, const char *s)
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

static size_t word_count(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (is_ws(*p))
            in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

/* Decodes the few entities that metadata strings carry (&amp; &lt; &gt; &quot; &apos;
 * and numeric references) in place. */
static void unescape(char *s)
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

/* A copy of s trimmed, with runs of two or more white-space characters made one space
 * (a single one is kept as it is); NULL for NULL or blank. */
static const char *trim_str(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = nb_arena_alloc(c->art->arena, len + 1);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int w = ws_len(p);
        if (!w) {
            out[o++] = (char)*p++;
            continue;
        }
        const unsigned char *start = p;
        int run = 0;
        while ((w = ws_len(p)) != 0) {
            p += w;
            run++;
        }
        if (!o || !*p)
            continue;
        if (run >= 2) {
            out[o++] = ' ';
        } else {
            memcpy(out + o, start, (size_t)(p - start));
            o += (size_t)(p - start);
        }
    }
    out[o] = '\0';
    return o ? out : NULL;
}

/* A metadata value: entities decoded, trimmed. */
static const char *meta_str(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    char *t = nb_arena_strdup(c->art->arena, s);
    unescape(t);
    size_t len = strlen(t);
    const char *p = t;
    int w;
    while ((w = ws_len((const unsigned char *)p)) != 0)
        p += w;
    while (len > (size_t)(p - t) && is_ws((unsigned char)t[len - 1]))
        t[--len] = '\0';
    return *p ? p : NULL;
}

/* ---------- element classes ---------- */

static int is_skipped_tag(unsigned tag)
{
    return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
           tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_LINK ||
           tag == GUMBO_TAG_META || tag == GUMBO_TAG_TITLE;
}

static int is_block_tag(unsigned tag)
{
    switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
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
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
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
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_BODY:
        return 1;
    default:
        return 0;
    }
}

/* Blocks whose presence keeps a <div> from being read as a paragraph. */
static int is_div_block(unsigned tag)
{
    return tag == GUMBO_TAG_BLOCKQUOTE || tag == GUMBO_TAG_DL || tag == GUMBO_TAG_DIV ||
           tag == GUMBO_TAG_IMG || tag == GUMBO_TAG_OL || tag == GUMBO_TAG_P ||
           tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_UL ||
           tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_FIGURE ||
           tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 ||
           tag == GUMBO_TAG_H4 || tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

static int is_phrasing(const nb_hnode *n)
{
    if (!n->name)
        return 1;
    switch (n->tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_LABEL:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_U:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_STRIKE:
        return 1;
    default:
        return 0;
    }
}

static void append_text(nb_buf *b, const nb_hnode *top, int breaks)
{
    int space = 0, brk = 0;
    for (const nb_hnode *n = top; n;) {
        int skip = 0;
        if (n->name) {
            if ((is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_SVG) && n != top) {
                skip = 1;
            } else if (n->tag == GUMBO_TAG_BR) {
                if (breaks)
                    brk = brk ? 2 : 1; /* a second <br> in a row ends a paragraph */
                else
                    space = 1;
            } else if (is_block_tag(n->tag)) {
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
            if (n && n->name && is_block_tag(n->tag)) {
                if (breaks)
                    brk = 2;
                else
                    space = 1;
            }
        }
        if (n && n->name && n != top && is_block_tag(n->tag)) {
            if (breaks)
                brk = 2;
            else
                space = 1;
        }
        n = n && n != top ? n->next : NULL;
    }
}

/* Lowercase "class id" of an element into buf. */
static const char *match_string(const nb_hnode *n, char *buf, size_t cap)
{
    const char *cls = nb_hnode_attr(n, "class"), *id = nb_hnode_attr(n, "id");
    size_t o = 0;
    for (int k = 0; k < 2; k++) {
        const char *s = k ? id : cls;
        if (!s)
            continue;
        if (o && o + 1 < cap)
            buf[o++] = ' ';
        for (; *s && o + 1 < cap; s++)
            buf[o++] = (char)tolower((unsigned char)*s);
    }
    buf[o] = '\0';
    return buf;
}

static int has_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strstr(s, *words))
            return 1;
    return 0;
}

/* 1 when a class or id word of the lowercase match string names an advertisement:
 * "ad", "ads", "advert...", "adsbygoogle", or starts "ad-", "ads-", "ad_". */
static int ad_word(const char *ms)
{
    for (const char *p = ms; *p;) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if ((n == 2 && strncmp(w, "ad", 2) == 0) || (n == 3 && strncmp(w, "ads", 3) == 0) ||
            (n >= 6 && strncmp(w, "advert", 6) == 0) || (n >= 3 && strncmp(w, "ad-", 3) == 0) ||
            (n >= 4 && strncmp(w, "ads-", 4) == 0) || (n >= 3 && strncmp(w, "ad_", 3) == 0) ||
            (n >= 11 && strncmp(w, "adsbygoogle", 11) == 0))
            return 1;
    }
    return 0;
}

/* 1 when a short text is only an advertisement label. */
static int ad_label(const char *text)
{
    static const char *const labels[] = {"advertisement", "advertisment", "advertising", "广告",
                                         "廣告",          "sponsored",    NULL};
    for (const char *const *l = labels; *l; l++)
        if (strcasecmp(text, *l) == 0)
            return 1;
    return 0;
}

static const char *const UNLIKELY[] = {
    "-ad-",       "ai2html", "banner",      "breadcrumb",   "combx",      "comment",   "communit",
    "cover-wrap", "disqus",  "extra",       "footer",       "gdpr",       "header",    "legends",
    "menu",       "related", "remark",      "replies",      "rss",        "shoutbox",  "sidebar",
    "skyscraper", "social",  "sponsor",     "supplemental", "ad-break",   "agegate",   "pagination",
    "pager",      "popup",   "yom-remote",  "subscribe",    "newsletter", "recommend", "-bio",
    "bio-",       "_bio",    "author-info", "about-author", "author-box", NULL};
static const char *const MAYBE[] = {"and",  "article", "body",   "column", "content",
                                    "main", "mathjax", "shadow", NULL};
static const char *const POSITIVE[] = {"article", "body", "content", "entry",      "hentry",
                                       "h-entry", "main", "page",    "pagination", "post",
                                       "text",    "blog", "story",   "正文",       NULL};
static const char *const NEGATIVE[] = {
    "-ad-",     "hidden", "banner",   "combx",     "comment", "com-",       "contact",
    "footer",   "gdpr",   "masthead", "media",     "meta",    "outbrain",   "promo",
    "related",  "scroll", "share",    "shoutbox",  "sidebar", "skyscraper", "sponsor",
    "shopping", "tags",   "widget",   "recommend", NULL};
static const char *const BYLINE[] = {"byline", "author", "dateline", "writtenby", "p-author", NULL};
static const char *const SHARE[] = {"share", "sharedaddy", NULL};

static int class_weight(const nb_hnode *n)
{
    char buf[512];
    int w = 0;
    const char *cls = nb_hnode_attr(n, "class"), *id = nb_hnode_attr(n, "id");
    for (int k = 0; k < 2; k++) {
        const char *s = k ? id : cls;
        if (!s || !*s)
            continue;
        size_t o = 0;
        for (; *s && o + 1 < sizeof buf; s++)
            buf[o++] = (char)tolower((unsigned char)*s);
        buf[o] = '\0';
        if (has_any(buf, NEGATIVE))
            w -= 25;
        if (has_any(buf, POSITIVE))
            w += 25;
    }
    return w;
}

static int is_hidden(const nb_hnode *n)
{
    const char *style = nb_hnode_attr(n, "style");
    if (style) {
        char buf[256];
        size_t o = 0;
        for (const char *s = style; *s && o + 1 < sizeof buf; s++)
            if (!is_ws((unsigned char)*s))
                buf[o++] = (char)tolower((unsigned char)*s);
        buf[o] = '\0';
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden"))
            return 1;
    }
    if (nb_hnode_attr(n, "hidden"))
        return 1;
    const char *aria = nb_hnode_attr(n, "aria-hidden");
    const char *cls = nb_hnode_attr(n, "class");
    if (aria && strcmp(aria, "true") == 0 && !(cls && strstr(cls, "fallback-image")))
        return 1;
    return 0;
}

/* ---------- metadata ---------- */

static void meta_put(ctx *c, const char *key, const char *value)
{
    char k[128];
    size_t o = 0;
    for (const char *s = key; *s && o + 1 < sizeof k; s++) {
        if (is_ws((unsigned char)*s))
            continue;
        k[o++] = *s == '.' ? ':' : (char)tolower((unsigned char)*s);
    }
    k[o] = '\0';
    if (!o)
        return;
    for (size_t i = 0; i < c->meta_count; i++)
        if (strcmp(c->metas[i].key, k) == 0) {
            c->metas[i].value = value; /* the last one wins */
            return;
        }
    c->metas = nb_xgrow(c->metas, &c->meta_alloc, c->meta_count + 1, sizeof *c->metas);
    c->metas[c->meta_count++] = (meta_kv){nb_arena_strdup(c->art->arena, k), value};
}

static const char *meta_get(const ctx *c, const char *key)
{
    for (size_t i = 0; i < c->meta_count; i++)
        if (strcmp(c->metas[i].key, key) == 0)
            return c->metas[i].value;
    return NULL;
}

static const char *meta_first(ctx *c, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *v = meta_str(c, meta_get(c, *keys));
        if (v)
            return v;
    }
    return NULL;
}

static void read_meta(ctx *c, const nb_hnode *n)
{
    const char *content = nb_hnode_attr(n, "content");
    if (!content)
        return;
    const char *prop = nb_hnode_attr(n, "property");
    const char *name = nb_hnode_attr(n, "name");
    const char *itemprop = nb_hnode_attr(n, "itemprop");
    if (prop) {
        /* property may list several names */
        char buf[256];
        size_t len = strlen(prop);
        for (size_t i = 0; i < len;) {
            while (i < len && is_ws((unsigned char)prop[i]))
                i++;
            size_t j = i;
            while (j < len && !is_ws((unsigned char)prop[j]))
                j++;
            if (j > i && j - i < sizeof buf) {
                memcpy(buf, prop + i, j - i);
                buf[j - i] = '\0';
                meta_put(c, buf, content);
                /* "og:article:author" also counts as "article:author" */
                static const char *const inner[] = {"article:author", "article:published_time",
                                                    NULL};
                for (const char *const *k = inner; *k; k++) {
                    const char *hit = strstr(buf, *k);
                    if (hit && hit != buf)
                        meta_put(c, *k, content);
                }
            }
            i = j;
        }
    }
    if (name)
        meta_put(c, name, content);
    if (itemprop && !meta_get(c, "itemprop:datepublished") &&
        strcasecmp(itemprop, "datePublished") == 0)
        meta_put(c, "itemprop:datepublished", content);
    const char *equiv = nb_hnode_attr(n, "http-equiv");
    if (equiv && strcasecmp(equiv, "content-language") == 0)
        meta_put(c, "http-equiv:content-language", content);
}

static double similarity(const char *a, const char *b);
static const char *title_from_doc(ctx *c);

static int article_type(const json_t *type)
{
    static const char *const types[] = {"Article",
                                        "AdvertiserContentArticle",
                                        "NewsArticle",
                                        "AnalysisNewsArticle",
                                        "AskPublicNewsArticle",
                                        "BackgroundNewsArticle",
                                        "OpinionNewsArticle",
                                        "ReportageNewsArticle",
                                        "ReviewNewsArticle",
                                        "Report",
                                        "SatiricalArticle",
                                        "ScholarlyArticle",
                                        "MedicalScholarlyArticle",
                                        "SocialMediaPosting",
                                        "BlogPosting",
                                        "LiveBlogPosting",
                                        "DiscussionForumPosting",
                                        "TechArticle",
                                        "APIReference",
                                        NULL};
    if (json_is_array(type)) {
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) if (article_type(t)) return 1;
        return 0;
    }
    const char *s = json_string_value(type);
    if (!s)
        return 0;
    for (const char *const *t = types; *t; t++)
        if (strcmp(s, *t) == 0)
            return 1;
    return 0;
}

static const char *person_names(ctx *c, json_t *a)
{
    if (json_is_string(a))
        return meta_str(c, json_string_value(a));
    if (json_is_object(a))
        return meta_str(c, json_string_value(json_object_get(a, "name")));
    if (!json_is_array(a))
        return NULL;
    nb_buf b;
    nb_buf_init(&b, 4096);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *name = json_is_object(v) ? json_string_value(json_object_get(v, "name"))
                                             : json_string_value(v);
        if (!name)
            continue;
        if ((b.len && nb_buf_puts(&b, ", ")) || nb_buf_puts(&b, name))
            break;
    }
    const char *s = meta_str(c, b.data);
    nb_buf_free(&b);
    return s;
}

static void read_ld_object(ctx *c, json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *headline = json_string_value(json_object_get(o, "headline"));
    if (name && headline && strcmp(name, headline) != 0) {
        /* name, unless only the headline resembles the page's own title */
        const char *ref = title_from_doc(c);
        double sn = ref ? similarity(name, ref) : 0, sh = ref ? similarity(headline, ref) : 0;
        c->ld.title = meta_str(c, sh > 0.75 && sn <= 0.75 ? headline : name);
    } else {
        c->ld.title = meta_str(c, headline ? headline : name);
    }
    c->ld.byline = person_names(c, json_object_get(o, "author"));
    c->ld.excerpt = meta_str(c, json_string_value(json_object_get(o, "description")));
    json_t *pub = json_object_get(o, "publisher");
    if (json_is_object(pub))
        c->ld.site = meta_str(c, json_string_value(json_object_get(pub, "name")));
    c->ld.published = meta_str(c, json_string_value(json_object_get(o, "datePublished")));
}

static int schema_context(json_t *o)
{
    json_t *cx = json_object_get(o, "@context");
    const char *s = json_string_value(cx);
    if (!s && json_is_object(cx))
        s = json_string_value(json_object_get(cx, "@vocab"));
    return s && strstr(s, "schema.org") != NULL;
}

static void read_json_ld(ctx *c, const nb_hnode *script)
{
    if (c->ld.title || c->ld.byline || c->ld.published)
        return;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_JSON_BYTES);
    for (const nb_hnode *t = script->first; t; t = t->next)
        if (t->text && nb_buf_puts(&b, t->text))
            break;
    const char *s = nb_buf_str(&b);
    while (is_ws((unsigned char)*s))
        s++;
    if (strncmp(s, "<![CDATA[", 9) == 0)
        s += 9;
    json_error_t jerr;
    json_t *root = json_loads(s, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
    json_t *found = NULL;
    if (json_is_array(root)) {
        size_t i;
        json_t *v;
        json_array_foreach(root, i,
                           v) if (json_is_object(v) && article_type(json_object_get(v, "@type")))
        {
            found = v;
            break;
        }
        if (found && !schema_context(found) && !schema_context(root))
            found = NULL;
    } else if (json_is_object(root) && schema_context(root)) {
        if (article_type(json_object_get(root, "@type"))) {
            found = root;
        } else {
            json_t *graph = json_object_get(root, "@graph");
            size_t i;
            json_t *v;
            json_array_foreach(graph, i, v) if (json_is_object(v) &&
                                                article_type(json_object_get(v, "@type")))
            {
                found = v;
                break;
            }
        }
    }
    if (found)
        read_ld_object(c, found);
    json_decref(root);
    nb_buf_free(&b);
}

/* Word-set similarity of b to a: the share of b's text made of words that a also has. */
static double similarity(const char *a, const char *b)
{
    char la[1024], lb[1024];
    size_t i;
    for (i = 0; a[i] && i + 1 < sizeof la; i++)
        la[i] = (char)tolower((unsigned char)a[i]);
    la[i] = '\0';
    for (i = 0; b[i] && i + 1 < sizeof lb; i++)
        lb[i] = (char)tolower((unsigned char)b[i]);
    lb[i] = '\0';
    size_t total = 0, missing = 0;
    const char *p = lb;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            p++;
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80)))
            p++;
        size_t n = (size_t)(p - start);
        if (!n)
            continue;
        total += n + 1;
        int seen = 0;
        for (const char *q = la; (q = strstr(q, "")) && *q;) {
            while (*q && !isalnum((unsigned char)*q) && !((unsigned char)*q & 0x80))
                q++;
            const char *qs = q;
            while (*q && (isalnum((unsigned char)*q) || ((unsigned char)*q & 0x80)))
                q++;
            if ((size_t)(q - qs) == n && memcmp(qs, start, n) == 0) {
                seen = 1;
                break;
            }
        }
        if (!seen)
            missing += n + 1;
    }
    return total ? 1.0 - (double)missing / (double)total : 0.0;
}

static int is_title_sep(const char *p, size_t *len)
{
    static const char *const seps[] = {
        "|", "-", "\xE2\x80\x93", "\xE2\x80\x94", "\\", "/", ">", "\xC2\xBB", NULL};
    for (const char *const *s = seps; *s; s++) {
        size_t n = strlen(*s);
        if (strncmp(p, *s, n) == 0) {
            *len = n;
            return 1;
        }
    }
    return 0;
}

static int has_cjk(const char *s);

static size_t codepoints(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* 1 when at least a third of the characters of s are CJK. */
static int mostly_cjk(const char *s)
{
    size_t all = 0, wide = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        all++;
        wide += *p >= 0xE3 && *p <= 0xE9;
    }
    return all && wide * 3 >= all;
}

/* A Chinese or Japanese <title> has no spaces to count words by: its headline is the
 * first <h1> (else <h2>) whose text the title starts with, else the title's first part
 * before a separator ("_", "|", " - ", "－", "——"). NULL when neither is found. */
static const char *cjk_headline(ctx *c, const char *orig)
{
    for (int level = 0; level < 2; level++) {
        unsigned tag = level ? GUMBO_TAG_H2 : GUMBO_TAG_H1;
        for (nb_hnode *n = c->doc->root; n; n = nb_hnode_next(n, c->doc->root, 0)) {
            if (n->tag != tag || !n->name)
                continue;
            const char *t = clean_str(c, small_text(c, n, 2048, 256, 1));
            if (t && codepoints(t) >= 4 && strncmp(orig, t, strlen(t)) == 0)
                return t;
        }
    }
    static const char *const seps[] = {
        "_", "|", " - ", "\xEF\xBC\x8D", "\xE2\x80\x94\xE2\x80\x94", " \xE2\x80\x93 ", NULL};
    size_t cut = strlen(orig);
    for (const char *const *sep = seps; *sep; sep++) {
        const char *hit = strstr(orig, *sep);
        if (hit && (size_t)(hit - orig) < cut)
            cut = (size_t)(hit - orig);
    }
    if (cut == strlen(orig))
        return NULL;
    const char *head = clean_str(c, nb_arena_strndup(c->art->arena, orig, cut));
    return head && codepoints(head) >= 4 ? head : NULL;
}

/* The headline from <title>: a trailing " | Site" (or a leading "Site: ") dropped when
 * what is left still reads as a title. */
static const char *title_from_doc(ctx *c)
{
    const char *orig = c->doc_title;
    if (!orig)
        return NULL;
    if (mostly_cjk(orig)) {
        const char *head = cjk_headline(c, orig);
        if (head)
            return head;
    }
    size_t len = strlen(orig);
    const char *cur = orig;
    int hier = 0;
    size_t first_sep = 0, last_sep = 0, sep_len = 0, last_len = 0;
    int found = 0;
    for (size_t i = 1; i + 2 < len; i++) {
        size_t n;
        if (orig[i - 1] == ' ' && is_title_sep(orig + i, &n) && orig[i + n] == ' ') {
            if (!found) {
                first_sep = i;
                sep_len = n;
            }
            found = 1;
            last_sep = i;
            last_len = n;
            if (orig[i] == '\\' || orig[i] == '/' || orig[i] == '>' ||
                (n == 2 && orig[i] == '\xC2'))
                hier = 1;
        }
    }
    if (found) {
        cur = clean_str(c, nb_arena_strndup(c->art->arena, orig, last_sep));
        if (word_count(cur) < 3)
            cur = clean_str(c, orig + first_sep + sep_len);
        (void)last_len;
    } else if (strstr(orig, ": ")) {
        int h_match = 0;
        for (nb_hnode *n = c->doc->root; n && !h_match; n = nb_hnode_next(n, c->doc->root, 0))
            if (n->tag == GUMBO_TAG_H1 || n->tag == GUMBO_TAG_H2) {
                const char *t = clean_str(c, small_text(c, n, 2048, 256, 1));
                if (t && strcmp(t, orig) == 0)
                    h_match = 1;
            }
        if (!h_match) {
            const char *last = strrchr(orig, ':');
            cur = clean_str(c, last + 1);
            if (word_count(cur) < 3) {
                cur = clean_str(c, strchr(orig, ':') + 1);
            } else {
                const char *colon = strchr(orig, ':');
                const char *before = nb_arena_strndup(c->art->arena, orig, (size_t)(colon - orig));
                if (word_count(before) > 5)
                    cur = orig;
            }
        }
    } else if (len > 150 || len < 15) {
        nb_hnode *h1 = NULL;
        int count = 0;
        for (nb_hnode *n = c->doc->root; n; n = nb_hnode_next(n, c->doc->root, 0))
            if (n->tag == GUMBO_TAG_H1) {
                h1 = n;
                count++;
            }
        if (count == 1)
            cur = clean_str(c, node_text(c, h1));
    }
    if (!cur)
        cur = orig;
    size_t wc = word_count(cur);
    if (wc <= 4) {
        /* the words of the title without its separators */
        size_t orig_words = 0;
        int in = 0;
        for (size_t i = 0; i < len; i++) {
            size_t n;
            if (is_ws((unsigned char)orig[i]) || is_title_sep(orig + i, &n)) {
                in = 0;
            } else if (!in) {
                in = 1;
                orig_words++;
            }
        }
        if (!hier || wc != orig_words - 1)
            cur = orig;
    }
    return cur;
}

/* One pass over the untouched page: metadata, <title>, JSON-LD, lang and base. */
static void read_metadata(ctx *c)
{
    nb_hnode *root = c->doc->root;
    const char *lang = nb_hnode_attr(root, "lang");
    if (!lang || !*lang)
        lang = nb_hnode_attr(root, "xml:lang");
    c->art->lang = meta_str(c, lang);
    for (nb_hnode *n = root; n; n = nb_hnode_next(n, root, 0)) {
        if (!n->name)
            continue;
        if (n->tag == GUMBO_TAG_META) {
            read_meta(c, n);
        } else if (n->tag == GUMBO_TAG_TITLE && !c->doc_title) {
            nb_buf raw;
            nb_buf_init(&raw, NB_LIMIT_FIELD_BYTES);
            for (const nb_hnode *t = n->first; t; t = t->next)
                if (t->text && nb_buf_puts(&raw, t->text))
                    break;
            c->doc_title = trim_str(c, nb_buf_str(&raw));
            nb_buf_free(&raw);
        } else if (n->tag == GUMBO_TAG_BASE && c->base == c->url) {
            const char *href = nb_hnode_attr(n, "href");
            char *abs = href && c->url ? nb_url_resolve(c->url, href) : NULL;
            if (abs)
                c->base = nb_arena_strdup(c->art->arena, abs);
            free(abs);
        } else if (n->tag == GUMBO_TAG_SCRIPT) {
            const char *type = nb_hnode_attr(n, "type");
            if (type && strcasecmp(type, "application/ld+json") == 0) {
                c->cands = nb_xgrow(c->cands, &c->cand_alloc, c->cand_count + 1, sizeof *c->cands);
                c->cands[c->cand_count++] = n; /* read once <title> is known */
            }
        }
    }
    if (c->doc_title)
        unescape((char *)c->doc_title);
    for (size_t i = 0; i < c->cand_count; i++)
        read_json_ld(c, c->cands[i]);
    c->cand_count = 0;
    if (!c->art->lang)
        c->art->lang = meta_str(c, meta_get(c, "http-equiv:content-language"));
}

static void finish_metadata(ctx *c)
{
    static const char *const title_keys[] = {"dc:title",
                                             "dcterm:title",
                                             "og:title",
                                             "weibo:article:title",
                                             "weibo:webpage:title",
                                             "title",
                                             "twitter:title",
                                             "parsely-title",
                                             NULL};
    static const char *const byline_keys[] = {"dc:creator", "dcterm:creator", "author",
                                              "parsely-author", NULL};
    static const char *const excerpt_keys[] = {"dc:description",
                                               "dcterm:description",
                                               "og:description",
                                               "weibo:article:description",
                                               "weibo:webpage:description",
                                               "description",
                                               "twitter:description",
                                               NULL};
    static const char *const time_keys[] = {"article:published_time", "parsely-pub-date", NULL};
    static const char *const late_time_keys[] = {"itemprop:datepublished",
                                                 "og:published_time",
                                                 "og:release_date",
                                                 "weibo:article:create_at",
                                                 "bytedance:published_time",
                                                 "pubdate",
                                                 "publishdate",
                                                 "publish_date",
                                                 "publication_date",
                                                 "dc:date",
                                                 "dcterms:created",
                                                 "sailthru:date",
                                                 "date",
                                                 NULL};
    nb_article *a = c->art;
    a->title = c->ld.title ? c->ld.title : meta_first(c, title_keys);
    if (!a->title)
        a->title = title_from_doc(c);
    a->byline = c->ld.byline ? c->ld.byline : meta_first(c, byline_keys);
    const char *art_author = meta_str(c, meta_get(c, "article:author"));
    if (!a->byline && art_author && !nb_url_is_http(art_author))
        a->byline = art_author;
    if (!a->byline)
        a->byline = c->byline;
    a->excerpt = c->ld.excerpt ? c->ld.excerpt : meta_first(c, excerpt_keys);
    a->site_name = c->ld.site ? c->ld.site : meta_str(c, meta_get(c, "og:site_name"));
    a->published = c->ld.published ? c->ld.published : meta_first(c, time_keys);
    if (!a->published)
        a->published = meta_first(c, late_time_keys);
    static const char *const image_keys[] = {
        "og:image",      "og:image:url",      "og:image:secure_url",
        "twitter:image", "twitter:image:src", NULL};
    c->og_image = meta_first(c, image_keys);
    c->meta_count = 0; /* read: the passes do not look them up */
}

/* ---------- content ---------- */

static void add_cand(ctx *c, nb_hnode *n, int flags)
{
    stats *s = st(c, n);
    if (s->scored)
        return;
    s->scored = 1;
    switch (n->tag) {
    case GUMBO_TAG_DIV:
        s->score = 5;
        break;
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_BLOCKQUOTE:
        s->score = 3;
        break;
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_FORM:
        s->score = -3;
        break;
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TH:
        s->score = -5;
        break;
    default:
        s->score = 0;
    }
    if (flags & WEIGHT_CLASSES) {
        int w = class_weight(n);
        if (w)
            c->effects |= WEIGHT_CLASSES;
        s->score += w;
    }
    c->cands = nb_xgrow(c->cands, &c->cand_alloc, c->cand_count + 1, sizeof *c->cands);
    c->cands[c->cand_count++] = n;
}

static double link_density(ctx *c, const nb_hnode *n)
{
    stats *s = st(c, n);
    return s->tlen ? s->llen / s->tlen : 0.0;
}

/* Numbers for every node under top, children before parents. */
static void compute_stats(ctx *c, nb_hnode *top)
{
    st_reserve(c);
    size_t count = 0, alloc = c->doc->node_count + 1; /* no subtree has more nodes */
    nb_hnode **order = nb_xmalloc(alloc * sizeof *order);
    for (nb_hnode *n = top; n; n = nb_hnode_next(n, top, 0)) {
        order = nb_xgrow(order, &alloc, count + 1, sizeof *order);
        order[count++] = n;
    }
    for (size_t i = 0; i < count; i++) {
        nb_hnode *n = order[i];
        stats *s = st(c, n);
        unsigned char fig = n->parent ? st(c, n->parent)->in_figure : 0;
        unsigned char tab = n->parent ? st(c, n->parent)->in_table : 0;
        double score = s->score;
        unsigned char scored = s->scored, as_p = s->as_p;
        memset(s, 0, sizeof *s);
        s->score = score;
        s->scored = scored;
        s->as_p = as_p;
        s->in_figure = fig || n->tag == GUMBO_TAG_FIGURE;
        s->in_table = tab || n->tag == GUMBO_TAG_TABLE;
    }
    for (size_t i = count; i > 0; i--) {
        nb_hnode *n = order[i - 1];
        stats *s = st(c, n);
        if (!n->name) {
            s->tlen = text_measure(n->text, &s->commas, &s->cjk);
        } else {
            switch (n->tag) {
            case GUMBO_TAG_P:
                s->p++;
                break;
            case GUMBO_TAG_IMG:
                s->img++;
                break;
            case GUMBO_TAG_LI:
                s->li++;
                break;
            case GUMBO_TAG_INPUT:
                s->input++;
                break;
            case GUMBO_TAG_EMBED:
            case GUMBO_TAG_OBJECT:
            case GUMBO_TAG_IFRAME:
                s->embed++;
                break;
            case GUMBO_TAG_TR:
                s->tr++;
                break;
            case GUMBO_TAG_TH:
                s->th++;
                break;
            default:
                break;
            }
            if (n->tag == GUMBO_TAG_A) {
                const char *href = nb_hnode_attr(n, "href");
                double coef = href && href[0] == '#' ? 0.3 : 1.0;
                s->llen = s->tlen * coef;
            }
            if (n->tag >= GUMBO_TAG_H1 && n->tag <= GUMBO_TAG_H6) /* contiguous in gumbo */
                s->heading_len = s->tlen;
            if (n->tag == GUMBO_TAG_LI)
                s->li_len += s->tlen;
        }
        if (n == top || !n->parent)
            continue;
        stats *ps = st(c, n->parent);
        ps->tlen += s->tlen;
        ps->llen += s->llen;
        ps->commas += s->commas;
        ps->p += s->p;
        ps->img += s->img;
        ps->li += s->li;
        ps->input += s->input;
        ps->embed += s->embed;
        ps->tr += s->tr;
        ps->th += s->th;
        ps->heading_len += s->heading_len;
        ps->li_len += s->li_len;
        ps->cjk += s->cjk;
        ps->blocks += s->blocks + (n->name && is_div_block(n->tag));
    }
    free(order);
}

/* Removes n and subtracts its numbers from the nearest ancestors. */
static void remove_counted(ctx *c, nb_hnode *n)
{
    const stats *s = st(c, n);
    int level = 0;
    for (nb_hnode *a = n->parent; a && level < STATS_UPDATE; a = a->parent, level++) {
        stats *as = st(c, a);
        as->tlen -= s->tlen < as->tlen ? s->tlen : as->tlen;
        as->llen -= s->llen < as->llen ? s->llen : as->llen;
        as->commas -= s->commas < as->commas ? s->commas : as->commas;
        as->p -= s->p < as->p ? s->p : as->p;
        as->img -= s->img < as->img ? s->img : as->img;
        as->li -= s->li < as->li ? s->li : as->li;
        as->input -= s->input < as->input ? s->input : as->input;
        as->embed -= s->embed < as->embed ? s->embed : as->embed;
        as->li_len -= s->li_len < as->li_len ? s->li_len : as->li_len;
    }
    nb_hnode_remove(n);
}

/* The text of every text node under n, as written, trimmed. */
static const char *raw_text(ctx *c, const nb_hnode *n)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_FIELD_BYTES);
    for (const nb_hnode *k = n; k; k = nb_hnode_next(k, n, 0))
        if (k->text && nb_buf_puts(&b, k->text))
            break;
    const char *t = meta_str(c, nb_buf_str(&b));
    nb_buf_free(&b);
    return t;
}

/* The author line in the page when the metadata names nobody: rel=author, itemprop
 * author, or a byline class; the element leaves the text. Comments are not searched. */
static void find_byline(ctx *c, nb_hnode *body)
{
    if (c->art->byline || c->byline)
        return;
    for (nb_hnode *n = body; n;) {
        char buf[512];
        int skip = 0;
        if (n->name && n != body) {
            const char *ms = match_string(n, buf, sizeof buf);
            const char *rel = nb_hnode_attr(n, "rel");
            const char *itemprop = nb_hnode_attr(n, "itemprop");
            if (is_skipped_tag(n->tag) || is_hidden(n) || strstr(ms, "comment")) {
                skip = 1;
            } else if ((rel && strcmp(rel, "author") == 0) ||
                       (itemprop && strstr(itemprop, "author")) || has_any(ms, BYLINE)) {
                const char *t = meta_str(c, small_text(c, n, 400, 256, 1));
                if (t && strlen(t) < 100) {
                    nb_hnode *nm = NULL;
                    for (nb_hnode *k = n; k; k = nb_hnode_next(k, n, 0)) {
                        const char *ip = k->name ? nb_hnode_attr(k, "itemprop") : NULL;
                        if (ip && strstr(ip, "name")) {
                            nm = k;
                            break;
                        }
                    }
                    const char *name = nm ? raw_text(c, nm) : NULL;
                    c->byline = name ? name : t;
                    nb_hnode_remove(n);
                    return;
                }
            }
        }
        n = nb_hnode_next(n, body, skip);
    }
}

/* Phase one: hidden nodes, scripts, unlikely blocks, the byline and the headline copy go. */
static void strip_page(ctx *c, nb_hnode *body, int flags)
{
    int title_dropped = 0;
    nb_hnode *n = body;
    while (n) {
        int remove = 0;
        if (n->name && n != body) {
            char buf[512];
            if (is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_SVG || n->tag == GUMBO_TAG_IFRAME ||
                n->tag == GUMBO_TAG_OBJECT || n->tag == GUMBO_TAG_EMBED ||
                n->tag == GUMBO_TAG_BUTTON || n->tag == GUMBO_TAG_INPUT ||
                n->tag == GUMBO_TAG_SELECT || n->tag == GUMBO_TAG_TEXTAREA ||
                n->tag == GUMBO_TAG_FOOTER || n->tag == GUMBO_TAG_ASIDE ||
                n->tag == GUMBO_TAG_NAV) {
                remove = 1;
            } else if (is_hidden(n)) {
                remove = 1;
            } else {
                const char *ms = match_string(n, buf, sizeof buf);
                if (!remove && (flags & STRIP_UNLIKELY) && *ms && ad_word(ms) &&
                    n->tag != GUMBO_TAG_BODY && n->tag != GUMBO_TAG_HTML)
                    remove = 1;
                if (!remove && (flags & STRIP_UNLIKELY) && *ms && has_any(ms, UNLIKELY) &&
                    !has_any(ms, MAYBE) && n->tag != GUMBO_TAG_A && n->tag != GUMBO_TAG_BODY &&
                    n->tag != GUMBO_TAG_TABLE && n->tag != GUMBO_TAG_TBODY &&
                    n->tag != GUMBO_TAG_TR && n->tag != GUMBO_TAG_TD && n->tag != GUMBO_TAG_CODE &&
                    n->tag != GUMBO_TAG_HTML)
                    remove = 1;
                const char *role = nb_hnode_attr(n, "role");
                if (!remove && (flags & STRIP_UNLIKELY) && role &&
                    (strcmp(role, "menu") == 0 || strcmp(role, "menubar") == 0 ||
                     strcmp(role, "complementary") == 0 || strcmp(role, "navigation") == 0 ||
                     strcmp(role, "alert") == 0 || strcmp(role, "alertdialog") == 0 ||
                     strcmp(role, "dialog") == 0))
                    remove = 1;
                if (remove)
                    c->effects |= STRIP_UNLIKELY; /* only those rules remove here */
                if (!remove && !title_dropped && c->art->title &&
                    (n->tag == GUMBO_TAG_H1 || n->tag == GUMBO_TAG_H2)) {
                    const char *t = clean_str(c, small_text(c, n, 2048, 256, 1));
                    if (t && similarity(c->art->title, t) > 0.75 &&
                        similarity(t, c->art->title) > 0.75) {
                        remove = 1;
                        title_dropped = 1;
                    }
                }
            }
        }
        nb_hnode *next = nb_hnode_next(n, body, remove);
        if (remove)
            nb_hnode_remove(n);
        n = next;
    }
}

/* Phase two: the blocks to score, with runs of inline content inside block containers
 * wrapped into paragraphs. */
static nb_hnode **collect_blocks(ctx *c, nb_hnode *body, size_t *count)
{
    nb_hnode **list = NULL;
    size_t alloc = 0;
    *count = 0;
    for (nb_hnode *n = body; n; n = nb_hnode_next(n, body, 0)) {
        if (!n->name)
            continue;
        int take = n->tag == GUMBO_TAG_P || n->tag == GUMBO_TAG_PRE || n->tag == GUMBO_TAG_TD ||
                   n->tag == GUMBO_TAG_SECTION || n->tag == GUMBO_TAG_H2 ||
                   n->tag == GUMBO_TAG_H3 || n->tag == GUMBO_TAG_H4 || n->tag == GUMBO_TAG_H5 ||
                   n->tag == GUMBO_TAG_H6;
        if (n->tag == GUMBO_TAG_DIV || n->tag == GUMBO_TAG_ARTICLE || n->tag == GUMBO_TAG_MAIN) {
            if (st(c, n)->blocks == 0) {
                st(c, n)->as_p = 1;
                take = 1;
            } else {
                /* wrap inline runs */
                nb_hnode *k = n->first;
                while (k) {
                    if (!is_phrasing(k)) {
                        k = k->next;
                        continue;
                    }
                    nb_hnode *end = k;
                    unsigned tl = 0;
                    while (end && is_phrasing(end)) {
                        tl += st(c, end)->tlen;
                        end = end->next;
                    }
                    if (tl >= 1) {
                        nb_hnode *p = nb_hnode_new(c->doc, "p");
                        st_reserve(c);
                        stats *ps = st(c, p);
                        p->parent = n;
                        p->prev = k->prev;
                        p->next = NULL;
                        if (k->prev)
                            k->prev->next = p;
                        else
                            n->first = p;
                        nb_hnode *m = k;
                        while (m != end) {
                            nb_hnode *mn = m->next;
                            stats *ms = st(c, m);
                            ps->tlen += ms->tlen;
                            ps->llen += ms->llen;
                            ps->commas += ms->commas;
                            ps->img += ms->img;
                            m->parent = p;
                            m->prev = p->last;
                            m->next = NULL;
                            if (p->last)
                                p->last->next = m;
                            else
                                p->first = m;
                            p->last = m;
                            m = mn;
                        }
                        p->next = end;
                        if (end)
                            end->prev = p;
                        else
                            n->last = p;
                        ps->p = 1;
                        list = nb_xgrow(list, &alloc, *count + 1, sizeof *list);
                        list[(*count)++] = p;
                    }
                    k = end;
                }
            }
        }
        if (take) {
            list = nb_xgrow(list, &alloc, *count + 1, sizeof *list);
            list[(*count)++] = n;
        }
    }
    return list;
}

static int ends_sentence(ctx *c, nb_hnode *n)
{
    const char *t = node_text(c, n);
    size_t len = strlen(t);
    if (strstr(t, ". "))
        return 1;
    while (len && is_ws((unsigned char)t[len - 1]))
        len--;
    if (len && t[len - 1] == '.')
        return 1;
    return len >= 3 && (strcmp(t + len - 3, "\xE3\x80\x82") == 0 || /* 。 */
                        strcmp(t + len - 3, "\xEF\xBC\x81") == 0 || /* ！ */
                        strcmp(t + len - 3, "\xEF\xBC\x9F") == 0);  /* ？ */
}

static int same_class(const nb_hnode *a, const nb_hnode *b)
{
    const char *x = nb_hnode_attr(a, "class"), *y = nb_hnode_attr(b, "class");
    return x && y && *x && strcmp(x, y) == 0;
}

/* Drops link lists, forms, galleries and the like from the article, deepest first. */
static void clean_article(ctx *c, nb_hnode *article, int flags)
{
    st_reserve(c);
    nb_hnode **order = NULL;
    size_t count = 0, alloc = 0;
    for (nb_hnode *n = article; n; n = nb_hnode_next(n, article, 0)) {
        order = nb_xgrow(order, &alloc, count + 1, sizeof *order);
        order[count++] = n;
    }
    for (size_t i = count; i > 0; i--) {
        nb_hnode *n = order[i - 1];
        if (!n->name || n == article || !n->parent)
            continue;
        /* is n still in the article? (an ancestor may be gone) */
        stats *s = st(c, n);
        char buf[512];
        if ((n->tag == GUMBO_TAG_H1 || n->tag == GUMBO_TAG_H2) && (flags & WEIGHT_CLASSES) &&
            class_weight(n) < 0) {
            c->effects |= WEIGHT_CLASSES;
            remove_counted(c, n);
            continue;
        }
        const char *ms = match_string(n, buf, sizeof buf);
        if ((flags & STRIP_UNLIKELY) && n->tag != GUMBO_TAG_P && has_any(ms, SHARE) &&
            s->tlen < RETRY_BELOW && !has_any(ms, MAYBE)) {
            c->effects |= STRIP_UNLIKELY;
            remove_counted(c, n);
            continue;
        }
        if (s->as_p && n->tag != GUMBO_TAG_P && !s->in_table && (flags & CLEAN_COND) &&
            s->tlen > 0 && s->tlen < MIN_PARAGRAPH && !s->img && link_density(c, n) > 0.9) {
            c->effects |= CLEAN_COND;
            remove_counted(c, n); /* a short <div> of links: comment counts, votes, tags */
            continue;
        }
        if ((n->tag == GUMBO_TAG_P || s->as_p) && s->tlen == 0 && !s->img && !s->embed) {
            remove_counted(c, n); /* an empty paragraph */
            continue;
        }
        const char *label =
            s->tlen && s->tlen < 20 && !s->img ? meta_str(c, small_text(c, n, 64, 8, 0)) : NULL;
        if (label && ad_label(label)) {
            remove_counted(c, n); /* an "Advertisement" label left by an ad slot */
            continue;
        }
        if (n->tag == GUMBO_TAG_FORM || n->tag == GUMBO_TAG_FIELDSET) {
            remove_counted(c, n);
            continue;
        }
        if (!(flags & CLEAN_COND))
            continue;
        if (!(n->tag == GUMBO_TAG_TABLE || n->tag == GUMBO_TAG_UL || n->tag == GUMBO_TAG_OL ||
              (n->tag == GUMBO_TAG_DIV && !s->as_p) || n->tag == GUMBO_TAG_SECTION))
            continue;
        if (n->tag == GUMBO_TAG_TABLE &&
            (s->th || s->tr >= 10 || nb_hnode_attr(n, "summary") || s->tlen > 500))
            continue; /* a data table */
        if (s->in_table && n->tag != GUMBO_TAG_TABLE)
            continue;
        /* from here on every removal is CLEAN_COND's */
        int weight = (flags & WEIGHT_CLASSES) ? class_weight(n) : 0;
        if (weight)
            c->effects |= WEIGHT_CLASSES;
        if (weight < 0) { /* a block's own score does not count here: only its name */
            c->effects |= CLEAN_COND;
            remove_counted(c, n);
            continue;
        }
        if (s->commas >= 10)
            continue;
        /* a list, or a block that is mostly list items */
        int is_list = n->tag == GUMBO_TAG_UL || n->tag == GUMBO_TAG_OL ||
                      (s->tlen && (double)s->li_len / s->tlen > 0.9);
        double ld = link_density(c, n);
        double p = s->p, img = s->img, li = (double)s->li - 100, input = s->input;
        double heading = s->tlen ? (double)s->heading_len / s->tlen : 0;
        int bad = (img > 1 && p / img < 0.5 && !s->in_figure) || (!is_list && li > p) ||
                  (input > floor(p / 3)) ||
                  (!is_list && heading < 0.9 && s->tlen < 25 && (img == 0 || img > 2) && ld > 0) ||
                  (!is_list && weight < 25 && ld > 0.2) || (weight >= 25 && ld > 0.5) ||
                  ((s->embed == 1 && s->tlen < 75) || s->embed > 1);
        if (is_list && bad && s->img >= s->li && s->li > 0 && ld < 0.5)
            bad = 0; /* a list of pictures */
        if (bad) {
            c->effects |= CLEAN_COND;
            remove_counted(c, n);
        }
    }
    free(order);
}

/* ---------- Chinese bylines ---------- */

/* 1 when p starts a character that ends a name: white space, the end, a bracket, a
 * separator or clause punctuation. */
static int name_end(const char *p)
{
    static const char *const ends[] = {"）", ")", "]",  "】", "、", "，", "。",
                                       "；", "|", "｜", "/",  "：", ":",  NULL};
    if (!*p || ws_len((const unsigned char *)p))
        return 1;
    for (const char *const *e = ends; *e; e++)
        if (strncmp(p, *e, strlen(*e)) == 0)
            return 1;
    return 0;
}

/* The name after a byline label at p: up to the next white space or separator, at most
 * max_chars characters; NULL when there is none or it runs on (then it is a sentence). */
static const char *name_after(ctx *c, const char *p, unsigned max_chars, int cjk_only)
{
    while (*p == ' ' || ws_len((const unsigned char *)p))
        p += ws_len((const unsigned char *)p) ? ws_len((const unsigned char *)p) : 1;
    const char *start = p;
    unsigned chars = 0;
    while (!name_end(p)) {
        unsigned char ch = (unsigned char)*p;
        if (cjk_only && !(ch >= 0xE4 && ch <= 0xE9))
            return NULL;
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        if (++chars > max_chars)
            return NULL;
    }
    if (!chars || (cjk_only && chars < 2))
        return NULL;
    return nb_arena_strndup(c->art->arena, start, (size_t)(p - start));
}

/* The author named on a Chinese news page's byline or info line: "作者：", "文/",
 * "记者" (at a line's start, after 本报/社/台 or in brackets) or "编辑：" (not
 * 责任编辑, the page editor), in that order of preference. */
static const char *cn_byline(ctx *c, const char *text)
{
    static const char *const labels[] = {"作者：", "作者:",  "文/",   "文／",
                                         "记者",   "编辑：", "编辑:", NULL};
    for (const char *const *l = labels; *l; l++) {
        size_t n = strlen(*l);
        int reporter = strcmp(*l, "记者") == 0, editor = strncmp(*l, "编辑", 6) == 0;
        int slash = strncmp(*l, "文", 3) == 0;
        for (const char *p = strstr(text, *l); p; p = strstr(p + n, *l)) {
            const char *before = p > text ? p - 1 : NULL;
            while (before && before > text && (*before & 0xC0) == 0x80)
                before--;
            int at_start = !before || ws_len((const unsigned char *)before) || name_end(before) ||
                           strncmp(before, "【", 3) == 0 || strncmp(before, "（", 3) == 0 ||
                           *before == '(' || *before == '[';
            if ((editor || slash) && !at_start)
                continue; /* 责任编辑, 本文/… */
            if (reporter && !at_start &&
                !(before && (strncmp(before, "报", 3) == 0 || strncmp(before, "社", 3) == 0 ||
                             strncmp(before, "台", 3) == 0)))
                continue;
            const char *name = name_after(c, p + n, reporter ? 4 : 20, reporter);
            if (name)
                return name;
        }
    }
    return NULL;
}

/* A byline with its label taken off: "作者：张三" is 张三. */
static const char *strip_byline_label(ctx *c, const char *by)
{
    if (!by)
        return by;
    static const char *const labels[] = {"作者：",   "作者:", "文/", "文／",
                                         "本报记者", "记者",  NULL};
    for (const char *const *l = labels; *l; l++)
        if (strncmp(by, *l, strlen(*l)) == 0) {
            const char *name = name_after(c, by + strlen(*l), 20, 0);
            return name ? name : by;
        }
    return by;
}

/* ---------- page furniture inside the article ---------- */

/* Opening words of a paragraph that is page furniture, not text: credits, "read more"
 * lines, sign-up and paywall notices, cookie notices, and the Chinese news page's source,
 * editor, disclaimer and follow-us lines. Compared case-insensitively with the block's
 * first characters. */
static const char *const FURNITURE_LEAD[] = {"read more:",
                                             "read more at",
                                             "related:",
                                             "see also:",
                                             "sign up for",
                                             "sign up to",
                                             "subscribe to continue",
                                             "subscribe to our",
                                             "subscribe now",
                                             "subscribers only",
                                             "already a subscriber",
                                             "you have read all",
                                             "you've read all",
                                             "you have reached your",
                                             "we use cookies",
                                             "this site uses cookies",
                                             "this website uses cookies",
                                             "by continuing to browse",
                                             "share this article",
                                             "share this story",
                                             "follow us on",
                                             "相关阅读",
                                             "相关新闻",
                                             "相关文章",
                                             "延伸阅读",
                                             "推荐阅读",
                                             "热门推荐",
                                             "责任编辑",
                                             "原标题",
                                             "来源：",
                                             "来源:",
                                             "稿件来源",
                                             "本文来源",
                                             "文章来源",
                                             "免责声明",
                                             "版权声明",
                                             "扫码关注",
                                             "扫描二维码",
                                             "长按识别",
                                             "长按二维码",
                                             "关注我们",
                                             "点击查看",
                                             "点击进入",
                                             "点击阅读",
                                             "更多精彩",
                                             NULL};

/* Opening words of a picture's credit line: a paragraph or caption, never a whole box
 * (a box that opens with a picture's credit is a story card). */
static const char *const CREDIT_LEAD[] = {
    "photograph:",    "photo:",  "photos:",       "image:",   "image credit", "photo credit",
    "picture credit", "credit:", "illustration:", "图片来源", "图片来自",     "图源：",
    "图源:",          NULL};

/* Headings of the blocks around an article: the heading goes, and the list after it. */
static const char *const FURNITURE_HEAD[] = {"recommended",       "related",
                                             "read more",         "read next",
                                             "more from",         "more stories",
                                             "most read",         "most popular",
                                             "you may also like", "you might also like",
                                             "comments",          "about the author",
                                             "newsletter",        "相关阅读",
                                             "相关新闻",          "相关文章",
                                             "推荐阅读",          "延伸阅读",
                                             "热门推荐",          "猜你喜欢",
                                             "网友评论",          "热门评论",
                                             "精彩评论",          NULL};

/* Opening words of a Chinese byline line ("本报记者 李明", "文/张三"). */
static const char *const CN_BYLINE_LEAD[] = {"作者", "文/",    "文／",  "本报记者",
                                             "记者", "编辑：", "编辑:", NULL};
#define CN_BYLINE_TEXT 40  /* characters of a byline line, at most */
#define FURNITURE_TEXT 300 /* a furniture paragraph is shorter than this (characters) */
#define FURNITURE_HEAD_LEN 40
#define CREDIT_TEXT 120 /* a picture's credit line is shorter than this */

/* The first characters of n's text, white space collapsed and leading brackets skipped,
 * lowercased (ASCII); looks at no more than a few dozen nodes. Text nodes are joined as
 * written: "Photo" and "Credit" in two spans read "photocredit". */
static void lead_text(const nb_hnode *n, char *buf, size_t cap)
{
    size_t o = 0, steps = 0;
    int space = 0;
    for (const nb_hnode *k = n; k && o + 1 < cap && steps < 64; k = nb_hnode_next(k, n, 0)) {
        steps++;
        if (k->name && is_skipped_tag(k->tag))
            continue;
        if (!k->text)
            continue;
        for (const unsigned char *p = (const unsigned char *)k->text; *p && o + 1 < cap;) {
            int w = ws_len(p);
            if (w) {
                space = o > 0;
                p += w;
                continue;
            }
            if (o == 0 && (*p == '[' || *p == '(')) {
                p++;
                continue;
            }
            if (o == 0 && (strncmp((const char *)p, "【", 3) == 0 ||
                           strncmp((const char *)p, "［", 3) == 0)) {
                p += 3;
                continue;
            }
            if (space && o + 2 < cap)
                buf[o++] = ' ';
            space = 0;
            buf[o++] = (char)tolower(*p);
            p++;
        }
    }
    size_t last = o; /* never end inside a character */
    while (last && (buf[last - 1] & 0xC0) == 0x80)
        last--;
    if (last && (unsigned char)buf[last - 1] >= 0xC0) {
        unsigned char lb = (unsigned char)buf[last - 1];
        size_t want = lb >= 0xF0 ? 4 : lb >= 0xE0 ? 3 : 2;
        if (o - (last - 1) < want)
            o = last - 1;
    }
    buf[o] = '\0';
}

static int starts_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strncmp(s, *words, strlen(*words)) == 0)
            return 1;
    return 0;
}

/* 1 when the text is only a furniture heading, perhaps with a count: "Comments (3)". */
static int furniture_heading(const char *t, unsigned tlen)
{
    if (tlen > FURNITURE_HEAD_LEN)
        return 0;
    for (const char *const *w = FURNITURE_HEAD; *w; w++) {
        size_t n = strlen(*w);
        if (strncmp(t, *w, n) != 0)
            continue;
        const char *r = t + n;
        while (*r == ' ' || *r == ':' || *r == '(' || *r == ')' || isdigit((unsigned char)*r))
            r++;
        if (!*r || strncmp(r, "：", 3) == 0 || strncmp(t, "more from", 9) == 0 ||
            strncmp(t, "you m", 5) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the paragraph is the author's biography: it opens with the byline's name and
 * "is" ("Jane Doe is the paper's science correspondent"). */
static int author_bio(ctx *c, const char *lead, unsigned tlen)
{
    const char *by = c->art->byline ? c->art->byline : c->byline;
    if (!by || tlen > FURNITURE_TEXT)
        return 0;
    if (strncasecmp(by, "by ", 3) == 0)
        by += 3;
    size_t n = strlen(by);
    if (n < 4 || n > 60 || !strchr(by, ' '))
        return 0;
    return strncasecmp(lead, by, n) == 0 && strncmp(lead + n, " is ", 4) == 0;
}

/* 1 when the text is only a date and time ("2025-04-07 09:15", "2025年4月7日 13:22"). */
static int date_only(const char *t)
{
    static const char *const cn[] = {"年", "月", "日", NULL};
    unsigned digit_count = 0;
    for (const char *p = t; *p;) {
        if (isdigit((unsigned char)*p)) {
            digit_count++;
            p++;
        } else if (strchr(" -/.:", *p)) {
            p++;
        } else if (starts_any(p, cn)) {
            p += 3;
        } else {
            return 0;
        }
    }
    return digit_count >= 6;
}

static int is_heading_tag(unsigned tag)
{
    return tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
           tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

/* Drops the furniture inside the gathered article, top down: short paragraphs and boxes
 * that open with a furniture phrase, furniture headings with the link list after them,
 * the author's biography and Chinese byline lines. Text that merely mentions those words
 * stays. Every pass does this: a looser pass must not win by keeping the furniture. */
static void drop_furniture(ctx *c, nb_hnode *article)
{
    st_reserve(c);
    nb_hnode *n = article;
    while (n) {
        int remove = 0;
        if (n->name && n != article && !is_skipped_tag(n->tag)) {
            stats *s = st(c, n);
            char lead[160];
            lead_text(n, lead, sizeof lead);
            int para = n->tag == GUMBO_TAG_P || s->as_p || n->tag == GUMBO_TAG_LI ||
                       n->tag == GUMBO_TAG_FIGCAPTION || is_heading_tag(n->tag) ||
                       n->tag == GUMBO_TAG_SPAN || n->tag == GUMBO_TAG_SMALL;
            int box = n->tag == GUMBO_TAG_DIV || n->tag == GUMBO_TAG_SECTION ||
                      n->tag == GUMBO_TAG_UL || n->tag == GUMBO_TAG_OL ||
                      n->tag == GUMBO_TAG_ASIDE || n->tag == GUMBO_TAG_FIGURE;
            if (*lead && !s->in_table) {
                int marked = starts_any(lead, FURNITURE_LEAD) || furniture_heading(lead, s->tlen);
                if (!marked && para && n->tag != GUMBO_TAG_LI && starts_any(lead, CREDIT_LEAD) &&
                    s->tlen < CREDIT_TEXT)
                    remove = 1;
                else if (marked && para && s->tlen < FURNITURE_TEXT)
                    remove = 1;
                else if (marked && box && !s->as_p &&
                         (s->tlen < FURNITURE_TEXT || link_density(c, n) > 0.4))
                    remove = 1;
                else if ((n->tag == GUMBO_TAG_P || s->as_p) && s->tlen < CN_BYLINE_TEXT &&
                         date_only(lead)) {
                    remove = 1; /* a dateline: the date is metadata */
                    if (!c->dateline)
                        c->dateline = raw_text(c, n);
                } else if (para && author_bio(c, lead, s->tlen))
                    remove = 1;
                else if (para && s->tlen < CN_BYLINE_TEXT && starts_any(lead, CN_BYLINE_LEAD)) {
                    const char *name = cn_byline(c, raw_text(c, n));
                    if (name) { /* a byline line: the author is kept, the line goes */
                        remove = 1;
                        if (!c->cn_byline)
                            c->cn_byline = name;
                    }
                }
                if (remove && furniture_heading(lead, s->tlen) && is_heading_tag(n->tag)) {
                    /* the list under the heading goes with it */
                    while (n->next && (!n->next->name ? !clean_str(c, n->next->text)
                                                      : n->next->tag == GUMBO_TAG_UL ||
                                                            n->next->tag == GUMBO_TAG_OL ||
                                                            link_density(c, n->next) > 0.5)) {
                        nb_hnode *x = n->next;
                        if (x->name)
                            remove_counted(c, x);
                        else
                            nb_hnode_remove(x);
                    }
                }
            }
        }
        nb_hnode *next = nb_hnode_next(n, article, remove);
        if (remove)
            remove_counted(c, n);
        n = next;
    }
}

/* The writing direction nearest the block: its parent's, its own, then further up. */
static const char *dir_of(const nb_hnode *n, const nb_hnode *root)
{
    const char *d = NULL;
    if (n && n->parent)
        d = nb_hnode_attr(n->parent, "dir");
    for (; n && !(d && *d); n = n->parent)
        d = n->name ? nb_hnode_attr(n, "dir") : NULL;
    if (!(d && *d))
        d = nb_hnode_attr(root, "dir");
    return d && *d ? d : NULL;
}

/* Finds the article in the page; returns a new element holding it (or NULL). */
static nb_hnode *grab(ctx *c, int flags)
{
    nb_hnode *root = c->doc->root, *body = NULL;
    for (nb_hnode *n = root->first; n; n = n->next)
        if (n->tag == GUMBO_TAG_BODY)
            body = n;
    if (!body)
        body = root;
    find_byline(c, body);
    strip_page(c, body, flags);
    compute_stats(c, body);
    size_t count;
    nb_hnode **blocks = collect_blocks(c, body, &count);
    c->cand_count = 0;
    for (size_t i = 0; i < count; i++) {
        nb_hnode *n = blocks[i];
        stats *s = st(c, n);
        if (!n->parent || s->tlen < MIN_PARAGRAPH)
            continue;
        double score = 1 + s->commas + (s->tlen / 100 < 3 ? s->tlen / 100 : 3);
        int level = 0;
        for (nb_hnode *a = n->parent; a && level < ANCESTOR_LEVELS; a = a->parent, level++) {
            if (!a->name || a == root)
                break;
            add_cand(c, a, flags);
            double div = level == 0 ? 1 : level == 1 ? 2 : level * 3;
            st(c, a)->score += score / div;
        }
    }
    free(blocks);
    nb_hnode *top[5] = {0};
    for (size_t i = 0; i < c->cand_count; i++) {
        nb_hnode *n = c->cands[i];
        stats *s = st(c, n);
        s->score *= 1 - link_density(c, n);
        for (int k = 0; k < 5; k++) {
            if (!top[k] || s->score > st(c, top[k])->score) {
                memmove(top + k + 1, top + k, (size_t)(4 - k) * sizeof *top);
                top[k] = n;
                break;
            }
        }
    }
    nb_hnode *best = top[0];
    if (!best || best == body) {
        best = body;
        add_cand(c, best, flags);
    } else {
        /* several strong candidates under one ancestor: take the ancestor */
        double bs = st(c, best)->score;
        nb_hnode *alts[4];
        int nalt = 0;
        for (int k = 1; k < 5; k++)
            if (top[k] && st(c, top[k])->score / bs >= 0.75)
                alts[nalt++] = top[k];
        if (nalt >= 3) {
            for (nb_hnode *a = best->parent; a && a != body && a != root; a = a->parent) {
                int inside = 0;
                for (int k = 0; k < nalt; k++)
                    for (nb_hnode *x = alts[k]; x; x = x->parent)
                        if (x == a) {
                            inside++;
                            break;
                        }
                if (inside >= 3) {
                    best = a;
                    break;
                }
            }
            add_cand(c, best, flags);
        }
        /* climb while the parent scores better */
        double last = st(c, best)->score, threshold = last / 3;
        for (nb_hnode *p = best->parent; p && p != body && p != root; p = p->parent) {
            stats *ps = st(c, p);
            if (!ps->scored)
                continue;
            if (ps->score < threshold)
                break;
            if (ps->score > last) {
                best = p;
                break;
            }
            last = ps->score;
        }
        /* a lone child: take its parent */
        while (best->parent && best->parent != body && best->parent != root) {
            int elems = 0;
            for (nb_hnode *k = best->parent->first; k; k = k->next)
                if (k->name || (k->text && clean_str(c, k->text)))
                    elems++;
            if (elems != 1)
                break;
            best = best->parent;
            add_cand(c, best, flags);
        }
    }
    c->top = best;
    c->top_area = best->parent;
    c->dir = dir_of(best, c->doc->root);
    nb_hnode *article = nb_hnode_new(c->doc, "div");
    st_reserve(c);
    double bscore = st(c, best)->score;
    double threshold = bscore * 0.2 > 10 ? bscore * 0.2 : 10;
    nb_hnode *parent = best->parent;
    if (best == body || !parent) {
        nb_hnode *k = best->first;
        while (k) {
            nb_hnode *next = k->next;
            nb_hnode_append(article, k);
            k = next;
        }
    } else {
        nb_hnode *k = parent->first;
        while (k) {
            nb_hnode *next = k->next;
            int take = k == best;
            if (!take && k->name) {
                stats *ks = st(c, k);
                double bonus = same_class(k, best) ? bscore * 0.2 : 0;
                if (ks->scored && ks->score + bonus >= threshold) {
                    take = 1;
                } else if (k->tag == GUMBO_TAG_P || ks->as_p) {
                    double ld = link_density(c, k);
                    if (ks->tlen > 80 && ld < 0.25)
                        take = 1;
                    else if (ks->tlen < 80 && ks->tlen > 0 && ld == 0 && ends_sentence(c, k))
                        take = 1;
                }
            }
            if (take)
                nb_hnode_append(article, k);
            k = next;
        }
    }
    drop_furniture(c, article);
    clean_article(c, article, flags);
    return article;
}

/* ---------- dates in the text ---------- */

static int digits(const char *p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return 0;
        *v = *v * 10 + (p[i] - '0');
    }
    return 1;
}

/* Reads 1-2 digits; returns the count read. */
static int small_num(const char *p, int *v)
{
    if (!isdigit((unsigned char)p[0]))
        return 0;
    *v = p[0] - '0';
    if (isdigit((unsigned char)p[1])) {
        *v = *v * 10 + (p[1] - '0');
        return 2;
    }
    return 1;
}

/* The first "2025年4月7日 13:22" or "2025-04-07 13:22" in text, as ISO 8601. */
static const char *date_in_text(ctx *c, const char *text, int chinese)
{
    for (const char *p = text; *p; p++) {
        int y, mo, d, h = -1, mi = 0, k;
        if (!digits(p, 4, &y) || y < 1990 || y > 2100 ||
            (p > text && isdigit((unsigned char)p[-1])))
            continue;
        const char *q = p + 4;
        int cn = strncmp(q, "年", 3) == 0;
        if (cn)
            q += 3;
        else if (*q == '-' || *q == '/' || *q == '.')
            q++;
        else
            continue;
        if (!(k = small_num(q, &mo)))
            continue;
        q += k;
        if (cn ? strncmp(q, "月", 3) != 0 : (*q != p[4]))
            continue;
        q += cn ? 3 : 1;
        if (!(k = small_num(q, &d)))
            continue;
        q += k;
        if (cn) {
            if (strncmp(q, "日", 3) != 0)
                continue;
            q += 3;
        } else if (isdigit((unsigned char)*q)) {
            continue;
        }
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
            continue;
        while (*q == ' ' || *q == 'T')
            q++;
        int hh, mm, ss, sec = 0;
        if ((k = small_num(q, &hh)) && q[k] == ':' && digits(q + k + 1, 2, &mm) && hh < 24 &&
            mm < 60) {
            h = hh;
            mi = mm;
            if (q[k + 3] == ':' && digits(q + k + 4, 2, &ss) && ss < 60)
                sec = ss;
        }
        char out[40];
        const char *zone = chinese ? "+08:00" : "";
        if (h >= 0)
            snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, sec,
                     zone);
        else
            snprintf(out, sizeof out, "%04d-%02d-%02d", y, mo, d);
        return nb_arena_strdup(c->art->arena, out);
    }
    return NULL;
}

/* The date a label on the page gives ("发布时间：", "时间：", "日期：", "来源：… 2025-04-07"):
 * the first text node holding a label, read with the text after it. Dates inside the
 * article rarely carry such a label, so this one is the page's. */
static const char *labelled_date(ctx *c, nb_hnode *root, int chinese)
{
    static const char *const labels[] = {"发布时间", "发表时间", "发布日期", "发表日期",
                                         "更新时间", "时间：",   "时间:",    "日期：",
                                         "日期:",    "来源：",   "来源:",    NULL};
    const char *found = NULL;
    for (nb_hnode *n = root; n && !found;) {
        int skip = n->name && (is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_TEXTAREA);
        const char *at = NULL;
        if (n->text)
            for (const char *const *l = labels; *l && !at; l++)
                at = strstr(n->text, *l);
        if (at) {
            char win[160];
            size_t o = 0;
            for (const char *p = at; *p && o + 1 < sizeof win; p++)
                win[o++] = *p;
            /* the date may sit in the next element: "<span>发布时间：</span><span>…" */
            for (nb_hnode *k = nb_hnode_next(n, root, 0); k && o + 1 < sizeof win;
                 k = nb_hnode_next(k, root, 0)) {
                if (k->name && is_block_tag(k->tag))
                    break;
                for (const char *p = k->text; p && *p && o + 1 < sizeof win; p++)
                    win[o++] = *p;
            }
            while (o && (win[o - 1] & 0xC0) == 0x80)
                o--;
            win[o] = '\0';
            found = date_in_text(c, win, chinese);
        }
        n = nb_hnode_next(n, root, skip);
    }
    return found;
}

/* The info line under the headline ("2025-04-07 13:22:01　来源：…　作者：…"): news pages put
 * it beside the <h1>, in its parent or the parent's parent. Looks there, nearest first,
 * for a date (want_date) or a byline. */
static const char *headline_info(ctx *c, nb_hnode *root, int chinese, int want_date)
{
    nb_hnode *h1 = NULL;
    for (nb_hnode *n = root; n && !h1;) {
        int skip = n->name && is_skipped_tag(n->tag);
        if (n->name && n->tag == GUMBO_TAG_H1)
            h1 = n;
        n = nb_hnode_next(n, root, skip);
    }
    const char *found = NULL;
    nb_hnode *a = h1 ? h1->parent : NULL;
    for (int level = 0; a && a->name && level < 2 && !found; level++, a = a->parent) {
        const char *t = small_text(c, a, 4096, 256, 1);
        if (!t)
            break; /* a large block: the article itself, or the whole page */
        found = want_date ? date_in_text(c, t, chinese) : cn_byline(c, t);
    }
    return found;
}

static const char *time_element(ctx *c, nb_hnode *top)
{
    for (nb_hnode *n = top; n; n = nb_hnode_next(n, top, 0)) {
        if (!n->name)
            continue;
        const char *ip = nb_hnode_attr(n, "itemprop");
        if ((n->tag == GUMBO_TAG_TIME && nb_hnode_attr(n, "datetime")) ||
            (ip && strcasecmp(ip, "datePublished") == 0)) {
            const char *v = nb_hnode_attr(n, "datetime");
            if (!v)
                v = nb_hnode_attr(n, "content");
            if (!v)
                v = node_text(c, n);
            v = meta_str(c, v);
            if (v)
                return v;
        }
    }
    return NULL;
}

/* ---------- images ---------- */

static const char *abs_url(ctx *c, const char *ref)
{
    if (!ref || !*ref || strncmp(ref, "data:", 5) == 0)
        return NULL;
    char *u = NULL;
    if (strncmp(ref, "//", 2) == 0)
        u = nb_xasprintf("https:%s", ref);
    else if (c->base)
        u = nb_url_resolve(c->base, ref);
    else if (nb_url_is_http(ref))
        u = nb_xstrdup(ref);
    const char *out = u ? nb_arena_strdup(c->art->arena, u) : NULL;
    free(u);
    return out;
}

static const char *img_src(const nb_hnode *n)
{
    const char *src = nb_hnode_attr(n, "src");
    if (!src || !*src || strncmp(src, "data:", 5) == 0) {
        const char *lazy = nb_hnode_attr(n, "data-src");
        if (!lazy)
            lazy = nb_hnode_attr(n, "data-original");
        if (lazy)
            src = lazy;
    }
    return src;
}

static const char *lead_image(ctx *c, nb_hnode *article)
{
    const char *u = abs_url(c, c->og_image);
    if (u || !article)
        return u;
    long best_area = -1;
    const char *best = NULL;
    for (nb_hnode *n = article; n; n = nb_hnode_next(n, article, 0)) {
        if (n->tag != GUMBO_TAG_IMG)
            continue;
        const char *w = nb_hnode_attr(n, "width"), *h = nb_hnode_attr(n, "height");
        long area = w && h ? strtol(w, NULL, 10) * strtol(h, NULL, 10) : 0;
        if (w && h && area <= 4)
            continue; /* a tracking pixel */
        const char *src = img_src(n);
        if (src && strncmp(src, "data:", 5) != 0 && area > best_area) {
            best_area = area;
            best = src;
        }
    }
    return abs_url(c, best);
}

/* ---------- readerable ---------- */

static int probably_readerable(ctx *c)
{
    nb_hnode *root = c->doc->root;
    compute_stats(c, root);
    double score = 0;
    for (nb_hnode *n = root; n; n = nb_hnode_next(n, root, 0)) {
        if (!n->name)
            continue;
        int cand = n->tag == GUMBO_TAG_P || n->tag == GUMBO_TAG_PRE || n->tag == GUMBO_TAG_ARTICLE;
        if (!cand && n->tag == GUMBO_TAG_DIV)
            for (nb_hnode *k = n->first; k; k = k->next)
                if (k->tag == GUMBO_TAG_BR && k->name)
                    cand = 1;
        if (!cand || is_hidden(n))
            continue;
        char buf[512];
        const char *ms = match_string(n, buf, sizeof buf);
        if (has_any(ms, UNLIKELY) && !has_any(ms, MAYBE))
            continue;
        if (n->tag == GUMBO_TAG_P && n->parent && n->parent->tag == GUMBO_TAG_LI)
            continue;
        /* a CJK character says about as much as a short word: it counts twice */
        unsigned len = st(c, n)->tlen + st(c, n)->cjk;
        if (len < 140)
            continue;
        score += sqrt((double)len - 140);
        if (score > 20)
            return 1;
    }
    return 0;
}

/* ---------- driver ---------- */

static const char *text_of(ctx *c, nb_hnode *article)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_BODY_BYTES);
    append_text(&b, article, 1);
    const char *s = nb_arena_strdup(c->art->arena, nb_buf_str(&b));
    nb_buf_free(&b);
    return s;
}

static const char *raw_text(ctx *c, const nb_hnode *n);

static const char *first_paragraph(ctx *c, nb_hnode *article)
{
    for (nb_hnode *n = article; n; n = nb_hnode_next(n, article, 0))
        if (n->name && (n->tag == GUMBO_TAG_P || st(c, n)->as_p))
            return raw_text(c, n);
    return NULL;
}

static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xE4 && *p <= 0xE9)
            return 1;
    return 0;
}

/* Applies the site's selectors; each one that matches wins over generic extraction. */
static nb_err apply_selectors(ctx *c, const nb_extract_opts *o, nb_hnode **content, nb_errbuf *err)
{
    const char *texts[4] = {o->content, o->title, o->time, o->image};
    nb_err rc = NB_OK;
    for (int k = 0; k < 4 && !rc; k++) {
        if (!texts[k])
            continue;
        nb_selector *sel = NULL;
        rc = nb_selector_compile(texts[k], &sel, err);
        if (rc)
            break;
        nb_hnode *root = c->doc->root;
        if (k == 0) {
            /* the outermost matches, in document order; moved only when the selector
             * finished within its budget (else generic extraction sees the whole page) */
            nb_hnode **found = NULL;
            size_t count = 0, alloc = 0;
            for (nb_hnode *n = root; n;) {
                int hit = n->name && nb_selector_matches(sel, n);
                if (hit) {
                    found = nb_xgrow(found, &alloc, count + 1, sizeof *found);
                    found[count++] = n;
                }
                n = nb_hnode_next(n, root, hit);
            }
            if (count && !nb_selector_exhausted(sel)) {
                nb_hnode *box = nb_hnode_new(c->doc, "div");
                for (size_t i = 0; i < count; i++)
                    nb_hnode_append(box, found[i]);
                *content = box;
            }
            free(found);
        } else {
            nb_hnode *n = nb_selector_first(sel, root);
            if (n && k == 1) {
                const char *t = clean_str(c, node_text(c, n));
                if (t)
                    c->art->title = t;
            } else if (n && k == 2) {
                const char *v = nb_hnode_attr(n, "datetime");
                if (!v)
                    v = nb_hnode_attr(n, "content");
                const char *t = meta_str(c, v ? v : node_text(c, n));
                if (t && !v)
                    t = date_in_text(c, t, has_cjk(t)) ? date_in_text(c, t, has_cjk(t)) : t;
                if (t)
                    c->art->published = t;
            } else if (n && k == 3) {
                const char *v = n->tag == GUMBO_TAG_IMG ? img_src(n) : nb_hnode_attr(n, "content");
                if (!v)
                    v = nb_hnode_attr(n, "href");
                const char *u = abs_url(c, v);
                if (u)
                    c->art->image = u;
            }
        }
        nb_selector_free(sel);
    }
    return rc;
}

nb_err nb_extract(const char *bytes, size_t len, const char *url, const char *content_type,
                  const nb_extract_opts *opts, nb_article **out, nb_errbuf *err)
{
    nb_err rc = NB_OK;
    ctx c = {0};
    nb_hdoc *page = NULL; /* the page as parsed; every pass works on a copy */
    char *html = NULL;
    size_t html_len = 0;
    *out = NULL;
    c.art = nb_xcalloc(1, sizeof *c.art);
    c.art->arena = nb_arena_new();
    c.url = url;
    c.base = url;
    if (len > NB_LIMIT_BODY_BYTES) {
        rc = nb_errf(err, NB_ERR_LIMIT, "page of %zu bytes is over the %u-byte cap", len,
                     NB_LIMIT_BODY_BYTES);
        goto out;
    }
    const char *charset = NULL;
    html = nb_charset_page_to_utf8(bytes, len, content_type, &html_len, &charset);
    c.art->charset = charset;
    rc = nb_hdoc_parse(html, html_len, &page, err);
    if (rc)
        goto out;
    c.doc = page;
    if (page->attr_cut.tags) {
        char *w = nb_xasprintf("left out %zu attributes past the cap of %d per tag (%zu tag%s, "
                               "the largest with %zu)",
                               page->attr_cut.dropped, NB_LIMIT_HTML_ATTRS, page->attr_cut.tags,
                               page->attr_cut.tags == 1 ? "" : "s", page->attr_cut.most);
        c.art->warning = nb_arena_strdup(c.art->arena, w);
        free(w);
    }
    count_subtrees(&c);
    read_metadata(&c);
    finish_metadata(&c);
    c.art->readerable = probably_readerable(&c);
    unsigned page_text = st(&c, c.doc->root)->tlen; /* what any pass could find */
    nb_hnode *chosen = NULL;
    if (opts) {
        rc = apply_selectors(&c, opts, &chosen, err);
        if (rc)
            goto out;
    }
    const char *text = NULL;
    if (chosen) {
        text = text_of(&c, chosen);
        c.art->dir = dir_of(NULL, c.doc->root);
        if (!c.art->image)
            c.art->image = lead_image(&c, chosen);
    } else {
        /* each pass drops one more flag; one whose flags changed nothing since the last
         * pass run would find the same article, and is skipped */
        static const int tries[] = {ALL_FLAGS, WEIGHT_CLASSES | CLEAN_COND, CLEAN_COND, 0};
        size_t best_len = 0;
        int last_flags = 0;
        for (size_t t = 0; t < sizeof tries / sizeof tries[0]; t++) {
            if (t > 0 && !(c.effects & last_flags & ~tries[t]))
                continue;
            last_flags = tries[t];
            c.effects = 0;
            /* each pass edits its own copy of the page, made without parsing again */
            c.doc = nb_hdoc_copy(page, c.doc != page ? c.doc : NULL);
            memset(c.st, 0, c.st_count * sizeof *c.st);
            nb_hnode *article = grab(&c, tries[t]);
            const char *t_text = text_of(&c, article);
            unsigned commas, cjk;
            /* CJK characters count twice; a later, looser pass must find clearly more */
            size_t n = text_measure(t_text, &commas, &cjk) + cjk;
            if (!text || (double)n > RETRY_GAIN * (double)best_len) {
                text = t_text;
                best_len = n;
                chosen = article;
                c.art->dir = c.dir ? nb_arena_strdup(c.art->arena, c.dir) : NULL;
                if (!c.art->excerpt) {
                    const char *fp = first_paragraph(&c, article);
                    c.art->excerpt = fp;
                }
                if (!c.art->byline && c.byline)
                    c.art->byline = c.byline;
                if (!c.art->published) {
                    const char *tm = time_element(&c, c.top ? c.top : c.doc->root);
                    if (!tm)
                        tm = time_element(&c, c.doc->root);
                    c.art->published = tm;
                }
                if (!c.art->image)
                    c.art->image = lead_image(&c, article);
            }
            if (n >= RETRY_BELOW || page_text <= best_len + MIN_PARAGRAPH)
                break; /* long enough, or nothing more on the page to find */
        }
        int chinese = c.art->lang ? strncasecmp(c.art->lang, "zh", 2) == 0 : has_cjk(text);
        if (!c.art->byline && chinese && c.cn_byline)
            c.art->byline = c.cn_byline;
        if (!c.art->byline && chinese && c.top_area)
            c.art->byline = cn_byline(&c, node_text(&c, c.top_area));
        if (!c.art->byline && chinese)
            c.art->byline = headline_info(&c, page->root, chinese, 0);
        if (!c.art->published && chinese)
            c.art->published = labelled_date(&c, page->root, chinese);
        if (!c.art->published && chinese)
            c.art->published = headline_info(&c, page->root, chinese, 1);
        if (!c.art->published) {
            nb_hnode *area = c.top_area;
            if (area)
                c.art->published = date_in_text(&c, node_text(&c, area), chinese);
            if (!c.art->published && c.dateline)
                c.art->published = date_in_text(&c, c.dateline, chinese);
            if (!c.art->published)
                c.art->published = date_in_text(&c, text, chinese);
        }
    }
    c.art->byline = strip_byline_label(&c, c.art->byline);
    c.art->text = text ? text : "";
    *out = c.art;
    c.art = NULL;
out:
    nb_article_free(c.art);
    if (c.doc != page)
        nb_hdoc_free(c.doc);
    nb_hdoc_free(page);
    free(c.st);
    free(c.sizes);
    free(c.metas);
    free(c.cands);
    free(html);
    return rc;
}

void nb_article_free(nb_article *article)
{
    if (!article)
        return;
    nb_arena_free(article->arena);
    free(article);
}
