/* SPDX-License-Identifier: MIT */
/* `newsbrief push`: sends what the outbox holds (after a failed run, or to retry);
 * --dry-run prints what each channel would receive instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/redact.h"
#include "push/push.h"

static int configured(const nb_config *config, const char *channel)
{
    for (size_t i = 0; i < config->channel_count; i++)
        if (strcmp(config->channels[i].name, channel) == 0)
            return 1;
    return 0;
}

static nb_err dry_run(const nb_config *config, nb_store *store)
{
    nb_outbox_row *rows = NULL;
    size_t count = 0;
    nb_errbuf err;
    nb_err rc = nb_store_outbox_list(store, &rows, &count, &err);
    if (rc != NB_OK) {
        nb_app_error("%s", err.msg);
        return rc;
    }
    size_t shown = 0;
    for (size_t i = 0; i < count; i++) {
        if (rows[i].status[0] == 'f') /* failed rows are not sent again */
            continue;
        char *payload = nb_redact(rows[i].payload);
        printf("== channel %s, message %d of briefing %lld%s%s%s\n%s\n\n", rows[i].channel,
               rows[i].seq, (long long)rows[i].briefing_id, *rows[i].method ? ", " : "",
               rows[i].method,
               configured(config, rows[i].channel)
                   ? ""
                   : " (channel no longer configured: never sent; see newsbrief outbox --drop)",
               payload);
        free(payload);
        shown++;
    }
    if (!shown)
        printf("nothing to send\n");
    nb_outbox_rows_free(rows, count);
    return NB_OK;
}

static nb_err push_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_err rc = nb_app_open_store(config, &store, &lock);
    if (rc == NB_OK) {
        if (cli->dry_run) {
            rc = dry_run(config, store);
        } else {
            nb_http *http = nb_app_http(config);
            nb_push_report report;
            nb_push_outbox(config, store, http, NULL, &report);
            nb_http_free(http);
            printf("sent %zu, pending %zu, failed %zu\n", report.sent, report.pending,
                   report.failed);
            rc = nb_app_store_failed(store, report.channels_failed ? NB_ERR_FAILED : NB_OK);
        }
        nb_store_lock_release(lock);
        nb_store_close(store);
    }
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_push = {
    .name = "push",
    .summary = "send what the outbox holds",
    .usage = "Sends every pending message of the outbox, in order per channel, within each\n"
             "platform's rate limits. `newsbrief run` does this after composing; push is for\n"
             "retrying after a failure. Messages left \"sending\" by a run that died are sent\n"
             "again and reported as possible duplicates.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --dry-run      print what each channel would receive; send nothing\n"
             "  -v, --verbose      more log lines on stderr\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 delivered (or waiting for a platform's retry time), 1 a channel\n"
             "failed for good or the database cannot be written (disk full, read-only), 2\n"
             "usage or configuration error\n",
    .main = push_main,
    .options = NB_OPT_DRY_RUN,
};
