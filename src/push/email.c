/* SPDX-License-Identifier: MIT */
/* type: email — one mail per briefing over SMTP (smtps:// or smtp:// with STARTTLS):
 * multipart/alternative with the briefing as text and as HTML with its images, both
 * base64 in 76-character lines (every line well within 998 bytes), the subject as RFC 2047
 * encoded-words of at most 75 characters. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "net/http.h"
#include "push/channel.h"
#include "text/text.h"

static nb_err check(const nb_channel_config *c, nb_errbuf *err)
{
    if (!c->smtp_url ||
        (strncmp(c->smtp_url, "smtp://", 7) != 0 && strncmp(c->smtp_url, "smtps://", 8) != 0))
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"smtp_url\" must be smtps://host:465 or smtp://host:587");
    if (!c->from || !strchr(c->from, '@'))
        return nb_errf(err, NB_ERR_CONFIG, "\"from\" must be an e-mail address");
    if (!c->to || !c->to[0])
        return nb_errf(err, NB_ERR_CONFIG, "\"to\" must list at least one address");
    for (char **to = c->to; *to; to++)
        if (!strchr(*to, '@') || strpbrk(*to, "\r\n<>,"))
            return nb_errf(err, NB_ERR_CONFIG, "\"%s\" in to is not an e-mail address", *to);
    return NB_OK;
}

static void add(nb_buf *b, const char *s)
{
    if (nb_buf_puts(b, s)) {
        /* capped above what capped input makes: cannot fail */
    }
}

/* Base64 in lines of 76 characters, CRLF after each. */
static void add_base64(nb_buf *b, const char *data, size_t len)
{
    char line[80];
    for (size_t at = 0; at < len; at += 57) {
        size_t n = len - at < 57 ? len - at : 57;
        EVP_EncodeBlock((unsigned char *)line, (const unsigned char *)data + at, (int)n);
        add(b, line);
        add(b, "\r\n");
    }
}

/* RFC 2047: UTF-8 base64 encoded-words of at most 75 characters (45 bytes of text each),
 * split between characters, folded with CRLF and a space. */
static void add_encoded_words(nb_buf *b, const char *text)
{
    size_t len = strlen(text), at = 0;
    while (at < len) {
        size_t n = len - at < 45 ? len - at : 45;
        while (n < len - at && n > 0 && ((unsigned char)text[at + n] & 0xC0) == 0x80)
            n--; /* do not split a character */
        char word[80];
        EVP_EncodeBlock((unsigned char *)word, (const unsigned char *)text + at, (int)n);
        add(b, at ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        add(b, word);
        add(b, "?=");
        at += n;
    }
}

static void add_html_text(nb_buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        nb_err rc = *p == '&'   ? nb_buf_puts(b, "&amp;")
                    : *p == '<' ? nb_buf_puts(b, "&lt;")
                    : *p == '>' ? nb_buf_puts(b, "&gt;")
                    : *p == '"' ? nb_buf_puts(b, "&quot;")
                                : nb_buf_putc(b, *p);
        if (rc)
            return;
    }
}

/* Source text in HTML (one line, entities). */
static void add_source(nb_buf *b, const char *text)
{
    char *escaped = nb_escape(text, NB_DIALECT_HTML, 0);
    add(b, escaped);
    free(escaped);
}

static void put_title(void *ctx, const nb_item_parts *p)
{
    nb_buf *b = ctx;
    char number[32];
    snprintf(number, sizeof number, "%zu. ", p->number);
    add(b, p->first ? "<h2>" : "<hr>\n<h2>");
    add(b, number);
    add(b, "<a href=\"");
    add_html_text(b, p->item->url);
    add(b, "\">");
    add_source(b, p->item->title);
    add(b, "</a> <small style=\"color:#888\">");
    add(b, p->when);
    add(b, "</small></h2>\n");
}

static void put_summary(void *ctx, const nb_item_parts *p)
{
    add(ctx, "<p>");
    add_source(ctx, p->item->summary);
    add(ctx, "</p>\n");
}

static void put_related(void *ctx, const nb_item_parts *p, size_t k)
{
    nb_buf *b = ctx;
    add(b, k ? " · " : "<p>");
    if (!k)
        add_html_text(b, p->related_prefix);
    add(b, "<a href=\"");
    add_html_text(b, p->item->related[k].url);
    add(b, "\">");
    add_source(b, p->item->related[k].label);
    add(b, k + 1 == p->item->related_count ? "</a></p>\n" : "</a>");
}

