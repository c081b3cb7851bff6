/* SPDX-License-Identifier: MIT */
/* type: slack — Slack incoming webhook, Block Kit: a header block, then per item a mrkdwn
 * section ("*n. <url|title>*  time\nsummary") and an image block when the item has one.
 * Sections stay within 2900 code points (cap 3000) and messages within 50 blocks. The
 * answer is the plain text "ok". */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

#define MAX_BLOCKS 50
#define SECTION_BUDGET 2900

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the incoming webhook URL "
                       "(https://hooks.slack.com/services/...)");
    return NB_OK;
}

/* Our own text and URLs in mrkdwn: & < > escaped; '|' would end a link's text early. */
static void put(nb_buf *b, const char *text, int in_link)
{
    for (const char *p = text; *p; p++) {
        nb_err rc = *p == '&'                ? nb_buf_puts(b, "&amp;")
                    : *p == '<'              ? nb_buf_puts(b, "&lt;")
                    : *p == '>'              ? nb_buf_puts(b, "&gt;")
                    : (*p == '|' && in_link) ? nb_buf_puts(b, "｜")
                                             : nb_buf_putc(b, *p);
        if (rc)
            return;
    }
}

/* Source text in the mrkdwn dialect. */
static void put_source(nb_buf *b, const char *text, unsigned flags)
{
    char *escaped = nb_escape(text, NB_DIALECT_SLACK_MRKDWN, flags);
    if (nb_buf_puts(b, escaped)) {
        /* capped above what capped input makes: cannot fail */
    }
    free(escaped);
}

/* One section block per item (its picture in an image block after it). */
typedef struct writer {
    json_t *blocks;
    nb_buf b;       /* the section being built */
    size_t longest; /* the longest section so far, in code points */
} writer;

static void put_title(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    nb_buf_reset(&w->b);
    if (nb_buf_printf(&w->b, "*%zu. <", p->number) == NB_OK) {
        put(&w->b, p->item->url, 1);
        if (nb_buf_putc(&w->b, '|') == NB_OK)
            put_source(&w->b, p->item->title, NB_ESCAPE_LINK_TEXT);
    }
    if (nb_buf_printf(&w->b, ">*  %s", p->when)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    put(&w->b, "\n", 0);
    put_source(&w->b, p->item->summary, NB_ESCAPE_LINE_START);
}

static void put_related(void *ctx, const nb_item_parts *p, size_t k)
{
    writer *w = ctx;
    put(&w->b, k ? " · " : "\n", 0);
    if (!k)
        put(&w->b, p->related_prefix, 0);
    if (nb_buf_putc(&w->b, '<') == NB_OK) {
        put(&w->b, p->item->related[k].url, 1);
        if (nb_buf_putc(&w->b, '|') == NB_OK)
            put_source(&w->b, p->item->related[k].label, NB_ESCAPE_LINK_TEXT);
        if (nb_buf_putc(&w->b, '>')) {
            /* capped above what capped input makes: cannot fail */
        }
    }
}

static void put_end(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    size_t n = nb_measure(nb_buf_str(&w->b), NB_UNIT_CODEPOINTS);
    if (n > w->longest)
        w->longest = n;
    json_array_append_new(w->blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                               "type", "mrkdwn", "text", nb_buf_str(&w->b)));
    if (p->item->image) {
        char *alt = nb_escape(p->item->title, NB_DIALECT_CHAT_TEXT, 0);
        json_array_append_new(w->blocks, json_pack("{s:s, s:s, s:s}", "type", "image", "image_url",
                                                   p->item->image, "alt_text", alt));
        free(alt);
    }
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    char *short_header = nb_text_cut(header, 150);
    writer w = {.blocks = json_array()};
    nb_buf_init(&w.b, NB_LIMIT_MESSAGE_BYTES);
    json_array_append_new(w.blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text",
                                              "type", "plain_text", "text", short_header));
    static const nb_item_writer writer_of = {
        .title = put_title, .summary = put_summary, .related = put_related, .end = put_end};
    nb_message_write_items(m, &writer_of, &w);
    nb_buf_free(&w.b);
    json_t *blocks = w.blocks;
    size_t longest = w.longest;
    /* Two limits in one measure: the longest section, and the block count. */
    *size = json_array_size(blocks) > MAX_BLOCKS ? SECTION_BUDGET + 1 : longest;
    json_t *body = json_pack("{s:s, s:o}", "text", header, "blocks", blocks);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    free(header);
    free(short_header);
    return out;
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    nb_verdict v;
    if (nb_classify_transport(r, &v, retry_after, why, n))
        return v;
    snprintf(why, n, "HTTP %ld: %.200s", r->status, r->body);
    if (r->status == 200)
        return NB_ACCEPTED;
    if (r->status == 400)
        return NB_PAYLOAD; /* invalid_payload, no_text, too_many_attachments */
    return NB_CONFIG;      /* 403 invalid_token, 404 no_service, 410 channel_is_archived */
}

const nb_channel_kind nb_slack_channel = {
    .type = "slack",
    .check = check,
    .unit = NB_UNIT_CODEPOINTS,
    .budget = SECTION_BUDGET,
    .render = render,
    .request = nb_request_plain,
    .classify = classify,
    .min_interval_ms = 1000,
};
