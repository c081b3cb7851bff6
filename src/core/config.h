/* SPDX-License-Identifier: MIT */
/* The configuration: one YAML file read with libyaml, checked against a fixed schema.
 * An unknown key, a key that does not apply to a source's or channel's type, a wrong type
 * or a bad value is an error naming file, line and column (of the value when there is
 * one); a file's errors are reported together, up to NB_CONFIG_MAX_ERRORS.
 * "${NAME}" in a value is replaced by the environment variable (unset is an error).
 * Relative paths start at the file's directory.
 * The nb_config owns every string in it; nb_config_free releases all. */
#ifndef NB_CORE_CONFIG_H
#define NB_CORE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct nb_source_config {
    char *name;         /* the key under sources: */
    char *type;         /* adapter: feed, ... (second: the loader relies on name, then type) */
    char *display_name; /* name: what readers see ("相关报道：[name](url)"); NULL: the source's
                           own title (a feed's <title>, a site's name), else the key */
    char *url;          /* feed URL (type feed) */
    int enabled;        /* 0 skips the source */
    int64_t delay_ms;   /* pause between this source's requests; -1: the adapter's default */
    char *proxy;        /* http://, https:// or socks5:// proxy URL, or NULL */
    char *base_url;     /* replaces scheme, host and port of every request of a site adapter */
    int line, column;   /* where the source is defined, for messages */

    /* Article pages of a feed (fetch_full_text) and per-site selectors (CSS subset). */
    char *fetch_full_text;  /* never (NULL), auto or always fetch an entry's article page */
    char *content_selector; /* the elements whose text is the article */
    char *title_selector;   /* the headline element */
    char *time_selector;    /* the element holding the publication time */
    char *image_selector;   /* the lead image */
} nb_source_config;

typedef struct nb_summarizer_config {
    char *type;               /* extractive (built in, offline) or llm */
    char *api_base;           /* llm: e.g. https://api.deepseek.com/v1 */
    char *api_key;            /* llm: bearer token (secret) */
    char *model;              /* llm: model name */
    double temperature;       /* llm: sampling temperature */
    int64_t max_tokens;       /* llm: reply token cap */
    char **headers;           /* llm: extra "Name: value" headers, NULL-terminated, or NULL */
    char *proxy;              /* llm: proxy URL (secret: may hold credentials) */
    int64_t concurrency;      /* llm: requests in flight at once */
    int64_t rpm;              /* llm: requests per minute; 0: unlimited */
    int64_t timeout;          /* llm: seconds per request */
    int64_t max_retries;      /* llm: retries after 429, 5xx or a timeout */
    char *system_prompt;      /* prompt templates ({title} {content} {source} {max_chars} */
    char *user_prompt;        /*   {min_chars} {language}); NULL: the built-in ones */
    char *system_prompt_file; /* the same, read from files */
    char *user_prompt_file;
    int64_t min_chars; /* summary length in code points */
    int64_t max_chars;
    char *language;           /* zh or en; unset: newsbrief.language */
    int64_t max_input_tokens; /* the article is cut to this budget at paragraph ends */
    double price_input;       /* llm: price per million prompt tokens (for the cost log) */
    double price_output;      /* llm: price per million completion tokens */
    int confirm_stories;      /* llm: ask about grey-zone story pairs (default true) */
} nb_summarizer_config;

