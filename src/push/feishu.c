/* SPDX-License-Identifier: MIT */
/* type: feishu — Feishu / Lark custom bot. A post (rich text) or an interactive card
 * (format: card); the serialized body is kept within 18000 bytes (cap 20 KB). With a
 * secret, the body carries timestamp (s) and sign = Base64(HMAC-SHA256(key = timestamp +
 * "\n" + secret, message = "")) — the key and message are the other way round from
 * DingTalk's. Answers carry code in a 200 body. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"

static int card(const nb_channel_config *c)
{
    return c->format && !strcmp(c->format, "card");
}

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the bot's webhook URL "
                       "(https://open.feishu.cn/open-apis/bot/v2/hook/...)");
    if (c->format && strcmp(c->format, "post") && strcmp(c->format, "card"))
        return nb_errf(err, NB_ERR_CONFIG, "format \"%s\" is not post or card", c->format);
    return NB_OK;
}

static json_t *text_tag(const char *text)
{
    return json_pack("{s:s, s:s}", "tag", "text", "text", text);
}

/* Post text tags are plain text; still no "@" or "<" that could read as a mention. */
static json_t *source_tag(const char *text)
{
    char *plain = nb_escape(text, NB_DIALECT_CHAT_TEXT, 0);
    json_t *tag = text_tag(plain);
    free(plain);
    return tag;
}

static json_t *source_link(const char *text, const char *href)
{
    char *plain = nb_escape(text, NB_DIALECT_CHAT_TEXT, 0);
    json_t *tag = json_pack("{s:s, s:s, s:s}", "tag", "a", "text", plain, "href", href);
    free(plain);
    return tag;
}

/* A post: one line (an array of tags) per part, an empty line between items. */
typedef struct post {
    json_t *lines;
    json_t *related; /* the related line being built */
} post;

static void post_title(void *ctx, const nb_item_parts *p)
{
    post *w = ctx;
    char number[32], spaced[40];
    snprintf(number, sizeof number, "%zu. ", p->number);
    snprintf(spaced, sizeof spaced, "   %s", p->when);
    json_array_append_new(w->lines,
                          json_pack("[o, o, o]", text_tag(number),
                                    source_link(p->item->title, p->item->url), text_tag(spaced)));
}

static void post_summary(void *ctx, const nb_item_parts *p)
{
    post *w = ctx;
    json_array_append_new(w->lines, json_pack("[o]", source_tag(p->item->summary)));
}

static void post_related(void *ctx, const nb_item_parts *p, size_t k)
{
    post *w = ctx;
    const nb_item_link *link = &p->item->related[k];
    if (!k)
        w->related = json_pack("[o]", text_tag(p->related_prefix));
    else
        json_array_append_new(w->related, text_tag(" · "));
    json_array_append_new(w->related, source_link(link->label, link->url));
    if (k + 1 == p->item->related_count)
        json_array_append_new(w->lines, w->related);
}

static void post_end(void *ctx, const nb_item_parts *p)
{
    post *w = ctx;
    if (!p->last)
        json_array_append_new(w->lines, json_pack("[o]", text_tag("")));
}

static json_t *post_content(const nb_message *m)
{
    post w = {json_array(), NULL};
    static const nb_item_writer writer = {
        .title = post_title, .summary = post_summary, .related = post_related, .end = post_end};
    nb_message_write_items(m, &writer, &w);
    return w.lines;
}

/* A card: one lark_md element per item, a rule between items. */
typedef struct card_writer {
    json_t *elements;
    nb_buf md;
} card_writer;

static void card_title(void *ctx, const nb_item_parts *p)
{
    card_writer *w = ctx;
    char *title = nb_escape(p->item->title, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINK_TEXT);
    char *url = nb_url_escape_markdown(p->item->url);
    nb_buf_reset(&w->md);
    if (nb_buf_printf(&w->md, "**%zu. [%s](%s)**   %s", p->number, title, url, p->when)) {
        /* capped above what capped input makes: cannot fail */
    }
    free(title);
    free(url);
}

