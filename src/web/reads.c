/* SPDX-License-Identifier: MIT */
/* What the HTML pages and the JSON API read of the store alike: one briefing, one item with the
 * other reports of its story and the briefings that carried it, and each source's health (its
 * stored state and counts). Each is read once here and shown twice, so the page and the API
 * always agree. A failed read answers 404 or 500 in the request's kind. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/redact.h"
#include "web/web_private.h"

void nb_web_store_failed(nb_web_request *r, nb_web_reply *o, const nb_errbuf *err)
{
    nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err->msg);
    nb_web_error(r, o, 500, "store", "the archive could not read its database");
}

nb_err nb_web_briefing_load(nb_web_request *r, nb_web_reply *o, const char *slug, nb_briefing *b)
{
    int found = 0;
    nb_errbuf err;
    memset(b, 0, sizeof *b);
    if (nb_store_briefing_get(r->store, slug, b, &found, &err) != NB_OK) {
        nb_web_store_failed(r, o, &err);
        return NB_ERR_STORE;
    }
    if (!found) {
        nb_web_error(r, o, 404, "not_found", "no briefing has this id");
        return NB_ERR_USAGE;
    }
    return NB_OK;
}

nb_err nb_web_item_load(nb_web_request *r, nb_web_reply *o, int64_t id, nb_web_item_view *v)
{
    memset(v, 0, sizeof *v);
    int found = 0;
    nb_errbuf err;
    if (id <= 0) {
        nb_web_error(r, o, 404, "not_found", "no item has this id");
        return NB_ERR_USAGE;
    }
    if (nb_store_item_get(r->store, id, &v->item, &found, &v->others, &v->other_count, &err) !=
        NB_OK) {
        nb_web_store_failed(r, o, &err);
        return NB_ERR_STORE;
    }
    if (!found) {
        nb_web_error(r, o, 404, "not_found", "no item has this id");
        return NB_ERR_USAGE;
    }
    if (nb_store_item_briefings(r->store, id, &v->carried, &v->carried_count, &err) != NB_OK) {
        nb_web_item_view_free(v);
        nb_web_store_failed(r, o, &err);
        return NB_ERR_STORE;
    }
    return NB_OK;
}

void nb_web_item_view_free(nb_web_item_view *v)
{
    nb_item_clear(&v->item);
    nb_items_free(v->others, v->other_count);
    nb_briefings_free(v->carried, v->carried_count);
    memset(v, 0, sizeof *v);
}

nb_err nb_web_health_load(nb_web_request *r, nb_web_reply *o, nb_web_health *h)
{
    memset(h, 0, sizeof *h);
    nb_errbuf err;
    if (nb_store_source_list(r->store, &h->states, &h->state_count, &err) != NB_OK ||
        nb_store_source_stats(r->store, &h->stats, &h->stats_count, &err) != NB_OK) {
        nb_web_health_free(h);
        nb_web_store_failed(r, o, &err);
        return NB_ERR_STORE;
    }
    return NB_OK;
}

const nb_source_state *nb_web_health_state(const nb_web_health *h, const char *name)
{
    const nb_source_state *found = NULL;
    for (size_t k = 0; k < h->state_count; k++)
        if (!strcmp(h->states[k].name, name))
            found = &h->states[k];
    return found;
}

const nb_source_stats *nb_web_health_stats(const nb_web_health *h, const char *name)
{
    const nb_source_stats *found = NULL;
    for (size_t k = 0; k < h->stats_count; k++)
        if (!strcmp(h->stats[k].name, name))
            found = &h->stats[k];
    return found;
}

int nb_web_health_error(const nb_source_state *st, char *out, size_t n)
{
    out[0] = '\0';
    if (!st || !st->last_error)
        return 0;
    nb_redact_copy(st->last_error, out, n);
    return 1;
}

void nb_web_health_free(nb_web_health *h)
{
    for (size_t i = 0; i < h->state_count; i++)
        nb_source_state_clear(&h->states[i]);
    free(h->states);
    nb_source_stats_free(h->stats, h->stats_count);
    memset(h, 0, sizeof *h);
}
