/* SPDX-License-Identifier: MIT */
/* The store: the only door to persistence. Two engines with the same behaviour: SQLite in
 * WAL mode (a path: the default, embedded) and PostgreSQL (a postgresql:// URI or a libpq
 * key=value string: the shared store of several daemons). Schema by numbered migrations.
 * Every call is a short transaction; none is held across a network request. Strings handed
 * in are copied; records handed out are the caller's to free. */
#ifndef NB_STORE_STORE_H
#define NB_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/record.h"

typedef struct nb_store nb_store;

/* Opens (creating the file and its directory when missing) and migrates the database.
 * A path that cannot hold a database (a missing or unwritable directory) is NB_ERR_STORE;
 * a failure of the storage itself (disk full, read-only, I/O error) is NB_ERR_IO. Both
 * messages name the database and the cause. */
nb_err nb_store_open(const char *path, nb_store **out, nb_errbuf *err) NB_MUST_CHECK;
void nb_store_close(nb_store *store); /* NULL-safe */

/* NB_ERR_IO ("database …: read-only …") when the database was opened but cannot be
 * written (a read-only file or file system; on PostgreSQL a standby, a session whose
 * transactions are read-only by default, or a role without the right to change the
 * tables): commands that write check it first. */
nb_err nb_store_check_writable(nb_store *store, nb_errbuf *err) NB_MUST_CHECK;

/* The first failure of the storage under the database (disk full, read-only, I/O error;
 * on PostgreSQL also the connection lost) met by any call, naming the database, the cause
 * and what was being done; NULL while there was none. After one, every call fails at once
 * with NB_ERR_IO and this message: nothing more is written, callers stop what must be
 * recorded (sending) and report it once. Valid while the store is open. */
const char *nb_store_failure(const nb_store *store);

/* The schema version after migration (for tests and `check-config`) in *version. */
nb_err nb_store_schema_version(nb_store *store, int *version, nb_errbuf *err) NB_MUST_CHECK;

/* What `check-config` says of a database server, without migrating or writing anything:
 * for PostgreSQL, connects and describes it in *text ("PostgreSQL 15.8, database …,
 * schema 1 of 1"), with *warning when its LC_CTYPE is not UTF-8 (else NULL); a connection
 * error names the database with its password masked. For a path (SQLite) both stay NULL:
 * the caller checks the file. Caller frees both. */
nb_err nb_store_describe(const char *database, char **text, char **warning,
                         nb_errbuf *err) NB_MUST_CHECK;

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
/* Saves state under state->name, replacing what was stored (last_error with secrets masked,
 * as every error and answer column: core/redact). */
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

/* The run lock: an exclusive lock on "<database>.lock" (on PostgreSQL a session advisory
 * lock, released when its connection ends), so that two runs on one database never
 * overlap. Waits up to timeout_ms; NB_ERR_LOCKED when another run keeps it. */
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

/* A composed briefing, as nb_store_briefing_commit records it. */
typedef struct nb_briefing_draft {
    const char *channel;
    const char *title;      /* the header's title ("新闻简报") */
    int64_t created_at;     /* UTC seconds: the header's update time */
    int64_t window_start;   /* candidates were published at or after this */
    const nb_item *entries; /* the stories in delivered order: title, url, time, image,
                               summary, related links and story_ids as shown */
    size_t entry_count;
    size_t per_page;         /* entries per page */
    const int64_t *item_ids; /* the ledger: every report of every story */
    size_t item_count;
    const char *const *pages; /* the rendered pages */
    size_t page_count;
    const nb_outbox_message *messages;
    size_t message_count;
} nb_briefing_draft;

/* Records a composed briefing in one transaction: the briefing (its readable id, entries as
 * shown, item ids, rendered pages), one pending outbox row per message (sequence 1..n), and
 * the ledger: each item with the message carrying it (item_ids without a message, for local
 * channels, count as delivered at once). An item counts as given to the channel unless the
 * message carrying it failed for good. Each entry's summary becomes its item's summary and
 * the reports of one story share a cluster. *id (may be NULL) receives the row id. */
