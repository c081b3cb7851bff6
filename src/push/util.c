/* SPDX-License-Identifier: MIT */
/* Helpers shared by the channel files: measuring, headers, signatures, answers. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "push/channel.h"
#include "text/text.h"

size_t nb_measure(const char *text, nb_size_unit unit)
{
    if (unit == NB_UNIT_BYTES)
        return strlen(text);
    return unit == NB_UNIT_UTF16 ? nb_utf8_utf16_length(text) : nb_utf8_length(text);
}

char *nb_message_header(const nb_message *msg, const char *keyword)
{
    char marker[32] = "";
    if (msg->parts > 1)
        snprintf(marker, sizeof marker, " (%d/%d)", msg->part, msg->parts);
    char *header = nb_brief_header(msg->header, msg->title, msg->stamp);
    char *line =
        nb_xasprintf("%s%s%s%s", keyword ? keyword : "", keyword ? " " : "", header, marker);
    free(header);
    return line;
}

void nb_item_time(const nb_item *item, char *out, size_t n)
{
    nb_time_format_display(item->published_at, out, n);
}

void nb_hmac_sha256_base64(const char *key, size_t key_len, const char *message, size_t message_len,
                           char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)message, message_len, digest,
         &len);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)len);
}

void nb_hmac_sha256_hex(const char *key, const char *message, size_t message_len, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)message, message_len, digest,
         &len);
    for (unsigned int i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

long nb_answer_code(const nb_http_response *r, const char *key, const char *msg_key, char *msg,
                    size_t msg_size)
{
    json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *code = json_object_get(root, key);
    long value = json_is_integer(code) ? (long)json_integer_value(code) : -1;
    const char *text = msg_key ? json_string_value(json_object_get(root, msg_key)) : NULL;
    if (msg && msg_size)
        snprintf(msg, msg_size, "%.300s", text ? text : "");
    json_decref(root);
    return value;
}

int nb_classify_transport(const nb_http_response *r, nb_verdict *verdict, int64_t *retry_after,
                          char *why, size_t why_size)
{
    *retry_after = r->retry_after;
    if (r->error) {
        snprintf(why, why_size, "%s", r->error_message);
        *verdict = NB_RETRY;
        return 1;
    }
    if (r->status == 429 || r->status >= 500) {
        snprintf(why, why_size, "HTTP %ld", r->status);
        *verdict = NB_RETRY;
        return 1;
    }
    return 0;
}

char *nb_message_markdown(const nb_message *m)
{
    nb_render_options o = {.title = m->title,
                           .header = m->header,
                           .now = m->now,
                           .items_per_page = m->count,
                           .related_prefix = m->related_prefix};
    char **pages = NULL;
    size_t n = 0;
    nb_brief_render(&o, m->items, m->count, &pages, &n);
    char *text = nb_brief_join(pages, n);
    nb_brief_pages_free(pages, n);
    /* the header carries the part marker, as every message's does */
    char *line_end = strchr(text, '\n');
    char *header = nb_message_header(m, NULL);
    char *out = nb_xasprintf("# %s%s", header, line_end ? line_end : "\n");
    free(header);
    free(text);
    return out;
}

char *nb_chat_related_line(const nb_item *it, const char *prefix)
{
    if (!prefix || !*prefix || !it->related_count)
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    nb_err rc = NB_OK;
    for (size_t i = 0; i < it->related_count && !rc; i++)
        rc = nb_chat_related_put(&b, it, prefix, i);
    return nb_buf_take(&b);
}

nb_err nb_chat_related_put(nb_buf *b, const nb_item *it, const char *prefix, size_t k)
{
    nb_err rc = k ? NB_OK : nb_buf_puts(b, prefix);
    if (rc)
        return rc;
    char *label = nb_escape(it->related[k].label, NB_DIALECT_CHAT_MARKDOWN, NB_ESCAPE_LINK_TEXT);
    char *url = nb_url_escape_markdown(it->related[k].url);
    rc = nb_buf_printf(b, "%s[%s](%s)", k ? " · " : "", label, url);
    free(label);
    free(url);
    return rc;
}

void nb_request_json(nb_send_request *out, char *url, char *body)
{
    out->url = url;
    out->body = body;
    nb_request_headers(out, "Content-Type: application/json");
}

void nb_request_plain(const nb_channel_config *c, const char *method, const char *payload,
                      int64_t now, nb_send_request *out)
{
    (void)method, (void)now;
    nb_request_json(out, nb_xstrdup(c->url), nb_xstrdup(payload));
}

void nb_request_headers(nb_send_request *out, const char *content_type)
{
    out->header_list[0] = content_type;
    out->header_list[1] = NULL;
    out->headers = out->header_list;
}

void nb_request_header(nb_send_request *out, const char *format, ...)
{
    size_t h = 1; /* after the content type */
    while (out->header_list[h])
        h++;
    size_t slot = h - 1;
    if (slot >= sizeof out->header_text / sizeof out->header_text[0])
        return; /* no kind sends more than the room there is */
    va_list ap;
    va_start(ap, format);
    vsnprintf(out->header_text[slot], sizeof out->header_text[slot], format, ap);
    va_end(ap);
    out->header_list[h] = out->header_text[slot];
    out->header_list[h + 1] = NULL;
}

nb_verdict nb_classify_errcode(const nb_http_response *r, long retry_code, long payload_code,
                               int64_t *retry_after, char *why, size_t n)
{
    nb_verdict v;
    if (nb_classify_transport(r, &v, retry_after, why, n))
        return v;
    char msg[320];
    long code = nb_answer_code(r, "errcode", "errmsg", msg, sizeof msg);
    snprintf(why, n, "HTTP %ld, errcode %ld: %s", r->status, code, msg);
    if (r->status == 200 && code == 0)
        return NB_ACCEPTED;
    if (code == retry_code)
        return NB_RETRY;
    if (code == payload_code)
        return NB_PAYLOAD;
    return NB_CONFIG;
}
