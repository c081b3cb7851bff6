/* SPDX-License-Identifier: MIT */
/* The worker of `newsbrief daemon` with workers on: one process per daemon that takes the
 * work any daemon on the database queued — LLM summaries (up to the summarizer's
 * concurrency at once) and outbox messages (one per channel at a time, in order) — under
 * leases held in the daemon's name (the daemon renews them while it lives). Every result is
 * recorded fenced by the attempt it was claimed with; no transaction is held across a
 * request. Idle, it waits for a notification (PostgreSQL) or polls. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "llm/llm.h"
#include "push/push.h"
#include "store/store.h"

#define POLL_MS 30000 /* the longest idle wait: covers lost notifications */

typedef struct worker {
    const nb_config *config;
    nb_store *store;
    nb_llm *llm;
    const char *id;
    int64_t lease_ms;
    long requests, prompt_tokens, completion_tokens;
} worker;

typedef struct summary_job {
    worker *w;
    nb_job job;
    json_t *payload; /* the article, alive until the answer */
    char hash[65];
} summary_job;

static void on_summary(void *user, const nb_llm_outcome *o)
{
    summary_job *sj = user;
    worker *w = sj->w;
    const nb_summarizer_config *z = &w->config->summarizer;
    nb_errbuf err;
    int held = 0;
    w->requests += o->requests;
    w->prompt_tokens += o->prompt_tokens;
    w->completion_tokens += o->completion_tokens;
    if (o->error == NB_OK) {
        if (nb_store_summary_put(w->store, sj->hash, z->model, nb_llm_prompt_hash(w->llm),
                                 o->summary, o->prompt_tokens, o->completion_tokens, nb_clock_now(),
                                 &err) != NB_OK ||
            nb_store_job_done(w->store, sj->job.id, w->id, sj->job.attempt, &held, &err) != NB_OK)
            nb_app_store_error(w->store, NB_LOG_ERROR, &err);
        else
            nb_log(NB_LOG_INFO, "worker", "job=%lld kind=summary attempt=%d %s",
                   (long long)sj->job.id, sj->job.attempt,
                   held ? "done" : "lease lost: another worker took it over");
    } else {
        char why[300];
        snprintf(why, sizeof why, "%s: %s", nb_err_name(o->error), o->message ? o->message : "");
        int64_t retry_ms = 1000LL << (sj->job.attempt < 5 ? sj->job.attempt : 5);
        if (nb_store_job_fail(w->store, sj->job.id, w->id, sj->job.attempt, why, retry_ms, &held,
                              &err) != NB_OK)
            nb_app_store_error(w->store, NB_LOG_ERROR, &err);
        else
            nb_log(NB_LOG_WARN, "worker",
                   "job=%lld kind=summary attempt=%d/%d failed cause=\"%s\"%s",
                   (long long)sj->job.id, sj->job.attempt, sj->job.max_attempts, why,
                   sj->job.attempt >= sj->job.max_attempts ? " dead" : "");
    }
    json_decref(sj->payload);
    nb_job_clear(&sj->job);
    free(sj);
}

