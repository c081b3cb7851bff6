/* The command-line program: option parsing shared by every command, one function per
 * command, and the pipeline that a run performs. The CLI uses only the stage headers. */
#ifndef NB_APP_APP_H
#define NB_APP_APP_H

#include <stdio.h>

#include "core/config.h"
#include "core/err.h"
#include "core/record.h"
#include "net/http.h"
#include "store/store.h"

enum {
    NB_EXIT_OK = 0,     /* success */
    NB_EXIT_FAILED = 1, /* the run failed: no source succeeded, or a channel failed */
    NB_EXIT_USAGE = 2,  /* usage or configuration error */
};

/* Options every command takes. */
typedef struct nb_cli {
    const char *config_path; /* --config, or NULL */
    const char *now;         /* --now, or NULL */
    int verbosity;           /* -1 quiet, 0 default, 1 -v, 2 -vv */
    int json;                /* --json: data as JSON (NB_OPT_JSON) */
    int dry_run;             /* --dry-run (NB_OPT_DRY_RUN) */
    const char *argument;    /* the one positional argument (NB_OPT_ARGUMENT) */
    int resend;              /* --resend (NB_OPT_RESEND) */
    const char *url;         /* --url (NB_OPT_URL) */
    const char *headers;     /* --headers (NB_OPT_URL) */
    const char *max_chars;   /* --max-chars N, as given (NB_OPT_SUMMARY) */
    const char *min_chars;   /* --min-chars N (NB_OPT_SUMMARY) */
    const char *language;    /* --language zh|en (NB_OPT_SUMMARY) */
} nb_cli;

/* Options beyond the common ones that a command takes. */
enum {
    NB_OPT_JSON = 1,
    NB_OPT_DRY_RUN = 2,
    NB_OPT_ARGUMENT = 4, /* exactly one positional argument */
    NB_OPT_RESEND = 8,
    NB_OPT_URL = 16,     /* --url URL and --headers FILE (parse-feed) */
    NB_OPT_SUMMARY = 32, /* --max-chars, --min-chars, --language (summarize) */
};

/* A command's description for parsing and --help. */
typedef struct nb_command {
    const char *name;
    const char *summary; /* one line for `newsbrief --help` */
    const char *usage;   /* the full --help text after the "usage:" line */
    int (*main)(const nb_cli *cli, int argc, char **argv);
    unsigned options; /* NB_OPT_* */
} nb_command;

extern const nb_command nb_cmd_run;
extern const nb_command nb_cmd_check_config;
extern const nb_command nb_cmd_demo;
extern const nb_command nb_cmd_sources;
extern const nb_command nb_cmd_push;
extern const nb_command nb_cmd_test_channel;
extern const nb_command nb_cmd_outbox;
extern const nb_command nb_cmd_parse_feed;
extern const nb_command nb_cmd_extract;
extern const nb_command nb_cmd_summarize;

/* Applies --now / NEWSBRIEF_NOW and the log level. Returns an exit code, or -1 to go on. */
int nb_app_setup(const nb_cli *cli);

/* Finds, reads and checks the configuration (including each source's and channel's own
 * settings) and selects its display zone. */
nb_err nb_app_load_config(const char *explicit_path, nb_config **out, nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_app_check_config(nb_config *config, nb_errbuf *err) NB_MUST_CHECK;
/* nb_app_load_config for a command: prints the error; returns -1 on success, else the
 * exit code. */
int nb_app_config(const nb_cli *cli, nb_config **out);

/* The summarize stage: fills every item's summary (LLM when configured, then the source's
 * own summary, then the offline summarizer), running requests on http. */
void nb_app_summarize(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                      nb_item *items, size_t count);

/* One article through the same chain without a store (nothing is cached): fills
 * item->summary (NULL when no step gives one) and returns the step that gave it: "llm",
 * "source", "extractive" or "none". */
const char *nb_app_summarize_one(const nb_config *config, nb_http *http, int64_t now,
                                 nb_item *item);

/* Opens the configuration's database and takes the run lock; prints the error and returns
 * an exit code on failure, -1 on success. */
int nb_app_open_store(const nb_config *config, nb_store **store, nb_store_lock **lock);

/* The run's HTTP engine with the configured caps. */
nb_http *nb_app_http(const nb_config *config);

/* The grey zone of story clustering settled by the LLM (when one is configured; answers
 * cached in the store): *same receives 2 * *same_count positions of items that are one
 * story (caller frees). */
void nb_app_confirm_stories(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                            const nb_item *items, size_t count, size_t **same, size_t *same_count);

/* One pass of every stage: collect, store, compose, deliver. Briefings for type stdout
 * (and the default channel when none is configured) go to out. resend ignores the ledger
 * (stories already given to a channel). Returns an exit code. */
int nb_pipeline_run(const nb_config *config, int resend, FILE *out);

#endif
