/* type: feed — one RSS or Atom URL. Each entry becomes an item keyed by its guid (or
 * link); times without an offset are UTC; the description becomes the plain excerpt. */
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"
#include "text/text.h"

static nb_err check(const nb_source_config *config, nb_errbuf *err)
{
    if (!config->url)
        return nb_errf(err, NB_ERR_CONFIG, "\"url\" is required for type feed");
    if (!nb_url_is_http(config->url))
        return nb_errf(err, NB_ERR_CONFIG, "url \"%s\" is not an http(s) URL", config->url);
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

static void emit_entry(nb_source_run *run, const nb_feed_entry *e)
{
    const char *key = e->id ? e->id : e->link;
    char *url = e->link ? nb_url_canonical(e->link) : NULL;
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
        .excerpt = plain_text(e->summary_html ? e->summary_html : e->content_html),
    };
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

const nb_source_adapter nb_feed_adapter = {
    .type = "feed", .check = check, .start = start, .default_delay_ms = 0, /* one request per run */
};
