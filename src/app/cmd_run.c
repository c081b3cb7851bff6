/* `newsbrief run`: one pass of every stage with the configured sources and channels. */
#include <stdio.h>

#include "app/app.h"

static int run_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_errbuf err;
    if (nb_app_load_config(cli->config_path, &config, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        return NB_EXIT_USAGE;
    }
    int rc = nb_pipeline_run(config, stdout);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_run = {
    .name = "run",
    .summary = "collect, summarize and deliver one briefing",
    .usage = "Fetches every enabled source, stores new items, composes the briefing of the\n"
             "items published within `window` (newest first, at most `max_items`,\n"
             "`items_per_page` to a page) and delivers it to every channel. With no channel\n"
             "configured the briefing is printed on standard output.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --now TIME     pin the current time (ISO 8601); also NEWSBRIEF_NOW\n"
             "  -v, --verbose      more log lines on stderr (twice for debug)\n"
             "  -q, --quiet        errors only\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 success; 1 no source succeeded or a channel failed;\n"
             "2 usage or configuration error (including an unwritable database)\n",
    .main = run_main,
};
