# SPDX-License-Identifier: MIT
"""The throwaway PostgreSQL of the tests (scripts/pg-test.sh, started by ctest's "pg"
fixture): fresh databases for the end-to-end cases that run against both stores, and
queries through psql for their assertions.

server() is the server's libpq connection string, or None when there is none (the
reason in why()); a case that needs it prints "skipped: <reason>" rather than passing.

A test that runs on both stores calls engine(sys.argv) once; then new_database() gives the
`database:` setting of a new, empty database of that engine, query() reads either engine
with the same SQL, stored_bytes() is everything a database holds (for the tests that look
for what must never be stored), and @sqlite_only / @store_free mark the cases the
PostgreSQL variant leaves to the SQLite one.
"""
import atexit
import functools
import json
import os
import sqlite3
import subprocess

_why = None
ENGINE = "sqlite"  # the store under test, set by engine()
_created = []  # the PostgreSQL databases this process made, dropped at its exit


def server():
    global _why
    path = os.environ.get("NB_TEST_PG_FILE")
    if not path:
        _why = "NB_TEST_PG_FILE is not set (run the tests through ctest)"
        return None
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline().strip()
    except OSError:
        _why = ("no test PostgreSQL is running (scripts/pg-test.sh start did not run or "
                "skipped: postgresql-15 not installed)")
        return None
    if not line:
        _why = "the test PostgreSQL's connection file is empty"
        return None
    return line


def why():
    return _why


def psql(conninfo, sql):
    """Runs sql, returns the rows as lists of strings (unaligned, tab-separated)."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                          "-d", conninfo, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def fresh_database(name):
    """Creates database `name` (dropping an older one) and returns its connection string."""
    base = server()
    if base is None:
        raise RuntimeError("no test PostgreSQL: " + why())
    psql(base, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    psql(base, 'CREATE DATABASE "%s"' % name)
    return base + " dbname=" + name


def engine(argv):
    """The store a test that runs on both runs against, from its arguments: "sqlite" (the
    default) or "postgresql". For postgresql without a test server, prints
    "skipped: <reason>" and exits 77 (ctest reports it skipped)."""
    import sys
    name = argv[1] if len(argv) > 1 else "sqlite"
    if name not in ("sqlite", "postgresql"):
        print("usage: %s [sqlite|postgresql]" % argv[0])
        sys.exit(2)
    if name == "postgresql" and server() is None:
        print("skipped: " + why())
        sys.exit(77)
    global ENGINE
    ENGINE = name
    return name


def is_postgresql():
    return ENGINE == "postgresql"


def database(engine_name, directory, name):
    """The `database:` setting of a new, empty database for the engine: a file in directory,
    or a fresh database on the test server (named after name)."""
    if engine_name == "postgresql":
        return fresh_database("nb_e2e_" + name)
    return os.path.join(directory, name + ".db")


def _drop_created():
    base = server()
    if base is None or os.environ.get("NB_TEST_KEEP_PG"):
        return
    for name in _created:
        try:
            psql(base, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        except subprocess.CalledProcessError:
            pass  # the server went away: it is thrown away with its databases


def new_database(directory, name="nb"):
    """The `database:` setting of a new, empty database of the engine under test: the file
    directory/name.db, or a fresh database on the test server, named after the test script,
    name and a counter (unique among the tests running at once), dropped when the test
    exits (kept with NB_TEST_KEEP_PG=1, to look at after a failure)."""
    if ENGINE != "postgresql":
        return os.path.join(directory, name + ".db")
    script = os.path.splitext(os.path.basename(__import__("sys").argv[0]))[0]
    db = ("nb_%s_%s_%d" % (script.replace("test_", "", 1), name, len(_created) + 1))[-63:]
    if not _created:
        atexit.register(_drop_created)
    _created.append(db)
    return fresh_database(db)


def database_of(work):
    """The database of a Workdir (made on first use, then the same one): what the tests
    write as `database:` where they used work.path + "/nb.db"."""
    if getattr(work, "database", None) is None:
        work.database = new_database(work.path)
    return work.database


def _is_conninfo(database):
    return database.startswith(("postgresql://", "postgres://")) or "=" in database


def query(database, sql):
    """The rows of sql (a SELECT) on either engine, as tuples of Python values: integers,
    floats, strings, None. On PostgreSQL the rows go through json_agg, so the types match
    SQLite's (a bigint is an int, not a string)."""
    if not _is_conninfo(database):
        con = sqlite3.connect(database)
        try:
            return [tuple(row) for row in con.execute(sql).fetchall()]
        finally:
            con.close()
    text = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database,
                           "-c", "SELECT coalesce(json_agg(q), '[]') FROM (%s) q" % sql],
                          check=True, capture_output=True, text=True).stdout
    # one object per row; its columns in order (object_pairs_hook keeps duplicate names)
    return [tuple(v for _, v in row)
            for row in json.loads(text, object_pairs_hook=lambda pairs: pairs)]


def scalar(database, sql):
    """The single value of a query such as SELECT COUNT(*)."""
    rows = query(database, sql)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise AssertionError("%s: want one value, got %r" % (sql, rows))
    return rows[0][0]


def stored_bytes(database):
    """Everything the database holds, as bytes: the SQLite file with its journal files, or a
    plain dump of the PostgreSQL database (every row of every table, as text)."""
    if not _is_conninfo(database):
        import glob
        data = b""
        for path in glob.glob(database + "*"):
            with open(path, "rb") as f:
                data += f.read()
        return data
    return subprocess.run(["pg_dump", "--no-owner", "-d", database], check=True,
                          capture_output=True).stdout


def _sqlite_variant_only(reason):
    def wrap(fn):
        @functools.wraps(fn)
        def case():
            if ENGINE == "postgresql":
                from loopback import Skip
                raise Skip(reason)
            return fn()
        return case
    return wrap


def sqlite_only(reason):
    """Marks a case that is about SQLite itself (its file, its permissions, its lock): the
    PostgreSQL variant reports it skipped with reason."""
    return _sqlite_variant_only("about SQLite only: " + reason)


def store_free(fn):
    """Marks a case that does not use the store (options, --help, parsing): it runs in the
    SQLite variant only, the PostgreSQL one reports it skipped."""
    return _sqlite_variant_only("does not use the store (the SQLite variant runs it)")(fn)
