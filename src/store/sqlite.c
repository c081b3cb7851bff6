/* SQLite implementation of store.h. Migrations are an ordered list of SQL scripts;
 * PRAGMA user_version records how many have run, so opening is idempotent. */
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/memory.h"
#include "core/time.h"
#include "store/store.h"

struct nb_store {
    sqlite3 *db;
    char *path;
};

/* Append only: a released migration never changes. */
static const char *const migrations[] = {
    /* 1: sources, items, briefings */
    "CREATE TABLE sources ("
    "  name TEXT PRIMARY KEY,"
    "  type TEXT NOT NULL,"
    "  etag TEXT,"
    "  last_modified TEXT,"
    "  next_fetch_at INTEGER NOT NULL DEFAULT 0,"
    "  consecutive_errors INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  last_success_at INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  url TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  published_at INTEGER NOT NULL,"
    "  image TEXT,"
    "  excerpt TEXT,"
    "  content TEXT,"
    "  content_hash TEXT,"
    "  signature INTEGER,"
    "  cluster_id INTEGER,"
    "  state TEXT NOT NULL DEFAULT 'discovered',"
    "  first_seen_at INTEGER NOT NULL,"
    "  UNIQUE (source, key));"
    "CREATE INDEX items_by_published ON items (published_at DESC, id DESC);"
    "CREATE TABLE briefings ("
    "  id INTEGER PRIMARY KEY,"
    "  channel TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  window_start INTEGER NOT NULL,"
    "  item_ids TEXT NOT NULL,"
    "  pages TEXT NOT NULL);",
    /* 2: author and tags of items (content existed from 1) */
    "ALTER TABLE items ADD COLUMN author TEXT;"
    "ALTER TABLE items ADD COLUMN tags TEXT;",
    /* 3: the LLM summary cache and what the LLM cost */
    "CREATE TABLE summaries ("
    "  content_hash TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  prompt_hash TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  prompt_tokens INTEGER NOT NULL DEFAULT 0,"
    "  completion_tokens INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (content_hash, model, prompt_hash));"
    "CREATE TABLE llm_usage ("
    "  id INTEGER PRIMARY KEY,"
    "  run_at INTEGER NOT NULL,"
    "  model TEXT NOT NULL,"
    "  requests INTEGER NOT NULL,"
    "  prompt_tokens INTEGER NOT NULL,"
    "  completion_tokens INTEGER NOT NULL,"
    "  cost REAL NOT NULL);",
    /* 4: what each channel was given (the item ledger) and the outbox */
    "CREATE TABLE briefing_items ("
    "  channel TEXT NOT NULL,"
    "  item_id INTEGER NOT NULL,"
    "  briefing_id INTEGER NOT NULL,"
    "  PRIMARY KEY (channel, item_id));"
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  briefing_id INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  method TEXT NOT NULL DEFAULT '',"
    "  payload TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'pending',"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_answer TEXT,"
    "  possible_duplicate INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER);"
    "CREATE INDEX deliveries_by_channel ON deliveries (channel, status, id);",
    /* 5: the ledger knows the message that carries each item */
    "ALTER TABLE briefing_items ADD COLUMN delivery_id INTEGER;",
    /* 6: the daemon: each schedule's last fire and result, and the daemon's heartbeat */
    "CREATE TABLE schedules ("
    "  name TEXT PRIMARY KEY,"
    "  cron TEXT NOT NULL DEFAULT '',"
    "  last_fire INTEGER NOT NULL DEFAULT 0,"
    "  last_result TEXT,"
    "  last_run_at INTEGER NOT NULL DEFAULT 0,"
    "  last_duration_ms INTEGER NOT NULL DEFAULT 0,"
    "  next_fire INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE daemon ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  pid INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  heartbeat_at INTEGER NOT NULL,"
    "  next_wake_at INTEGER NOT NULL,"
    "  stopped_at INTEGER NOT NULL DEFAULT 0);"
    /* items removed by retention: their keys stay, so a source serving them again does not
     * bring them back as new */
    "CREATE TABLE forgotten_items ("
    "  source TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  forgotten_at INTEGER NOT NULL,"
    "  PRIMARY KEY (source, key)) WITHOUT ROWID;",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static nb_err db_error(nb_store *s, nb_errbuf *err, const char *what)
{
    return nb_errf(err, NB_ERR_STORE, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static nb_err exec(nb_store *s, const char *sql, nb_errbuf *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        nb_err rc = nb_errf(err, NB_ERR_STORE, "database %s: %s", s->path,
                            msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return NB_OK;
}

int nb_store_schema_version(nb_store *s)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

static nb_err migrate(nb_store *s, nb_errbuf *err)
{
    int version = nb_store_schema_version(s);
    if (version < 0)
        return db_error(s, err, "reading schema version");
    if (version > MIGRATION_COUNT)
        return nb_errf(err, NB_ERR_STORE,
                       "database %s has schema %d, newer than this newsbrief knows (%d)", s->path,
                       version, MIGRATION_COUNT);
    for (int i = version; i < MIGRATION_COUNT; i++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", i + 1);
        nb_err rc = exec(s, "BEGIN IMMEDIATE;", err);
        if (!rc)
            rc = exec(s, migrations[i], err);
        if (!rc)
            rc = exec(s, pragma, err);
        if (!rc)
            rc = exec(s, "COMMIT;", err);
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
    }
    return NB_OK;
}

/* mkdir -p of the directory holding path. */
static nb_err make_parent_dirs(const char *path, nb_errbuf *err)
{
    char *dir = nb_xstrdup(path);
    nb_err rc = NB_OK;
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p && !rc; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot create directory %s: %s", path,
                             dir, strerror(errno));
            *p = '/';
        }
        if (!rc && mkdir(dir, 0755) != 0 && errno != EEXIST)
            rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot create directory %s: %s", path,
                         dir, strerror(errno));
    }
    free(dir);
    return rc;
}

