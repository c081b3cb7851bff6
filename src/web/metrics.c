/* SPDX-License-Identifier: MIT */
/* /metrics in the Prometheus text format (version 0.0.4): what the database counts (runs,
 * fetches, LLM use, the outbox, items and briefings) and the server's own requests and their
 * durations by route. Never cached: every scrape reads the database again. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "web/web_private.h"

/* A label value with \, " and line ends escaped. */
static void label_value(nb_web_reply *o, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\\')
            nb_web_puts(o, "\\\\");
        else if (*p == '"')
            nb_web_puts(o, "\\\"");
        else if (*p == '\n')
            nb_web_puts(o, "\\n");
        else if ((unsigned char)*p >= 0x20)
            nb_web_printf(o, "%c", *p);
    }
}

typedef struct family {
    nb_store_stat stat;
    const char *name, *type, *help;
    const char *labels[2];
} family;

static const family families[] = {
    {NB_STAT_RUNS,
     "newsbrief_runs_total",
     "counter",
     "Runs by schedule and result.",
     {"schedule", "result"}},
    {NB_STAT_SOURCE_ITEMS,
     "newsbrief_source_items_fetched_total",
     "counter",
     "Items fetched, by source.",
     {"source", NULL}},
    {NB_STAT_SOURCE_ERRORS,
     "newsbrief_source_errors_total",
     "counter",
     "Failed fetches, by source and kind of failure.",
     {"source", "kind"}},
    {NB_STAT_LLM_REQUESTS,
     "newsbrief_llm_requests_total",
     "counter",
     "LLM requests, by model.",
     {"model", NULL}},
    {NB_STAT_LLM_PROMPT_TOKENS,
     "newsbrief_llm_prompt_tokens_total",
     "counter",
     "LLM prompt tokens, by model.",
     {"model", NULL}},
    {NB_STAT_LLM_COMPLETION_TOKENS,
     "newsbrief_llm_completion_tokens_total",
     "counter",
     "LLM completion tokens, by model.",
     {"model", NULL}},
    {NB_STAT_LLM_COST,
     "newsbrief_llm_cost_total",
     "counter",
     "LLM cost in the configured price unit, by model.",
     {"model", NULL}},
    {NB_STAT_OUTBOX,
     "newsbrief_outbox_messages",
     "gauge",
     "Outbox messages, by channel and state.",
     {"channel", "state"}},
    {NB_STAT_ITEMS, "newsbrief_items", "gauge", "Items stored, by source.", {"source", NULL}},
    {NB_STAT_BRIEFINGS,
     "newsbrief_briefings_total",
     "counter",
     "Briefings composed, by channel.",
     {"channel", NULL}},
};

static void write_value(nb_web_reply *o, double v)
{
    if (v == (double)(long long)v)
        nb_web_printf(o, " %lld\n", (long long)v);
    else
        nb_web_printf(o, " %.6f\n", v);
}

void nb_web_metrics(nb_web_request *r, nb_web_reply *o)
{
    o->type = "text/plain; version=0.0.4; charset=utf-8";
    o->cache_control = "no-store";
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const family *fam = &families[f];
        nb_stat_row *rows = NULL;
        size_t n = 0;
        nb_errbuf err;
        if (nb_store_stats(r->store, fam->stat, &rows, &n, &err) != NB_OK) {
            nb_log(NB_LOG_ERROR, "web", "error=\"%s\"", err.msg);
            nb_web_error(r, o, 500, "store", "the archive could not read its database");
            return;
        }
        nb_web_printf(o, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
                      fam->type);
        for (size_t i = 0; i < n; i++) {
            nb_web_printf(o, "%s{%s=\"", fam->name, fam->labels[0]);
            label_value(o, rows[i].labels[0]);
            if (fam->labels[1]) {
                nb_web_printf(o, "\",%s=\"", fam->labels[1]);
                label_value(o, rows[i].labels[1]);
            }
            nb_web_puts(o, "\"}");
            write_value(o, rows[i].value);
        }
        nb_stat_rows_free(rows, n);
    }
    /* leased work (several daemons): jobs per kind and state, the last dead one's error */
    nb_job_count *jobs = NULL;
    size_t job_count = 0;
    nb_errbuf err;
    if (nb_store_job_counts(r->store, &jobs, &job_count, &err) == NB_OK) {
        nb_web_puts(o, "# HELP newsbrief_jobs Leased jobs, by kind and state (dead: failed "
                       "max_attempts times).\n# TYPE newsbrief_jobs gauge\n");
        for (size_t i = 0; i < job_count; i++) {
            nb_web_puts(o, "newsbrief_jobs{kind=\"");
            label_value(o, jobs[i].kind);
            nb_web_puts(o, "\",state=\"");
            label_value(o, jobs[i].state);
            nb_web_printf(o, "\"} %lld\n", (long long)jobs[i].count);
        }
        nb_web_puts(o, "# HELP newsbrief_job_dead_info The newest dead job's last error, by kind."
                       "\n# TYPE newsbrief_job_dead_info gauge\n");
        for (size_t i = 0; i < job_count; i++) {
            if (!jobs[i].last_error)
                continue;
            nb_web_puts(o, "newsbrief_job_dead_info{kind=\"");
            label_value(o, jobs[i].kind);
            nb_web_puts(o, "\",last_error=\"");
            label_value(o, jobs[i].last_error);
            nb_web_puts(o, "\"} 1\n");
        }
        nb_job_counts_free(jobs, job_count);
    } else {
        nb_log(NB_LOG_WARN, "web", "error=\"%s\"", err.msg);
    }
    nb_web *web = r->web;
    nb_web_puts(o, "# HELP newsbrief_http_requests_total Archive requests, by route and status.\n"
                   "# TYPE newsbrief_http_requests_total counter\n");
    for (size_t route = 0; route < ROUTE_COUNT; route++)
        for (size_t c = 0; c < NB_WEB_CODES; c++) {
            uint_fast64_t v = atomic_load(&web->routes[route].codes[c]);
            if (!v)
                continue;
            nb_web_printf(o, "newsbrief_http_requests_total{route=\"%s\",code=\"",
                          nb_web_route_names[route]);
            if (nb_web_codes[c])
                nb_web_printf(o, "%d", nb_web_codes[c]);
            else
                nb_web_puts(o, "other");
            nb_web_printf(o, "\"} %llu\n", (unsigned long long)v);
        }
    nb_web_puts(o, "# HELP newsbrief_http_request_duration_seconds Time to answer archive "
                   "requests, by route.\n"
                   "# TYPE newsbrief_http_request_duration_seconds histogram\n");
    for (size_t route = 0; route < ROUTE_COUNT; route++) {
        const nb_web_route_stats *st = &web->routes[route];
        uint_fast64_t count = atomic_load(&st->count);
        if (!count)
            continue;
        uint_fast64_t cumulative = 0;
        for (size_t b = 0; b < NB_WEB_BUCKETS; b++) {
            cumulative += atomic_load(&st->buckets[b]);
            nb_web_printf(o,
                          "newsbrief_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"}"
                          " %llu\n",
                          nb_web_route_names[route], nb_web_bucket_bounds[b],
                          (unsigned long long)cumulative);
        }
        cumulative += atomic_load(&st->over);
        nb_web_printf(o,
                      "newsbrief_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                      "%llu\n"
                      "newsbrief_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                      "newsbrief_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      nb_web_route_names[route], (unsigned long long)cumulative,
                      nb_web_route_names[route], (double)atomic_load(&st->sum_us) / 1e6,
                      nb_web_route_names[route], (unsigned long long)cumulative);
    }
}
