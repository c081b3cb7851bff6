/* SPDX-License-Identifier: MIT */
/* The command-line program: option parsing shared by every command, one function per
 * command, and the pipeline that a run performs. The CLI uses only the stage headers.
 * Every command's function and every helper here follows core/err.h: it returns nb_err
 * (NB_OK: go on, or success), having printed its own error message; app/main.c alone
 * turns a command's result into the process's exit status. */
#ifndef NB_APP_APP_H
#define NB_APP_APP_H

#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/record.h"
#include "net/http.h"
#include "store/store.h"

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
    const char *listen;      /* --listen ADDR:PORT (NB_OPT_LISTEN) */
    const char *reset;       /* --reset NAME (NB_OPT_RESET) */
    int drop;                /* --drop (NB_OPT_DROP) */
    const char *channel;     /* --channel NAME (NB_OPT_DROP) */
    const char *from;        /* --from TIME (NB_OPT_SCHEDULE) */
    const char *count;       /* -n N (NB_OPT_SCHEDULE) */
    const char *max_chars;   /* --max-chars N, as given (NB_OPT_SUMMARY) */
    const char *min_chars;   /* --min-chars N (NB_OPT_SUMMARY) */
    const char *language;    /* --language zh|en (NB_OPT_SUMMARY) */
    const char *to;          /* --to DATABASE (NB_OPT_TO) */
} nb_cli;

/* Options beyond the common ones that a command takes. */
enum {
    NB_OPT_JSON = 1,
    NB_OPT_DRY_RUN = 2,
    NB_OPT_ARGUMENT = 4, /* exactly one positional argument */
    NB_OPT_RESEND = 8,
    NB_OPT_URL = 16,             /* --url URL and --headers FILE (parse-feed) */
    NB_OPT_LISTEN = 32,          /* --listen ADDR:PORT (serve) */
    NB_OPT_RESET = 64,           /* --reset NAME (sources) */
    NB_OPT_DROP = 128,           /* --drop, --channel NAME and an optional positional ID (outbox) */
    NB_OPT_SCHEDULE = 256,       /* --from TIME and -n N (schedule) */
    NB_OPT_MAYBE_ARGUMENT = 512, /* at most one positional argument */
    NB_OPT_SUMMARY = 1024,       /* --max-chars, --min-chars, --language (summarize) */
    NB_OPT_TO = 2048,            /* --to DATABASE (migrate) */
};