typedef struct nb_channel_config {
    char *name;                /* the key under channels: */
    char *type;                /* stdout, file, wecom, feishu, dingtalk, telegram */
    char *path;                /* output file (type file) */
    int64_t items_per_page;    /* -1: the global items_per_page */
    char *url;                 /* webhook URL as the platform hands it out (secret) */
    char *secret;              /* signing secret (DingTalk, Feishu) */
    char *token;               /* bot token (Telegram) */
    char *chat_id;             /* Telegram chat */
    char *api_base;            /* Telegram API base; NULL: https://api.telegram.org */
    char *proxy;               /* proxy URL (secret: may hold credentials) */
    char *images;              /* WeCom: news (cards with pictures) or none */
    char *mode;                /* WeCom: markdown or text (personal WeChat) */
    char *format;              /* Feishu: post or card */
    char *keyword;             /* put before every title (DingTalk/Feishu keyword security) */
    int photos;                /* Telegram: items with an image go as photos with captions */
    int page_marker;           /* "(1/3)" after the header time when a briefing has parts */
    int64_t retry_floor;       /* seconds: least wait after a rate-limit answer; -1: platform's */
    int64_t max_attempts;      /* attempts per message within one run */
    int64_t per_minute;        /* messages per minute; -1: the platform's limit, 0: none */
    int64_t per_second;        /* messages per second; -1: the platform's limit, 0: none */
    int64_t timeout;           /* seconds one request (or SMTP session) may take; 0: default */
    char *smtp_url;            /* e-mail: smtps://host:465 or smtp://host:587 */
    char *username;            /* e-mail: SMTP AUTH user */
    char *password;            /* e-mail: SMTP AUTH password or app code (secret) */
    char *from;                /* e-mail: sender address */
    char **to;                 /* e-mail: recipients, NULL-terminated */
    char *ca_file;             /* e-mail: CA bundle for the server's certificate */
    char *subject;             /* e-mail: subject template ({title} {stamp}) */
    int starttls;              /* e-mail: require STARTTLS on smtp:// (default true) */
    char *template_json;       /* webhook: body template with {title} {content} {page} {pages} */
    int only_new;              /* leave out stories this channel was given before (default) */
    char **keywords;           /* selection rules: word, +required, !excluded, /regex/ */
    int64_t per_source_max;    /* at most this many items of one source; 0: no limit */
    int64_t max_items;         /* items per briefing for this channel; -1: the global one */
    int64_t min_summary_chars; /* leave out items whose summary is shorter; 0: keep all */
    int line, column;
} nb_channel_config;

typedef struct nb_schedule_config {
    char *name;       /* the key under schedules: */
    char *cron;       /* cron expression (Vixie), read in newsbrief.timezone */
    char **channels;  /* channel names, NULL-terminated; NULL: every channel */
    char **sources;   /* source names, NULL-terminated; NULL: every enabled source */
    int deliver;      /* 0: collect, extract and summarize only, no briefing (default 1) */
    int64_t catch_up; /* seconds: at start, a fire missed this recently runs once; 0: never */
    int line, column; /* where the schedule is defined */
    int cron_line, cron_column; /* where its cron value is */
} nb_schedule_config;

typedef struct nb_retention_config {
    int64_t article_text; /* seconds: older items lose their extracted text; 0: keep */
    int64_t items;        /* seconds: older items go (their keys stay); 0: keep */
    int64_t briefings;    /* seconds: older briefings and their sent messages go; 0: keep */
} nb_retention_config;

/* The MCP server (newsbrief mcp, /mcp on the web server). */
typedef struct nb_mcp_config {
    int allow_actions; /* offer run_now and send_briefing (default false: read-only) */
} nb_mcp_config;
/* The archive server (`newsbrief serve`, and `newsbrief daemon` when listen is set). */
typedef struct nb_web_config {
    char *listen;                   /* "ADDR:PORT" ("[::1]:8080" for IPv6); NULL: not set */
    char *base_url;                 /* the archive's public URL, for feeds; NULL: from Host */
    char *token;                    /* secret: required on every path but /healthz; or NULL */
    char *title;                    /* the archive's name; NULL: newsbrief.title */
    int64_t threads;                /* worker threads */
    int64_t max_connections;        /* connections at once */
    int64_t max_connections_per_ip; /* connections at once from one address */
    int64_t idle_timeout;           /* seconds: an idle connection is closed */
    int64_t cache_mb;               /* rendered answers kept in memory; 0: none */
    int64_t heartbeat_max_age;      /* seconds: /healthz answers 503 past it (daemon) */
} nb_web_config;

typedef struct nb_config_notes nb_config_notes;

/* The names the rest of the program knows; a value outside them is a config error. */
typedef struct nb_config_vocab {
    const char *const *source_types;  /* NULL-terminated */
    const char *const *channel_types; /* NULL-terminated */
    const char *const *summarizer_types;
    /* Whether key means something for a record of type under section ("sources" or
     * "channels"); NULL: every key does. */
    int (*key_applies)(const char *section, const char *type, const char *key);
    /* Checks a schedule's cron expression (NULL: any text); the message names the field. */
    nb_err (*check_cron)(const char *expr, nb_errbuf *err);
} nb_config_vocab;

