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
                                             "分享到",
                                             "分享至",
                                             "作者简介",
                                             "作者介绍",
                                             "about the author",
                                             "already have an account",
                                             "subscribe for full access",
                                             "create a free account",
                                             "log in to continue",
                                             "登录后",
                                             "打开app",
                                             "下载客户端",
                                             "story continues below",
                                             "article continues below",
                                             "listen to this article",
                                             "reporting by",
                                             "additional reporting by",
                                             "editing by",
                                             "声明：",
                                             "声明:",
                                             NULL};

/* Opening words of a rights notice (short paragraphs only). */
static const char *const COPYRIGHT_LEAD[] = {"\xC2\xA9" /* © */, "copyright \xC2\xA9",
                                             "copyright (c)", NULL};

/* Phrases that make a short paragraph a rights or reprint notice wherever they stand. */
static const char *const NOTICE_ANY[] = {
    "all rights reserved", "转载请注明", "未经授权", "未经许可", "禁止转载", "版权所有", NULL};

/* Opening words of a line of tags or categories: furniture when mostly links. */
static const char *const TAGS_LEAD[] = {"tags:",     "tagged",      "topics:",   "filed under",
                                        "posted in", "categories:", "category:", "标签：",
                                        "标签:",     "关键词：",    "关键字：",  NULL};

/* Headings of a comment section: the heading goes with everything after it. A bare
 * "Comments" may head a tutorial's section: only "Comments (3)" and "3 Comments" count. */
static const char *const COMMENT_HEAD[] = {"leave a reply",
                                           "leave a comment",
                                           "post a comment",
                                           "join the conversation",
                                           "网友评论",
                                           "热门评论",
                                           "精彩评论",
                                           "最新评论",
                                           "发表评论",
                                           "我要评论",
                                           "全部评论",
                                           "评论区",
                                           NULL};

/* Words of a one-paragraph author biography: "Jane Doe is the paper's science writer." */
static const char *const BIO_ROLE[] = {"reporter",   "correspondent", "writer",      "editor",
                                       "journalist", "columnist",     "contributor", "follow him",
                                       "follow her", "follow them",   NULL};

/* Opening words of a picture's credit line: a paragraph or caption, never a whole box
 * (a box that opens with a picture's credit is a story card). */
static const char *const CREDIT_LEAD[] = {"photograph:",
                                          "photo:",
                                          "photos:",
                                          "image:",
                                          "image credit",
                                          "photo credit",
                                          "picture credit",
                                          "credit:",
                                          "illustration:",
                                          "图片来源",
                                          "图片来自",
                                          "图源：",
                                          "图源:",
                                          "photo by",
                                          "photograph by",
                                          "image by",
                                          "picture by",
                                          "pictured:",
                                          "图：",
                                          "图:",
                                          "\xE2\x96\xB2" /* ▲ */,
                                          "\xE2\x96\xB3" /* △ */,
                                          NULL};

/* Endings of a Chinese picture caption: the photographer or the picture's source. */
static const char *const CREDIT_TAIL[] = {"摄", "摄）", "摄)", "供图", "供图）", "供图)", NULL};

/* Headings of the blocks around an article: the heading goes, and the list after it.
 * A phrase comes before the word it starts with ("related coverage", "related"). */
static const char *const FURNITURE_HEAD[] = {"related stories",
                                             "related articles",
                                             "related coverage",
                                             "related posts",
                                             "related links",
                                             "related content",
                                             "related reading",
                                             "top stories",
                                             "editor's picks",
                                             "editors' picks",
                                             "most viewed",
                                             "what to read next",
                                             "from around the web",
                                             "sponsored content",
                                             "相关报道",
                                             "更多报道",
                                             "相关推荐",
                                             "为你推荐",
                                             "大家都在看",
                                             "热点推荐",
                                             "编辑推荐",
                                             "精彩推荐",
                                             "recommended",
                                             "related",
                                             "read more",
                                             "read next",
                                             "more from",
                                             "more stories",
                                             "most read",
                                             "most popular",
                                             "you may also like",
                                             "you might also like",
                                             "comments",
                                             "about the author",
                                             "newsletter",
                                             "相关阅读",
                                             "相关新闻",
                                             "相关文章",
                                             "推荐阅读",
                                             "延伸阅读",
                                             "热门推荐",
                                             "猜你喜欢",
                                             "网友评论",
                                             "热门评论",
                                             "精彩评论",
                                             NULL};

