/* SPDX-License-Identifier: MIT */
/* `newsbrief extract FILE|URL [--url URL] --json`: one page's article (main text, title,
 * byline, time, image, language, site name) in the JSON contract of the article
 * conformance suites. A URL argument is fetched through the HTTP engine. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/url.h"
#include "parse/parse.h"

static void set_text(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, value ? json_string(value) : json_null());
}

static nb_err extract_main(const nb_cli *cli, int argc, char **argv)
{
    nb_app_page f;
    nb_article *a = NULL;
    nb_errbuf err = {{0}};
    nb_err rc = nb_app_read_page(NULL, cli->argument, 0, &f, &err);
    const char *url = cli->url;
    if (!url && nb_url_is_http(cli->argument))
        url = f.final_url ? f.final_url : cli->argument;
    if (rc) {
        nb_app_error("extract: %s", err.msg);
        if (rc == NB_ERR_IO)
            rc = NB_ERR_USAGE; /* the named file cannot be read */
        goto out;
    }
    if (f.body.len == 0) {
        fprintf(stderr, "newsbrief: extract: %s: the page is empty\n", cli->argument);
        rc = NB_ERR_PARSE;
        goto out;
    }
    rc = nb_extract(nb_buf_str(&f.body), f.body.len, url, f.content_type, NULL, &a, &err);
    if (rc) {
        nb_app_error("extract: %s: %s", cli->argument, err.msg);
        goto out;
    }
    if (a->warning)
        nb_log(NB_LOG_INFO, "extract", "%s: %s", cli->argument, a->warning);
    json_t *o = json_object();
    set_text(o, "title", a->title);
    set_text(o, "byline", a->byline);
    set_text(o, "excerpt", a->excerpt);
    set_text(o, "siteName", a->site_name);
    set_text(o, "publishedTime", a->published);
    set_text(o, "lang", a->lang);
    if (a->dir)
        set_text(o, "dir", a->dir);
    json_object_set_new(o, "readerable", json_boolean(a->readerable));
    set_text(o, "image", a->image);
    set_text(o, "charset", a->charset);
    set_text(o, "content_text", a->text);
    if (cli->json) {
        char *s = json_dumps(o, JSON_COMPACT);
        puts(s ? s : "{}");
        free(s);
    } else {
        printf("%s\n\n%s\n", a->title ? a->title : "", a->text);
    }
    json_decref(o);
out:
    nb_article_free(a);
    nb_app_page_free(&f);
    return rc;
}

const nb_command nb_cmd_extract = {
    .name = "extract",
    .synopsis = "[--url URL] [--json] FILE|URL",
    .summary = "extract the article (text and metadata) of one page",
    .usage = "Reads an HTML page from FILE, or fetches URL, and prints its article: the\n"
             "main text, title, byline, excerpt, site name, publication time, language and\n"
             "lead image. The charset is found from the page (BOM, <meta>, detection).\n"
             "An empty page is an error.\n\n"
             "options:\n"
             "      --url URL      the page's address: the base of relative links\n"
             "      --json         one JSON object (title, byline, excerpt, siteName,\n"
             "                     publishedTime, lang, dir, readerable, image, content_text)\n"
             "  -h, --help         this help\n",
    .main = extract_main,
    .options = NB_OPT_ARGUMENT | NB_OPT_JSON | NB_OPT_URL,
};