static void put_image(void *ctx, const nb_item_parts *p)
{
    add(ctx, "<p><img src=\"");
    add_html_text(ctx, p->item->image);
    add(ctx, "\" alt=\"\" style=\"max-width:100%\"></p>\n");
}

static char *html_of(const nb_message *m, const char *header)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    add(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
            "<body style=\"font-family:sans-serif;max-width:720px;margin:auto\"><h1>");
    add_html_text(&b, header);
    add(&b, "</h1>\n");
    static const nb_item_writer writer = {
        .title = put_title, .summary = put_summary, .related = put_related, .image = put_image};
    nb_message_write_items(m, &writer, &b);
    add(&b, "</body></html>\n");
    return nb_buf_take(&b);
}

/* The subject template with {title} and {stamp}; default: the briefing's header line. */
static char *subject_of(const nb_channel_config *c, const nb_message *m, const char *header)
{
    if (!c->subject)
        return nb_xstrdup(header);
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_SUBJECT_BYTES);
    for (const char *p = c->subject; *p;) {
        nb_err rc;
        if (!strncmp(p, "{title}", 7)) {
            rc = nb_buf_puts(&b, m->title);
            p += 7;
        } else if (!strncmp(p, "{stamp}", 7)) {
            rc = nb_buf_puts(&b, m->stamp);
            p += 7;
        } else {
            rc = nb_buf_putc(&b, *p == '\r' || *p == '\n' ? ' ' : *p);
            p++;
        }
        if (rc)
            break;
    }
    return nb_buf_take(&b);
}

static char *render(const nb_channel_config *c, const nb_message *m, size_t *size)
{
    char *header = nb_message_header(m, c->keyword);
    char *subject = subject_of(c, m, header);
    char *text = nb_message_markdown(m);
    char *html = html_of(m, header);
    const char *parts[] = {text, html};
    char hash[NB_HASH_HEX_SIZE];
    nb_hash_parts(parts, 2, hash);
    char date[64];
    time_t t = (time_t)m->now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    add(&b, "From: newsbrief <");
    add(&b, c->from);
    add(&b, ">\r\nTo: ");
    for (char **to = c->to; to && *to; to++) {
        add(&b, to == c->to ? "" : ", ");
        add(&b, *to);
    }
    add(&b, "\r\nSubject: ");
    add_encoded_words(&b, subject);
    if (nb_buf_printf(&b,
                      "\r\nDate: %s\r\nMessage-ID: <nb-%.24s@newsbrief.invalid>\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Content-Type: multipart/alternative; boundary=\"nb-%.16s\"\r\n\r\n"
                      "--nb-%.16s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                      date, hash, hash, hash)) {
        /* capped above what capped input makes: cannot fail */
    }
    add_base64(&b, text, strlen(text));
    if (nb_buf_printf(&b,
                      "--nb-%.16s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                      hash)) {
        /* capped above what capped input makes: cannot fail */
    }
    add_base64(&b, html, strlen(html));
    if (nb_buf_printf(&b, "--nb-%.16s--\r\n", hash)) {
        /* capped above what capped input makes: cannot fail */
    }
    *size = b.len;
    free(header);
    free(subject);
    free(text);
    free(html);
    return nb_buf_take(&b);
}

static nb_verdict send_direct(const nb_channel_config *c, const char *payload, int64_t *retry_after,
                              char *why, size_t n)
{
    nb_smtp_message m = {
        .url = c->smtp_url,
        .username = c->username,
        .password = c->password,
        .from = c->from,
        .to = (const char *const *)c->to,
        .ca_file = c->ca_file,
        .require_tls = c->starttls,
        .data = payload,
        .len = strlen(payload),
        .timeout_ms = (long)c->timeout * 1000,
    };
    long reply = 0;
    nb_errbuf err;
    *retry_after = -1;
    nb_err rc = nb_smtp_send(&m, &reply, &err);
    snprintf(why, n, "%s", rc ? err.msg : "250 accepted");
    if (rc == NB_OK)
        return NB_ACCEPTED;
    if (reply == 0 || (reply >= 400 && reply < 500))
        return NB_RETRY; /* no answer, or 421/450/451/452 */
    if (reply == 552)
        return NB_PAYLOAD; /* too big */
    return NB_CONFIG;      /* 535 authentication, 550/553 recipient, 554 rejected */
}

const nb_channel_kind nb_email_channel = {
    .type = "email",
    .check = check,
    .unit = NB_UNIT_BYTES,
    .budget = 10u << 20,
    .render = render,
    .send_direct = send_direct,
    .whole_briefing = 1,
};
