/* SPDX-License-Identifier: MIT */
/* `newsbrief summarize FILE|URL|- [--max-chars N] [--min-chars N] [--language zh|en]
 * [--json]`: the summary the configured chain (LLM, the page's own description, the offline
 * summarizer) gives one article. HTML goes through the extractor first; plain text may open
 * with its title line. Nothing is stored or cached. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/parse.h"
#include "text/text.h"

/* HTML when the server says so, or when the first thing after white space is a tag. */
static int is_html(const char *content_type, const char *body)
{
    if (content_type)
        return strstr(content_type, "html") != NULL;
    const char *p = body;
    if (!strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return *p == '<';
}

/* Plain text: a first line under 200 characters without a sentence end, followed by a
 * blank line, is the title (the shape `newsbrief extract` prints). */
static void split_title(char *text, char **title, char **body)
{
    *title = NULL;
    *body = text;
    char *gap = strstr(text, "\n\n");
    if (!gap)
        return;
    *gap = '\0';
    size_t len = strlen(text);
    int sentence = len && strchr(".!?", text[len - 1]);
    static const char *const ends[] = {"。", "！", "？", NULL};
    for (const char *const *e = ends; *e && !sentence; e++)
        sentence = len >= 3 && !strcmp(text + len - 3, *e);
    if (!sentence && len && nb_utf8_length(text) < 200 && !strchr(text, '\n')) {
        *title = text;
        *body = gap + 2;
    } else {
        *gap = '\n';
    }
}

/* A number option within [low, high] into *out; NB_ERR_USAGE (printed) otherwise. */
static nb_err number_option(const char *name, const char *value, long long low, long long high,
                            int64_t *out)
{
    char *end = NULL;
    long long v = value ? strtoll(value, &end, 10) : -1;
    if (!value || end == value || *end || v < low || v > high) {
        fprintf(stderr, "newsbrief summarize: %s: \"%s\" is not a number from %lld to %lld\n", name,
                value ? value : "", low, high);
        return NB_ERR_USAGE;
    }
    *out = v;
    return NB_OK;
}

/* The configuration: --config, else ./newsbrief.yaml or the user's one when present, else
 * the built-in defaults (the offline summarizer). */
static nb_err load_config(const nb_cli *cli, nb_config **out)
{
    nb_errbuf err;
    char *path = nb_config_find(cli->config_path, &err);
    if (path) {
        free(path);
        return nb_app_config(cli, out);
    }
    static const char defaults[] = "sources: {}\n";
    if (nb_config_parse("defaults", defaults, sizeof defaults - 1, NULL, out, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        return NB_ERR_CONFIG;
    }
    return NB_OK;
}

/* Applies --max-chars, --min-chars and --language to the summarizer's settings;
 * NB_ERR_USAGE (printed) for a bad value. */
static nb_err apply_options(const nb_cli *cli, nb_summarizer_config *z)
{
    if (cli->max_chars &&
        number_option("--max-chars", cli->max_chars, 20, 4000, &z->max_chars) != NB_OK)
        return NB_ERR_USAGE;
    if (cli->min_chars &&
        number_option("--min-chars", cli->min_chars, 0, 2000, &z->min_chars) != NB_OK)
        return NB_ERR_USAGE;
    if (z->min_chars >= z->max_chars) {
        if (cli->min_chars) {
            fprintf(stderr,
                    "newsbrief summarize: --min-chars (%lld) must be below the maximum (%lld)\n",
                    (long long)z->min_chars, (long long)z->max_chars);
            return NB_ERR_USAGE;
        }
        z->min_chars = z->max_chars / 2; /* a smaller --max-chars takes the minimum along */
    }
    if (cli->language) {
        if (strcmp(cli->language, "zh") != 0 && strcmp(cli->language, "en") != 0) {
            fprintf(stderr, "newsbrief summarize: --language: \"%s\" is not zh or en\n",
                    cli->language);
            return NB_ERR_USAGE;
        }
        free(z->language);
        z->language = nb_xstrdup(cli->language);
    }
    return NB_OK;
}

static void set_text(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, value ? json_string(value) : json_null());
}

static nb_err summarize_main(const nb_cli *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    nb_config *config = NULL;
    nb_err rc = load_config(cli, &config);
    nb_app_page f = {0};
    nb_article *a = NULL;
    nb_item item = {0};
    nb_http *http = NULL;
    if (rc != NB_OK)
        goto out;
    rc = apply_options(cli, &config->summarizer);
    if (rc != NB_OK)
        goto out;
    http = nb_app_http(config);
    const char *source = cli->argument;
    nb_errbuf err = {{0}};
    rc = nb_app_read_page(http, source, 1, &f, &err);
    if (!strcmp(source, "-"))
        source = "standard input";
    if (rc) {
        fprintf(stderr, "newsbrief: summarize: %s\n", err.msg);
        if (rc == NB_ERR_IO)
            rc = NB_ERR_USAGE; /* the named file or standard input cannot be read */
        goto out;
    }
    const char *body = nb_buf_str(&f.body);
    if (is_html(f.content_type, body)) {
        const char *url = f.final_url ? f.final_url : nb_url_is_http(source) ? source : NULL;
        rc = nb_extract(body, f.body.len, url, f.content_type, NULL, &a, &err);
        if (rc != NB_OK) {
            fprintf(stderr, "newsbrief: summarize: %s: %s\n", source, err.msg);
            goto out;
        }
        item.title = a->title ? nb_text_collapse_space(a->title) : NULL;
        item.content = nb_xstrdup(a->text);
        item.excerpt = a->excerpt ? nb_xstrdup(a->excerpt) : NULL;
    } else {
        char *text = nb_utf8_sanitize(body, f.body.len), *title = NULL, *rest = NULL;
        split_title(text, &title, &rest);
        item.title = title ? nb_text_collapse_space(title) : NULL;
        item.content = nb_xstrdup(rest);
        free(text);
    }
    item.source = nb_xstrdup("summarize");
    item.key = nb_xstrdup(source);
    item.url = nb_xstrdup(nb_url_is_http(source) ? source : "");
    const char *path = nb_app_summarize_one(config, http, nb_clock_now(), &item);
    if (!item.summary) {
        fprintf(stderr, "newsbrief: summarize: %s: no sentence to summarize\n", source);
        rc = NB_ERR_FAILED;
    }
    if (cli->json) {
        json_t *o = json_object();
        set_text(o, "title", item.title);
        set_text(o, "summary", item.summary);
        char *method = !strcmp(path, "llm") ? nb_xasprintf("llm:%s", config->summarizer.model)
                                            : nb_xstrdup(strcmp(path, "none") ? path : "");
        set_text(o, "method", *method ? method : NULL);
        free(method);
        json_object_set_new(
            o, "chars", json_integer(item.summary ? (json_int_t)nb_utf8_length(item.summary) : 0));
        json_object_set_new(o, "max_chars", json_integer(config->summarizer.max_chars));
        set_text(o, "language", config->summarizer.language);
        char *s = json_dumps(o, JSON_COMPACT);
        puts(s ? s : "{}");
        free(s);
        json_decref(o);
    } else if (item.summary) {
        puts(item.summary);
    }
out:
    nb_item_clear(&item);
    nb_article_free(a);
    nb_http_free(http);
    nb_app_page_free(&f);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_summarize = {
    .name = "summarize",
    .summary = "print the summary one article gets",
    .usage = "Reads one article from FILE, standard input (-) or URL and prints the summary\n"
             "the configured chain gives it: the LLM when summarizer.type is llm, else the\n"
             "page's own description when its length fits, else the offline summarizer.\n"
             "HTML goes through the extractor first; plain text may open with a title line\n"
             "and a blank line (what `newsbrief extract` prints). Without a configuration\n"
             "file the built-in defaults apply. Nothing is stored.\n\n"
             "usage: newsbrief summarize [options] FILE|URL|-\n\n"
             "options:\n"
             "      --max-chars N  longest summary in characters (default summarizer.max_chars)\n"
             "      --min-chars N  shortest summary to aim for (default summarizer.min_chars)\n"
             "      --language L   zh or en: the language the LLM writes in\n"
             "      --json         one JSON object: title, summary, method (llm:<model>,\n"
             "                     source, extractive or null), chars, max_chars, language\n"
             "  -h, --help         this help\n",
    .main = summarize_main,
    .options = NB_OPT_ARGUMENT | NB_OPT_JSON | NB_OPT_SUMMARY,
};
