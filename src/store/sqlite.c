/* SPDX-License-Identifier: MIT */
/* SQLite implementation of store.h: the writer side. Migrations are an ordered list of SQL
 * scripts; PRAGMA user_version records how many have run, so opening is idempotent. Free text
 * that may quote a request (errors, platform answers) is redacted before it is written. A
 * failure of the storage itself (disk full, read-only, I/O error) is remembered: every later
 * call fails at once with the first one's message, so a run stops writing (and sending)
 * after it and reports one cause. Briefings, the outbox and retention are in sqlite_outbox.c,
 * leased work in sqlite_jobs.c, the archive's read-only queries in archive.c. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"
#include "store/sqlite_private.h"
#include "store/store.h"

/* An item's abstract before a briefing gives it a summary: the start of its excerpt. */
#define ABSTRACT_OF(excerpt)                                                                       \
    "CASE WHEN length(" excerpt ") > 300 THEN substr(" excerpt ", 1, 300) || '…' ELSE " excerpt    \
    " END"

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
    /* 6: the archive. Items keep the summary shown; "abstract" is what pages show and search
     * reads (that summary, else the start of the excerpt). Briefings get readable ids and
     * their entries as delivered. A trigram index over titles and abstracts follows the
     * items through triggers. Runs and per-source counts feed the metrics. */
    "ALTER TABLE items ADD COLUMN summary TEXT;"
    "ALTER TABLE items ADD COLUMN abstract TEXT;"
    "UPDATE items SET abstract = " ABSTRACT_OF(
        "excerpt") ";"
                   "CREATE INDEX items_by_cluster ON items (cluster_id) WHERE cluster_id IS NOT "
                   "NULL;"
                   "CREATE INDEX items_by_source ON items (source, published_at DESC, id DESC);"
                   "ALTER TABLE briefings ADD COLUMN slug TEXT;"
                   "ALTER TABLE briefings ADD COLUMN title TEXT;"
                   "ALTER TABLE briefings ADD COLUMN per_page INTEGER NOT NULL DEFAULT 0;"
                   "ALTER TABLE briefings ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;"
                   "UPDATE briefings SET slug = strftime('%Y-%m-%d-%H%M', created_at, 'unixepoch',"
                   "  'localtime');"
                   "UPDATE briefings SET slug = slug || '-' || id WHERE EXISTS (SELECT 1 FROM "
                   "briefings b"
                   "  WHERE b.slug = briefings.slug AND b.id < briefings.id);"
                   "CREATE UNIQUE INDEX briefings_by_slug ON briefings (slug);"
                   "CREATE INDEX briefings_by_created ON briefings (created_at);"
                   "CREATE TABLE briefing_entries ("
                   "  briefing_id INTEGER NOT NULL,"
                   "  position INTEGER NOT NULL,"
                   "  item_id INTEGER NOT NULL,"
                   "  title TEXT NOT NULL,"
                   "  url TEXT NOT NULL,"
                   "  published_at INTEGER NOT NULL,"
                   "  image TEXT,"
                   "  summary TEXT,"
                   "  related TEXT NOT NULL DEFAULT '[]',"
                   "  story TEXT NOT NULL DEFAULT '[]',"
                   "  PRIMARY KEY (briefing_id, position)) WITHOUT ROWID;"
                   "CREATE INDEX briefing_entries_by_item ON briefing_entries (item_id);"
                   "CREATE VIRTUAL TABLE items_fts USING fts5(title, abstract, content='items',"
                   "  content_rowid='id', tokenize='trigram');"
                   "INSERT INTO items_fts (items_fts) VALUES ('rebuild');"
                   "INSERT INTO items_fts (items_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0)');"
                   "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN"
                   "  INSERT INTO items_fts (rowid, title, abstract) VALUES (new.id, new.title, "
                   "new.abstract);"
                   "END;"
                   "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN"
                   "  INSERT INTO items_fts (items_fts, rowid, title, abstract)"
                   "  VALUES ('delete', old.id, old.title, old.abstract);"
                   "END;"
                   "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, abstract ON items"
                   "  WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN"
                   "  INSERT INTO items_fts (items_fts, rowid, title, abstract)"
                   "  VALUES ('delete', old.id, old.title, old.abstract);"
                   "  INSERT INTO items_fts (rowid, title, abstract) VALUES (new.id, new.title, "
                   "new.abstract);"
                   "END;"
                   "CREATE TABLE runs ("
                   "  id INTEGER PRIMARY KEY,"
                   "  schedule TEXT NOT NULL,"
                   "  result TEXT NOT NULL,"
                   "  started_at INTEGER NOT NULL,"
                   "  finished_at INTEGER NOT NULL,"
                   "  items_new INTEGER NOT NULL DEFAULT 0);"
                   "CREATE TABLE source_counts ("
                   "  source TEXT NOT NULL,"
                   "  kind TEXT NOT NULL,"
                   "  count INTEGER NOT NULL DEFAULT 0,"
                   "  PRIMARY KEY (source, kind)) WITHOUT ROWID;",
    /* 7: the fingerprint of a source's settings, so that a changed source starts afresh;
     * its own title (a feed's), for readers */
    "ALTER TABLE sources ADD COLUMN settings TEXT;"
    "ALTER TABLE sources ADD COLUMN title TEXT;",
    /* 8: the daemon: each schedule's last fire and result, and the daemon's heartbeat */
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
    /* 9: leased work (sqlite_jobs.c): jobs with leases on the database's clock (ms), the
     * fires of schedules claimed once, and leases on outbox rows */
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  payload TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL DEFAULT 'ready',"
    "  run_at INTEGER NOT NULL DEFAULT 0,"
    "  locked_by TEXT,"
    "  lease_until INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  max_attempts INTEGER NOT NULL DEFAULT 5,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  finished_at INTEGER,"
    "  UNIQUE (kind, key));"
    "CREATE INDEX jobs_ready ON jobs (run_at) WHERE state = 'ready';"
    "CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';"
    "CREATE TABLE schedule_fires ("
    "  schedule TEXT NOT NULL,"
    "  fire_time INTEGER NOT NULL,"
    "  worker TEXT NOT NULL,"
    "  claimed_at INTEGER NOT NULL,"
    "  PRIMARY KEY (schedule, fire_time)) WITHOUT ROWID;"
    "ALTER TABLE deliveries ADD COLUMN locked_by TEXT;"
    "ALTER TABLE deliveries ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"
    /* the heartbeat of each daemon sharing the database, by worker id */
    "CREATE TABLE daemons ("
    "  worker TEXT PRIMARY KEY,"
    "  pid INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  heartbeat_at INTEGER NOT NULL,"
    "  next_wake_at INTEGER NOT NULL) WITHOUT ROWID;",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* The directory holding path (caller frees). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return nb_xstrdup(".");
    return slash == path ? nb_xstrdup("/") : nb_xstrndup(path, (size_t)(slash - path));
}

