# SPDX-License-Identifier: MIT
"""End to end: `newsbrief migrate --to` copies a database made by the pipeline (the demo's
sites and a feed on loopback, two briefings) into a fresh PostgreSQL database; the SQLite
file is left as it was; `newsbrief serve` on each database answers the JSON API
identically (briefings, one briefing, items, one item, searches, sources); runs go on on
PostgreSQL with new ids after the copied ones; a second copy is refused. Without the test
PostgreSQL the test says "skipped: <reason>" and exits 77."""
import hashlib
import json
import os
import re
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (ArchiveServer, SiteServer, Workdir, expect, run,  # noqa: E402
                      run_tests)

NOW = "2025-04-07T20:46:00+08:00"
LATER = "2025-04-07T22:00:00+08:00"
LAST = "2025-04-08T09:00:00+08:00"
# searches compared between the engines: long terms (the trigram indexes), short ones
# (substrings, newest first), mixed, a phrase, a LIKE wildcard, English case folding
SEARCHES = ["大模型", "模型", "AI", "ai", "商汤", "人工智能", "OpenAI 模型", '"OpenAI 考虑"', "大模型 AI", "%", "_",
            "不存在的词语"]


def write_config(work, site, database, name):
    return work.write(name, """\
newsbrief:
  database: "%s"
  timezone: Asia/Shanghai
  window: 48h
  items_per_page: 4
sources:
  aibase:
    type: aibase
    base_url: %s
  jiqizhixin:
    type: jiqizhixin
    base_url: %s
  jia:
    type: feed
    url: %s/feeds/un-first.xml
channels:
  out:
    type: stdout
""" % (database, site.base, site.base, site.base))


def file_digest(path):
    digest = hashlib.sha256()
    for name in (path, path + "-wal"):
        if os.path.exists(name):
            with open(name, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def sqlite_counts(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return {table: db.execute('SELECT count(*) FROM "%s"' % table).fetchone()[0]
                for table in ("items", "briefings", "briefing_entries", "briefing_items",
                              "sources", "runs", "source_counts")}
    finally:
        db.close()


def api(srv, path):
    status, headers, body = srv.get(path)
    expect(status == 200, "%s: status %d: %s" % (path, status, body[:300]))
    # the server's own address differs between the two; everything else must not
    return json.loads(body.decode("utf-8").replace(srv.base, "BASE"))


def answers(srv):
    """Every API answer the comparison covers, by path."""
    out = {}
    out["/api/briefings?limit=50"] = api(srv, "/api/briefings?limit=50")
    for b in out["/api/briefings?limit=50"]["briefings"]:
        path = "/api/briefings/" + b["id"]
        out[path] = api(srv, path)
    out["/api/items?limit=100"] = api(srv, "/api/items?limit=100")
    for item in out["/api/items?limit=100"]["items"][:10]:
        path = "/api/items/%d" % item["id"]
        out[path] = api(srv, path)
    for text in SEARCHES:
        path = "/api/items?limit=100&q=" + urllib.parse.quote(text)
        out[path] = api(srv, path)
    out["/api/sources"] = api(srv, "/api/sources")
    return out


def test_migrate_and_serve_the_same():
    with SiteServer() as site, Workdir() as work:
        path = os.path.join(work.path, "nb.db")
        lite = write_config(work, site, path, "lite.yaml")
        for now, extra in ((NOW, []), (LATER, ["--resend"])):
            code, out, err = run(["run", "--config", lite, "--now", now] + extra)
            expect(code == 0 and "新闻简报" in out, "run at %s: exit %d: %s" % (now, code, err))
        counts = sqlite_counts(path)
        expect(counts["briefings"] == 2 and counts["items"] >= 30, counts)
        before = file_digest(path)

        target = pgtest.fresh_database("nb_e2e_migrate")
        code, out, err = run(["migrate", "--config", lite, "--to", target])
        expect(code == 0, "migrate: exit %d: %s" % (code, err))
        printed = {m.group(1): (int(m.group(2)), int(m.group(3)))
                   for m in re.finditer(r"^(\w+) +(\d+) +(\d+)$", out, re.M)}
        for table, rows in counts.items():
            expect(printed.get(table) == (rows, rows),
                   "%s: printed %r, SQLite has %d\n%s" % (table, printed.get(table), rows, out))
        expect("every count matches" in out, out)
        expect(file_digest(path) == before, "the SQLite database changed")
        rows = pgtest.psql(target, "SELECT count(*), max(id) FROM items")
        expect(int(rows[0][0]) == counts["items"], rows)

        # the same answers from both databases
        pg = write_config(work, site, target, "pg.yaml")
        with ArchiveServer(["--config", lite, "--now", LAST]) as a:
            want = answers(a)
        with ArchiveServer(["--config", pg, "--now", LAST]) as b:
            got = answers(b)
        expect(a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr))
        for key in want:
            expect(got.get(key) == want[key], "%s differs:\nSQLite:     %s\nPostgreSQL: %s"
                   % (key, json.dumps(want[key], ensure_ascii=False)[:3000],
                      json.dumps(got.get(key), ensure_ascii=False)[:3000]))
        expect(len(want["/api/briefings?limit=50"]["briefings"]) == 2, want)
        expect(want["/api/items?limit=100&q=" + urllib.parse.quote("模型")]["substring_only"],
               "a two-character search is a substring scan")

        # a copy needs an empty database; the source must be SQLite and the target not
        code, out, err = run(["migrate", "--config", lite, "--to", target])
        expect(code == 1 and "not empty" in err, "second copy: exit %d: %s" % (code, err))
        code, out, err = run(["migrate", "--config", lite, "--to", os.path.join(work.path, "x.db")])
        expect(code == 2 and "not a PostgreSQL database" in err, (code, err))
        code, out, err = run(["migrate", "--config", pg, "--to", target])
        expect(code == 2 and "already PostgreSQL" in err, (code, err))
        code, out, err = run(["migrate", "--config", lite])
        expect(code == 2 and "--to" in err, (code, err))

        # work goes on on PostgreSQL: a new briefing after the copied ones
        code, out, err = run(["run", "--config", pg, "--now", LAST, "--resend"])
        expect(code == 0 and "新闻简报" in out, "run on PostgreSQL: exit %d: %s" % (code, err))
        with ArchiveServer(["--config", pg, "--now", LAST]) as b:
            briefings = api(b, "/api/briefings?limit=50")["briefings"]
        ids = [x["id"] for x in briefings]
        expect(len(ids) == 3 and ids[0] == "2025-04-08-0900" and ids[1:] == [
            x["id"] for x in want["/api/briefings?limit=50"]["briefings"]], ids)
        rows = pgtest.psql(target, "SELECT min(id), max(id), count(*) FROM briefings")
        expect(rows == [["1", "3", "3"]], rows)


if __name__ == "__main__":
    if pgtest.server() is None:
        print("skipped: " + pgtest.why())
        sys.exit(77)
    sys.exit(run_tests(globals()))
