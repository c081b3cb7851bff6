/* SPDX-License-Identifier: MIT */
/* Private to src/store: the two engines behind store.h. store.c picks one from the
 * database setting (a path: SQLite; a postgresql:// URI or a libpq key=value string:
 * PostgreSQL) and forwards every call; each engine implements the same functions with
 * the same behaviour, documented once in store.h. */
#ifndef NB_STORE_ENGINES_H
#define NB_STORE_ENGINES_H

#include "store/store.h"

/* Shared by both engines (store.c): an entry's related links, from the JSON array
 * [{"label": ..., "url": ...}, ...] a briefing's entries record, into it->related. */
void nb_store_read_related(const char *text, nb_item *it);
/* A briefing's pages, from the JSON array of texts it records, into b->pages. */
void nb_store_read_pages(const char *text, nb_briefing *b);
/* The JSON an entry records: its related links as above, and a list of ids ([1,2,3]). NULL
 * when out of memory; the caller frees. */
char *nb_store_related_json(const nb_item *it);
char *nb_store_ids_json(const int64_t *ids, size_t count);
/* A briefing's page texts as a JSON list of strings (caller frees). */
char *nb_store_pages_json(const char *const *pages, size_t count);
/* A briefing's readable id, the attempt-th candidate: the update time in the display zone
 * ("2025-04-07-2046"), then with the channel ("2025-04-07-2046-wecom"), then a number
 * ("...-wecom-2"). Caller frees. */
char *nb_store_slug(const char *channel, int64_t created_at, int attempt);
/* Frees what an outbox row holds and zeroes it (sqlite_outbox.c, beside nb_outbox_rows_free). */
void nb_store_outbox_row_clear(nb_outbox_row *row);

typedef struct nb_sqlite nb_sqlite;
typedef struct nb_sqlite_lock nb_sqlite_lock;
typedef struct nb_pg nb_pg;
typedef struct nb_pg_lock nb_pg_lock;

