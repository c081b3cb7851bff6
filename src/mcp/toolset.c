/* SPDX-License-Identifier: MIT */
/* The tools newsbrief offers over MCP, their parameters and output schemas, and what each
 * does: queries of the archive through store.h (never a write), the date resolver, and the
 * two actions handed to the program's callback. Limits default to 10 and stop at 100; long
 * texts are cut with a flag saying so. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/memory.h"
#include "core/time.h"
#include "mcp/mcp_internal.h"
#include "text/text.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LIMIT_PARAM                                                                                \
    {                                                                                              \
        "limit", MCP_INTEGER, 0, "how many to return (default 10)", 1, 100                         \
    }

/* ---- resolve_date_range ---- */

static const mcp_param range_params[] = {
    {"expression", MCP_STRING, 1,
     "the span in words or dates: 今天, 昨天, 本周, 上周, 本月, 最近7天, today, yesterday, this "
     "week, last 7 days, 2025-04-07, 2025-04-01..2025-04-07",
     0, 120},
};

static nb_err resolve_date_range(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_mcp_range range;
    nb_err rc = nb_mcp_date_range(nb_mcp_arg_string(args, "expression"), mcp->server->zone,
                                  nb_clock_now(), &range, err);
    if (rc != NB_OK)
        return rc;
    *result = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o}", "from", range.from, "to", range.to,
                        "days", range.days, "timezone", mcp->server->timezone, "start_utc",
                        nb_json_time(range.start), "end_utc", nb_json_time(range.end));
    return NB_OK;
}

/* ---- list_sources ---- */

static nb_err list_sources(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    json_t *sources = json_array();
    nb_err rc = NB_OK;
    for (size_t i = 0; i < mcp->server->source_count && rc == NB_OK; i++) {
        const nb_mcp_source *sc = &mcp->server->sources[i];
        nb_source_state st = {0};
        rc = nb_store_source_load(mcp->store, sc->name, &st, err);
        if (rc != NB_OK)
            break;
        const char *health = !sc->enabled                ? "disabled"
                             : st.last_attempt_at == 0   ? "never fetched"
                             : st.consecutive_errors > 0 ? "failing"
                                                         : "ok";
        json_array_append_new(
            sources, json_pack("{s:s, s:s, s:b, s:s, s:o, s:o, s:i, s:s?, s:o}", "name", sc->name,
                               "type", sc->type, "enabled", sc->enabled, "health", health,
                               "last_success", nb_json_time(st.last_success_at), "last_attempt",
                               nb_json_time(st.last_attempt_at), "consecutive_failures",
                               st.consecutive_errors, "last_error", st.last_error, "next_fetch",
                               nb_json_time(st.next_fetch_at)));
        nb_source_state_clear(&st);
    }
    if (rc != NB_OK) {
        json_decref(sources);
        return rc;
    }
    *result = json_pack("{s:o}", "sources", sources);
    return NB_OK;
}

/* ---- items and briefings as JSON ---- */

/* Text cut to at most max bytes at a character boundary; *cut tells whether it was. */
static json_t *capped_text(const char *text, size_t max, int *cut)
{
    size_t len = text ? strlen(text) : 0;
    *cut = len > max;
    if (!text)
        return json_null();
    if (!*cut)
        return json_string(text);
    while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80)
        max--;
    return json_stringn(text, max);
}

/* The archive's marks around matches become Markdown bold. */
static json_t *marked_text(const char *text)
{
    if (!text)
        return json_null();
    size_t len = strlen(text), n = 0;
    char *out = nb_xmalloc(len * 2 + 1);
    for (const char *p = text; *p; p++) {
        if (*p == NB_SEARCH_MARK_OPEN[0] || *p == NB_SEARCH_MARK_CLOSE[0]) {
            out[n++] = '*';
            out[n++] = '*';
        } else {
            out[n++] = *p;
        }
    }
    json_t *value = json_stringn(out, n);
    free(out);
    return value;
}

static json_t *links_json(const nb_item *item)
{
    json_t *links = json_array();
    for (size_t i = 0; i < item->related_count; i++)
        json_array_append_new(links, json_pack("{s:s?, s:s?}", "site", item->related[i].label,
                                               "url", item->related[i].url));
    return links;
}

