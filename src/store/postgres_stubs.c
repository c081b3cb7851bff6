/* SPDX-License-Identifier: MIT */
/* Temporary: the PostgreSQL functions not written yet. */
#include "store/postgres_private.h"

/* ---- Not yet implemented on PostgreSQL: each fails with a clear message. ---- */

nb_err nb_pg_check_writable(nb_pg *store, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: check_writable is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_item_put(nb_pg *store, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: item_put is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_item_known(nb_pg *store, const char *source, const char *key, int *known,
                        nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: item_known is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_items_since(nb_pg *store, int64_t since, size_t max, nb_item **items, size_t *count,
                         nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: items_since is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_source_load(nb_pg *store, const char *name, nb_source_state *out, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: source_load is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_source_save(nb_pg *store, const nb_source_state *state, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: source_save is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_source_list(nb_pg *store, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: source_list is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_summary_get(nb_pg *store, const char *content_hash, const char *model,
                         const char *prompt_hash, char **text, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: summary_get is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_summary_put(nb_pg *store, const char *content_hash, const char *model,
                         const char *prompt_hash, const char *text, long prompt_tokens,
                         long completion_tokens, int64_t now, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: summary_put is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_llm_usage_add(nb_pg *store, int64_t run_at, const char *model, long requests,
                           long prompt_tokens, long completion_tokens, double cost, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: llm_usage_add is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_briefing_commit(nb_pg *store, const nb_briefing_draft *draft, int64_t *id,
                             nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: briefing_commit is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_last_briefing_at(nb_pg *store, int64_t *at, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: last_briefing_at is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_items_for_channel(nb_pg *store, const char *channel, int64_t since, size_t max,
                               nb_item **items, size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: items_for_channel is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_outbox_pending(nb_pg *store, const char *channel, nb_outbox_row **rows, size_t *count,
                            nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: outbox_pending is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_outbox_list(nb_pg *store, nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: outbox_list is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_outbox_mark(nb_pg *store, int64_t id, const char *status, int attempts,
                         int64_t next_attempt_at, const char *answer, int64_t now, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: outbox_mark is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_outbox_drop(nb_pg *store, int64_t id, const char *channel, size_t *dropped,
                         nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: outbox_drop is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_data_version(nb_pg *store, int64_t *version, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: data_version is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_briefings(nb_pg *store, const nb_briefing_query *query, nb_briefing **out,
                       size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: briefings is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_briefing_get(nb_pg *store, const char *slug, nb_briefing *out, int *found,
                          nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: briefing_get is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_items_query(nb_pg *store, const nb_item_query *query, nb_item **items, size_t *count,
                         nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: items_query is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_item_get(nb_pg *store, int64_t id, nb_item *out, int *found, nb_item **others,
                      size_t *other_count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: item_get is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_item_text(nb_pg *store, int64_t id, char **text, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: item_text is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_item_briefings(nb_pg *store, int64_t id, nb_briefing **out, size_t *count,
                            nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: item_briefings is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_source_stats(nb_pg *store, nb_source_stats **out, size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: source_stats is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_search(nb_pg *store, const nb_search_query *query, nb_search_result *out,
                    nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: search is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_stats(nb_pg *store, nb_store_stat which, nb_stat_row **rows, size_t *count,
                   nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: stats is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_run_record(nb_pg *store, const nb_run_record *run, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: run_record is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_schedule_load(nb_pg *store, const char *name, nb_schedule_state *out, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: schedule_load is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_schedule_save(nb_pg *store, const nb_schedule_state *state, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: schedule_save is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_schedule_list(nb_pg *store, nb_schedule_state **states, size_t *count, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: schedule_list is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_daemon_save(nb_pg *store, const nb_daemon_state *state, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: daemon_save is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_daemon_load(nb_pg *store, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: daemon_load is not implemented on PostgreSQL yet", store->name);
}

nb_err nb_pg_prune(nb_pg *store, const nb_retention *r, int dry_run, nb_prune_report *report,
                   nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: prune is not implemented on PostgreSQL yet",
                   store->name);
}

nb_err nb_pg_outbox_next_due(nb_pg *store, int64_t *at, size_t *pending, nb_errbuf *err)
{
    return nb_errf(err, NB_ERR_STORE,
                   "database %s: outbox_next_due is not implemented on PostgreSQL yet",
                   store->name);
}
