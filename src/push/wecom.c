/* SPDX-License-Identifier: MIT */
/* type: wecom — WeCom (企业微信) group bot. markdown messages of at most 4000 UTF-8 bytes
 * (the platform's cap is 4096); mode text for personal WeChat (2000 bytes, no markdown);
 * images: news adds a card of up to 8 items with pictures after each message, since
 * WeCom markdown does not render images. Answers carry errcode in a 200 body. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

static int text_mode(const nb_channel_config *c)
{
    return c->mode && !strcmp(c->mode, "text");
}

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the webhook URL WeCom hands out "
                       "(https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...)");
    if (c->mode && strcmp(c->mode, "markdown") && strcmp(c->mode, "text"))
        return nb_errf(err, NB_ERR_CONFIG, "mode \"%s\" is not markdown or text", c->mode);
    if (c->images && strcmp(c->images, "news") && strcmp(c->images, "none"))
        return nb_errf(err, NB_ERR_CONFIG, "images \"%s\" is not news or none", c->images);
    return NB_OK;
}

static void add(nb_buf *b, const char *s)
{
    if (nb_buf_puts(b, s)) {
        /* capped above what capped input makes: cannot fail */
    }
}

/* The item parts in markdown, or in plain text (text mode: no links, no related line). */
typedef struct writer {
    nb_buf b;
    int text;
} writer;

static void put_title(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    char number[32];
    snprintf(number, sizeof number, "%zu. ", p->number);
    add(&w->b, w->text ? "\n\n" : "\n\n## ");
    add(&w->b, number);
    if (w->text) {
        char *title = nb_escape(p->item->title, NB_DIALECT_CHAT_TEXT, 0);
        add(&w->b, title);
        add(&w->b, "\n");
        add(&w->b, p->item->url);
        add(&w->b, "   ");
        free(title);
    } else {
        char *title = nb_escape(p->item->title, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINK_TEXT);
        char *url = nb_url_escape_markdown(p->item->url);
        add(&w->b, "[");
        add(&w->b, title);
        add(&w->b, "](");
        add(&w->b, url);
        add(&w->b, ")   ");
        free(title);
        free(url);
    }
    add(&w->b, p->when);
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    char *summary =
        w->text ? nb_escape(p->item->summary, NB_DIALECT_CHAT_TEXT, 0)
                : nb_escape(p->item->summary, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINE_START);
    add(&w->b, w->text ? "\n" : "\n\n");
    add(&w->b, summary);
    free(summary);
}

static void put_related(void *ctx, const nb_item_parts *p, size_t k)
{
    writer *w = ctx;
    if (!k)
        add(&w->b, "\n\n");
    if (nb_chat_related_put(&w->b, p->item, p->related_prefix, k)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static char *render_content(const nb_channel_config *c, const nb_message *m)
{
    writer w = {.text = text_mode(c)};
    nb_buf_init(&w.b, NB_LIMIT_MESSAGE_BYTES);
    char *header = nb_message_header(m, c->keyword);
    add(&w.b, w.text ? "" : "# ");
    add(&w.b, header);
    free(header);
    const nb_item_writer markdown = {
        .title = put_title, .summary = put_summary, .related = put_related};
    const nb_item_writer text = {.title = put_title, .summary = put_summary};
    nb_message_write_items(m, w.text ? &text : &markdown, &w);
    return nb_buf_take(&w.b);
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *content = render_content(c, m);
    *size = strlen(content);
    const char *type = text_mode(c) ? "text" : "markdown";
    json_t *body = json_pack("{s:s, s:{s:s}}", "msgtype", type, type, "content", content);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    free(content);
    return out;
}

/* A news card of the message's items that have a picture (at most 8). */
static void extras(const nb_channel_config *c, const nb_message *m, nb_payload **out, size_t *count,
                   size_t *alloc)
{
    if (!c->images || strcmp(c->images, "news"))
        return;
    json_t *articles = json_array();
    for (size_t i = 0; i < m->count && json_array_size(articles) < 8; i++) {
        const nb_item *it = &m->items[i];
        if (!it->image)
            continue;
        char *plain_title = nb_escape(it->title, NB_DIALECT_CHAT_TEXT, 0);
        char *plain_desc = nb_escape(it->summary, NB_DIALECT_CHAT_TEXT, 0);
        char *title = nb_text_cut(plain_title, 40); /* 128 bytes */
        char *desc = nb_text_cut(plain_desc, 160);  /* 512 bytes */
        free(plain_title);
        free(plain_desc);
        json_array_append_new(articles,
                              json_pack("{s:s, s:s, s:s, s:s}", "title", title, "description", desc,
                                        "url", it->url, "picurl", it->image));
        free(title);
        free(desc);
    }
    if (json_array_size(articles)) {
        json_t *body = json_pack("{s:s, s:{s:o}}", "msgtype", "news", "news", "articles", articles);
        *out = nb_xgrow(*out, alloc, *count + 1, sizeof **out);
        (*out)[(*count)++] = (nb_payload){NULL, json_dumps(body, JSON_COMPACT)};
        json_decref(body);
    } else {
        json_decref(articles);
    }
}

/* text.content is capped at 2048 bytes, markdown.content at 4096. */
static size_t budget(const nb_channel_config *c)
{
    return text_mode(c) ? 2000 : 4000;
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    /* 45009 too frequent; 40058 too long; 93000 invalid webhook url and anything unknown
     * stop the channel */
    return nb_classify_errcode(r, 45009, 40058, retry_after, why, n);
}

const nb_channel_kind nb_wecom_channel = {
    .type = "wecom",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget_of = budget,
    .render = render,
    .extras = extras,
    .request = nb_request_plain,
    .classify = classify,
    .per_minute = 20,
    .retry_floor = 60,
};
