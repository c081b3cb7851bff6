/* `newsbrief sources`: each configured source with its health as stored (errors with
 * secrets masked). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/record.h"
#include "core/redact.h"
#include "core/time.h"
#include "store/store.h"

static void when(int64_t t, char *out, size_t n)
{
    if (t <= 0)
        snprintf(out, n, "-");
    else
        nb_time_format_display(t, out, n);
}

static void print_table(const nb_config *config, const nb_source_state *states, int64_t now)
{
    printf("%-16s %-8s %-16s %-16s %8s  %s\n", "NAME", "TYPE", "LAST SUCCESS", "NEXT FETCH",
           "FAILURES", "LAST ERROR");
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *sc = &config->sources[i];
        const nb_source_state *st = &states[i];
        char success[32], next[32];
        when(st->last_success_at, success, sizeof success);
        if (!sc->enabled)
            snprintf(next, sizeof next, "disabled");
        else if (st->next_fetch_at > now)
            nb_time_format_display(st->next_fetch_at, next, sizeof next);
        else
            snprintf(next, sizeof next, "next run");
        char *error = nb_redact(st->last_error ? st->last_error : "-");
        printf("%-16s %-8s %-16s %-16s %8d  %s\n", sc->name, sc->type, success, next,
               st->consecutive_errors, error);
        free(error);
    }
}

static void print_json(const nb_config *config, const nb_source_state *states)
{
    json_t *list = json_array();
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_state *st = &states[i];
        json_t *o = json_pack(
            "{s:s, s:s, s:b, s:I, s:I, s:I, s:i, s:s?}", "name", config->sources[i].name, "type",
            config->sources[i].type, "enabled", config->sources[i].enabled, "last_success_at",
            (json_int_t)st->last_success_at, "last_attempt_at", (json_int_t)st->last_attempt_at,
            "next_fetch_at", (json_int_t)st->next_fetch_at, "consecutive_failures",
            st->consecutive_errors, "last_error", st->last_error);
        json_array_append_new(list, o);
    }
    nb_redact_json(list);
    char *text = json_dumps(list, JSON_INDENT(2));
    puts(text ? text : "[]");
    free(text);
    json_decref(list);
}

static int sources_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    int loaded = nb_app_config(cli, &config);
    if (loaded >= 0)
        return loaded;
    nb_errbuf err;
    nb_store *store = NULL;
    if (nb_store_open(config->database, &store, &err) != NB_OK) {
        nb_app_error("%s", err.msg);
        nb_config_free(config);
        return NB_EXIT_USAGE;
    }
    int rc = NB_EXIT_OK;
    nb_source_state *states = calloc(config->source_count + 1, sizeof *states);
    for (size_t i = 0; i < config->source_count && rc == NB_EXIT_OK; i++) {
        if (nb_store_source_load(store, config->sources[i].name, &states[i], &err) != NB_OK) {
            nb_app_error("%s", err.msg);
            rc = NB_EXIT_FAILED;
        }
    }
    if (rc == NB_EXIT_OK) {
        if (cli->json)
            print_json(config, states);
        else
            print_table(config, states, nb_clock_now());
    }
    for (size_t i = 0; i < config->source_count; i++)
        nb_source_state_clear(&states[i]);
    free(states);
    nb_store_close(store);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_sources = {
    .name = "sources",
    .summary = "list the sources with their health",
    .usage = "Lists every configured source with its last success, consecutive failures,\n"
             "last error and next fetch time. A source failing `failures_before_backoff`\n"
             "runs in a row (default 5) waits 30 minutes, then twice as long after each\n"
             "further failure, at most a day; a site's Retry-After is honoured too.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --json         print JSON instead of a table\n"
             "  -h, --help         this help\n",
    .main = sources_main,
    .options = NB_OPT_JSON,
};
