/* SPDX-License-Identifier: MIT */
/* Feeds out: Atom 1.0 (RFC 4287), RSS 2.0 and JSON Feed 1.1 of the latest items, or of the
 * latest briefings with ?briefings=1, filtered by source= and a search q=. Ids are archive
 * URLs of items and briefings, so they never change with a title; characters XML forbids
 * are dropped from scraped text; no token ever appears in a feed. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/memory.h"
#include "text/text.h"
#include "web/web_private.h"

#define FEED_ITEMS 50
#define FEED_BRIEFINGS 20

typedef enum kind { ATOM, RSS, JSONFEED } kind;

/* One entry, whatever its origin. */
typedef struct entry {
    char *id;   /* archive URL: permanent */
    char *link; /* what a reader opens */
    const char *title;
    char *title_owned;
    const char *author;
    const char *summary;
    const char *image;
    int64_t time;
    char *html; /* the content as HTML */
} entry;

static void entry_free(entry *e)
{
    free(e->id);
    free(e->link);
    free(e->title_owned);
    free(e->html);
}

/* HTML of an item's body: summary, related links, image (all escaped). */
static char *item_html(nb_web_request *r, const nb_item *it)
{
    nb_web_reply h = {0};
    nb_buf_init(&h.body, NB_WEB_BODY_MAX);
    if (it->summary && *it->summary) {
        nb_web_puts(&h, "<p>");
        nb_web_text(&h, it->summary);
        nb_web_puts(&h, "</p>");
    }
    if (it->related_count && r->site->related_prefix[0]) {
        nb_web_puts(&h, "<p>");
        nb_web_text(&h, r->site->related_prefix);
        for (size_t i = 0; i < it->related_count; i++) {
            if (!nb_web_safe_url(it->related[i].url))
                continue;
            nb_web_puts(&h, i ? " · <a href=\"" : "<a href=\"");
            nb_web_text(&h, it->related[i].url);
            nb_web_puts(&h, "\">");
            nb_web_text(&h, it->related[i].label);
            nb_web_puts(&h, "</a>");
        }
        nb_web_puts(&h, "</p>");
    }
    if (nb_web_safe_url(it->image)) {
        nb_web_puts(&h, "<p><img src=\"");
        nb_web_text(&h, it->image);
        nb_web_puts(&h, "\" alt=\"\" referrerpolicy=\"no-referrer\"></p>");
    }
    return nb_buf_take(&h.body);
}

static char *briefing_html(nb_web_request *r, const nb_briefing *b)
{
    nb_web_reply h = {0};
    nb_buf_init(&h.body, NB_WEB_BODY_MAX);
    nb_web_puts(&h, "<ol>");
    for (size_t i = 0; i < b->entries_loaded; i++) {
        const nb_item *it = &b->entries[i];
        nb_web_puts(&h, "<li><p><strong>");
        if (nb_web_safe_url(it->url)) {
            nb_web_puts(&h, "<a href=\"");
            nb_web_text(&h, it->url);
            nb_web_puts(&h, "\">");
            nb_web_text(&h, it->title);
            nb_web_puts(&h, "</a>");
        } else {
            nb_web_text(&h, it->title);
        }
        char when[32];
        nb_web_time_display(it->published_at, when, sizeof when);
        nb_web_printf(&h, "</strong> %s</p>", when);
        char *body = item_html(r, it);
        nb_web_puts(&h, body);
        free(body);
        nb_web_puts(&h, "</li>");
    }
    nb_web_puts(&h, "</ol>");
    if (!b->entries_loaded)
        for (size_t p = 0; p < b->page_count; p++) {
            nb_web_puts(&h, "<pre>");
            nb_web_text(&h, b->pages[p]);
            nb_web_puts(&h, "</pre>");
        }
    return nb_buf_take(&h.body);
}

/* The feed's own URL (without the token), also its id. */
static char *self_url(nb_web_request *r, const char *path, int briefings, const char *source,
                      const char *q)
{
    char *es = source ? nb_web_url_encode(source) : NULL;
    char *eq = q ? nb_web_url_encode(q) : NULL;
    char *url = nb_xasprintf("%s%s%s%s%s%s%s%s", r->base, path, briefings || source || q ? "?" : "",
                             briefings ? "briefings=1" : "",
                             source ? (briefings ? "&source=" : "source=") : "", es ? es : "",
                             q ? (briefings || source ? "&q=" : "q=") : "", eq ? eq : "");
    free(es);
    free(eq);
    return url;
}