static json_t *item_json(const nb_item *item)
{
    int cut;
    json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:s?, s:o}", "id", (json_int_t)item->id,
                          "title", item->title ? item->title : "", "source", item->source, "url",
                          item->url, "published", nb_json_time(item->published_at), "image",
                          item->image, "summary", capped_text(item->summary, 2000, &cut));
    if (item->related_count)
        json_object_set_new(o, "other_reports", links_json(item));
    return o;
}

static json_t *briefing_head_json(const nb_briefing *b)
{
    return json_pack("{s:s, s:s?, s:s?, s:o, s:I}", "id", b->slug, "channel", b->channel, "title",
                     b->title, "created", nb_json_time(b->created_at), "items",
                     (json_int_t)b->entry_count);
}

/* from/to arguments: whole local days through the date resolver ("2025-04-07", 今天 ...). */
static nb_err day_bounds(const mcp_call *mcp, json_t *args, int64_t *from, int64_t *to,
                         nb_errbuf *err)
{
    const char *names[2] = {"from", "to"};
    *from = *to = 0;
    for (int i = 0; i < 2; i++) {
        const char *text = nb_mcp_arg_string(args, names[i]);
        if (!text)
            continue;
        nb_mcp_range range;
        if (nb_mcp_date_range(text, mcp->server->zone, nb_clock_now(), &range, err) != NB_OK) {
            nb_err_prefix(err, "argument \"%s\"", names[i]);
            return NB_ERR_USAGE;
        }
        if (i == 0)
            *from = range.start;
        else
            *to = range.end;
    }
    if (*from && *to && *to <= *from)
        return nb_errf(err, NB_ERR_USAGE, "\"to\" is before \"from\"");
    return NB_OK;
}

/* A source argument must name a configured source. */
static nb_err check_source(mcp_call *mcp, const char *source, nb_errbuf *err)
{
    if (!source)
        return NB_OK;
    for (size_t i = 0; i < mcp->server->source_count; i++)
        if (!strcmp(mcp->server->sources[i].name, source))
            return NB_OK;
    char names[256] = "";
    for (size_t i = 0; i < mcp->server->source_count && strlen(names) < 200; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 mcp->server->sources[i].name);
    return nb_errf(err, NB_ERR_USAGE, "unknown source \"%s\" (sources: %s)", source, names);
}

/* ---- search_items ---- */

static const mcp_param search_params[] = {
    {"query", MCP_STRING, 1,
     "words to find in titles and summaries, Chinese or English; all must match; \"...\" keeps "
     "a phrase",
     0, 200},
    {"from", MCP_STRING, 0, "first day (YYYY-MM-DD, or words such as 本周)", 0, 64},
    {"to", MCP_STRING, 0, "last day, included (YYYY-MM-DD)", 0, 64},
    {"source", MCP_STRING, 0, "only this source (see list_sources)", 0, 128},
    {"sort", MCP_STRING, 0, "relevance (default) or newest", 0, 16},
    LIMIT_PARAM,
};

static nb_err search_items(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_search_query q = {.text = nb_mcp_arg_string(args, "query"),
                         .source = nb_mcp_arg_string(args, "source"),
                         .limit = (size_t)nb_mcp_arg_limit(args)};
    const char *sort = nb_mcp_arg_string(args, "sort");
    if (sort && strcmp(sort, "relevance") != 0 && strcmp(sort, "newest") != 0)
        return nb_errf(err, NB_ERR_USAGE, "argument \"sort\" must be relevance or newest");
    q.newest = sort && !strcmp(sort, "newest");
    nb_err rc = day_bounds(mcp, args, &q.from, &q.to, err);
    if (rc == NB_OK)
        rc = check_source(mcp, q.source, err);
    if (rc != NB_OK)
        return rc;
    nb_search_result found = {0};
    if ((rc = nb_store_search(mcp->store, &q, &found, err)) != NB_OK)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; i < found.count; i++) {
        json_t *o = item_json(&found.hits[i].item);
        json_object_set_new(o, "title_marked", marked_text(found.hits[i].title_marked));
        json_object_set_new(o, "snippet", marked_text(found.hits[i].snippet_marked));
        json_array_append_new(items, o);
    }
    *result = json_pack("{s:s, s:I, s:b, s:b, s:o}", "query", q.text, "total",
                        (json_int_t)found.total, "total_capped", found.total_capped,
                        "substring_only", found.substring_only, "items", items);
    nb_search_result_clear(&found);
    return NB_OK;
}

