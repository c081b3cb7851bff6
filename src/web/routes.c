/* SPDX-License-Identifier: MIT */
/* The archive's routes: each path to its handler, and what a handler reads of the request
 * beyond its route (query arguments, the token, the root URL). A route is known before the
 * request is authorized, so that every answer is counted under its route. */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web/web_private.h"

const char *const nb_web_route_names[ROUTE_COUNT] = {
    [ROUTE_HOME] = "/",
    [ROUTE_BRIEFING] = "/briefings/{id}",
    [ROUTE_DAY] = "/days/{date}",
    [ROUTE_ITEM] = "/items/{id}",
    [ROUTE_SOURCES] = "/sources",
    [ROUTE_SEARCH] = "/search",
    [ROUTE_FEED_ATOM] = "/feed.atom",
    [ROUTE_FEED_RSS] = "/feed.rss",
    [ROUTE_FEED_JSON] = "/feed.json",
    [ROUTE_API_BRIEFINGS] = "/api/briefings",
    [ROUTE_API_BRIEFING] = "/api/briefings/{id}",
    [ROUTE_API_ITEMS] = "/api/items",
    [ROUTE_API_ITEM] = "/api/items/{id}",
    [ROUTE_API_SOURCES] = "/api/sources",
    [ROUTE_METRICS] = "/metrics",
    [ROUTE_HEALTHZ] = "/healthz",
    [ROUTE_STYLE] = "/static/style.css",
    [ROUTE_MCP] = "/mcp",
    [ROUTE_NOT_FOUND] = "other",
};

nb_web_route nb_web_route_of(const char *path, const char **rest)
{
    static const struct {
        const char *path;
        nb_web_route route;
    } exact[] = {
        {"/", ROUTE_HOME},
        {"/sources", ROUTE_SOURCES},
        {"/search", ROUTE_SEARCH},
        {"/feed.atom", ROUTE_FEED_ATOM},
        {"/feed.rss", ROUTE_FEED_RSS},
        {"/feed.json", ROUTE_FEED_JSON},
        {"/api/briefings", ROUTE_API_BRIEFINGS},
        {"/api/items", ROUTE_API_ITEMS},
        {"/api/sources", ROUTE_API_SOURCES},
        {"/metrics", ROUTE_METRICS},
        {"/healthz", ROUTE_HEALTHZ},
        {"/static/style.css", ROUTE_STYLE},
    };
    static const struct {
        const char *prefix;
        nb_web_route route;
    } prefixed[] = {
        {"/briefings/", ROUTE_BRIEFING}, {"/days/", ROUTE_DAY},
        {"/items/", ROUTE_ITEM},         {"/api/briefings/", ROUTE_API_BRIEFING},
        {"/api/items/", ROUTE_API_ITEM},
    };
    *rest = "";
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcmp(path, exact[i].path))
            return exact[i].route;
    for (size_t i = 0; i < sizeof prefixed / sizeof prefixed[0]; i++) {
        size_t n = strlen(prefixed[i].prefix);
        if (!strncmp(path, prefixed[i].prefix, n) && path[n] && !strchr(path + n, '/')) {
            *rest = path + n;
            return prefixed[i].route;
        }
    }
    return ROUTE_NOT_FOUND;
}

const char *nb_web_arg(const nb_web_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *nb_web_source_label(const nb_web_site *site, const char *name)
{
    for (size_t i = 0; name && i < site->source_count; i++)
        if (!strcmp(site->sources[i].name, name))
            return site->sources[i].label;
    return name ? name : "";
}

/* Constant-time comparison of the offered token. */
static int token_equal(const char *offered, const char *token)
{
    size_t a = strlen(offered), b = strlen(token);
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < b; i++)
        diff |= (unsigned char)token[i] ^ (unsigned char)(i < a ? offered[i] : 0);
    return diff == 0;
}

int nb_web_authorized(nb_web *web, struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7) && token_equal(auth + 7, web->token))
        return 1;
    const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    return arg && token_equal(arg, web->token) ? 2 : 0;
}

void nb_web_base_url(const nb_web *web, struct MHD_Connection *c, char *out, size_t n)
{
    if (web->site.base_url) {
        snprintf(out, n, "%s", web->site.base_url);
        return;
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (!host || !*host || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        host = web->url + 7;
    snprintf(out, n, "http://%s", host);
}

void nb_web_run_handler(nb_web_request *r, nb_web_reply *o)
{
    switch (r->route) {
    case ROUTE_HOME:
        nb_web_home(r, o);
        break;
    case ROUTE_BRIEFING:
        nb_web_briefing(r, o);
        break;
    case ROUTE_DAY:
        nb_web_day(r, o);
        break;
    case ROUTE_ITEM:
        nb_web_item(r, o);
        break;
    case ROUTE_SOURCES:
        nb_web_sources(r, o);
        break;
    case ROUTE_SEARCH:
        nb_web_search(r, o);
        break;
    case ROUTE_FEED_ATOM:
    case ROUTE_FEED_RSS:
    case ROUTE_FEED_JSON:
        nb_web_feed(r, o);
        break;
    case ROUTE_API_BRIEFINGS:
    case ROUTE_API_BRIEFING:
    case ROUTE_API_ITEMS:
    case ROUTE_API_ITEM:
    case ROUTE_API_SOURCES:
        nb_web_api(r, o);
        break;
    case ROUTE_METRICS:
        nb_web_metrics(r, o);
        break;
    case ROUTE_STYLE:
        nb_web_style(r, o);
        break;
    case ROUTE_MCP: /* answered before routing (server.c's mcp_request) */
    case ROUTE_HEALTHZ:
    case ROUTE_NOT_FOUND:
    case ROUTE_COUNT:
        nb_web_not_found(r, o);
        break;
    }
}
