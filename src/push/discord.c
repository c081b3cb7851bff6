/* SPDX-License-Identifier: MIT */
/* type: discord — Discord webhook with ?wait=true: the header as content, one embed per
 * item (title and link, summary as description, time, image). At most 10 embeds and 5800
 * code points of embed text a message (caps 10 and 6000); mentions are disabled. 429
 * answers carry retry_after in seconds. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

#define MAX_EMBEDS 10
#define TEXT_BUDGET 5800

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the webhook URL (https://discord.com/api/webhooks/...)");
    return NB_OK;
}

/* One embed per item; text counts what Discord limits across them. */
typedef struct writer {
    json_t *embeds;
    json_t *embed; /* the item's */
    size_t text;
} writer;

static void put_title(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    char *line = nb_escape(p->item->title, NB_DIALECT_DISCORD, 0);
    char *numbered = nb_xasprintf("%zu. %s", p->number, line);
    char *title = nb_text_cut(numbered, 256);
    char when[32];
    nb_time_format_iso(p->item->published_at, when, sizeof when);
    w->embed = json_pack("{s:s, s:s, s:s}", "title", title, "url", p->item->url, "timestamp", when);
    w->text += nb_measure(title, NB_UNIT_CODEPOINTS);
    free(line);
    free(numbered);
    free(title);
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    char *description = nb_escape(p->item->summary, NB_DIALECT_DISCORD, NB_ESCAPE_LINE_START);
    if (*description)
        json_object_set_new(w->embed, "description", json_string(description));
    w->text += nb_measure(description, NB_UNIT_CODEPOINTS);
    free(description);
}

static void put_image(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    json_object_set_new(w->embed, "image", json_pack("{s:s}", "url", p->item->image));
}

static void put_end(void *ctx, const nb_item_parts *p)
{
    writer *w = ctx;
    (void)p;
    json_array_append_new(w->embeds, w->embed);
    w->embed = NULL;
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    char *content = nb_xasprintf("**%s**", header);
    writer w = {.embeds = json_array(), .text = nb_measure(content, NB_UNIT_CODEPOINTS)};
    static const nb_item_writer writer_of = {
        .title = put_title, .summary = put_summary, .image = put_image, .end = put_end};
    nb_message_write_items(m, &writer_of, &w);
    json_t *embeds = w.embeds;
    size_t text = w.text;
    *size = json_array_size(embeds) > MAX_EMBEDS ? TEXT_BUDGET + 1 : text;
    json_t *body = json_pack("{s:s, s:{s:[]}, s:o}", "content", content, "allowed_mentions",
                             "parse", "embeds", embeds);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    free(content);
    free(header);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    (void)method, (void)now;
    nb_request_json(out, nb_xasprintf("%s%swait=true", c->url, strchr(c->url, '?') ? "&" : "?"),
                    nb_xstrdup(payload));
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
    const char *message = json_string_value(json_object_get(root, "message"));
    json_t *code = json_object_get(root, "code");
    json_t *wait = json_object_get(root, "retry_after");
    nb_verdict v = NB_CONFIG;
    snprintf(why, n, "HTTP %ld, code %lld: %.200s", r->status, (long long)json_integer_value(code),
             message ? message : "");
    if (nb_classify_transport(r, &v, retry_after, why, n)) {
        if (json_is_number(wait))
            *retry_after = (int64_t)ceil(json_number_value(wait));
    } else if (r->status == 200 || r->status == 204) {
        v = NB_ACCEPTED;
    } else if (r->status == 400) {
        v = NB_PAYLOAD; /* 50035 Invalid Form Body, 50006 empty message */
    }
    json_decref(root);
    return v; /* 401 50027 invalid token, 404 10015 unknown webhook */
}

const nb_channel_kind nb_discord_channel = {
    .type = "discord",
    .check = check,
    .unit = NB_UNIT_CODEPOINTS,
    .budget = TEXT_BUDGET,
    .render = render,
    .request = request,
    .classify = classify,
    .min_interval_ms = 1000,
};
