/* SPDX-License-Identifier: MIT */
/* `newsbrief migrate --to postgresql://…`: copies the configuration's SQLite database into
 * an empty PostgreSQL database (store.h, nb_store_copy: one transaction, ids kept, counts
 * verified) and prints the counts. The SQLite file is opened read-only and left as it was;
 * the configuration is not changed: pointing newsbrief.database at the new one is the
 * user's step, once the copy is checked. */
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/redact.h"

static nb_err migrate_main(const nb_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (!cli->to || !*cli->to) {
        fprintf(stderr, "newsbrief migrate: --to postgresql://... is required (see newsbrief "
                        "migrate --help)\n");
        return NB_ERR_USAGE;
    }
    if (!nb_database_is_postgres(cli->to)) {
        nb_app_error("migrate --to: \"%s\" is not a PostgreSQL database (a postgresql:// URI "
                     "or a libpq key=value string such as \"host=... dbname=...\")",
                     cli->to);
        return NB_ERR_USAGE;
    }
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_err rc;
    nb_store *from = NULL, *to = NULL;
    nb_copy_report report;
    nb_errbuf err;
    if (nb_database_is_postgres(config->database)) {
        nb_app_error("migrate copies a SQLite database, and newsbrief.database is already "
                     "PostgreSQL: %s",
                     config->database);
        rc = NB_ERR_CONFIG;
        goto out;
    }
    rc = nb_store_open_readonly(config->database, &from, &err);
    if (rc == NB_OK)
        rc = nb_store_open(cli->to, &to, &err);
    if (rc == NB_OK)
        rc = nb_store_copy(from, to, &report, &err);
    if (rc != NB_OK) {
        nb_app_error("%s", err.msg); /* a target that is not empty, too */
        goto out;
    }
    char *target = nb_redact(cli->to); /* the password was registered as a secret on open */
    printf("copied %s into %s\n%-18s %10s %10s\n", config->database, target, "table", "SQLite",
           "PostgreSQL");
    for (size_t i = 0; i < report.table_count; i++)
        printf("%-18s %10lld %10lld\n", report.tables[i].name,
               (long long)report.tables[i].source_rows, (long long)report.tables[i].copied_rows);
    printf("every count matches. To use it, set newsbrief.database to %s\n", target);
    free(target);
out:
    nb_store_close(to);
    nb_store_close(from);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_migrate = {
    .name = "migrate",
    .summary = "copy the SQLite database into an empty PostgreSQL database",
    .synopsis = "--to postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME [options]",
    .usage = "Copies the database of the configuration (newsbrief.database, a SQLite file) into\n"
             "an empty PostgreSQL database, in one transaction: items with their article texts\n"
             "and summaries, the LLM summary cache and usage, sources' health, briefings with\n"
             "their entries and pages, the ledger, the outbox, schedules and run counts. Row ids\n"
             "are kept, so briefing pages and /api item ids keep their addresses. The counts of\n"
             "every table are compared before the commit and printed; on any difference nothing\n"
             "is kept. The SQLite file is only read, and the configuration is not changed:\n"
             "stop the daemon first, then point newsbrief.database at the new database.\n\n"
             "options:\n"
             "      --to DATABASE  the PostgreSQL database: a postgresql:// URI or a libpq\n"
             "                     key=value string; it must be empty (its schema is created)\n"
             "  -c, --config FILE  configuration file (its newsbrief.database is the source)\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 copied; 1 a database failed or the target is not empty; 2 usage or\n"
             "configuration error\n",
    .main = migrate_main,
    .options = NB_OPT_TO,
};
