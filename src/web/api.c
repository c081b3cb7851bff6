/* SPDX-License-Identifier: MIT */
/* The JSON API (docs/API.md): briefings, one briefing as delivered, items with filters and a
 * cursor, one item with its story, sources. Built with jansson; times are RFC 3339 in UTC;
 * errors are {"error": {"code", "message"}} with the matching status. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/memory.h"
#include "core/time.h"
#include "text/text.h"
#include "web/web_private.h"

#define API_LIMIT_DEFAULT 20
#define API_LIMIT_MAX 100

/* jansson refuses invalid UTF-8 (json_string returns NULL): such a text becomes null. */
static json_t *text_json(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *item_json(nb_web_request *r, const nb_item *it)
{
    char *archive = nb_xasprintf("%s/items/%lld", r->base, (long long)it->id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(it->id));
    json_object_set_new(o, "source", text_json(it->source));
    json_object_set_new(o, "source_label", text_json(nb_web_source_label(r->site, it->source)));
    json_object_set_new(o, "title", text_json(it->title));
    json_object_set_new(o, "url", text_json(it->url));
    json_object_set_new(o, "published_at", nb_json_time(it->published_at));
    json_object_set_new(o, "image", text_json(it->image));
    json_object_set_new(o, "summary", text_json(it->summary));
    json_object_set_new(o, "archive_url", json_string(archive));
    if (it->related_count) {
        json_t *related = json_array();
        for (size_t i = 0; i < it->related_count; i++)
            json_array_append_new(related,
                                  json_pack("{s:o, s:o}", "label", text_json(it->related[i].label),
                                            "url", text_json(it->related[i].url)));
        json_object_set_new(o, "related", related);
    }
    free(archive);
    return o;
}

static json_t *briefing_json(nb_web_request *r, const nb_briefing *b)
{
    char *url = nb_xasprintf("%s/briefings/%s", r->base, b->slug);
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:I, s:s}", "id", text_json(b->slug), "channel",
                          text_json(b->channel), "title",
                          text_json(b->title ? b->title : r->site->briefing_title), "created_at",
                          nb_json_time(b->created_at), "entry_count", (json_int_t)b->entry_count,
                          "url", url);
    free(url);
    return o;
}

static void send_json(nb_web_reply *o, json_t *value)
{
    o->type = "application/json";
    char *text = value ? json_dumps(value, JSON_INDENT(2)) : NULL;
    nb_web_puts(o, text ? text : "null");
    nb_web_puts(o, "\n");
    free(text);
    json_decref(value);
    o->cacheable = 1;
}

/* limit=: 1..API_LIMIT_MAX, default API_LIMIT_DEFAULT; 0 when invalid. */
static size_t parse_limit(const char *text)
{
    if (!text)
        return API_LIMIT_DEFAULT;
    if (!*text || strlen(text) > 4 || strspn(text, "0123456789") != strlen(text))
        return 0;
    long v = strtol(text, NULL, 10);
    return v >= 1 && v <= API_LIMIT_MAX ? (size_t)v : 0;
}

static int64_t parse_positive(const char *text)
{
    if (!text || !*text || strlen(text) > 18 || strspn(text, "0123456789") != strlen(text))
        return -1;
    return strtoll(text, NULL, 10);
}

