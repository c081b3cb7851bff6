/* SPDX-License-Identifier: MIT */
/* `newsbrief run`: one pass of every stage with the configured sources and channels. */
#include <stdio.h>

#include "app/app.h"

static nb_err run_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_err rc = cli->dry_run ? nb_pipeline_preview(config, cli->resend, stdout)
                             : nb_pipeline_run(config, cli->resend, stdout);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_run = {
    .name = "run",
    .summary = "collect, summarize and deliver one briefing",
    .usage = "Fetches every enabled source, stores new items, and composes for every channel\n"
             "the stories published within `window` it was not given before (one entry per\n"
             "story, newest first, at most `max_items`, `items_per_page` to a page), then\n"
             "delivers them. With no channel the briefing is printed on standard output.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --resend       include stories already sent (ignore the ledger)\n"
             "      --dry-run      collect and compose, then print every channel's messages;\n"
             "                     record nothing as sent (new items are still stored)\n"
             "      --now TIME     pin the current time (ISO 8601; without an offset, in\n"
             "                     newsbrief.timezone); also NEWSBRIEF_NOW\n"
             "  -v, --verbose      more log lines on stderr (twice for debug)\n"
             "  -q, --quiet        errors only\n"
             "  -h, --help         this help\n\n"
             "exit status:\n"
             "  0  success; also when some sources failed (the last line says how many:\n"
             "     \"3 of 4 sources failed; see newsbrief sources\") or nothing was new (one\n"
             "     line: \"nothing new since 12:30: no briefing\"; -q hides both)\n"
             "  1  no source succeeded, a channel failed (its messages wait in the outbox\n"
             "     for `newsbrief push`), another run held the database past lock_timeout,\n"
             "     or the database's storage failed (disk full, read-only)\n"
             "  2  usage or configuration error (including a database path that cannot be\n"
             "     created)\n",
    .main = run_main,
    .options = NB_OPT_RESEND | NB_OPT_DRY_RUN,
};
