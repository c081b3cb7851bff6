/* SPDX-License-Identifier: MIT */
/* `newsbrief schedule [EXPR]`: the next fire times of each configured schedule, or of one
 * expression, in the configured zone and in UTC, computed as the daemon computes them. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/time.h"
#include "core/zone.h"
#include "sched/sched.h"

#define DEFAULT_COUNT 5
#define MAX_COUNT 1000

/* One schedule's next fire times, as text or appended to a JSON array. */
static void show(const char *name, const nb_cron *cron, const nb_zone *zone, int64_t from,
                 long count, json_t *list)
{
    json_t *times = list ? json_array() : NULL;
    if (!list)
        printf("%s%s%s  (%s)\n", name ? name : "", name ? ": " : "", nb_cron_text(cron),
               nb_zone_name(zone));
    int64_t t = from;
    for (long i = 0; i < count; i++) {
        int64_t next;
        if (!nb_cron_next(cron, zone, t, &next))
            break;
        char local[40], utc[32];
        nb_zone_format_iso(zone, next, local, sizeof local);
        nb_time_format_iso(next, utc, sizeof utc);
        if (times) {
            json_array_append_new(times, json_pack("{s:s, s:s}", "local", local, "utc", utc));
        } else {
            char display[24];
            nb_zone_format(zone, next, display, sizeof display);
            utc[10] = ' ';
            printf("  %s %.6s   %.16s UTC\n", display, local + 19, utc);
        }
        t = next;
    }
    if (list)
        json_array_append_new(list, json_pack("{s:s?, s:s, s:o}", "name", name, "cron",
                                              nb_cron_text(cron), "next", times));
}

static int parse_count(const nb_cli *cli, long *count)
{
    *count = DEFAULT_COUNT;
    if (!cli->count)
        return 1;
    char *end;
    errno = 0;
    *count = strtol(cli->count, &end, 10);
    return !errno && end != cli->count && !*end && *count >= 1 && *count <= MAX_COUNT;
}

static nb_err schedule_main(const nb_cli *cli, int argc, char **argv)
{
    long count;
    if (!parse_count(cli, &count)) {
        fprintf(stderr, "newsbrief schedule: -n wants a number from 1 to %d, got \"%s\"\n",
                MAX_COUNT, cli->count);
        return NB_ERR_USAGE;
    }
    nb_errbuf err;
    int64_t from = nb_clock_now();
    if (cli->from && nb_time_parse(cli->from, 0, &from, &err) != NB_OK) {
        fprintf(stderr, "newsbrief schedule: --from: %s\n", err.msg);
        return NB_ERR_USAGE;
    }
    nb_cron *one = NULL;
    if (cli->argument && nb_cron_parse(cli->argument, &one, &err) != NB_OK) {
        fprintf(stderr, "newsbrief schedule: %s\n", err.msg);
        return NB_ERR_USAGE;
    }
    /* An expression alone needs no configuration; with one, its zone applies. */
    nb_config *config = NULL;
    char *path = cli->argument ? nb_app_config_path(cli) : NULL;
    if (!cli->argument || path) {
        nb_err loaded = nb_app_config(cli, &config);
        if (loaded != NB_OK) {
            free(path);
            nb_cron_free(one);
            return loaded;
        }
    }
    free(path);
    const char *zone_name = config ? config->timezone : "Asia/Shanghai";
    nb_zone *zone = NULL;
    nb_err rc = NB_OK;
    if (nb_zone_load(zone_name, &zone, &err) != NB_OK) {
        fprintf(stderr, "newsbrief schedule: %s\n", err.msg);
        rc = NB_ERR_CONFIG;
        goto out;
    }
    json_t *list = cli->json ? json_array() : NULL;
    if (one) {
        show(NULL, one, zone, from, count, list);
    } else {
        if (!config->schedule_count && !cli->json)
            fprintf(stderr,
                    "newsbrief schedule: %s has no schedules: section (see "
                    "docs/CONFIG.md)\n",
                    config->path);
        for (size_t i = 0; i < config->schedule_count; i++) {
            nb_cron *cron = NULL;
            if (nb_cron_parse(config->schedules[i].cron, &cron, &err) != NB_OK)
                continue; /* checked when the configuration was read */
            if (i && !cli->json)
                putchar('\n');
            show(config->schedules[i].name, cron, zone, from, count, list);
            nb_cron_free(cron);
        }
    }
    if (list) {
        char from_text[32];
        nb_time_format_iso(from, from_text, sizeof from_text);
        json_t *doc = json_pack("{s:s, s:s, s:o}", "timezone", zone_name, "from", from_text,
                                "schedules", list);
        char *text = json_dumps(doc, JSON_INDENT(2));
        puts(text ? text : "{}");
        free(text);
        json_decref(doc);
    }
out:
    nb_zone_free(zone);
    nb_cron_free(one);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_schedule = {
    .name = "schedule",
    .summary = "next fire times of the schedules, or of a cron expression",
    .usage = "Prints the next fire times of each schedule under schedules:, or of the cron\n"
             "expression EXPR (`newsbrief schedule EXPR`), in newsbrief.timezone\n"
             "(Asia/Shanghai without a configuration) and in UTC, as `newsbrief daemon`\n"
             "fires them. EXPR: five fields (minute hour day-of-month month day-of-week) or\n"
             "@hourly @daily @midnight @weekly @monthly @yearly @annually; see\n"
             "docs/CONFIG.md.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --from TIME    start after this instant (ISO 8601; default now)\n"
             "  -n N               fire times per schedule (default 5, at most 1000)\n"
             "      --json         as JSON: timezone, from, schedules[{name, cron, next[{local,\n"
             "                     utc}]}]\n"
             "      --now TIME     pin the current time (ISO 8601); also NEWSBRIEF_NOW\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 success; 2 a bad expression (one line naming the field and the\n"
             "value), option or configuration\n",
    .main = schedule_main,
    .options = NB_OPT_JSON | NB_OPT_SCHEDULE | NB_OPT_MAYBE_ARGUMENT,
};
