/* SPDX-License-Identifier: MIT */
/* Article extraction: what a page says outside its metadata: Chinese bylines
 * ("作者：", "文/", "记者"), dates in the text and beside labels or the headline, <time>
 * elements, and the lead picture. */
#include <ctype.h>
#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/extract_internal.h"

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
        if (cjk_only && nb_utf8_cjk_at(p) != NB_CJK_HAN)
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
const char *nb_ex_cn_byline(ctx *c, const char *text)
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
const char *nb_ex_strip_byline_label(ctx *c, const char *by)
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
const char *nb_ex_date_in_text(ctx *c, const char *text, int chinese)
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
const char *nb_ex_labelled_date(ctx *c, nb_hnode *root, int chinese)
{
    static const char *const labels[] = {"发布时间", "发表时间", "发布日期", "发表日期",
                                         "更新时间", "时间：",   "时间:",    "日期：",
                                         "日期:",    "来源：",   "来源:",    NULL};
    const char *found = NULL;
    for (nb_hnode *n = root; n && !found;) {
        int skip = n->name && (nb_ex_is_skipped_tag(n->tag) || n->tag == GUMBO_TAG_TEXTAREA);
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
                if (nb_hnode_is_block(k))
                    break;
                for (const char *p = k->text; p && *p && o + 1 < sizeof win; p++)
                    win[o++] = *p;
            }
            while (o && (win[o - 1] & 0xC0) == 0x80)
                o--;
            win[o] = '\0';
            found = nb_ex_date_in_text(c, win, chinese);
        }
        n = nb_hnode_next(n, root, skip);
    }
    return found;
}

/* The info line under the headline ("2025-04-07 13:22:01　来源：…　作者：…"): news pages put
 * it beside the <h1>, in its parent or the parent's parent. Looks there, nearest first,
 * for a date (want_date) or a byline. */
const char *nb_ex_headline_info(ctx *c, nb_hnode *root, int chinese, int want_date)
{
    nb_hnode *h1 = NULL;
    for (nb_hnode *n = root; n && !h1;) {
        int skip = n->name && nb_ex_is_skipped_tag(n->tag);
        if (n->name && n->tag == GUMBO_TAG_H1)
            h1 = n;
        n = nb_hnode_next(n, root, skip);
    }
    const char *found = NULL;
    nb_hnode *a = h1 ? h1->parent : NULL;
    for (int level = 0; a && a->name && level < 2 && !found; level++, a = a->parent) {
        const char *t = nb_ex_small_text(c, a, 4096, 256, 1);
        if (!t)
            break; /* a large block: the article itself, or the whole page */
        found = want_date ? nb_ex_date_in_text(c, t, chinese) : nb_ex_cn_byline(c, t);
    }
    return found;
}

const char *nb_ex_time_element(ctx *c, nb_hnode *top)
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
                v = nb_ex_node_text(c, n);
            v = nb_ex_meta_str(c, v);
            if (v)
                return v;
        }
    }
    return NULL;
}

const char *nb_ex_abs_url(ctx *c, const char *ref)
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

const char *nb_ex_img_src(const nb_hnode *n)
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

const char *nb_ex_lead_image(ctx *c, nb_hnode *article)
{
    const char *u = nb_ex_abs_url(c, c->og_image);
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
        const char *src = nb_ex_img_src(n);
        if (src && strncmp(src, "data:", 5) != 0 && area > best_area) {
            best_area = area;
            best = src;
        }
    }
    return nb_ex_abs_url(c, best);
}
