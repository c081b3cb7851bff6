/* SPDX-License-Identifier: MIT */
/* `newsbrief prune`: applies the retention settings by hand (the daemon does it once a
 * day) and says what went; --dry-run only counts. */
#include <stdio.h>

#include "app/app.h"
#include "core/log.h"
#include "core/time.h"

/* done jobs, silent daemons' heartbeats and the claims of schedule fires kept this long: a
 * daemon catching up reads the schedule's last fire, not these claims */
#define WORK_AGE (24 * 3600)

nb_err nb_app_prune(const nb_config *config, nb_store *store, int dry_run, nb_prune_report *report,
                    nb_errbuf *err)
{
    int64_t now = nb_clock_now();
    const nb_retention_config *r = &config->retention;
    nb_retention cut = {
        .article_text_before = r->article_text > 0 ? now - r->article_text : 0,
        .items_before = r->items > 0 ? now - r->items : 0,
        .briefings_before = r->briefings > 0 ? now - r->briefings : 0,
        .now = now,
        .work_age = WORK_AGE,
    };
    return nb_store_prune(store, &cut, dry_run, report, err);
}

void nb_app_prune_describe(const nb_prune_report *p, char *out, size_t n)
{
    snprintf(out, n,
             "article_texts=%zu items=%zu summaries=%zu briefings=%zu messages=%zu jobs=%zu "
             "bytes_freed=%lld%s",
             p->texts, p->items, p->summaries, p->briefings, p->messages, p->jobs,
             (long long)p->bytes_freed, p->vacuumed ? " vacuum=full" : "");
}

static nb_err prune_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_err rc = nb_app_open_store(config, &store, &lock);
    if (rc == NB_OK) {
        nb_prune_report report;
        nb_errbuf err;
        rc = nb_app_prune(config, store, cli->dry_run, &report, &err);
        if (rc != NB_OK) {
            fprintf(stderr, "newsbrief: %s\n", err.msg);
        } else {
            printf("%s: article text of %zu items, %zu items, %zu cached summaries, %zu "
                   "briefings, %zu messages, %zu finished jobs, heartbeats and fire claims",
                   cli->dry_run ? "would remove" : "removed", report.texts, report.items,
                   report.summaries, report.briefings, report.messages, report.jobs);
            if (!cli->dry_run && nb_database_is_postgres(config->database))
                printf("; the server's autovacuum makes the space reusable");
            else if (!cli->dry_run)
                printf("; the file shrank by %.1f MB%s", (double)report.bytes_freed / 1e6,
                       report.vacuumed ? " (first full vacuum)" : "");
            putchar('\n');
        }
        nb_store_lock_release(lock);
        nb_store_close(store);
    }
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_prune = {
    .name = "prune",
    .summary = "remove what retention: lets go, and shrink the database",
    .usage = "Applies the retention: settings: article texts older than article_text (30d)\n"
             "are dropped (title, summary, link and image stay), items older than items\n"
             "(365d) and briefings older than briefings (365d) are removed with their sent\n"
             "messages; jobs done more than a day ago, the heartbeats of daemons silent as\n"
             "long and the claims of schedule fires as old go too; then the freed pages go back to "
             "the file system. Stories\n"
             "removed are never sent again. The daemon does this once a day.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --dry-run      count what would go; change nothing\n"
             "      --now TIME     pin the current time (ISO 8601); also NEWSBRIEF_NOW\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 done; 1 the database failed; 2 usage or configuration error\n",
    .main = prune_main,
    .options = NB_OPT_DRY_RUN,
};
