/* SPDX-License-Identifier: MIT */
/* Collection: starts every enabled source on the shared engine, gathers what the
 * adapters emit, and records one outcome per source. A source's failure never stops the
 * others. The health policy lives here too: what a source's result means for its next run
 * (validators kept, errors counted, backoff after repeated failures or a Retry-After). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "sources/source.h"

#define BACKOFF_BASE_SECONDS (30 * 60)
#define BACKOFF_MAX_SECONDS (24 * 3600)

typedef struct collector {
    nb_collection *collection;
    const nb_config *config;
    const nb_collect_hooks *hooks;
} collector;

struct nb_source_run {
    collector *owner;
    nb_item *items; /* emitted, handed to the sink when the source is done */
    size_t item_count, item_alloc;
    int in_flight; /* requests not answered yet */
    nb_source_outcome *outcome;
    nb_source_state *state; /* as stored before the run */
    nb_http *http;
    int64_t now;
    long delay_ms;
    int64_t next_start_ms; /* monotonic time before which the next request may not start */
    char *new_etag, *new_last_modified;
};

typedef struct pending_fetch {
    nb_source_run *run;
    nb_source_fetch_fn done;
    void *user;
    int conditional;
} pending_fetch;

const nb_source_config *nb_source_config_of(const nb_source_run *run)
{
    return run->outcome->config;
}

int64_t nb_source_now(const nb_source_run *run)
{
    return run->now;
}

int64_t nb_source_window_start(const nb_source_run *run)
{
    return run->now - run->owner->config->window;
}

int nb_source_known(nb_source_run *run, const char *key)
{
    const nb_collect_hooks *h = run->owner->hooks;
    return h->known && h->known(h->ctx, run->outcome->config->name, key);
}

char *nb_source_site_url(const nb_source_run *run, const char *url)
{
    const char *base = run->outcome->config->base_url;
    char *rebased = base ? nb_url_rebase(url, base) : NULL;
    return rebased ? rebased : nb_xstrdup(url);
}

/* A source is done when its last request has been answered and handled: its items go to
 * the sink together, so a run killed half-way never leaves a source half stored (paging
 * stops at the first known key, so a partial store would hide the rest). */
static void flush(nb_source_run *run)
{
    const nb_collect_hooks *h = run->owner->hooks;
    for (size_t i = 0; i < run->item_count; i++) {
        if (h->sink)
            h->sink(h->ctx, &run->items[i]);
        nb_item_clear(&run->items[i]);
    }
    free(run->items);
    run->items = NULL;
    run->item_count = run->item_alloc = 0;
}

static void on_fetched(void *user, const nb_http_response *r)
{
    pending_fetch *f = user;
    nb_source_run *run = f->run;
    run->in_flight--;
    if (f->conditional && r->error == NB_OK) {
        if (r->status == 304) {
            run->outcome->not_modified = 1;
        } else if (r->status == 200) {
            free(run->new_etag);
            free(run->new_last_modified);
            run->new_etag = nb_xstrdup(r->etag);
            run->new_last_modified = nb_xstrdup(r->last_modified);
        }
    }
    f->done(run, r, f->user);
    free(f);
    if (run->in_flight == 0)
        flush(run);
}

/* A source's policy: one more try for a server error, none for 503 (the site is busy or
 * blocking: come back next run) and none for client errors. */
static int source_should_retry(const nb_http_response *r)
{
    return r->error == NB_OK && r->status >= 500 && r->status != 503;
}

static void fetch(nb_source_run *run, const char *url, const char *const *headers,
                  nb_source_fetch_fn done, void *user, int conditional, int trusted)
{
    pending_fetch *f = nb_xcalloc(1, sizeof *f);
    *f = (pending_fetch){.run = run, .done = done, .user = user, .conditional = conditional};
    int64_t now_ms = nb_clock_monotonic_ms();
    int64_t start = run->next_start_ms > now_ms ? run->next_start_ms : now_ms;
    run->next_start_ms = start + run->delay_ms;
    nb_http_request req = {
        .url = url,
        .headers = headers,
        .caller = NB_HTTP_SOURCE,
        .proxy = run->outcome->config->proxy,
        .reach = run->owner->config->allow_private_networks ? NB_HTTP_ANYWHERE
                 : trusted                                  ? NB_HTTP_TRUSTED
                                                            : NB_HTTP_PUBLIC,
        .max_redirects = NB_LIMIT_REDIRECTS,
        .not_before_ms = start,
        .retry = {.max_retries = 1, .base_delay_ms = 1000, .should_retry = source_should_retry},
        .done = on_fetched,
        .user = f,
    };
    run->in_flight++;
    if (conditional) {
        req.if_none_match = run->state->etag;
        req.if_modified_since = run->state->last_modified;
    }
    nb_http_submit(run->http, &req);
}

void nb_source_fetch(nb_source_run *run, const char *url, const char *const *headers,
                     nb_source_fetch_fn done, void *user)
{
    fetch(run, url, headers, done, user, 0, 0);
}

void nb_source_fetch_conditional(nb_source_run *run, const char *url, const char *const *headers,
                                 nb_source_fetch_fn done, void *user)
{
    fetch(run, url, headers, done, user, 1, 1);
}

void nb_source_fetch_site(nb_source_run *run, const char *url, const char *const *headers,
                          nb_source_fetch_fn done, void *user)
{
    char *site_url = nb_source_site_url(run, url);
    fetch(run, site_url, headers, done, user, 0, 1);
    free(site_url);
}

