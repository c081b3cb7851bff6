/* Start-up shared by the commands: clock, log level, and the checked configuration. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/log.h"
#include "core/time.h"
#include "brief/brief.h"
#include "push/push.h"
#include "sched/sched.h"
#include "sources/source.h"

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
            fprintf(stderr, "newsbrief: %s\n", err.msg);
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
        .check_cron = nb_cron_check,
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

char *nb_app_config_path(const nb_cli *cli)
{
    nb_errbuf err;
    return nb_config_find(cli->config_path, &err);
}

int nb_app_config(const nb_cli *cli, nb_config **out)
{
    nb_errbuf err;
    if (nb_app_load_config(cli->config_path, out, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        return NB_EXIT_USAGE;
    }
    return -1;
}
