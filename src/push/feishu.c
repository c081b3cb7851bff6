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

static json_t *post_content(const nb_message *m)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < m->count; i++) {
        const nb_item *it = &m->items[i];
        char when[32], number[32], spaced[40];
        nb_item_time(it, when, sizeof when);
        snprintf(number, sizeof number, "%zu. ", i + 1);
        snprintf(spaced, sizeof spaced, "   %s", when);
        json_array_append_new(lines, json_pack("[o, o, o]", text_tag(number),
                                               source_link(it->title, it->url), text_tag(spaced)));
        if (it->summary && *it->summary)
            json_array_append_new(lines, json_pack("[o]", source_tag(it->summary)));
        if (it->related_count && m->related_prefix && *m->related_prefix) {
            json_t *line = json_pack("[o]", text_tag(m->related_prefix));
            for (size_t k = 0; k < it->related_count; k++) {
                if (k)
                    json_array_append_new(line, text_tag(" · "));
                json_array_append_new(line, source_link(it->related[k].label, it->related[k].url));
            }
            json_array_append_new(lines, line);
        }
        if (i + 1 < m->count)
            json_array_append_new(lines, json_pack("[o]", text_tag("")));
    }
    return lines;
}

static json_t *card_elements(const nb_message *m)
{
    json_t *elements = json_array();
    for (size_t i = 0; i < m->count; i++) {
        const nb_item *it = &m->items[i];
        char when[32];
        nb_item_time(it, when, sizeof when);
        char *title = nb_escape(it->title, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINK_TEXT);
        char *url = nb_url_escape_markdown(it->url);
        char *summary = nb_escape(it->summary, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINE_START);
        char *related = nb_chat_related_line(it, m->related_prefix);
        char *md = nb_xasprintf("**%zu. [%s](%s)**   %s%s%s%s%s", i + 1, title, url, when,
                                *summary ? "\n" : "", summary, related ? "\n" : "",
                                related ? related : "");
        free(summary);
        free(related);
        json_array_append_new(elements, json_pack("{s:s, s:{s:s, s:s}}", "tag", "div", "text",
                                                  "tag", "lark_md", "content", md));
        if (i + 1 < m->count)
            json_array_append_new(elements, json_pack("{s:s}", "tag", "hr"));
        free(md);
        free(title);
        free(url);
    }
    return elements;
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
    (void)method;
    json_t *body = c->secret ? json_loads(payload, 0, NULL) : NULL;
    if (!body) {
        nb_request_json(out, nb_xstrdup(c->url), nb_xstrdup(payload));
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
