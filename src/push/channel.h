/* SPDX-License-Identifier: MIT */
/* The channel interface. A channel kind renders a message (some of a page's items) in its
 * platform's dialect, says how big it is in the unit the platform limits, builds the HTTP
 * request (signing included) and classifies the answer. One file per platform; they are
 * registered in registry.c. Rendering and classifying are pure. */
#ifndef NB_PUSH_CHANNEL_H
#define NB_PUSH_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/record.h"
#include "net/http.h"

/* How a platform measures a message. */
typedef enum nb_size_unit {
    NB_UNIT_BYTES,      /* UTF-8 bytes */
    NB_UNIT_CODEPOINTS, /* Unicode code points */
    NB_UNIT_UTF16,      /* UTF-16 code units */
} nb_size_unit;

/* What to render: the items of one message and its header. */
typedef struct nb_message {
    const char *title;          /* "新闻简报" */
    const char *header;         /* header template ({title}, {time}); NULL: the zh one */
    const char *stamp;          /* "2025-04-07 10:45" */
    int64_t now;                /* the briefing's time */
    const char *related_prefix; /* "相关报道：", or NULL: no related links */
    int part, parts;            /* "(part/parts)" after the stamp when parts > 1 */
    const nb_item *items;       /* summaries filled */
    size_t count;
} nb_message;

/* One platform request of a message (a channel may need several, e.g. a text and a card). */
typedef struct nb_payload {
    char *method; /* the platform call ("sendMessage", "sendPhoto"), or NULL */
    char *body;   /* request body */
} nb_payload;

/* The request to send a stored payload. The caller sets delivery_id; the kind fills the
 * rest (headers may point into header_list and header_text of the same struct). */
typedef struct nb_send_request {
    int64_t delivery_id;        /* the outbox row (stable across retries), 0 for tests */
    char *url;                  /* caller frees */
    char *body;                 /* caller frees (the payload, signed when the platform wants) */
    const char *const *headers; /* NULL-terminated */
    const char *header_list[6];
    char header_text[3][640];
} nb_send_request;

typedef enum nb_verdict {
    NB_ACCEPTED, /* delivered */
    NB_RETRY,    /* transient: later (retry_after when the platform said) */
    NB_CONFIG,   /* permanent for this channel until its configuration changes */
    NB_PAYLOAD,  /* the platform refused this payload: a rendering bug */
} nb_verdict;

typedef struct nb_channel_kind {
    const char *type;
    nb_err (*check)(const nb_channel_config *channel, nb_errbuf *err);
    nb_size_unit unit;
    size_t budget; /* the most a message may measure, in unit */
    size_t (*budget_of)(const nb_channel_config *channel); /* when it depends on settings */
    /* Renders msg; *size is its measure in unit (of the field the platform limits). The
     * result is the message's main payload. */
    char *(*render)(const nb_channel_config *channel, const nb_message *msg, size_t *size);
    const char *method; /* the platform call of a rendered message, or NULL */
    /* An item that goes on its own (a Telegram photo with its caption): its payload, with
     * the call in *method; NULL puts the item in a text message. May be NULL. */
    char *(*alone)(const nb_channel_config *channel, const nb_item *item, const char **method);
    /* Extra payloads for msg (news cards), appended to out; may be NULL. */
    void (*extras)(const nb_channel_config *channel, const nb_message *msg, nb_payload **out,
                   size_t *count, size_t *alloc);
    /* Builds the request for a stored payload at now (signatures carry the time). */
    void (*request)(const nb_channel_config *channel, const char *method, const char *payload,
                    int64_t now, nb_send_request *out);
    /* Classifies an answer; *retry_after (seconds, -1 unknown) and why (one line). */
    nb_verdict (*classify)(const nb_http_response *response, int64_t *retry_after, char *why,
                           size_t why_size);
    /* A transport other than HTTP (SMTP): sends at once and classifies; replaces request and
     * classify. May be NULL. */
    nb_verdict (*send_direct)(const nb_channel_config *channel, const char *payload,
                              int64_t *retry_after, char *why, size_t why_size);
    int whole_briefing;         /* one message for all items (e-mail): no pages */
    int per_second, per_minute; /* the platform's rate limits (0: none) */
    long min_interval_ms;       /* at least this long between two messages */
    int64_t retry_floor;        /* seconds: the least wait after a rate-limit answer */
} nb_channel_kind;

/* The kind for a type, or NULL (stdout and file are local, not kinds). */
const nb_channel_kind *nb_channel_kind_find(const char *type);

/* --- Source text in each dialect (escape.c) ------------------------------------------
 * Titles, summaries and related-link labels come from sources. In every dialect they stay
 * text: they cannot mention anyone, format, link, carry a tag, or start a line, heading,
 * quote or list. What the dialect can escape is escaped; what it cannot is replaced by its
 * full-width look-alike (＜ ＞ ［ ］ ＊ ＿ ～ ｀ ＼ ＠ ＃ ...), which reads the same and means
 * nothing. Every dialect first makes the text one line: control characters become spaces,
 * bidirectional controls go. docs/CHANNELS.md has the table of what each channel does. */
typedef enum nb_dialect {
    NB_DIALECT_TEXT,          /* plain text (ntfy, e-mail headers) */
    NB_DIALECT_CHAT_TEXT,     /* plain text in a chat: no mention, no tag (WeCom text and news
                                 cards, Feishu post text, Slack alt text) */
    NB_DIALECT_MARKDOWN,      /* the briefing's Markdown (nb_brief_markdown_text) */
    NB_DIALECT_CHAT_MARKDOWN, /* WeCom markdown, DingTalk markdown, Feishu lark_md */
    NB_DIALECT_TELEGRAM_HTML, /* Telegram parse_mode HTML */
    NB_DIALECT_SLACK_MRKDWN,  /* Slack mrkdwn */
    NB_DIALECT_DISCORD,       /* Discord markdown (backslash escapes) */
    NB_DIALECT_HTML,          /* HTML text and attribute values (e-mail) */
} nb_dialect;

