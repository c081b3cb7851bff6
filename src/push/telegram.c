/* SPDX-License-Identifier: MIT */
/* type: telegram — the Telegram Bot API, HTML parse mode. A message's visible text (tags
 * removed, entities decoded) is kept within 4000 UTF-16 units (cap 4096). photos: true
 * sends each item that has an image as a photo with its caption (1024 units). Errors come
 * as {"ok":false,"error_code":...,"description":...,"parameters":{...}}. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

#define CAPTION_BUDGET 1000

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->token || !*c->token)
        return nb_errf(err, NB_ERR_CONFIG, "\"token\" (the bot token from @BotFather) is required");
    if (!c->chat_id || !*c->chat_id)
        return nb_errf(err, NB_ERR_CONFIG, "\"chat_id\" is required");
    if (c->api_base && !nb_url_is_http(c->api_base))
        return nb_errf(err, NB_ERR_CONFIG, "api_base \"%s\" is not an http(s) URL", c->api_base);
    return NB_OK;
}

/* Appends our own text (header, numbers, URLs) escaped for Telegram HTML, and the visible
 * text to the other buffer. */
static void put(nb_buf *html, nb_buf *visible, const char *text, int attribute)
{
    for (const char *p = text; *p; p++) {
        const char *esc = *p == '&'                  ? "&amp;"
                          : *p == '<'                ? "&lt;"
                          : *p == '>'                ? "&gt;"
                          : (*p == '"' && attribute) ? "&quot;"
                                                     : NULL;
        if ((esc ? nb_buf_puts(html, esc) : nb_buf_putc(html, *p)) ||
            (visible && nb_buf_putc(visible, *p)))
            return;
    }
}

/* Appends source text: escaped by the Telegram dialect, and as it will show. */
static void put_source(nb_buf *html, nb_buf *visible, const char *text)
{
    char *escaped = nb_escape(text, NB_DIALECT_TELEGRAM_HTML, 0);
    char *shown = nb_escape(text, NB_DIALECT_TEXT, NB_ESCAPE_NO_MENTION);
    if (nb_buf_puts(html, escaped) || (visible && nb_buf_puts(visible, shown))) {
        /* capped above what capped input makes: cannot fail */
    }
    free(escaped);
    free(shown);
}

static void tag(nb_buf *html, const char *markup)
{
    if (nb_buf_puts(html, markup)) {
        /* capped above what capped input makes: cannot fail */
    }
}

/* The HTML being built and its visible text (what the platform measures). */
typedef struct writer {
    nb_buf html, visible;
    int separate; /* a blank line before each item (after the header) */
} writer;

/* "<b>n.</b> <a href="url">title</a> time" */
static void put_title(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    char n[32];
    snprintf(n, sizeof n, "%zu.", p->number);
    if (w->separate)
        put(&w->html, &w->visible, "\n\n", 0);
    tag(&w->html, "<b>");
    put(&w->html, &w->visible, n, 0);
    tag(&w->html, "</b> <a href=\"");
    put(&w->html, NULL, p->item->url, 1);
    tag(&w->html, "\">");
    put(&w->visible, NULL, " ", 0);
    put_source(&w->html, &w->visible, p->item->title);
    tag(&w->html, "</a>");
    put(&w->html, &w->visible, " ", 0);
    put(&w->html, &w->visible, p->when, 0);
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    put(&w->html, &w->visible, "\n", 0);
    put_source(&w->html, &w->visible, p->item->summary);
}

/* "相关报道：<a href=...>机器之心</a> · ..." */
static void put_related(void *ctx, const nb_item_parts *p, size_t k)
{
    writer *w = ctx;
    put(&w->html, &w->visible, k ? " · " : "\n", 0);
    if (!k)
        put(&w->html, &w->visible, p->related_prefix, 0);
    tag(&w->html, "<a href=\"");
    put(&w->html, NULL, p->item->related[k].url, 1);
    tag(&w->html, "\">");
    put_source(&w->html, &w->visible, p->item->related[k].label);
    tag(&w->html, "</a>");
}

