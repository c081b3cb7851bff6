/* SPDX-License-Identifier: MIT */
/* Article extraction, the public entry: the page is parsed once, its metadata read from
 * the untouched tree, then each pass (fewer removals each time) finds the article on its
 * own copy of the tree and the longest clearly better result wins; site selectors, where
 * given and matching, win over all of it. Bylines and dates missing from the metadata are
 * looked for last. Per-node numbers live in arrays indexed by node id. */
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "parse/extract_internal.h"

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

static const char *text_of(ctx *c, nb_hnode *article)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_BODY_BYTES);
    nb_ex_append_text(&b, article, 1);
    const char *s = nb_arena_strdup(c->art->arena, nb_buf_str(&b));
    nb_buf_free(&b);
    return s;
}

static const char *first_paragraph(ctx *c, nb_hnode *article)
{
    for (nb_hnode *n = article; n; n = nb_hnode_next(n, article, 0))
        if (n->name && (n->tag == GUMBO_TAG_P || st(c, n)->as_p))
            return nb_ex_raw_text(c, n);
    return NULL;
}

static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (nb_utf8_cjk_at((const char *)p) == NB_CJK_HAN)
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
                const char *t = nb_ex_clean_str(c, nb_ex_node_text(c, n));
                if (t)
                    c->art->title = t;
            } else if (n && k == 2) {
                const char *v = nb_hnode_attr(n, "datetime");
                if (!v)
                    v = nb_hnode_attr(n, "content");
                const char *t = nb_ex_meta_str(c, v ? v : nb_ex_node_text(c, n));
                if (t && !v)
                    t = nb_ex_date_in_text(c, t, has_cjk(t)) ? nb_ex_date_in_text(c, t, has_cjk(t))
                                                             : t;
                if (t)
                    c->art->published = t;
            } else if (n && k == 3) {
                const char *v =
                    n->tag == GUMBO_TAG_IMG ? nb_ex_img_src(n) : nb_hnode_attr(n, "content");
                if (!v)
                    v = nb_hnode_attr(n, "href");
                const char *u = nb_ex_abs_url(c, v);
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
    nb_ex_read_metadata(&c);
    nb_ex_finish_metadata(&c);
    c.art->readerable = nb_ex_probably_readerable(&c);
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
        c.art->dir = nb_ex_dir_of(NULL, c.doc->root);
        if (!c.art->image)
            c.art->image = nb_ex_lead_image(&c, chosen);
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
            nb_hnode *article = nb_ex_grab(&c, tries[t]);
            const char *t_text = text_of(&c, article);
            unsigned commas, cjk;
            /* CJK characters count twice; a later, looser pass must find clearly more */
            size_t n = nb_ex_text_measure(t_text, &commas, &cjk) + cjk;
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
                    const char *tm = nb_ex_time_element(&c, c.top ? c.top : c.doc->root);
                    if (!tm)
                        tm = nb_ex_time_element(&c, c.doc->root);
                    c.art->published = tm;
                }
                if (!c.art->image)
                    c.art->image = nb_ex_lead_image(&c, article);
            }
            if (n >= RETRY_BELOW || page_text <= best_len + MIN_PARAGRAPH)
                break; /* long enough, or nothing more on the page to find */
        }
        int chinese = c.art->lang ? strncasecmp(c.art->lang, "zh", 2) == 0 : has_cjk(text);
        if (!c.art->byline && chinese && c.cn_byline)
            c.art->byline = c.cn_byline;
        if (!c.art->byline && chinese && c.top_area)
            c.art->byline = nb_ex_cn_byline(&c, nb_ex_node_text(&c, c.top_area));
        if (!c.art->byline && chinese)
            c.art->byline = nb_ex_headline_info(&c, page->root, chinese, 0);
        if (!c.art->published && chinese)
            c.art->published = nb_ex_labelled_date(&c, page->root, chinese);
        if (!c.art->published && chinese)
            c.art->published = nb_ex_headline_info(&c, page->root, chinese, 1);
        if (!c.art->published) {
            nb_hnode *area = c.top_area;
            if (area)
                c.art->published = nb_ex_date_in_text(&c, nb_ex_node_text(&c, area), chinese);
            if (!c.art->published && c.dateline)
                c.art->published = nb_ex_date_in_text(&c, c.dateline, chinese);
            if (!c.art->published) {
                /* elsewhere than in Chinese news, where the body may carry the page's date,
                 * a date past the first paragraph is what the story tells of, or a
                 * reference's ("Retrieved 2016-05-01") */
                const char *end = chinese ? NULL : strstr(text, "\n\n");
                size_t first = end ? (size_t)(end - text) : strlen(text);
                c.art->published =
                    nb_ex_date_in_text(&c, nb_arena_strndup(c.art->arena, text, first), chinese);
            }
        }
    }
    c.art->byline = nb_ex_strip_byline_label(&c, c.art->byline);
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