/* Why path (or, when it does not exist, its directory) cannot be written: EROFS (a
 * read-only file system), EPERM (an immutable file), or 0. */
static int unwritable(const char *path)
{
    int why = access(path, W_OK) == 0 ? 0 : errno;
    if (why == ENOENT) {
        char *dir = dir_of(path);
        why = access(dir, W_OK) == 0 ? 0 : errno;
        free(dir);
    }
    return why == EROFS || why == EPERM ? why : 0;
}

/* The OS error that creating a file beside path meets (0: none), for an I/O error SQLite
 * kept no cause of: a file system turned read-only after an error answers access() as
 * writable, yet refuses every write. The probe file is removed at once. */
static int probe_beside(const char *path)
{
    char *dir = dir_of(path);
    char *name = nb_xasprintf("%s/.newsbrief-probe-XXXXXX", dir);
    int fd = mkstemp(name);
    int why = fd < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
        unlink(name);
    }
    free(name);
    free(dir);
    return why;
}

/* What the last failed call says of the storage under the database: "disk full",
 * "read-only" or "I/O error"; NULL when the failure is not the storage's (a constraint, a
 * missing directory, a busy database). Only I/O-class codes count; when SQLite kept no OS
 * error, the file and its directory are asked whether they can be written. *sys receives
 * the OS error, or 0. */