/* A command's description for parsing and --help. */
typedef struct nb_command {
    const char *name;
    const char *summary;  /* one line for `newsbrief --help` */
    const char *synopsis; /* after "usage: newsbrief <name> "; NULL: "[options]" */
    const char *usage;    /* the full --help text after the "usage:" line */
    /* runs the command; NB_ERR_USAGE or NB_ERR_CONFIG for a usage or configuration error
     * (including a database path that cannot hold a database), any other code when the
     * work failed (NB_ERR_FAILED when it ran and part of it failed) */
    nb_err (*main)(const nb_cli *cli, int argc, char **argv);
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
extern const nb_command nb_cmd_mcp;
extern const nb_command nb_cmd_serve;
extern const nb_command nb_cmd_schedule;
extern const nb_command nb_cmd_daemon;
extern const nb_command nb_cmd_status;
extern const nb_command nb_cmd_prune;
extern const nb_command nb_cmd_summarize;
extern const nb_command nb_cmd_migrate;

/* Prints "newsbrief: <message>" on stderr with secrets masked (core/redact), as every
 * command's error message. */
void nb_app_error(const char *fmt, ...) NB_PRINTF(1, 2);

/* Applies --now / NEWSBRIEF_NOW and the log level. NB_ERR_USAGE (printed) for a bad time. */
nb_err nb_app_setup(const nb_cli *cli) NB_MUST_CHECK;

/* The configuration file to read for cli (as nb_config_find), or NULL when none exists.
 * Caller frees. */
char *nb_app_config_path(const nb_cli *cli);

/* Finds, reads and checks the configuration (including each source's and channel's own
 * settings) and selects its display zone. */
nb_err nb_app_load_config(const char *explicit_path, nb_config **out, nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_app_check_config(nb_config *config, nb_errbuf *err) NB_MUST_CHECK;
/* nb_app_load_config for a command: prints every error and returns NB_ERR_CONFIG. */
nb_err nb_app_config(const nb_cli *cli, nb_config **out) NB_MUST_CHECK;

/* The summarize stage: fills every item's summary (LLM when configured, then the source's
 * own summary, then the offline summarizer), running requests on http. */
void nb_app_summarize(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                      nb_item *items, size_t count);

/* From now on the summarize stage hands the LLM's work to the workers of every daemon on
 * the database (jobs of kind NB_SUMMARY_JOB keyed by nb_app_summary_job_key, each failing
 * for good after max_attempts) and waits up to wait_ms for them. */
#define NB_SUMMARY_JOB "summary"
void nb_app_summarize_via_jobs(int max_attempts, int64_t wait_ms);
/* A summary job's key: the summary cache's key (caller frees). */
char *nb_app_summary_job_key(const char *content_hash, const char *model, const char *prompt_hash);

/* The worker of `newsbrief daemon` with workers on: takes summary jobs (up to the
 * summarizer's concurrency at once) and outbox messages of every chat channel, under leases
 * held as worker (the daemon renews them), until stopped (nb_app_stop). Fails (logged) when
 * the database cannot be opened or its storage failed. */
nb_err nb_app_worker(const nb_config *config, const char *worker) NB_MUST_CHECK;

/* One warning for the LLM failures of every nb_app_summarize since the last call (how many,
 * and the first cause); nothing when there were none. Called once at the end of a run. */
void nb_app_summarize_report(void);

/* One article through the same chain without a store (nothing is cached): fills
 * item->summary (NULL when no step gives one) and returns the step that gave it: "llm",
 * "source", "extractive" or "none" (a static string). */
const char *nb_app_summarize_one(const nb_config *config, nb_http *http, int64_t now,
                                 nb_item *item);

/* Opens the configuration's database, checks that it can be written and takes the run
 * lock; on failure prints the error and returns NB_ERR_IO when the storage is full,
 * read-only or failing, NB_ERR_LOCKED when another run keeps the lock, NB_ERR_CONFIG when
 * the path cannot hold a database. */
nb_err nb_app_open_store(const nb_config *config, nb_store **store,
                         nb_store_lock **lock) NB_MUST_CHECK;

/* A failed nb_store_open as a command's result: storage that fails (disk full, read-only,
 * NB_ERR_IO) is a failure of the work; anything else is the database setting (a path that
 * cannot hold a database, a server that refuses), NB_ERR_CONFIG. */
nb_err nb_app_store_open_failed(nb_err open_rc);

/* Logs a store error at level, unless the storage itself failed (disk full, read-only):
 * that one is reported once, by nb_app_store_failed, when the command ends. */
void nb_app_store_error(nb_store *store, int level, const nb_errbuf *err);

/* Reports the storage failure of the run, if any, in one error line naming the database
 * and the cause; returns NB_ERR_IO then, else rc. */
nb_err nb_app_store_failed(nb_store *store, nb_err rc) NB_MUST_CHECK;

/* Every configured source's stored state, in configuration order (caller frees each with
 * nb_source_state_clear, then the array). A source whose settings changed since its last
 * run starts afresh: no failures, no backoff, no validators. */
nb_source_state *nb_app_load_source_states(nb_store *store, const nb_config *config);

/* One page for a command on a single article (page.c). */
typedef struct nb_app_page {
    nb_buf body;        /* the bytes, at most NB_LIMIT_BODY_BYTES */
    char *content_type; /* the HTTP answer's, or NULL (files, standard input) */
    char *final_url;    /* the URL after redirects, or NULL */
} nb_app_page;

/* Reads source into *page: an http(s) URL is fetched on http (NULL: a temporary engine
 * with the default caps), trusted as configuration is; "-" is standard input when
 * allow_stdin is set; anything else is a file. Errors name the URL, file or standard input:
 * NB_ERR_IO when the file cannot be read, NB_ERR_LIMIT past the cap, the transfer's class
 * (NB_ERR_NETWORK, NB_ERR_HTTP ...) for a URL. The page is the caller's to release with
 * nb_app_page_free, also after a failure. */
nb_err nb_app_read_page(nb_http *http, const char *source, int allow_stdin, nb_app_page *page,
                        nb_errbuf *err) NB_MUST_CHECK;
void nb_app_page_free(nb_app_page *page);

/* The run's HTTP engine with the configured caps; the caller frees it (nb_http_free). */
nb_http *nb_app_http(const nb_config *config);

/* The grey zone of story clustering settled by the LLM (when one is configured; answers
 * cached in the store): *same receives 2 * *same_count positions of items that are one
 * story (caller frees). */
void nb_app_confirm_stories(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                            const nb_item *items, size_t count, size_t **same, size_t *same_count);

/* One pass of every stage: collect, store, compose, deliver. Briefings for type stdout
 * (and the default channel when none is configured) go to out. resend ignores the ledger
 * (stories already given to a channel). Errors are logged; the result is NB_ERR_CONFIG
 * when no source is enabled or the database path cannot hold a database, NB_ERR_LOCKED
 * when another run kept the lock, NB_ERR_IO when the storage failed, NB_ERR_FAILED when no
 * source succeeded or a channel failed. */
nb_err nb_pipeline_run(const nb_config *config, int resend, FILE *out) NB_MUST_CHECK;
/* A dry run: collects and stores items and composes as nb_pipeline_run does, then prints
 * every channel's messages on out instead of recording the briefings; nothing is queued,
 * sent or counted as given to a channel. */
nb_err nb_pipeline_preview(const nb_config *config, int resend, FILE *out) NB_MUST_CHECK;

/* Sends the stored briefing slug again to the configured channel channel_name: its entries
 * as delivered, composed for that channel, recorded (ledger, outbox) and delivered now;
 * a stdout channel writes to out. *summary says what happened (caller frees). */
nb_err nb_pipeline_send_briefing(const nb_config *config, const char *slug,
                                 const char *channel_name, FILE *out, char **summary,
                                 nb_errbuf *err) NB_MUST_CHECK;

/* What a run is asked to do. */
typedef struct nb_run_options {
    int resend;           /* ignore the ledger */
    FILE *out;            /* where stdout channels write */
    int deliver;          /* 0: collect (and summarize the new items with the LLM) only */
    int dry_run;          /* compose and print every channel's messages; record nothing */
    const char *schedule; /* the schedule that fired, for the run record; NULL: "run" */
    int workers;          /* the daemon's workers send the chat channels' messages */
} nb_run_options;

/* What a run did, for its log line. */
typedef struct nb_run_stats {
    size_t fetched; /* items the sources returned */
    long fresh;     /* of them, new to the store */
    size_t briefed; /* items put in briefings, all channels */
    size_t queued;  /* messages queued for chat channels */
    size_t sent;    /* messages the platforms accepted (this run's and earlier ones) */
    size_t waiting; /* messages left waiting for a retry time beyond max_wait_in_run */
} nb_run_stats;

/* nb_pipeline_run with options; *stats is filled in. */
nb_err nb_pipeline_run_with(const nb_config *config, const nb_run_options *options,
                            nb_run_stats *stats) NB_MUST_CHECK;

/* Asks the process to take no new work: the run in progress finishes its collection and
 * the requests in flight, composes nothing more and starts no new delivery (every outbox
 * row stays pending or sent). Only sets flags: safe in a signal handler. */
void nb_app_stop(void);
int nb_app_stopping(void);

/* Applies config->retention to store as of now (see nb_store_prune). */
nb_err nb_app_prune(const nb_config *config, nb_store *store, int dry_run, nb_prune_report *report,
                    nb_errbuf *err) NB_MUST_CHECK;
/* "article_texts=3 items=0 ..." for a log line. */
void nb_app_prune_describe(const nb_prune_report *report, char *out, size_t n);

/* Sends one state line ("READY=1", "STATUS=next: briefing 2025-04-07 15:45") to the
 * service manager when $NOTIFY_SOCKET names one; nothing otherwise. */
void nb_app_notify(const char *fmt, ...) NB_PRINTF(1, 2);
/* The watchdog interval the service manager asks for (WATCHDOG_USEC), in ms; 0: none. */
int64_t nb_app_watchdog_ms(void);

#endif
