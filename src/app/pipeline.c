/* The run: collect → store → select → summarize → render → deliver. Each stage's result
 * is written to the store before the next begins. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "brief/brief.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "net/http.h"
#include "push/push.h"
#include "sources/source.h"
#include "store/store.h"
#include "text/text.h"

/* Where collected items go: straight into the store. */
typedef struct item_sink {
    nb_store *store;
    int64_t now;
    long fresh;         /* items stored for the first time */
    int failed;         /* the store refused one */
    int64_t *fresh_ids; /* their ids, when wanted (collect-only runs summarize them) */
    size_t fresh_alloc;
    int keep_ids;
} item_sink;

/* Set from a signal handler: take no new work. */
static volatile sig_atomic_t stopping;

void nb_app_stop(void)
{
    stopping = 1;
    nb_push_stop();
}

int nb_app_stopping(void)
{
    return stopping != 0;
}

static int item_known(void *ctx, const char *source, const char *key)
{
    item_sink *sink = ctx;
    int known = 0;
    nb_errbuf err;
    if (nb_store_item_known(sink->store, source, key, &known, &err) != NB_OK)
        nb_log(NB_LOG_WARN, "store", "error=\"%s\"", err.msg);
    return known;
}

static void item_store(void *ctx, const nb_item *item)
{
    item_sink *sink = ctx;
    nb_item copy = *item; /* put only sets the id */
    int is_new = 0;
    nb_errbuf err;
    if (nb_store_item_put(sink->store, &copy, sink->now, &is_new, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        sink->failed = 1;
    }
    if (is_new && sink->keep_ids) {
        sink->fresh_ids =
            nb_xgrow(sink->fresh_ids, &sink->fresh_alloc, (size_t)sink->fresh + 1, sizeof(int64_t));
        sink->fresh_ids[sink->fresh] = copy.id;
    }
    sink->fresh += is_new;
}

/* Saves each source's new state; 0, or -1 when the store failed. */
static int store_states(nb_store *store, const nb_source_state *states, size_t count, int64_t now)
{
    nb_errbuf err;
    for (size_t i = 0; i < count; i++) {
        if (states[i].last_attempt_at != now)
            continue; /* disabled or backing off: nothing changed */
        if (nb_store_source_save(store, &states[i], &err) != NB_OK) {
            nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
            return -1;
        }
    }
    return 0;
}

/* Logs each source's outcome; returns how many succeeded (a 304 is a success). */
static int report_outcomes(const nb_collection *c)
{
    int succeeded = 0;
    for (size_t i = 0; i < c->outcome_count; i++) {
        const nb_source_outcome *o = &c->outcomes[i];
        if (o->skipped)
            continue;
        if (o->status == NB_OK) {
            succeeded++;
            nb_log(NB_LOG_INFO, "source", "name=%s items=%zu not_modified=%d", o->config->name,
                   o->item_count, o->not_modified);
        } else {
            nb_log(NB_LOG_ERROR, "source", "name=%s type=%s error=%s cause=\"%s\"", o->config->name,
                   o->config->type, nb_err_name(o->status), o->error);
        }
    }
    return succeeded;
}

/* Composes one channel's briefing from the items it has not been given yet and records it
 * (briefing, ledger, outbox rows) in one transaction; local channels are written at once.
 * Returns an exit code; *composed tells whether there was anything to send. */
/* A story's other reports are labelled with their site's name. */
static const char *site_label(void *ctx, const char *source)
{
    const nb_config *config = ctx;
    for (size_t i = 0; i < config->source_count; i++) {
        if (strcmp(config->sources[i].name, source) != 0)
            continue;
        const nb_source_adapter *a = nb_source_adapter_find(config->sources[i].type);
        return a && a->display_name ? a->display_name : source;
    }
    return source;
}

/* Candidates considered for one briefing: every item in the window, up to this many. */
#define CANDIDATES_MAX 5000

static int compose_for(const nb_config *config, nb_store *store, nb_http *http,
                       const nb_channel_config *channel, int64_t now, int resend, FILE *out,
                       int *composed, nb_run_stats *stats)
{
    nb_errbuf err;
    nb_item *items = NULL;
    size_t count = 0;
    *composed = 0;
    if (nb_store_items_for_channel(store, channel->name, now - config->window, CANDIDATES_MAX,
                                   &items, &count, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        return NB_EXIT_FAILED;
    }
    /* One entry per story; stories the channel was given before stay out. */
    size_t *same = NULL, same_count = 0;
    nb_app_confirm_stories(config, store, http, now, items, count, &same, &same_count);
    size_t stories = nb_brief_stories(items, count, channel->only_new && !resend, site_label,
                                      (void *)config, same, same_count);
    free(same);
    /* The channel's rules: keywords, per-source and total caps, newest first. */
    size_t max = (size_t)(channel->max_items > 0 ? channel->max_items : config->max_items);
    size_t kept = nb_brief_select(items, stories, now, config->window, stories);
    nb_rules *rules = NULL;
    if (channel->keywords && nb_rules_new(channel->keywords, &rules, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
    kept = nb_brief_filter(items, kept, rules, (size_t)channel->per_source_max, max);
    nb_rules_free(rules);
    int rc = NB_EXIT_OK;
    if (kept == 0)
        goto out;
    nb_app_summarize(config, store, http, now, items, kept);
    if (channel->min_summary_chars > 0) {
        size_t n = 0;
        for (size_t i = 0; i < kept; i++)
            nb_items_sieve(items, &n, i,
                           items[i].summary && nb_utf8_length(items[i].summary) >=
                                                   (size_t)channel->min_summary_chars);
        kept = n;
        if (kept == 0)
            goto out;
    }
    *composed = 1;
    nb_render_options ro = {
        .title = config->title,
        .related_prefix = config->related_prefix,
        .now = now,
        .items_per_page = (size_t)(channel->items_per_page > 0 ? channel->items_per_page
                                                               : config->items_per_page),
    };
    char **pages = NULL;
    size_t page_count = 0;
    nb_brief_render(&ro, items, kept, &pages, &page_count);
    nb_push_message *messages = NULL;
    size_t message_count = 0;
    int local = nb_push_is_local(channel);
    if (!local && nb_push_compose(config, channel, now, items, kept, &messages, &message_count,
                                  &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
        rc = NB_EXIT_FAILED;
        goto free_pages;
    }
    /* The ledger records every report of every story, with the message that carries it,
     * so that no report brings its story back. */
    size_t id_count = 0;
    for (size_t i = 0; i < kept; i++)
        id_count += items[i].story_count ? items[i].story_count : 1;
    int64_t *ids = nb_xcalloc(id_count, sizeof *ids);
    size_t *first_id = nb_xcalloc(kept + 1, sizeof *first_id); /* item i's ids start here */
    size_t at = 0;
    for (size_t i = 0; i < kept; i++) {
        first_id[i] = at;
        if (!items[i].story_count)
            ids[at++] = items[i].id;
        for (size_t k = 0; k < items[i].story_count; k++)
            ids[at++] = items[i].story_ids[k];
    }
    first_id[kept] = at;
    nb_outbox_message *rows = nb_xcalloc(message_count + 1, sizeof *rows);
    for (size_t i = 0; i < message_count; i++) {
        const nb_push_message *m = &messages[i];
        size_t from = first_id[m->first], to = first_id[m->first + m->count];
        rows[i] = (nb_outbox_message){m->method, m->body, ids + from, to - from};
    }
    if (nb_store_briefing_commit(store, channel->name, now, now - config->window, ids, id_count,
                                 (const char *const *)pages, page_count, rows, message_count, NULL,
                                 &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        rc = NB_EXIT_FAILED;
    } else if (local && nb_push_local(channel, pages, page_count, out, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
        rc = NB_EXIT_FAILED;
    } else {
        nb_log(NB_LOG_INFO, "push", "channel=%s items=%zu pages=%zu messages=%zu", channel->name,
               kept, page_count, message_count);
        stats->briefed += kept;
        stats->queued += message_count;
    }
    free(rows);
    free(first_id);
    free(ids);
    nb_push_messages_free(messages, message_count);
free_pages:
    nb_brief_pages_free(pages, page_count);
out:
    nb_items_free(items, count);
    return rc;
}

/* Composes for every channel, then sends what the outbox holds. */
static int compose_and_deliver(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                               int resend, FILE *out, nb_run_stats *stats)
{
    static const nb_channel_config default_channel = {
        .name = "stdout", .type = "stdout", .only_new = 1};
    const nb_channel_config *channels = config->channel_count ? config->channels : &default_channel;
    size_t channel_count = config->channel_count ? config->channel_count : 1;
    int rc = NB_EXIT_OK, any = 0;
    for (size_t i = 0; i < channel_count; i++) {
        int composed = 0;
        if (compose_for(config, store, http, &channels[i], now, resend, out, &composed, stats) !=
            NB_EXIT_OK)
            rc = NB_EXIT_FAILED;
        any |= composed;
    }
    if (!any)
        nb_log(NB_LOG_INFO, "run", "nothing new: no briefing");
    nb_push_report report;
    nb_push_outbox(config, store, http, NULL, &report);
    if (report.channels_failed)
        rc = NB_EXIT_FAILED;
    stats->sent += report.sent;
    stats->waiting += report.waiting;
    return rc;
}

/* A collect-only run: the new items in the window get their summaries now (the LLM's are
 * kept in the store), so the briefing that follows finds them ready. */
static void summarize_fresh(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                            const item_sink *sink)
{
    if (strcmp(config->summarizer.type, "llm") != 0 || sink->fresh <= 0)
        return;
    nb_item *items = NULL;
    size_t count = 0, kept = 0;
    nb_errbuf err;
    if (nb_store_items_since(store, now - config->window, CANDIDATES_MAX, &items, &count, &err) !=
        NB_OK) {
        nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        int fresh = 0;
        for (long k = 0; k < sink->fresh && !fresh; k++)
            fresh = sink->fresh_ids[k] == items[i].id;
        nb_items_sieve(items, &kept, i, fresh);
    }
    if (kept)
        nb_app_summarize(config, store, http, now, items, kept);
    nb_items_free(items, count);
}

static nb_source_state *load_states(nb_store *store, const nb_config *config)
{
    nb_source_state *states = nb_xcalloc(config->source_count + 1, sizeof *states);
    for (size_t i = 0; i < config->source_count; i++) {
        nb_errbuf err;
        if (nb_store_source_load(store, config->sources[i].name, &states[i], &err) != NB_OK) {
            nb_log(NB_LOG_ERROR, "store", "error=\"%s\"", err.msg);
            states[i].name = nb_xstrdup(config->sources[i].name);
        }
    }
    return states;
}

static void free_states(nb_source_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_source_state_clear(&states[i]);
    free(states);
}

int nb_app_open_store(const nb_config *config, nb_store **store, nb_store_lock **lock)
{
    nb_errbuf err;
    if (nb_store_open(config->database, store, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        return NB_EXIT_USAGE;
    }
    /* Two overlapping runs (cron) must never both send: the second waits or gives up. */
    nb_err rc = nb_store_lock_take(config->database, config->lock_timeout * 1000, lock, &err);
    if (rc) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        nb_store_close(*store);
        *store = NULL;
        return rc == NB_ERR_LOCKED ? NB_EXIT_FAILED : NB_EXIT_USAGE;
    }
    return -1;
}

nb_http *nb_app_http(const nb_config *config)
{
    nb_http_options ho = {
        .max_in_flight = (int)config->max_connections,
        .max_per_class = {[NB_HTTP_LLM] = (int)config->summarizer.concurrency},
        .max_per_host = (int)config->max_connections_per_host,
    };
    return nb_http_new(&ho);
}

int nb_pipeline_run(const nb_config *config, int resend, FILE *out)
{
    nb_run_options options = {.resend = resend, .out = out, .deliver = 1};
    nb_run_stats stats;
    return nb_pipeline_run_with(config, &options, &stats);
}

int nb_pipeline_run_with(const nb_config *config, const nb_run_options *options,
                         nb_run_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int64_t now = nb_clock_now();
    size_t enabled = 0;
    for (size_t i = 0; i < config->source_count; i++)
        enabled += (size_t)config->sources[i].enabled;
    if (enabled == 0) {
        fprintf(stderr, "newsbrief: %s: no enabled source under sources:\n", config->path);
        return NB_EXIT_USAGE;
    }
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    int open_rc = nb_app_open_store(config, &store, &lock);
    if (open_rc >= 0)
        return open_rc;

    nb_source_state *states = load_states(store, config);
    nb_http *http = nb_app_http(config);
    item_sink sink = {.store = store, .now = now, .keep_ids = !options->deliver};
    nb_collect_hooks hooks = {.known = item_known, .sink = item_store, .ctx = &sink};
    nb_collection *collection = nb_collect(config, http, now, states, &hooks);
    int succeeded = report_outcomes(collection);
    long fresh =
        sink.failed || store_states(store, states, config->source_count, now) ? -1 : sink.fresh;
    nb_log(NB_LOG_INFO, "collect", "items=%zu new=%ld sources_ok=%d sources=%zu",
           collection->item_count, sink.fresh, succeeded, collection->outcome_count);
    stats->fetched = collection->item_count;
    stats->fresh = sink.fresh;
    nb_collection_free(collection);
    free_states(states, config->source_count);

    int rc = NB_EXIT_OK;
    if (fresh < 0) {
        rc = NB_EXIT_FAILED;
    } else {
        if (succeeded == 0) {
            nb_log(NB_LOG_ERROR, "run", "error=\"no source succeeded\"");
            rc = NB_EXIT_FAILED;
        }
        if (nb_app_stopping())
            nb_log(NB_LOG_WARN, "run", "stopping: no briefing composed after collection");
        else if (!options->deliver)
            summarize_fresh(config, store, http, now, &sink);
        else if (compose_and_deliver(config, store, http, now, options->resend, options->out,
                                     stats) != NB_EXIT_OK)
            rc = NB_EXIT_FAILED;
    }
    free(sink.fresh_ids);
    nb_http_free(http);
    nb_store_lock_release(lock);
    nb_store_close(store);
    return rc;
}
