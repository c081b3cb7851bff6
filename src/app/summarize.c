/* SPDX-License-Identifier: MIT */
/* The summarize stage: every item of the briefing gets a summary by the first path that
 * works — the LLM (cached by content, model and prompt), the source's own summary when its
 * length fits, the offline summarizer on the full text. An item is never dropped. Without a
 * store (`newsbrief summarize`) nothing is cached. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "brief/brief.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "llm/llm.h"
#include "sources/source.h"
#include "store/store.h"
#include "text/text.h"

typedef struct stage {
    const nb_config *config;
    nb_store *store; /* NULL: no cache */
    int64_t now;
    const char *prompt_hash; /* of the LLM client, when there is one */
    long requests, prompt_tokens, completion_tokens;
    size_t paths[5]; /* counts by path: llm, cache, source, extractive, none */
} stage;

/* The LLM's failures of the whole run (every channel's summaries), reported in one warning
 * by nb_app_summarize_report: an unreachable LLM is one line, not one per item. */
static struct {
    size_t failed, asked;
    nb_err first;
    char cause[256];
} llm_failures;

/* With workers (the daemon on a shared database): LLM summaries are jobs that every
 * daemon's worker may take; the run waits for them. */
static struct {
    int on;
    int max_attempts;
    int64_t wait_ms; /* the longest wait for the jobs of one stage */
} via_jobs;

void nb_app_summarize_via_jobs(int max_attempts, int64_t wait_ms)
{
    via_jobs.on = 1;
    via_jobs.max_attempts = max_attempts;
    via_jobs.wait_ms = wait_ms;
}

enum { PATH_LLM, PATH_CACHE, PATH_SOURCE, PATH_EXTRACTIVE, PATH_NONE };
static const char *const path_names[] = {"llm", "cache", "source", "extractive", "none"};

typedef struct pending {
    stage *stage;
    nb_item *item;
    char hash[NB_HASH_HEX_SIZE];
    char *job_key; /* via jobs: the job's key while it is outstanding */
} pending;

/* What a summary is made from: the article when there is one, else the excerpt. */
static const char *article_text(const nb_item *it)
{
    return it->content && *it->content ? it->content : it->excerpt;
}

static int teaser(const char *text)
{
    size_t len = strlen(text);
    return (len >= 3 && !strcmp(text + len - 3, "...")) ||
           (len >= 3 && !strcmp(text + len - 3, "…"));
}

static void record(stage *st, nb_item *it, int path)
{
    st->paths[path]++;
    nb_log(NB_LOG_INFO, "summary", "source=%s key=%s path=%s", it->source, it->key,
           path_names[path]);
}

/* Steps two and three of the chain. */
static void fall_back(stage *st, nb_item *it)
{
    const nb_summarizer_config *z = &st->config->summarizer;
    if (it->excerpt && !teaser(it->excerpt)) {
        char *line = nb_text_one_line(it->excerpt);
        size_t n = nb_utf8_length(line);
        if (n >= (size_t)z->min_chars && n <= (size_t)z->max_chars) {
            it->summary = line;
            record(st, it, PATH_SOURCE);
            return;
        }
        free(line);
    }
    nb_summary_options o = {(size_t)z->min_chars, (size_t)z->max_chars};
    it->summary =
        nb_summarize_extractive_sites(it->title, article_text(it), &o, nb_source_boilerplates());
    record(st, it, it->summary ? PATH_EXTRACTIVE : PATH_NONE);
}

