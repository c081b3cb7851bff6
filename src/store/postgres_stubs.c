/* SPDX-License-Identifier: MIT */
/* Temporary: the PostgreSQL functions not written yet. */
#include "store/postgres_private.h"

/* ---- Not yet implemented on PostgreSQL: each fails with a clear message. ---- */

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
