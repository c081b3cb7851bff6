/* SPDX-License-Identifier: MIT */
/* type: aibase — AIbase (news.aibase.com) through its REST gateway mcpapi.aibase.cn.
 * List pages (newest first) until a stored oid, an item older than the window, or the page
 * cap; then one detail request per new item for the body, tags and images. Times are
 * Beijing wall clock. Every response is validated; drift is a schema error naming the
 * field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"

#define LIST_URL "https://mcpapi.aibase.cn/api/aiInfo/aiNews?t=%lld&langType=zh_cn&pageNo=%d"
#define DETAIL_URL                                                                                 \
    "https://mcpapi.aibase.cn/api/aiInfo/detail?t=%lld&langType=zh_cn&id=%lld&type=news"
#define ARTICLE_URL "https://news.aibase.com/zh/news/%lld"
#define PAGE_CAP 10
#define BEIJING (8 * 3600)

static const char *const headers[] = {
    "Accept: application/json",
    "Referer: https://news.aibase.com/",
    NB_SOURCE_BROWSER_UA,
    NULL,
};

static const char *const drop_prefixes[] = {"图源备注", "（图源备注", "(图源备注", NULL};
static const char *const labels[] = {"【AiBase提要:】", "【AiBase提要：】", NULL};
static const nb_body_rules body_rules = {
    .drop_prefixes = drop_prefixes,
    .labels = labels,
    .key_points_heading = "划重点",
};

/* Hosts that serve the same articles under other names. */
static int mirror_host(const char *host)
{
    return !strcmp(host, "www.aibase.com") || !strcmp(host, "news.aibase.com") ||
           !strcmp(host, "aibase.com") || !strcmp(host, "news.aibase.cn");
}

/* The site hook: a Chinese article on any mirror, with any query, is
 * https://news.aibase.com/zh/news/<oid> (English ones, /news/<oid>, are other articles). */
static char *canonical_url(const char *host, const char *path)
{
    long oid;
    char rest;
    if (!mirror_host(host) || sscanf(path, "/zh/news/%ld%c", &oid, &rest) != 1)
        return NULL;
    return nb_xasprintf(ARTICLE_URL, (long long)oid);
}

typedef struct page {
    int number;
    int64_t first_oid_before; /* first oid of the previous page: a repeat means the end */
} page;

typedef struct detail {
    int64_t oid;
    nb_item item; /* filled from the list; the detail adds body, tags, image */
} detail;

static void fetch_list(nb_source_run *run, page *pg);

static int64_t request_ms(const nb_source_run *run)
{
    return (long long)nb_source_now(run) * 1000; /* the gateway's cache-buster */
}

/* Succeeds for code 200 (or 0); otherwise fails the run naming code and message. */
static int envelope_ok(nb_source_run *run, const char *what, const char *url, json_t *root)
{
    int64_t code;
    nb_errbuf err;
    if (nb_json_get_int(root, "", "code", &code, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: %s", what, url, err.msg);
        return 0;
    }
    if (code != 200 && code != 0) {
        const char *msg = json_string_value(json_object_get(root, "msg"));
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: failure envelope: code %lld (%s)", what, url,
                       (long long)code, msg ? msg : "no message");
        return 0;
    }
    return 1;
}

/* oid is an integer; a numeric string is accepted too. */
static int read_oid(nb_source_run *run, const char *what, json_t *obj, const char *path,
                    int64_t *oid)
{
    json_t *v = json_object_get(obj, "oid");
    if (json_is_integer(v)) {
        *oid = (int64_t)json_integer_value(v);
    } else if (json_is_string(v)) {
        char *end;
        *oid = strtoll(json_string_value(v), &end, 10);
        if (*end || end == json_string_value(v))
            *oid = -1;
    } else {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.oid: expected integer, got %s", what, path,
                       nb_json_type_name(v));
        return 0;
    }
    if (*oid <= 0) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.oid: not a positive integer", what, path);
        return 0;
    }
    return 1;
}

static char *tags_of(json_t *array)
{
    if (!json_is_array(array))
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TAGS_BYTES);
    size_t i;
    json_t *t;
    json_array_foreach(array, i, t)
    {
        if (json_is_string(t) && *json_string_value(t) &&
            nb_buf_printf(&b, "%s%s", b.len ? "\n" : "", json_string_value(t)))
            break;
    }
    return b.len ? nb_buf_take(&b) : (nb_buf_free(&b), NULL);
}

static void on_detail(nb_source_run *run, const nb_http_response *r, void *user)
{
    detail *d = user;
    char what[64];
    snprintf(what, sizeof what, "detail %lld", (long long)d->oid);
    json_t *root = nb_source_json(run, r, what, NULL);
    json_t *data = NULL;
    const char *body = NULL;
    int64_t oid = 0;
    char *where = NULL;
    nb_errbuf err;
    if (!root || !envelope_ok(run, what, r->url, root))
        goto out;
    if (nb_json_get_object(root, "", "data", &data, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: %s", what, r->url, err.msg);
        goto out;
    }
    where = nb_xasprintf("%s: %s", what, r->url); /* field errors name the response */
    if (!read_oid(run, where, data, "data", &oid))
        goto out;
    if (oid != d->oid) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: data.oid is %lld, not the oid asked for", what,
                       r->url, (long long)oid);
        goto out;
    }
    /* data.summary is the full body as HTML, despite its name. */
    if (nb_source_string(run, where, data, "data", "summary", 1, &body))
        goto out;
    d->item.content = nb_source_body_text(body, &body_rules);
    d->item.tags = tags_of(json_object_get(data, "tags"));
    if (!d->item.image)
        d->item.image = nb_html_first_image(body, strlen(body), d->item.url);
    nb_source_emit(run, &d->item);