nb_err nb_store_briefing_commit(nb_store *store, const nb_briefing_draft *draft, int64_t *id,
                                nb_errbuf *err) NB_MUST_CHECK;

/* When the last briefing (of any channel) was composed; 0 when there never was one. */
nb_err nb_store_last_briefing_at(nb_store *store, int64_t *at, nb_errbuf *err) NB_MUST_CHECK;

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
/* Sets status, attempts, next attempt and (when not NULL) the last answer, secrets masked. */
nb_err nb_store_outbox_mark(nb_store *store, int64_t id, const char *status, int attempts,
                            int64_t next_attempt_at, const char *answer, int64_t now,
                            nb_errbuf *err) NB_MUST_CHECK;
/* Gives up on rows not yet sent: the row with this id (id > 0), or every row of channel
 * (a channel no longer configured). They become "dropped": never sent, no longer listed,
 * and their items stay given to the channel. *dropped: how many. */
nb_err nb_store_outbox_drop(nb_store *store, int64_t id, const char *channel, size_t *dropped,
                            nb_errbuf *err) NB_MUST_CHECK;
/* Rows left "sending" by a run that died become pending, flagged as possible duplicates:
 * those without a lease (a run's, `newsbrief push`'s) and those whose lease expired; a row
 * leased to a live worker stays as it is. */
nb_err nb_store_outbox_recover(nb_store *store, size_t *recovered, nb_errbuf *err) NB_MUST_CHECK;

/* ---- The archive: read-only queries for the web server and the API. ----
 * Items handed out here carry summary = the summary a briefing showed, else the start of the
 * source's excerpt (NULL when neither exists); excerpt, content, author and tags are not read. */

/* Opens an existing, migrated database for reading only (one connection per thread). */
nb_err nb_store_open_readonly(const char *path, nb_store **out, nb_errbuf *err) NB_MUST_CHECK;

/* A number that changes whenever another connection commits (PRAGMA data_version). On
 * PostgreSQL, a hash of the server's transaction snapshot: it changes whenever a writing
 * transaction starts or ends on the server (now and then when nothing this database holds
 * changed: a reader's cache is then rebuilt for nothing), never stays after a commit. */
nb_err nb_store_data_version(nb_store *store, int64_t *version, nb_errbuf *err) NB_MUST_CHECK;

/* A briefing as the archive shows it. */
typedef struct nb_briefing {
    int64_t id;
    char *slug; /* readable, stable id: "2025-04-07-2046" (display zone) */
    char *channel;
    char *title;        /* the header's title; NULL for briefings recorded before titles */
    int64_t created_at; /* UTC seconds */
    size_t per_page;    /* entries per delivered page; 0 when unknown */
    size_t entry_count; /* stories delivered (0 for briefings recorded before entries) */
    nb_item *entries;   /* the first entries in delivered order (all for nb_store_briefing_get):
                           id, source, url, title, published_at, image, summary, related */
    size_t entries_loaded;
    char **pages; /* the delivered text of each page (nb_store_briefing_get only) */
    size_t page_count;
} nb_briefing;

void nb_briefing_clear(nb_briefing *briefing);
void nb_briefings_free(nb_briefing *briefings, size_t count);

typedef struct nb_briefing_query {
    int64_t before_id; /* only briefings with a smaller id (the "older" cursor); 0: no bound */
    int64_t from, to;  /* created_at in [from, to); 0: unbounded */
    size_t limit;
    size_t preview; /* entries loaded per briefing */
} nb_briefing_query;

/* Briefings newest first (by id). */
nb_err nb_store_briefings(nb_store *store, const nb_briefing_query *query, nb_briefing **out,
                          size_t *count, nb_errbuf *err) NB_MUST_CHECK;
/* One briefing by slug with every entry and page; *found is 0 when there is none. */
nb_err nb_store_briefing_get(nb_store *store, const char *slug, nb_briefing *out, int *found,
                             nb_errbuf *err) NB_MUST_CHECK;