static const nb_item_writer item_writer = {
    .title = put_title, .summary = put_summary, .related = put_related};

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    writer w = {.separate = 1};
    nb_buf_init(&w.html, NB_LIMIT_MESSAGE_BYTES);
    nb_buf_init(&w.visible, NB_LIMIT_MESSAGE_BYTES);
    char *header = nb_message_header(m, c->keyword);
    tag(&w.html, "<b>");
    put(&w.html, &w.visible, header, 0);
    tag(&w.html, "</b>");
    nb_message_write_items(m, &item_writer, &w);
    *size = nb_measure(nb_buf_str(&w.visible), NB_UNIT_UTF16);
    json_t *body =
        json_pack("{s:s, s:s, s:{s:b}, s:s}", "chat_id", c->chat_id, "parse_mode", "HTML",
                  "link_preview_options", "is_disabled", 1, "text", nb_buf_str(&w.html));
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    free(header);
    nb_buf_free(&w.html);
    nb_buf_free(&w.visible);
    return out;
}

static char *alone(const nb_channel_config *c, const nb_item *it, const char **method)
{
    if (!c->photos || !it->image)
        return NULL;
    /* The caption holds 1024 units: shorten the summary (never the title) until it fits. */
    char *summary = nb_xstrdup(it->summary);
    size_t max = summary ? nb_utf8_length(summary) : 0;
    writer w = {.separate = 0};
    for (;;) {
        nb_buf_init(&w.html, NB_LIMIT_MESSAGE_BYTES);
        nb_buf_init(&w.visible, NB_LIMIT_MESSAGE_BYTES);
        nb_item one = *it;
        one.summary = summary;
        const nb_message single = {.items = &one, .count = 1}; /* no related line */
        nb_message_write_items(&single, &item_writer, &w);
        if (nb_measure(nb_buf_str(&w.visible), NB_UNIT_UTF16) <= CAPTION_BUDGET || !summary)
            break;
        nb_buf_free(&w.html);
        nb_buf_free(&w.visible);
        max = max * 4 / 5;
        char *shorter = max > 10 ? nb_text_cut(it->summary, max) : NULL;
        free(summary);
        summary = shorter;
    }
    /* the item's number is meaningless alone: drop "<b>1.</b> " */
    const char *caption = nb_buf_str(&w.html) + strlen("<b>1.</b> ");
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "chat_id", c->chat_id, "photo", it->image,
                             "caption", caption, "parse_mode", "HTML");
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    nb_buf_free(&w.html);
    nb_buf_free(&w.visible);
    free(summary);
    *method = "sendPhoto";
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    (void)now;
    const char *base = c->api_base ? c->api_base : "https://api.telegram.org";
    size_t len = strlen(base);
    while (len && base[len - 1] == '/')
        len--;
    nb_request_json(out,
                    nb_xasprintf("%.*s/bot%s/%s", (int)len, base, c->token,
                                 method && *method ? method : "sendMessage"),
                    nb_xstrdup(payload));
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *params = json_object_get(root, "parameters");
    const char *description = json_string_value(json_object_get(root, "description"));
    json_t *wait = json_object_get(params, "retry_after");
    json_t *migrate = json_object_get(params, "migrate_to_chat_id");
    nb_verdict v = NB_CONFIG;
    snprintf(why, n, "HTTP %ld: %.300s", r->status, description ? description : "");
    if (r->error || r->status == 429 || r->status >= 500) {
        nb_classify_transport(r, &v, retry_after, why, n);
        v = NB_RETRY;
        if (json_is_integer(wait))
            *retry_after = (int64_t)json_integer_value(wait);
    } else if (r->status == 200 && json_is_true(json_object_get(root, "ok"))) {
        v = NB_ACCEPTED;
    } else if (json_is_integer(migrate)) {
        snprintf(why, n, "the group became a supergroup: set chat_id to %lld",
                 (long long)json_integer_value(migrate));
    } else if (r->status == 400 && description &&
               (strstr(description, "can't parse entities") || strstr(description, "too long"))) {
        v = NB_PAYLOAD;
    }
    json_decref(root);
    return v; /* 400 chat not found, 401 bad token, 403 blocked or kicked: configuration */
}

const nb_channel_kind nb_telegram_channel = {
    .type = "telegram",
    .check = check,
    .unit = NB_UNIT_UTF16,
    .budget = 4000,
    .render = render,
    .method = "sendMessage",
    .alone = alone,
    .request = request,
    .classify = classify,
    .min_interval_ms = 1000,
};
