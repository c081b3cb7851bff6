/* SPDX-License-Identifier: MIT */
/* Article extraction: the main text found by scoring blocks on text length, punctuation
 * (Latin and Chinese) and link density, weighted by class and id hints, then gathering
 * the best block's siblings and cleaning out link lists, forms and galleries; and the
 * readerable test. Every walk is iterative. */
#include <ctype.h>
#include <gumbo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memory.h"
#include "parse/extract_internal.h"

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
    "-ad-",         "ai2html",     "banner",       "breadcrumb", "combx",    "comment",
    "communit",     "cover-wrap",  "disqus",       "extra",      "footer",   "gdpr",
    "header",       "legends",     "menu",         "related",    "remark",   "replies",
    "rss",          "shoutbox",    "sidebar",      "skyscraper", "social",   "sponsor",
    "supplemental", "ad-break",    "agegate",      "pagination", "pager",    "popup",
    "yom-remote",   "subscribe",   "newsletter",   "recommend",  "-bio",     "bio-",
    "_bio",         "author-info", "about-author", "author-box", "modal",    "cookie",
    "consent",      "outbrain",    "taboola",      "most-read",  "mostread", "sharebar",
    "share-bar",    NULL};
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
            s->tlen = nb_ex_text_measure(n->text, &s->commas, &s->cjk);
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
            case GUMBO_TAG_FORM:
                s->form++;
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
        ps->form += s->form;
        ps->heading_len += s->heading_len;
        ps->li_len += s->li_len;
        ps->cjk += s->cjk;
        ps->blocks += s->blocks + (n->name && is_div_block(n->tag));
    }
    free(order);
}

/* Removes n and subtracts its numbers from the nearest ancestors. */
void nb_ex_remove_counted(ctx *c, nb_hnode *n)
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
        as->form -= s->form < as->form ? s->form : as->form;
        as->li_len -= s->li_len < as->li_len ? s->li_len : as->li_len;
    }
    nb_hnode_remove(n);
}

/* 1 when the element's class, id or role say it is not the article: an advertisement,
 * a sidebar, comments, a menu ... (ms: its lowercase match string). */
static int unlikely(const nb_hnode *n, const char *ms)
{
    if (n->tag == GUMBO_TAG_BODY || n->tag == GUMBO_TAG_HTML)
        return 0;
    if (*ms && ad_word(ms))
        return 1;
    if (*ms && has_any(ms, UNLIKELY) && !has_any(ms, MAYBE) && n->tag != GUMBO_TAG_A &&
        n->tag != GUMBO_TAG_TABLE && n->tag != GUMBO_TAG_TBODY && n->tag != GUMBO_TAG_TR &&
        n->tag != GUMBO_TAG_TD && n->tag != GUMBO_TAG_CODE)
        return 1;
    const char *role = nb_hnode_attr(n, "role");
    return role && (strcmp(role, "menu") == 0 || strcmp(role, "menubar") == 0 ||
                    strcmp(role, "complementary") == 0 || strcmp(role, "navigation") == 0 ||
                    strcmp(role, "alert") == 0 || strcmp(role, "alertdialog") == 0 ||
                    strcmp(role, "dialog") == 0);
}

/* The author line in the page when the metadata names nobody: rel=author, itemprop
 * author, or a byline class; the element leaves the text. Comments are not searched. */