out:
    free(where);
    json_decref(root);
    nb_item_clear(&d->item);
    free(d);
}

/* Reads list item i; returns 1 to go on, 0 when the page walk must stop (known or old
 * item, or a failure already recorded). where names the list page and its URL, for the
 * item's field errors. */
static int read_list_item(nb_source_run *run, const char *where, json_t *entry, size_t i)
{
    char path[48];
    snprintf(path, sizeof path, "data.list[%zu]", i);
    int64_t oid, published;
    const char *title, *created, *description, *thumb, *author;
    if (!read_oid(run, where, entry, path, &oid) ||
        nb_source_string(run, where, entry, path, "title", 1, &title) ||
        nb_source_string(run, where, entry, path, "createTime", 1, &created) ||
        nb_source_string(run, where, entry, path, "description", 0, &description) ||
        nb_source_string(run, where, entry, path, "thumb", 0, &thumb) ||
        nb_source_string(run, where, entry, path, "author", 0, &author))
        return 0;
    char field[64];
    snprintf(field, sizeof field, "%s.createTime", path);
    if (nb_source_site_time(run, where, field, created, BEIJING, &published))
        return 0;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)oid);
    if (published < nb_source_window_start(run) || nb_source_known(run, key))
        return 0;
    detail *d = nb_xcalloc(1, sizeof *d);
    d->oid = oid;
    d->item.key = nb_xstrdup(key);
    d->item.url = nb_xasprintf(ARTICLE_URL, (long long)oid);
    d->item.title = nb_text_collapse_space(title);
    d->item.published_at = published;
    d->item.author = nb_xstrdup(author && *author ? author : "AIbase");
    d->item.excerpt = description && *description ? nb_text_collapse_space(description) : NULL;
    d->item.image = thumb && *thumb ? nb_xstrdup(thumb) : NULL;
    char *url = nb_xasprintf(DETAIL_URL, (long long)request_ms(run), (long long)oid);
    nb_source_fetch_site(run, url, headers, on_detail, d);
    free(url);
    return 1;
}

static void on_list(nb_source_run *run, const nb_http_response *r, void *user)
{
    page *pg = user;
    char what[32];
    snprintf(what, sizeof what, "list page %d", pg->number);
    json_t *root = nb_source_json(run, r, what, NULL);
    json_t *data = NULL, *list = NULL;
    nb_errbuf err;
    if (!root || !envelope_ok(run, what, r->url, root))
        goto out;
    if (nb_json_get_object(root, "", "data", &data, &err) != NB_OK ||
        nb_json_get_array(data, "data", "list", &list, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: %s", what, r->url, err.msg);
        goto out;
    }
    size_t count = json_array_size(list);
    if (count == 0) {
        if (pg->number == 1)
            nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: data.list is empty on page 1", what,
                           r->url);
        goto out;
    }
    /* The gateway answers pages past its last with the last page again. */
    json_t *echo = json_object_get(data, "pageNo");
    if (json_is_integer(echo) && json_integer_value(echo) != pg->number)
        goto out;
    int64_t first_oid = -1;
    json_t *first = json_array_get(list, 0);
    if (json_is_integer(json_object_get(first, "oid")))
        first_oid = (int64_t)json_integer_value(json_object_get(first, "oid"));
    if (first_oid >= 0 && first_oid == pg->first_oid_before)
        goto out;
    int go_on = 1;
    char *where = nb_xasprintf("%s: %s", what, r->url);
    for (size_t i = 0; i < count && go_on; i++)
        go_on = read_list_item(run, where, json_array_get(list, i), i);
    free(where);
    json_t *last_page = json_object_get(data, "lastPage");
    if (go_on && pg->number < PAGE_CAP && !json_is_true(last_page)) {
        page *next = nb_xcalloc(1, sizeof *next);
        next->number = pg->number + 1;
        next->first_oid_before = first_oid;
        fetch_list(run, next);
    }
out:
    json_decref(root);
    free(pg);
}

static void fetch_list(nb_source_run *run, page *pg)
{
    char *url = nb_xasprintf(LIST_URL, (long long)request_ms(run), pg->number);
    nb_source_fetch_site(run, url, headers, on_list, pg);
    free(url);
}

static void start(nb_source_run *run)
{
    page *first = nb_xcalloc(1, sizeof *first);
    first->number = 1;
    first->first_oid_before = -1;
    fetch_list(run, first);
}

const nb_source_adapter nb_aibase_adapter = {
    .type = "aibase",
    .display_name = "AIbase",
    .check = nb_source_check_site,
    .start = start,
    .keys = nb_source_site_keys,
    .default_delay_ms = 500,
    .canonical_url = canonical_url,
    .boilerplate = &body_rules,
};
