/* SPDX-License-Identifier: MIT */
/* `newsbrief outbox`: messages not yet delivered, with their last answer; --drop gives up
 * on one message or on every message of a channel (one no longer configured). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/redact.h"
#include "core/time.h"

static int configured(const nb_config *config, const char *channel)
{
    for (size_t i = 0; i < config->channel_count; i++)
        if (strcmp(config->channels[i].name, channel) == 0)
            return 1;
    return 0;
}

static void print_json(const nb_config *config, const nb_outbox_row *rows, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:b, s:i, s:s, s:i, s:I, s:s?, s:b}", "id",
                            (json_int_t)rows[i].id, "channel", rows[i].channel, "configured",
                            configured(config, rows[i].channel), "seq", rows[i].seq, "status",
                            rows[i].status, "attempts", rows[i].attempts, "next_attempt_at",
                            (json_int_t)rows[i].next_attempt_at, "last_answer", rows[i].last_answer,
                            "possible_duplicate", rows[i].possible_duplicate));
    nb_redact_json(list); /* answers stored before they were masked, too */
    char *text = json_dumps(list, JSON_INDENT(2));
    puts(text);
    free(text);
    json_decref(list);
}

static void print_table(const nb_config *config, const nb_outbox_row *rows, size_t count)
{
    int width = 12, removed = 0;
    for (size_t i = 0; i < count; i++)
        if ((int)strlen(rows[i].channel) > width)
            width = (int)strlen(rows[i].channel);
    printf("%-6s %-*s %4s %-8s %8s %-16s  %s\n", "ID", width, "CHANNEL", "SEQ", "STATUS",
           "ATTEMPTS", "NEXT ATTEMPT", "LAST ANSWER");
    for (size_t i = 0; i < count; i++) {
        char next[32] = "-";
        if (rows[i].next_attempt_at)
            nb_time_format_display(rows[i].next_attempt_at, next, sizeof next);
        int gone = !configured(config, rows[i].channel);
        removed |= gone;
        char *answer = nb_redact(rows[i].last_answer ? rows[i].last_answer : gone ? "" : "-");
        printf("%-6lld %-*s %4d %-8s %8d %-16s  %s%s%s\n", (long long)rows[i].id, width,
               rows[i].channel, rows[i].seq, rows[i].status, rows[i].attempts, next,
               gone ? "channel no longer configured" : "", gone && rows[i].last_answer ? "; " : "",
               answer);
        free(answer);
    }
    if (removed)
        printf("\nMessages of a channel no longer configured are never sent; remove them with\n"
               "`newsbrief outbox --drop --channel NAME` (or `--drop ID` for one message).\n");
}

/* --drop ID or --drop --channel NAME. */
static nb_err drop(const nb_cli *cli, const nb_config *config)
{
    int64_t id = 0;
    if (cli->argument) {
        char *end;
        errno = 0;
        long long v = strtoll(cli->argument, &end, 10);
        if (errno || end == cli->argument || *end || v <= 0) {
            fprintf(stderr, "newsbrief outbox: \"%s\" is not a message id (see newsbrief outbox)\n",
                    cli->argument);
            return NB_ERR_USAGE;
        }
        id = v;
    }
    if (!id == !cli->channel) {
        fprintf(stderr, "newsbrief outbox: --drop needs a message ID or --channel NAME, not both "
                        "(see newsbrief outbox --help)\n");
        return NB_ERR_USAGE;
    }
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_err rc = nb_app_open_store(config, &store, &lock);
    if (rc != NB_OK)
        return rc;
    nb_errbuf err;
    size_t dropped = 0;
    rc = nb_store_outbox_drop(store, id, cli->channel, &dropped, &err);
    if (rc != NB_OK) {
        nb_app_error("%s", err.msg);
    } else if (dropped == 0) {
        if (id)
            fprintf(stderr, "newsbrief outbox: no message %lld waiting in the outbox\n",
                    (long long)id);
        else
            fprintf(stderr, "newsbrief outbox: no message of channel %s waiting in the outbox\n",
                    cli->channel);
        rc = NB_ERR_USAGE; /* the ID or channel given names nothing to drop */
    } else if (id) {
        printf("dropped message %lld: it will not be sent\n", (long long)id);
    } else {
        printf("dropped %zu message%s of channel %s: they will not be sent\n", dropped,
               dropped == 1 ? "" : "s", cli->channel);
    }
    nb_store_lock_release(lock);
    nb_store_close(store);
    return rc;
}

static nb_err outbox_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    if (cli->drop || cli->argument) {
        nb_err rc = cli->drop ? drop(cli, config) : NB_ERR_USAGE;
        if (!cli->drop)
            fprintf(stderr,
                    "newsbrief outbox: unexpected argument \"%s\" (to drop it: --drop %s)\n",
                    cli->argument, cli->argument);
        nb_config_free(config);
        return rc;
    }
    nb_errbuf err;
    nb_store *store = NULL;
    nb_outbox_row *rows = NULL;
    size_t count = 0, shown = 0;
    nb_err rc = NB_OK;
    if ((rc = nb_store_open(config->database, &store, &err)) != NB_OK ||
        (rc = nb_store_outbox_list(store, &rows, &count, &err)) != NB_OK) {
        nb_app_error("%s", err.msg);
        rc = nb_app_store_open_failed(rc);
        goto out;
    }
    /* --channel NAME alone lists that channel's messages: they move to the front */
    for (size_t i = 0; i < count; i++) {
        if (cli->channel && strcmp(rows[i].channel, cli->channel) != 0)
            continue;
        nb_outbox_row keep = rows[i];
        rows[i] = rows[shown];
        rows[shown++] = keep;
    }
    if (cli->json)
        print_json(config, rows, shown);
    else if (shown == 0)
        printf("the outbox is empty: everything was delivered\n");
    else
        print_table(config, rows, shown);
out:
    nb_outbox_rows_free(rows, count);
    nb_store_close(store);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_outbox = {
    .name = "outbox",
    .synopsis = "[--channel NAME] [--json] | --drop ID | --drop --channel NAME",
    .summary = "list messages not yet delivered; drop ones that cannot be",
    .usage = "Lists the outbox rows that are pending, being sent or failed, with attempts,\n"
             "the next attempt and the platform's last answer. Messages of a channel that is\n"
             "no longer in the configuration are marked so: they are never sent. --drop ID\n"
             "gives up on one message, --drop --channel NAME on every message of a channel.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --channel NAME only this channel's messages\n"
             "      --drop         remove messages from the outbox: never sent, and their\n"
             "                     stories are not given to the channel again\n"
             "      --json         print JSON instead of a table\n"
             "  -h, --help         this help\n",
    .main = outbox_main,
    .options = NB_OPT_JSON | NB_OPT_DROP,
};
