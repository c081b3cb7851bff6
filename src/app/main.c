/* SPDX-License-Identifier: MIT */
/* newsbrief's entry point: dispatches `newsbrief <command> [options]`, and the only place
 * that knows exit statuses: every command returns nb_err, turned into one here. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "core/log.h"

/* The process's exit statuses, as --help and the man page promise them. */
enum {
    NB_EXIT_OK = 0,     /* success */
    NB_EXIT_FAILED = 1, /* the run failed: no source succeeded, a channel failed, storage failed */
    NB_EXIT_USAGE = 2,  /* usage or configuration error */
};

/* The one mapping from a command's result to its exit status: NB_OK is success; a usage or
 * configuration error (NB_ERR_USAGE, NB_ERR_CONFIG: also a database path that cannot hold
 * a database) is 2; every other code (NB_ERR_FAILED, NB_ERR_IO, NB_ERR_LOCKED ...) is a
 * failure of the work, 1. */
static int exit_status(nb_err rc)
{
    if (rc == NB_OK)
        return NB_EXIT_OK;
    if (rc == NB_ERR_USAGE || rc == NB_ERR_CONFIG)
        return NB_EXIT_USAGE;
    return NB_EXIT_FAILED;
}

static const nb_command *const commands[] = {
    &nb_cmd_run,      &nb_cmd_check_config, &nb_cmd_sources, &nb_cmd_push,    &nb_cmd_test_channel,
    &nb_cmd_outbox,   &nb_cmd_parse_feed,   &nb_cmd_demo,    &nb_cmd_extract, &nb_cmd_summarize,
    &nb_cmd_schedule, &nb_cmd_daemon,       &nb_cmd_status,  &nb_cmd_prune,   &nb_cmd_serve,
    &nb_cmd_mcp,      &nb_cmd_migrate,
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fputs("usage: newsbrief <command> [options]\n\n"
          "Collects AI news from sites and feeds, summarizes it and delivers briefings to\n"
          "chat tools, e-mail, files or standard output.\n\ncommands:\n",
          out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\noptions of every command:\n"
          "  -c, --config FILE  configuration (default ./newsbrief.yaml, then\n"
          "                     ~/.config/newsbrief/newsbrief.yaml)\n"
          "      --now TIME     pin the current time (ISO 8601; without an offset, wall-clock\n"
          "                     time in newsbrief.timezone); also NEWSBRIEF_NOW\n"
          "  -v, --verbose      more log lines on stderr (twice for debug); log lines\n"
          "                     start with the time in UTC (2025-04-07T02:45:00Z)\n"
          "  -q, --quiet        errors only on stderr\n"
          "  -h, --help         help of the command\n"
          "\n  newsbrief --version  prints the version\n"
          "\nexit status:\n"
          "  0  success; also a run where some sources failed (a last line says how many)\n"
          "     or where nothing was new (one line says since when)\n"
          "  1  the run failed: no source succeeded, a channel failed (its messages wait\n"
          "     in the outbox for `newsbrief push`), or another run held the database\n"
          "  2  usage or configuration error, including an unwritable database\n"
          "Run `newsbrief <command> --help` for a command's own options.\n",
          out);
}

/* Reads the options into cli; NB_ERR_USAGE (printed) for a bad command line. --help prints
 * the command's help and sets *done. */
