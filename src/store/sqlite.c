/* SPDX-License-Identifier: MIT */
/* SQLite implementation of store.h: the connection, migrations, errors and the run lock.
 * Migrations are an ordered list of SQL scripts; PRAGMA user_version records how many have
 * run, so opening is idempotent. Free text that may quote a request (errors, platform
 * answers) is redacted before it is written. A failure of the storage itself (disk full,
 * read-only, I/O error) is remembered: every later call fails at once with the first one's
 * message, so a run stops writing (and sending) after it and reports one cause. The writer
 * side (items, sources, the LLM cache, the daemon's state) is in sqlite_writer.c; briefings,
 * the outbox and retention in sqlite_outbox.c, leased work in sqlite_jobs.c, the archive's
 * read-only queries in archive.c. */
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
    "UPDATE items SET abstract = " NB_SQLITE_ABSTRACT_OF(
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

nb_err nb_sqlite_schema_version(nb_sqlite *s, int *version, nb_errbuf *err)
{
    sqlite3_stmt *st;
    nb_err rc = NB_OK;
    *version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    else
        rc = nb_sqlite_db_error(s, err, "reading schema version");
    sqlite3_finalize(st);
    return rc;
}

static nb_err migrate(nb_sqlite *s, nb_errbuf *err)
{
    int version;
    nb_err rc = nb_sqlite_schema_version(s, &version, err);
    if (rc)
        return rc;
    if (version > MIGRATION_COUNT)
        return nb_errf(err, NB_ERR_STORE,
                       "database %s has schema %d, newer than this newsbrief knows (%d)", s->path,
                       version, MIGRATION_COUNT);
    for (int i = version; i < MIGRATION_COUNT; i++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", i + 1);
        rc = exec(s, "BEGIN IMMEDIATE;", "migrating the schema", err);
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
    int version;
    rc = nb_sqlite_schema_version(s, &version, err);
    if (!rc && version != MIGRATION_COUNT)
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
