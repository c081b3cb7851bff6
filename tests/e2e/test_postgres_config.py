# SPDX-License-Identifier: MIT
"""End to end: a PostgreSQL `database:` in the configuration. `check-config` connects
instead of checking a directory: it prints the server's version and the schema, or the
connection error; the password, given through ${ENV}, is masked everywhere in both forms
of the setting (a URI, a libpq key=value string). Skipped (exit 77, "skipped: ...") when
there is no test PostgreSQL."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import Workdir, expect, run, run_tests  # noqa: E402

PASSWORD = "Pg-E2e-Secret-7"
ENV = {"NB_PG_PASSWORD": PASSWORD}


def write_config(work, database):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n"
        "sources:\n  lab:\n    type: feed\n    url: http://127.0.0.1:9/feed.xml\n"
        "channels:\n  out:\n    type: file\n    path: %s/briefing.md\n")
        % (database, work.path))


def uri_of(conninfo):
    """The URI form of the test server's key=value string, password from ${ENV}."""
    fields = dict(re.findall(r"(\w+)=(\S+)", conninfo))
    return "postgresql://%s:${NB_PG_PASSWORD}@/%s?host=%s&port=%s" % (
        fields["user"], fields["dbname"], fields["host"], fields["port"])


def test_check_config_connects_both_forms():
    conninfo = pgtest.fresh_database("nbe2e_check_config")
    forms = [conninfo + " password=${NB_PG_PASSWORD}", uri_of(conninfo)]
    for database in forms:
        with Workdir() as work:
            path = write_config(work, database)
            code, out, err = run(["check-config", "--config", path], env=ENV)
            expect(code == 0, "check-config of %s: exit %d: %s" % (database, code, err))
            first = out.splitlines()[0]
            expect(re.match(r"# database: PostgreSQL 15\.\d+, database .*nbe2e_check_config.*, "
                            r"schema 0 of \d+ \(migrated when newsbrief first opens it\)$",
                            first), "first line: %r" % first)
            expect(PASSWORD not in out + err, "the password is shown:\n" + out + err)
            expect("***" in first, "the password is not masked: %r" % first)
            expect("warning" not in err, "a UTF-8 database gave a warning: " + err)
    # once newsbrief has opened it, the schema is current
    with Workdir() as work:
        path = write_config(work, forms[0])
        code, out, err = run(["sources", "--config", path], env=ENV)
        expect(code == 0, "sources: exit %d: %s" % (code, err))
        code, out, err = run(["check-config", "--config", path], env=ENV)
        expect(code == 0, err)
        first = out.splitlines()[0]
        expect(re.search(r"schema (\d+) of \1$", first), "first line: %r" % first)
        rows = pgtest.psql(conninfo, "SELECT count(*) FROM sources")
        expect(rows == [["0"]], "sources table: %r" % rows)


def test_check_config_connection_error_masked():
    with Workdir() as work:
        for database in ("postgresql://newsbrief:${NB_PG_PASSWORD}@127.0.0.1:1/nb"
                         "?connect_timeout=5",
                         "host=127.0.0.1 port=1 user=newsbrief password=${NB_PG_PASSWORD}"
                         " dbname=nb connect_timeout=5"):
            path = write_config(work, database)
            code, out, err = run(["check-config", "--config", path], env=ENV)
            expect(code == 2, "check-config of an unreachable server: exit %d" % code)
            expect("newsbrief.database:" in err and "cannot connect" in err
                   and "127.0.0.1" in err, err)
            expect(PASSWORD not in out + err, "the password is shown: " + err)
            expect("***" in err, "the password is not masked: " + err)


def test_ctype_warning():
    base = pgtest.server()
    pgtest.psql(base, "DROP DATABASE IF EXISTS nbe2e_check_config_c WITH (FORCE)")
    pgtest.psql(base, "CREATE DATABASE nbe2e_check_config_c TEMPLATE template0 "
                      "ENCODING 'UTF8' LC_CTYPE 'C' LC_COLLATE 'C'")
    with Workdir() as work:
        path = write_config(work, base + " dbname=nbe2e_check_config_c")
        code, out, err = run(["check-config", "--config", path])
        expect(code == 0, err)
        expect("newsbrief: warning: " in err and "LC_CTYPE is 'C', not UTF-8" in err, err)


if __name__ == "__main__":
    if pgtest.server() is None:
        print("skipped: " + pgtest.why())
        sys.exit(77)
    sys.exit(run_tests(globals()))