static void api_briefings(nb_web_request *r, nb_web_reply *o)
{
    size_t limit = parse_limit(nb_web_arg(r, "limit"));
    const char *before_arg = nb_web_arg(r, "before");
    int64_t before = before_arg ? parse_positive(before_arg) : 0;
    if (!limit || before < 0) {
        nb_web_error(r, o, 400, "bad_request", "limit: 1 to 100; before: a briefing number");
        return;
    }
    nb_briefing_query q = {.before_id = before, .limit = limit};
    nb_briefing *list = NULL;
    size_t n = 0;
    nb_errbuf err;
    if (nb_store_briefings(r->store, &q, &list, &n, &err) != NB_OK) {
        nb_web_store_failed(r, o, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, briefing_json(r, &list[i]));
    json_t *next = json_null();
    if (n == limit) {
        char buf[96];
        snprintf(buf, sizeof buf, "/api/briefings?before=%lld&limit=%zu", (long long)list[n - 1].id,
                 limit);
        json_decref(next);
        next = json_string(buf);
    }
    send_json(o, json_pack("{s:o, s:o}", "briefings", arr, "next", next));
    nb_briefings_free(list, n);
}

static void api_briefing(nb_web_request *r, nb_web_reply *o)
{
    nb_briefing b;
    if (nb_web_briefing_load(r, o, r->rest, &b) != NB_OK)
        return;
    json_t *out = briefing_json(r, &b);
    json_object_set_new(out, "items_per_page", json_integer((json_int_t)b.per_page));
    json_t *entries = json_array();
    for (size_t i = 0; i < b.entries_loaded; i++) {
        json_t *e = item_json(r, &b.entries[i]);
        json_object_set_new(e, "position", json_integer((json_int_t)i + 1));
        json_array_append_new(entries, e);
    }
    json_object_set_new(out, "entries", entries);
    json_t *pages = json_array();
    for (size_t i = 0; i < b.page_count; i++)
        json_array_append_new(pages, text_json(b.pages[i]));
    json_object_set_new(out, "pages", pages);
    send_json(o, out);
    nb_briefing_clear(&b);
}

/* since=: RFC 3339 / ISO 8601 (as feeds write it) or seconds since the epoch. */
static int parse_since(const char *text, int64_t *out)
{
    int64_t seconds = parse_positive(text);
    if (seconds >= 0) {
        *out = seconds;
        return 1;
    }
    nb_errbuf err;
    return nb_time_parse(text, 0, out, &err) == NB_OK;
}

static void api_items(nb_web_request *r, nb_web_reply *o)
{
    size_t limit = parse_limit(nb_web_arg(r, "limit"));
    const char *q_arg = nb_web_arg(r, "q"), *source = nb_web_arg(r, "source");
    const char *since_arg = nb_web_arg(r, "since"), *cursor = nb_web_arg(r, "cursor");
    int64_t since = 0;
    if (!limit) {
        nb_web_error(r, o, 400, "bad_request", "limit: 1 to 100");
        return;
    }
    if (since_arg && !parse_since(since_arg, &since)) {
        nb_web_error(r, o, 400, "bad_request",
                     "since: a time such as 2025-04-07T00:00:00Z or seconds since 1970");
        return;
    }
    if (source && (!*source || strlen(source) > 200))
        source = NULL;
    json_t *arr = json_array();
    json_t *out = NULL;
    nb_errbuf err;
    if (q_arg && *q_arg) {
        int64_t offset = cursor ? parse_positive(cursor) : 0;
        if (offset < 0 || offset >= NB_SEARCH_COUNT_CAP) {
            json_decref(arr);
            nb_web_error(r, o, 400, "bad_request", "cursor: pass the next_cursor of the last page");
            return;
        }
        size_t len = strlen(q_arg) > NB_WEB_QUERY_MAX ? NB_WEB_QUERY_MAX : strlen(q_arg);
        char *q = nb_utf8_sanitize(q_arg, len);
        nb_search_query sq = {
            .text = q, .source = source, .from = since, .limit = limit, .offset = (size_t)offset};
        nb_search_result res;
        nb_err rc = nb_store_search(r->store, &sq, &res, &err);
        free(q);
        if (rc) {
            json_decref(arr);
            nb_web_store_failed(r, o, &err);
            return;
        }
        for (size_t i = 0; i < res.count; i++)
            json_array_append_new(arr, item_json(r, &res.hits[i].item));
        json_t *next = json_null();
        if ((size_t)offset + res.count < res.total && res.count == limit) {
            char buf[32];
            snprintf(buf, sizeof buf, "%zu", (size_t)offset + res.count);
            json_decref(next);
            next = json_string(buf);
        }
        out = json_pack("{s:o, s:o, s:I, s:b, s:b}", "items", arr, "next_cursor", next, "total",
                        (json_int_t)res.total, "total_capped", res.total_capped, "substring_only",
                        res.substring_only);
        nb_search_result_clear(&res);
    } else {
        nb_item_query iq = {.source = source, .from = since, .limit = limit};
        if (cursor) {
            const char *dot = strchr(cursor, '.');
            int64_t id = dot ? parse_positive(dot + 1) : -1;
            char head[32] = "";
            if (dot && (size_t)(dot - cursor) < sizeof head) {
                memcpy(head, cursor, (size_t)(dot - cursor));
                head[dot - cursor] = '\0';
            }
            int64_t published = parse_positive(head);
            if (id <= 0 || published < 0) {
                json_decref(arr);
                nb_web_error(r, o, 400, "bad_request",
                             "cursor: pass the next_cursor of the last page");
                return;
            }
            iq.before_published = published;
            iq.before_id = id;
        }
        nb_item *items = NULL;
        size_t n = 0;
        if (nb_store_items_query(r->store, &iq, &items, &n, &err) != NB_OK) {
            json_decref(arr);
            nb_web_store_failed(r, o, &err);
            return;
        }
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, item_json(r, &items[i]));
        json_t *next = json_null();
        if (n == limit) {
            char buf[64];
            snprintf(buf, sizeof buf, "%lld.%lld", (long long)items[n - 1].published_at,
                     (long long)items[n - 1].id);
            json_decref(next);
            next = json_string(buf);
        }
        out = json_pack("{s:o, s:o}", "items", arr, "next_cursor", next);
        nb_items_free(items, n);
    }
    send_json(o, out);
}