static void on_llm(void *user, const nb_llm_outcome *o)
{
    pending *p = user;
    stage *st = p->stage;
    st->requests += o->requests;
    st->prompt_tokens += o->prompt_tokens;
    st->completion_tokens += o->completion_tokens;
    llm_failures.asked++;
    if (o->error == NB_OK) {
        p->item->summary = nb_xstrdup(o->summary);
        nb_errbuf err;
        if (st->store && nb_store_summary_put(st->store, p->hash, st->config->summarizer.model,
                                              st->prompt_hash, o->summary, o->prompt_tokens,
                                              o->completion_tokens, st->now, &err) != NB_OK)
            nb_app_store_error(st->store, NB_LOG_WARN, &err);
        record(st, p->item, PATH_LLM);
    } else {
        if (!llm_failures.failed++) {
            llm_failures.first = o->error;
            snprintf(llm_failures.cause, sizeof llm_failures.cause, "%s",
                     o->message ? o->message : "");
        }
        nb_log(NB_LOG_INFO, "llm", "source=%s key=%s error=%s cause=\"%s\" fallback=yes",
               p->item->source, p->item->key, nb_err_name(o->error), o->message);
        fall_back(st, p->item);
    }
    free(p);
}

char *nb_app_summary_job_key(const char *content_hash, const char *model, const char *prompt_hash)
{
    return nb_xasprintf("%s:%s:%s", content_hash, model ? model : "",
                        prompt_hash ? prompt_hash : "");
}

/* Waits until every summary job is done or dead (or the stage's wait is over): a done job
 * left its summary in the cache; a dead one, or one still out, gets the built-in chain. */
