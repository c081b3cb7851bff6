/* SPDX-License-Identifier: MIT */
/* SMTP through libcurl's easy interface: one message, synchronously. A briefing is one mail,
 * sent a few times a day, so it does not need the multi engine. */
#include <curl/curl.h>
#include <string.h>

#include "core/limits.h"
#include "net/http.h"

typedef struct reader {
    const char *data;
    size_t left;
} reader;

static size_t read_message(char *buffer, size_t size, size_t count, void *user)
{
    reader *r = user;
    size_t n = size * count < r->left ? size * count : r->left;
    memcpy(buffer, r->data, n);
    r->data += n;
    r->left -= n;
    return n;
}

nb_err nb_smtp_send(const nb_smtp_message *m, long *reply, nb_errbuf *err)
{
    CURL *e = curl_easy_init();
    if (!e)
        return nb_errf(err, NB_ERR_INTERNAL, "cannot start libcurl");
    char from[512], error[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", m->from);
    struct curl_slist *rcpt = NULL;
    for (const char *const *to = m->to; to && *to; to++) {
        char address[512];
        snprintf(address, sizeof address, "<%s>", *to);
        rcpt = curl_slist_append(rcpt, address);
    }
    reader r = {m->data, m->len};
    curl_easy_setopt(e, CURLOPT_URL, m->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(e, CURLOPT_READDATA, &r);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)NB_LIMIT_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     m->timeout_ms ? m->timeout_ms : (long)NB_LIMIT_TOTAL_TIMEOUT_MS);
    if (m->require_tls && strncmp(m->url, "smtp://", 7) == 0)
        curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (m->username && *m->username) {
        curl_easy_setopt(e, CURLOPT_USERNAME, m->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, m->password ? m->password : "");
    }
    if (m->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, m->ca_file);
    CURLcode rc = curl_easy_perform(e);
    *reply = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, reply);
    nb_err out = NB_OK;
    if (rc != CURLE_OK)
        out = nb_errf(err, *reply ? NB_ERR_HTTP : NB_ERR_NETWORK, "%s: %s (SMTP reply %ld)", m->url,
                      error[0] ? error : curl_easy_strerror(rc), *reply);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(e);
    return out;
}