static void write_atom(nb_web_request *r, nb_web_reply *o, const char *self, const entry *e,
                       size_t n, int64_t updated)
{
    char when[32];
    o->type = "application/atom+xml; charset=utf-8";
    nb_web_puts(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                   "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n<id>");
    nb_web_text(o, self);
    nb_web_puts(o, "</id>\n<title>");
    nb_web_text(o, r->site->title);
    nb_web_time_iso(updated, when, sizeof when);
    nb_web_printf(o,
                  "</title>\n<updated>%s</updated>\n<link rel=\"self\" "
                  "type=\"application/atom+xml\" href=\"",
                  when);
    nb_web_text(o, self);
    nb_web_puts(o, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    nb_web_text(o, r->base);
    nb_web_puts(o, "/\"/>\n<author><name>newsbrief</name></author>\n"
                   "<generator>newsbrief</generator>\n");
    for (size_t i = 0; i < n; i++) {
        nb_web_time_iso(e[i].time, when, sizeof when);
        nb_web_puts(o, "<entry>\n<id>");
        nb_web_text(o, e[i].id);
        nb_web_puts(o, "</id>\n<title type=\"text\">");
        nb_web_text(o, e[i].title);
        nb_web_puts(o, "</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        nb_web_text(o, e[i].link);
        nb_web_printf(o, "\"/>\n<published>%s</published>\n<updated>%s</updated>\n", when, when);
        if (e[i].author) {
            nb_web_puts(o, "<author><name>");
            nb_web_text(o, e[i].author);
            nb_web_puts(o, "</name></author>\n");
        }
        if (e[i].summary && *e[i].summary) {
            nb_web_puts(o, "<summary type=\"text\">");
            nb_web_text(o, e[i].summary);
            nb_web_puts(o, "</summary>\n");
        }
        nb_web_puts(o, "<content type=\"html\">");
        nb_web_text(o, e[i].html);
        nb_web_puts(o, "</content>\n</entry>\n");
    }
    nb_web_puts(o, "</feed>\n");
}

static void write_rss(nb_web_request *r, nb_web_reply *o, const char *self, const entry *e,
                      size_t n, int64_t updated)
{
    char when[40];
    o->type = "application/rss+xml; charset=utf-8";
    nb_web_puts(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
                   "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>");
    nb_web_text(o, r->site->title);
    nb_web_puts(o, "</title>\n<link>");
    nb_web_text(o, r->base);
    nb_web_puts(o, "/</link>\n<description>");
    nb_web_text(o, r->site->title);
    nb_web_time_rfc822(updated, when, sizeof when);
    nb_web_printf(o,
                  "</description>\n<language>zh-CN</language>\n<lastBuildDate>%s"
                  "</lastBuildDate>\n<generator>newsbrief</generator>\n<atom:link href=\"",
                  when);
    nb_web_text(o, self);
    nb_web_puts(o, "\" rel=\"self\" type=\"application/rss+xml\"/>\n");
    for (size_t i = 0; i < n; i++) {
        nb_web_time_rfc822(e[i].time, when, sizeof when);
        nb_web_puts(o, "<item>\n<title>");
        nb_web_text(o, e[i].title);
        nb_web_puts(o, "</title>\n<link>");
        nb_web_text(o, e[i].link);
        nb_web_puts(o, "</link>\n<guid isPermaLink=\"true\">");
        nb_web_text(o, e[i].id);
        nb_web_printf(o, "</guid>\n<pubDate>%s</pubDate>\n<description>", when);
        nb_web_text(o, e[i].html);
        nb_web_puts(o, "</description>\n</item>\n");
    }
    nb_web_puts(o, "</channel>\n</rss>\n");
}

static void write_json_feed(nb_web_request *r, nb_web_reply *o, const char *self, const entry *e,
                            size_t n)
{
    o->type = "application/feed+json";
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        char when[32];
        nb_web_time_iso(e[i].time, when, sizeof when);
        json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", e[i].id, "url", e[i].id, "title",
                               e[i].title ? e[i].title : "", "content_html", e[i].html,
                               "date_published", when);
        if (it && strcmp(e[i].link, e[i].id) != 0)
            json_object_set_new(it, "external_url", json_string(e[i].link));
        if (it && e[i].summary && *e[i].summary)
            json_object_set_new(it, "summary", json_string(e[i].summary));
        if (it && nb_web_safe_url(e[i].image))
            json_object_set_new(it, "image", json_string(e[i].image));
        if (it && e[i].author)
            json_object_set_new(it, "authors", json_pack("[{s:s}]", "name", e[i].author));
        if (it)
            json_array_append_new(items, it);
    }
    char *home = nb_xasprintf("%s/", r->base);
    json_t *feed = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s}], s:o}", "version",
                             "https://jsonfeed.org/version/1.1", "title", r->site->title,
                             "home_page_url", home, "feed_url", self, "language", "zh-CN",
                             "authors", "name", "newsbrief", "items", items);
    char *text = feed ? nb_json_dump(feed) : NULL;
    nb_web_puts(o, text ? text : "{}");
    nb_web_puts(o, "\n");
    free(text);
    free(home);
    json_decref(feed);
}