static nb_err parse_common(const nb_command *cmd, int argc, char **argv, nb_cli *cli, int *done)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"now", required_argument, NULL, 'N'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'J'},
        {"dry-run", no_argument, NULL, 'D'},
        {"resend", no_argument, NULL, 'R'},
        {"url", required_argument, NULL, 'U'},
        {"headers", required_argument, NULL, 'H'},
        {"reset", required_argument, NULL, 'X'},
        {"drop", no_argument, NULL, 'P'},
        {"channel", required_argument, NULL, 'C'},
        {"listen", required_argument, NULL, 'L'},
        {"from", required_argument, NULL, 'F'},
        {"max-chars", required_argument, NULL, 'M'},
        {"min-chars", required_argument, NULL, 'm'},
        {"language", required_argument, NULL, 'G'},
        {"to", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:vqhn:", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli->config_path = optarg;
            break;
        case 'N':
            cli->now = optarg;
            break;
        case 'v':
            cli->verbosity = cli->verbosity < 0 ? 1 : cli->verbosity + 1;
            break;
        case 'q':
            cli->verbosity = -1;
            break;
        case 'U':
        case 'H':
            if (!(cmd->options & NB_OPT_URL)) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            if (c == 'U')
                cli->url = optarg;
            else
                cli->headers = optarg;
            break;
        case 'T':
            if (!(cmd->options & NB_OPT_TO)) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            cli->to = optarg;
            break;
        case 'L':
            if (!(cmd->options & NB_OPT_LISTEN)) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            cli->listen = optarg;
            break;
        case 'X':
        case 'P':
        case 'C':
            if (!(cmd->options & (c == 'X' ? NB_OPT_RESET : NB_OPT_DROP))) {
                fprintf(stderr, "newsbrief %s: unknown option --%s (see newsbrief %s --help)\n",
                        cmd->name,
                        c == 'X'   ? "reset"
                        : c == 'P' ? "drop"
                                   : "channel",
                        cmd->name);
                return NB_ERR_USAGE;
            }
            if (c == 'X')
                cli->reset = optarg;
            else if (c == 'P')
                cli->drop = 1;
            else
                cli->channel = optarg;
            break;
        case 'F':
        case 'n':
            if (!(cmd->options & NB_OPT_SCHEDULE)) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            if (c == 'F')
                cli->from = optarg;
            else
                cli->count = optarg;
            break;
        case 'M':
        case 'm':
        case 'G':
            if (!(cmd->options & NB_OPT_SUMMARY)) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            if (c == 'M')
                cli->max_chars = optarg;
            else if (c == 'm')
                cli->min_chars = optarg;
            else
                cli->language = optarg;
            break;
        case 'J':
        case 'D':
        case 'R':
            if (!(cmd->options & (c == 'J'   ? NB_OPT_JSON
                                  : c == 'D' ? NB_OPT_DRY_RUN
                                             : NB_OPT_RESEND))) {
                fprintf(stderr, "newsbrief %s: unknown option %s\n", cmd->name, argv[optind - 1]);
                return NB_ERR_USAGE;
            }
            if (c == 'J')
                cli->json = 1;
            else if (c == 'D')
                cli->dry_run = 1;
            else
                cli->resend = 1;
            break;
        case 'h':
            printf("usage: newsbrief %s %s\n\n%s", cmd->name,
                   cmd->synopsis ? cmd->synopsis : "[options]", cmd->usage);
            *done = 1;
            return NB_OK;
        case ':':
            fprintf(stderr, "newsbrief %s: option %s needs a value\n", cmd->name, argv[optind - 1]);
            return NB_ERR_USAGE;
        default:
            fprintf(stderr, "newsbrief %s: unknown option %s (see newsbrief %s --help)\n",
                    cmd->name, argv[optind - 1], cmd->name);
            return NB_ERR_USAGE;
        }
    }
    if ((cmd->options & (NB_OPT_ARGUMENT | NB_OPT_DROP | NB_OPT_MAYBE_ARGUMENT)) && optind < argc)
        cli->argument = argv[optind++];
    if ((cmd->options & NB_OPT_ARGUMENT) && !cli->argument) {
        fprintf(stderr, "newsbrief %s: missing argument (see newsbrief %s --help)\n", cmd->name,
                cmd->name);
        return NB_ERR_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "newsbrief %s: unexpected argument \"%s\" (see newsbrief %s --help)\n",
                cmd->name, argv[optind], cmd->name);
        return NB_ERR_USAGE;
    }
    return NB_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return NB_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        print_help(stdout);
        return NB_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("newsbrief %s\n", NB_VERSION);
        return NB_EXIT_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i]->name, name) != 0)
            continue;
        nb_cli cli = {0};
        int done = 0;
        nb_err rc = parse_common(commands[i], argc - 1, argv + 1, &cli, &done);
        if (!rc && !done)
            rc = nb_app_setup(&cli);
        if (!rc && !done)
            rc = commands[i]->main(&cli, argc - 1, argv + 1);
        nb_log_reset();
        return exit_status(rc);
    }
    fprintf(stderr, "newsbrief: unknown command \"%s\" (see newsbrief --help)\n", name);
    return NB_EXIT_USAGE;
}
