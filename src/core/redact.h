/* SPDX-License-Identifier: MIT */
/* Redaction: no secret leaves the process in anything newsbrief prints or stores (log
 * lines, command output, --json documents, the database's error and answer columns, and
 * later the web archive and MCP answers). Two layers, applied together:
 *   - the secrets registered as the configuration is read (keys, tokens, webhook URLs,
 *     proxies with credentials, header values), any number of them;
 *   - patterns that are secret wherever they appear, even in text stored under another
 *     configuration: credential query parameters (?key= &access_token= &sign= ...),
 *     user:password@ in URLs, and the token path of chat webhooks (Telegram /bot<id>:<token>,
 *     Slack hooks.slack.com/services/..., Discord /api/webhooks/<id>/<token>, Feishu and Lark
 *     /open-apis/bot/v2/hook/<token>).
 * A masked secret reads "***". Redacted text is never longer than the input plus three
 * bytes per masked query value. Thread-safe: registering takes a write lock, redacting a
 * read lock, so server threads may redact while nothing registers. */
#ifndef NB_CORE_REDACT_H
#define NB_CORE_REDACT_H

#include <jansson.h>
#include <stddef.h>

/* The mask that replaces a secret. */
#define NB_REDACT_MASK "***"

/* Registers a secret (copied). Texts shorter than 4 bytes are ignored: masking them
 * would garble ordinary words. Registering the same text twice keeps one. */
void nb_redact_add(const char *secret);
/* Forgets every registered secret (tests; the end of a process). */
void nb_redact_clear(void);
/* How many secrets are registered. */
size_t nb_redact_count(void);

/* text with every secret masked: a new string the caller frees; NULL for NULL. */
char *nb_redact(const char *text);
/* The same into out (size n >= 1, always terminated; cut to fit). */
void nb_redact_copy(const char *text, char *out, size_t n);
/* Masks secrets in every string of a JSON value (arrays and objects walked, keys too), in
 * place, before it is printed or served. NULL-safe. */
void nb_redact_json(json_t *value);

#endif
