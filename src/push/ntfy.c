/* SPDX-License-Identifier: MIT */
/* type: ntfy — an ntfy topic (ntfy.sh or self-hosted), published as JSON to the server's
 * root: plain text (phone apps do not render Markdown), at most 3800 bytes (cap 4096),
 * the first item's link as the click action, an optional access token. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    const char *slash = c->url ? strrchr(c->url, '/') : NULL;
    if (!c->url || !nb_url_is_http(c->url) || !slash || !slash[1])
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" must be the topic's URL (https://ntfy.sh/<topic>)");
    return NB_OK;
}

/* "n. title  time\nsummary\nurl", a blank line between items. */
static void put_title(void *ctx, const nb_item_parts *p)
{
    char *title = nb_escape(p->item->title, NB_DIALECT_TEXT, 0);
    if (nb_buf_printf(ctx, "%s%zu. %s  %s\n", p->first ? "" : "\n\n", p->number, title, p->when)) {
        /* capped above what capped input makes: cannot fail */
    }
    free(title);
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    char *summary = nb_escape(p->item->summary, NB_DIALECT_TEXT, 0);
    if (nb_buf_printf(ctx, "%s%s", summary, *summary ? "\n" : "")) {
        /* capped above what capped input makes: cannot fail */
    }
    free(summary);
}

static void put_link(void *ctx, const nb_item_parts *p)
{
    if (nb_buf_puts(ctx, p->item->url)) {
        /* capped above what capped input makes: cannot fail */
    }
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    static const nb_item_writer writer = {
        .title = put_title, .summary = put_summary, .end = put_link};
    nb_message_write_items(m, &writer, &b);
    const char *slash = strrchr(c->url, '/');
    json_t *body = json_pack("{s:s, s:s, s:s, s:[s]}", "topic", slash + 1, "title", header,
                             "message", nb_buf_str(&b), "tags", "newspaper");
    if (m->count)
        json_object_set_new(body, "click", json_string(m->items[0].url));
    *size = b.len + strlen(header);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    nb_buf_free(&b);
    free(header);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    (void)method, (void)now;
    const char *slash = strrchr(c->url, '/');
    nb_request_json(out, nb_xstrndup(c->url, (size_t)(slash - c->url) + 1), /* the server's root */
                    nb_xstrdup(payload));
    if (c->token && *c->token)
        nb_request_header(out, "Authorization: Bearer %s", c->token);
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    nb_verdict v;
    if (nb_classify_transport(r, &v, retry_after, why, n))
        return v;
    char msg[320];
    long code = nb_answer_code(r, "code", "error", msg, sizeof msg);
    snprintf(why, n, "HTTP %ld, code %ld: %s", r->status, code, msg);
    if (r->status == 200)
        return NB_ACCEPTED;
    if (r->status == 413)
        return NB_PAYLOAD;
    return NB_CONFIG; /* 401, 403: the topic is protected */
}

const nb_channel_kind nb_ntfy_channel = {
    .type = "ntfy",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget = 3800,
    .render = render,
    .request = request,
    .classify = classify,
    .per_minute = 12, /* ntfy.sh: a burst of 60, then one every 5 seconds */
};
