/* SPDX-License-Identifier: MIT */
/* Start-up shared by the commands: clock, log level, and the checked configuration. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/time.h"
#include "brief/brief.h"
#include "push/push.h"
#include "sched/sched.h"
#include "sources/source.h"

void nb_app_error(const char *fmt, ...)
{
    char raw[NB_ERRBUF_SIZE * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *clean = nb_redact(raw);
    fprintf(stderr, "newsbrief: %s\n", clean);
    free(clean);
}

/* --now or NEWSBRIEF_NOW as given: read again in the configured zone once it is known. */
static const char *pinned_text;

nb_err nb_app_setup(const nb_cli *cli)
{
    nb_log_set_level(cli->verbosity < 0    ? NB_LOG_ERROR
                     : cli->verbosity == 0 ? NB_LOG_WARN
                     : cli->verbosity == 1 ? NB_LOG_INFO
                                           : NB_LOG_DEBUG);
    nb_log_trace_from_env();
    if (cli->now && !*cli->now) {
        fprintf(stderr, "newsbrief: --now needs a time, e.g. --now 2025-04-07T10:45:00+08:00\n");
        return NB_ERR_USAGE;
    }
    const char *now = cli->now ? cli->now : getenv("NEWSBRIEF_NOW");
    pinned_text = now && *now ? now : NULL;
    if (now && *now) {
        nb_errbuf err;
        if (nb_clock_pin(now, &err) != NB_OK) {
            nb_app_error("%s", err.msg);
            return NB_ERR_USAGE;
        }
    }
    return NB_OK;
}

static const char *const summarizer_types[] = {"extractive", "llm", NULL};

static int key_applies(const char *section, const char *type, const char *key)
{
    return strcmp(section, "sources") == 0 ? nb_source_key_applies(type, key)
                                           : nb_channel_key_applies(type, key);
}

/* A check's message about one key starts with its name (`url "x" is not ...`, `"path" is
 * required`): point at that key's value when it was written, else at the record. */
static void add_check_error(const nb_config *config, const void *record, const char *what, int line,
                            int column, const char *msg, nb_config_report *report)
{
    char key[64];
    size_t n = 0;
    const char *p = msg + (*msg == '"');
    while (n + 1 < sizeof key && ((*p >= 'a' && *p <= 'z') || *p == '_'))
        key[n++] = *p++;
    key[n] = '\0';
    if (n)
        (void)nb_config_position(config, record, key, &line, &column);
    if (line > 0)
        nb_config_report_add(report, "%s:%d:%d: %s: %s", config->path, line, column, what, msg);
    else
        nb_config_report_add(report, "%s: %s: %s", config->path, what, msg);
}

/* Checks each source's and channel's own settings and the zone; every error goes to report.
 * Records that already had an error while loading are not checked again. */
static void check_into(nb_config *config, nb_config_report *report)
{
    nb_errbuf err;
    char what[300];
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *s = &config->sources[i];
        const nb_source_adapter *a = nb_source_adapter_find(s->type);
        if (nb_config_failed(config, s) || !a || !a->check || a->check(s, &err) == NB_OK)
            continue;
        snprintf(what, sizeof what, "sources.%s", s->name);
        add_check_error(config, s, what, s->line, s->column, err.msg, report);
    }
    for (size_t i = 0; i < config->channel_count; i++) {
        const nb_channel_config *c = &config->channels[i];
        if (nb_config_failed(config, c))
            continue;
        nb_err rc = nb_push_check(c, &err);
        nb_rules *rules = NULL;
        if (!rc && c->keywords) {
            rc = nb_rules_new(c->keywords, &rules, &err);
            if (rc)
                nb_err_prefix(&err, "keywords");
        }
        nb_rules_free(rules);
        if (!rc)
            continue;
        snprintf(what, sizeof what, "channels.%s", c->name);
        add_check_error(config, c, what, c->line, c->column, err.msg, report);
    }
    if (!nb_config_failed(config, config) && nb_time_set_zone(config->timezone, &err) != NB_OK) {
        int line = 0, column = 0;
        (void)nb_config_position(config, config, "timezone", &line, &column);
        add_check_error(config, config, "newsbrief.timezone", line, column, err.msg, report);
    }
}

nb_err nb_app_check_config(nb_config *config, nb_errbuf *err)
{
    nb_config_report report = {0};
    check_into(config, &report);
    if (!report.total)
        return NB_OK;
    if (report.total > 1)
        return nb_errf(err, NB_ERR_CONFIG, "%s (and %zu more)", report.msg[0], report.total - 1);
    return nb_errf(err, NB_ERR_CONFIG, "%s", report.msg[0]);
}

/* Finds, reads and checks the configuration: every error (up to NB_CONFIG_MAX_ERRORS) in
 * report. */
static nb_err load_checked(const char *explicit_path, nb_config **out, nb_config_report *report)
{
    nb_errbuf err;
    char *path = nb_config_find(explicit_path, &err);
    if (!path) {
        nb_config_report_add(report, "%s", err.msg);
        return NB_ERR_CONFIG;
    }
    const nb_config_vocab vocab = {
        .source_types = nb_source_types(),
        .channel_types = nb_channel_types(),
        .summarizer_types = summarizer_types,
        .key_applies = key_applies,
        .check_cron = nb_cron_check,
    };
    nb_config *config = NULL;
    nb_err rc = nb_config_load_report(path, &vocab, &config, report);
    free(path);
    if (config && rc != NB_ERR_INTERNAL)
        check_into(config, report);
    /* the zone is set: a pinned time without an offset is wall-clock time there */
    if (!report->total && pinned_text && nb_clock_pin_local(pinned_text, &err) != NB_OK)
        nb_config_report_add(report, "%s", err.msg);
    if (report->total) {
        nb_config_free(config);
        return NB_ERR_CONFIG;
    }
    *out = config;
    return NB_OK;
}

nb_err nb_app_load_config(const char *explicit_path, nb_config **out, nb_errbuf *err)
{
    nb_config_report report = {0};
    nb_err rc = load_checked(explicit_path, out, &report);
    if (rc && report.total > 1)
        return nb_errf(err, rc, "%s (and %zu more error%s; see newsbrief check-config)",
                       report.msg[0], report.total - 1, report.total > 2 ? "s" : "");
    if (rc)
        return nb_errf(err, rc, "%s", report.msg[0]);
    return NB_OK;
}

char *nb_app_config_path(const nb_cli *cli)
{
    nb_errbuf err;
    return nb_config_find(cli->config_path, &err);
}

nb_err nb_app_config(const nb_cli *cli, nb_config **out)
{
    nb_config_report report = {0};
    if (load_checked(cli->config_path, out, &report) == NB_OK)
        return NB_OK;
    for (size_t i = 0; i < report.count; i++)
        nb_app_error("%s", report.msg[i]);
    if (report.total > report.count)
        nb_app_error("%zu more error%s not shown", report.total - report.count,
                     report.total - report.count == 1 ? "" : "s");
    return NB_ERR_CONFIG;
}