static const char *storage_cause(const nb_sqlite *s, int *sys)
{
    int code = sqlite3_extended_errcode(s->db) & 0xff;
    *sys = 0;
    if (code != SQLITE_IOERR && code != SQLITE_CANTOPEN && code != SQLITE_FULL &&
        code != SQLITE_READONLY)
        return NULL;
    *sys = sqlite3_system_errno(s->db);
    if (*sys != ENOSPC && *sys != EDQUOT && *sys != EROFS) {
        int why = unwritable(s->path);
        if (!why && code == SQLITE_IOERR)
            why = probe_beside(s->path);
        if (why == EROFS || why == EPERM || why == ENOSPC || why == EDQUOT)
            *sys = why;
    }
    if (code == SQLITE_FULL || *sys == ENOSPC || *sys == EDQUOT)
        return "disk full";
    if (code == SQLITE_READONLY || *sys == EROFS || *sys == EPERM)
        return "read-only";
    if (code == SQLITE_IOERR)
        return "I/O error";
    return NULL; /* cannot open: a path problem, not the storage's */
}

static const char *code_name(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL:
        return "SQLITE_FULL";
    case SQLITE_READONLY:
        return "SQLITE_READONLY";
    case SQLITE_IOERR:
        return "SQLITE_IOERR";
    case SQLITE_CANTOPEN:
        return "SQLITE_CANTOPEN";
    default:
        return "SQLITE_ERROR";
    }
}

/* Records the storage failure cause (the first one wins) and returns it as NB_ERR_IO. */
static nb_err storage_failed(nb_sqlite *s, nb_errbuf *err, const char *cause, int code, int sys,
                             const char *detail, const char *what)
{
    if (!s->failed) {
        s->failed = 1;
        snprintf(s->failure, sizeof s->failure, "database %s: %s (%s: %s%s%s) while %s", s->path,
                 cause, code_name(code), detail, sys ? ", " : "", sys ? strerror(sys) : "", what);
    }
    return nb_errf(err, NB_ERR_IO, "%s", s->failure);
}

