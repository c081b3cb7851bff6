/* The run: collect → store → select → summarize → render → deliver. Each stage's result
 * is written to the store before the next begins. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "brief/brief.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "net/http.h"
#include "push/push.h"
#include "sources/source.h"
#include "store/store.h"
#include "text/text.h"

/* Stores the collected items and each source's outcome; returns how many sources
 * succeeded, or -1 when the store failed. */
static int store_collection(nb_store *store, const nb_collection *c, int64_t now)
{
    nb_errbuf err;
    size_t fresh = 0;
    for (size_t i = 0; i < c->item_count; i++) {
        int is_new = 0;
        if (nb_store_item_put(store, &c->items[i], now, &is_new, &err) != NB_OK) {
            nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
            return -1;
        }
        fresh += (size_t)is_new;
    }
    int succeeded = 0;
    for (size_t i = 0; i < c->outcome_count; i++) {
        const nb_source_outcome *o = &c->outcomes[i];
        if (o->status == NB_OK) {
            succeeded++;
            nb_log(NB_LOG_INFO, "source", "name=%s items=%zu", o->config->name, o->item_count);
        } else {
            nb_log(NB_LOG_ERROR, "source", "name=%s type=%s error=%s cause=\"%s\"", o->config->name,
                   o->config->type, nb_err_name(o->status), o->error);
        }
        if (nb_store_source_result(store, o->config->name, o->config->type, now, o->error, &err) !=
            NB_OK) {
            nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
            return -1;
        }
    }
    nb_log(NB_LOG_INFO, "collect", "items=%zu new=%zu sources_ok=%d sources=%zu", c->item_count,
           fresh, succeeded, c->outcome_count);
    return succeeded;
}

/* Until a summarizer runs, an item's summary is the source's own excerpt, cut. */
static void fill_summaries(nb_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!items[i].summary)
            items[i].summary =
                nb_text_excerpt_summary(items[i].excerpt, NB_LIMIT_SUMMARY_CODEPOINTS);
}

static int deliver(const nb_config *config, nb_store *store, const nb_channel_config *channel,
                   const nb_item *items, size_t count, int64_t now, FILE *out)
{
    nb_render_options ro = {
        .title = config->title,
        .now = now,
        .items_per_page =
            (size_t)(channel->items_per_page ? channel->items_per_page : config->items_per_page),
    };
    char **pages = NULL;
    size_t page_count = 0;
    nb_brief_render(&ro, items, count, &pages, &page_count);
    int64_t *ids = nb_xcalloc(count ? count : 1, sizeof *ids);
    for (size_t i = 0; i < count; i++)
        ids[i] = items[i].id;
    nb_errbuf err;
    int rc = NB_EXIT_OK;
    if (nb_store_briefing_add(store, channel->name, now, now - config->window, ids, count,
                              (const char *const *)pages, page_count, NULL, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        rc = NB_EXIT_FAILED;
    } else if (page_count && nb_push_deliver(channel, pages, page_count, out, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
        rc = NB_EXIT_FAILED;
    } else {
        nb_log(NB_LOG_INFO, "push", "channel=%s items=%zu pages=%zu", channel->name, count,
               page_count);
    }
    free(ids);
    nb_brief_pages_free(pages, page_count);
    return rc;
}

int nb_pipeline_run(const nb_config *config, FILE *out)
{
    int64_t now = nb_clock_now();
    nb_store *store = NULL;
    nb_errbuf err;
    if (nb_store_open(config->database, &store, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        return NB_EXIT_USAGE;
    }
    size_t enabled = 0;
    for (size_t i = 0; i < config->source_count; i++)
        enabled += (size_t)config->sources[i].enabled;
    if (enabled == 0) {
        fprintf(stderr, "newsbrief: %s: no enabled source under sources:\n", config->path);
        nb_store_close(store);
        return NB_EXIT_USAGE;
    }

    nb_http_options ho = {.max_per_host = 2};
    nb_http *http = nb_http_new(&ho);
    nb_collection *collection = nb_collect(config, http, now);
    int succeeded = store_collection(store, collection, now);
    nb_collection_free(collection);
    nb_http_free(http);
    int rc = NB_EXIT_OK;
    if (succeeded < 0) {
        rc = NB_EXIT_FAILED;
        goto out;
    }
    if (succeeded == 0) {
        nb_log(NB_LOG_ERROR, "run", "error=\"no source succeeded\"");
        rc = NB_EXIT_FAILED;
    }

    nb_item *items = NULL;
    size_t count = 0;
    if (nb_store_items_since(store, now - config->window, (size_t)config->max_items, &items, &count,
                             &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        rc = NB_EXIT_FAILED;
        goto out;
    }
    count = nb_brief_select(items, count, now, config->window, (size_t)config->max_items);
    fill_summaries(items, count);

    static const nb_channel_config default_channel = {.name = "stdout", .type = "stdout"};
    if (config->channel_count == 0) {
        if (deliver(config, store, &default_channel, items, count, now, out))
            rc = NB_EXIT_FAILED;
    }
    for (size_t i = 0; i < config->channel_count; i++)
        if (deliver(config, store, &config->channels[i], items, count, now, out))
            rc = NB_EXIT_FAILED;
    nb_items_free(items, count);
out:
    nb_store_close(store);
    return rc;
}
