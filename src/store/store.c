/* SPDX-License-Identifier: MIT */
/* store.h's front door: picks the engine from the database setting and forwards each call
 * to it. SQLite (a path) is the default and embedded choice; PostgreSQL (a postgresql://
 * URI or a libpq key=value string) is the shared store of several daemons. Nothing above
 * the store knows which one is in use. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/memory.h"
#include "store/engines.h"
#include "store/store.h"

/* related is [{"label": ..., "url": ...}, ...] as both engines record a briefing's entries. */
void nb_store_read_related(const char *text, nb_item *it)
{
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    if (n) {
        it->related = nb_xcalloc(n, sizeof *it->related);
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_array_get(list, i);
            const char *label = json_string_value(json_object_get(o, "label"));
            const char *url = json_string_value(json_object_get(o, "url"));
            if (!url)
                continue;
            nb_item_link *link = &it->related[it->related_count++];
            link->label = nb_xstrdup(label ? label : "");
            link->url = nb_xstrdup(url);
        }
    }
    json_decref(list);
}

/* pages is the JSON array of texts both engines record for a briefing. */
void nb_store_read_pages(const char *text, nb_briefing *b)
{
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    b->pages = n ? nb_xcalloc(n, sizeof *b->pages) : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *page = json_string_value(json_array_get(list, i));
        if (page)
            b->pages[b->page_count++] = nb_xstrdup(page);
    }
    json_decref(list);
}