typedef struct nb_item_query {
    const char *source;                  /* or NULL: every source */
    int64_t from, to;                    /* published_at in [from, to); 0: unbounded */
    int64_t before_published, before_id; /* keyset cursor: only items older than this
                                            (published_at, id) pair; before_id 0: none */
    size_t limit;
} nb_item_query;

/* Items newest first (published_at, then id). */
nb_err nb_store_items_query(nb_store *store, const nb_item_query *query, nb_item **items,
                            size_t *count, nb_errbuf *err) NB_MUST_CHECK;
/* One item by id (*found 0 when missing), and the other reports of its story (oldest
 * first; *others may be NULL with *other_count 0). */
nb_err nb_store_item_get(nb_store *store, int64_t id, nb_item *out, int *found, nb_item **others,
                         size_t *other_count, nb_errbuf *err) NB_MUST_CHECK;
/* The article text extracted for an item, or NULL when none was stored (caller frees). */
nb_err nb_store_item_text(nb_store *store, int64_t id, char **text, nb_errbuf *err) NB_MUST_CHECK;
/* The briefings that carried an item, newest first (entries not loaded). */
nb_err nb_store_item_briefings(nb_store *store, int64_t id, nb_briefing **out, size_t *count,
                               nb_errbuf *err) NB_MUST_CHECK;

/* Per source: stored items and the newest publication time. */
typedef struct nb_source_stats {
    char *name;
    int64_t items;
    int64_t newest; /* 0: none */
} nb_source_stats;
nb_err nb_store_source_stats(nb_store *store, nb_source_stats **out, size_t *count,
                             nb_errbuf *err) NB_MUST_CHECK;
void nb_source_stats_free(nb_source_stats *stats, size_t count);

/* Full-text search. Terms are split on white space ("..." keeps a phrase together); each
 * term of three or more characters is matched through the trigram index (quoted, so FTS
 * syntax has no effect), shorter ones as substrings of title and summary in the same
 * statement. Every term must match. Relevance is bm25 with the title weighing 5. */
#define NB_SEARCH_MARK_OPEN "\x01" /* around matches in the marked texts */
#define NB_SEARCH_MARK_CLOSE "\x02"
#define NB_SEARCH_TERMS_MAX 16
#define NB_SEARCH_COUNT_CAP 1000 /* matches counted at most; ranking among the newest this many */

typedef struct nb_search_query {
    const char *text;   /* what the user typed */
    const char *source; /* or NULL */
    int64_t from, to;   /* published_at in [from, to); 0: unbounded */
    int newest;         /* newest first instead of by relevance */
    size_t limit, offset;
} nb_search_query;

typedef struct nb_search_hit {
    nb_item item;         /* as the archive queries fill it */
    char *title_marked;   /* the title with matches between the marks */
    char *snippet_marked; /* the summary, or its part around matches, marked; or NULL */
} nb_search_hit;

typedef struct nb_search_result {
    nb_search_hit *hits;
    size_t count;
    size_t total;       /* matches, at most NB_SEARCH_COUNT_CAP */
    int total_capped;   /* there are more than total */
    int substring_only; /* every term was shorter than three characters: a plain scan */
    size_t term_count;  /* terms used (0: nothing to search) */
} nb_search_result;

nb_err nb_store_search(nb_store *store, const nb_search_query *query, nb_search_result *out,
                       nb_errbuf *err) NB_MUST_CHECK;
void nb_search_result_clear(nb_search_result *result);

/* Counters for /metrics: rows of up to two labels and a value. */
typedef enum nb_store_stat {
    NB_STAT_RUNS,                  /* schedule, result: runs */
    NB_STAT_SOURCE_ITEMS,          /* source: items fetched */
    NB_STAT_SOURCE_ERRORS,         /* source, kind: failed fetches */
    NB_STAT_LLM_REQUESTS,          /* model */
    NB_STAT_LLM_PROMPT_TOKENS,     /* model */
    NB_STAT_LLM_COMPLETION_TOKENS, /* model */
    NB_STAT_LLM_COST,              /* model */
    NB_STAT_OUTBOX,                /* channel, state: messages */
    NB_STAT_ITEMS,                 /* source: items stored */
    NB_STAT_BRIEFINGS,             /* channel: briefings */
} nb_store_stat;