/* ---- latest_items ---- */

static const mcp_param latest_params[] = {
    {"source", MCP_STRING, 0, "only this source (see list_sources)", 0, 128},
    {"since", MCP_STRING, 0, "only items published on or after this day (YYYY-MM-DD, 昨天 ...)", 0,
     64},
    LIMIT_PARAM,
};

static nb_err latest_items(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_item_query q = {.source = nb_mcp_arg_string(args, "source"),
                       .limit = (size_t)nb_mcp_arg_limit(args)};
    const char *since = nb_mcp_arg_string(args, "since");
    nb_err rc = check_source(mcp, q.source, err);
    if (rc == NB_OK && since) {
        nb_mcp_range range;
        if ((rc = nb_mcp_date_range(since, mcp->server->zone, nb_clock_now(), &range, err)) !=
            NB_OK)
            nb_err_prefix(err, "argument \"since\"");
        q.from = range.start;
    }
    if (rc != NB_OK)
        return rc;
    nb_item *items = NULL;
    size_t count = 0;
    if ((rc = nb_store_items_query(mcp->store, &q, &items, &count, err)) != NB_OK)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, item_json(&items[i]));
    nb_items_free(items, count);
    *result = json_pack("{s:o}", "items", list);
    return NB_OK;
}

/* ---- list_briefings, get_briefing ---- */

static const mcp_param list_briefings_params[] = {
    {"from", MCP_STRING, 0, "first day (YYYY-MM-DD, or words such as 上周)", 0, 64},
    {"to", MCP_STRING, 0, "last day, included (YYYY-MM-DD)", 0, 64},
    LIMIT_PARAM,
};

static nb_err list_briefings(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_briefing_query q = {.limit = (size_t)nb_mcp_arg_limit(args)};
    nb_err rc = day_bounds(mcp, args, &q.from, &q.to, err);
    if (rc != NB_OK)
        return rc;
    nb_briefing *briefings = NULL;
    size_t count = 0;
    if ((rc = nb_store_briefings(mcp->store, &q, &briefings, &count, err)) != NB_OK)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, briefing_head_json(&briefings[i]));
    nb_briefings_free(briefings, count);
    *result = json_pack("{s:o}", "briefings", list);
    return NB_OK;
}

static const mcp_param get_briefing_params[] = {
    {"id", MCP_STRING, 1, "the briefing's id, as list_briefings gives it (2025-04-07-2046)", 0, 64},
};

/* Loads a briefing by slug; NB_ERR_USAGE-free "not found" is a run-time failure the model
 * can act on. */
static nb_err load_briefing(mcp_call *mcp, const char *slug, nb_briefing *b, nb_errbuf *err)
{
    int found = 0;
    nb_err rc = nb_store_briefing_get(mcp->store, slug, b, &found, err);
    if (rc == NB_OK && !found)
        rc = nb_errf(err, NB_ERR_SCHEMA,
                     "no briefing \"%s\": ids look like 2025-04-07-2046; list_briefings gives "
                     "them",
                     slug);
    return rc;
}

static nb_err get_briefing(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_briefing b = {0};
    nb_err rc = load_briefing(mcp, nb_mcp_arg_string(args, "id"), &b, err);
    if (rc != NB_OK)
        return rc;
    json_t *o = briefing_head_json(&b);
    json_t *entries = json_array();
    for (size_t i = 0; i < b.entries_loaded; i++) {
        json_t *e = item_json(&b.entries[i]);
        json_object_set_new(e, "position", json_integer((json_int_t)i + 1));
        json_array_append_new(entries, e);
    }
    json_object_set_new(o, "entries", entries);
    json_object_set_new(o, "pages", json_integer((json_int_t)b.page_count));
    nb_briefing_clear(&b);
    *result = o;
    return NB_OK;
}

/* ---- get_item, related_items ---- */

#define ARTICLE_TEXT_MAX 8000 /* bytes of article text handed to a model */

