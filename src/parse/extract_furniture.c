/* SPDX-License-Identifier: MIT */
/* Article extraction: page furniture inside the gathered article (credits, "read more"
 * and sign-up lines, related-reading headings with their lists, the author's biography,
 * datelines and Chinese byline lines), dropped top down in every pass. */
#include <ctype.h>
#include <gumbo.h>
#include <string.h>
#include <strings.h>

#include "parse/extract_internal.h"

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
        if (k->name && nb_ex_is_skipped_tag(k->tag))
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
void nb_ex_drop_furniture(ctx *c, nb_hnode *article)
{
    st_reserve(c);
    nb_hnode *n = article;
    while (n) {
        int remove = 0;
        if (n->name && n != article && !nb_ex_is_skipped_tag(n->tag)) {
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
                        c->dateline = nb_ex_raw_text(c, n);
                } else if (para && author_bio(c, lead, s->tlen))
                    remove = 1;
                else if (para && s->tlen < CN_BYLINE_TEXT && starts_any(lead, CN_BYLINE_LEAD)) {
                    const char *name = nb_ex_cn_byline(c, nb_ex_raw_text(c, n));
                    if (name) { /* a byline line: the author is kept, the line goes */
                        remove = 1;
                        if (!c->cn_byline)
                            c->cn_byline = name;
                    }
                }
                if (remove && furniture_heading(lead, s->tlen) && is_heading_tag(n->tag)) {
                    /* the list under the heading goes with it */
                    while (n->next && (!n->next->name ? !nb_ex_clean_str(c, n->next->text)
                                                      : n->next->tag == GUMBO_TAG_UL ||
                                                            n->next->tag == GUMBO_TAG_OL ||
                                                            link_density(c, n->next) > 0.5)) {
                        nb_hnode *x = n->next;
                        if (x->name)
                            nb_ex_remove_counted(c, x);
                        else
                            nb_hnode_remove(x);
                    }
                }
            }
        }
        nb_hnode *next = nb_hnode_next(n, article, remove);
        if (remove)
            nb_ex_remove_counted(c, n);
        n = next;
    }
}