static void api_item(nb_web_request *r, nb_web_reply *o)
{
    nb_web_item_view v;
    if (nb_web_item_load(r, o, parse_positive(r->rest), &v) != NB_OK)
        return;
    json_t *out = item_json(r, &v.item);
    json_t *story = json_array(), *briefings = json_array();
    for (size_t i = 0; i < v.other_count; i++)
        json_array_append_new(story, item_json(r, &v.others[i]));
    for (size_t i = 0; i < v.carried_count; i++)
        json_array_append_new(briefings, briefing_json(r, &v.carried[i]));
    json_object_set_new(out, "story", story);
    json_object_set_new(out, "briefings", briefings);
    send_json(o, out);
    nb_web_item_view_free(&v);
}

static void api_sources(nb_web_request *r, nb_web_reply *o)
{
    nb_web_health h;
    if (nb_web_health_load(r, o, &h) != NB_OK)
        return;
    json_t *arr = json_array();
    for (size_t i = 0; i < r->site->source_count; i++) {
        const nb_web_source *c = &r->site->sources[i];
        const nb_source_state *st = nb_web_health_state(&h, c->name);
        const nb_source_stats *ss = nb_web_health_stats(&h, c->name);
        char shown[1024];
        int failed = nb_web_health_error(st, shown, sizeof shown);
        json_t *s = json_object();
        json_object_set_new(s, "name", text_json(c->name));
        json_object_set_new(s, "label", text_json(c->label));
        json_object_set_new(s, "type", text_json(c->type));
        json_object_set_new(s, "enabled", json_boolean(c->enabled));
        json_object_set_new(s, "items", json_integer(ss ? ss->items : 0));
        json_object_set_new(s, "newest_item_at", nb_json_time(ss ? ss->newest : 0));
        json_object_set_new(s, "last_success_at", nb_json_time(st ? st->last_success_at : 0));
        json_object_set_new(s, "last_attempt_at", nb_json_time(st ? st->last_attempt_at : 0));
        json_object_set_new(s, "next_fetch_at", nb_json_time(st ? st->next_fetch_at : 0));
        json_object_set_new(s, "consecutive_failures",
                            json_integer(st ? st->consecutive_errors : 0));
        json_object_set_new(s, "last_error", failed ? text_json(shown) : json_null());
        json_array_append_new(arr, s);
    }
    send_json(o, json_pack("{s:o}", "sources", arr));
    nb_web_health_free(&h);
}

void nb_web_api(nb_web_request *r, nb_web_reply *o)
{
    switch (r->route) {
    case ROUTE_API_BRIEFINGS:
        api_briefings(r, o);
        break;
    case ROUTE_API_BRIEFING:
        api_briefing(r, o);
        break;
    case ROUTE_API_ITEMS:
        api_items(r, o);
        break;
    case ROUTE_API_ITEM:
        api_item(r, o);
        break;
    default:
        api_sources(r, o);
        break;
    }
}
