/* `newsbrief parse-feed FILE --json`: one feed file parsed and printed in the JSON contract
 * of feedparser's result (the conformance harness compares the two). Only the fields the
 * parser reads today are printed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/time.h"
#include "parse/parse.h"

/* feedparser's *_parsed: [year, month, day, hour, minute, second, weekday (Mon 0), yday, 0] */
static json_t *parsed_time(int64_t t)
{
    int v[9];
    nb_time_to_tuple(t, v);
    return json_pack("[i, i, i, i, i, i, i, i, i]", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                     v[8]);
}

static void set_text(json_t *obj, const char *key, const char *value)
{
    if (value)
        json_object_set_new(obj, key, json_string(value));
}

static json_t *entry_json(const nb_feed_entry *e)
{
    json_t *o = json_object();
    set_text(o, "title", e->title);
    set_text(o, "link", e->link);
    set_text(o, "id", e->id);
    set_text(o, "summary", e->summary_html);
    if (e->content_html)
        json_object_set_new(o, "content", json_pack("[{s:s}]", "value", e->content_html));
    if (e->link)
        json_object_set_new(o, "links",
                            json_pack("[{s:s, s:s}]", "rel", "alternate", "href", e->link));
    if (e->date_text) {
        set_text(o, "published", e->date_text);
        if (e->has_published)
            json_object_set_new(o, "published_parsed", parsed_time(e->published));
    }
    return o;
}

static int parse_feed_main(const nb_cli *cli, int argc, char **argv)
{
    nb_buf data;
    nb_buf_init(&data, NB_LIMIT_BODY_BYTES);
    nb_errbuf err;
    nb_err rc = nb_buf_read_file(&data, cli->argument, &err);
    if (rc == NB_ERR_IO) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        nb_buf_free(&data);
        return NB_EXIT_USAGE;
    }
    nb_feed *feed = NULL;
    json_t *out = json_object();
    if (rc == NB_OK)
        rc = nb_feed_parse(nb_buf_str(&data), data.len, cli->url, &feed, &err);
    json_object_set_new(out, "bozo", json_boolean(rc != NB_OK));
    if (rc != NB_OK)
        json_object_set_new(out, "bozo_exception", json_string(err.msg));
    json_object_set_new(out, "encoding", json_string("utf-8"));
    json_object_set_new(out, "version", json_string(feed ? feed->version : ""));
    if (cli->url)
        json_object_set_new(out, "href", json_string(cli->url));
    json_t *fj = json_object();
    json_t *entries = json_array();
    if (feed) {
        set_text(fj, "title", feed->title);
        set_text(fj, "link", feed->link);
        for (size_t i = 0; i < feed->entry_count; i++)
            json_array_append_new(entries, entry_json(&feed->entries[i]));
    }
    json_object_set_new(out, "feed", fj);
    json_object_set_new(out, "entries", entries);
    char *text = json_dumps(out, JSON_COMPACT);
    puts(text ? text : "{}");
    free(text);
    json_decref(out);
    nb_feed_free(feed);
    nb_buf_free(&data);
    return NB_EXIT_OK;
}

const nb_command nb_cmd_parse_feed = {
    .name = "parse-feed",
    .summary = "parse one feed file and print it as JSON",
    .usage = "Parses FILE as a feed and prints what the parser read as one JSON object, in\n"
             "the shape of feedparser's result (for conformance testing).\n\n"
             "usage: newsbrief parse-feed [--url URL] --json FILE\n\n"
             "options:\n"
             "      --url URL      the document's address: the base of relative links\n"
             "      --headers FILE accepted for the conformance harness; not read yet\n"
             "      --json         JSON output (the only output)\n"
             "  -h, --help         this help\n",
    .main = parse_feed_main,
    .options = NB_OPT_ARGUMENT | NB_OPT_JSON | NB_OPT_URL,
};
