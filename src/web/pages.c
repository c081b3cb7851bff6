/* SPDX-License-Identifier: MIT */
/* The archive's HTML pages, rendered on the server and complete without JavaScript: one <h1>,
 * lists with headings, a skip link, <time datetime>, links to go further. Every string from
 * a source or the request is escaped (nb_web_text); links and images from sources are used
 * only when they are absolute http(s) URLs; images load without a referrer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/memory.h"
#include "text/text.h"
#include "web/web_private.h"

/* ---- Layout ---- */

typedef enum nav { NAV_NONE, NAV_HOME, NAV_SOURCES, NAV_SEARCH } nav;

static void page_open(nb_web_request *r, nb_web_reply *o, const char *title, nav current,
                      const char *query)
{
    o->type = "text/html; charset=utf-8";
    nb_web_puts(o, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"referrer\" content=\"no-referrer\">\n"
                   "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    if (title) {
        nb_web_text(o, title);
        nb_web_puts(o, " · ");
    }
    nb_web_text(o, r->site->title);
    nb_web_puts(o,
                "</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"");
    nb_web_href(o, r, "/static/style.css?v=%s", r->site->style_version);
    nb_web_puts(o, "\">\n");
    static const struct {
        const char *type, *path, *name;
    } feeds[] = {{"application/atom+xml", "/feed.atom", "Atom"},
                 {"application/rss+xml", "/feed.rss", "RSS"},
                 {"application/feed+json", "/feed.json", "JSON Feed"}};
    for (size_t i = 0; i < 3; i++) {
        nb_web_printf(o, "<link rel=\"alternate\" type=\"%s\" title=\"", feeds[i].type);
        nb_web_text(o, r->site->title);
        nb_web_printf(o, " (%s)\" href=\"", feeds[i].name);
        nb_web_href(o, r, "%s", feeds[i].path);
        nb_web_puts(o, "\">\n");
    }
    nb_web_puts(o,
                "</head>\n<body>\n<a class=\"skip\" href=\"#main\">跳到正文</a>\n"
                "<header class=\"site\">\n<nav aria-label=\"站点\">\n<a class=\"brand\" href=\"");
    nb_web_href(o, r, "/");
    nb_web_printf(o, "\"%s>", current == NAV_HOME ? " aria-current=\"page\"" : "");
    nb_web_text(o, r->site->title);
    nb_web_puts(o, "</a>\n<a href=\"");
    nb_web_href(o, r, "/sources");
    nb_web_printf(o, "\"%s>来源</a>\n<a href=\"",
                  current == NAV_SOURCES ? " aria-current=\"page\"" : "");
    nb_web_href(o, r, "/feed.atom");
    nb_web_puts(o, "\">订阅</a>\n</nav>\n<form class=\"search\" role=\"search\" action=\"/search\" "
                   "method=\"get\">\n<label for=\"q\">搜索存档</label>\n"
                   "<input type=\"search\" id=\"q\" name=\"q\" maxlength=\"100\" "
                   "placeholder=\"搜索标题和摘要\" value=\"");
    nb_web_text(o, query ? query : "");
    nb_web_puts(o, "\">\n");
    if (r->query_token && r->token) {
        nb_web_puts(o, "<input type=\"hidden\" name=\"token\" value=\"");
        nb_web_text(o, r->token);
        nb_web_puts(o, "\">\n");
    }
    nb_web_printf(o,
                  "<button type=\"submit\"%s>搜索</button>\n</form>\n</header>\n"
                  "<main id=\"main\" tabindex=\"-1\">\n",
                  current == NAV_SEARCH ? " aria-current=\"page\"" : "");
}

static void page_close(nb_web_reply *o)
{
    nb_web_puts(o, "</main>\n<footer class=\"site\"><p>由 newsbrief 生成 · "
                   "<a href=\"/feed.atom\">Atom</a> · <a href=\"/feed.rss\">RSS</a> · "
                   "<a href=\"/feed.json\">JSON Feed</a></p></footer>\n</body>\n</html>\n");
}

static void put_time(nb_web_reply *o, int64_t t)
{
    char iso[32], shown[32];
    nb_web_time_iso(t, iso, sizeof iso);
    nb_web_time_display(t, shown, sizeof shown);
    nb_web_printf(o, "<time datetime=\"%s\">%s</time>", iso, shown);
}

/* A link to a source's URL, or the text alone when the URL is not http(s). */
static void put_outside_link(nb_web_reply *o, const char *url, const char *text)
{
    if (nb_web_safe_url(url)) {
        nb_web_puts(o, "<a href=\"");
        nb_web_text(o, url);
        nb_web_puts(o, "\" rel=\"noopener noreferrer\">");
        nb_web_text(o, text);
        nb_web_puts(o, "</a>");
    } else {
        nb_web_text(o, text);
    }
}

static void put_image(nb_web_reply *o, const char *url)
{
    if (!nb_web_safe_url(url))
        return;
    nb_web_puts(o, "<img src=\"");
    nb_web_text(o, url);
    nb_web_puts(
        o, "\" alt=\"\" loading=\"lazy\" decoding=\"async\" referrerpolicy=\"no-referrer\">\n");
}

static void put_related(nb_web_request *r, nb_web_reply *o, const nb_item *it)
{
    if (!it->related_count || !r->site->related_prefix[0])
        return;
    nb_web_puts(o, "<p class=\"related\">");
    nb_web_text(o, r->site->related_prefix);
    for (size_t i = 0; i < it->related_count; i++) {
        if (i)
            nb_web_puts(o, " · ");
        put_outside_link(o, it->related[i].url, it->related[i].label);
    }
    nb_web_puts(o, "</p>\n");
}

/* One item in a list: heading with the original link, time, source, archive link, summary,
 * related reports, image. */
static void put_item(nb_web_request *r, nb_web_reply *o, const nb_item *it, int level)
{
    nb_web_printf(o, "<li>\n<article class=\"item\">\n<h%d>", level);
    put_outside_link(o, it->url, it->title ? it->title : "");
    nb_web_printf(o, "</h%d>\n<p class=\"meta\">", level);
    put_time(o, it->published_at);
    nb_web_puts(o, " · <span class=\"source\">");
    nb_web_text(o, nb_web_source_label(r->site, it->source));
    nb_web_puts(o, "</span>");
    if (it->id > 0) {
        nb_web_puts(o, " · <a href=\"");
        nb_web_href(o, r, "/items/%lld", (long long)it->id);
        nb_web_puts(o, "\">存档页</a>");
    }
    nb_web_puts(o, "</p>\n");
    if (it->summary && *it->summary) {
        nb_web_puts(o, "<p class=\"summary\">");
        nb_web_text(o, it->summary);
        nb_web_puts(o, "</p>\n");
    }
    put_related(r, o, it);
    put_image(o, it->image);
    nb_web_puts(o, "</article>\n</li>\n");
}

/* "YYYY-MM-DD" day labels and their UTC bounds. */
static void briefing_heading(nb_web_reply *o, const nb_briefing *b, const char *fallback)
{
    char stamp[32];
    nb_web_time_display(b->created_at, stamp, sizeof stamp);
    nb_web_text(o, b->title ? b->title : fallback);
    nb_web_printf(o, " (更新时间: %s)", stamp);
}

static void put_briefing_summary(nb_web_request *r, nb_web_reply *o, const nb_briefing *b,
                                 int level)
{
    nb_web_printf(o, "<li>\n<article class=\"briefing\">\n<h%d><a href=\"", level);
    nb_web_href(o, r, "/briefings/%s", b->slug);
    nb_web_puts(o, "\">");
    briefing_heading(o, b, r->site->briefing_title);
    nb_web_printf(o, "</a></h%d>\n<p class=\"meta\">", level);
    put_time(o, b->created_at);
    nb_web_puts(o, " · 频道 ");
    nb_web_text(o, b->channel);
    if (b->entry_count)
        nb_web_printf(o, " · %zu 条", b->entry_count);
    nb_web_puts(o, "</p>\n");
    if (b->entries_loaded) {
        nb_web_puts(o, "<ul class=\"preview\">\n");
        for (size_t i = 0; i < b->entries_loaded; i++) {
            nb_web_puts(o, "<li>");
            if (b->entries[i].id > 0) {
                nb_web_puts(o, "<a href=\"");
                nb_web_href(o, r, "/items/%lld", (long long)b->entries[i].id);
                nb_web_puts(o, "\">");
                nb_web_text(o, b->entries[i].title);
                nb_web_puts(o, "</a>");
            } else {
                nb_web_text(o, b->entries[i].title);
            }
            nb_web_puts(o, "</li>\n");
        }
        if (b->entry_count > b->entries_loaded)
            nb_web_printf(o, "<li class=\"more\">以及另外 %zu 条</li>\n",
                          b->entry_count - b->entries_loaded);
        nb_web_puts(o, "</ul>\n");
    }
    nb_web_puts(o, "</article>\n</li>\n");
}

/* A positive decimal id, or 0. */
static int64_t parse_id(const char *text)
{
    if (!text || !*text || strlen(text) > 18 || strspn(text, "0123456789") != strlen(text))
        return 0;
    return strtoll(text, NULL, 10);
}

/* ---- / ---- */

void nb_web_home(nb_web_request *r, nb_web_reply *o)
{
    int64_t before = 0;
    const char *arg = nb_web_arg(r, "before");
    if (arg && !(before = parse_id(arg))) {
        nb_web_error(r, o, 400, "bad_request", "before: expected a briefing number");
        return;
    }
    nb_briefing_query q = {.before_id = before, .limit = NB_WEB_BRIEFINGS_PAGE, .preview = 5};
    nb_briefing *list = NULL;
    size_t n = 0;
    nb_errbuf err;
    if (nb_store_briefings(r->store, &q, &list, &n, &err) != NB_OK) {
        nb_web_store_failed(r, o, &err);
        return;
    }
    page_open(r, o, before ? "更早的简报" : NULL, before ? NAV_NONE : NAV_HOME, NULL);
    nb_web_puts(o, "<h1>");
    nb_web_text(o, r->site->title);
    nb_web_puts(o, "</h1>\n<section aria-labelledby=\"latest\">\n<h2 id=\"latest\">");
    nb_web_puts(o, before ? "更早的简报" : "最新简报");
    nb_web_puts(o, "</h2>\n");
    if (!n) {
        nb_web_puts(o, "<p class=\"empty\">还没有简报。运行 <code>newsbrief run</code> "
                       "之后，这里会列出每一份简报。</p>\n");
    } else {
        nb_web_puts(o, "<ol class=\"briefings\">\n");
        for (size_t i = 0; i < n; i++)
            put_briefing_summary(r, o, &list[i], 3);
        nb_web_puts(o, "</ol>\n");
    }
    nb_web_puts(o, "</section>\n<nav class=\"pager\" aria-label=\"翻页\">\n");
    if (before) {
        nb_web_puts(o, "<a href=\"");
        nb_web_href(o, r, "/");
        nb_web_puts(o, "\">最新</a>\n");
    }
    if (n == NB_WEB_BRIEFINGS_PAGE) {
        nb_web_puts(o, "<a rel=\"next\" href=\"");
        nb_web_href(o, r, "/?before=%lld", (long long)list[n - 1].id);
        nb_web_puts(o, "\">更早的简报</a>\n");
    }
    if (n) {
        char day[16];
        nb_web_day_of(list[0].created_at, day, sizeof day);
        nb_web_puts(o, "<a href=\"");
        nb_web_href(o, r, "/days/%s", day);
        nb_web_printf(o, "\">按日浏览：%s</a>\n", day);
    }
    nb_web_puts(o, "</nav>\n");
    page_close(o);
    o->cacheable = 1;
    nb_briefings_free(list, n);
}

/* ---- /briefings/<id> ---- */

void nb_web_briefing(nb_web_request *r, nb_web_reply *o)
{
    nb_briefing b;
    if (nb_web_briefing_load(r, o, r->rest, &b) != NB_OK)
        return;
    char stamp[32];
    nb_web_time_display(b.created_at, stamp, sizeof stamp);
    char title[128];
    snprintf(title, sizeof title, "简报 %s", stamp);
    page_open(r, o, title, NAV_NONE, NULL);
    nb_web_puts(o, "<article class=\"briefing-page\">\n<h1>");
    briefing_heading(o, &b, r->site->briefing_title);
    nb_web_puts(o, "</h1>\n<p class=\"meta\">");
    put_time(o, b.created_at);
    nb_web_puts(o, " · 频道 ");
    nb_web_text(o, b.channel);
    if (b.entry_count)
        nb_web_printf(o, " · %zu 条", b.entry_count);
    char day[16];
    nb_web_day_of(b.created_at, day, sizeof day);
    nb_web_puts(o, " · <a href=\"");
    nb_web_href(o, r, "/days/%s", day);
    nb_web_printf(o, "\">%s 的全部条目</a></p>\n", day);
    if (b.entries_loaded) {
        size_t per_page = b.per_page ? b.per_page : b.entries_loaded;
        size_t pages = (b.entries_loaded + per_page - 1) / per_page;
        for (size_t p = 0; p < pages; p++) {
            if (pages > 1)
                nb_web_printf(o,
                              "<section class=\"part\" aria-labelledby=\"part%zu\">\n"
                              "<h2 id=\"part%zu\">第 %zu/%zu 部分</h2>\n",
                              p + 1, p + 1, p + 1, pages);
            nb_web_puts(o, "<ol class=\"items\">\n");
            for (size_t i = p * per_page; i < b.entries_loaded && i < (p + 1) * per_page; i++)
                put_item(r, o, &b.entries[i], pages > 1 ? 3 : 2);
            nb_web_puts(o, "</ol>\n");
            if (pages > 1)
                nb_web_puts(o, "</section>\n");
        }
    } else {
        /* recorded before entries were kept: the text as delivered */
        for (size_t p = 0; p < b.page_count; p++) {
            nb_web_printf(
                o,
                "<section class=\"part\" aria-labelledby=\"part%zu\">\n"
                "<h2 id=\"part%zu\">第 %zu/%zu 部分（原文）</h2>\n<pre class=\"delivered\">",
                p + 1, p + 1, p + 1, b.page_count);
            nb_web_text(o, b.pages[p]);
            nb_web_puts(o, "</pre>\n</section>\n");
        }
    }
    nb_web_puts(o, "</article>\n");
    page_close(o);
    o->cacheable = 1;
    nb_briefing_clear(&b);
}

/* ---- /days/<date> ---- */

/* "published.id" cursors of item lists. */
static int parse_cursor(const char *text, int64_t *published, int64_t *id)
{
    const char *dot = text ? strchr(text, '.') : NULL;
    if (!dot || dot == text || strlen(text) > 40)
        return 0;
    char head[32];
    size_t n = (size_t)(dot - text);
    if (n >= sizeof head)
        return 0;
    memcpy(head, text, n);
    head[n] = '\0';
    int negative = head[0] == '-';
    if (strspn(head + negative, "0123456789") != strlen(head + negative) || !head[negative])
        return 0;
    *published = strtoll(head, NULL, 10);
    *id = parse_id(dot + 1);
    return *id > 0;
}

void nb_web_day(nb_web_request *r, nb_web_reply *o)
{
    int64_t from, to;
    if (!nb_web_day_bounds(r->rest, &from, &to)) {
        nb_web_error(r, o, 404, "not_found", "expected a date such as 2025-04-07");
        return;
    }
    nb_item_query q = {.from = from, .to = to, .limit = NB_WEB_PAGE_SIZE};
    const char *cursor = nb_web_arg(r, "before");
    if (cursor && !parse_cursor(cursor, &q.before_published, &q.before_id)) {
        nb_web_error(r, o, 400, "bad_request", "before: expected a cursor from a link");
        return;
    }
    nb_item *items = NULL;
    size_t n = 0;
    nb_briefing *briefings = NULL;
    size_t bn = 0;
    nb_briefing_query bq = {.from = from, .to = to, .limit = 100};
    nb_errbuf err;
    if (nb_store_items_query(r->store, &q, &items, &n, &err) != NB_OK ||
        (!cursor && nb_store_briefings(r->store, &bq, &briefings, &bn, &err) != NB_OK)) {
        nb_items_free(items, n);
        nb_web_store_failed(r, o, &err);
        return;
    }
    char day[16];
    snprintf(day, sizeof day, "%s", r->rest);
    page_open(r, o, day, NAV_NONE, NULL);
    nb_web_printf(o, "<h1>%s 的新闻</h1>\n<nav class=\"pager\" aria-label=\"日期\">\n", day);
    char prev[16], next[16];
    nb_web_day_of(from - 1, prev, sizeof prev);
    nb_web_day_of(to, next, sizeof next);
    nb_web_puts(o, "<a rel=\"prev\" href=\"");
    nb_web_href(o, r, "/days/%s", prev);
    nb_web_printf(o, "\">前一天 %s</a>\n<a rel=\"next\" href=\"", prev);
    nb_web_href(o, r, "/days/%s", next);
    nb_web_printf(o, "\">后一天 %s</a>\n</nav>\n", next);
    if (bn) {
        nb_web_puts(o, "<section aria-labelledby=\"day-briefings\">\n"
                       "<h2 id=\"day-briefings\">当天的简报</h2>\n<ol class=\"briefings\">\n");
        for (size_t i = 0; i < bn; i++)
            put_briefing_summary(r, o, &briefings[i], 3);
        nb_web_puts(o, "</ol>\n</section>\n");
    }
    nb_web_puts(o, "<section aria-labelledby=\"day-items\">\n<h2 id=\"day-items\">");
    nb_web_puts(o, cursor ? "当天更早的条目" : "当天的条目");
    nb_web_puts(o, "</h2>\n");
    if (!n) {
        nb_web_puts(o, "<p class=\"empty\">这一天没有收录条目。</p>\n");
    } else {
        nb_web_puts(o, "<ol class=\"items\">\n");
        for (size_t i = 0; i < n; i++)
            put_item(r, o, &items[i], 3);
        nb_web_puts(o, "</ol>\n");
    }
    nb_web_puts(o, "</section>\n");
    if (n == NB_WEB_PAGE_SIZE) {
        nb_web_puts(o, "<nav class=\"pager\" aria-label=\"翻页\"><a rel=\"next\" href=\"");
        nb_web_href(o, r, "/days/%s?before=%lld.%lld", day, (long long)items[n - 1].published_at,
                    (long long)items[n - 1].id);
        nb_web_puts(o, "\">更早的条目</a></nav>\n");
    }
    page_close(o);
    o->cacheable = 1;
    nb_items_free(items, n);
    nb_briefings_free(briefings, bn);
}

/* ---- /items/<id> ---- */

void nb_web_item(nb_web_request *r, nb_web_reply *o)
{
    nb_web_item_view v;
    if (nb_web_item_load(r, o, parse_id(r->rest), &v) != NB_OK)
        return;
    const nb_item *it = &v.item;
    const nb_item *others = v.others;
    const nb_briefing *carried = v.carried;
    size_t other_count = v.other_count, carried_count = v.carried_count;
    page_open(r, o, it->title, NAV_NONE, NULL);
    nb_web_puts(o, "<article class=\"item-page\">\n<h1>");
    nb_web_text(o, it->title);
    nb_web_puts(o, "</h1>\n<p class=\"meta\">");
    put_time(o, it->published_at);
    nb_web_puts(o, " · <span class=\"source\">");
    nb_web_text(o, nb_web_source_label(r->site, it->source));
    nb_web_puts(o, "</span>");
    if (nb_web_safe_url(it->url)) {
        nb_web_puts(o, " · ");
        put_outside_link(o, it->url, "阅读原文");
    }
    nb_web_puts(o, "</p>\n");
    if (it->summary && *it->summary) {
        nb_web_puts(o, "<p class=\"summary\">");
        nb_web_text(o, it->summary);
        nb_web_puts(o, "</p>\n");
    }
    put_image(o, it->image);
    if (other_count) {
        nb_web_puts(o, "<section aria-labelledby=\"others\">\n<h2 id=\"others\">同一事件的其他报道"
                       "</h2>\n<ul class=\"others\">\n");
        for (size_t i = 0; i < other_count; i++) {
            nb_web_puts(o, "<li><a href=\"");
            nb_web_href(o, r, "/items/%lld", (long long)others[i].id);
            nb_web_puts(o, "\">");
            nb_web_text(o, others[i].title);
            nb_web_puts(o, "</a> · ");
            nb_web_text(o, nb_web_source_label(r->site, others[i].source));
            nb_web_puts(o, " · ");
            put_time(o, others[i].published_at);
            if (nb_web_safe_url(others[i].url)) {
                nb_web_puts(o, " · ");
                put_outside_link(o, others[i].url, "原文");
            }
            nb_web_puts(o, "</li>\n");
        }
        nb_web_puts(o, "</ul>\n</section>\n");
    }
    if (carried_count) {
        nb_web_puts(o, "<section aria-labelledby=\"carried\">\n<h2 id=\"carried\">收录于简报</h2>\n"
                       "<ul>\n");
        for (size_t i = 0; i < carried_count; i++) {
            nb_web_puts(o, "<li><a href=\"");
            nb_web_href(o, r, "/briefings/%s", carried[i].slug);
            nb_web_puts(o, "\">");
            briefing_heading(o, &carried[i], r->site->briefing_title);
            nb_web_puts(o, "</a> · 频道 ");
            nb_web_text(o, carried[i].channel);
            nb_web_puts(o, "</li>\n");
        }
        nb_web_puts(o, "</ul>\n</section>\n");
    }
    nb_web_puts(o, "</article>\n");
    page_close(o);
    o->cacheable = 1;
    nb_web_item_view_free(&v);
}

/* ---- /sources ---- */

static void put_when(nb_web_reply *o, int64_t t)
{
    if (t > 0)
        put_time(o, t);
    else
        nb_web_puts(o, "—");
}

void nb_web_sources(nb_web_request *r, nb_web_reply *o)
{
    nb_web_health h;
    if (nb_web_health_load(r, o, &h) != NB_OK)
        return;
    const nb_source_state *states = h.states;
    const nb_source_stats *stats = h.stats;
    size_t n = h.state_count, sn = h.stats_count;
    /* configured sources first, then those only the database remembers */
    size_t total = r->site->source_count;
    const char **names = nb_xcalloc(r->site->source_count + n + sn + 1, sizeof *names);
    for (size_t i = 0; i < r->site->source_count; i++)
        names[i] = r->site->sources[i].name;
    for (size_t i = 0; i < n + sn; i++) {
        const char *name = i < n ? states[i].name : stats[i - n].name;
        size_t k = 0;
        while (k < total && strcmp(names[k], name) != 0)
            k++;
        if (k == total)
            names[total++] = name;
    }
    page_open(r, o, "来源", NAV_SOURCES, NULL);
    nb_web_puts(o, "<h1>来源</h1>\n<p>每个来源最近一次抓取的结果、连续失败次数和最近的错误。</p>\n"
                   "<div class=\"table\" role=\"region\" aria-labelledby=\"sources-caption\" "
                   "tabindex=\"0\">\n<table>\n<caption id=\"sources-caption\">来源状态</caption>\n"
                   "<thead><tr><th scope=\"col\">来源</th><th scope=\"col\">类型</th>"
                   "<th scope=\"col\">状态</th><th scope=\"col\">条目</th>"
                   "<th scope=\"col\">最新条目</th><th scope=\"col\">上次成功</th>"
                   "<th scope=\"col\">连续失败</th><th scope=\"col\">最近的错误</th>"
                   "<th scope=\"col\">下次抓取</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < total; i++) {
        const nb_web_source *conf = NULL;
        for (size_t k = 0; k < r->site->source_count; k++)
            if (!strcmp(r->site->sources[k].name, names[i]))
                conf = &r->site->sources[k];
        const nb_source_state *st = nb_web_health_state(&h, names[i]);
        const nb_source_stats *sst = nb_web_health_stats(&h, names[i]);
        const char *health = !conf                    ? "不在配置中"
                             : !conf->enabled         ? "已停用"
                             : !st                    ? "尚未抓取"
                             : st->consecutive_errors ? "失败"
                                                      : "正常";
        nb_web_puts(o, "<tr><th scope=\"row\">");
        nb_web_text(o, conf ? conf->label : names[i]);
        if (conf && strcmp(conf->label, conf->name) != 0) {
            nb_web_puts(o, " <span class=\"name\">(");
            nb_web_text(o, conf->name);
            nb_web_puts(o, ")</span>");
        }
        nb_web_puts(o, "</th><td>");
        nb_web_text(o, conf ? conf->type : st && st->type ? st->type : "—");
        nb_web_printf(o, "</td><td class=\"%s\">%s</td><td>%lld</td><td>",
                      st && st->consecutive_errors ? "bad" : "good", health,
                      (long long)(sst ? sst->items : 0));
        put_when(o, sst ? sst->newest : 0);
        nb_web_puts(o, "</td><td>");
        put_when(o, st ? st->last_success_at : 0);
        nb_web_printf(o, "</td><td>%d</td><td>", st ? st->consecutive_errors : 0);
        char shown[1024];
        if (nb_web_health_error(st, shown, sizeof shown))
            nb_web_text(o, shown);
        else
            nb_web_puts(o, "—");
        nb_web_puts(o, "</td><td>");
        put_when(o, st ? st->next_fetch_at : 0);
        nb_web_puts(o, "</td></tr>\n");
    }
    nb_web_puts(o, "</tbody>\n</table>\n</div>\n");
    page_close(o);
    o->cacheable = 1;
    free(names);
    nb_web_health_free(&h);
}

/* ---- /search ---- */

#define SEARCH_PAGE 20

/* A query value that is valid UTF-8, without control characters, at most max bytes. */
static char *clean_arg(const char *value, size_t max)
{
    if (!value)
        return NULL;
    size_t len = strlen(value);
    if (len > max)
        len = max;
    char *s = nb_utf8_sanitize(value, len);
    /* a cut may have split the last character: sanitize replaced it */
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    return s;
}

static const char *configured_source(const nb_web_site *site, const char *name)
{
    for (size_t i = 0; name && *name && i < site->source_count; i++)
        if (!strcmp(site->sources[i].name, name))
            return site->sources[i].name;
    return NULL;
}

/* The search's form values in a link's query (token excluded: href adds it). */
static void search_link(nb_web_request *r, nb_web_reply *o, const char *q, const char *source,
                        const char *from, const char *to, int newest, size_t page)
{
    char *eq = nb_web_url_encode(q);
    char *es = nb_web_url_encode(source ? source : "");
    nb_web_href(o, r, "/search?q=%s%s%s%s%s%s%s%s&page=%zu", eq, source ? "&source=" : "",
                source ? es : "", from ? "&from=" : "", from ? from : "", to ? "&to=" : "",
                to ? to : "", newest ? "&sort=newest" : "", page);
    free(eq);
    free(es);
}

void nb_web_search(nb_web_request *r, nb_web_reply *o)
{
    char *q = clean_arg(nb_web_arg(r, "q"), NB_WEB_QUERY_MAX);
    const char *source_arg = nb_web_arg(r, "source");
    const char *source = configured_source(r->site, source_arg);
    const char *from_arg = nb_web_arg(r, "from"), *to_arg = nb_web_arg(r, "to");
    const char *sort = nb_web_arg(r, "sort");
    const char *page_arg = nb_web_arg(r, "page");
    int64_t from = 0, to = 0, ignored;
    int newest = sort && !strcmp(sort, "newest");
    long page = page_arg ? strtol(page_arg, NULL, 10) : 1;
    const char *problem = NULL;
    if (from_arg && *from_arg && !nb_web_day_bounds(from_arg, &from, &ignored))
        problem = "from: expected a date such as 2025-04-07";
    if (to_arg && *to_arg && !nb_web_day_bounds(to_arg, &ignored, &to))
        problem = "to: expected a date such as 2025-04-07";
    if (source_arg && *source_arg && !source)
        problem = "source: not a configured source";
    if (sort && *sort && strcmp(sort, "newest") != 0 && strcmp(sort, "relevance") != 0)
        problem = "sort: relevance or newest";
    if (page < 1 || (size_t)(page - 1) * SEARCH_PAGE >= NB_SEARCH_COUNT_CAP)
        problem = "page: out of range";
    if (problem) {
        free(q);
        nb_web_error(r, o, 400, "bad_request", problem);
        return;
    }
    nb_search_result res = {0};
    nb_search_query sq = {.text = q,
                          .source = source,
                          .from = from,
                          .to = to,
                          .newest = newest,
                          .limit = SEARCH_PAGE,
                          .offset = (size_t)(page - 1) * SEARCH_PAGE};
    nb_errbuf err;
    if (q && *q && nb_store_search(r->store, &sq, &res, &err) != NB_OK) {
        free(q);
        nb_web_store_failed(r, o, &err);
        return;
    }
    page_open(r, o, q && *q ? q : "搜索", NAV_SEARCH, q);
    nb_web_puts(o, "<h1>搜索</h1>\n<form class=\"filters\" action=\"/search\" method=\"get\">\n"
                   "<p><label for=\"sq\">关键词</label> <input type=\"search\" id=\"sq\" "
                   "name=\"q\" maxlength=\"100\" value=\"");
    nb_web_text(o, q ? q : "");
    nb_web_puts(o, "\"></p>\n<p><label for=\"ssource\">来源</label> <select id=\"ssource\" "
                   "name=\"source\"><option value=\"\">全部</option>");
    for (size_t i = 0; i < r->site->source_count; i++) {
        nb_web_puts(o, "<option value=\"");
        nb_web_text(o, r->site->sources[i].name);
        nb_web_printf(o, "\"%s>", source == r->site->sources[i].name ? " selected" : "");
        nb_web_text(o, r->site->sources[i].label);
        nb_web_puts(o, "</option>");
    }
    nb_web_puts(o, "</select></p>\n<p><label for=\"sfrom\">从</label> <input type=\"date\" "
                   "id=\"sfrom\" name=\"from\" value=\"");
    nb_web_text(o, from ? from_arg : "");
    nb_web_puts(o, "\"> <label for=\"sto\">到</label> <input type=\"date\" id=\"sto\" name=\"to\" "
                   "value=\"");
    nb_web_text(o, to ? to_arg : "");
    nb_web_printf(o,
                  "\"></p>\n<p><label for=\"ssort\">排序</label> <select id=\"ssort\" "
                  "name=\"sort\"><option value=\"relevance\"%s>相关度</option>"
                  "<option value=\"newest\"%s>最新</option></select></p>\n",
                  newest ? "" : " selected", newest ? " selected" : "");
    if (r->query_token && r->token) {
        nb_web_puts(o, "<input type=\"hidden\" name=\"token\" value=\"");
        nb_web_text(o, r->token);
        nb_web_puts(o, "\">\n");
    }
    nb_web_puts(o, "<p><button type=\"submit\">搜索</button></p>\n</form>\n");
    if (q && *q) {
        nb_web_puts(o, "<section aria-labelledby=\"results\">\n<h2 id=\"results\">结果</h2>\n"
                       "<p class=\"count\" role=\"status\">");
        if (res.total_capped)
            nb_web_printf(o, "找到超过 %zu 条结果", res.total);
        else
            nb_web_printf(o, "找到 %zu 条结果", res.total);
        nb_web_puts(o, "</p>\n");
        if (res.substring_only)
            nb_web_puts(o, "<p class=\"hint\">每个关键词都少于三个字，无法使用全文索引："
                           "这是对标题和摘要的逐条子串查找，结果按时间排列。</p>\n");
        else if (res.total_capped && !newest)
            nb_web_printf(o,
                          "<p class=\"hint\">匹配太多，只在最近收录的 %d 条中按相关度排序。"
                          "</p>\n",
                          NB_SEARCH_COUNT_CAP);
        if (res.count) {
            nb_web_printf(o, "<ol class=\"results\" start=\"%zu\">\n", sq.offset + 1);
            for (size_t i = 0; i < res.count; i++) {
                const nb_search_hit *h = &res.hits[i];
                nb_web_puts(o, "<li>\n<article class=\"item\">\n<h3><a href=\"");
                nb_web_href(o, r, "/items/%lld", (long long)h->item.id);
                nb_web_puts(o, "\">");
                nb_web_marked(o, h->title_marked);
                nb_web_puts(o, "</a></h3>\n<p class=\"meta\">");
                put_time(o, h->item.published_at);
                nb_web_puts(o, " · <span class=\"source\">");
                nb_web_text(o, nb_web_source_label(r->site, h->item.source));
                nb_web_puts(o, "</span>");
                if (nb_web_safe_url(h->item.url)) {
                    nb_web_puts(o, " · ");
                    put_outside_link(o, h->item.url, "原文");
                }
                nb_web_puts(o, "</p>\n");
                if (h->snippet_marked) {
                    nb_web_puts(o, "<p class=\"summary\">");
                    nb_web_marked(o, h->snippet_marked);
                    nb_web_puts(o, "</p>\n");
                }
                nb_web_puts(o, "</article>\n</li>\n");
            }
            nb_web_puts(o, "</ol>\n");
        }
        nb_web_puts(o, "</section>\n<nav class=\"pager\" aria-label=\"翻页\">\n");
        const char *f = from ? from_arg : NULL, *t = to ? to_arg : NULL;
        if (page > 1) {
            nb_web_puts(o, "<a rel=\"prev\" href=\"");
            search_link(r, o, q, source, f, t, newest, (size_t)page - 1);
            nb_web_puts(o, "\">上一页</a>\n");
        }
        if (sq.offset + res.count < res.total) {
            nb_web_puts(o, "<a rel=\"next\" href=\"");
            search_link(r, o, q, source, f, t, newest, (size_t)page + 1);
            nb_web_puts(o, "\">下一页</a>\n");
        }
        nb_web_puts(o, "</nav>\n");
    } else {
        nb_web_puts(o,
                    "<p class=\"hint\">在标题和摘要中查找。三个字及以上的词使用全文索引并按相关度"
                    "排序；一两个字的词（如“模型”“AI”）逐条查找。用引号把词组括起来。</p>\n");
    }
    page_close(o);
    o->cacheable = 1;
    nb_search_result_clear(&res);
    free(q);
}

/* ---- Errors, the stylesheet ---- */

void nb_web_not_found(nb_web_request *r, nb_web_reply *o)
{
    nb_web_error(r, o, 404, "not_found", "nothing lives at this address");
}

static int api_route(nb_web_route route)
{
    return route == ROUTE_API_BRIEFINGS || route == ROUTE_API_BRIEFING ||
           route == ROUTE_API_ITEMS || route == ROUTE_API_ITEM || route == ROUTE_API_SOURCES;
}

void nb_web_error(nb_web_request *r, nb_web_reply *o, int status, const char *code,
                  const char *message)
{
    nb_buf_reset(&o->body);
    o->overflow = 0;
    o->status = status;
    o->cacheable = status == 404;
    if (api_route(r->route) || r->route == ROUTE_FEED_JSON) {
        o->type = "application/json";
        json_t *body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
        char *text = body ? nb_json_dump(body) : NULL;
        nb_web_puts(o, text ? text : "{}");
        nb_web_puts(o, "\n");
        free(text);
        json_decref(body);
        return;
    }
    char title[64];
    snprintf(title, sizeof title, "%d", status);
    page_open(r, o, title, NAV_NONE, NULL);
    nb_web_printf(o, "<h1>%s</h1>\n<p>",
                  status == 404   ? "找不到这个页面"
                  : status == 400 ? "请求有误"
                                  : "出错了");
    nb_web_text(o, message);
    nb_web_puts(o, "</p>\n<p><a href=\"");
    nb_web_href(o, r, "/");
    nb_web_puts(o, "\">回到首页</a></p>\n");
    page_close(o);
}

void nb_web_style(nb_web_request *r, nb_web_reply *o)
{
    (void)r;
    o->type = "text/css; charset=utf-8";
    o->cache_control = "public, max-age=31536000, immutable";
    o->cacheable = 1;
    nb_web_puts(o, nb_web_stylesheet);
}