static const mcp_param get_item_params[] = {
    {"id", MCP_INTEGER, 1, "the item's id, as other tools give it", 1, INT64_MAX},
};

static nb_err load_item(mcp_call *mcp, int64_t id, nb_item *item, nb_item **others,
                        size_t *other_count, nb_errbuf *err)
{
    int found = 0;
    nb_err rc = nb_store_item_get(mcp->store, id, item, &found, others, other_count, err);
    if (rc == NB_OK && !found)
        rc = nb_errf(err, NB_ERR_SCHEMA,
                     "no item %lld: take ids from search_items, latest_items or get_briefing",
                     (long long)id);
    return rc;
}

static nb_err get_item(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    nb_item item = {0}, *others = NULL;
    size_t other_count = 0;
    int64_t id = nb_mcp_arg_int(args, "id", 0);
    nb_err rc = load_item(mcp, id, &item, &others, &other_count, err);
    if (rc != NB_OK)
        return rc;
    char *content = NULL;
    rc = nb_store_item_text(mcp->store, id, &content, err);
    if (rc == NB_OK) {
        json_t *o = item_json(&item);
        json_t *reports = json_array();
        for (size_t i = 0; i < other_count; i++)
            json_array_append_new(reports, item_json(&others[i]));
        json_object_set_new(o, "same_story", reports);
        int cut = 0;
        json_object_set_new(o, "article_text", capped_text(content, ARTICLE_TEXT_MAX, &cut));
        json_object_set_new(o, "truncated", json_boolean(cut));
        *result = o;
    }
    free(content);
    nb_item_clear(&item);
    nb_items_free(others, other_count);
    return rc;
}

#define RELATED_POOL 5000  /* recent items compared with the subject */
#define RELATED_FLOOR 0.12 /* similarity below which nothing is "related" */

static const mcp_param related_params[] = {
    {"id", MCP_INTEGER, 0, "an item's id: find stories like it", 1, INT64_MAX},
    {"query", MCP_STRING, 0, "or a text (a title, a sentence): find stories like it", 0, 1000},
    LIMIT_PARAM,
};

static nb_err related_items(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    int64_t id = nb_mcp_arg_int(args, "id", 0);
    const char *query = nb_mcp_arg_string(args, "query");
    if ((id != 0) == (query != NULL))
        return nb_errf(err, NB_ERR_USAGE, "give either \"id\" or \"query\", not both or none");
    size_t limit = (size_t)nb_mcp_arg_limit(args);
    nb_item subject = {0}, *others = NULL, *pool = NULL;
    size_t other_count = 0, count = 0;
    nb_err rc = NB_OK;
    if (id && (rc = load_item(mcp, id, &subject, &others, &other_count, err)) != NB_OK)
        return rc;
    nb_item_query q = {.limit = RELATED_POOL};
    if ((rc = nb_store_items_query(mcp->store, &q, &pool, &count, err)) != NB_OK)
        goto out;
    /* The subject is article 0 of the index, the pool follows. */
    nb_story_index *index = nb_story_index_new();
    nb_story_index_add(index, id ? subject.title : query, id ? subject.summary : NULL);
    for (size_t i = 0; i < count; i++)
        nb_story_index_add(index, pool[i].title, pool[i].summary);
    nb_story_index_finish(index);
    double *score = nb_xcalloc(count + 1, sizeof *score);
    for (size_t i = 0; i < count; i++) {
        int same = pool[i].id == id;
        for (size_t k = 0; k < other_count && !same; k++)
            same = pool[i].id == others[k].id;
        score[i] = same ? -1 : nb_story_similarity(index, 0, i + 1);
    }
    json_t *list = json_array();
    for (size_t n = 0; n < limit; n++) {
        size_t best = count;
        for (size_t i = 0; i < count; i++)
            if (score[i] >= RELATED_FLOOR && (best == count || score[i] > score[best]))
                best = i;
        if (best == count)
            break;
        json_t *o = item_json(&pool[best]);
        json_object_set_new(o, "similarity", json_real((double)(int)(score[best] * 1000) / 1000));
        json_array_append_new(list, o);
        score[best] = -1;
    }
    free(score);
    nb_story_index_free(index);
    *result = json_pack("{s:o}", "items", list);
out:
    nb_items_free(pool, count);
    nb_item_clear(&subject);
    nb_items_free(others, other_count);
    return rc;
}

