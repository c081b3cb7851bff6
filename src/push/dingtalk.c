/* SPDX-License-Identifier: MIT */
/* type: dingtalk — DingTalk (钉钉) custom robot. markdown messages; the serialized body is
 * kept within 18000 bytes (the platform's cap is 20000). With a secret (加签), every request
 * carries timestamp (ms) and sign = URL-encoded Base64(HMAC-SHA256(secret,
 * timestamp + "\n" + secret)) in its query. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the robot's webhook URL "
                       "(https://oapi.dingtalk.com/robot/send?access_token=...)");
    if (c->secret && strncmp(c->secret, "SEC", 3) != 0)
        return nb_errf(err, NB_ERR_CONFIG, "\"secret\" of a DingTalk robot starts with SEC");
    return NB_OK;
}

static void add(nb_buf *b, const char *s)
{
    if (nb_buf_puts(b, s)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static void put_title(void *ctx, const nb_item_parts *p)
{
    nb_buf *b = ctx;
    char number[32];
    snprintf(number, sizeof number, "%zu. [", p->number);
    char *title = nb_escape(p->item->title, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINK_TEXT);
    char *url = nb_url_escape_markdown(p->item->url);
    add(b, p->first ? "\n\n#### " : "\n\n---\n\n#### ");
    add(b, number);
    add(b, title);
    add(b, "](");
    add(b, url);
    add(b, ")   ");
    add(b, p->when);
    free(title);
    free(url);
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    char *summary = nb_escape(p->item->summary, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINE_START);
    add(ctx, "\n\n");
    add(ctx, summary);
    free(summary);
}

static void put_related(void *ctx, const nb_item_parts *p, size_t k)
{
    if (!k)
        add(ctx, "\n\n");
    if (nb_chat_related_put(ctx, p->item, p->related_prefix, k)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static void put_image(void *ctx, const nb_item_parts *p)
{
    char *image = nb_url_escape_markdown(p->item->image);
    add(ctx, "\n\n![](");
    add(ctx, image);
    add(ctx, ")");
    free(image);
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    char *header = nb_message_header(m, c->keyword);
    add(&b, "### ");
    add(&b, header);
    static const nb_item_writer writer = {
        .title = put_title, .summary = put_summary, .related = put_related, .image = put_image};
    nb_message_write_items(m, &writer, &b);
    /* The notification shows title: keep it short and non-empty. */
    char *text = nb_buf_take(&b);
    char *short_title = nb_xasprintf("%s%s%s %s", c->keyword ? c->keyword : "",
                                     c->keyword ? " " : "", m->title, m->stamp + 11);
    json_t *body = json_pack("{s:s, s:{s:s, s:s}, s:{s:b}}", "msgtype", "markdown", "markdown",
                             "title", short_title, "text", text, "at", "isAtAll", 0);
    char *out = json_dumps(body, JSON_COMPACT);
    *size = strlen(out);
    json_decref(body);
    free(short_title);
    free(text);
    free(header);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    if (!c->secret) {
        nb_request_plain(c, method, payload, now, out);
        return;
    }
    char stamp[32], sign[64];
    snprintf(stamp, sizeof stamp, "%lld", (long long)now * 1000);
    char *to_sign = nb_xasprintf("%s\n%s", stamp, c->secret);
    nb_hmac_sha256_base64(c->secret, strlen(c->secret), to_sign, strlen(to_sign), sign);
    char *escaped = nb_url_encode_component(sign);
    nb_request_json(out,
                    nb_xasprintf("%s%stimestamp=%s&sign=%s", c->url,
                                 strchr(c->url, '?') ? "&" : "?", stamp, escaped),
                    nb_xstrdup(payload));
    free(escaped);
    free(to_sign);
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    /* 130101 sent too fast (throttled for 10 minutes); 460101 too long; 310000 signature,
     * keyword or IP and 300001 token stop the channel */
    return nb_classify_errcode(r, 130101, 460101, retry_after, why, n);
}

const nb_channel_kind nb_dingtalk_channel = {
    .type = "dingtalk",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget = 18000,
    .render = render,
    .request = request,
    .classify = classify,
    .per_minute = 20,
    .retry_floor = 600,
};