/* Claims summary jobs up to the concurrency and submits their requests; how many. */
static size_t take_summaries(worker *w)
{
    if (!w->llm)
        return 0;
    size_t taken = 0;
    while ((int64_t)taken < w->config->summarizer.concurrency && !nb_app_stopping()) {
        summary_job *sj = nb_xcalloc(1, sizeof *sj);
        sj->w = w;
        int found = 0;
        nb_errbuf err;
        if (nb_store_job_claim(w->store, NB_SUMMARY_JOB, w->id, w->lease_ms, &sj->job, &found,
                               &err) != NB_OK) {
            nb_app_store_error(w->store, NB_LOG_ERROR, &err);
            found = 0;
        }
        if (!found) {
            free(sj);
            break;
        }
        json_error_t jerr;
        json_t *p = json_loads(sj->job.payload, 0, &jerr);
        const char *hash = p ? json_string_value(json_object_get(p, "hash")) : NULL;
        if (!hash || strlen(hash) >= sizeof sj->hash) {
            int held;
            if (nb_store_job_fail(w->store, sj->job.id, w->id, sj->job.attempt,
                                  "unreadable payload", 0, &held, &err) != NB_OK)
                nb_app_store_error(w->store, NB_LOG_ERROR, &err);
            json_decref(p);
            nb_job_clear(&sj->job);
            free(sj);
            continue;
        }
        snprintf(sj->hash, sizeof sj->hash, "%s", hash);
        nb_log(NB_LOG_INFO, "worker", "job=%lld kind=summary attempt=%d claimed%s",
               (long long)sj->job.id, sj->job.attempt,
               sj->job.taken_over ? " taken_over=1 (an expired lease)" : "");
        nb_llm_article a = {.title = json_string_value(json_object_get(p, "title")),
                            .content = json_string_value(json_object_get(p, "content")),
                            .source = json_string_value(json_object_get(p, "source"))};
        sj->payload = p;
        nb_llm_summarize(w->llm, &a, on_summary, sj);
        taken++;
    }
    return taken;
}

nb_err nb_app_worker(const nb_config *config, const char *id)
{
    nb_store *store = NULL;
    nb_errbuf err;
    nb_err rc = nb_store_open(config->database, &store, &err);
    if (rc != NB_OK) {
        nb_log(NB_LOG_ERROR, "worker", "error=\"%s\"", err.msg);
        return rc;
    }
    nb_http *http = nb_app_http(config);
    worker w = {.config = config,
                .store = store,
                .id = id,
                .lease_ms = config->job_lease * 1000,
                .llm = strcmp(config->summarizer.type, "llm") == 0
                           ? nb_llm_new(&config->summarizer, http)
                           : NULL};
    nb_log(NB_LOG_INFO, "worker", "started worker=%s lease_ms=%lld", id, (long long)w.lease_ms);
    while (!nb_app_stopping() && !nb_store_failure(store)) {
        nb_push_report report = {0};
        size_t work = take_summaries(&w);
        /* one query says whether the outbox holds anything, rather than a claim per channel */
        int64_t due = 0;
        size_t pending = 0;
        if (nb_store_outbox_next_due(store, &due, &pending, &err) != NB_OK) {
            nb_app_store_error(store, NB_LOG_ERROR, &err);
            pending = 0;
        }
        if (pending && due <= nb_clock_now())
            work += nb_push_claim(config, store, http, id, w.lease_ms, &report);
        if (work) {
            nb_http_run(http);
            continue;
        }
        /* idle: until new work is announced, a retry is due, or the poll */
        int64_t wait = POLL_MS < w.lease_ms ? POLL_MS : w.lease_ms;
        if (pending) {
            int64_t until = (due - nb_clock_now()) * 1000;
            if (until < wait)
                wait = until < 200 ? 200 : until;
        }
        /* a stop that came while the queries above ran: the wait would not see it */
        if (nb_app_stopping())
            break;
        if (nb_store_work_wait(store, wait, NULL, &err) != NB_OK) {
            nb_app_store_error(store, NB_LOG_ERROR, &err);
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL); /* the database is away: do not spin */
        }
    }
    if (w.llm && w.requests) {
        const nb_summarizer_config *z = &config->summarizer;
        double cost = (double)w.prompt_tokens / 1e6 * z->price_input +
                      (double)w.completion_tokens / 1e6 * z->price_output;
        if (nb_store_llm_usage_add(store, nb_clock_now(), z->model, w.requests, w.prompt_tokens,
                                   w.completion_tokens, cost, &err) != NB_OK)
            nb_app_store_error(store, NB_LOG_WARN, &err);
    }
    rc = nb_app_store_failed(store, NB_OK);
    nb_llm_free(w.llm);
    nb_http_free(http);
    nb_store_close(store);
    nb_log(NB_LOG_INFO, "worker", "stopped worker=%s", id);
    return rc;
}