/* ---- actions ---- */

static nb_err run_action(mcp_call *mcp, const char *kind, const char *arg, json_t **result,
                         nb_errbuf *err)
{
    char *summary = NULL;
    nb_mcp *server = (nb_mcp *)mcp->server;
    pthread_mutex_lock(&server->action_lock); /* one action at a time */
    nb_err rc = server->action(server->action_ctx, kind, arg, &summary, err);
    pthread_mutex_unlock(&server->action_lock);
    if (rc == NB_OK)
        *result = json_pack("{s:s}", "result", summary ? summary : "done");
    free(summary);
    /* A name that fits the schema but not the configuration is the model's to fix: a tool
     * error it reads, not a protocol error. */
    return rc == NB_ERR_USAGE ? NB_ERR_CONFIG : rc;
}

static nb_err run_now(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    (void)args;
    return run_action(mcp, "run_now", NULL, result, err);
}

static const mcp_param send_briefing_params[] = {
    {"id", MCP_STRING, 1, "the briefing's id (list_briefings)", 0, 64},
    {"channel", MCP_STRING, 1, "the configured channel to send it to", 0, 128},
};

static nb_err send_briefing(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err)
{
    char arg[256];
    snprintf(arg, sizeof arg, "%s %s", nb_mcp_arg_string(args, "id"),
             nb_mcp_arg_string(args, "channel"));
    return run_action(mcp, "send_briefing", arg, result, err);
}

/* ---- resources ---- */

json_t *nb_mcp_resource_list(mcp_call *mcp, nb_errbuf *err)
{
    nb_briefing_query q = {.limit = 20};
    nb_briefing *briefings = NULL;
    size_t count = 0;
    if (nb_store_briefings(mcp->store, &q, &briefings, &count, err) != NB_OK)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        char uri[128], name[160];
        snprintf(uri, sizeof uri, "newsbrief://briefing/%s", briefings[i].slug);
        snprintf(name, sizeof name, "%s %s", briefings[i].title ? briefings[i].title : "briefing",
                 briefings[i].slug);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "uri", uri, "name", name,
                                              "mimeType", "text/markdown"));
    }
    nb_briefings_free(briefings, count);
    return json_pack("{s:o}", "resources", list);
}

