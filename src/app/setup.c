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

int nb_app_setup(const nb_cli *cli)
{
    nb_log_set_level(cli->verbosity < 0    ? NB_LOG_ERROR
                     : cli->verbosity == 0 ? NB_LOG_WARN
                     : cli->verbosity == 1 ? NB_LOG_INFO
                                           : NB_LOG_DEBUG);
    nb_log_trace_from_env();
    const char *now = cli->now ? cli->now : getenv("NEWSBRIEF_NOW");
    if (now && *now) {
        nb_errbuf err;
        if (nb_clock_pin(now, &err) != NB_OK) {
            nb_app_error("%s", err.msg);
            return NB_EXIT_USAGE;
        }
    }
    return -1;
}

static const char *const summarizer_types[] = {"extractive", "llm", NULL};

nb_err nb_app_check_config(nb_config *config, nb_errbuf *err)
{
    for (size_t i = 0; i < config->source_count; i++) {
        const nb_source_config *s = &config->sources[i];
        const nb_source_adapter *a = nb_source_adapter_find(s->type);
        nb_err rc = a && a->check ? a->check(s, err) : NB_OK;
        if (rc) {
            nb_err_prefix(err, "%s:%d:%d: sources.%s", config->path, s->line, s->column, s->name);
            return rc;
        }
    }
    for (size_t i = 0; i < config->channel_count; i++) {
        const nb_channel_config *c = &config->channels[i];
        nb_err rc = nb_push_check(c, err);
        nb_rules *rules = NULL;
        if (!rc && c->keywords)
            rc = nb_rules_new(c->keywords, &rules, err);
        nb_rules_free(rules);
        if (rc) {
            nb_err_prefix(err, "%s:%d:%d: channels.%s", config->path, c->line, c->column, c->name);
            return rc;
        }
    }
    nb_err rc = nb_time_set_zone(config->timezone, err);
    if (rc)
        nb_err_prefix(err, "%s: newsbrief.timezone", config->path);
    return rc;
}

nb_err nb_app_load_config(const char *explicit_path, nb_config **out, nb_errbuf *err)
{
    char *path = nb_config_find(explicit_path, err);
    if (!path)
        return NB_ERR_CONFIG;
    const nb_config_vocab vocab = {
        .source_types = nb_source_types(),
        .channel_types = nb_channel_types(),
        .summarizer_types = summarizer_types,
    };
    nb_config *config = NULL;
    nb_err rc = nb_config_load(path, &vocab, &config, err);
    free(path);
    if (!rc)
        rc = nb_app_check_config(config, err);
    if (rc) {
        nb_config_free(config);
        return rc;
    }
    *out = config;
    return NB_OK;
}

int nb_app_config(const nb_cli *cli, nb_config **out)
{
    nb_errbuf err;
    if (nb_app_load_config(cli->config_path, out, &err) != NB_OK) {
        nb_app_error("%s", err.msg);
        return NB_EXIT_USAGE;
    }
    return -1;
}
