/* SPDX-License-Identifier: MIT */
/* Composition: a briefing's items become a channel's messages. Pages of items_per_page are
 * split only at item boundaries, greedily, until each message fits the platform's budget;
 * room for the "(i/n)" marker is reserved while splitting. The item walk every channel
 * renders a message with (nb_message_write_items) lives here too. Pure: no I/O. */
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/time.h"
#include "push/channel.h"
#include "push/push.h"
#include "text/text.h"

typedef struct group {
    size_t start, count; /* items of a rendered message */
    char *alone;         /* or: one item's own payload */
    const char *alone_method;
} group;

static size_t measure(const nb_channel_kind *kind, const nb_channel_config *ch,
                      const nb_message *templ, const nb_item *items, size_t count)
{
    nb_message m = *templ;
    m.items = items;
    m.count = count;
    size_t size = 0;
    free(kind->render(ch, &m, &size));
    return size;
}

static void push_message(nb_push_message **out, size_t *n, size_t *alloc, const char *method,
                         char *body, const group *g)
{
    *out = nb_xgrow(*out, alloc, *n + 1, sizeof **out);
    (*out)[(*n)++] = (nb_push_message){nb_xstrdup(method), body, g->start, g->count};
}

nb_err nb_push_compose(const nb_config *config, const nb_channel_config *ch, int64_t now,
                       const nb_item *items, size_t count, nb_push_message **messages,
                       size_t *message_count, nb_errbuf *err)
{
    const nb_channel_kind *kind = nb_channel_kind_find(ch->type);
    *messages = NULL;
    *message_count = 0;
    if (!kind)
        return nb_errf(err, NB_ERR_CONFIG, "channel %s: type %s has no messages", ch->name,
                       ch->type);
    size_t budget = kind->budget_of ? kind->budget_of(ch) : kind->budget;
    size_t per_page =
        (size_t)(ch->items_per_page > 0 ? ch->items_per_page : config->items_per_page);
    if (kind->whole_briefing)
        per_page = count ? count : 1;
    char stamp[32];
    nb_time_format_display(now, stamp, sizeof stamp);
    /* Items are copied so that an oversized one can get a shorter summary. */
    nb_item *copy = nb_xcalloc(count ? count : 1, sizeof *copy);
    char **shortened = nb_xcalloc(count ? count : 1, sizeof *shortened);
    memcpy(copy, items, count * sizeof *copy);
    nb_message templ = {.title = config->title,
                        .header = config->header,
                        .stamp = stamp,
                        .now = now,
                        .related_prefix = config->related_prefix};
    if (ch->page_marker)
        templ.part = templ.parts = 99; /* the widest marker, while splitting */
    group *groups = NULL;
    size_t groups_n = 0, groups_alloc = 0;
    nb_err rc = NB_OK;
    for (size_t page = 0; page < count && !rc; page += per_page) {
        size_t end = page + per_page < count ? page + per_page : count;
        size_t i = page;
        while (i < end && !rc) {
            const char *method = NULL;
            char *alone = kind->alone ? kind->alone(ch, &copy[i], &method) : NULL;
            groups = nb_xgrow(groups, &groups_alloc, groups_n + 1, sizeof *groups);
            if (alone) {
                groups[groups_n++] = (group){i, 1, alone, method};
                i++;
                continue;
            }
            /* An item too big alone: shorten its summary at a sentence end. */
            while (measure(kind, ch, &templ, &copy[i], 1) > budget) {
                size_t len = copy[i].summary ? nb_utf8_length(copy[i].summary) : 0;
                if (len < 10) {
                    rc = nb_errf(err, NB_ERR_LIMIT,
                                 "channel %s: item \"%.80s\" does not fit in %zu even without "
                                 "its summary",
                                 ch->name, copy[i].title, budget);
                    break;
                }
                char *shorter = nb_text_cut(copy[i].summary, len * 4 / 5);
                free(shortened[i]);
                shortened[i] = shorter;
                copy[i].summary = shorter;
            }
            size_t j = i + 1;
            while (j < end) {
                const char *m2 = NULL;
                char *next_alone = kind->alone ? kind->alone(ch, &copy[j], &m2) : NULL;
                free(next_alone);
                if (next_alone || measure(kind, ch, &templ, &copy[i], j + 1 - i) > budget)
                    break;
                j++;
            }
            groups[groups_n++] = (group){i, j - i, NULL, NULL};
            i = j;
        }
    }
    size_t alloc = 0;
    for (size_t g = 0; g < groups_n; g++) {
        if (rc) {
            free(groups[g].alone);
            continue;
        }
        if (groups[g].alone) {
            push_message(messages, message_count, &alloc, groups[g].alone_method, groups[g].alone,
                         &groups[g]);
            continue;
        }
        nb_message m = templ;
        m.items = &copy[groups[g].start];
        m.count = groups[g].count;
        m.part = (int)g + 1;
        m.parts = ch->page_marker ? (int)groups_n : 1;
        size_t size;
        push_message(messages, message_count, &alloc, kind->method, kind->render(ch, &m, &size),
                     &groups[g]);
        if (kind->extras) {
            nb_payload *extra = NULL;
            size_t extra_n = 0, extra_alloc = 0;
            kind->extras(ch, &m, &extra, &extra_n, &extra_alloc);
            for (size_t k = 0; k < extra_n; k++) {
                /* a card repeats items the message carries: it carries none itself */
                group none = {groups[g].start, 0, NULL, NULL};
                push_message(messages, message_count, &alloc, extra[k].method, extra[k].body,
                             &none);
                free(extra[k].method);
            }
            free(extra);
        }
    }
    if (rc) {
        nb_push_messages_free(*messages, *message_count);
        *messages = NULL;
        *message_count = 0;
    }
    for (size_t i = 0; i < count; i++)
        free(shortened[i]);
    free(shortened);
    free(copy);
    free(groups);
    return rc;
}

void nb_message_write_items(const nb_message *m, const nb_item_writer *w, void *ctx)
{
    int related = w->related && m->related_prefix && *m->related_prefix;
    for (size_t i = 0; i < m->count; i++) {
        const nb_item *it = &m->items[i];
        nb_item_parts p = {.item = it,
                           .number = i + 1,
                           .first = i == 0,
                           .last = i + 1 == m->count,
                           .related_prefix = related ? m->related_prefix : NULL};
        nb_item_time(it, p.when, sizeof p.when);
        w->title(ctx, &p);
        if (w->summary && it->summary && *it->summary)
            w->summary(ctx, &p);
        for (size_t k = 0; related && k < it->related_count; k++)
            w->related(ctx, &p, k);
        if (w->image && it->image)
            w->image(ctx, &p);
        if (w->end)
            w->end(ctx, &p);
    }
}

void nb_push_messages_free(nb_push_message *messages, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(messages[i].method);
        free(messages[i].body);
    }
    free(messages);
}
