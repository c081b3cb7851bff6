/* SPDX-License-Identifier: MIT */
/* type: jiqizhixin — 机器之心 through the 文章库 API (/api/article_library). List pages
 * until a stored slug, an item older than the window, no next page or the page cap; then
 * one detail request per new item. The site answers refused clients with an HTTP-200
 * "数据服务" page and clients without the Referer with a landing page: both are "blocked",
 * never an empty success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"

#define LIST_URL                                                                                   \
    "https://www.jiqizhixin.com/api/article_library/articles.json?sort=time&page=%d&per=20"
#define DETAIL_URL "https://www.jiqizhixin.com/api/article_library/articles/%s.json"
#define DETAIL_BARE_URL "https://www.jiqizhixin.com/api/article_library/articles/%s"
#define ARTICLE_URL "https://www.jiqizhixin.com/articles/%s"
#define PAGE_CAP 5
#define BEIJING (8 * 3600)

static const char *const list_headers[] = {
    "Accept: application/json",
    "Referer: https://www.jiqizhixin.com/articles",
    "X-Requested-With: XMLHttpRequest",
    "Accept-Language: zh-CN,zh;q=0.9",
    NB_SOURCE_BROWSER_UA,
    NULL,
};

/* Text of the site's "data service" page, served instead of JSON to refused clients. */
static const char *const block_markers[] = {"机器之心·数据服务", "还在费劲爬数据", "数据服务已上线",
                                            NULL};

static const char *const lead_prefixes[] = {
    "机器之心报道", "机器之心编辑部", "机器之心原创", "编辑：", "作者：", "编辑:", "作者:", NULL};
static const nb_body_rules body_rules = {.lead_prefixes = lead_prefixes};

typedef struct detail {
    char *slug;
    int bare; /* the detail path without ".json" is being tried */
    nb_item item;
} detail;

static void fetch_list(nb_source_run *run, int number);
static void fetch_detail(nb_source_run *run, detail *d);

