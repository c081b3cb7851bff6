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