typedef struct nb_stat_row {
    char *labels[2]; /* NULL when the statistic has fewer labels */
    double value;
} nb_stat_row;

nb_err nb_store_stats(nb_store *store, nb_store_stat which, nb_stat_row **rows, size_t *count,
                      nb_errbuf *err) NB_MUST_CHECK;
void nb_stat_rows_free(nb_stat_row *rows, size_t count);

/* One run, for the metrics: its schedule ("run" for `newsbrief run`), result ("ok",
 * "failed"), and per source the items fetched or the kind of failure (nb_err_name). */
typedef struct nb_run_source {
    const char *source;
    long items;             /* fetched */
    const char *error_kind; /* NULL when the source succeeded */
} nb_run_source;

typedef struct nb_run_record {
    const char *schedule;
    const char *result;
    int64_t started_at, finished_at;
    long items_new;
    const nb_run_source *sources;
    size_t source_count;
} nb_run_record;

nb_err nb_store_run_record(nb_store *store, const nb_run_record *run, nb_errbuf *err) NB_MUST_CHECK;

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
    char *worker;         /* with workers on, the daemon's worker id (hostname:pid), which
                             keeps a row of its own as well (nb_store_daemon_list); NULL
                             otherwise. Borrowed when saving; owned in a list. */
} nb_daemon_state;

nb_err nb_store_daemon_save(nb_store *store, const nb_daemon_state *state,
                            nb_errbuf *err) NB_MUST_CHECK;
/* *found is 0 when no daemon ever ran on this database. */
nb_err nb_store_daemon_load(nb_store *store, nb_daemon_state *out, int *found,
                            nb_errbuf *err) NB_MUST_CHECK;
/* The daemons with workers on that share the database, one row per worker id, the latest
 * heartbeat first (a daemon that stopped cleanly removed its row; a killed one's stays until
 * prune). Free with nb_daemon_states_free. */
nb_err nb_store_daemon_list(nb_store *store, nb_daemon_state **list, size_t *count,
                            nb_errbuf *err) NB_MUST_CHECK;
void nb_daemon_states_free(nb_daemon_state *list, size_t count);

/* Retention: what is older than each cutoff (UTC seconds; 0 keeps it) goes. */
typedef struct nb_retention {
    int64_t article_text_before; /* items first seen before: their extracted text */
    int64_t items_before;        /* items first seen before: the items (their keys stay, so a
                                    source serving them again does not make them new) and
                                    the LLM summaries no item uses */
    int64_t briefings_before;    /* briefings made before, with their sent or refused
                                    messages (a briefing with a message still to send stays) */
    int64_t now;                 /* recorded with the forgotten keys */
    int64_t work_age;            /* seconds: jobs done longer ago than this (database clock),
                                    the rows of daemons silent for as long and the claims of
                                    schedule fires as old (0 keeps them) */
} nb_retention;

typedef struct nb_prune_report {
    size_t texts;        /* article texts dropped (title, summary, link and image stay) */
    size_t items;        /* items removed */
    size_t summaries;    /* cached LLM summaries removed */
    size_t briefings;    /* briefings removed */
    size_t messages;     /* outbox rows removed */
    size_t jobs;         /* done jobs, silent daemons' rows and past fires' claims removed */
    int64_t bytes_freed; /* the file shrank by this much (SQLite; 0 on PostgreSQL) */
    int vacuumed;        /* a full VACUUM turned incremental vacuum on (SQLite) */
} nb_prune_report;

/* Applies r in transactions of a few hundred rows, then gives the pages back to the file
 * system (incremental vacuum; on PostgreSQL the server's autovacuum makes the space
 * reusable, and giving it back, VACUUM FULL, is left to the administrator since it locks
 * the tables). dry_run only counts what would go. The ledger keeps what the remaining
 * items need, so nothing is ever sent twice. */