enum {
    NB_ESCAPE_LINK_TEXT = 1,  /* inside a link's text (Slack: "|" would end it) */
    NB_ESCAPE_LINE_START = 2, /* the text starts a line: block markers are neutralized */
    NB_ESCAPE_NO_MENTION = 4, /* NB_DIALECT_TEXT: "@" as "＠" (the chat dialects always do) */
};

/* text escaped for dialect. Caller frees. */
char *nb_escape(const char *text, nb_dialect dialect, unsigned flags);

/* --- The item walk (compose.c) -----------------------------------------------------------
 * Every channel writes a message's items in one order: for each item its title line
 * (number, title and link, time), its summary, its related reports, its picture.
 * nb_message_write_items walks them and calls the channel's writer for each part an item
 * has, so a channel file only says how its platform writes a part. */
typedef struct nb_item_parts {
    const nb_item *item;
    size_t number;              /* 1, 2, ... within the message */
    int first, last;            /* the message's first and last item */
    char when[32];              /* the item's display time ("2025-04-07 09:24") */
    const char *related_prefix; /* "相关报道：" when related reports are shown, else NULL */
} nb_item_parts;

/* Any member but title may be NULL: that part is not written. ctx is the caller's. */
typedef struct nb_item_writer {
    void (*title)(void *ctx, const nb_item_parts *p);   /* every item */
    void (*summary)(void *ctx, const nb_item_parts *p); /* when its summary is not empty */
    /* each related report k, in order, when the message shows them (its prefix is set) */
    void (*related)(void *ctx, const nb_item_parts *p, size_t k);
    void (*image)(void *ctx, const nb_item_parts *p); /* when the item has a picture */
    void (*end)(void *ctx, const nb_item_parts *p);   /* after the item's parts */
} nb_item_writer;

void nb_message_write_items(const nb_message *msg, const nb_item_writer *writer, void *ctx);

/* --- Helpers for channel files ------------------------------------------------------- */

/* Size of text in unit. */
size_t nb_measure(const char *text, nb_size_unit unit);
/* The header line text: "新闻简报 (更新时间: 2025-04-07 10:45) (1/3)" (msg->header filled in,
 * after the keyword). Caller frees. */
char *nb_message_header(const nb_message *msg, const char *keyword);
/* An item's display time "2025-04-07 09:24" (display zone). out >= 32 bytes. */
void nb_item_time(const nb_item *item, char *out, size_t n);
/* "相关报道：[label](url) · [label](url)" in the chat markdown dialect (labels escaped),
 * NULL when the item has no related reports or prefix is NULL or empty. Caller frees. */
char *nb_chat_related_line(const nb_item *item, const char *prefix);
/* Appends the part of that line for related report k: prefix before the first, " · "
 * before the others, then "[label](url)". */
nb_err nb_chat_related_put(nb_buf *b, const nb_item *item, const char *prefix,
                           size_t k) NB_MUST_CHECK;
/* The message as the briefing's Markdown (seed format, header with the marker). Caller
 * frees. */
char *nb_message_markdown(const nb_message *msg);
/* Writes text to path atomically (a temporary file beside it, then rename). */
nb_err nb_push_write_file(const char *path, const char *text, nb_errbuf *err) NB_MUST_CHECK;
/* Base64 of HMAC-SHA256(key, message). out >= 45 bytes. */
void nb_hmac_sha256_base64(const char *key, size_t key_len, const char *message, size_t message_len,
                           char *out);
/* Lowercase hex of HMAC-SHA256(key, message). out >= 65 bytes. */
void nb_hmac_sha256_hex(const char *key, const char *message, size_t message_len, char *out);
/* A JSON POST of body to url (both taken: the request frees them). */
void nb_request_json(nb_send_request *out, char *url, char *body);
/* The request of a platform that takes a payload as it is at the channel's url, unsigned:
 * a kind's request. */
void nb_request_plain(const nb_channel_config *channel, const char *method, const char *payload,
                      int64_t now, nb_send_request *out);
/* Starts out's header list with its content type (a static string). */
void nb_request_headers(nb_send_request *out, const char *content_type);
/* Adds a header line, formatted into out's header_text (room for three), to the list that
 * nb_request_headers or nb_request_json started. */
void nb_request_header(nb_send_request *out, const char *format, ...) NB_PRINTF(2, 3);
/* A JSON body's code at key (errcode, code) or -1; its message at msg_key, or NULL. */
long nb_answer_code(const nb_http_response *response, const char *key, const char *msg_key,
                    char *msg, size_t msg_size);
/* The answer of a platform that reports {"errcode": n, "errmsg": "..."} in a 200 body
 * (WeCom, DingTalk): 0 accepted, retry_code transient, payload_code a refused payload,
 * anything else a configuration error. Transport failures as nb_classify_transport. */
nb_verdict nb_classify_errcode(const nb_http_response *r, long retry_code, long payload_code,
                               int64_t *retry_after, char *why, size_t why_size);
/* Classification shared by every platform for what is not in the body: transport errors
 * and HTTP statuses. Returns 1 and sets *verdict when it decided. */
int nb_classify_transport(const nb_http_response *r, nb_verdict *verdict, int64_t *retry_after,
                          char *why, size_t why_size);

#endif
