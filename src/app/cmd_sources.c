/* SPDX-License-Identifier: MIT */
/* `newsbrief sources`: each configured source with its health as stored; --reset NAME
 * forgets a source's failures and backoff. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/memory.h"
#include "core/record.h"
#include "core/redact.h"
#include "core/time.h"
#include "store/store.h"
#include "text/text.h"

static void when(int64_t t, char *out, size_t n)
{
    if (t <= 0)
        snprintf(out, n, "never");
    else
        nb_time_format_display(t, out, n);
}

enum { COLUMNS = 6 };

/* One row of the table, as text. */
typedef struct row {
    char name[256], type[64], success[32], next[32], failures[16];
    const char *error;
} row;

static void fill(const nb_source_config *sc, const nb_source_state *st, int64_t now, row *r)
{
    snprintf(r->name, sizeof r->name, "%s", sc->name);
    snprintf(r->type, sizeof r->type, "%s", sc->type);
    when(st->last_success_at, r->success, sizeof r->success);
    if (!sc->enabled)
        snprintf(r->next, sizeof r->next, "disabled");
    else if (st->next_fetch_at > now)
        nb_time_format_display(st->next_fetch_at, r->next, sizeof r->next);
    else
        snprintf(r->next, sizeof r->next, "next run");
    snprintf(r->failures, sizeof r->failures, "%d", st->consecutive_errors);
    r->error = st->last_error ? st->last_error : "-";
}

/* Display width: CJK names take two columns a character. */
static int width(const char *s)
{
    return (int)nb_utf8_width(s);
}

static void cell(const char *text, int w, int right)
{
    int pad = w - width(text);
    if (right)
        printf("%*s%s", pad > 0 ? pad : 0, "", text);
    else
        printf("%s%*s", text, pad > 0 ? pad : 0, "");
}

static void print_table(const nb_config *config, const nb_source_state *states, int64_t now)
{
    static const char *const heads[COLUMNS] = {"NAME",       "TYPE",     "LAST SUCCESS",
                                               "NEXT FETCH", "FAILURES", "LAST ERROR"};
    row *rows = nb_xcalloc(config->source_count + 1, sizeof *rows);
    int w[COLUMNS];
    for (int k = 0; k < COLUMNS; k++)
        w[k] = width(heads[k]);
    for (size_t i = 0; i < config->source_count; i++) {
        row *r = &rows[i];
        fill(&config->sources[i], &states[i], now, r);
        const char *cells[COLUMNS - 1] = {r->name, r->type, r->success, r->next, r->failures};
        for (int k = 0; k < COLUMNS - 1; k++)
            if (width(cells[k]) > w[k])
                w[k] = width(cells[k]);
    }
    for (size_t i = 0; i <= config->source_count; i++) {
        const row *r = i ? &rows[i - 1] : NULL;
        const char *cells[COLUMNS] = {r ? r->name : heads[0],     r ? r->type : heads[1],
                                      r ? r->success : heads[2],  r ? r->next : heads[3],
                                      r ? r->failures : heads[4], r ? r->error : heads[5]};
        for (int k = 0; k < COLUMNS - 1; k++) {
            cell(cells[k], w[k], k == 4);
            fputs(k == 4 ? "  " : " ", stdout);
        }
        char *error = nb_redact(cells[5]); /* errors stored before they were masked, too */
        printf("%s\n", error);
        free(error);
    }
    free(rows);
}

/* A time as JSON: UTC seconds, or null for "never" (and for "not waiting"). */
static json_t *json_time(int64_t t)
{
    return t > 0 ? json_integer((json_int_t)t) : json_null();
}

static void print_json(const nb_config *config, const nb_source_state *states)
{
    json_t *list = json_array();
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_state *st = &states[i];
        json_t *o =
            json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:i, s:s?}", "name", config->sources[i].name,
                      "type", config->sources[i].type, "enabled", config->sources[i].enabled,
                      "last_success_at", json_time(st->last_success_at), "last_attempt_at",
                      json_time(st->last_attempt_at), "next_fetch_at", json_time(st->next_fetch_at),
                      "consecutive_failures", st->consecutive_errors, "last_error", st->last_error);
        json_array_append_new(list, o);
    }
    nb_redact_json(list);
    char *text = json_dumps(list, JSON_INDENT(2));
    puts(text ? text : "[]");
    free(text);
    json_decref(list);
}

/* --reset NAME: the source's failures, last error and backoff are forgotten. */
static nb_err reset(const nb_config *config, const char *name)
{
    const nb_source_config *sc = NULL;
    for (size_t i = 0; i < config->source_count && !sc; i++)
        if (strcmp(config->sources[i].name, name) == 0)
            sc = &config->sources[i];
    if (!sc) {
        fprintf(stderr, "newsbrief sources: no source \"%s\" in %s\n", name, config->path);
        return NB_ERR_USAGE;
    }
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_err rc = nb_app_open_store(config, &store, &lock);
    if (rc != NB_OK)
        return rc;
    nb_source_state st;
    nb_errbuf err;
    rc = nb_store_source_load(store, name, &st, &err);
    if (rc == NB_OK) {
        int had = st.consecutive_errors;
        nb_source_state_forget_failures(&st);
        if (!st.type)
            st.type = nb_xstrdup(sc->type);
        rc = nb_store_source_save(store, &st, &err);
        if (rc == NB_OK)
            printf("source %s reset: %d failure%s forgotten, fetched on the next run\n", name, had,
                   had == 1 ? "" : "s");
    }
    if (rc)
        nb_app_error("%s", err.msg);
    nb_source_state_clear(&st);
    nb_store_lock_release(lock);
    nb_store_close(store);
    return rc;
}

static nb_err sources_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    if (cli->reset) {
        nb_err rc = reset(config, cli->reset);
        nb_config_free(config);
        return rc;
    }
    nb_errbuf err;
    nb_store *store = NULL;
    nb_err open_rc = nb_store_open(config->database, &store, &err);
    if (open_rc != NB_OK) {
        nb_app_error("%s", err.msg);
        nb_config_free(config);
        return nb_app_store_open_failed(open_rc);
    }
    nb_source_state *states = nb_app_load_source_states(store, config);
    if (cli->json)
        print_json(config, states);
    else
        print_table(config, states, nb_clock_now());
    for (size_t i = 0; i < config->source_count; i++)
        nb_source_state_clear(&states[i]);
    free(states);
    nb_store_close(store);
    nb_config_free(config);
    return NB_OK;
}

const nb_command nb_cmd_sources = {
    .name = "sources",
    .synopsis = "[--json] [--reset NAME]",
    .summary = "list the sources with their health",
    .usage = "Lists every configured source with its last success, consecutive failures,\n"
             "last error and next fetch time. A source failing `failures_before_backoff`\n"
             "runs in a row (default 5) waits 30 minutes, then twice as long after each\n"
             "further failure, at most a day; a site's Retry-After is honoured too. A source\n"
             "whose settings change (url, type, base_url, proxy, selectors...) starts afresh.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --json         print JSON instead of a table (times in UTC seconds, null\n"
             "                     for never)\n"
             "      --reset NAME   forget the source's failures and backoff: it is fetched\n"
             "                     on the next run\n"
             "  -h, --help         this help\n",
    .main = sources_main,
    .options = NB_OPT_JSON | NB_OPT_RESET,
};
