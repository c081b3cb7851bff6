/* SPDX-License-Identifier: MIT */
/* Helpers for adapters of sites with a JSON API: telling a real answer from an anti-bot
 * page, a landing page or drifted output, so that blocking and drift become clear errors
 * and never an empty success. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/parse.h"
#include "sources/source.h"

/* The first bytes of body with control characters escaped, for messages. */
static void excerpt(const char *body, size_t len, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < 200 && o + 5 < n; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

json_t *nb_source_json(nb_source_run *run, const nb_http_response *r, const char *what,
                       const char *const *block_markers)
{
    if (!nb_source_expect_ok(run, r, what))
        return NULL;
    for (const char *const *m = block_markers; m && *m; m++) {
        if (strstr(r->body, *m)) {
            nb_source_fail(run, NB_ERR_BLOCKED,
                           "%s: %s: the site answered with its anti-bot or landing page "
                           "(\"%s\"); check the Referer and slow down",
                           what, r->url, *m);
            return NULL;
        }
    }
    const char *p = r->body;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '{' && *p != '[') {
        char head[256];
        excerpt(r->body, r->body_len, head, sizeof head);
        nb_source_fail(run, NB_ERR_PARSE, "%s: %s: expected JSON, got %s: \"%s\"", what, r->url,
                       r->content_type ? r->content_type : "no content type", head);
        return NULL;
    }
    json_t *root = NULL;
    nb_errbuf err;
    if (nb_json_parse(r->body, r->body_len, &root, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_PARSE, "%s: %s: %s", what, r->url, err.msg);
        return NULL;
    }
    return root;
}

nb_err nb_source_site_time(nb_source_run *run, const char *what, const char *path, const char *text,
                           int offset, int64_t *out)
{
    nb_errbuf err;
    if (nb_time_parse(text, offset, out, &err) != NB_OK) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: expected a date, got \"%.40s\"", what, path,
                       text);
        return NB_ERR_SCHEMA;
    }
    int64_t earliest = nb_days_from_civil(2015, 1, 1) * 86400;
    int64_t latest = nb_source_now(run) + 400 * 86400;
    if (*out < earliest || *out > latest) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s: implausible date \"%.40s\"", what, path, text);
        return NB_ERR_SCHEMA;
    }
    return NB_OK;
}

char *nb_source_body_text(const char *html, const nb_body_rules *rules)
{
    char *text = nb_html_to_text(html, strlen(html));
    char *clean = nb_text_clean_body(text, rules, NULL);
    free(text);
    if (!*clean) {
        free(clean);
        return NULL;
    }
    return clean;
}

nb_err nb_source_string(nb_source_run *run, const char *what, json_t *obj, const char *path,
                        const char *key, int required, const char **out)
{
    nb_errbuf err;
    *out = NULL;
    nb_err rc = required ? nb_json_get_string(obj, path, key, out, &err)
                         : nb_json_get_string_opt(obj, path, key, out, &err);
    if (rc) {
        nb_source_fail(run, NB_ERR_SCHEMA, "%s: %s", what, err.msg);
        return NB_ERR_SCHEMA;
    }
    return NB_OK;
}

const char *const nb_source_site_keys[] = {"base_url", NULL};

nb_err nb_source_check_site(const nb_source_config *config, nb_errbuf *err)
{
    if (config->url)
        return nb_errf(err, NB_ERR_CONFIG,
                       "\"url\" does not apply to type %s (its endpoints are built in; "
                       "base_url redirects them)",
                       config->type);
    if (config->base_url && !nb_url_is_http(config->base_url))
        return nb_errf(err, NB_ERR_CONFIG, "base_url \"%s\" is not an http(s) URL",
                       config->base_url);
    return NB_OK;
}