nb_err nb_store_open(const char *path, nb_store **out, nb_errbuf *err)
{
    nb_err rc = make_parent_dirs(path, err);
    if (rc)
        return rc;
    nb_store *s = nb_xcalloc(1, sizeof *s);
    s->path = nb_xstrdup(path);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot open: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* journal_mode is the first write: an unwritable file or directory fails here. */
    /* auto_vacuum only takes on a new file (before its first table): retention's deletions
     * are then given back to the file system by incremental vacuum. */
    rc = exec(s,
              "PRAGMA auto_vacuum = INCREMENTAL;"
              "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
              "PRAGMA synchronous = NORMAL;",
              err);
    if (!rc)
        rc = migrate(s, err);
out:
    if (rc) {
        nb_store_close(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

void nb_store_close(nb_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

static void bind_text(sqlite3_stmt *st, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, index);
}

static char *column_text(sqlite3_stmt *st, int index)
{
    const unsigned char *t = sqlite3_column_text(st, index);
    return t ? nb_xstrdup((const char *)t) : NULL;
}

/* Runs sql with the item's fields bound as ?1..?11 (?8 = now); one step. */
static int item_step(nb_store *s, const char *sql, const nb_item *item, int64_t now,
                     sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    sqlite3_stmt *st = *out;
    bind_text(st, 1, item->source);
    bind_text(st, 2, item->key);
    bind_text(st, 3, item->url);
    bind_text(st, 4, item->title);
    sqlite3_bind_int64(st, 5, item->published_at);
    bind_text(st, 6, item->image);
    bind_text(st, 7, item->excerpt);
    sqlite3_bind_int64(st, 8, now);
    bind_text(st, 9, item->content);
    bind_text(st, 10, item->author);
    bind_text(st, 11, item->tags);
    return sqlite3_step(st);
}

nb_err nb_store_item_put(nb_store *s, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    static const char insert_sql[] =
        "INSERT INTO items (source, key, url, title, published_at, image, excerpt,"
        " first_seen_at, content, author, tags) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11 WHERE NOT EXISTS (SELECT 1 FROM forgotten_items WHERE source = ?1 AND"
        " key = ?2) ON CONFLICT (source, key) DO NOTHING";
    static const char update_sql[] =
        "UPDATE items SET url = ?3, title = ?4, published_at = ?5, image = ?6, excerpt = ?7,"
        " content = ?9, author = ?10, tags = ?11"
        " WHERE source = ?1 AND key = ?2 AND ?8 IS NOT NULL RETURNING id";
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (item_step(s, insert_sql, item, now, &st) != SQLITE_DONE) {
        rc = db_error(s, err, "storing item");
        goto out;
    }
    int inserted = sqlite3_changes(s->db) == 1;
    if (inserted) {
        item->id = sqlite3_last_insert_rowid(s->db);
    } else {
        sqlite3_finalize(st);
        int step = item_step(s, update_sql, item, now, &st);
        if (step == SQLITE_DONE) {
            item->id = 0; /* forgotten by retention: not stored again */
        } else if (step != SQLITE_ROW) {
            rc = db_error(s, err, "updating item");
            goto out;
        } else {
            item->id = sqlite3_column_int64(st, 0);
        }
    }
    if (is_new)
        *is_new = inserted;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Runs an item query binding ?1 = since, ?2 = max and ?3 = text (when not NULL). */
static nb_err query_items(nb_store *s, const char *sql, int64_t since, size_t max, const char *text,
                          nb_item **items, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_item *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing item query");
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    if (text)
        bind_text(st, 3, text);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        nb_item *it = &out[n++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->source = column_text(st, 1);
        it->key = column_text(st, 2);
        it->url = column_text(st, 3);
        it->title = column_text(st, 4);
        it->published_at = sqlite3_column_int64(st, 5);
        it->image = column_text(st, 6);
        it->excerpt = column_text(st, 7);
        it->content = column_text(st, 8);
        it->author = column_text(st, 9);
        it->tags = column_text(st, 10);
        if (sqlite3_column_count(st) > 11)
            it->delivered = sqlite3_column_int(st, 11);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(s, err, "reading items");
        nb_items_free(out, n);
        out = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *items = out;
    *count = n;
    return rc;
}

nb_err nb_store_items_since(nb_store *s, int64_t since, size_t max, nb_item **items, size_t *count,
                            nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags FROM items WHERE published_at >= ?1"
                       " ORDER BY published_at DESC, id DESC LIMIT ?2",
                       since, max, NULL, items, count, err);
}

static const char source_columns[] = "name, type, etag, last_modified, next_fetch_at,"
                                     " consecutive_errors, last_error, last_success_at,"
                                     " last_attempt_at";

static void read_source(sqlite3_stmt *st, nb_source_state *out)
{
    out->name = column_text(st, 0);
    out->type = column_text(st, 1);
    out->etag = column_text(st, 2);
    out->last_modified = column_text(st, 3);
    out->next_fetch_at = sqlite3_column_int64(st, 4);
    out->consecutive_errors = sqlite3_column_int(st, 5);
    out->last_error = column_text(st, 6);
    out->last_success_at = sqlite3_column_int64(st, 7);
    out->last_attempt_at = sqlite3_column_int64(st, 8);
}

nb_err nb_store_source_load(nb_store *s, const char *name, nb_source_state *out, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources WHERE name = ?1", source_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing source query");
    bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        read_source(st, out);
    else if (step == SQLITE_DONE)
        out->name = nb_xstrdup(name);
    else
        rc = db_error(s, err, "reading source");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_source_save(nb_store *s, const nb_source_state *state, nb_errbuf *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO sources (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
             source_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing source update");
    bind_text(st, 1, state->name);
    bind_text(st, 2, state->type ? state->type : "");
    bind_text(st, 3, state->etag);
    bind_text(st, 4, state->last_modified);
    sqlite3_bind_int64(st, 5, state->next_fetch_at);
    sqlite3_bind_int(st, 6, state->consecutive_errors);
    bind_text(st, 7, state->last_error);
    sqlite3_bind_int64(st, 8, state->last_success_at);
    sqlite3_bind_int64(st, 9, state->last_attempt_at);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "saving source");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_source_list(nb_store *s, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources ORDER BY name", source_columns);
    sqlite3_stmt *st = NULL;
    nb_source_state *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing source list");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        memset(&out[n], 0, sizeof out[n]);
        read_source(st, &out[n++]);
    }
    if (step != SQLITE_DONE)
        rc = db_error(s, err, "listing sources");
    sqlite3_finalize(st);
    *states = out;
    *count = n;
    return rc;
}

struct nb_store_lock {
    int fd;
};

nb_err nb_store_lock_take(const char *database, int64_t timeout_ms, nb_store_lock **out,
                          nb_errbuf *err)
{
    nb_err rc = make_parent_dirs(database, err);
    if (rc)
        return rc;
    char *path = nb_xasprintf("%s.lock", database);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = nb_errf(err, NB_ERR_STORE, "run lock %s: cannot open: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    int64_t deadline = nb_clock_monotonic_ms() + timeout_ms;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rc = nb_errf(err, NB_ERR_STORE, "run lock %s: %s", path, strerror(errno));
            break;
        }
        if (nb_clock_monotonic_ms() >= deadline) {
            rc = nb_errf(err, NB_ERR_LOCKED,
                         "another newsbrief run holds %s; gave up after %lld s (lock_timeout)",
                         path, (long long)(timeout_ms / 1000));
            break;
        }
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    free(path);
    if (rc) {
        close(fd);
        return rc;
    }
    nb_store_lock *lock = nb_xmalloc(sizeof *lock);
    lock->fd = fd;
    *out = lock;
    return NB_OK;
}

void nb_store_lock_release(nb_store_lock *lock)
{
    if (!lock)
        return;
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    free(lock);
}

nb_err nb_store_item_known(nb_store *s, const char *source, const char *key, int *known,
                           nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT 1 FROM items WHERE source = ?1 AND key = ?2"
            " UNION ALL SELECT 1 FROM forgotten_items WHERE source = ?1 AND key = ?2",
            -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing item lookup");
    bind_text(st, 1, source);
    bind_text(st, 2, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        *known = step == SQLITE_ROW;
    else
        rc = db_error(s, err, "looking up item");
    sqlite3_finalize(st);
    return rc;
}

static nb_err step_done(nb_store *s, sqlite3_stmt *st, const char *what, nb_errbuf *err)
{
    nb_err rc = sqlite3_step(st) == SQLITE_DONE ? NB_OK : db_error(s, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

nb_err nb_store_briefing_commit(nb_store *s, const char *channel, int64_t created_at,
                                int64_t window_start, const int64_t *item_ids, size_t item_count,
                                const char *const *pages, size_t page_count,
                                const nb_outbox_message *messages, size_t message_count,
                                int64_t *id, nb_errbuf *err)
{
    json_t *ids = json_array(), *texts = json_array();
    for (size_t i = 0; i < item_count; i++)
        json_array_append_new(ids, json_integer(item_ids[i]));
    for (size_t i = 0; i < page_count; i++)
        json_array_append_new(texts, json_string(pages[i]));
    char *ids_text = json_dumps(ids, JSON_COMPACT);
    char *pages_text = json_dumps(texts, JSON_COMPACT);
    json_decref(ids);
    json_decref(texts);
    sqlite3_stmt *brief = NULL, *ledger = NULL, *outbox = NULL;
    nb_err rc = exec(s, "BEGIN IMMEDIATE;", err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO briefings (channel, created_at, window_start, item_ids,"
                           " pages) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &brief, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO briefing_items (channel, item_id, briefing_id,"
                           " delivery_id) VALUES (?1, ?2, ?3, ?4)",
                           -1, &ledger, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO deliveries (briefing_id, channel, seq, method, payload,"
                           " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &outbox, NULL) != SQLITE_OK) {
        rc = db_error(s, err, "preparing briefing");
        goto rollback;
    }
    bind_text(brief, 1, channel);
    sqlite3_bind_int64(brief, 2, created_at);
    sqlite3_bind_int64(brief, 3, window_start);
    bind_text(brief, 4, ids_text ? ids_text : "[]");
    bind_text(brief, 5, pages_text ? pages_text : "[]");
    rc = step_done(s, brief, "storing briefing", err);
    int64_t briefing_id = sqlite3_last_insert_rowid(s->db);
    if (message_count == 0) { /* local channel: delivered with the commit */
        for (size_t i = 0; i < item_count && !rc; i++) {
            bind_text(ledger, 1, channel);
            sqlite3_bind_int64(ledger, 2, item_ids[i]);
            sqlite3_bind_int64(ledger, 3, briefing_id);
            rc = step_done(s, ledger, "recording briefing items", err);
        }
    }
    for (size_t i = 0; i < message_count && !rc; i++) {
        sqlite3_bind_int64(outbox, 1, briefing_id);
        bind_text(outbox, 2, channel);
        sqlite3_bind_int64(outbox, 3, (sqlite3_int64)i + 1);
        bind_text(outbox, 4, messages[i].method ? messages[i].method : "");
        bind_text(outbox, 5, messages[i].payload);
        sqlite3_bind_int64(outbox, 6, created_at);
        rc = step_done(s, outbox, "queueing message", err);
        int64_t delivery = sqlite3_last_insert_rowid(s->db);
        for (size_t k = 0; k < messages[i].item_count && !rc; k++) {
            bind_text(ledger, 1, channel);
            sqlite3_bind_int64(ledger, 2, messages[i].item_ids[k]);
            sqlite3_bind_int64(ledger, 3, briefing_id);
            sqlite3_bind_int64(ledger, 4, delivery);
            rc = step_done(s, ledger, "recording briefing items", err);
        }
    }
    if (!rc)
        rc = exec(s, "COMMIT;", err);
    if (!rc && id)
        *id = briefing_id;
rollback:
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
out:
    sqlite3_finalize(brief);
    sqlite3_finalize(ledger);
    sqlite3_finalize(outbox);
    free(ids_text);
    free(pages_text);
    return rc;
}

nb_err nb_store_items_for_channel(nb_store *s, const char *channel, int64_t since, size_t max,
                                  nb_item **items, size_t *count, nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags, id IN (SELECT b.item_id FROM briefing_items b"
                       " LEFT JOIN deliveries d ON d.id = b.delivery_id WHERE b.channel = ?3"
                       " AND (d.id IS NULL OR d.status != 'failed')) FROM items"
                       " WHERE published_at >= ?1"
                       " ORDER BY published_at DESC, id DESC LIMIT ?2",
                       since, max, channel, items, count, err);
}

static const char outbox_columns[] = "id, briefing_id, channel, seq, method, payload, status,"
                                     " attempts, next_attempt_at, last_answer,"
                                     " possible_duplicate, created_at";

static nb_err query_outbox(nb_store *s, const char *where, const char *channel,
                           nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM deliveries WHERE %s ORDER BY id", outbox_columns,
             where);
    sqlite3_stmt *st = NULL;
    nb_outbox_row *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing outbox query");
    if (channel)
        bind_text(st, 1, channel);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        nb_outbox_row *r = &out[n++];
        r->id = sqlite3_column_int64(st, 0);
        r->briefing_id = sqlite3_column_int64(st, 1);
        r->channel = column_text(st, 2);
        r->seq = sqlite3_column_int(st, 3);
        r->method = column_text(st, 4);
        r->payload = column_text(st, 5);
        r->status = column_text(st, 6);
        r->attempts = sqlite3_column_int(st, 7);
        r->next_attempt_at = sqlite3_column_int64(st, 8);
        r->last_answer = column_text(st, 9);
        r->possible_duplicate = sqlite3_column_int(st, 10);
        r->created_at = sqlite3_column_int64(st, 11);
    }
    if (step != SQLITE_DONE)
        rc = db_error(s, err, "reading the outbox");
    sqlite3_finalize(st);
    *rows = out;
    *count = n;
    return rc;
}

nb_err nb_store_outbox_pending(nb_store *s, const char *channel, nb_outbox_row **rows,
                               size_t *count, nb_errbuf *err)
{
    return query_outbox(s, "channel = ?1 AND status = 'pending'", channel, rows, count, err);
}

nb_err nb_store_outbox_list(nb_store *s, nb_outbox_row **rows, size_t *count, nb_errbuf *err)
{
    return query_outbox(s, "status IN ('pending', 'sending', 'failed')", NULL, rows, count, err);
}

void nb_outbox_rows_free(nb_outbox_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(rows[i].channel);
        free(rows[i].method);
        free(rows[i].payload);
        free(rows[i].status);
        free(rows[i].last_answer);
    }
    free(rows);
}

nb_err nb_store_outbox_mark(nb_store *s, int64_t id, const char *status, int attempts,
                            int64_t next_attempt_at, const char *answer, int64_t now,
                            nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE deliveries SET status = ?2, attempts = ?3,"
                           " next_attempt_at = ?4, last_answer = COALESCE(?5, last_answer),"
                           " sent_at = CASE WHEN ?2 = 'sent' THEN ?6 ELSE sent_at END"
                           " WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing outbox update");
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, status);
    sqlite3_bind_int(st, 3, attempts);
    sqlite3_bind_int64(st, 4, next_attempt_at);
    bind_text(st, 5, answer);
    sqlite3_bind_int64(st, 6, now);
    nb_err rc = step_done(s, st, "updating the outbox", err);
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_outbox_recover(nb_store *s, size_t *recovered, nb_errbuf *err)
{
    nb_err rc = exec(s,
                     "UPDATE deliveries SET status = 'pending', possible_duplicate = 1"
                     " WHERE status = 'sending';",
                     err);
    *recovered = rc ? 0 : (size_t)sqlite3_changes(s->db);
    return rc;
}

nb_err nb_store_summary_get(nb_store *s, const char *content_hash, const char *model,
                            const char *prompt_hash, char **text, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *text = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT text FROM summaries WHERE content_hash = ?1 AND model = ?2"
                           " AND prompt_hash = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing summary lookup");
    bind_text(st, 1, content_hash);
    bind_text(st, 2, model);
    bind_text(st, 3, prompt_hash);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *text = column_text(st, 0);
    else if (step != SQLITE_DONE)
        rc = db_error(s, err, "reading summary");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_summary_put(nb_store *s, const char *content_hash, const char *model,
                            const char *prompt_hash, const char *text, long prompt_tokens,
                            long completion_tokens, int64_t now, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO summaries (content_hash, model, prompt_hash,"
                           " text, prompt_tokens, completion_tokens, created_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing summary insert");
    bind_text(st, 1, content_hash);
    bind_text(st, 2, model);
    bind_text(st, 3, prompt_hash);
    bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, prompt_tokens);
    sqlite3_bind_int64(st, 6, completion_tokens);
    sqlite3_bind_int64(st, 7, now);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "storing summary");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_llm_usage_add(nb_store *s, int64_t run_at, const char *model, long requests,
                              long prompt_tokens, long completion_tokens, double cost,
                              nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO llm_usage (run_at, model, requests, prompt_tokens,"
                           " completion_tokens, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing usage insert");
    sqlite3_bind_int64(st, 1, run_at);
    bind_text(st, 2, model);
    sqlite3_bind_int64(st, 3, requests);
    sqlite3_bind_int64(st, 4, prompt_tokens);
    sqlite3_bind_int64(st, 5, completion_tokens);
    sqlite3_bind_double(st, 6, cost);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "storing usage");
    sqlite3_finalize(st);
    return rc;
}

/* ---- the daemon's state ---- */

static const char schedule_columns[] =
    "name, cron, last_fire, last_result, last_run_at, last_duration_ms, next_fire";

static void read_schedule(sqlite3_stmt *st, nb_schedule_state *out)
{
    out->name = column_text(st, 0);
    out->cron = column_text(st, 1);
    out->last_fire = sqlite3_column_int64(st, 2);
    out->last_result = column_text(st, 3);
    out->last_run_at = sqlite3_column_int64(st, 4);
    out->last_duration_ms = sqlite3_column_int64(st, 5);
    out->next_fire = sqlite3_column_int64(st, 6);
}

nb_err nb_store_schedule_load(nb_store *s, const char *name, nb_schedule_state *out, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules WHERE name = ?1", schedule_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing schedule query");
    bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        read_schedule(st, out);
    else if (step == SQLITE_DONE)
        out->name = nb_xstrdup(name);
    else
        rc = db_error(s, err, "reading schedule");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_schedule_save(nb_store *s, const nb_schedule_state *state, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO schedules (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
             schedule_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing schedule update");
    bind_text(st, 1, state->name);
    bind_text(st, 2, state->cron ? state->cron : "");
    sqlite3_bind_int64(st, 3, state->last_fire);
    bind_text(st, 4, state->last_result);
    sqlite3_bind_int64(st, 5, state->last_run_at);
    sqlite3_bind_int64(st, 6, state->last_duration_ms);
    sqlite3_bind_int64(st, 7, state->next_fire);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "saving schedule");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_schedule_list(nb_store *s, nb_schedule_state **states, size_t *count,
                              nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules ORDER BY name", schedule_columns);
    sqlite3_stmt *st = NULL;
    nb_schedule_state *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing schedule list");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        memset(&out[n], 0, sizeof out[n]);
        read_schedule(st, &out[n++]);
    }
    if (step != SQLITE_DONE)
        rc = db_error(s, err, "listing schedules");
    sqlite3_finalize(st);
    if (rc) {
        nb_schedule_states_free(out, n);
        return rc;
    }
    *states = out;
    *count = n;
    return NB_OK;
}

void nb_schedule_state_clear(nb_schedule_state *state)
{
    free(state->name);
    free(state->cron);
    free(state->last_result);
    memset(state, 0, sizeof *state);
}

void nb_schedule_states_free(nb_schedule_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_schedule_state_clear(&states[i]);
    free(states);
}

nb_err nb_store_daemon_save(nb_store *s, const nb_daemon_state *state, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO daemon (id, pid, started_at, heartbeat_at,"
                           " next_wake_at, stopped_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing heartbeat");
    sqlite3_bind_int64(st, 1, state->pid);
    sqlite3_bind_int64(st, 2, state->started_at);
    sqlite3_bind_int64(st, 3, state->heartbeat_at);
    sqlite3_bind_int64(st, 4, state->next_wake_at);
    sqlite3_bind_int64(st, 5, state->stopped_at);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "saving heartbeat");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_daemon_load(nb_store *s, nb_daemon_state *out, int *found, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    *found = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT pid, started_at, heartbeat_at, next_wake_at, stopped_at"
                           " FROM daemon WHERE id = 1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing heartbeat query");
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->pid = sqlite3_column_int64(st, 0);
        out->started_at = sqlite3_column_int64(st, 1);
        out->heartbeat_at = sqlite3_column_int64(st, 2);
        out->next_wake_at = sqlite3_column_int64(st, 3);
        out->stopped_at = sqlite3_column_int64(st, 4);
        *found = 1;
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, err, "reading heartbeat");
    }
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_store_outbox_next_due(nb_store *s, int64_t *at, size_t *pending, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT (SELECT COUNT(*) FROM deliveries"
            "         WHERE status IN ('pending', 'sending')),"
            "       (SELECT MIN(next_attempt_at) FROM deliveries d"
            "         WHERE status IN ('pending', 'sending') AND id ="
            "           (SELECT MIN(id) FROM deliveries e WHERE e.channel = d.channel"
            "             AND e.status IN ('pending', 'sending')))",
            -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing outbox query");
    if (sqlite3_step(st) == SQLITE_ROW) {
        *pending = (size_t)sqlite3_column_int64(st, 0);
        *at = sqlite3_column_int64(st, 1);
    } else {
        rc = db_error(s, err, "reading outbox");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- retention ---- */

#define PRUNE_BATCH 500 /* rows per transaction, so runs and readers are never held up long */

/* Runs sql (binding ?1 = cutoff, ?2 = now) in transactions until it changes nothing;
 * *total counts the rows of the statement named count_of (the others follow it). */
static nb_err prune_batches(nb_store *s, const char *const *sql, size_t n, int64_t cutoff,
                            int64_t now, size_t *total, nb_errbuf *err)
{
    for (;;) {
        nb_err rc = exec(s, "BEGIN IMMEDIATE;", err);
        size_t changed = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
                rc = db_error(s, err, "preparing retention");
                break;
            }
            sqlite3_bind_int64(st, 1, cutoff);
            if (sqlite3_bind_parameter_count(st) >= 2)
                sqlite3_bind_int64(st, 2, now);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_error(s, err, "applying retention");
            sqlite3_finalize(st);
            if (i == n - 1)
                changed = (size_t)sqlite3_changes(s->db);
        }
        if (!rc)
            rc = exec(s, "COMMIT;", err);
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
        *total += changed;
        if (changed < PRUNE_BATCH)
            return NB_OK;
    }
}

static nb_err count_rows(nb_store *s, const char *sql, int64_t cutoff, size_t *out, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing retention count");
    sqlite3_bind_int64(st, 1, cutoff);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = (size_t)sqlite3_column_int64(st, 0);
    else
        rc = db_error(s, err, "counting for retention");
    sqlite3_finalize(st);
    return rc;
}

static int64_t pragma_int(nb_store *s, const char *pragma)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, pragma, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

#define BATCH_OF(table, where) "SELECT rowid FROM " table " WHERE " where " LIMIT 500"

static const char texts_where[] = "content IS NOT NULL AND first_seen_at < ?1";
static const char items_where[] = "first_seen_at < ?1";
static const char summaries_where[] =
    "created_at < ?1 AND content_hash NOT IN"
    " (SELECT content_hash FROM items WHERE content_hash IS NOT NULL)";
static const char deliveries_where[] =
    "status IN ('sent', 'failed') AND briefing_id IN (SELECT id FROM briefings WHERE created_at"
    " < ?1)";
static const char briefings_where[] =
    "created_at < ?1 AND id NOT IN (SELECT briefing_id FROM deliveries WHERE status IN"
    " ('pending', 'sending'))";

nb_err nb_store_prune(nb_store *s, const nb_retention *r, int dry_run, nb_prune_report *report,
                      nb_errbuf *err)
{
    memset(report, 0, sizeof *report);
    char sql[5][512];
    nb_err rc = NB_OK;
    int64_t pages_before = pragma_int(s, "PRAGMA page_count");
    int64_t page_size = pragma_int(s, "PRAGMA page_size");
    if (r->article_text_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM items WHERE %s", texts_where);
        snprintf(sql[1], sizeof sql[1],
                 "UPDATE items SET content = NULL WHERE rowid IN (" BATCH_OF("items", "%s") ")",
                 texts_where);
        const char *batch[] = {sql[1]};
        rc = dry_run
                 ? count_rows(s, sql[0], r->article_text_before, &report->texts, err)
                 : prune_batches(s, batch, 1, r->article_text_before, r->now, &report->texts, err);
    }
    if (!rc && r->items_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM items WHERE %s", items_where);
        snprintf(sql[1], sizeof sql[1],
                 "INSERT OR IGNORE INTO forgotten_items (source, key, forgotten_at) SELECT source,"
                 " key, ?2 FROM items WHERE rowid IN (" BATCH_OF("items", "%s") ")",
                 items_where);
        snprintf(sql[2], sizeof sql[2],
                 "DELETE FROM briefing_items WHERE item_id IN (" BATCH_OF("items", "%s") ")",
                 items_where);
        snprintf(sql[3], sizeof sql[3],
                 "DELETE FROM items WHERE rowid IN (" BATCH_OF("items", "%s") ")", items_where);
        const char *batch[] = {sql[1], sql[2], sql[3]};
        rc = dry_run ? count_rows(s, sql[0], r->items_before, &report->items, err)
                     : prune_batches(s, batch, 3, r->items_before, r->now, &report->items, err);
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM summaries WHERE %s", summaries_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM summaries WHERE rowid IN (" BATCH_OF("summaries", "%s") ")",
                 summaries_where);
        const char *cache[] = {sql[1]};
        if (!rc)
            rc = dry_run
                     ? count_rows(s, sql[0], r->items_before, &report->summaries, err)
                     : prune_batches(s, cache, 1, r->items_before, r->now, &report->summaries, err);
    }
    if (!rc && r->briefings_before > 0) {
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM deliveries WHERE %s",
                 deliveries_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM deliveries WHERE rowid IN (" BATCH_OF("deliveries", "%s") ")",
                 deliveries_where);
        const char *batch[] = {sql[1]};
        rc = dry_run
                 ? count_rows(s, sql[0], r->briefings_before, &report->messages, err)
                 : prune_batches(s, batch, 1, r->briefings_before, r->now, &report->messages, err);
        snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM briefings WHERE %s", briefings_where);
        snprintf(sql[1], sizeof sql[1],
                 "DELETE FROM briefings WHERE rowid IN (" BATCH_OF("briefings", "%s") ")",
                 briefings_where);
        const char *briefings[] = {sql[1]};
        if (!rc)
            rc = dry_run ? count_rows(s, sql[0], r->briefings_before, &report->briefings, err)
                         : prune_batches(s, briefings, 1, r->briefings_before, r->now,
                                         &report->briefings, err);
    }
    if (rc || dry_run)
        return rc;
    /* Give the freed pages back: incremental vacuum, or once a full VACUUM that turns it on
     * for a file made before it was the default. */
    if (pragma_int(s, "PRAGMA auto_vacuum") != 2) {
        rc = exec(s, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;", err);
        report->vacuumed = !rc;
    } else {
        rc = exec(s, "PRAGMA incremental_vacuum;", err);
    }
    if (!rc && pages_before > 0 && page_size > 0) {
        int64_t pages_after = pragma_int(s, "PRAGMA page_count");
        if (pages_after >= 0 && pages_after < pages_before)
            report->bytes_freed = (pages_before - pages_after) * page_size;
    }
    return rc;
}
