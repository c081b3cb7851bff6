/* SPDX-License-Identifier: MIT */
/* `newsbrief parse-feed FILE [--url URL] [--headers FILE] --json`: one feed file parsed and
 * printed as feedparser's result dictionary (the JSON contract of the feed conformance
 * suite), with the HTTP response headers it would have been served with. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/limits.h"
#include "parse/parse.h"

/* The --headers file: a JSON object of header names to string values. NB_ERR_USAGE
 * (printed) when it is not one. */
static nb_err load_headers(const char *path, json_t **out)
{
    *out = json_object();
    if (!path)
        return NB_OK;
    json_error_t jerr;
    json_t *h = json_load_file(path, 0, &jerr);
    if (!h || !json_is_object(h)) {
        fprintf(stderr, "newsbrief: --headers %s: %s\n", path,
                h ? "not a JSON object of header names to values" : jerr.text);
        json_decref(h);
        return NB_ERR_USAGE;
    }
    const char *key;
    json_t *value;
    json_object_foreach(h, key, value) if (json_is_string(value)) json_object_set(*out, key, value);
    json_decref(h);
    return NB_OK;
}

static nb_err parse_feed_main(const nb_cli *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    json_t *headers = NULL;
    if (load_headers(cli->headers, &headers) != NB_OK) {
        json_decref(headers);
        return NB_ERR_USAGE;
    }
    nb_buf data;
    nb_buf_init(&data, NB_LIMIT_BODY_BYTES);
    nb_errbuf err;
    nb_err rc = nb_buf_read_file(&data, cli->argument, &err);
    if (rc != NB_OK) {
        nb_app_error("%s", err.msg);
        nb_buf_free(&data);
        json_decref(headers);
        return rc == NB_ERR_IO ? NB_ERR_USAGE : rc; /* the named file cannot be read */
    }
    json_t *result = nb_feed_parse_dict(data.data ? data.data : "", data.len, cli->url, headers);
    char *text = json_dumps(result, JSON_COMPACT);
    puts(text ? text : "{}");
    free(text);
    json_decref(result);
    json_decref(headers);
    nb_buf_free(&data);
    return NB_OK;
}

const nb_command nb_cmd_parse_feed = {
    .name = "parse-feed",
    .synopsis = "[--url URL] [--headers FILE] --json FILE",
    .summary = "parse one feed file and print it as JSON",
    .usage = "Parses FILE as a feed and prints what the parser read as one JSON object, in\n"
             "the shape of feedparser's result (bozo, encoding, version, feed, entries...).\n\n"
             "options:\n"
             "      --url URL      the document's address: the base of relative links\n"
             "      --headers FILE the HTTP response headers it came with, as a JSON object\n"
             "                     ({\"Content-Type\": \"...\"}): they decide the encoding\n"
             "      --json         JSON output (the only output)\n"
             "  -h, --help         this help\n",
    .main = parse_feed_main,
    .options = NB_OPT_ARGUMENT | NB_OPT_JSON | NB_OPT_URL,
};