char *nb_store_related_json(const nb_item *it)
{
    json_t *list = json_array();
    for (size_t i = 0; i < it->related_count; i++)
        json_array_append_new(list, json_pack("{s:s?, s:s?}", "label", it->related[i].label, "url",
                                              it->related[i].url));
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

char *nb_store_ids_json(const int64_t *ids, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_integer(ids[i]));
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

char *nb_store_pages_json(const char *const *pages, size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_string(pages[i]));
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

char *nb_store_slug(const char *channel, int64_t created_at, int attempt)
{
    char stamp[32] = "0000-00-00-0000";
    time_t t = (time_t)created_at;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%d-%H%M", &tm);
    if (attempt == 0)
        return nb_xstrdup(stamp);
    char safe[40];
    size_t n = 0;
    for (const char *p = channel; *p && n + 1 < sizeof safe; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            safe[n++] = c;
    }
    safe[n] = '\0';
    if (attempt == 1)
        return nb_xasprintf("%s-%s", stamp, n ? safe : "b");
    return nb_xasprintf("%s-%s-%d", stamp, n ? safe : "b", attempt);
}

struct nb_store {
    nb_sqlite *lite; /* exactly one of the two */
    nb_pg *pg;
};

struct nb_store_lock {
    nb_sqlite_lock *lite;
    nb_pg_lock *pg;
};

nb_err nb_store_open(const char *path, nb_store **out, nb_errbuf *err)
{
    *out = NULL;
    nb_store *s = nb_xcalloc(1, sizeof *s);
    nb_err rc = nb_database_is_postgres(path) ? nb_pg_open(path, &s->pg, err)
                                              : nb_sqlite_open(path, &s->lite, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

void nb_store_close(nb_store *store)
{
    if (!store)
        return;
    if (store->pg)
        nb_pg_close(store->pg);
    else
        nb_sqlite_close(store->lite);
    free(store);
}

nb_err nb_store_check_writable(nb_store *store, nb_errbuf *err)
{
    return store->pg ? nb_pg_check_writable(store->pg, err)
                     : nb_sqlite_check_writable(store->lite, err);
}

const char *nb_store_failure(const nb_store *store)
{
    return store->pg ? nb_pg_failure(store->pg) : nb_sqlite_failure(store->lite);
}

nb_err nb_store_schema_version(nb_store *store, int *version, nb_errbuf *err)
{
    return store->pg ? nb_pg_schema_version(store->pg, version, err)
                     : nb_sqlite_schema_version(store->lite, version, err);
}

nb_err nb_store_item_put(nb_store *store, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    return store->pg ? nb_pg_item_put(store->pg, item, now, is_new, err)
                     : nb_sqlite_item_put(store->lite, item, now, is_new, err);
}

nb_err nb_store_item_known(nb_store *store, const char *source, const char *key, int *known,
                           nb_errbuf *err)
{
    return store->pg ? nb_pg_item_known(store->pg, source, key, known, err)
                     : nb_sqlite_item_known(store->lite, source, key, known, err);
}

nb_err nb_store_items_since(nb_store *store, int64_t since, size_t max, nb_item **items,
                            size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_items_since(store->pg, since, max, items, count, err)
                     : nb_sqlite_items_since(store->lite, since, max, items, count, err);
}

nb_err nb_store_source_load(nb_store *store, const char *name, nb_source_state *out, nb_errbuf *err)
{
    return store->pg ? nb_pg_source_load(store->pg, name, out, err)
                     : nb_sqlite_source_load(store->lite, name, out, err);
}

nb_err nb_store_source_save(nb_store *store, const nb_source_state *state, nb_errbuf *err)
{
    return store->pg ? nb_pg_source_save(store->pg, state, err)
                     : nb_sqlite_source_save(store->lite, state, err);
}

nb_err nb_store_source_list(nb_store *store, nb_source_state **states, size_t *count,
                            nb_errbuf *err)
{
    return store->pg ? nb_pg_source_list(store->pg, states, count, err)
                     : nb_sqlite_source_list(store->lite, states, count, err);
}

nb_err nb_store_summary_get(nb_store *store, const char *content_hash, const char *model,
                            const char *prompt_hash, char **text, nb_errbuf *err)
{
    return store->pg
               ? nb_pg_summary_get(store->pg, content_hash, model, prompt_hash, text, err)
               : nb_sqlite_summary_get(store->lite, content_hash, model, prompt_hash, text, err);
}

nb_err nb_store_summary_put(nb_store *store, const char *content_hash, const char *model,
                            const char *prompt_hash, const char *text, long prompt_tokens,
                            long completion_tokens, int64_t now, nb_errbuf *err)
{
    return store->pg ? nb_pg_summary_put(store->pg, content_hash, model, prompt_hash, text,
                                         prompt_tokens, completion_tokens, now, err)
                     : nb_sqlite_summary_put(store->lite, content_hash, model, prompt_hash, text,
                                             prompt_tokens, completion_tokens, now, err);
}

nb_err nb_store_llm_usage_add(nb_store *store, int64_t run_at, const char *model, long requests,
                              long prompt_tokens, long completion_tokens, double cost,
                              nb_errbuf *err)
{
    return store->pg ? nb_pg_llm_usage_add(store->pg, run_at, model, requests, prompt_tokens,
                                           completion_tokens, cost, err)
                     : nb_sqlite_llm_usage_add(store->lite, run_at, model, requests, prompt_tokens,
                                               completion_tokens, cost, err);
}

nb_err nb_store_lock_take(const char *database, int64_t timeout_ms, nb_store_lock **out,
                          nb_errbuf *err)
{
    *out = NULL;
    nb_store_lock *lock = nb_xcalloc(1, sizeof *lock);
    nb_err rc = nb_database_is_postgres(database)
                    ? nb_pg_lock_take(database, timeout_ms, &lock->pg, err)
                    : nb_sqlite_lock_take(database, timeout_ms, &lock->lite, err);
    if (rc) {
        free(lock);
        return rc;
    }
    *out = lock;
    return NB_OK;
}

void nb_store_lock_release(nb_store_lock *lock)
{
    if (!lock)
        return;
    if (lock->pg)
        nb_pg_lock_release(lock->pg);
    else
        nb_sqlite_lock_release(lock->lite);
    free(lock);
}

nb_err nb_store_briefing_commit(nb_store *store, const nb_briefing_draft *draft, int64_t *id,
                                nb_errbuf *err)
{
    return store->pg ? nb_pg_briefing_commit(store->pg, draft, id, err)
                     : nb_sqlite_briefing_commit(store->lite, draft, id, err);
}

nb_err nb_store_last_briefing_at(nb_store *store, int64_t *at, nb_errbuf *err)
{
    return store->pg ? nb_pg_last_briefing_at(store->pg, at, err)
                     : nb_sqlite_last_briefing_at(store->lite, at, err);
}

nb_err nb_store_items_for_channel(nb_store *store, const char *channel, int64_t since, size_t max,
                                  nb_item **items, size_t *count, nb_errbuf *err)
{
    return store->pg
               ? nb_pg_items_for_channel(store->pg, channel, since, max, items, count, err)
               : nb_sqlite_items_for_channel(store->lite, channel, since, max, items, count, err);
}

nb_err nb_store_outbox_pending(nb_store *store, const char *channel, nb_outbox_row **rows,
                               size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_pending(store->pg, channel, rows, count, err)
                     : nb_sqlite_outbox_pending(store->lite, channel, rows, count, err);
}

nb_err nb_store_outbox_list(nb_store *store, nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_list(store->pg, rows, count, err)
                     : nb_sqlite_outbox_list(store->lite, rows, count, err);
}

nb_err nb_store_outbox_mark(nb_store *store, int64_t id, const char *status, int attempts,
                            int64_t next_attempt_at, const char *answer, int64_t now,
                            nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_mark(store->pg, id, status, attempts, next_attempt_at, answer,
                                         now, err)
                     : nb_sqlite_outbox_mark(store->lite, id, status, attempts, next_attempt_at,
                                             answer, now, err);
}

nb_err nb_store_outbox_drop(nb_store *store, int64_t id, const char *channel, size_t *dropped,
                            nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_drop(store->pg, id, channel, dropped, err)
                     : nb_sqlite_outbox_drop(store->lite, id, channel, dropped, err);
}

nb_err nb_store_outbox_recover(nb_store *store, size_t *recovered, nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_recover(store->pg, recovered, err)
                     : nb_sqlite_outbox_recover(store->lite, recovered, err);
}

nb_err nb_store_open_readonly(const char *path, nb_store **out, nb_errbuf *err)
{
    *out = NULL;
    nb_store *s = nb_xcalloc(1, sizeof *s);
    nb_err rc = nb_database_is_postgres(path) ? nb_pg_open_readonly(path, &s->pg, err)
                                              : nb_sqlite_open_readonly(path, &s->lite, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

nb_err nb_store_data_version(nb_store *store, int64_t *version, nb_errbuf *err)
{
    return store->pg ? nb_pg_data_version(store->pg, version, err)
                     : nb_sqlite_data_version(store->lite, version, err);
}

nb_err nb_store_briefings(nb_store *store, const nb_briefing_query *query, nb_briefing **out,
                          size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_briefings(store->pg, query, out, count, err)
                     : nb_sqlite_briefings(store->lite, query, out, count, err);
}

nb_err nb_store_briefing_get(nb_store *store, const char *slug, nb_briefing *out, int *found,
                             nb_errbuf *err)
{
    return store->pg ? nb_pg_briefing_get(store->pg, slug, out, found, err)
                     : nb_sqlite_briefing_get(store->lite, slug, out, found, err);
}

nb_err nb_store_items_query(nb_store *store, const nb_item_query *query, nb_item **items,
                            size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_items_query(store->pg, query, items, count, err)
                     : nb_sqlite_items_query(store->lite, query, items, count, err);
}

nb_err nb_store_item_get(nb_store *store, int64_t id, nb_item *out, int *found, nb_item **others,
                         size_t *other_count, nb_errbuf *err)
{
    return store->pg ? nb_pg_item_get(store->pg, id, out, found, others, other_count, err)
                     : nb_sqlite_item_get(store->lite, id, out, found, others, other_count, err);
}

nb_err nb_store_item_text(nb_store *store, int64_t id, char **text, nb_errbuf *err)
{
    return store->pg ? nb_pg_item_text(store->pg, id, text, err)
                     : nb_sqlite_item_text(store->lite, id, text, err);
}

nb_err nb_store_item_briefings(nb_store *store, int64_t id, nb_briefing **out, size_t *count,
                               nb_errbuf *err)
{
    return store->pg ? nb_pg_item_briefings(store->pg, id, out, count, err)
                     : nb_sqlite_item_briefings(store->lite, id, out, count, err);
}

nb_err nb_store_source_stats(nb_store *store, nb_source_stats **out, size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_source_stats(store->pg, out, count, err)
                     : nb_sqlite_source_stats(store->lite, out, count, err);
}

nb_err nb_store_search(nb_store *store, const nb_search_query *query, nb_search_result *out,
                       nb_errbuf *err)
{
    return store->pg ? nb_pg_search(store->pg, query, out, err)
                     : nb_sqlite_search(store->lite, query, out, err);
}

nb_err nb_store_stats(nb_store *store, nb_store_stat which, nb_stat_row **rows, size_t *count,
                      nb_errbuf *err)
{
    return store->pg ? nb_pg_stats(store->pg, which, rows, count, err)
                     : nb_sqlite_stats(store->lite, which, rows, count, err);
}

nb_err nb_store_run_record(nb_store *store, const nb_run_record *run, nb_errbuf *err)
{
    return store->pg ? nb_pg_run_record(store->pg, run, err)
                     : nb_sqlite_run_record(store->lite, run, err);
}

nb_err nb_store_schedule_load(nb_store *store, const char *name, nb_schedule_state *out,
                              nb_errbuf *err)
{
    return store->pg ? nb_pg_schedule_load(store->pg, name, out, err)
                     : nb_sqlite_schedule_load(store->lite, name, out, err);
}

nb_err nb_store_schedule_save(nb_store *store, const nb_schedule_state *state, nb_errbuf *err)
{
    return store->pg ? nb_pg_schedule_save(store->pg, state, err)
                     : nb_sqlite_schedule_save(store->lite, state, err);
}

nb_err nb_store_schedule_list(nb_store *store, nb_schedule_state **states, size_t *count,
                              nb_errbuf *err)
{
    return store->pg ? nb_pg_schedule_list(store->pg, states, count, err)
                     : nb_sqlite_schedule_list(store->lite, states, count, err);
}

nb_err nb_store_daemon_save(nb_store *store, const nb_daemon_state *state, nb_errbuf *err)
{
    nb_err rc = store->pg ? nb_pg_daemon_save(store->pg, state, err)
                          : nb_sqlite_daemon_save(store->lite, state, err);
    if (!rc && state->worker)
        rc = store->pg ? nb_pg_worker_save(store->pg, state, err)
                       : nb_sqlite_worker_save(store->lite, state, err);
    return rc;
}

nb_err nb_store_job_states(nb_store *store, const char *kind, const char *const *keys, size_t count,
                           char **states, nb_errbuf *err)
{
    for (size_t i = 0; i < count; i++)
        states[i] = NULL;
    if (!count)
        return NB_OK;
    return store->pg ? nb_pg_job_states(store->pg, kind, keys, count, states, err)
                     : nb_sqlite_job_states(store->lite, kind, keys, count, states, err);
}

nb_err nb_store_daemon_list(nb_store *store, nb_daemon_state **list, size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_worker_list(store->pg, list, count, err)
                     : nb_sqlite_worker_list(store->lite, list, count, err);
}

void nb_daemon_states_free(nb_daemon_state *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        free(list[i].worker);
    free(list);
}

nb_err nb_store_daemon_load(nb_store *store, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    return store->pg ? nb_pg_daemon_load(store->pg, out, found, err)
                     : nb_sqlite_daemon_load(store->lite, out, found, err);
}

nb_err nb_store_prune(nb_store *store, const nb_retention *r, int dry_run, nb_prune_report *report,
                      nb_errbuf *err)
{
    nb_err rc = store->pg ? nb_pg_prune(store->pg, r, dry_run, report, err)
                          : nb_sqlite_prune(store->lite, r, dry_run, report, err);
    if (!rc && r->work_age > 0)
        rc = store->pg
                 ? nb_pg_work_prune(store->pg, r->work_age, r->now, dry_run, &report->jobs, err)
                 : nb_sqlite_work_prune(store->lite, r->work_age, r->now, dry_run, &report->jobs,
                                        err);
    return rc;
}

nb_err nb_store_outbox_next_due(nb_store *store, int64_t *at, size_t *pending, nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_next_due(store->pg, at, pending, err)
                     : nb_sqlite_outbox_next_due(store->lite, at, pending, err);
}

/* ---- leased work ---- */

nb_err nb_store_job_add(nb_store *store, const char *kind, const char *key, const char *payload,
                        int max_attempts, int64_t delay_ms, int *added, nb_errbuf *err)
{
    return store->pg
               ? nb_pg_job_add(store->pg, kind, key, payload, max_attempts, delay_ms, added, err)
               : nb_sqlite_job_add(store->lite, kind, key, payload, max_attempts, delay_ms, added,
                                   err);
}

nb_err nb_store_job_claim(nb_store *store, const char *kind, const char *worker, int64_t lease_ms,
                          nb_job *out, int *found, nb_errbuf *err)
{
    return store->pg ? nb_pg_job_claim(store->pg, kind, worker, lease_ms, out, found, err)
                     : nb_sqlite_job_claim(store->lite, kind, worker, lease_ms, out, found, err);
}

nb_err nb_store_job_renew(nb_store *store, int64_t id, const char *worker, int attempt,
                          int64_t lease_ms, int *held, nb_errbuf *err)
{
    return store->pg ? nb_pg_job_renew(store->pg, id, worker, attempt, lease_ms, held, err)
                     : nb_sqlite_job_renew(store->lite, id, worker, attempt, lease_ms, held, err);
}

nb_err nb_store_job_done(nb_store *store, int64_t id, const char *worker, int attempt, int *held,
                         nb_errbuf *err)
{
    return store->pg ? nb_pg_job_done(store->pg, id, worker, attempt, held, err)
                     : nb_sqlite_job_done(store->lite, id, worker, attempt, held, err);
}

nb_err nb_store_job_fail(nb_store *store, int64_t id, const char *worker, int attempt,
                         const char *error, int64_t retry_ms, int *held, nb_errbuf *err)
{
    return store->pg
               ? nb_pg_job_fail(store->pg, id, worker, attempt, error, retry_ms, held, err)
               : nb_sqlite_job_fail(store->lite, id, worker, attempt, error, retry_ms, held, err);
}

nb_err nb_store_job_state(nb_store *store, const char *kind, const char *key, char **state,
                          char **last_error, nb_errbuf *err)
{
    return store->pg ? nb_pg_job_state(store->pg, kind, key, state, last_error, err)
                     : nb_sqlite_job_state(store->lite, kind, key, state, last_error, err);
}

nb_err nb_store_job_counts(nb_store *store, nb_job_count **counts, size_t *count, nb_errbuf *err)
{
    return store->pg ? nb_pg_job_counts(store->pg, counts, count, err)
                     : nb_sqlite_job_counts(store->lite, counts, count, err);
}

nb_err nb_store_leases_renew(nb_store *store, const char *worker, int64_t lease_ms, size_t *renewed,
                             nb_errbuf *err)
{
    return store->pg ? nb_pg_leases_renew(store->pg, worker, lease_ms, renewed, err)
                     : nb_sqlite_leases_renew(store->lite, worker, lease_ms, renewed, err);
}

nb_err nb_store_leases_release(nb_store *store, const char *worker, size_t *released,
                               nb_errbuf *err)
{
    return store->pg ? nb_pg_leases_release(store->pg, worker, released, err)
                     : nb_sqlite_leases_release(store->lite, worker, released, err);
}

nb_err nb_store_fire_claim(nb_store *store, const char *schedule, int64_t fire_time,
                           const char *worker, int *won, char **holder, nb_errbuf *err)
{
    return store->pg
               ? nb_pg_fire_claim(store->pg, schedule, fire_time, worker, won, holder, err)
               : nb_sqlite_fire_claim(store->lite, schedule, fire_time, worker, won, holder, err);
}

nb_err nb_store_outbox_claim(nb_store *store, const char *channel, const char *worker,
                             int64_t lease_ms, int64_t now, nb_outbox_row *row, int *found,
                             nb_errbuf *err)
{
    return store->pg
               ? nb_pg_outbox_claim(store->pg, channel, worker, lease_ms, now, row, found, err)
               : nb_sqlite_outbox_claim(store->lite, channel, worker, lease_ms, now, row, found,
                                        err);
}

nb_err nb_store_outbox_finish(nb_store *store, int64_t id, const char *worker, int attempt,
                              const char *status, int64_t next_attempt_at, const char *answer,
                              int64_t now, int *held, nb_errbuf *err)
{
    return store->pg ? nb_pg_outbox_finish(store->pg, id, worker, attempt, status, next_attempt_at,
                                           answer, now, held, err)
                     : nb_sqlite_outbox_finish(store->lite, id, worker, attempt, status,
                                               next_attempt_at, answer, now, held, err);
}

nb_err nb_store_work_wait(nb_store *store, int64_t timeout_ms, int *woken, nb_errbuf *err)
{
    return store->pg ? nb_pg_work_wait(store->pg, timeout_ms, woken, err)
                     : nb_sqlite_work_wait(store->lite, timeout_ms, woken, err);
}

void nb_job_clear(nb_job *job)
{
    if (!job)
        return;
    free(job->kind);
    free(job->key);
    free(job->payload);
    memset(job, 0, sizeof *job);
}

void nb_job_counts_free(nb_job_count *counts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(counts[i].kind);
        free(counts[i].state);
        free(counts[i].last_error);
    }
    free(counts);
}

nb_err nb_store_describe(const char *database, char **text, char **warning, nb_errbuf *err)
{
    *text = *warning = NULL;
    return nb_database_is_postgres(database) ? nb_pg_describe(database, text, warning, err) : NB_OK;
}

nb_err nb_store_copy(nb_store *from, nb_store *to, nb_copy_report *report, nb_errbuf *err)
{
    memset(report, 0, sizeof *report);
    if (!from->lite || !to->pg)
        return nb_errf(err, NB_ERR_STORE,
                       "copying goes from a SQLite database into a PostgreSQL one");
    return nb_store_copy_engines(from->lite, to->pg, report, err);
}