typedef struct nb_config {
    char *path;                       /* the file read */
    char *database;                   /* SQLite file, "~" expanded */
    char *timezone;                   /* IANA zone for displayed times */
    char *title;                      /* briefing header title */
    char *language;                   /* zh or en: the briefing's language */
    char *header;                     /* header template with {title} and {time} */
    char *related_prefix;             /* before links to other reports of a story; "" hides */
    int64_t items_per_page;           /* items per page (message) */
    int64_t window;                   /* seconds: candidates are items published within it */
    int64_t max_items;                /* items per briefing */
    int64_t lock_timeout;             /* seconds a run waits for another run on the same database */
    int64_t failures_before_backoff;  /* failed runs in a row before a source backs off */
    int64_t max_connections;          /* HTTP requests in flight at once, all callers */
    int64_t max_connections_per_host; /* source requests to one host:port at once; 0: no cap */
    int allow_private_networks;       /* discovered URLs may reach private addresses too */
    nb_source_config *sources;
    size_t source_count;
    nb_summarizer_config summarizer;
    nb_channel_config *channels;
    size_t channel_count;
    nb_schedule_config *schedules; /* for `newsbrief daemon` and `newsbrief schedule` */
    size_t schedule_count;
    int64_t max_wait_in_run;       /* seconds: a longer retry wait is left to a later delivery */
    int64_t shutdown_timeout;      /* seconds the daemon lets in-flight work finish on SIGTERM */
    int workers;                   /* the daemon shares work through leased jobs; -1: unset (on with
                                      PostgreSQL, off with SQLite) */
    int64_t job_lease;             /* seconds a worker holds a job or message without renewing */
    int64_t job_max_attempts;      /* a job that failed this often is dead */
    nb_retention_config retention; /* what `newsbrief prune` and the daemon remove */
    nb_mcp_config mcp;
    nb_web_config web;
    nb_config_vocab vocab;  /* the vocabulary it was read with */
    nb_config_notes *notes; /* where each key was written, and how (config_read.c) */
} nb_config;

#define NB_CONFIG_MAX_ERRORS 10

/* The errors of one configuration, in the order found. */
typedef struct nb_config_report {
    char msg[NB_CONFIG_MAX_ERRORS][NB_ERRBUF_SIZE]; /* the first ones */
    size_t count;                                   /* messages in msg */
    size_t total;                                   /* errors found (may exceed count) */
} nb_config_report;

/* Adds one error to report (counted beyond NB_CONFIG_MAX_ERRORS, not kept). */
void nb_config_report_add(nb_config_report *report, const char *fmt, ...) NB_PRINTF(2, 3);

/* Reads and checks path. On success *out is the caller's (nb_config_free). */
nb_err nb_config_load(const char *path, const nb_config_vocab *vocab, nb_config **out,
                      nb_errbuf *err) NB_MUST_CHECK;

/* The same, reporting every error (up to NB_CONFIG_MAX_ERRORS) into report (zeroed by the
 * caller). NB_ERR_CONFIG when there is any; even then *out holds the configuration as far
 * as it could be read (the records with an error are flagged, nb_config_failed) unless the
 * file could not be read or is not YAML. */
nb_err nb_config_load_report(const char *path, const nb_config_vocab *vocab, nb_config **out,
                             nb_config_report *report) NB_MUST_CHECK;

/* nb_config_load_report of text in memory; name is used in messages. */
nb_err nb_config_parse_report(const char *name, const char *text, size_t len,
                              const nb_config_vocab *vocab, nb_config **out,
                              nb_config_report *report) NB_MUST_CHECK;

/* 1 when a record of config (config itself, &config->summarizer, a source or a channel)
 * had an error while loading. */
int nb_config_failed(const nb_config *config, const void *record);

/* Where key of record was written (its value's line and column); 0 when it was not. */
int nb_config_position(const nb_config *config, const void *record, const char *key, int *line,
                       int *column);

/* Same, from text in memory; name is used in messages. */
nb_err nb_config_parse(const char *name, const char *text, size_t len, const nb_config_vocab *vocab,
                       nb_config **out, nb_errbuf *err) NB_MUST_CHECK;

void nb_config_free(nb_config *config);

/* Whether a database setting names a PostgreSQL database (a postgresql:// or postgres://
 * URI, or a libpq key=value string such as "host=db dbname=news") rather than a SQLite
 * file. */
int nb_database_is_postgres(const char *database);

/* Writes the effective configuration as YAML, every secret shown as "***". */
void nb_config_print(const nb_config *config, FILE *out);

/* The file to read: explicit (when not NULL), else ./newsbrief.yaml, else
 * ~/.config/newsbrief/newsbrief.yaml. Caller frees; NULL with err when none exists. */
char *nb_config_find(const char *explicit_path, nb_errbuf *err);

#endif
