/* The store: the only door to persistence. SQLite in WAL mode, schema by numbered
 * migrations. One writer (the run's core thread); every call is a short transaction.
 * Strings handed in are copied; records handed out are the caller's to free. */
#ifndef NB_STORE_STORE_H
#define NB_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/record.h"

typedef struct nb_store nb_store;

/* Opens (creating the file and its directory when missing) and migrates the database.
 * An unwritable path is NB_ERR_STORE with a message naming it. */
nb_err nb_store_open(const char *path, nb_store **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_store_close(nb_store *store); /* NULL-safe */

/* The schema version after migration (for tests and `check-config`). */
int nb_store_schema_version(nb_store *store);

/* Inserts the item, or updates the stored one with the same (source, key).
 * now is recorded as the time first seen. Sets item->id; *is_new (may be NULL) tells whether it was
 * inserted. */
nb_err nb_store_item_put(nb_store *store, nb_item *item, int64_t now, int *is_new,
                         nb_errbuf *err) NB_MUST_CHECK;

/* Whether an item with this (source, key) is stored. */
nb_err nb_store_item_known(nb_store *store, const char *source, const char *key, int *known,
                           nb_errbuf *err) NB_MUST_CHECK;

/* Items published at or after since, newest first (ties: newest id first), at most max. */
nb_err nb_store_items_since(nb_store *store, int64_t since, size_t max, nb_item **items,
                            size_t *count, nb_errbuf *err) NB_MUST_CHECK;

/* The stored state of a source; a source never seen yields a zeroed state with name set. */
nb_err nb_store_source_load(nb_store *store, const char *name, nb_source_state *out,
                            nb_errbuf *err) NB_MUST_CHECK;
/* Saves state under state->name, replacing what was stored. */
nb_err nb_store_source_save(nb_store *store, const nb_source_state *state,
                            nb_errbuf *err) NB_MUST_CHECK;
/* Every stored source, by name. */
nb_err nb_store_source_list(nb_store *store, nb_source_state **states, size_t *count,
                            nb_errbuf *err) NB_MUST_CHECK;

/* The LLM summary cache, keyed by (content hash, model, prompt hash). *text is NULL on a
 * miss; caller frees. */
nb_err nb_store_summary_get(nb_store *store, const char *content_hash, const char *model,
                            const char *prompt_hash, char **text, nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_store_summary_put(nb_store *store, const char *content_hash, const char *model,
                            const char *prompt_hash, const char *text, long prompt_tokens,
                            long completion_tokens, int64_t now, nb_errbuf *err) NB_MUST_CHECK;
/* What one run spent on the LLM. */
nb_err nb_store_llm_usage_add(nb_store *store, int64_t run_at, const char *model, long requests,
                              long prompt_tokens, long completion_tokens, double cost,
                              nb_errbuf *err) NB_MUST_CHECK;

/* The run lock: an exclusive lock on "<database>.lock", so that two runs on one database
 * never overlap. Waits up to timeout_ms; NB_ERR_LOCKED when another run keeps it. */
typedef struct nb_store_lock nb_store_lock;
nb_err nb_store_lock_take(const char *database, int64_t timeout_ms, nb_store_lock **out,
                          nb_errbuf *err) NB_MUST_CHECK;
void nb_store_lock_release(nb_store_lock *lock); /* NULL-safe */

/* One outbox row to create: a platform request body, and the items it carries. */
typedef struct nb_outbox_message {
    const char *method;      /* the platform call ("sendMessage", "sendPhoto"), or "" */
    const char *payload;     /* request body, unsigned (signatures are added at send time) */
    const int64_t *item_ids; /* the reports of the stories it carries */
    size_t item_count;
} nb_outbox_message;

/* Records a composed briefing for a channel in one transaction: the briefing (item ids,
 * rendered pages), one pending outbox row per message (sequence 1..n), and the ledger:
 * each item with the message carrying it (item_ids without a message, for local channels,
 * count as delivered at once). An item counts as given to the channel unless the message
 * carrying it failed for good. */
nb_err nb_store_briefing_commit(nb_store *store, const char *channel, int64_t created_at,
                                int64_t window_start, const int64_t *item_ids, size_t item_count,
                                const char *const *pages, size_t page_count,
                                const nb_outbox_message *messages, size_t message_count,
                                int64_t *id, nb_errbuf *err) NB_MUST_CHECK;

/* Items published at or after since, newest first, at most max, each with delivered set
 * when the channel was given it before (queued or sent; a failed message gives it back). */
nb_err nb_store_items_for_channel(nb_store *store, const char *channel, int64_t since, size_t max,
                                  nb_item **items, size_t *count, nb_errbuf *err) NB_MUST_CHECK;

/* The outbox. A row is pending until sent; "sending" while its request is out (a crash
 * leaves it so: recovery makes it pending again and flags a possible duplicate); "failed"
 * when the platform refused the payload itself. */
typedef struct nb_outbox_row {
    int64_t id, briefing_id;
    char *channel;
    int seq;
    char *method;
    char *payload;
    char *status;
    int attempts;
    int64_t next_attempt_at; /* UTC seconds; 0: now */
    char *last_answer;       /* the platform's last answer, or NULL */
    int possible_duplicate;  /* was "sending" when a run died */
    int64_t created_at;
} nb_outbox_row;

nb_err nb_store_outbox_pending(nb_store *store, const char *channel, nb_outbox_row **rows,
                               size_t *count, nb_errbuf *err) NB_MUST_CHECK;
/* Every row not yet sent (pending, sending, failed), oldest first. */
nb_err nb_store_outbox_list(nb_store *store, nb_outbox_row **rows, size_t *count,
                            nb_errbuf *err) NB_MUST_CHECK;
void nb_outbox_rows_free(nb_outbox_row *rows, size_t count);
/* Sets status, attempts, next attempt and (when not NULL) the last answer. */
nb_err nb_store_outbox_mark(nb_store *store, int64_t id, const char *status, int attempts,
                            int64_t next_attempt_at, const char *answer, int64_t now,
                            nb_errbuf *err) NB_MUST_CHECK;
/* Rows left "sending" by a run that died become pending, flagged as possible duplicates. */
nb_err nb_store_outbox_recover(nb_store *store, size_t *recovered, nb_errbuf *err) NB_MUST_CHECK;

/* The daemon's memory of a schedule (`newsbrief status`, catch-up after a restart). */
typedef struct nb_schedule_state {
    char *name;               /* the schedule's key under schedules: */
    char *cron;               /* its expression when last saved */
    int64_t last_fire;        /* the last fire time handled (run or skipped), UTC seconds */
    char *last_result;        /* "ok", "failed", "skipped: ..." or NULL */
    int64_t last_run_at;      /* when its last run started */
    int64_t last_duration_ms; /* how long it took */
    int64_t next_fire;        /* the fire time after last_fire, as planned */
} nb_schedule_state;

/* A schedule never saved yields a zeroed state with name set. */
nb_err nb_store_schedule_load(nb_store *store, const char *name, nb_schedule_state *out,
                              nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_store_schedule_save(nb_store *store, const nb_schedule_state *state,
                              nb_errbuf *err) NB_MUST_CHECK;
nb_err nb_store_schedule_list(nb_store *store, nb_schedule_state **states, size_t *count,
                              nb_errbuf *err) NB_MUST_CHECK;
void nb_schedule_state_clear(nb_schedule_state *state);
void nb_schedule_states_free(nb_schedule_state *states, size_t count);

/* The daemon's heartbeat: written at every wake-up, so `newsbrief status` can tell a live
 * daemon from a dead one. */
typedef struct nb_daemon_state {
    int64_t pid;
    int64_t started_at;   /* UTC seconds */
    int64_t heartbeat_at; /* the last wake-up */
    int64_t next_wake_at; /* when it planned to wake next */
    int64_t stopped_at;   /* set by a clean stop; 0 while running (or after a crash) */
} nb_daemon_state;

nb_err nb_store_daemon_save(nb_store *store, const nb_daemon_state *state,
                            nb_errbuf *err) NB_MUST_CHECK;
/* *found is 0 when no daemon ever ran on this database. */
nb_err nb_store_daemon_load(nb_store *store, nb_daemon_state *out, int *found,
                            nb_errbuf *err) NB_MUST_CHECK;

/* Retention: what is older than each cutoff (UTC seconds; 0 keeps it) goes. */
typedef struct nb_retention {
    int64_t article_text_before; /* items first seen before: their extracted text */
    int64_t items_before;        /* items first seen before: the items (their keys stay, so a
                                    source serving them again does not make them new) and
                                    the LLM summaries no item uses */
    int64_t briefings_before;    /* briefings made before, with their sent or refused
                                    messages (a briefing with a message still to send stays) */
    int64_t now;                 /* recorded with the forgotten keys */
} nb_retention;

typedef struct nb_prune_report {
    size_t texts;        /* article texts dropped (title, summary, link and image stay) */
    size_t items;        /* items removed */
    size_t summaries;    /* cached LLM summaries removed */
    size_t briefings;    /* briefings removed */
    size_t messages;     /* outbox rows removed */
    int64_t bytes_freed; /* the file shrank by this much */
    int vacuumed;        /* a full VACUUM turned incremental vacuum on */
} nb_prune_report;

/* Applies r in transactions of a few hundred rows, then gives the pages back to the file
 * system (incremental vacuum). dry_run only counts what would go. The ledger keeps what
 * the remaining items need, so nothing is ever sent twice. */
nb_err nb_store_prune(nb_store *store, const nb_retention *r, int dry_run, nb_prune_report *report,
                      nb_errbuf *err) NB_MUST_CHECK;

/* Outbox rows not yet sent (pending or sending) and the earliest time one may go: rows go
 * in order per channel, so each channel's first row decides (0: now; meaningless when
 * *pending is 0). */
nb_err nb_store_outbox_next_due(nb_store *store, int64_t *at, size_t *pending,
                                nb_errbuf *err) NB_MUST_CHECK;

#endif