static nb_err db_error(nb_sqlite *s, nb_errbuf *err, const char *what)
{
    int sys;
    const char *cause = storage_cause(s, &sys);
    if (cause)
        return storage_failed(s, err, cause, sqlite3_extended_errcode(s->db), sys,
                              sqlite3_errmsg(s->db), what);
    return nb_errf(err, NB_ERR_STORE, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

nb_err nb_sqlite_db_error(nb_sqlite *s, nb_errbuf *err, const char *what)
{
    return db_error(s, err, what);
}

/* After a storage failure every call fails at once, with its message. */
static int broken(const nb_sqlite *s, nb_errbuf *err)
{
    if (s->failed)
        nb_errf(err, NB_ERR_IO, "%s", s->failure);
    return s->failed;
}

static nb_err exec(nb_sqlite *s, const char *sql, const char *what, nb_errbuf *err)
{
    char *msg = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int sys;
        const char *cause = storage_cause(s, &sys);
        if (cause)
            rc = storage_failed(s, err, cause, sqlite3_extended_errcode(s->db), sys,
                                msg ? msg : sqlite3_errmsg(s->db), what);
        else
            rc = nb_errf(err, NB_ERR_STORE, "database %s: %s: %s", s->path, what,
                         msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
    }
    return rc;
}

nb_err nb_sqlite_exec(nb_sqlite *s, const char *sql, nb_errbuf *err)
{
    return exec(s, sql, "running a statement", err);
}

nb_err nb_sqlite_exec_for(nb_sqlite *s, const char *sql, const char *what, nb_errbuf *err)
{
    return exec(s, sql, what, err);
}

int nb_sqlite_broken(const nb_sqlite *s, nb_errbuf *err)
{
    return broken(s, err);
}

const char *nb_sqlite_failure(const nb_sqlite *s)
{
    return s && s->failed ? s->failure : NULL;
}

nb_err nb_sqlite_check_writable(nb_sqlite *s, nb_errbuf *err)
{
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_db_readonly(s->db, "main") == 1)
        return storage_failed(s, err, "read-only", SQLITE_READONLY, unwritable(s->path),
                              "the database cannot be written", "opening");
    return NB_OK;
}

int nb_sqlite_schema_version(nb_sqlite *s)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

static nb_err migrate(nb_sqlite *s, nb_errbuf *err)
{
    int version = nb_sqlite_schema_version(s);
    if (version < 0)
        return nb_sqlite_db_error(s, err, "reading schema version");
    if (version > MIGRATION_COUNT)
        return nb_errf(err, NB_ERR_STORE,
                       "database %s has schema %d, newer than this newsbrief knows (%d)", s->path,
                       version, MIGRATION_COUNT);
    for (int i = version; i < MIGRATION_COUNT; i++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", i + 1);
        nb_err rc = exec(s, "BEGIN IMMEDIATE;", "migrating the schema", err);
        if (!rc)
            rc = exec(s, migrations[i], "migrating the schema", err);
        if (!rc)
            rc = exec(s, pragma, "migrating the schema", err);
        if (!rc)
            rc = exec(s, "COMMIT;", "migrating the schema", err);
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

/* "file:" URI of path opened immutable (percent-encoding what a URI would read). */
static char *immutable_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t size = 3 * strlen(path) + sizeof "file:?immutable=1";
    char *uri = nb_xmalloc(size);
    memcpy(uri, "file:", 5);
    char *o = uri + 5;
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#') {
            *o++ = '%';
            *o++ = hex[(unsigned char)*p >> 4];
            *o++ = hex[(unsigned char)*p & 15];
        } else {
            *o++ = *p;
        }
    }
    memcpy(o, "?immutable=1", sizeof "?immutable=1");
    return uri;
}

/* A database on read-only storage: opened immutable, so that it can still be read (its
 * WAL index cannot be created there); nb_sqlite_check_writable then reports it. */