static void card_summary(void *ctx, const nb_item_parts *p)
{
    card_writer *w = ctx;
    char *summary = nb_escape(p->item->summary, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINE_START);
    if (*summary && (nb_buf_putc(&w->md, '\n') || nb_buf_puts(&w->md, summary))) {
        /* capped above what capped input makes: cannot fail */
    }
    free(summary);
}

static void card_related(void *ctx, const nb_item_parts *p, size_t k)
{
    card_writer *w = ctx;
    if ((!k && nb_buf_putc(&w->md, '\n')) ||
        nb_chat_related_put(&w->md, p->item, p->related_prefix, k)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static void card_end(void *ctx, const nb_item_parts *p)
{
    card_writer *w = ctx;
    json_array_append_new(w->elements, json_pack("{s:s, s:{s:s, s:s}}", "tag", "div", "text", "tag",
                                                 "lark_md", "content", nb_buf_str(&w->md)));
    if (!p->last)
        json_array_append_new(w->elements, json_pack("{s:s}", "tag", "hr"));
}

static json_t *card_elements(const nb_message *m)
{
    card_writer w = {json_array(), {0}};
    nb_buf_init(&w.md, NB_LIMIT_MESSAGE_BYTES);
    static const nb_item_writer writer = {
        .title = card_title, .summary = card_summary, .related = card_related, .end = card_end};
    nb_message_write_items(m, &writer, &w);
    nb_buf_free(&w.md);
    return w.elements;
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    json_t *body = card(c)
                       ? json_pack("{s:s, s:{s:{s:{s:s, s:s}}, s:o}}", "msg_type", "interactive",
                                   "card", "header", "title", "tag", "plain_text", "content",
                                   header, "elements", card_elements(m))
                       : json_pack("{s:s, s:{s:{s:{s:s, s:o}}}}", "msg_type", "post", "content",
                                   "post", "zh_cn", "title", header, "content", post_content(m));
    char *out = json_dumps(body, JSON_COMPACT);
    /* Room for the signature fields added at send time. */
    *size = strlen(out) + 96;
    json_decref(body);
    free(header);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    json_t *body = c->secret ? json_loads(payload, 0, NULL) : NULL;
    if (!body) {
        nb_request_plain(c, method, payload, now, out);
        return;
    }
    char stamp[32], sign[64];
    snprintf(stamp, sizeof stamp, "%lld", (long long)now);
    char *key = nb_xasprintf("%s\n%s", stamp, c->secret);
    nb_hmac_sha256_base64(key, strlen(key), "", 0, sign);
    json_object_set_new(body, "timestamp", json_string(stamp));
    json_object_set_new(body, "sign", json_string(sign));
    char *text = json_dumps(body, JSON_COMPACT);
    nb_request_json(out, nb_xstrdup(c->url), nb_xstrdup(text));
    free(text);
    json_decref(body);
    free(key);
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    nb_verdict v;
    if (nb_classify_transport(r, &v, retry_after, why, n))
        return v;
    char msg[320];
    long code = nb_answer_code(r, "code", "msg", msg, sizeof msg);
    if (code == -1) /* older answers: {"StatusCode":0,"StatusMessage":"success"} */
        code = nb_answer_code(r, "StatusCode", "StatusMessage", msg, sizeof msg);
    snprintf(why, n, "HTTP %ld, code %ld: %s", r->status, code, msg);
    if (r->status == 200 && code == 0)
        return NB_ACCEPTED;
    if (code == 11232 || strstr(msg, "frequency limited"))
        return NB_RETRY;
    if (code == 9499)
        return NB_PAYLOAD;
    return NB_CONFIG; /* 19021 signature or clock, 19022 IP, 19024 keyword, unknown */
}

const nb_channel_kind nb_feishu_channel = {
    .type = "feishu",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget = 18000,
    .render = render,
    .request = request,
    .classify = classify,
    .per_second = 5,
    .per_minute = 100,
};