/* SQLite: sqlite.c, sqlite_writer.c, sqlite_outbox.c, archive.c */
nb_err nb_sqlite_open(const char *path, nb_sqlite **out, nb_errbuf *err);
void nb_sqlite_close(nb_sqlite *store);
nb_err nb_sqlite_check_writable(nb_sqlite *store, nb_errbuf *err);
const char *nb_sqlite_failure(const nb_sqlite *store);
nb_err nb_sqlite_schema_version(nb_sqlite *store, int *version, nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_sqlite_item_put(nb_sqlite *store, nb_item *item, int64_t now, int *is_new,
                          nb_errbuf *err);
nb_err nb_sqlite_item_known(nb_sqlite *store, const char *source, const char *key, int *known,
                            nb_errbuf *err);
nb_err nb_sqlite_items_since(nb_sqlite *store, int64_t since, size_t max, nb_item **items,
                             size_t *count, nb_errbuf *err);
nb_err nb_sqlite_source_load(nb_sqlite *store, const char *name, nb_source_state *out,
                             nb_errbuf *err);
nb_err nb_sqlite_source_save(nb_sqlite *store, const nb_source_state *state, nb_errbuf *err);
nb_err nb_sqlite_source_list(nb_sqlite *store, nb_source_state **states, size_t *count,
                             nb_errbuf *err);
nb_err nb_sqlite_summary_get(nb_sqlite *store, const char *content_hash, const char *model,
                             const char *prompt_hash, char **text, nb_errbuf *err);
nb_err nb_sqlite_summary_put(nb_sqlite *store, const char *content_hash, const char *model,
                             const char *prompt_hash, const char *text, long prompt_tokens,
                             long completion_tokens, int64_t now, nb_errbuf *err);
nb_err nb_sqlite_llm_usage_add(nb_sqlite *store, int64_t run_at, const char *model, long requests,
                               long prompt_tokens, long completion_tokens, double cost,
                               nb_errbuf *err);
nb_err nb_sqlite_lock_take(const char *database, int64_t timeout_ms, nb_sqlite_lock **out,
                           nb_errbuf *err);
void nb_sqlite_lock_release(nb_sqlite_lock *lock);
nb_err nb_sqlite_briefing_commit(nb_sqlite *store, const nb_briefing_draft *draft, int64_t *id,
                                 nb_errbuf *err);
nb_err nb_sqlite_last_briefing_at(nb_sqlite *store, int64_t *at, nb_errbuf *err);
nb_err nb_sqlite_items_for_channel(nb_sqlite *store, const char *channel, int64_t since, size_t max,
                                   nb_item **items, size_t *count, nb_errbuf *err);
nb_err nb_sqlite_outbox_pending(nb_sqlite *store, const char *channel, nb_outbox_row **rows,
                                size_t *count, nb_errbuf *err);
nb_err nb_sqlite_outbox_list(nb_sqlite *store, nb_outbox_row **rows, size_t *count, nb_errbuf *err);
nb_err nb_sqlite_outbox_mark(nb_sqlite *store, int64_t id, const char *status, int attempts,
                             int64_t next_attempt_at, const char *answer, int64_t now,
                             nb_errbuf *err);
nb_err nb_sqlite_outbox_drop(nb_sqlite *store, int64_t id, const char *channel, size_t *dropped,
                             nb_errbuf *err);
nb_err nb_sqlite_outbox_recover(nb_sqlite *store, size_t *recovered, nb_errbuf *err);
nb_err nb_sqlite_open_readonly(const char *path, nb_sqlite **out, nb_errbuf *err);
nb_err nb_sqlite_data_version(nb_sqlite *store, int64_t *version, nb_errbuf *err);
nb_err nb_sqlite_briefings(nb_sqlite *store, const nb_briefing_query *query, nb_briefing **out,
                           size_t *count, nb_errbuf *err);
nb_err nb_sqlite_briefing_get(nb_sqlite *store, const char *slug, nb_briefing *out, int *found,
                              nb_errbuf *err);
nb_err nb_sqlite_items_query(nb_sqlite *store, const nb_item_query *query, nb_item **items,
                             size_t *count, nb_errbuf *err);
nb_err nb_sqlite_item_get(nb_sqlite *store, int64_t id, nb_item *out, int *found, nb_item **others,
                          size_t *other_count, nb_errbuf *err);
nb_err nb_sqlite_item_text(nb_sqlite *store, int64_t id, char **text, nb_errbuf *err);
nb_err nb_sqlite_item_briefings(nb_sqlite *store, int64_t id, nb_briefing **out, size_t *count,
                                nb_errbuf *err);
nb_err nb_sqlite_source_stats(nb_sqlite *store, nb_source_stats **out, size_t *count,
                              nb_errbuf *err);
nb_err nb_sqlite_search(nb_sqlite *store, const nb_search_query *query, nb_search_result *out,
                        nb_errbuf *err);
nb_err nb_sqlite_stats(nb_sqlite *store, nb_store_stat which, nb_stat_row **rows, size_t *count,
                       nb_errbuf *err);
nb_err nb_sqlite_run_record(nb_sqlite *store, const nb_run_record *run, nb_errbuf *err);
nb_err nb_sqlite_schedule_load(nb_sqlite *store, const char *name, nb_schedule_state *out,
                               nb_errbuf *err);
nb_err nb_sqlite_schedule_save(nb_sqlite *store, const nb_schedule_state *state, nb_errbuf *err);
nb_err nb_sqlite_schedule_list(nb_sqlite *store, nb_schedule_state **states, size_t *count,
                               nb_errbuf *err);
nb_err nb_sqlite_daemon_save(nb_sqlite *store, const nb_daemon_state *state, nb_errbuf *err);
nb_err nb_sqlite_daemon_load(nb_sqlite *store, nb_daemon_state *out, int *found, nb_errbuf *err);
nb_err nb_sqlite_prune(nb_sqlite *store, const nb_retention *r, int dry_run,
                       nb_prune_report *report, nb_errbuf *err);
nb_err nb_sqlite_outbox_next_due(nb_sqlite *store, int64_t *at, size_t *pending, nb_errbuf *err);

/* SQLite: sqlite_jobs.c (leased work) */
nb_err nb_sqlite_job_add(nb_sqlite *store, const char *kind, const char *key, const char *payload,
                         int max_attempts, int64_t delay_ms, int *added, nb_errbuf *err);
nb_err nb_sqlite_job_claim(nb_sqlite *store, const char *kind, const char *worker, int64_t lease_ms,
                           nb_job *out, int *found, nb_errbuf *err);
nb_err nb_sqlite_job_renew(nb_sqlite *store, int64_t id, const char *worker, int attempt,
                           int64_t lease_ms, int *held, nb_errbuf *err);
nb_err nb_sqlite_job_done(nb_sqlite *store, int64_t id, const char *worker, int attempt, int *held,
                          nb_errbuf *err);
nb_err nb_sqlite_job_fail(nb_sqlite *store, int64_t id, const char *worker, int attempt,
                          const char *error, int64_t retry_ms, int *held, nb_errbuf *err);
nb_err nb_sqlite_job_state(nb_sqlite *store, const char *kind, const char *key, char **state,
                           char **last_error, nb_errbuf *err);
nb_err nb_sqlite_job_counts(nb_sqlite *store, nb_job_count **counts, size_t *count, nb_errbuf *err);
nb_err nb_sqlite_leases_renew(nb_sqlite *store, const char *worker, int64_t lease_ms,
                              size_t *renewed, nb_errbuf *err);
nb_err nb_sqlite_leases_release(nb_sqlite *store, const char *worker, size_t *released,
                                nb_errbuf *err);
nb_err nb_sqlite_fire_claim(nb_sqlite *store, const char *schedule, int64_t fire_time,
                            const char *worker, int *won, char **holder, nb_errbuf *err);
nb_err nb_sqlite_outbox_claim(nb_sqlite *store, const char *channel, const char *worker,
                              int64_t lease_ms, int64_t now, nb_outbox_row *row, int *found,
                              nb_errbuf *err);
nb_err nb_sqlite_outbox_finish(nb_sqlite *store, int64_t id, const char *worker, int attempt,
                               const char *status, int64_t next_attempt_at, const char *answer,
                               int64_t now, int *held, nb_errbuf *err);
nb_err nb_sqlite_work_wait(nb_sqlite *store, int64_t timeout_ms, int *woken, nb_errbuf *err);
nb_err nb_sqlite_job_states(nb_sqlite *store, const char *kind, const char *const *keys,
                            size_t count, char **states, nb_errbuf *err);
nb_err nb_sqlite_worker_save(nb_sqlite *store, const nb_daemon_state *state, nb_errbuf *err);
nb_err nb_sqlite_worker_list(nb_sqlite *store, nb_daemon_state **list, size_t *count,
                             nb_errbuf *err);
nb_err nb_sqlite_work_prune(nb_sqlite *store, int64_t age, int64_t now, int dry_run,
                            size_t *removed, nb_errbuf *err);

/* PostgreSQL: postgres.c, postgres_writer.c, postgres_outbox.c, postgres_archive.c */
nb_err nb_pg_open(const char *path, nb_pg **out, nb_errbuf *err);
void nb_pg_close(nb_pg *store);
nb_err nb_pg_check_writable(nb_pg *store, nb_errbuf *err);
const char *nb_pg_failure(const nb_pg *store);
nb_err nb_pg_schema_version(nb_pg *store, int *version, nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_pg_item_put(nb_pg *store, nb_item *item, int64_t now, int *is_new, nb_errbuf *err);
nb_err nb_pg_item_known(nb_pg *store, const char *source, const char *key, int *known,
                        nb_errbuf *err);
nb_err nb_pg_items_since(nb_pg *store, int64_t since, size_t max, nb_item **items, size_t *count,
                         nb_errbuf *err);
nb_err nb_pg_source_load(nb_pg *store, const char *name, nb_source_state *out, nb_errbuf *err);
nb_err nb_pg_source_save(nb_pg *store, const nb_source_state *state, nb_errbuf *err);
nb_err nb_pg_source_list(nb_pg *store, nb_source_state **states, size_t *count, nb_errbuf *err);
nb_err nb_pg_summary_get(nb_pg *store, const char *content_hash, const char *model,
                         const char *prompt_hash, char **text, nb_errbuf *err);
nb_err nb_pg_summary_put(nb_pg *store, const char *content_hash, const char *model,
                         const char *prompt_hash, const char *text, long prompt_tokens,
                         long completion_tokens, int64_t now, nb_errbuf *err);
nb_err nb_pg_llm_usage_add(nb_pg *store, int64_t run_at, const char *model, long requests,
                           long prompt_tokens, long completion_tokens, double cost, nb_errbuf *err);
nb_err nb_pg_lock_take(const char *database, int64_t timeout_ms, nb_pg_lock **out, nb_errbuf *err);
void nb_pg_lock_release(nb_pg_lock *lock);
nb_err nb_pg_briefing_commit(nb_pg *store, const nb_briefing_draft *draft, int64_t *id,
                             nb_errbuf *err);
nb_err nb_pg_last_briefing_at(nb_pg *store, int64_t *at, nb_errbuf *err);
nb_err nb_pg_items_for_channel(nb_pg *store, const char *channel, int64_t since, size_t max,
                               nb_item **items, size_t *count, nb_errbuf *err);
nb_err nb_pg_outbox_pending(nb_pg *store, const char *channel, nb_outbox_row **rows, size_t *count,
                            nb_errbuf *err);
nb_err nb_pg_outbox_list(nb_pg *store, nb_outbox_row **rows, size_t *count, nb_errbuf *err);
nb_err nb_pg_outbox_mark(nb_pg *store, int64_t id, const char *status, int attempts,
                         int64_t next_attempt_at, const char *answer, int64_t now, nb_errbuf *err);
nb_err nb_pg_outbox_drop(nb_pg *store, int64_t id, const char *channel, size_t *dropped,
                         nb_errbuf *err);
nb_err nb_pg_outbox_recover(nb_pg *store, size_t *recovered, nb_errbuf *err);
nb_err nb_pg_open_readonly(const char *path, nb_pg **out, nb_errbuf *err);
nb_err nb_pg_data_version(nb_pg *store, int64_t *version, nb_errbuf *err);
nb_err nb_pg_briefings(nb_pg *store, const nb_briefing_query *query, nb_briefing **out,
                       size_t *count, nb_errbuf *err);
nb_err nb_pg_briefing_get(nb_pg *store, const char *slug, nb_briefing *out, int *found,
                          nb_errbuf *err);
nb_err nb_pg_items_query(nb_pg *store, const nb_item_query *query, nb_item **items, size_t *count,
                         nb_errbuf *err);
nb_err nb_pg_item_get(nb_pg *store, int64_t id, nb_item *out, int *found, nb_item **others,
                      size_t *other_count, nb_errbuf *err);
nb_err nb_pg_item_text(nb_pg *store, int64_t id, char **text, nb_errbuf *err);
nb_err nb_pg_item_briefings(nb_pg *store, int64_t id, nb_briefing **out, size_t *count,
                            nb_errbuf *err);
nb_err nb_pg_source_stats(nb_pg *store, nb_source_stats **out, size_t *count, nb_errbuf *err);
nb_err nb_pg_search(nb_pg *store, const nb_search_query *query, nb_search_result *out,
                    nb_errbuf *err);
nb_err nb_pg_stats(nb_pg *store, nb_store_stat which, nb_stat_row **rows, size_t *count,
                   nb_errbuf *err);
nb_err nb_pg_run_record(nb_pg *store, const nb_run_record *run, nb_errbuf *err);
nb_err nb_pg_schedule_load(nb_pg *store, const char *name, nb_schedule_state *out, nb_errbuf *err);
nb_err nb_pg_schedule_save(nb_pg *store, const nb_schedule_state *state, nb_errbuf *err);
nb_err nb_pg_schedule_list(nb_pg *store, nb_schedule_state **states, size_t *count, nb_errbuf *err);
nb_err nb_pg_daemon_save(nb_pg *store, const nb_daemon_state *state, nb_errbuf *err);
nb_err nb_pg_daemon_load(nb_pg *store, nb_daemon_state *out, int *found, nb_errbuf *err);
nb_err nb_pg_prune(nb_pg *store, const nb_retention *r, int dry_run, nb_prune_report *report,
                   nb_errbuf *err);
nb_err nb_pg_outbox_next_due(nb_pg *store, int64_t *at, size_t *pending, nb_errbuf *err);
nb_err nb_pg_describe(const char *conninfo, char **text, char **warning, nb_errbuf *err);

/* PostgreSQL: postgres_jobs.c (leased work) */
nb_err nb_pg_job_add(nb_pg *store, const char *kind, const char *key, const char *payload,
                     int max_attempts, int64_t delay_ms, int *added, nb_errbuf *err);
nb_err nb_pg_job_claim(nb_pg *store, const char *kind, const char *worker, int64_t lease_ms,
                       nb_job *out, int *found, nb_errbuf *err);
nb_err nb_pg_job_renew(nb_pg *store, int64_t id, const char *worker, int attempt, int64_t lease_ms,
                       int *held, nb_errbuf *err);
nb_err nb_pg_job_done(nb_pg *store, int64_t id, const char *worker, int attempt, int *held,
                      nb_errbuf *err);
nb_err nb_pg_job_fail(nb_pg *store, int64_t id, const char *worker, int attempt, const char *error,
                      int64_t retry_ms, int *held, nb_errbuf *err);
nb_err nb_pg_job_state(nb_pg *store, const char *kind, const char *key, char **state,
                       char **last_error, nb_errbuf *err);
nb_err nb_pg_job_counts(nb_pg *store, nb_job_count **counts, size_t *count, nb_errbuf *err);
nb_err nb_pg_leases_renew(nb_pg *store, const char *worker, int64_t lease_ms, size_t *renewed,
                          nb_errbuf *err);
nb_err nb_pg_leases_release(nb_pg *store, const char *worker, size_t *released, nb_errbuf *err);
nb_err nb_pg_fire_claim(nb_pg *store, const char *schedule, int64_t fire_time, const char *worker,
                        int *won, char **holder, nb_errbuf *err);
nb_err nb_pg_outbox_claim(nb_pg *store, const char *channel, const char *worker, int64_t lease_ms,
                          int64_t now, nb_outbox_row *row, int *found, nb_errbuf *err);
nb_err nb_pg_outbox_finish(nb_pg *store, int64_t id, const char *worker, int attempt,
                           const char *status, int64_t next_attempt_at, const char *answer,
                           int64_t now, int *held, nb_errbuf *err);
nb_err nb_pg_work_wait(nb_pg *store, int64_t timeout_ms, int *woken, nb_errbuf *err);
nb_err nb_pg_job_states(nb_pg *store, const char *kind, const char *const *keys, size_t count,
                        char **states, nb_errbuf *err);
nb_err nb_pg_worker_save(nb_pg *store, const nb_daemon_state *state, nb_errbuf *err);
nb_err nb_pg_worker_list(nb_pg *store, nb_daemon_state **list, size_t *count, nb_errbuf *err);
nb_err nb_pg_work_prune(nb_pg *store, int64_t age, int64_t now, int dry_run, size_t *removed,
                        nb_errbuf *err);

/* SQLite into PostgreSQL: copy.c */
nb_err nb_store_copy_engines(nb_sqlite *from, nb_pg *to, nb_copy_report *report, nb_errbuf *err);

#endif
