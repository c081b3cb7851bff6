/* SPDX-License-Identifier: MIT */
/* The run: collect → store → select → summarize → render → deliver. Each stage's result
 * is written to the store before the next begins. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "brief/brief.h"
#include "core/hash.h"
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
        nb_app_store_error(sink->store, NB_LOG_WARN, &err);
    return known;
}

static void item_store(void *ctx, const nb_item *item)
{
    item_sink *sink = ctx;
    nb_item copy = *item; /* put only sets the id */
    int is_new = 0;
    nb_errbuf err;
    if (nb_store_item_put(sink->store, &copy, sink->now, &is_new, &err) != NB_OK) {
        nb_app_store_error(sink->store, NB_LOG_ERROR, &err);
        sink->failed = 1;
    }
    if (is_new && sink->keep_ids) {
        sink->fresh_ids =
            nb_xgrow(sink->fresh_ids, &sink->fresh_alloc, (size_t)sink->fresh + 1, sizeof(int64_t));
        sink->fresh_ids[sink->fresh] = copy.id;
    }
    sink->fresh += is_new;
}

/* Saves each source's new state; the store's error (logged) when it failed. */
static nb_err store_states(nb_store *store, const nb_source_state *states, size_t count,
                           int64_t now)
{
    nb_errbuf err;
    for (size_t i = 0; i < count; i++) {
        if (states[i].last_attempt_at != now)
            continue; /* disabled or backing off: nothing changed */
        nb_err rc = nb_store_source_save(store, &states[i], &err);
        if (rc != NB_OK) {
            nb_app_store_error(store, NB_LOG_ERROR, &err);
            return rc;
        }
    }
    return NB_OK;
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

/* What the labels of a story's other reports are made from. */
typedef struct labels {
    const nb_config *config;
    const nb_source_state *states; /* one per configured source, or NULL */
} labels;

/* A story's other reports are labelled with their source's name for readers: the
 * configured name, else its own (a site's, a feed's title), else its key. */
static const char *site_label(void *ctx, const char *source)
{
    const labels *l = ctx;
    for (size_t i = 0; i < l->config->source_count; i++) {
        const nb_source_config *sc = &l->config->sources[i];
        if (strcmp(sc->name, source) != 0)
            continue;
        const nb_source_adapter *a = nb_source_adapter_find(sc->type);
        if (sc->display_name)
            return sc->display_name;
        if (a && a->display_name)
            return a->display_name;
        if (l->states && l->states[i].title)
            return l->states[i].title;
        return source;
    }
    return source;
}

/* Candidates considered for one briefing: every item in the window, up to this many. */
#define CANDIDATES_MAX 5000

/* What a dry run shows of a channel's briefing instead of recording it. */
static void preview(const nb_channel_config *channel, size_t kept, char *const *pages,
                    size_t page_count, const nb_push_message *messages, size_t message_count,
                    FILE *out)
{
    int local = nb_push_is_local(channel);
    size_t n = local ? 1 : message_count;
    fprintf(out, "== channel %s (%s%s%s): %zu item%s, %zu message%s\n", channel->name,
            channel->type, channel->path ? " " : "", channel->path ? channel->path : "", kept,
            kept == 1 ? "" : "s", n, n == 1 ? "" : "s");
    if (local) {
        char *text = nb_brief_join(pages, page_count);
        fputs(text, out);
        free(text);
    }
    for (size_t i = 0; !local && i < message_count; i++)
        fprintf(out, "-- message %zu of %zu%s%s\n%s\n", i + 1, message_count,
                messages[i].method ? ", " : "", messages[i].method ? messages[i].method : "",
                messages[i].body);
    fputc('\n', out);
}

/* Renders and composes kept items for one channel and records the briefing (entries, pages,
 * ledger, outbox rows) in one transaction; standard output is written at once. A dry run
 * prints the channel's messages instead. Errors are logged; the result is the first one's. */
static nb_err record_briefing(const nb_config *config, nb_store *store,
                              const nb_channel_config *channel, int64_t now, nb_item *items,
                              size_t kept, int dry_run, FILE *out, nb_run_stats *stats)
{
    nb_errbuf err;
    nb_err rc = NB_OK;
    nb_render_options ro = {
        .title = config->title,
        .header = config->header,
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
    /* Standard output is written now; a file goes through the outbox as one message, so
     * that a failed write keeps the briefing for the next push or run. */
    int to_stdout = !strcmp(channel->type, "stdout");
    if (!strcmp(channel->type, "file")) {
        messages = nb_xcalloc(1, sizeof *messages);
        messages[0] =
            (nb_push_message){.body = nb_brief_join(pages, page_count), .first = 0, .count = kept};
        message_count = 1;
    } else if (!to_stdout && (rc = nb_push_compose(config, channel, now, items, kept, &messages,
                                                   &message_count, &err)) != NB_OK) {
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
        goto free_pages;
    }
    if (dry_run) {
        preview(channel, kept, pages, page_count, messages, message_count, out);
        nb_push_messages_free(messages, message_count);
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
    nb_briefing_draft draft = {
        .channel = channel->name,
        .title = config->title,
        .created_at = now,
        .window_start = now - config->window,
        .entries = items,
        .entry_count = kept,
        .per_page = ro.items_per_page,
        .item_ids = ids,
        .item_count = id_count,
        .pages = (const char *const *)pages,
        .page_count = page_count,
        .messages = rows,
        .message_count = message_count,
    };
    if ((rc = nb_store_briefing_commit(store, &draft, NULL, &err)) != NB_OK) {
        nb_app_store_error(store, NB_LOG_ERROR, &err);
    } else if (to_stdout && (rc = nb_push_local(channel, pages, page_count, out, &err)) != NB_OK) {
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
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
    return rc;
}

/* Composes one channel's briefing from the items it has not been given yet and records it
 * (briefing, ledger, outbox rows) in one transaction; standard output is written at once.
 * Errors are logged; *composed tells whether there was anything to send. */
static nb_err compose_for(const nb_config *config, const labels *names, nb_store *store,
                          nb_http *http, const nb_channel_config *channel, int64_t now, int resend,
                          int dry_run, FILE *out, int *composed, nb_run_stats *stats)
{
    nb_errbuf err;
    nb_item *items = NULL;
    size_t count = 0;
    *composed = 0;
    nb_err rc = nb_store_items_for_channel(store, channel->name, now - config->window,
                                           CANDIDATES_MAX, &items, &count, &err);
    if (rc != NB_OK) {
        nb_app_store_error(store, NB_LOG_ERROR, &err);
        return rc;
    }
    /* One entry per story; stories the channel was given before stay out. */
    size_t *same = NULL, same_count = 0;
    nb_app_confirm_stories(config, store, http, now, items, count, &same, &same_count);
    size_t stories = nb_brief_stories(items, count, channel->only_new && !resend, site_label,
                                      (void *)names, same, same_count);
    free(same);
    /* The channel's rules: keywords, per-source and total caps, newest first. */
    size_t max = (size_t)(channel->max_items > 0 ? channel->max_items : config->max_items);
    size_t kept = nb_brief_select(items, stories, now, config->window, stories);
    nb_rules *rules = NULL;
    if (channel->keywords && nb_rules_new(channel->keywords, &rules, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "push", "channel=%s error=\"%s\"", channel->name, err.msg);
    kept = nb_brief_filter(items, kept, rules, (size_t)channel->per_source_max, max);
    nb_rules_free(rules);
    if (kept == 0) {
        if (dry_run)
            fprintf(out, "== channel %s (%s): nothing new\n\n", channel->name, channel->type);
        goto out;
    }
    nb_app_summarize(config, store, http, now, items, kept);
    if (channel->min_summary_chars > 0) {
        size_t n = 0;
        for (size_t i = 0; i < kept; i++)
            nb_items_sieve(items, &n, i,
                           items[i].summary && nb_utf8_length(items[i].summary) >=
                                                   (size_t)channel->min_summary_chars);
        kept = n;
        if (kept == 0) {
            if (dry_run)
                fprintf(out, "== channel %s (%s): nothing new\n\n", channel->name, channel->type);
            goto out;
        }
    }
    *composed = 1;
    rc = record_briefing(config, store, channel, now, items, kept, dry_run, out, stats);
out:
    nb_items_free(items, count);
    return rc;
}

/* Composes for every channel, then sends what the outbox holds (a dry run prints each
 * channel's messages instead, and records and sends nothing). NB_ERR_FAILED when a channel
 * failed (logged). */
static nb_err compose_and_deliver(const nb_config *config, const labels *names, nb_store *store,
                                  nb_http *http, int64_t now, int resend, int dry_run, int workers,
                                  FILE *out, int *any_composed, nb_run_stats *stats)
{
    static const nb_channel_config default_channel = {
        .name = "stdout", .type = "stdout", .only_new = 1};
    const nb_channel_config *channels = config->channel_count ? config->channels : &default_channel;
    size_t channel_count = config->channel_count ? config->channel_count : 1;
    nb_err rc = NB_OK;
    int any = 0;
    for (size_t i = 0; i < channel_count && !nb_store_failure(store); i++) {
        int composed = 0;
        if (compose_for(config, names, store, http, &channels[i], now, resend, dry_run, out,
                        &composed, stats) != NB_OK)
            rc = NB_ERR_FAILED;
        any |= composed;
    }
    *any_composed = any;
    nb_app_summarize_report();
    if (dry_run)
        return rc;
    if (nb_store_failure(store))
        return NB_ERR_FAILED; /* nothing is sent that could not be recorded as sent */
    nb_push_report report;
    if (workers) {
        /* the workers of every daemon send the chat channels' rows; files are written here */
        for (size_t i = 0; i < config->channel_count; i++) {
            if (strcmp(config->channels[i].type, "file") != 0)
                continue;
            nb_push_outbox(config, store, http, config->channels[i].name, &report);
            if (report.channels_failed)
                rc = NB_ERR_FAILED;
            stats->sent += report.sent;
        }
        return rc;
    }
    nb_push_outbox(config, store, http, NULL, &report);
    if (report.channels_failed)
        rc = NB_ERR_FAILED;
    stats->sent += report.sent;
    stats->waiting += report.waiting;
    return rc;
}

/* What each fetched source gave, for the run record (strings borrowed from c). */
static nb_run_source *run_sources(const nb_collection *c, size_t *count)
{
    nb_run_source *list = nb_xcalloc(c->outcome_count + 1, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < c->outcome_count; i++) {
        const nb_source_outcome *o = &c->outcomes[i];
        if (o->skipped)
            continue;
        list[n].source = o->config->name;
        list[n].items = (long)o->item_count;
        list[n].error_kind = o->status == NB_OK ? NULL : nb_err_name(o->status);
        n++;
    }
    *count = n;
    return list;
}

/* What identifies a source's settings: everything that changes what or how it fetches. */
static void fingerprint(const nb_source_config *sc, char out[NB_HASH_HEX_SIZE])
{
    char delay[32];
    snprintf(delay, sizeof delay, "%lld", (long long)sc->delay_ms);
    const char *parts[] = {sc->type,
                           sc->url,
                           sc->base_url,
                           sc->proxy,
                           delay,
                           sc->fetch_full_text,
                           sc->content_selector,
                           sc->title_selector,
                           sc->time_selector,
                           sc->image_selector};
    nb_hash_parts(parts, sizeof parts / sizeof parts[0], out);
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

/* With workers: the window's items get their summaries from the workers of every daemon
 * before any channel is composed, and the run lock is not held while they work (another
 * fire's run may collect meanwhile); it is taken again to compose. The lock's error (logged)
 * when it could not be taken again. */
static nb_err summarize_shared(const nb_config *config, nb_store *store, nb_store_lock **lock,
                               nb_http *http, int64_t now)
{
    if (strcmp(config->summarizer.type, "llm") != 0)
        return NB_OK;
    nb_item *items = NULL;
    size_t count = 0;
    nb_errbuf err;
    if (nb_store_items_since(store, now - config->window, CANDIDATES_MAX, &items, &count, &err) !=
        NB_OK) {
        nb_app_store_error(store, NB_LOG_ERROR, &err);
        return NB_OK;
    }
    nb_store_lock_release(*lock);
    *lock = NULL;
    nb_app_summarize(config, store, http, now, items, count);
    nb_items_free(items, count);
    nb_err rc = nb_store_lock_take(config->database, config->lock_timeout * 1000, lock, &err);
    if (rc != NB_OK)
        nb_log(NB_LOG_ERROR, "run", "error=\"%s\"", err.msg);
    return rc;
}

nb_source_state *nb_app_load_source_states(nb_store *store, const nb_config *config)
{
    nb_source_state *states = nb_xcalloc(config->source_count + 1, sizeof *states);
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *sc = &config->sources[i];
        nb_source_state *st = &states[i];
        nb_errbuf err;
        if (nb_store_source_load(store, sc->name, st, &err) != NB_OK) {
            nb_app_store_error(store, NB_LOG_ERROR, &err);
            nb_source_state_clear(st);
            st->name = nb_xstrdup(sc->name);
        }
        char now[NB_HASH_HEX_SIZE];
        fingerprint(sc, now);
        /* A changed source is another source: its old failures and validators say nothing
         * about it. (A state stored before fingerprints existed is taken as unchanged.) */
        if (st->settings && strcmp(st->settings, now) != 0) {
            if (st->consecutive_errors || st->next_fetch_at)
                nb_log(NB_LOG_INFO, "source", "name=%s settings changed: failures cleared",
                       sc->name);
            nb_source_state_forget_failures(st);
            free(st->etag);
            free(st->last_modified);
            st->etag = st->last_modified = NULL;
        }
        free(st->settings);
        st->settings = nb_xstrdup(now);
    }
    return states;
}

static void free_states(nb_source_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_source_state_clear(&states[i]);
    free(states);
}

void nb_app_store_error(nb_store *store, int level, const nb_errbuf *err)
{
    if (!nb_store_failure(store))
        nb_log((nb_log_level)level, "store", "error=\"%s\"", err->msg);
}

nb_err nb_app_store_failed(nb_store *store, nb_err rc)
{
    const char *failure = nb_store_failure(store);
    if (!failure)
        return rc;
    nb_log(NB_LOG_ERROR, "store",
           "error=\"%s\" then=\"stopped writing and sending; what was queued waits in the "
           "outbox and goes out with the next run or newsbrief push once the database can be "
           "written\"",
           failure);
    return NB_ERR_IO;
}

nb_err nb_app_store_open_failed(nb_err open_rc)
{
    return open_rc == NB_ERR_IO ? NB_ERR_IO : NB_ERR_CONFIG;
}

nb_err nb_app_open_store(const nb_config *config, nb_store **store, nb_store_lock **lock)
{
    nb_errbuf err;
    nb_err rc = nb_store_open(config->database, store, &err);
    if (rc) {
        nb_app_error("%s", err.msg);
        return nb_app_store_open_failed(rc);
    }
    /* A read-only database fails here, before anything is fetched or sent. */
    rc = nb_store_check_writable(*store, &err);
    /* Two overlapping runs (cron) must never both send: the second waits or gives up. */
    if (!rc)
        rc = nb_store_lock_take(config->database, config->lock_timeout * 1000, lock, &err);
    if (rc) {
        nb_app_error("%s", err.msg);
        nb_store_close(*store);
        *store = NULL;
        return rc == NB_ERR_LOCKED || rc == NB_ERR_IO ? rc : NB_ERR_CONFIG;
    }
    return NB_OK;
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

/* The one line a run with nothing to send prints (at the default level): since when, that
 * is the last briefing, or the window when there never was one. */
static void say_nothing_new(const nb_config *config, nb_store *store, int64_t now)
{
    int64_t last = 0;
    nb_errbuf err;
    if (nb_store_last_briefing_at(store, &last, &err) != NB_OK)
        nb_log(NB_LOG_WARN, "store", "error=\"%s\"", err.msg);
    nb_log(NB_LOG_INFO, "run", "nothing new: no briefing");
    if (nb_log_threshold < NB_LOG_WARN)
        return;
    if (last > 0) {
        char when[32], today[32];
        nb_time_format_display(last, when, sizeof when);
        nb_time_format_display(now, today, sizeof today);
        /* the time alone when the last briefing was today */
        const char *shown = strncmp(when, today, 10) == 0 ? when + 11 : when;
        fprintf(stderr, "newsbrief: nothing new since %s: no briefing\n", shown);
    } else {
        char window[32];
        nb_duration_format(config->window, window, sizeof window);
        fprintf(stderr, "newsbrief: nothing new in the last %s (window): no briefing\n", window);
    }
}

static nb_err run_pass(const nb_config *config, int resend, int dry_run, FILE *out)
{
    nb_run_options options = {.resend = resend, .out = out, .deliver = 1, .dry_run = dry_run};
    nb_run_stats stats;
    return nb_pipeline_run_with(config, &options, &stats);
}

nb_err nb_pipeline_run_with(const nb_config *config, const nb_run_options *options,
                            nb_run_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int64_t now = nb_clock_now();
    size_t enabled = 0;
    for (size_t i = 0; i < config->source_count; i++)
        enabled += (size_t)config->sources[i].enabled;
    if (enabled == 0) {
        fprintf(stderr, "newsbrief: %s: no enabled source under sources:\n", config->path);
        return NB_ERR_CONFIG;
    }
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_err rc = nb_app_open_store(config, &store, &lock);
    if (rc != NB_OK)
        return rc;

    nb_source_state *states = nb_app_load_source_states(store, config);
    nb_http *http = nb_app_http(config);
    item_sink sink = {.store = store, .now = now, .keep_ids = !options->deliver};
    nb_collect_hooks hooks = {.known = item_known, .sink = item_store, .ctx = &sink};
    nb_collection *collection = nb_collect(config, http, now, states, &hooks);
    int succeeded = report_outcomes(collection);
    long fresh = sink.failed || store_states(store, states, config->source_count, now) != NB_OK
                     ? -1
                     : sink.fresh;
    nb_log(NB_LOG_INFO, "collect", "items=%zu new=%ld sources_ok=%d sources=%zu",
           collection->item_count, sink.fresh, succeeded, collection->outcome_count);
    size_t fetched_count = 0;
    nb_run_source *fetched = run_sources(collection, &fetched_count);
    size_t tried = 0;
    for (size_t i = 0; i < collection->outcome_count; i++)
        tried += !collection->outcomes[i].skipped;
    stats->fetched = collection->item_count;
    stats->fresh = sink.fresh;

    if (fresh < 0) {
        rc = NB_ERR_FAILED;
    } else {
        if (succeeded == 0) {
            nb_log(NB_LOG_ERROR, "run", "error=\"no source succeeded\"");
            rc = NB_ERR_FAILED;
        }
        int any = 0;
        labels names = {config, states};
        int unlocked = options->workers && options->deliver && !options->dry_run &&
                       !nb_app_stopping() &&
                       summarize_shared(config, store, &lock, http, now) != NB_OK;
        if (unlocked)
            rc = NB_ERR_FAILED; /* the run lock was not taken again: nothing composed */
        else if (nb_app_stopping())
            nb_log(NB_LOG_WARN, "run", "stopping: no briefing composed after collection");
        else if (!options->deliver && !options->dry_run)
            summarize_fresh(config, store, http, now, &sink);
        else if (compose_and_deliver(config, &names, store, http, now, options->resend,
                                     options->dry_run, options->workers, options->out, &any,
                                     stats) != NB_OK)
            rc = NB_ERR_FAILED;
        if (!any && !options->dry_run && options->deliver && succeeded > 0 &&
            !nb_store_failure(store))
            say_nothing_new(config, store, now);
    }
    nb_run_record record = {
        .schedule = options->schedule ? options->schedule : "run",
        .result = rc == NB_OK ? "ok" : "failed",
        .started_at = now,
        .finished_at = nb_clock_now(),
        .items_new = sink.fresh,
        .sources = fetched,
        .source_count = fetched_count,
    };
    nb_errbuf err;
    if (!options->dry_run && nb_store_run_record(store, &record, &err) != NB_OK)
        nb_app_store_error(store, NB_LOG_WARN, &err);
    free(fetched);
    nb_collection_free(collection);
    rc = nb_app_store_failed(store, rc);
    /* A run some sources failed still succeeds; one line says so, after their errors. */
    if ((size_t)succeeded < tried && nb_log_threshold >= NB_LOG_WARN)
        fprintf(stderr, "newsbrief: %zu of %zu source%s failed; see newsbrief sources\n",
                tried - (size_t)succeeded, tried, tried == 1 ? "" : "s");
    free_states(states, config->source_count);
    free(sink.fresh_ids);
    nb_http_free(http);
    nb_store_lock_release(lock);
    nb_store_close(store);
    return rc;
}

nb_err nb_pipeline_run(const nb_config *config, int resend, FILE *out)
{
    return run_pass(config, resend, 0, out);
}

nb_err nb_pipeline_preview(const nb_config *config, int resend, FILE *out)
{
    return run_pass(config, resend, 1, out);
}

nb_err nb_pipeline_send_briefing(const nb_config *config, const char *slug,
                                 const char *channel_name, FILE *out, char **summary,
                                 nb_errbuf *err)
{
    *summary = NULL;
    const nb_channel_config *channel = NULL;
    for (size_t i = 0; i < config->channel_count && !channel; i++)
        if (!strcmp(config->channels[i].name, channel_name))
            channel = &config->channels[i];
    if (!channel)
        return nb_errf(err, NB_ERR_USAGE, "no channel \"%s\" in %s", channel_name, config->path);
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    if (nb_store_open(config->database, &store, err) != NB_OK)
        return NB_ERR_STORE;
    nb_err rc = nb_store_lock_take(config->database, config->lock_timeout * 1000, &lock, err);
    nb_briefing b = {0};
    int found = 0;
    if (!rc)
        rc = nb_store_briefing_get(store, slug, &b, &found, err);
    if (!rc && !found)
        rc = nb_errf(err, NB_ERR_USAGE, "no briefing \"%s\"", slug);
    if (!rc && b.entries_loaded == 0)
        rc = nb_errf(err, NB_ERR_USAGE, "briefing \"%s\" has no entries to send", slug);
    if (rc)
        goto out;
    nb_http *http = nb_app_http(config);
    nb_run_stats stats = {0};
    int64_t now = nb_clock_now();
    if (record_briefing(config, store, channel, now, b.entries, b.entries_loaded, 0, out, &stats) !=
        NB_OK) {
        const char *failure = nb_store_failure(store);
        rc = nb_errf(err, NB_ERR_STORE, "%s", failure ? failure : "the briefing was not recorded");
    } else {
        nb_push_report report;
        nb_push_outbox(config, store, http, channel->name, &report);
        *summary = nb_xasprintf("briefing %s went to channel %s again: %zu item%s in %zu "
                                "message%s; sent %zu, waiting %zu, failed %zu (see newsbrief "
                                "outbox)",
                                slug, channel->name, stats.briefed, stats.briefed == 1 ? "" : "s",
                                stats.queued, stats.queued == 1 ? "" : "s", report.sent,
                                report.pending, report.failed);
    }
    nb_http_free(http);
out:
    nb_briefing_clear(&b);
    nb_store_lock_release(lock);
    nb_store_close(store);
    return rc;
}