static nb_err open_read_only(nb_sqlite *s, nb_errbuf *err)
{
    sqlite3_close(s->db);
    s->db = NULL;
    char *uri = immutable_uri(s->path);
    nb_err rc = NB_OK;
    if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
        rc = nb_errf(err, NB_ERR_IO, "database %s: read-only, and cannot be read: %s", s->path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
    free(uri);
    return rc;
}

nb_err nb_sqlite_open(const char *path, nb_sqlite **out, nb_errbuf *err)
{
    nb_err rc = make_parent_dirs(path, err);
    if (rc)
        return rc;
    nb_sqlite *s = nb_xcalloc(1, sizeof *s);
    s->path = nb_xstrdup(path);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        int sys = 0;
        if (s->db && storage_cause(s, &sys))
            rc = db_error(s, err, "opening");
        else
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
              "opening", err);
    if (rc == NB_ERR_IO && unwritable(path) && access(path, R_OK) == 0) {
        /* readable still (outbox, sources); nb_sqlite_check_writable stops the others */
        nb_errbuf why = *err;
        s->failed = 0;
        rc = open_read_only(s, err);
        if (rc)
            *err = why;
    }
    if (!rc)
        rc = migrate(s, err);
out:
    if (rc) {
        nb_sqlite_close(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

nb_err nb_sqlite_open_readonly(const char *path, nb_sqlite **out, nb_errbuf *err)
{
    nb_sqlite *s = nb_xcalloc(1, sizeof *s);
    s->path = nb_xstrdup(path);
    nb_err rc = NB_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = nb_errf(err, NB_ERR_STORE, "database %s: cannot open for reading: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* Readers map the file (no read() per page) and keep a larger cache of their own. */
    rc = nb_sqlite_exec(s, "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384;", err);
    if (rc)
        goto out;
    int version = nb_sqlite_schema_version(s);
    if (version != MIGRATION_COUNT)
        rc = nb_errf(err, NB_ERR_STORE,
                     "database %s has schema %d, this newsbrief reads %d (open it for writing "
                     "once to migrate)",
                     path, version, MIGRATION_COUNT);
    if (!rc && sqlite3_prepare_v3(s->db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                                  &s->data_version, NULL) != SQLITE_OK)
        rc = nb_sqlite_db_error(s, err, "preparing data_version");
out:
    if (rc) {
        nb_sqlite_close(s);
        return rc;
    }
    *out = s;
    return NB_OK;
}

nb_err nb_sqlite_data_version(nb_sqlite *s, int64_t *version, nb_errbuf *err)
{
    nb_err rc = NB_OK;
    if (!s->data_version &&
        sqlite3_prepare_v3(s->db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                           &s->data_version, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing data_version");
    if (sqlite3_step(s->data_version) == SQLITE_ROW)
        *version = sqlite3_column_int64(s->data_version, 0);
    else
        rc = nb_sqlite_db_error(s, err, "reading data_version");
    sqlite3_reset(s->data_version);
    return rc;
}

void nb_sqlite_close(nb_sqlite *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->data_version);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

void nb_sqlite_bind_text(sqlite3_stmt *st, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, index);
}

/* Text that may quote a URL or a request (an error, an answer): stored with secrets masked. */
static void bind_redacted(sqlite3_stmt *st, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(st, index, nb_redact(text), -1, free);
    else
        sqlite3_bind_null(st, index);
}

void nb_sqlite_bind_redacted(sqlite3_stmt *st, int index, const char *text)
{
    bind_redacted(st, index, text);
}

char *nb_sqlite_column_text(sqlite3_stmt *st, int index)
{
    const unsigned char *t = sqlite3_column_text(st, index);
    return t ? nb_xstrdup((const char *)t) : NULL;
}

nb_err nb_sqlite_run(nb_sqlite *s, const char *sql, const nb_sqlite_param *params, size_t n,
                     size_t *changes, const char *what, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, what);
    size_t used = (size_t)sqlite3_bind_parameter_count(st);
    for (size_t i = 0; i < n && i < used; i++) {
        int index = (int)i + 1;
        switch (params[i].kind) {
        case NB_SQL_INT:
            sqlite3_bind_int64(st, index, params[i].i);
            break;
        case NB_SQL_TEXT:
            nb_sqlite_bind_text(st, index, params[i].text);
            break;
        case NB_SQL_REDACTED:
            bind_redacted(st, index, params[i].text);
            break;
        }
    }
    nb_err rc = NB_OK;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, what);
    else if (changes)
        *changes = (size_t)sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}

/* Runs sql with the item's fields bound as ?1..?11 (?8 = now); one step. */
static int item_step(nb_sqlite *s, const char *sql, const nb_item *item, int64_t now,
                     sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    sqlite3_stmt *st = *out;
    nb_sqlite_bind_text(st, 1, item->source);
    nb_sqlite_bind_text(st, 2, item->key);
    nb_sqlite_bind_text(st, 3, item->url);
    nb_sqlite_bind_text(st, 4, item->title);
    sqlite3_bind_int64(st, 5, item->published_at);
    nb_sqlite_bind_text(st, 6, item->image);
    nb_sqlite_bind_text(st, 7, item->excerpt);
    sqlite3_bind_int64(st, 8, now);
    nb_sqlite_bind_text(st, 9, item->content);
    nb_sqlite_bind_text(st, 10, item->author);
    nb_sqlite_bind_text(st, 11, item->tags);
    return sqlite3_step(st);
}

nb_err nb_sqlite_item_put(nb_sqlite *s, nb_item *item, int64_t now, int *is_new, nb_errbuf *err)
{
    static const char insert_sql[] =
        "INSERT INTO items (source, key, url, title, published_at, image, excerpt,"
        " first_seen_at, content, author, tags, abstract) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, " ABSTRACT_OF("?7") " WHERE NOT EXISTS (SELECT 1 FROM"
                                                " forgotten_items WHERE source = ?1 AND key = ?2) "
                                                "ON CONFLICT (source, key) DO NOTHING";
    static const char update_sql[] =
        "UPDATE items SET url = ?3, title = ?4, published_at = ?5, image = ?6, excerpt = ?7,"
        " content = ?9, author = ?10, tags = ?11, abstract = COALESCE(summary, " ABSTRACT_OF(
            "?7") ")"
                  " WHERE source = ?1 AND key = ?2 AND ?8 IS NOT NULL RETURNING id";
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (broken(s, err))
        return NB_ERR_IO;
    if (item_step(s, insert_sql, item, now, &st) != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "storing item");
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
            rc = nb_sqlite_db_error(s, err, "updating item");
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
static nb_err query_items(nb_sqlite *s, const char *sql, int64_t since, size_t max,
                          const char *text, nb_item **items, size_t *count, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_item *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *items = NULL;
    *count = 0;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing item query");
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    if (text)
        nb_sqlite_bind_text(st, 3, text);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        nb_item *it = &out[n++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->source = nb_sqlite_column_text(st, 1);
        it->key = nb_sqlite_column_text(st, 2);
        it->url = nb_sqlite_column_text(st, 3);
        it->title = nb_sqlite_column_text(st, 4);
        it->published_at = sqlite3_column_int64(st, 5);
        it->image = nb_sqlite_column_text(st, 6);
        it->excerpt = nb_sqlite_column_text(st, 7);
        it->content = nb_sqlite_column_text(st, 8);
        it->author = nb_sqlite_column_text(st, 9);
        it->tags = nb_sqlite_column_text(st, 10);
        if (sqlite3_column_count(st) > 11)
            it->delivered = sqlite3_column_int(st, 11);
    }
    if (step != SQLITE_DONE) {
        rc = nb_sqlite_db_error(s, err, "reading items");
        nb_items_free(out, n);
        out = NULL;
        n = 0;
    }
    sqlite3_finalize(st);
    *items = out;
    *count = n;
    return rc;
}

nb_err nb_sqlite_items_since(nb_sqlite *s, int64_t since, size_t max, nb_item **items,
                             size_t *count, nb_errbuf *err)
{
    return query_items(s,
                       "SELECT id, source, key, url, title, published_at, image, excerpt,"
                       " content, author, tags FROM items WHERE published_at >= ?1"
                       " ORDER BY published_at DESC, id DESC LIMIT ?2",
                       since, max, NULL, items, count, err);
}

static const char source_columns[] = "name, type, etag, last_modified, next_fetch_at,"
                                     " consecutive_errors, last_error, last_success_at,"
                                     " last_attempt_at, settings, title";

static void read_source(sqlite3_stmt *st, nb_source_state *out)
{
    out->name = nb_sqlite_column_text(st, 0);
    out->type = nb_sqlite_column_text(st, 1);
    out->etag = nb_sqlite_column_text(st, 2);
    out->last_modified = nb_sqlite_column_text(st, 3);
    out->next_fetch_at = sqlite3_column_int64(st, 4);
    out->consecutive_errors = sqlite3_column_int(st, 5);
    out->last_error = nb_sqlite_column_text(st, 6);
    out->last_success_at = sqlite3_column_int64(st, 7);
    out->last_attempt_at = sqlite3_column_int64(st, 8);
    out->settings = nb_sqlite_column_text(st, 9);
    out->title = nb_sqlite_column_text(st, 10);
}

nb_err nb_sqlite_source_load(nb_sqlite *s, const char *name, nb_source_state *out, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources WHERE name = ?1", source_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing source query");
    nb_sqlite_bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        read_source(st, out);
    else if (step == SQLITE_DONE)
        out->name = nb_xstrdup(name);
    else
        rc = nb_sqlite_db_error(s, err, "reading source");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_source_save(nb_sqlite *s, const nb_source_state *state, nb_errbuf *err)
{
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "INSERT OR REPLACE INTO sources (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        source_columns);
    return NB_SQLITE_RUN(s, sql, NULL, "saving source", err, NB_SQL_T(state->name),
                         NB_SQL_T(state->type ? state->type : ""), NB_SQL_T(state->etag),
                         NB_SQL_T(state->last_modified), NB_SQL_I(state->next_fetch_at),
                         NB_SQL_I(state->consecutive_errors), NB_SQL_R(state->last_error),
                         NB_SQL_I(state->last_success_at), NB_SQL_I(state->last_attempt_at),
                         NB_SQL_T(state->settings), NB_SQL_T(state->title));
}

nb_err nb_sqlite_source_list(nb_sqlite *s, nb_source_state **states, size_t *count, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM sources ORDER BY name", source_columns);
    sqlite3_stmt *st = NULL;
    nb_source_state *out = NULL;
    size_t n = 0, alloc = 0;
    nb_err rc = NB_OK;
    *states = NULL;
    *count = 0;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing source list");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        out = nb_xgrow(out, &alloc, n + 1, sizeof *out);
        memset(&out[n], 0, sizeof out[n]);
        read_source(st, &out[n++]);
    }
    if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "listing sources");
    sqlite3_finalize(st);
    *states = out;
    *count = n;
    return rc;
}

struct nb_sqlite_lock {
    int fd;
};

nb_err nb_sqlite_lock_take(const char *database, int64_t timeout_ms, nb_sqlite_lock **out,
                           nb_errbuf *err)
{
    nb_err rc = make_parent_dirs(database, err);
    if (rc)
        return rc;
    char *path = nb_xasprintf("%s.lock", database);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int storage = errno == ENOSPC || errno == EDQUOT || errno == EROFS || errno == EIO;
        rc = nb_errf(err, storage ? NB_ERR_IO : NB_ERR_STORE, "run lock %s: cannot open: %s", path,
                     strerror(errno));
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
    nb_sqlite_lock *lock = nb_xmalloc(sizeof *lock);
    lock->fd = fd;
    *out = lock;
    return NB_OK;
}

void nb_sqlite_lock_release(nb_sqlite_lock *lock)
{
    if (!lock)
        return;
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    free(lock);
}

nb_err nb_sqlite_item_known(nb_sqlite *s, const char *source, const char *key, int *known,
                            nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT 1 FROM items WHERE source = ?1 AND key = ?2"
            " UNION ALL SELECT 1 FROM forgotten_items WHERE source = ?1 AND key = ?2",
            -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing item lookup");
    nb_sqlite_bind_text(st, 1, source);
    nb_sqlite_bind_text(st, 2, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        *known = step == SQLITE_ROW;
    else
        rc = nb_sqlite_db_error(s, err, "looking up item");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_items_for_channel(nb_sqlite *s, const char *channel, int64_t since, size_t max,
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

nb_err nb_sqlite_summary_get(nb_sqlite *s, const char *content_hash, const char *model,
                             const char *prompt_hash, char **text, nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    *text = NULL;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT text FROM summaries WHERE content_hash = ?1 AND model = ?2"
                           " AND prompt_hash = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing summary lookup");
    nb_sqlite_bind_text(st, 1, content_hash);
    nb_sqlite_bind_text(st, 2, model);
    nb_sqlite_bind_text(st, 3, prompt_hash);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *text = nb_sqlite_column_text(st, 0);
    else if (step != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "reading summary");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_summary_put(nb_sqlite *s, const char *content_hash, const char *model,
                             const char *prompt_hash, const char *text, long prompt_tokens,
                             long completion_tokens, int64_t now, nb_errbuf *err)
{
    return NB_SQLITE_RUN(s,
                         "INSERT OR REPLACE INTO summaries (content_hash, model, prompt_hash,"
                         " text, prompt_tokens, completion_tokens, created_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                         NULL, "storing summary", err, NB_SQL_T(content_hash), NB_SQL_T(model),
                         NB_SQL_T(prompt_hash), NB_SQL_T(text), NB_SQL_I(prompt_tokens),
                         NB_SQL_I(completion_tokens), NB_SQL_I(now));
}

nb_err nb_sqlite_llm_usage_add(nb_sqlite *s, int64_t run_at, const char *model, long requests,
                               long prompt_tokens, long completion_tokens, double cost,
                               nb_errbuf *err)
{
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (broken(s, err))
        return NB_ERR_IO;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO llm_usage (run_at, model, requests, prompt_tokens,"
                           " completion_tokens, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_sqlite_db_error(s, err, "preparing usage insert");
    sqlite3_bind_int64(st, 1, run_at);
    nb_sqlite_bind_text(st, 2, model);
    sqlite3_bind_int64(st, 3, requests);
    sqlite3_bind_int64(st, 4, prompt_tokens);
    sqlite3_bind_int64(st, 5, completion_tokens);
    sqlite3_bind_double(st, 6, cost);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = nb_sqlite_db_error(s, err, "storing usage");
    sqlite3_finalize(st);
    return rc;
}

/* ---- the daemon's state ---- */

static const char schedule_columns[] =
    "name, cron, last_fire, last_result, last_run_at, last_duration_ms, next_fire";

static void read_schedule(sqlite3_stmt *st, nb_schedule_state *out)
{
    out->name = nb_sqlite_column_text(st, 0);
    out->cron = nb_sqlite_column_text(st, 1);
    out->last_fire = sqlite3_column_int64(st, 2);
    out->last_result = nb_sqlite_column_text(st, 3);
    out->last_run_at = sqlite3_column_int64(st, 4);
    out->last_duration_ms = sqlite3_column_int64(st, 5);
    out->next_fire = sqlite3_column_int64(st, 6);
}

nb_err nb_sqlite_schedule_load(nb_sqlite *s, const char *name, nb_schedule_state *out,
                               nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM schedules WHERE name = ?1", schedule_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing schedule query");
    nb_sqlite_bind_text(st, 1, name);
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

nb_err nb_sqlite_schedule_save(nb_sqlite *s, const nb_schedule_state *state, nb_errbuf *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO schedules (%s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
             schedule_columns);
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "preparing schedule update");
    nb_sqlite_bind_text(st, 1, state->name);
    nb_sqlite_bind_text(st, 2, state->cron ? state->cron : "");
    sqlite3_bind_int64(st, 3, state->last_fire);
    nb_sqlite_bind_text(st, 4, state->last_result);
    sqlite3_bind_int64(st, 5, state->last_run_at);
    sqlite3_bind_int64(st, 6, state->last_duration_ms);
    sqlite3_bind_int64(st, 7, state->next_fire);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, err, "saving schedule");
    sqlite3_finalize(st);
    return rc;
}

nb_err nb_sqlite_schedule_list(nb_sqlite *s, nb_schedule_state **states, size_t *count,
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

nb_err nb_sqlite_daemon_save(nb_sqlite *s, const nb_daemon_state *state, nb_errbuf *err)
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

nb_err nb_sqlite_daemon_load(nb_sqlite *s, nb_daemon_state *out, int *found, nb_errbuf *err)
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
