/* Collection: starts every enabled source on the shared engine, gathers what the
 * adapters emit, and records one outcome per source. A source's failure never stops
 * the others. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/memory.h"
#include "sources/source.h"

typedef struct collector {
    nb_collection *collection;
    size_t item_alloc; /* capacity of collection->items */
} collector;

struct nb_source_run {
    collector *owner;
    nb_source_outcome *outcome;
    nb_http *http;
    int64_t now;
};

typedef struct pending_fetch {
    nb_source_run *run;
    nb_source_fetch_fn done;
    void *user;
} pending_fetch;

const nb_source_config *nb_source_config_of(const nb_source_run *run)
{
    return run->outcome->config;
}

int64_t nb_source_now(const nb_source_run *run)
{
    return run->now;
}

static void on_fetched(void *user, const nb_http_response *response)
{
    pending_fetch *f = user;
    f->done(f->run, response, f->user);
    free(f);
}

void nb_source_fetch(nb_source_run *run, const char *url, const char *const *headers,
                     nb_source_fetch_fn done, void *user)
{
    pending_fetch *f = nb_xcalloc(1, sizeof *f);
    f->run = run;
    f->done = done;
    f->user = user;
    nb_http_request req = {
        .url = url,
        .headers = headers,
        .caller = NB_HTTP_SOURCE,
        .done = on_fetched,
        .user = f,
    };
    nb_http_submit(run->http, &req);
}

void nb_source_emit(nb_source_run *run, nb_item *item)
{
    nb_collection *c = run->owner->collection;
    c->items = nb_xgrow(c->items, &run->owner->item_alloc, c->item_count + 1, sizeof *c->items);
    c->items[c->item_count] = *item;
    free(c->items[c->item_count].source);
    c->items[c->item_count].source = nb_xstrdup(run->outcome->config->name);
    c->item_count++;
    run->outcome->item_count++;
    memset(item, 0, sizeof *item);
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

nb_collection *nb_collect(const nb_config *config, nb_http *http, int64_t now)
{
    nb_collection *c = nb_xcalloc(1, sizeof *c);
    collector owner = {.collection = c};
    c->outcomes = nb_xcalloc(config->source_count ? config->source_count : 1, sizeof *c->outcomes);
    nb_source_run *runs = nb_xcalloc(config->source_count ? config->source_count : 1, sizeof *runs);
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *sc = &config->sources[i];
        if (!sc->enabled)
            continue;
        nb_source_outcome *o = &c->outcomes[c->outcome_count++];
        o->config = sc;
        nb_source_run *run = &runs[i];
        *run = (nb_source_run){.owner = &owner, .outcome = o, .http = http, .now = now};
        const nb_source_adapter *a = nb_source_adapter_find(sc->type);
        if (!a) {
            nb_source_fail(run, NB_ERR_CONFIG, "no adapter for type %s", sc->type);
            continue;
        }
        nb_log(NB_LOG_INFO, "source", "name=%s start", sc->name);
        a->start(run);
    }
    nb_http_run(http);
    free(runs);
    return c;
}

void nb_collection_free(nb_collection *c)
{
    if (!c)
        return;
    nb_items_free(c->items, c->item_count);
    for (size_t i = 0; i < c->outcome_count; i++)
        free(c->outcomes[i].error);
    free(c->outcomes);
    free(c);
}
