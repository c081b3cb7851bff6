/* `newsbrief outbox`: messages not yet delivered, with their last answer (secrets masked,
 * also in answers stored before they were). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/redact.h"
#include "core/time.h"

static int outbox_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    int loaded = nb_app_config(cli, &config);
    if (loaded >= 0)
        return loaded;
    nb_errbuf err;
    nb_store *store = NULL;
    nb_outbox_row *rows = NULL;
    size_t count = 0;
    int rc = NB_EXIT_OK;
    if (nb_store_open(config->database, &store, &err) != NB_OK ||
        nb_store_outbox_list(store, &rows, &count, &err) != NB_OK) {
        nb_app_error("%s", err.msg);
        rc = NB_EXIT_USAGE;
    } else if (cli->json) {
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(
                list,
                json_pack("{s:I, s:s, s:i, s:s, s:i, s:I, s:s?, s:b}", "id", (json_int_t)rows[i].id,
                          "channel", rows[i].channel, "seq", rows[i].seq, "status", rows[i].status,
                          "attempts", rows[i].attempts, "next_attempt_at",
                          (json_int_t)rows[i].next_attempt_at, "last_answer", rows[i].last_answer,
                          "possible_duplicate", rows[i].possible_duplicate));
        nb_redact_json(list);
        char *text = json_dumps(list, JSON_INDENT(2));
        puts(text);
        free(text);
        json_decref(list);
    } else if (count == 0) {
        printf("the outbox is empty: everything was delivered\n");
    } else {
        printf("%-6s %-12s %4s %-8s %8s %-16s  %s\n", "ID", "CHANNEL", "SEQ", "STATUS", "ATTEMPTS",
               "NEXT ATTEMPT", "LAST ANSWER");
        for (size_t i = 0; i < count; i++) {
            char next[32] = "-";
            if (rows[i].next_attempt_at)
                nb_time_format_display(rows[i].next_attempt_at, next, sizeof next);
            char *answer = nb_redact(rows[i].last_answer ? rows[i].last_answer : "-");
            printf("%-6lld %-12s %4d %-8s %8d %-16s  %s\n", (long long)rows[i].id, rows[i].channel,
                   rows[i].seq, rows[i].status, rows[i].attempts, next, answer);
            free(answer);
        }
    }
    nb_outbox_rows_free(rows, count);
    nb_store_close(store);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_outbox = {
    .name = "outbox",
    .summary = "list messages not yet delivered",
    .usage = "Lists the outbox rows that are pending, being sent or failed, with attempts,\n"
             "the next attempt and the platform's last answer.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --json         print JSON instead of a table\n"
             "  -h, --help         this help\n",
    .main = outbox_main,
    .options = NB_OPT_JSON,
};
