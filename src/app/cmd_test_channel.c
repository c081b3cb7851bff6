/* SPDX-License-Identifier: MIT */
/* `newsbrief test-channel NAME`: one short message to a channel, now, to check its settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/memory.h"
#include "core/time.h"
#include "push/push.h"

static nb_err test_channel_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_errbuf err;
    const nb_channel_config *channel = NULL;
    for (size_t i = 0; i < config->channel_count; i++)
        if (!strcmp(config->channels[i].name, cli->argument))
            channel = &config->channels[i];
    nb_err rc;
    if (!channel) {
        fprintf(stderr, "newsbrief: no channel \"%s\" under channels: in %s\n", cli->argument,
                config->path);
        rc = NB_ERR_USAGE;
    } else if (nb_push_is_local(channel)) {
        /* a local channel gets one test line the way it gets a briefing */
        char stamp[32];
        nb_time_format_display(nb_clock_now(), stamp, sizeof stamp);
        char *line =
            nb_xasprintf("newsbrief 测试消息 / test message (%s): 看到这条消息，说明频道配置"
                         "正确。If you can read this, the channel works.\n",
                         stamp);
        char *pages[] = {line};
        rc = NB_OK;
        if (nb_push_local(channel, pages, 1, stdout, &err) != NB_OK) {
            fprintf(stderr, "newsbrief: channel %s: %s\n", channel->name, err.msg);
            rc = NB_ERR_FAILED; /* the channel refused the line, whatever the cause */
        } else if (channel->path) {
            printf("channel %s: test line written to %s\n", channel->name, channel->path);
        }
        free(line);
    } else {
        nb_http *http = nb_app_http(config);
        rc = nb_push_test(config, channel, http, &err);
        nb_http_free(http);
        if (rc == NB_OK)
            printf("channel %s: test message accepted\n", channel->name);
        else /* NB_ERR_USAGE: a local channel; NB_ERR_HTTP: refused */
            nb_app_error("%s", err.msg);
    }
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_test_channel = {
    .name = "test-channel",
    .synopsis = "[options] NAME",
    .summary = "send a short test message to one channel",
    .usage = "Sends one short message to the channel NAME (a key under channels:) and says\n"
             "whether the platform accepted it; the answer names the cause when it did not\n"
             "(bad key, signature, keyword, chat). A file channel gets a test line written to\n"
             "its path, as a briefing would be; stdout prints it.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 accepted, 1 refused, 2 usage or configuration error\n",
    .main = test_channel_main,
    .options = NB_OPT_ARGUMENT,
};
