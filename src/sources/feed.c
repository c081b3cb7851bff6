/* SPDX-License-Identifier: MIT */
/* type: feed — one RSS or Atom URL. Each entry becomes an item keyed by its guid (or
 * link); times without an offset are UTC; the description becomes the plain excerpt.
 * fetch_full_text (never by default, auto, always) fetches an entry's article page and
 * extracts its text (auto: when the feed carries only an excerpt); a page that fails
 * leaves the excerpt and a warning naming the source and cause. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"
#include "text/text.h"

/* Below this many bytes of text, a feed's summary is an excerpt, not the article. */
#define EXCERPT_BYTES 1000

typedef enum { FULL_AUTO, FULL_ALWAYS, FULL_NEVER } full_mode;

static int mode_of(const nb_source_config *config, full_mode *mode)
{
    const char *m = config->fetch_full_text;
    if (!m || strcmp(m, "never") == 0)
        *mode = FULL_NEVER;
    else if (strcmp(m, "auto") == 0)
        *mode = FULL_AUTO;
    else if (strcmp(m, "always") == 0)
        *mode = FULL_ALWAYS;
    else
        return 0;
    return 1;
}

static nb_err check(const nb_source_config *config, nb_errbuf *err)
{
    full_mode mode;
    if (!config->url)
        return nb_errf(err, NB_ERR_CONFIG, "\"url\" is required for type feed");
    if (!nb_url_is_http(config->url))
        return nb_errf(err, NB_ERR_CONFIG, "url \"%s\" is not an http(s) URL", config->url);
    if (!mode_of(config, &mode))
        return nb_errf(err, NB_ERR_CONFIG, "fetch_full_text \"%s\" is not auto, always or never",
                       config->fetch_full_text);
    const char *selectors[] = {config->content_selector, config->title_selector,
                               config->time_selector, config->image_selector};
    const char *names[] = {"content_selector", "title_selector", "time_selector", "image_selector"};
    for (int i = 0; i < 4; i++) {
        nb_selector *sel = NULL;
        if (!selectors[i])
            continue;
        nb_err rc = nb_selector_compile(selectors[i], &sel, err);
        nb_selector_free(sel);
        if (rc) {
            nb_err_prefix(err, "%s", names[i]);
            return rc;
        }
    }
    return NB_OK;
}

static char *plain_text(const char *html)
{
    if (!html)
        return NULL;
    char *text = nb_html_to_text(html, strlen(html));
    if (!*text) {
        free(text);
        return NULL;
    }
    return text;
}

static void on_article(nb_source_run *run, const nb_http_response *r, void *user)
{
    nb_item *item = user;
    const nb_source_config *config = nb_source_config_of(run);
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    if (r->error) {
        nb_log(NB_LOG_WARN, "feed", "source=%s full text: %s", config->name,
               r->error_message ? r->error_message : nb_err_name(r->error));
    } else if (r->status < 200 || r->status > 299) {
        nb_log(NB_LOG_WARN, "feed", "source=%s full text of %s: HTTP %ld", config->name, r->url,
               r->status);
    } else {
        nb_extract_opts opts = {config->content_selector, config->title_selector,
                                config->time_selector, config->image_selector};
        if (nb_extract(r->body, r->body_len, r->final_url ? r->final_url : r->url, r->content_type,
                       &opts, &a, &err) != NB_OK)
            nb_log(NB_LOG_WARN, "feed", "source=%s full text of %s: %s", config->name, r->url,
                   err.msg);
    }
    if (a && a->warning)
        nb_log(NB_LOG_INFO, "feed", "source=%s full text of %s: %s", config->name, r->url,
               a->warning);
    if (a && *a->text) {
        free(item->content);
        item->content = nb_xstrdup(a->text);
        if (!item->image && a->image)
            item->image = nb_xstrdup(a->image);
        if (!item->author && a->byline)
            item->author = nb_xstrdup(a->byline);
    } else if (a) {
        nb_log(NB_LOG_WARN, "feed", "source=%s full text of %s: no article text found",
               config->name, r->url);
    }
    nb_article_free(a);
    nb_source_emit(run, item);
    free(item);
}

static const char *const page_headers[] = {
    "Accept: text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    NULL,
};

/* 1 when the entry's page is worth fetching for its text. */
static int wants_page(nb_source_run *run, const nb_feed_entry *e, const nb_item *item)
{
    full_mode mode;
    if (!mode_of(nb_source_config_of(run), &mode) || mode == FULL_NEVER)
        return 0;
    if (!nb_url_is_http(item->url) || nb_source_known(run, item->key) ||
        item->published_at < nb_source_window_start(run))
        return 0;
    if (mode == FULL_ALWAYS)
        return 1;
    return !e->content_html && (!item->excerpt || strlen(item->excerpt) < EXCERPT_BYTES);
}

static void emit_entry(nb_source_run *run, const nb_feed_entry *e)
{
    const char *key = e->id ? e->id : e->link;
    char *url = e->link ? nb_source_canonical_url(e->link) : NULL;
    char *title = e->title ? nb_text_collapse_space(e->title) : NULL;
    if (!key || !url || !title || !*title) {
        free(url);
        free(title);
        return; /* an entry without identity, link or title cannot be shown */
    }
    nb_item item = {
        .key = nb_xstrdup(key),
        .url = url,
        .title = title,
        .published_at = e->has_published ? e->published : nb_source_now(run),
        .image = nb_xstrdup(e->image),
        .author = nb_xstrdup(e->author),
        .excerpt = plain_text(e->summary_html ? e->summary_html : e->content_html),
    };
    if (wants_page(run, e, &item)) {
        nb_item *pending = nb_xmalloc(sizeof *pending);
        *pending = item;
        nb_source_fetch(run, e->link, page_headers, on_article, pending);
        return;
    }
    nb_source_emit(run, &item);
}

static void on_feed(nb_source_run *run, const nb_http_response *r, void *user)
{
    (void)user;
    if (!nb_source_expect_ok(run, r, "feed"))
        return; /* failed, or 304: nothing new */
    nb_feed *feed = NULL;
    nb_errbuf err;
    if (nb_feed_parse(r->body, r->body_len, r->final_url, r->content_type, &feed, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_PARSE, "feed: %s: %s", r->url, err.msg);
        return;
    }
    nb_source_set_title(run, feed->title);
    if (feed->entry_count == 0)
        nb_source_fail(run, NB_ERR_PARSE, "feed: %s: the feed has no entries", r->url);
    for (size_t i = 0; i < feed->entry_count; i++)
        emit_entry(run, &feed->entries[i]);
    nb_feed_free(feed);
}

static const char *const feed_headers[] = {
    "Accept: application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.8, */*;q=0.5",
    NULL,
};

static void start(nb_source_run *run)
{
    nb_source_fetch_conditional(run, nb_source_config_of(run)->url, feed_headers, on_feed, NULL);
}

static const char *const feed_keys[] = {
    "url",
    "fetch_full_text",
    "content_selector",
    "title_selector",
    "time_selector",
    "image_selector",
    NULL,
};

const nb_source_adapter nb_feed_adapter = {
    .type = "feed",
    .check = check,
    .start = start,
    .default_delay_ms = 0, /* one request per run */
    .keys = feed_keys,
};