int nb_source_expect_ok(nb_source_run *run, const nb_http_response *r, const char *what)
{
    if (r->error) {
        nb_source_fail(run, r->error, "%s: %s", what, r->error_message);
        return 0;
    }
    if (r->status == 200)
        return 1;
    if (r->status == 304)
        return 0;
    if (r->status == 403 || r->status == 429 || r->status == 503) {
        run->outcome->retry_after = r->retry_after;
        if (r->retry_after >= 0)
            nb_source_fail(run, NB_ERR_BLOCKED, "%s: %s: HTTP %ld, retry after %lld s", what,
                           r->url, r->status, (long long)r->retry_after);
        else
            nb_source_fail(run, NB_ERR_BLOCKED, "%s: %s: HTTP %ld", what, r->url, r->status);
        return 0;
    }
    nb_source_fail(run, NB_ERR_HTTP, "%s: %s: HTTP %ld", what, r->url, r->status);
    return 0;
}

void nb_source_emit(nb_source_run *run, nb_item *item)
{
    free(item->source);
    item->source = nb_xstrdup(run->outcome->config->name);
    run->items = nb_xgrow(run->items, &run->item_alloc, run->item_count + 1, sizeof *run->items);
    run->items[run->item_count++] = *item;
    run->owner->collection->item_count++;
    run->outcome->item_count++;
    memset(item, 0, sizeof *item);
}

void nb_source_set_title(nb_source_run *run, const char *title)
{
    free(run->outcome->title);
    run->outcome->title = title && *title ? nb_xstrdup(title) : NULL;
}

void nb_source_fail(nb_source_run *run, nb_err code, const char *fmt, ...)
{
    if (run->outcome->error)
        return;
    char msg[NB_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    run->outcome->status = code;
    run->outcome->error = nb_xstrdup(msg);
}

static void replace(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

/* What this run's result means for the source's next run. */
static void update_state(const nb_config *config, nb_source_run *run)
{
    nb_source_state *st = run->state;
    const nb_source_outcome *o = run->outcome;
    replace(&st->type, nb_xstrdup(o->config->type));
    st->last_attempt_at = run->now;
    if (o->title)
        replace(&st->title, nb_xstrdup(o->title));
    if (o->status == NB_OK) {
        st->consecutive_errors = 0;
        st->next_fetch_at = 0;
        st->last_success_at = run->now;
        replace(&st->last_error, NULL);
        if (run->new_etag || run->new_last_modified) {
            replace(&st->etag, run->new_etag);
            replace(&st->last_modified, run->new_last_modified);
            run->new_etag = run->new_last_modified = NULL;
        }
        return;
    }
    st->consecutive_errors++;
    replace(&st->last_error, nb_xstrdup(o->error));
    int64_t wait = 0;
    if (st->consecutive_errors >= config->failures_before_backoff) {
        int doublings = st->consecutive_errors - (int)config->failures_before_backoff;
        wait = BACKOFF_BASE_SECONDS;
        while (doublings-- > 0 && wait < BACKOFF_MAX_SECONDS)
            wait *= 2;
    }
    if (o->retry_after > wait)
        wait = o->retry_after;
    if (wait > BACKOFF_MAX_SECONDS)
        wait = BACKOFF_MAX_SECONDS;
    st->next_fetch_at = wait ? run->now + wait : 0;
    if (wait) {
        char until[32];
        nb_time_format_iso(st->next_fetch_at, until, sizeof until);
        nb_log(NB_LOG_WARN, "source", "name=%s failures=%d backoff_until=%s", o->config->name,
               st->consecutive_errors, until);
    }
}

nb_collection *nb_collect(const nb_config *config, nb_http *http, int64_t now,
                          nb_source_state *states, const nb_collect_hooks *hooks)
{
    nb_collection *c = nb_xcalloc(1, sizeof *c);
    collector owner = {.collection = c, .config = config, .hooks = hooks};
    size_t n = config->source_count ? config->source_count : 1;
    c->outcomes = nb_xcalloc(n, sizeof *c->outcomes);
    nb_source_run *runs = nb_xcalloc(n, sizeof *runs);
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *sc = &config->sources[i];
        if (!sc->enabled)
            continue;
        nb_source_outcome *o = &c->outcomes[c->outcome_count++];
        o->config = sc;
        o->retry_after = -1;
        const nb_source_adapter *a = nb_source_adapter_find(sc->type);
        nb_source_run *run = &runs[i];
        *run = (nb_source_run){
            .owner = &owner, .outcome = o, .state = &states[i], .http = http, .now = now};
        run->delay_ms = sc->delay_ms >= 0 ? (long)sc->delay_ms : a ? a->default_delay_ms : 0;
        if (states[i].next_fetch_at > now) {
            char until[32];
            nb_time_format_iso(states[i].next_fetch_at, until, sizeof until);
            o->skipped = 1;
            nb_log(NB_LOG_WARN, "source", "name=%s skipped=backoff until=%s", sc->name, until);
            continue;
        }
        if (!a) {
            nb_source_fail(run, NB_ERR_CONFIG, "no adapter for type %s", sc->type);
            continue;
        }
        nb_log(NB_LOG_INFO, "source", "name=%s start", sc->name);
        a->start(run);
    }
    nb_http_run(http);
    for (size_t i = 0; i < config->source_count; i++) {
        /* A disabled source was never started: nothing to flush or record. */
        if (!runs[i].owner)
            continue;
        flush(&runs[i]); /* a source that emitted without a request (none today) */
        if (!runs[i].outcome->skipped)
            update_state(config, &runs[i]);
        free(runs[i].new_etag);
        free(runs[i].new_last_modified);
    }
    free(runs);
    return c;
}

void nb_collection_free(nb_collection *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->outcome_count; i++) {
        free(c->outcomes[i].error);
        free(c->outcomes[i].title);
    }
    free(c->outcomes);
    free(c);
}
