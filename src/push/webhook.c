/* SPDX-License-Identifier: MIT */
/* type: webhook — any HTTP endpoint: one JSON document per page (the briefing's items with
 * their Markdown), or the user's `template` with {title} {content} {page} {pages} filled in
 * (values JSON-escaped; the result must parse). With a secret, X-Newsbrief-Signature:
 * sha256=<hex HMAC-SHA256 of the body>; X-Newsbrief-Delivery is the outbox row's id, the
 * same on every retry, so a receiver can drop a duplicate. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "push/channel.h"

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->url || !nb_url_is_http(c->url))
        return nb_errf(err, NB_ERR_CONFIG, "\"url\" must be an http(s) URL");
    if (c->template_json) {
        /* The template must become JSON once filled: try it with sample values. */
        static const char *const sample[][2] = {
            {"{title}", "\"t\""}, {"{content}", "\"c\""}, {"{page}", "1"}, {"{pages}", "1"}};
        char *text = nb_xstrdup(c->template_json);
        for (size_t i = 0; i < 4; i++) {
            char *at;
            while ((at = strstr(text, sample[i][0]))) {
                char *next = nb_xasprintf("%.*s%s%s", (int)(at - text), text, sample[i][1],
                                          at + strlen(sample[i][0]));
                free(text);
                text = next;
            }
        }
        json_t *parsed = json_loads(text, 0, NULL);
        free(text);
        if (!parsed)
            return nb_errf(err, NB_ERR_CONFIG,
                           "template is not JSON once filled in (write \"{title}\" inside "
                           "quotes only for text: values are inserted as JSON strings)");
        json_decref(parsed);
    }
    return NB_OK;
}

static char *fill_template(const char *templ, const nb_message *m, const char *title,
                           const char *content)
{
    json_t *jt = json_string(title), *jc = json_string(content);
    char *qt = json_dumps(jt, JSON_ENCODE_ANY), *qc = json_dumps(jc, JSON_ENCODE_ANY);
    char page[16], pages[16];
    snprintf(page, sizeof page, "%d", m->part);
    snprintf(pages, sizeof pages, "%d", m->parts);
    const char *const values[][2] = {
        {"{title}", qt}, {"{content}", qc}, {"{page}", page}, {"{pages}", pages}};
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    for (const char *p = templ; *p;) {
        size_t i;
        for (i = 0; i < 4; i++)
            if (!strncmp(p, values[i][0], strlen(values[i][0])))
                break;
        nb_err rc = i < 4 ? nb_buf_puts(&b, values[i][1]) : nb_buf_putc(&b, *p);
        p += i < 4 ? strlen(values[i][0]) : 1;
        if (rc)
            break;
    }
    free(qt);
    free(qc);
    json_decref(jt);
    json_decref(jc);
    return nb_buf_take(&b);
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *title = nb_message_header(m, c->keyword);
    char *md = nb_message_markdown(m);
    char *out;
    if (c->template_json) {
        out = fill_template(c->template_json, m, title, md);
    } else {
        json_t *items = json_array();
        for (size_t i = 0; i < m->count; i++) {
            const nb_item *it = &m->items[i];
            char when[32];
            nb_time_format_iso(it->published_at, when, sizeof when);
            char *key = nb_xasprintf("%s:%s", it->source ? it->source : "", it->key ? it->key : "");
            json_array_append_new(
                items, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "n", (int)i + 1,
                                 "source", it->source ? it->source : "", "key", key, "title",
                                 it->title, "url", it->url, "published_at", when, "summary",
                                 it->summary, "image", it->image));
            free(key);
        }
        char stamp[32];
        snprintf(stamp, sizeof stamp, "%s", m->stamp);
        json_t *body = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:o}", "type", "briefing.page",
                                 "briefing_id", stamp, "page", m->part, "pages", m->parts, "title",
                                 title, "markdown", md, "items", items);
        out = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    *size = strlen(out);
    free(md);
    free(title);
    return out;
}

static void request(const nb_channel_config *c, const char *method, const char *payload,
                    int64_t now, nb_send_request *out)
{
    (void)method;
    out->url = nb_xstrdup(c->url);
    /* sent_at lets receivers refuse replays; it is the only part that changes on a retry */
    json_t *body = c->template_json ? NULL : json_loads(payload, 0, NULL);
    if (body) {
        char when[32];
        nb_time_format_iso(now, when, sizeof when);
        json_object_set_new(body, "sent_at", json_string(when));
        char *text = json_dumps(body, JSON_COMPACT);
        out->body = nb_xstrdup(text);
        free(text);
        json_decref(body);
    } else {
        out->body = nb_xstrdup(payload);
    }
    nb_request_headers(out, "Content-Type: application/json; charset=utf-8");
    nb_request_header(out, "X-Newsbrief-Delivery: %lld", (long long)out->delivery_id);
    if (c->secret) {
        char hex[65];
        nb_hmac_sha256_hex(c->secret, out->body, strlen(out->body), hex);
        nb_request_header(out, "X-Newsbrief-Signature: sha256=%s", hex);
    }
}

static nb_verdict classify(const nb_http_response *r, int64_t *retry_after, char *why, size_t n)
{
    nb_verdict v;
    if (nb_classify_transport(r, &v, retry_after, why, n))
        return v;
    snprintf(why, n, "HTTP %ld: %.200s", r->status, r->body);
    if (r->status >= 200 && r->status < 300)
        return NB_ACCEPTED;
    if (r->status == 408 || r->status == 425)
        return NB_RETRY;
    return NB_CONFIG; /* other 4xx */
}

const nb_channel_kind nb_webhook_channel = {
    .type = "webhook",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget = 1u << 20,
    .render = render,
    .request = request,
    .classify = classify,
};