nb_err nb_store_prune(nb_store *store, const nb_retention *r, int dry_run, nb_prune_report *report,
                      nb_errbuf *err) NB_MUST_CHECK;

/* Outbox rows not yet sent (pending or sending) and the earliest time one may go: rows go
 * in order per channel, so each channel's first row decides (0: now; meaningless when
 * *pending is 0). */
nb_err nb_store_outbox_next_due(nb_store *store, int64_t *at, size_t *pending,
                                nb_errbuf *err) NB_MUST_CHECK;

/* ---- Leased work: several daemons (or workers) sharing one database ----
 * A job is a row a worker claims for a lease measured on the database's clock; it renews
 * the lease while it works and marks the job done or failed, both fenced by the attempt
 * number it claimed with: a worker whose lease expired and was taken over changes nothing
 * (*held 0). A job that fails max_attempts times (or whose lease expires that often) is
 * "dead" with its last error. Claims commit at once: no transaction is held across work. */
typedef struct nb_job {
    int64_t id;
    char *kind;
    char *key;
    char *payload;
    int attempt;      /* this claim's attempt number: the fencing token */
    int max_attempts; /* dead after this many */
    int taken_over;   /* the lease of another worker had expired */
} nb_job;

void nb_job_clear(nb_job *job); /* frees the strings */

/* Adds a ready job unless one with this (kind, key) exists (in any state); *added (may be
 * NULL) tells which. It may be claimed delay_ms from now. Wakes waiting workers. */
nb_err nb_store_job_add(nb_store *store, const char *kind, const char *key, const char *payload,
                        int max_attempts, int64_t delay_ms, int *added,
                        nb_errbuf *err) NB_MUST_CHECK;
/* Claims the next job of kind (NULL: any kind) that is ready and due, or running with an
 * expired lease, for worker and lease_ms; *found is 0 when there is none. Expired jobs that
 * used their last attempt go dead instead. */
nb_err nb_store_job_claim(nb_store *store, const char *kind, const char *worker, int64_t lease_ms,
                          nb_job *out, int *found, nb_errbuf *err) NB_MUST_CHECK;
/* Extends the lease of one job (fenced). */
nb_err nb_store_job_renew(nb_store *store, int64_t id, const char *worker, int attempt,
                          int64_t lease_ms, int *held, nb_errbuf *err) NB_MUST_CHECK;
/* The job is done (fenced). */
nb_err nb_store_job_done(nb_store *store, int64_t id, const char *worker, int attempt, int *held,
                         nb_errbuf *err) NB_MUST_CHECK;
/* The attempt failed with error (secrets masked): the job is ready again retry_ms from now,
 * or dead when it was the last attempt (fenced). */
nb_err nb_store_job_fail(nb_store *store, int64_t id, const char *worker, int attempt,
                         const char *error, int64_t retry_ms, int *held,
                         nb_errbuf *err) NB_MUST_CHECK;
/* The state of the job (kind, key): "ready", "running", "done" or "dead", NULL when there
 * is none; *last_error (may be NULL) its last error. Caller frees both. */
nb_err nb_store_job_state(nb_store *store, const char *kind, const char *key, char **state,
                          char **last_error, nb_errbuf *err) NB_MUST_CHECK;

/* The states of the jobs (kind, keys[i]) in one query: states[i] as nb_store_job_state
 * gives it, NULL when there is none (caller frees each). */
nb_err nb_store_job_states(nb_store *store, const char *kind, const char *const *keys, size_t count,
                           char **states, nb_errbuf *err) NB_MUST_CHECK;

/* Jobs per kind and state, with the newest dead job's error per kind. */
typedef struct nb_job_count {
    char *kind;
    char *state;
    int64_t count;
    char *last_error; /* dead rows only: the most recent one's; else NULL */
} nb_job_count;
nb_err nb_store_job_counts(nb_store *store, nb_job_count **counts, size_t *count,
                           nb_errbuf *err) NB_MUST_CHECK;
