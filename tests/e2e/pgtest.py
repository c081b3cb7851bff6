# SPDX-License-Identifier: MIT
"""The throwaway PostgreSQL of the tests (scripts/pg-test.sh, started by ctest's "pg"
fixture): fresh databases for the end-to-end cases that run against both stores, and
queries through psql for their assertions.

server() is the server's libpq connection string, or None when there is none (the
reason in why()); a case that needs it prints "skipped: <reason>" rather than passing.
"""
import os
import subprocess

_why = None


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
    return name


def database(engine_name, directory, name):
    """The `database:` setting of a new, empty database for the engine: a file in directory,
    or a fresh database on the test server (named after name)."""
    if engine_name == "postgresql":
        return fresh_database("nb_e2e_" + name)
    return os.path.join(directory, name + ".db")