/* Opening words of a Chinese byline line ("本报记者 李明", "文/张三"). */
static const char *const CN_BYLINE_LEAD[] = {"作者", "文/",    "文／",  "本报记者",
                                             "记者", "编辑：", "编辑:", NULL};
#define CN_BYLINE_TEXT 40  /* characters of a byline line, at most */
#define FURNITURE_TEXT 300 /* a furniture paragraph is shorter than this (characters) */
#define FURNITURE_HEAD_LEN 40
#define CREDIT_TEXT 120    /* a picture's credit line is shorter than this */
#define CAPTION_NOTICE 160 /* a rights notice or a line of tags is shorter than this */
#define TEASER_TEXT 120    /* a teaser link is shorter than this */
#define APP_TEXT 60        /* a line asking for the app is shorter than this */
#define LEAD_NODES 24      /* nodes lead_text looks at */

/* The first characters of n's text, white space collapsed and leading brackets skipped,
 * lowercased (ASCII); looks at no more than LEAD_NODES nodes. Text nodes are joined as
 * written: "Photo" and "Credit" in two spans read "photocredit". */
static void lead_text(const nb_hnode *n, char *buf, size_t cap)
{
    size_t o = 0, steps = 0;
    int space = 0;
    for (const nb_hnode *k = n; k && o + 1 < cap && steps < LEAD_NODES;
         k = nb_hnode_next(k, n, 0)) {
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
            if (o == 0 &&
                (strncmp((const char *)p, "【", 3) == 0 || strncmp((const char *)p, "［", 3) == 0 ||
                 strncmp((const char *)p, "（", 3) == 0)) {
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

/* What follows the heading word of the list that t opens with, past a count and
 * punctuation ("Comments (3)" -> ""), or NULL when t opens with none of them. */
static const char *after_heading_word(const char *t, const char *const *words)
{
    for (; *words; words++) {
        size_t n = strlen(*words);
        if (strncmp(t, *words, n) != 0)
            continue;
        const char *r = t + n;
        while (*r == ' ' || *r == ':' || *r == '(' || *r == ')' || isdigit((unsigned char)*r))
            r++;
        return r;
    }
    return NULL;
}

/* 1 when the text is only a furniture heading, perhaps with a count: "Related (3)". */
static int furniture_heading(const char *t, unsigned tlen)
{
    const char *r = tlen <= FURNITURE_HEAD_LEN ? after_heading_word(t, FURNITURE_HEAD) : NULL;
    return r && (!*r || strncmp(r, "：", 3) == 0 || strncmp(t, "more from", 9) == 0 ||
                 strncmp(t, "you m", 5) == 0);
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

/* 1 when the text heads a comment section: "Comments (3)", "Leave a Reply", "网友评论",
 * "4 thoughts on “The headline”", "12 responses to ...". */
static int comment_heading(const char *t, unsigned tlen)
{
    static const char *const counted_word[] = {"comments", NULL};
    const char *r = tlen <= FURNITURE_HEAD_LEN ? after_heading_word(t, COMMENT_HEAD) : NULL;
    if (r && (!*r || strncmp(r, "：", 3) == 0 || strncmp(r, "（", 3) == 0))
        return 1;
    r = tlen <= FURNITURE_HEAD_LEN ? after_heading_word(t, counted_word) : NULL;
    if (r && !*r && strpbrk(t, "0123456789"))
        return 1;
    if (!isdigit((unsigned char)*t) || tlen > 2 * FURNITURE_TEXT)
        return 0;
    while (isdigit((unsigned char)*t))
        t++;
    static const char *const counted[] = {
        " thoughts on ", " responses to ", " replies to ", " comments on ",
        " comments to ", " 条评论",        "条评论",       NULL};
    return starts_any(t, counted) || strcmp(t, " comments") == 0 || strcmp(t, " responses") == 0;
}

/* 1 when a short text ends as a Chinese picture caption does ("新华社记者 王强 摄"). */
static int credit_tail(ctx *c, const nb_hnode *n)
{
    const char *t = nb_ex_clean_str(c, nb_ex_small_text(c, n, 512, 32, 0));
    if (!t)
        return 0;
    size_t len = strlen(t);
    for (const char *const *w = CREDIT_TAIL; *w; w++) {
        size_t k = strlen(*w);
        if (len <= k + 3 || strcmp(t + len - k, *w) != 0)
            continue;
        /* "摄" after a name and a space, or on a reporter's line: "新华社记者 王强 摄" */
        if (strncmp(*w, "摄", 3) != 0 || t[len - k - 1] == ' ' || strstr(t, "记者") ||
            strstr(t, "通讯员"))
            return 1;
    }
    return 0;
}

/* 1 when the element's class or id names a picture's credit. */
static int credit_class(const nb_hnode *n)
{
    const char *const attrs[] = {"class", "id"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = nb_hnode_attr(n, attrs[i]);
        char buf[256];
        size_t o = 0;
        for (; v && *v && o + 1 < sizeof buf; v++)
            buf[o++] = (char)tolower((unsigned char)*v);
        buf[o] = '\0';
        if (strstr(buf, "credit"))
            return 1;
    }
    return 0;
}

/* 1 when nothing after n under its parent has text: n ends its block. */
static int ends_block(ctx *c, const nb_hnode *n)
{
    int steps = 0;
    for (const nb_hnode *k = n->next; k; k = k->next)
        if (++steps > 16 || (k->name ? st(c, k)->tlen > 0 : nb_ex_clean_str(c, k->text) != NULL))
            return 0;
    return 1;
}

/* 1 when the paragraph is the author's biography: it opens with the byline's name and
 * "is" ("Jane Doe is the paper's science correspondent"); or, closing the article, with
 * two to four capitalised words and "is", and says what the person writes. */
static int author_bio(ctx *c, const nb_hnode *n, const char *lead, unsigned tlen)
{
    const char *by = c->art->byline ? c->art->byline : c->byline;
    if (tlen > FURNITURE_TEXT)
        return 0;
    if (by && strncasecmp(by, "by ", 3) == 0)
        by += 3;
    size_t len = by ? strlen(by) : 0;
    if (len >= 4 && len <= 60 && strchr(by, ' ') && strncasecmp(lead, by, len) == 0 &&
        strncmp(lead + len, " is ", 4) == 0)
        return 1;
    const char *raw = nb_ex_small_text(c, n, 512, 32, 0);
    if (!raw || !ends_block(c, n))
        return 0;
    while (is_ws((unsigned char)*raw))
        raw++;
    int words = 0;
    const char *p = raw;
    while (words < 5 && isupper((unsigned char)*p)) {
        while (*p && !is_ws((unsigned char)*p))
            p++;
        words++;
        while (*p == ' ')
            p++;
    }
    return words >= 2 && words <= 4 && strncmp(p, "is ", 3) == 0 && has_any(lead, BIO_ROLE);
}
/* 1 when n's first words are a link's: a story card ("<a>Headline</a><p>Teaser</p>"). */
static int opens_with_link(ctx *c, const nb_hnode *n)
{
    int steps = 0;
    for (const nb_hnode *k = n; k && steps < LEAD_NODES; k = nb_hnode_next(k, n, 0), steps++) {
        if (k->name || !nb_ex_clean_str(c, k->text))
            continue;
        for (const nb_hnode *a = k->parent; a && a != n->parent; a = a->parent)
            if (a->tag == GUMBO_TAG_A)
                return 1;
        return 0;
    }
    return 0;
}

/* 1 when the text is a Chinese news page's info line: a date, then the source, author or
 * editor ("2025-04-12 08:45:10　来源：汇通财经网　作者：赵敏"). */
static int info_line(const char *t, unsigned tlen)
{
    static const char *const labels[] = {
        "来源：", "来源:", "作者：", "作者:", "编辑：", "编辑:", "发布时间", NULL};
    return tlen < 2 * CN_BYLINE_TEXT && isdigit((unsigned char)t[0]) &&
           isdigit((unsigned char)t[1]) && isdigit((unsigned char)t[2]) &&
           isdigit((unsigned char)t[3]) && (t[4] == '-' || strncmp(t + 4, "年", 3) == 0) &&
           has_any(t, labels);
}

/* 1 when a short text asks the reader to open or download the site's app. */
static int app_line(const char *t, unsigned tlen)
{
    static const char *const verbs[] = {"打开", "下载", "download", NULL};
    return tlen < APP_TEXT && starts_any(t, verbs) && strstr(t, "app");
}

/* Removes n's following siblings: all of them (a comment section runs to the end of its
 * block), or only the link lists, link-only lines and story cards a related-reading
 * heading heads. */
static void drop_after(ctx *c, nb_hnode *n, int all)
{
    while (n->next) {
        nb_hnode *x = n->next;
        if (!x->name) {
            if (!all && nb_ex_clean_str(c, x->text))
                break;
            nb_hnode_remove(x);
            continue;
        }
        if (!all && !(x->tag == GUMBO_TAG_UL || x->tag == GUMBO_TAG_OL ||
                      link_density(c, x) > 0.5 || (st(c, x)->tlen == 0 && !st(c, x)->img) ||
                      (st(c, x)->tlen < FURNITURE_TEXT && opens_with_link(c, x))))
            break;
        nb_ex_remove_counted(c, x);
    }
}

/* 1 when n is a bare block that is one link and no sentence: "Ports to get new funding",
 * a teaser for another story set between the article's paragraphs. */
static int teaser_link(ctx *c, nb_hnode *n, const stats *s)
{
    if (s->tlen >= TEASER_TEXT || s->tlen < MIN_PARAGRAPH || s->img || link_density(c, n) < 0.9 ||
        !n->parent || st(c, n->parent)->tlen < 4 * s->tlen)
        return 0;
    const char *t = nb_ex_clean_str(c, nb_ex_small_text(c, n, 512, 32, 0));
    if (!t)
        return 0;
    size_t len = strlen(t);
    return !(t[len - 1] == '.' || t[len - 1] == '!' || t[len - 1] == '?' ||
             (len >= 3 && (strcmp(t + len - 3, "。") == 0 || strcmp(t + len - 3, "！") == 0 ||
                           strcmp(t + len - 3, "？") == 0)));
}

/* 1 when a short line is a comment's footer: a time ("14:05", "3 hours ago", "5分钟前")
 * and an action ("回复", "Reply", "举报", "赞(12)"). */
static int comment_footer(const char *t)
{
    static const char *const action[] = {"回复", "举报", "reply", "report", "赞(", "赞（", NULL};
    static const char *const ago[] = {" ago", "分钟前", "小时前", "天前", NULL};
    if (!has_any(t, action))
        return 0;
    if (has_any(t, ago))
        return 1;
    for (const char *p = t; *p; p++)
        if (*p == ':' && p > t && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]))
            return 1;
    return 0;
}

#define COMMENT_FOOTER_TEXT 40 /* a comment's footer line is shorter than this */
#define COMMENT_GROUPS 16      /* lists of comments looked at in one article */

/* Characters of text in the gathered article (a new element: the numbers are its
 * children's). */
static unsigned article_len(ctx *c, const nb_hnode *article)
{
    unsigned total = 0;
    for (const nb_hnode *k = article->first; k; k = k->next)
        total += st(c, k)->tlen;
    return total;
}

/* 1 when b is a or inside it. */
static int within(const nb_hnode *b, const nb_hnode *a)
{
    for (; b; b = b->parent)
        if (b == a)
            return 1;
    return 0;
}

/* Drops lists of comments that carry no heading: a block in which two items or more end
 * with a comment's footer (a time and "Reply"), the innermost such block, when it holds
 * less than half the article. A footer counts for the block two and three levels up. */
static void drop_comment_lists(ctx *c, nb_hnode *article)
{
    nb_hnode *groups[COMMENT_GROUPS];
    int counts[COMMENT_GROUPS], ngroups = 0;
    for (nb_hnode *n = article; n;) {
        stats *s = n->name ? st(c, n) : NULL;
        int skip = 0;
        if (s && n != article && s->tlen > 0 && s->tlen < COMMENT_FOOTER_TEXT) {
            char lead[160];
            lead_text(n, lead, sizeof lead);
            skip = 1;
            nb_hnode *g = n->parent ? n->parent->parent : NULL;
            for (int up = 0; up < 2 && g && g != article && comment_footer(lead);
                 up++, g = g->parent) {
                int k = 0;
                while (k < ngroups && groups[k] != g)
                    k++;
                if (k == ngroups && ngroups < COMMENT_GROUPS) {
                    groups[ngroups] = g;
                    counts[ngroups++] = 0;
                }
                if (k < ngroups)
                    counts[k]++;
            }
        }
        n = nb_hnode_next(n, article, skip);
    }
    unsigned total = article_len(c, article);
    for (int k = 0; k < ngroups; k++) {
        int inner = 0;
        for (int j = 0; j < ngroups && !inner; j++)
            inner = j != k && counts[j] >= 2 && within(groups[j], groups[k]);
        if (counts[k] < 2 || inner || st(c, groups[k])->tlen >= total / 2)
            continue;
        nb_ex_remove_counted(c, groups[k]);
        for (int j = 0; j < ngroups; j++) /* what it held is gone with it */
            if (j != k && within(groups[j], groups[k]))
                counts[j] = 0;
    }
}

/* 1 when n holds one block and no text of its own: what is said of it is said of that
 * block, looked at next (so a deep nest of wrappers costs one look each). */
static int wrapper(ctx *c, const nb_hnode *n)
{
    int elements = 0, block = 0;
    for (const nb_hnode *k = n->first; k && elements < 2; k = k->next) {
        if (k->name && !nb_ex_is_skipped_tag(k->tag)) {
            elements++;
            /* a paragraph or heading passes only to its like: what follows a heading
             * belongs to the heading, not to a box inside it */
            block = nb_hnode_is_block(k) &&
                    (k->tag == n->tag || !(n->tag == GUMBO_TAG_P || is_heading_tag(n->tag)));
        } else if (!k->name && nb_ex_clean_str(c, k->text)) {
            return 0;
        }
    }
    return elements == 1 && block;
}

/* Drops the furniture inside the gathered article, top down: short paragraphs and boxes
 * that open with a furniture phrase, furniture headings with the link list after them,
 * comment sections from their heading on, sign-up boxes (a short box with a form),
 * pictures' captions and credits, lines of tags, teaser links between paragraphs, rights
 * notices, the author's biography and Chinese byline lines. Text that merely mentions
 * those words stays. Every pass does this: a looser pass must not win by keeping the
 * furniture. */
void nb_ex_drop_furniture(ctx *c, nb_hnode *article)
{
    st_reserve(c);
    drop_comment_lists(c, article);
    unsigned total = article_len(c, article);
    nb_hnode *n = article;
    while (n) {
        int remove = 0, after = 0; /* after: 1 the list after a heading, 2 all that follows */
        if (n->name && n != article && !nb_ex_is_skipped_tag(n->tag) && !wrapper(c, n)) {
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
                int heading = furniture_heading(lead, s->tlen);
                int comments = comment_heading(lead, s->tlen);
                int marked = heading || comments || starts_any(lead, FURNITURE_LEAD);
                if (comments && box && !s->as_p && s->tlen < total / 2) {
                    remove = 1; /* a comment section */
                } else if (comments && para && n->tag != GUMBO_TAG_LI) {
                    remove = 1;
                    after = 2;
                } else if (!marked && para && n->tag != GUMBO_TAG_LI && s->tlen < CREDIT_TEXT &&
                           (starts_any(lead, CREDIT_LEAD) || credit_class(n) ||
                            credit_tail(c, n))) {
                    remove = 1;
                } else if (marked && para && s->tlen < FURNITURE_TEXT) {
                    remove = 1;
                    after = heading && n->tag != GUMBO_TAG_LI;
                } else if (marked && box && !s->as_p &&
                           (s->tlen < FURNITURE_TEXT || link_density(c, n) > 0.4)) {
                    remove = 1;
                } else if (box && s->form && s->tlen < FURNITURE_TEXT) {
                    remove = 1; /* a sign-up or log-in box */
                } else if (box && credit_class(n) && s->tlen < CREDIT_TEXT && !s->img) {
                    remove = 1;
                } else if (para && n->tag != GUMBO_TAG_LI && s->tlen < CAPTION_NOTICE &&
                           (has_any(lead, NOTICE_ANY) || starts_any(lead, COPYRIGHT_LEAD) ||
                            (starts_any(lead, TAGS_LEAD) && link_density(c, n) > 0.3))) {
                    remove = 1;
                } else if (para && n->tag != GUMBO_TAG_LI && app_line(lead, s->tlen)) {
                    remove = 1;
                } else if (s->as_p && n->tag != GUMBO_TAG_P && teaser_link(c, n, s)) {
                    remove = 1;
                } else if ((n->tag == GUMBO_TAG_P || s->as_p) &&
                           ((s->tlen < CN_BYLINE_TEXT && date_only(lead)) ||
                            info_line(lead, s->tlen))) {
                    remove = 1; /* a dateline: the date is metadata */
                    if (!c->dateline)
                        c->dateline = nb_ex_raw_text(c, n);
                } else if (para && author_bio(c, n, lead, s->tlen)) {
                    remove = 1;
                } else if (para && s->tlen < CN_BYLINE_TEXT && starts_any(lead, CN_BYLINE_LEAD)) {
                    const char *name = nb_ex_cn_byline(c, nb_ex_raw_text(c, n));
                    if (name) { /* a byline line: the author is kept, the line goes */
                        remove = 1;
                        if (!c->cn_byline)
                            c->cn_byline = name;
                    }
                }
                if (after)
                    drop_after(c, n, after == 2);
            }
        }
        nb_hnode *next = nb_hnode_next(n, article, remove);
        if (remove)
            nb_ex_remove_counted(c, n);
        n = next;
    }
}