/* Items (or search hits) as entries. */
static entry *item_entries(nb_web_request *r, nb_item *items, size_t n, int64_t *updated)
{
    entry *e = nb_xcalloc(n + 1, sizeof *e);
    for (size_t i = 0; i < n; i++) {
        const nb_item *it = &items[i];
        e[i].id = nb_xasprintf("%s/items/%lld", r->base, (long long)it->id);
        e[i].link = nb_xstrdup(nb_web_safe_url(it->url) ? it->url : e[i].id);
        e[i].title = it->title;
        e[i].author = nb_web_source_label(r->site, it->source);
        e[i].summary = it->summary;
        e[i].image = it->image;
        e[i].time = it->published_at;
        e[i].html = item_html(r, it);
        if (it->published_at > *updated)
            *updated = it->published_at;
    }
    return e;
}

void nb_web_feed(nb_web_request *r, nb_web_reply *o)
{
    kind k = r->route == ROUTE_FEED_ATOM ? ATOM : r->route == ROUTE_FEED_RSS ? RSS : JSONFEED;
    const char *path = k == ATOM ? "/feed.atom" : k == RSS ? "/feed.rss" : "/feed.json";
    const char *b = nb_web_arg(r, "briefings");
    int briefings = b && strcmp(b, "0") != 0;
    const char *source = nb_web_arg(r, "source");
    const char *q_arg = nb_web_arg(r, "q");
    if (source && !*source)
        source = NULL;
    if (source && strlen(source) > 200) {
        nb_web_error(r, o, 400, "bad_request", "source: too long");
        return;
    }
    char *q = q_arg && *q_arg
                  ? nb_utf8_sanitize(q_arg, strlen(q_arg) > NB_WEB_QUERY_MAX ? NB_WEB_QUERY_MAX
                                                                             : strlen(q_arg))
                  : NULL;
    char *self = self_url(r, path, briefings, source, q);
    int64_t updated = 0;
    entry *e = NULL;
    size_t n = 0;
    nb_errbuf err;
    nb_err rc = NB_OK;
    nb_item *items = NULL;
    size_t item_count = 0;
    nb_briefing *list = NULL;
    size_t list_count = 0;
    nb_search_result res = {0};
    if (briefings) {
        nb_briefing_query bq = {.limit = FEED_BRIEFINGS, .preview = 1000};
        rc = nb_store_briefings(r->store, &bq, &list, &list_count, &err);
        if (!rc) {
            e = nb_xcalloc(list_count + 1, sizeof *e);
            for (size_t i = 0; i < list_count; i++) {
                const nb_briefing *br = &list[i];
                char stamp[32];
                nb_web_time_display(br->created_at, stamp, sizeof stamp);
                e[n].id = nb_xasprintf("%s/briefings/%s", r->base, br->slug);
                e[n].link = nb_xstrdup(e[n].id);
                e[n].title_owned = nb_xasprintf(
                    "%s (更新时间: %s)", br->title ? br->title : r->site->briefing_title, stamp);
                e[n].title = e[n].title_owned;
                e[n].author = br->channel;
                e[n].time = br->created_at;
                e[n].html = briefing_html(r, br);
                if (br->created_at > updated)
                    updated = br->created_at;
                n++;
            }
        }
    } else if (q) {
        nb_search_query sq = {.text = q, .source = source, .newest = 1, .limit = FEED_ITEMS};
        rc = nb_store_search(r->store, &sq, &res, &err);
        if (!rc) {
            items = nb_xcalloc(res.count + 1, sizeof *items);
            for (size_t i = 0; i < res.count; i++) {
                items[i] = res.hits[i].item;
                memset(&res.hits[i].item, 0, sizeof res.hits[i].item);
            }
            item_count = res.count;
            e = item_entries(r, items, item_count, &updated);
            n = item_count;
        }
    } else {
        nb_item_query iq = {.source = source, .limit = FEED_ITEMS};
        rc = nb_store_items_query(r->store, &iq, &items, &item_count, &err);
        if (!rc) {
            e = item_entries(r, items, item_count, &updated);
            n = item_count;
        }
    }
    if (rc) {
        nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err.msg);
        nb_web_error(r, o, 500, "store", "the archive could not read its database");
    } else {
        if (!updated)
            updated = atomic_load(&r->web->last_modified);
        if (k == ATOM)
            write_atom(r, o, self, e, n, updated);
        else if (k == RSS)
            write_rss(r, o, self, e, n, updated);
        else
            write_json_feed(r, o, self, e, n);
        o->cacheable = 1;
    }
    for (size_t i = 0; i < n; i++)
        entry_free(&e[i]);
    free(e);
    nb_items_free(items, item_count);
    nb_briefings_free(list, list_count);
    nb_search_result_clear(&res);
    free(self);
    free(q);
}