static void find_byline(ctx *c, nb_hnode *body, int flags)
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
            int byline = (rel && strcmp(rel, "author") == 0) ||
                         (itemprop && strstr(itemprop, "author")) || has_any(ms, BYLINE);
            if (nb_ex_is_skipped_tag(n->tag) || is_hidden(n) || strstr(ms, "comment") ||
                (!byline && (flags & STRIP_UNLIKELY) && unlikely(n, ms))) {
                skip = 1; /* what the first pass strips is not searched, as Readability does */
            } else if (byline) {
                const char *t = nb_ex_meta_str(c, nb_ex_small_text(c, n, 400, 256, 1));
                if (t && strlen(t) < 100) {
                    nb_hnode *nm = NULL;
                    for (nb_hnode *k = n; k; k = nb_hnode_next(k, n, 0)) {
                        const char *ip = k->name ? nb_hnode_attr(k, "itemprop") : NULL;
                        if (ip && strstr(ip, "name")) {
                            nm = k;
                            break;
                        }
                    }
                    const char *name = nm ? nb_ex_raw_text(c, nm) : NULL;
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
            if (nb_ex_is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_SVG ||
                n->tag == GUMBO_TAG_IFRAME || n->tag == GUMBO_TAG_OBJECT ||
                n->tag == GUMBO_TAG_EMBED || n->tag == GUMBO_TAG_BUTTON ||
                n->tag == GUMBO_TAG_INPUT || n->tag == GUMBO_TAG_SELECT ||
                n->tag == GUMBO_TAG_TEXTAREA || n->tag == GUMBO_TAG_FOOTER ||
                n->tag == GUMBO_TAG_ASIDE || n->tag == GUMBO_TAG_NAV) {
                remove = 1;
            } else if (is_hidden(n)) {
                remove = 1;
            } else {
                if ((flags & STRIP_UNLIKELY) && unlikely(n, match_string(n, buf, sizeof buf)))
                    remove = 1;
                if (remove)
                    c->effects |= STRIP_UNLIKELY; /* only those rules remove here */
                if (!remove && !title_dropped && c->art->title &&
                    (n->tag == GUMBO_TAG_H1 || n->tag == GUMBO_TAG_H2)) {
                    const char *t = nb_ex_clean_str(c, nb_ex_small_text(c, n, 2048, 256, 1));
                    if (t && nb_ex_similarity(c->art->title, t) > 0.75 &&
                        nb_ex_similarity(t, c->art->title) > 0.75) {
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
    const char *t = nb_ex_node_text(c, n);
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
            nb_ex_remove_counted(c, n);
            continue;
        }
        const char *ms = match_string(n, buf, sizeof buf);
        if ((flags & STRIP_UNLIKELY) && n->tag != GUMBO_TAG_P && has_any(ms, SHARE) &&
            s->tlen < RETRY_BELOW && !has_any(ms, MAYBE)) {
            c->effects |= STRIP_UNLIKELY;
            nb_ex_remove_counted(c, n);
            continue;
        }
        if (s->as_p && n->tag != GUMBO_TAG_P && !s->in_table && (flags & CLEAN_COND) &&
            s->tlen > 0 && s->tlen < MIN_PARAGRAPH && !s->img && link_density(c, n) > 0.9) {
            c->effects |= CLEAN_COND;
            nb_ex_remove_counted(c, n); /* a short <div> of links: comment counts, votes, tags */
            continue;
        }
        if ((n->tag == GUMBO_TAG_P || s->as_p) && s->tlen == 0 && !s->img && !s->embed) {
            nb_ex_remove_counted(c, n); /* an empty paragraph */
            continue;
        }
        const char *label = s->tlen && s->tlen < 20 && !s->img
                                ? nb_ex_meta_str(c, nb_ex_small_text(c, n, 64, 8, 0))
                                : NULL;
        if (label && ad_label(label)) {
            nb_ex_remove_counted(c, n); /* an "Advertisement" label left by an ad slot */
            continue;
        }
        if (n->tag == GUMBO_TAG_FORM || n->tag == GUMBO_TAG_FIELDSET) {
            nb_ex_remove_counted(c, n);
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
            nb_ex_remove_counted(c, n);
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
            nb_ex_remove_counted(c, n);
        }
    }
    free(order);
}

/* The writing direction nearest the block: its parent's, its own, then further up. */
const char *nb_ex_dir_of(const nb_hnode *n, const nb_hnode *root)
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
nb_hnode *nb_ex_grab(ctx *c, int flags)
{
    nb_hnode *root = c->doc->root, *body = NULL;
    for (nb_hnode *n = root->first; n; n = n->next)
        if (n->tag == GUMBO_TAG_BODY)
            body = n;
    if (!body)
        body = root;
    find_byline(c, body, flags);
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
                if (k->name || (k->text && nb_ex_clean_str(c, k->text)))
                    elems++;
            if (elems != 1)
                break;
            best = best->parent;
            add_cand(c, best, flags);
        }
    }
    c->top = best;
    c->top_area = best->parent;
    c->dir = nb_ex_dir_of(best, c->doc->root);
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
    nb_ex_drop_furniture(c, article);
    clean_article(c, article, flags);
    return article;
}

int nb_ex_probably_readerable(ctx *c)
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
