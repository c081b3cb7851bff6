/* SPDX-License-Identifier: MIT */
/* type: slack — Slack incoming webhook, Block Kit: a header block, then per item a mrkdwn
 * section ("*n. <url|title>*  time\nsummary") and an image block when the item has one.
 * Sections stay within 2900 code points (cap 3000) and messages within 50 blocks. The
 * answer is the plain text "ok". */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
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
        /* unlimited buffer */
    }
    free(escaped);
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    char *short_header = nb_text_cut(header, 150);
    json_t *blocks = json_array();
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text", "type",
                                            "plain_text", "text", short_header));
    size_t longest = 0;
    for (size_t i = 0; i < m->count; i++) {
        const nb_item *it = &m->items[i];
        char when[32];
        nb_item_time(it, when, sizeof when);
        nb_buf b;
        nb_buf_init(&b, 0);
        if (nb_buf_printf(&b, "*%zu. <", i + 1) == NB_OK) {
            put(&b, it->url, 1);
            if (nb_buf_putc(&b, '|') == NB_OK)
                put_source(&b, it->title, NB_ESCAPE_LINK_TEXT);
        }
        if (nb_buf_printf(&b, ">*  %s", when) == NB_OK && it->summary && *it->summary) {
            put(&b, "\n", 0);
            put_source(&b, it->summary, NB_ESCAPE_LINE_START);
        }
        for (size_t k = 0; m->related_prefix && *m->related_prefix && k < it->related_count; k++) {
            put(&b, k ? " · " : "\n", 0);
            if (!k)
                put(&b, m->related_prefix, 0);
            if (nb_buf_putc(&b, '<') == NB_OK) {
                put(&b, it->related[k].url, 1);
                if (nb_buf_putc(&b, '|') == NB_OK)
                    put_source(&b, it->related[k].label, NB_ESCAPE_LINK_TEXT);
                if (nb_buf_putc(&b, '>')) {
                    /* unlimited buffer */
                }
            }
        }
        size_t n = nb_measure(nb_buf_str(&b), NB_UNIT_CODEPOINTS);
        if (n > longest)
            longest = n;
        json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                                "type", "mrkdwn", "text", nb_buf_str(&b)));
        if (it->image) {
            char *alt = nb_escape(it->title, NB_DIALECT_CHAT_TEXT, 0);
            json_array_append_new(blocks, json_pack("{s:s, s:s, s:s}", "type", "image", "image_url",
                                                    it->image, "alt_text", alt));
            free(alt);
        }
        nb_buf_free(&b);
    }
    /* Two limits in one measure: the longest section, and the block count. */
    *size = json_array_size(blocks) > MAX_BLOCKS ? SECTION_BUDGET + 1 : longest;
    json_t *body = json_pack("{s:s, s:o}", "text", header, "blocks", blocks);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    free(header);
    free(short_header);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    (void)method, (void)now;
    nb_request_json(out, nb_xstrdup(c->url), nb_xstrdup(payload));
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
    .request = request,
    .classify = classify,
    .min_interval_ms = 1000,
};