/* Appends printf-style text to a growing string. */
static void append(char **text, size_t *len, const char *fmt, ...) NB_PRINTF(3, 4);
static void append(char **text, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *text = nb_xrealloc(*text, *len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(*text + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
}

static void item_markdown(char **text, size_t *len, const nb_item *item, const char *heading)
{
    char when[32] = "";
    if (item->published_at > 0)
        nb_time_format_display(item->published_at, when, sizeof when);
    append(text, len, "%s[%s](%s)   %s\n\n", heading, item->title ? item->title : "",
           item->url ? item->url : "", when);
    if (item->summary)
        append(text, len, "%s\n\n", item->summary);
    if (item->image)
        append(text, len, "![](%s)\n\n", item->image);
    for (size_t i = 0; i < item->related_count; i++)
        append(text, len, "- %s: %s\n", item->related[i].label ? item->related[i].label : "",
               item->related[i].url ? item->related[i].url : "");
}

nb_err nb_mcp_resource_read(mcp_call *mcp, const char *uri, char **out, nb_errbuf *err)
{
    static const char briefing_prefix[] = "newsbrief://briefing/",
                      item_prefix[] = "newsbrief://item/";
    char *text = NULL;
    size_t len = 0;
    nb_err rc;
    if (!strncmp(uri, briefing_prefix, sizeof briefing_prefix - 1)) {
        nb_briefing b = {0};
        if ((rc = load_briefing(mcp, uri + sizeof briefing_prefix - 1, &b, err)) != NB_OK)
            return NB_ERR_USAGE;
        char when[32];
        nb_time_format_display(b.created_at, when, sizeof when);
        append(&text, &len, "# %s (%s)\n\n", b.title ? b.title : "briefing", when);
        for (size_t i = 0; i < b.entries_loaded; i++) {
            char heading[32];
            snprintf(heading, sizeof heading, "## %zu. ", i + 1);
            item_markdown(&text, &len, &b.entries[i], heading);
            append(&text, &len, "\n");
        }
        nb_briefing_clear(&b);
    } else if (!strncmp(uri, item_prefix, sizeof item_prefix - 1)) {
        char *end;
        long long id = strtoll(uri + sizeof item_prefix - 1, &end, 10);
        nb_item item = {0}, *others = NULL;
        size_t other_count = 0;
        if (*end || id <= 0 || load_item(mcp, id, &item, &others, &other_count, err) != NB_OK)
            return nb_errf(err, NB_ERR_USAGE, "no item at %s", uri);
        item_markdown(&text, &len, &item, "# ");
        for (size_t i = 0; i < other_count; i++)
            append(&text, &len, "- %s: [%s](%s)\n", others[i].source ? others[i].source : "",
                   others[i].title ? others[i].title : "", others[i].url ? others[i].url : "");
        nb_item_clear(&item);
        nb_items_free(others, other_count);
    } else {
        return nb_errf(err, NB_ERR_USAGE,
                       "unknown resource \"%s\" (newsbrief://briefing/{id} or "
                       "newsbrief://item/{id})",
                       uri);
    }
    *out = text ? text : nb_xstrdup("");
    return NB_OK;
}

/* ---- the table ---- */

static const char range_schema[] =
    "{\"type\":\"object\",\"required\":[\"from\",\"to\",\"days\",\"timezone\"],"
    "\"properties\":{\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"},"
    "\"days\":{\"type\":\"integer\"},\"timezone\":{\"type\":\"string\"},"
    "\"start_utc\":{\"type\":\"string\"},\"end_utc\":{\"type\":\"string\"}}}";

static const char sources_schema[] =
    "{\"type\":\"object\",\"required\":[\"sources\"],\"properties\":{\"sources\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"object\",\"required\":[\"name\",\"type\",\"enabled\","
    "\"health\"],\"properties\":{\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
    "\"enabled\":{\"type\":\"boolean\"},\"health\":{\"type\":\"string\"},"
    "\"last_success\":{\"type\":[\"string\",\"null\"]},\"last_attempt\":{\"type\":[\"string\","
    "\"null\"]},\"consecutive_failures\":{\"type\":\"integer\"},\"last_error\":{\"type\":"
    "[\"string\",\"null\"]},\"next_fetch\":{\"type\":[\"string\",\"null\"]}}}}}}";

/* One item in results (item_json). */
#define ITEM_PROPERTIES                                                                            \
    "\"id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},"                               \
    "\"source\":{\"type\":[\"string\",\"null\"]},\"url\":{\"type\":[\"string\",\"null\"]},"        \
    "\"published\":{\"type\":[\"string\",\"null\"]},\"image\":{\"type\":[\"string\",\"null\"]},"   \
    "\"summary\":{\"type\":[\"string\",\"null\"]},"                                                \
    "\"other_reports\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"        \
    "\"site\":{\"type\":\"string\"},\"url\":{\"type\":\"string\"}}}}"
#define ITEM_SCHEMA(extra)                                                                         \
    "{\"type\":\"object\",\"required\":[\"id\",\"title\"],\"properties\":{" ITEM_PROPERTIES extra  \
    "}}"
#define BRIEFING_PROPERTIES                                                                        \
    "\"id\":{\"type\":\"string\"},\"channel\":{\"type\":[\"string\",\"null\"]},\"title\":{"        \
    "\"type\":"                                                                                    \
    "[\"string\",\"null\"]},\"created\":{\"type\":[\"string\",\"null\"]},\"items\":{\"type\":"     \
    "\"integer\"}"

static const char search_schema[] =
    "{\"type\":\"object\",\"required\":[\"query\",\"total\",\"items\"],\"properties\":{"
    "\"query\":{\"type\":\"string\"},\"total\":{\"type\":\"integer\"},"
    "\"total_capped\":{\"type\":\"boolean\"},\"substring_only\":{\"type\":\"boolean\"},"
    "\"items\":{\"type\":\"array\",\"items\":" ITEM_SCHEMA(
        ",\"title_marked\":{\"type\":\"string\"},\"snippet\":{\"type\":[\"string\",\"null\"]}") "}}"
                                                                                                "}";

static const char items_schema[] =
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":" ITEM_SCHEMA(",\"similarity\":{\"type\":\"number\"}") "}}}";

static const char briefings_schema[] =
    "{\"type\":\"object\",\"required\":[\"briefings\"],\"properties\":{\"briefings\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\",\"items\"],\"properties\":"
    "{" BRIEFING_PROPERTIES "}}}}}";

static const char briefing_schema[] =
    "{\"type\":\"object\",\"required\":[\"id\",\"entries\"],\"properties\":{" BRIEFING_PROPERTIES
    ",\"pages\":{\"type\":\"integer\"},\"entries\":{\"type\":\"array\",\"items\":" ITEM_SCHEMA(
        ",\"position\":{\"type\":\"integer\"}") "}}}";

static const char item_schema[] =
    ITEM_SCHEMA(",\"same_story\":{\"type\":\"array\",\"items\":" ITEM_SCHEMA(
        "") "},\"article_text\":{\"type\":[\"string\",\"null\"]},\"truncated\":{\"type\":"
            "\"boolean\"}");

static const char action_schema[] =
    "{\"type\":\"object\",\"required\":[\"result\"],\"properties\":{\"result\":{\"type\":"
    "\"string\"}}}";

const mcp_tool nb_mcp_tool_table[] = {
    {"search_items", "Search the news archive",
     "Searches titles and summaries of every stored news item, Chinese or English (any length "
     "of term: 模型, 大模型, GPT-4o). All words must match. Returns items with summaries, links, "
     "the matched text in **bold**, and how many matched.",
     search_params, COUNT(search_params), search_schema, 0, search_items},
    {"latest_items", "Latest news items",
     "The newest stored news items, optionally of one source or since a day, with summaries, "
     "images and the other sites' reports of the same story.",
     latest_params, COUNT(latest_params), items_schema, 0, latest_items},
    {"list_briefings", "List briefings",
     "Briefings as they were delivered to the chat channels, newest first: id, channel, title, "
     "time and number of items. Use get_briefing for the content.",
     list_briefings_params, COUNT(list_briefings_params), briefings_schema, 0, list_briefings},
    {"get_briefing", "Get one briefing",
     "One briefing exactly as it was delivered: its items in order, each with title, link, "
     "time, summary, image and the other reports of the story.",
     get_briefing_params, COUNT(get_briefing_params), briefing_schema, 0, get_briefing},
    {"get_item", "Get one news item",
     "One item: title, source, time, summary, image, link, the other reports of the same story, "
     "and the article's text when it was stored (cut at 8000 bytes, with truncated: true).",
     get_item_params, COUNT(get_item_params), item_schema, 0, get_item},
    {"related_items", "Find related stories",
     "Stories similar to an item (id) or to a text (query), most similar first, by the same "
     "story signatures that merge reports of one event. Reports of the item's own story are "
     "left out (get_item lists them).",
     related_params, COUNT(related_params), items_schema, 0, related_items},
    {"list_sources", "List sources",
     "Every configured news source with its health: last success, consecutive failures, last "
     "error and next fetch time.",
     NULL, 0, sources_schema, 0, list_sources},
    {"resolve_date_range", "Resolve a date range",
     "Turns words such as 今天, 昨天, 本周, 最近7天, 'last 7 days' or explicit dates into whole "
     "days (from, to) in the archive's time zone. Call it before any tool that takes from/to, "
     "instead of guessing today's date.",
     range_params, COUNT(range_params), range_schema, 0, resolve_date_range},
    {"run_now", "Collect and brief now",
     "Runs newsbrief once now: fetches every source, stores new items and delivers a briefing "
     "to the configured channels. Takes a while; changes what is sent.",
     NULL, 0, action_schema, 1, run_now},
    {"send_briefing", "Send a briefing to a channel",
     "Sends a stored briefing (list_briefings) to one configured channel again.",
     send_briefing_params, COUNT(send_briefing_params), action_schema, 1, send_briefing},
};

const size_t nb_mcp_tool_count = COUNT(nb_mcp_tool_table);