void nb_job_counts_free(nb_job_count *counts, size_t count);

/* Extends every lease worker holds (jobs and outbox rows) to lease_ms from now: the
 * daemon's heartbeat for the work its processes do. *renewed (may be NULL): how many. */
nb_err nb_store_leases_renew(nb_store *store, const char *worker, int64_t lease_ms, size_t *renewed,
                             nb_errbuf *err) NB_MUST_CHECK;
/* Gives back every lease worker holds (a clean stop): jobs become ready, outbox rows
 * pending, at once. *released (may be NULL): how many. */
nb_err nb_store_leases_release(nb_store *store, const char *worker, size_t *released,
                               nb_errbuf *err) NB_MUST_CHECK;

/* Claims one fire of a schedule: the first worker to claim (schedule, fire_time) wins
 * (*won 1); the others learn who did (*holder, caller frees; may be NULL). */
nb_err nb_store_fire_claim(nb_store *store, const char *schedule, int64_t fire_time,
                           const char *worker, int *won, char **holder,
                           nb_errbuf *err) NB_MUST_CHECK;

/* Claims the next message of channel that may go now: the channel's oldest unsent row,
 * when it is pending and due, or "sending" under an expired lease (then flagged a possible
 * duplicate: its request may have reached the platform). Never while another row of the
 * channel is leased, so rows go in order. The row becomes "sending", leased to worker,
 * with attempts + 1 as its fencing token (row->attempts). Due: next_attempt_at <= now (UTC
 * seconds, the caller's clock, as nb_store_outbox_mark writes it). *found 0: none. */
nb_err nb_store_outbox_claim(nb_store *store, const char *channel, const char *worker,
                             int64_t lease_ms, int64_t now, nb_outbox_row *row, int *found,
                             nb_errbuf *err) NB_MUST_CHECK;
/* nb_store_outbox_mark for a claimed row, fenced by worker and attempt; the lease ends. */
nb_err nb_store_outbox_finish(nb_store *store, int64_t id, const char *worker, int attempt,
                              const char *status, int64_t next_attempt_at, const char *answer,
                              int64_t now, int *held, nb_errbuf *err) NB_MUST_CHECK;

/* Waits up to timeout_ms for new work (a job added, a fire claimed, an outbox row
 * queued): on PostgreSQL a LISTEN on a connection of its own, woken by the NOTIFY those
 * inserts send at commit; on SQLite a plain sleep (callers poll). *woken (may be NULL): a
 * notification came. */
nb_err nb_store_work_wait(nb_store *store, int64_t timeout_ms, int *woken,
                          nb_errbuf *err) NB_MUST_CHECK;

/* ---- Moving to PostgreSQL ---- */

#define NB_COPY_TABLES_MAX 16

typedef struct nb_copy_table {
    const char *name;    /* the table (static) */
    int64_t source_rows; /* rows in the SQLite database */
    int64_t copied_rows; /* rows counted in the PostgreSQL database after the copy */
} nb_copy_table;

typedef struct nb_copy_report {
    nb_copy_table tables[NB_COPY_TABLES_MAX];
    size_t table_count;
} nb_copy_report;

/* Copies a SQLite database (from: best opened with nb_store_open_readonly, which never
 * writes to it) into an empty PostgreSQL database (to: opened with nb_store_open, so
 * migrated), in one transaction on each side: items with their texts and summaries, the
 * summary cache and LLM usage, sources' health, briefings with their entries and pages, the
 * ledger, the outbox, schedules, runs and their counts. Row ids are kept (briefing slugs and
 * item ids stay) and the sequences continue after them. The counts of every table are
 * compared before the commit: report has them. NB_ERR_STORE when to is not empty (naming a
 * table with rows), when from is not SQLite or to not PostgreSQL, or when a count differs
 * (nothing is kept then). */
nb_err nb_store_copy(nb_store *from, nb_store *to, nb_copy_report *report,
                     nb_errbuf *err) NB_MUST_CHECK;

#endif