static void wait_for_jobs(stage *st, pending **jobs, size_t count)
{
    const nb_summarizer_config *z = &st->config->summarizer;
    int64_t deadline = nb_clock_monotonic_ms() + via_jobs.wait_ms;
    size_t left = count;
    nb_log(NB_LOG_INFO, "summary", "jobs=%zu waiting for the workers", count);
    const char **keys = nb_xcalloc(count + 1, sizeof *keys);
    char **states = nb_xcalloc(count + 1, sizeof *states);
    size_t *which = nb_xcalloc(count + 1, sizeof *which);
    while (left) {
        /* one query for every job still out, then the finished ones are taken in */
        size_t asked = 0;
        for (size_t i = 0; i < count; i++)
            if (jobs[i]) {
                which[asked] = i;
                keys[asked++] = jobs[i]->job_key;
            }
        nb_errbuf err;
        if (nb_store_job_states(st->store, NB_SUMMARY_JOB, keys, asked, states, &err) != NB_OK)
            nb_app_store_error(st->store, NB_LOG_WARN, &err);
        int timed_out =
            nb_clock_monotonic_ms() >= deadline || nb_store_failure(st->store) || nb_app_stopping();
        for (size_t q = 0; q < asked; q++) {
            pending *p = jobs[which[q]];
            const char *state = states[q];
            int finished = state && (!strcmp(state, "done") || !strcmp(state, "dead"));
            if (finished || timed_out) {
                char *cached = NULL, *last_error = NULL;
                if (state && !strcmp(state, "done") &&
                    nb_store_summary_get(st->store, p->hash, z->model, st->prompt_hash, &cached,
                                         &err) != NB_OK)
                    nb_app_store_error(st->store, NB_LOG_WARN, &err);
                if (cached) {
                    p->item->summary = cached;
                    record(st, p->item, PATH_LLM);
                } else {
                    char *again = NULL; /* the job's last error, read once it is given up */
                    if (nb_store_job_state(st->store, NB_SUMMARY_JOB, p->job_key, &again,
                                           &last_error, &err) != NB_OK)
                        nb_app_store_error(st->store, NB_LOG_WARN, &err);
                    free(again);
                    if (!llm_failures.failed++) {
                        llm_failures.first = NB_ERR_HTTP;
                        snprintf(llm_failures.cause, sizeof llm_failures.cause, "%s",
                                 last_error ? last_error : "the summary job did not finish");
                    }
                    nb_log(NB_LOG_INFO, "llm", "source=%s key=%s job=%s cause=\"%s\" fallback=yes",
                           p->item->source, p->item->key, state ? state : "missing",
                           last_error ? last_error : (finished ? "" : "still running"));
                    fall_back(st, p->item);
                }
                llm_failures.asked++;
                free(last_error);
                free(p->job_key);
                free(p);
                jobs[which[q]] = NULL;
                left--;
            }
            free(states[q]);
            states[q] = NULL;
        }
        if (left) {
            struct timespec pause = {0, 100 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    free(keys);
    free(states);
    free(which);
}

static void run_stage(stage *st_out, const nb_config *config, nb_store *store, nb_http *http,
                      int64_t now, nb_item *items, size_t count)
{
    const nb_summarizer_config *z = &config->summarizer;
    stage st = {.config = config, .store = store, .now = now};
    nb_llm *llm = strcmp(z->type, "llm") == 0 ? nb_llm_new(z, http) : NULL;
    st.prompt_hash = llm ? nb_llm_prompt_hash(llm) : NULL;
    pending **jobs = NULL;
    size_t job_count = 0, jobs_alloc = 0;
    for (size_t i = 0; i < count; i++) {
        nb_item *it = &items[i];
        if (it->summary)
            continue;
        const char *text = article_text(it);
        if (!llm || !text || !*text) {
            fall_back(&st, it);
            continue;
        }
        pending *p = nb_xcalloc(1, sizeof *p);
        *p = (pending){.stage = &st, .item = it};
        const char *parts[] = {it->title, text};
        nb_hash_parts(parts, 2, p->hash);
        char *cached = NULL;
        nb_errbuf err;
        if (store &&
            nb_store_summary_get(store, p->hash, z->model, st.prompt_hash, &cached, &err) != NB_OK)
            nb_app_store_error(store, NB_LOG_WARN, &err);
        if (cached) {
            it->summary = cached;
            record(&st, it, PATH_CACHE);
            free(p);
            continue;
        }
        if (via_jobs.on && store) {
            p->job_key = nb_app_summary_job_key(p->hash, z->model, st.prompt_hash);
            json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", "hash", p->hash, "title",
                                        it->title ? it->title : "", "content", text, "source",
                                        it->source ? it->source : "");
            char *body = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
            json_decref(payload);
            if (!body || nb_store_job_add(store, NB_SUMMARY_JOB, p->job_key, body,
                                          via_jobs.max_attempts, 0, NULL, &err) != NB_OK) {
                if (body)
                    nb_app_store_error(store, NB_LOG_WARN, &err);
                free(p->job_key);
                free(p);
                fall_back(&st, it);
            } else {
                jobs = nb_xgrow(jobs, &jobs_alloc, job_count + 1, sizeof *jobs);
                jobs[job_count++] = p;
            }
            free(body);
            continue;
        }
        nb_llm_article a = {.title = it->title, .content = text, .source = it->source};
        nb_llm_summarize(llm, &a, on_llm, p);
    }
    nb_http_run(http);
    if (job_count)
        wait_for_jobs(&st, jobs, job_count);
    free(jobs);
    if (llm) {
        double cost = (double)st.prompt_tokens / 1e6 * z->price_input +
                      (double)st.completion_tokens / 1e6 * z->price_output;
        nb_log(NB_LOG_INFO, "llm",
               "model=%s requests=%ld prompt_tokens=%ld completion_tokens=%ld cost=%.4f", z->model,
               st.requests, st.prompt_tokens, st.completion_tokens, cost);
        nb_errbuf err;
        if (store && st.requests &&
            nb_store_llm_usage_add(store, now, z->model, st.requests, st.prompt_tokens,
                                   st.completion_tokens, cost, &err) != NB_OK)
            nb_app_store_error(store, NB_LOG_WARN, &err);
    }
    nb_log(NB_LOG_INFO, "summary", "llm=%zu cache=%zu source=%zu extractive=%zu none=%zu",
           st.paths[PATH_LLM], st.paths[PATH_CACHE], st.paths[PATH_SOURCE],
           st.paths[PATH_EXTRACTIVE], st.paths[PATH_NONE]);
    nb_llm_free(llm);
    *st_out = st;
}

void nb_app_summarize(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                      nb_item *items, size_t count)
{
    stage st;
    run_stage(&st, config, store, http, now, items, count);
}

const char *nb_app_summarize_one(const nb_config *config, nb_http *http, int64_t now, nb_item *item)
{
    stage st;
    run_stage(&st, config, NULL, http, now, item, 1);
    for (int path = PATH_LLM; path < PATH_NONE; path++)
        if (st.paths[path])
            return path == PATH_CACHE ? path_names[PATH_LLM] : path_names[path];
    return path_names[PATH_NONE];
}

void nb_app_summarize_report(void)
{
    if (llm_failures.failed)
        nb_log(NB_LOG_WARN, "llm",
               "failed=%zu of=%zu error=%s cause=\"%s\" fallback=yes (the source's summary or "
               "the offline summarizer was used)",
               llm_failures.failed, llm_failures.asked, nb_err_name(llm_failures.first),
               llm_failures.cause);
    memset(&llm_failures, 0, sizeof llm_failures);
}

/* One grey-zone question. */
typedef struct verdict {
    nb_store *store;
    const char *model;
    int64_t now;
    char hash[NB_HASH_HEX_SIZE];
    size_t a, b;
    int same; /* 1, 0, -1 unknown */
} verdict;

#define SAME_STORY_PROMPT "same-story-v1"
/* Questions per briefing at most: the most similar pairs are asked first. */
#define SAME_STORY_QUESTIONS 20

static void on_same(void *user, int same)
{
    verdict *v = user;
    v->same = same;
    nb_errbuf err;
    if (same >= 0 && nb_store_summary_put(v->store, v->hash, v->model, SAME_STORY_PROMPT,
                                          same ? "yes" : "no", 0, 0, v->now, &err) != NB_OK)
        nb_app_store_error(v->store, NB_LOG_WARN, &err);
}

void nb_app_confirm_stories(const nb_config *config, nb_store *store, nb_http *http, int64_t now,
                            const nb_item *items, size_t count, size_t **same, size_t *same_count)
{
    const nb_summarizer_config *z = &config->summarizer;
    *same = NULL;
    *same_count = 0;
    if (strcmp(z->type, "llm") != 0 || !z->confirm_stories || count < 2)
        return;
    size_t *grey = NULL, n = 0;
    nb_brief_grey_pairs(items, count, &grey, &n);
    if (n == 0)
        return;
    if (n > SAME_STORY_QUESTIONS) {
        nb_log(NB_LOG_INFO, "story", "grey_pairs=%zu asked=%d", n, SAME_STORY_QUESTIONS);
        n = SAME_STORY_QUESTIONS;
    }
    nb_llm *llm = nb_llm_new(z, http);
    verdict *v = nb_xcalloc(n, sizeof *v);
    for (size_t k = 0; k < n; k++) {
        const nb_item *a = &items[grey[2 * k]], *b = &items[grey[2 * k + 1]];
        /* the question's cache key does not depend on the order of the pair */
        int swap = strcmp(a->url, b->url) > 0;
        const char *parts[] = {swap ? b->url : a->url, swap ? a->url : b->url};
        v[k] = (verdict){.store = store,
                         .model = z->model,
                         .now = now,
                         .a = grey[2 * k],
                         .b = grey[2 * k + 1],
                         .same = -1};
        nb_hash_parts(parts, 2, v[k].hash);
        char *cached = NULL;
        nb_errbuf err;
        if (nb_store_summary_get(store, v[k].hash, z->model, SAME_STORY_PROMPT, &cached, &err) ==
                NB_OK &&
            cached) {
            v[k].same = !strcmp(cached, "yes");
            free(cached);
            continue;
        }
        nb_llm_article qa = {.title = a->title, .content = a->excerpt ? a->excerpt : a->content};
        nb_llm_article qb = {.title = b->title, .content = b->excerpt ? b->excerpt : b->content};
        nb_llm_same_story(llm, &qa, &qb, on_same, &v[k]);
    }
    nb_http_run(http);
    size_t *out = nb_xcalloc(2 * n, sizeof *out);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        nb_log(NB_LOG_INFO, "story", "grey_pair=%s|%s same=%d", items[v[k].a].url,
               items[v[k].b].url, v[k].same);
        if (v[k].same == 1) {
            out[2 * m] = v[k].a;
            out[2 * m + 1] = v[k].b;
            m++;
        }
    }
    free(v);
    free(grey);
    nb_llm_free(llm);
    *same = out;
    *same_count = m;
}