/* "2025-04-07-7", the first article of a day "2025-04-07", or another opaque id. */
static int slug_ok(const char *slug)
{
    size_t len = strlen(slug);
    if (len == 0 || len > 80)
        return 0;
    return strspn(slug, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

static void add_tag(nb_buf *tags, const char *tag)
{
    if (tag && *tag && nb_buf_printf(tags, "%s%s", tags->len ? "\n" : "", tag)) {
        /* capped: further tags are dropped */
    }
}

/* tagList holds strings, or objects with a name; category is a string or an object. */
static char *tags_of(json_t *entry)
{
    nb_buf tags;
    nb_buf_init(&tags, NB_LIMIT_TAGS_BYTES);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(entry, "tagList"), i, t)
    {
        add_tag(&tags, json_is_string(t) ? json_string_value(t)
                                         : json_string_value(json_object_get(t, "name")));
    }
    json_t *category = json_object_get(entry, "category");
    add_tag(&tags, json_is_string(category) ? json_string_value(category)
                                            : json_string_value(json_object_get(category, "name")));
    return tags.len ? nb_buf_take(&tags) : (nb_buf_free(&tags), NULL);
}

static void detail_free(detail *d)
{
    free(d->slug);
    nb_item_clear(&d->item);
    free(d);
}

static void on_detail(nb_source_run *run, const nb_http_response *r, void *user)
{
    detail *d = user;
    char what[128];
    snprintf(what, sizeof what, "detail %s", d->slug);
    if (r->error == NB_OK && r->status == 404) {
        if (!d->bare) {
            d->bare = 1; /* some deployments serve the path without ".json" */
            fetch_detail(run, d);
            return;
        }
        detail_free(d); /* the article is gone: not an error of the source */
        return;
    }
    json_t *root = nb_source_json(run, r, what, block_markers);
    const char *title, *content, *published, *cover = NULL;
    int64_t when;
    char *where = nb_xasprintf("%s: %s", what, r->url); /* field errors name the response */
    if (!root || nb_source_string(run, where, root, "", "title", 1, &title) ||
        nb_source_string(run, where, root, "", "content", 1, &content) ||
        nb_source_string(run, where, root, "", "published_at", 1, &published) ||
        nb_source_string(run, where, root, "", "cover_image_url", 0, &cover) ||
        nb_source_site_time(run, where, "published_at", published, BEIJING, &when))
        goto out;
    d->item.published_at = when; /* seconds, where the list has minutes */
    d->item.content = nb_source_body_text(content, &body_rules);
    const char *author =
        json_string_value(json_object_get(json_object_get(root, "author"), "name"));
    if (author && *author) {
        free(d->item.author);
        d->item.author = nb_xstrdup(author);
    }
    if (!d->item.image && cover && *cover)
        d->item.image = nb_xstrdup(cover);
    if (!d->item.image)
        d->item.image = nb_html_first_image(content, strlen(content), d->item.url);
    nb_source_emit(run, &d->item);
out:
    free(where);
    json_decref(root);
    detail_free(d);
}

static void fetch_detail(nb_source_run *run, detail *d)
{
    char *url = nb_xasprintf(d->bare ? DETAIL_BARE_URL : DETAIL_URL, d->slug);
    char *referer = nb_xasprintf("Referer: https://www.jiqizhixin.com/articles/%s", d->slug);
    const char *headers[] = {"Accept: application/json",
                             referer,
                             "X-Requested-With: XMLHttpRequest",
                             "Accept-Language: zh-CN,zh;q=0.9",
                             NB_SOURCE_BROWSER_UA,
                             NULL};
    nb_source_fetch_site(run, url, headers, on_detail, d);
    free(referer);
    free(url);
}

/* Reads list item i; returns 1 to go on, 0 to stop paging. where names the list page and
 * its URL, for the item's field errors. */
static int read_list_item(nb_source_run *run, const char *where, json_t *entry, size_t i)
{
    char path[48], field[64];
    snprintf(path, sizeof path, "articles[%zu]", i);
    const char *slug, *title, *published, *excerpt, *cover, *author;
    int64_t when;
    if (nb_source_string(run, where, entry, path, "slug", 1, &slug) ||
        nb_source_string(run, where, entry, path, "title", 1, &title) ||
        nb_source_string(run, where, entry, path, "publishedAt", 1, &published) ||
        nb_source_string(run, where, entry, path, "content", 0, &excerpt) ||
        nb_source_string(run, where, entry, path, "coverImageUrl", 0, &cover) ||
        nb_source_string(run, where, entry, path, "author", 0, &author))
        return 0;
    if (!slug_ok(slug)) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.slug: unexpected \"%.40s\"", where, path, slug);
        return 0;
    }
    snprintf(field, sizeof field, "%s.publishedAt", path);
    if (nb_source_site_time(run, where, field, published, BEIJING, &when))
        return 0;
    if (when < nb_source_window_start(run) || nb_source_known(run, slug))
        return 0;
    detail *d = nb_xcalloc(1, sizeof *d);
    d->slug = nb_xstrdup(slug);
    d->item.key = nb_xstrdup(slug);
    d->item.url = nb_xasprintf(ARTICLE_URL, slug);
    d->item.title = nb_text_collapse_space(title);
    d->item.published_at = when;
    d->item.author = author && *author ? nb_xstrdup(author) : nb_xstrdup("机器之心");
    d->item.excerpt = excerpt && *excerpt ? nb_text_collapse_space(excerpt) : NULL;
    d->item.image = cover && *cover ? nb_xstrdup(cover) : NULL;
    d->item.tags = tags_of(entry);
    fetch_detail(run, d);
    return 1;
}

static void on_list(nb_source_run *run, const nb_http_response *r, void *user)
{
    int number = (int)(intptr_t)user;
    char what[32];
    snprintf(what, sizeof what, "list page %d", number);
    json_t *root = nb_source_json(run, r, what, block_markers);
    json_t *articles = NULL;
    nb_errbuf err;
    if (!root)
        return;
    if (!json_is_true(json_object_get(root, "success"))) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: success is not true", what, r->url);
        goto out;
    }
    if (nb_json_get_array(root, "", "articles", &articles, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: %s", what, r->url, err.msg);
        goto out;
    }
    size_t count = json_array_size(articles);
    if (count == 0 && number == 1) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: articles is empty on page 1", what, r->url);
        goto out;
    }
    int go_on = 1;
    char *where = nb_xasprintf("%s: %s", what, r->url);
    for (size_t i = 0; i < count && go_on; i++)
        go_on = read_list_item(run, where, json_array_get(articles, i), i);
    free(where);
    if (go_on && count && number < PAGE_CAP && json_is_true(json_object_get(root, "hasNextPage")))
        fetch_list(run, number + 1);
out:
    json_decref(root);
}

static void fetch_list(nb_source_run *run, int number)
{
    char *url = nb_xasprintf(LIST_URL, number);
    nb_source_fetch_site(run, url, list_headers, on_list, (void *)(intptr_t)number);
    free(url);
}

static void start(nb_source_run *run)
{
    fetch_list(run, 1);
}

const nb_source_adapter nb_jiqizhixin_adapter = {
    .type = "jiqizhixin",
    .display_name = "机器之心",
    .check = nb_source_check_site,
    .start = start,
    .keys = nb_source_site_keys,
    .default_delay_ms = 1500,
    .boilerplate = &body_rules,
};
