/* SPDX-License-Identifier: MIT */
/* type: qbitai — 量子位 (qbitai.com), a WordPress site, through the WP REST API. List pages
 * of posts until a stored id, a post older than the window, a short page or the page cap;
 * then one detail request per new post for the body. date_gmt is UTC. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"

#define PER_PAGE 20
#define LIST_URL                                                                                   \
    "https://www.qbitai.com/wp-json/wp/v2/posts?page=%d&per_page=20"                               \
    "&_fields=id,link,title,date,date_gmt,excerpt"
#define DETAIL_URL                                                                                 \
    "https://www.qbitai.com/wp-json/wp/v2/posts/"                                                  \
    "%lld?_fields=id,link,title,date_gmt,content,excerpt"
#define PAGE_CAP 3

static const char *const headers[] = {
    "Accept: application/json",
    "Referer: https://www.qbitai.com/",
    NB_SOURCE_BROWSER_UA,
    NULL,
};

static const nb_body_rules body_rules = {0};

typedef struct detail {
    int64_t id;
    nb_item item;
} detail;

static void fetch_list(nb_source_run *run, int number);

/* WordPress "rendered" fields are HTML with entities: their plain text, or NULL. */
static char *rendered_text(json_t *obj, const char *key)
{
    const char *html = json_string_value(json_object_get(json_object_get(obj, key), "rendered"));
    if (!html)
        return NULL;
    char *text = nb_html_to_text(html, strlen(html));
    char *line = nb_text_collapse_space(text);
    free(text);
    if (!*line) {
        free(line);
        return NULL;
    }
    return line;
}

static void on_detail(nb_source_run *run, const nb_http_response *r, void *user)
{
    detail *d = user;
    char what[64];
    snprintf(what, sizeof what, "post %lld", (long long)d->id);
    json_t *root = nb_source_json(run, r, what, NULL);
    const char *body =
        json_string_value(json_object_get(json_object_get(root, "content"), "rendered"));
    if (root && !body)
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: content.rendered: missing", what, r->url);
    if (root && body) {
        d->item.content = nb_source_body_text(body, &body_rules);
        d->item.image = nb_html_first_image(body, strlen(body), d->item.url);
        nb_source_emit(run, &d->item);
    }
    json_decref(root);
    nb_item_clear(&d->item);
    free(d);
}

static int read_post(nb_source_run *run, const char *where, json_t *post, size_t i)
{
    char path[32], field[48];
    snprintf(path, sizeof path, "[%zu]", i);
    json_t *id = json_object_get(post, "id");
    const char *link, *date_gmt;
    if (!json_is_integer(id)) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.id: expected integer, got %s", where, path,
                       nb_json_type_name(id));
        return 0;
    }
    if (nb_source_string(run, where, post, path, "link", 1, &link) ||
        nb_source_string(run, where, post, path, "date_gmt", 1, &date_gmt))
        return 0;
    char *title = rendered_text(post, "title");
    if (!title) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.title.rendered: missing or empty", where, path);
        return 0;
    }
    int64_t when;
    snprintf(field, sizeof field, "%s.date_gmt", path);
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
    char *url = nb_source_canonical_url(link);
    if (!url || nb_source_site_time(run, where, field, date_gmt, 0, &when) ||
        when < nb_source_window_start(run) || nb_source_known(run, key)) {
        if (!url)
            nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s.link: not an http(s) URL", where, path);
        free(url);
        free(title);
        return 0;
    }
    detail *d = nb_xcalloc(1, sizeof *d);
    d->id = (int64_t)json_integer_value(id);
    d->item.key = nb_xstrdup(key);
    d->item.url = url;
    d->item.title = title;
    d->item.published_at = when;
    d->item.author = nb_xstrdup("量子位");
    d->item.excerpt = rendered_text(post, "excerpt");
    char *detail_url = nb_xasprintf(DETAIL_URL, (long long)d->id);
    nb_source_fetch_site(run, detail_url, headers, on_detail, d);
    free(detail_url);
    return 1;
}

static void on_list(nb_source_run *run, const nb_http_response *r, void *user)
{
    int number = (int)(intptr_t)user;
    char what[32];
    snprintf(what, sizeof what, "list page %d", number);
    json_t *root = nb_source_json(run, r, what, NULL);
    if (!root)
        return;
    if (!json_is_array(root)) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: expected an array of posts, got %s", what,
                       r->url, nb_json_type_name(root));
    } else if (json_array_size(root) == 0 && number == 1) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: no posts on page 1", what, r->url);
    } else {
        int go_on = 1;
        size_t count = json_array_size(root);
        char *where = nb_xasprintf("%s: %s", what, r->url); /* for the posts' field errors */
        for (size_t i = 0; i < count && go_on; i++)
            go_on = read_post(run, where, json_array_get(root, i), i);
        free(where);
        if (go_on && count == PER_PAGE && number < PAGE_CAP)
            fetch_list(run, number + 1);
    }
    json_decref(root);
}

static void fetch_list(nb_source_run *run, int number)
{
    char *url = nb_xasprintf(LIST_URL, number);
    nb_source_fetch_site(run, url, headers, on_list, (void *)(intptr_t)number);
    free(url);
}

static void start(nb_source_run *run)
{
    fetch_list(run, 1);
}

const nb_source_adapter nb_qbitai_adapter = {
    .type = "qbitai",
    .display_name = "量子位",
    .check = nb_source_check_site,
    .start = start,
    .keys = nb_source_site_keys,
    .default_delay_ms = 1000,
};
