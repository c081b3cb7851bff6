# SPDX-License-Identifier: MIT
"""End to end: the database on a full disk or on read-only storage, before a run and in the
middle of one. Each case ends with one error line naming the database and the cause and
exit 1, sends nothing it could not record, and the next run (once the storage is back)
delivers everything that was queued: nothing twice but the message that was out when the
storage failed (the documented in-flight case). The file systems are mounted by the test
(see filesystems.py); where mounting is not allowed the cases are skipped. SQLite only: the
cases are about the database file on full or read-only storage; a PostgreSQL store's disk
belongs to its server (a lost connection or read-only session is covered by the store's
unit tests)."""
import collections
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from filesystems import Ext4Image, Tmpfs  # noqa: E402
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402
from platforms import PlatformServer  # noqa: E402
from test_channels import FAST, NOW, NOW_EPOCH, all_urls, item_urls  # noqa: E402


def write_config(work, site, platforms, database, max_attempts=5):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: %s\n  window: 72h\n  max_items: 35\n  items_per_page: 3\n"
        "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n"
        "  jiqizhixin:\n    type: jiqizhixin\n    base_url: %s\n    delay_ms: 0\n%s")
        % (database, site.base, site.base,
           platforms.channels_yaml(only=("webhook",), webhook=FAST + "    max_attempts: %d\n"
                                   % max_attempts)))


def error_lines(err):
    """The error lines: logged ones, and what a command says before it starts (not the
    notice of a run that found nothing new)."""
    return [line for line in err.splitlines()
            if " error " in line or (line.startswith("newsbrief: ") and
                                     not line.startswith("newsbrief: nothing new since"))]


def expect_one_storage_error(code, err, database, cause):
    expect(code == 1, "exit %d, want 1:\n%s" % (code, err))
    lines = error_lines(err)
    expect(len(lines) == 1, "want one error line, got:\n" + err)
    expect(database in lines[0] and cause in lines[0], lines[0])


def outbox(database):
    db = sqlite3.connect(database)
    try:
        return db.execute("SELECT id, status, possible_duplicate FROM deliveries"
                          " ORDER BY id").fetchall()
    finally:
        db.close()


def expect_all_delivered(platforms, database, in_flight=None):
    """Every queued message sent and received; only in_flight (a delivery id) twice."""
    rows = outbox(database)
    expect(rows and all(status == "sent" for _, status, _ in rows),
           "not all sent: %r" % rows)
    received = collections.Counter(int(i) for i in platforms.httpd.deliveries)
    expect(set(received) == {row_id for row_id, _, _ in rows},
           "received %r, queued %r" % (sorted(received), [r[0] for r in rows]))
    twice = sorted(i for i, n in received.items() if n > 1)
    expect(twice == ([in_flight] if in_flight else []), "received twice: %r" % twice)
    if in_flight:
        flagged = [row_id for row_id, _, duplicate in rows if duplicate]
        expect(flagged == [in_flight], "possible duplicates flagged: %r" % flagged)


def queue_without_sending(site, platforms, path):
    """A run whose webhook is down: the messages wait in the outbox."""
    platforms.script["webhook"] = ["error500"]
    code, out, err = run(["run", "--config", path, "--now", NOW])
    expect(code == 1 and "error=retry" in err, err)
    platforms.script["webhook"] = []
    return len(platforms.httpd.requests)


def test_disk_full_before_the_run():
    with Tmpfs(8192) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database, max_attempts=1)
        sent_before = queue_without_sending(site, platforms, path)
        fs.fill()
        fetched = len(site.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect_one_storage_error(code, err, database, "disk full")
        expect(len(site.requests) == fetched, "fetched although nothing could be stored")
        expect(len(platforms.httpd.requests) == sent_before, "sent although nothing could "
                                                             "be recorded")
        code, out, err = run(["push", "--config", path])
        expect_one_storage_error(code, err, database, "disk full")
        fs.free()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and not error_lines(err), err)
        expect_all_delivered(platforms, database)


def test_disk_full_while_collecting():
    with Tmpfs(8192) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        expected = all_urls(site)
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database)
        # the disk fills while the sources are being read: items cannot be stored
        site.before_answer = lambda request: (
            request.startswith("/api/article_library/articles.json") and fs.fill())
        code, out, err = run(["run", "--config", path, "--now", NOW])
        site.before_answer = None
        expect_one_storage_error(code, err, database, "disk full")
        expect(not platforms.httpd.requests, "sent although the run could not record it")
        fs.free()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and not error_lines(err), err)
        pages = platforms.accepted("webhook")
        expect([i["url"] for p in pages for i in p["items"]] == expected,
               "the next run did not brief every story once")
        expect_all_delivered(platforms, database)


def test_disk_full_while_sending():
    with Tmpfs(8192) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database)
        # the disk fills while the third message is out: its "sent" cannot be recorded
        platforms.before_answer = lambda platform, n: n == 3 and fs.fill()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        platforms.before_answer = None
        expect_one_storage_error(code, err, database, "disk full")
        expect(len(platforms.httpd.requests) == 3, "%d requests: sent after the disk filled"
               % len(platforms.httpd.requests))
        in_flight = int(platforms.httpd.deliveries[2])
        fs.free()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and "resending=1" in err and not error_lines(err), err)
        expect_all_delivered(platforms, database, in_flight)


def test_disk_full_before_opening():
    """The commands that read the database, on a disk that filled before it was created: a
    failure of the storage (exit 1), not of the configuration (2)."""
    with Tmpfs(8192) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database)
        fs.fill()
        for command in (["sources"], ["outbox"], ["status"], ["run", "--now", NOW]):
            code, out, err = run(command + ["--config", path])
            expect_one_storage_error(code, err, database, "disk full")
        expect(not platforms.httpd.requests, "sent without a database")


def test_read_only_before_the_run():
    with Tmpfs(8192) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database, max_attempts=1)
        sent_before = queue_without_sending(site, platforms, path)
        fs.remount(read_only=True)
        fetched = len(site.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect_one_storage_error(code, err, database, "read-only")
        expect(len(site.requests) == fetched, "fetched although nothing could be stored")
        code, out, err = run(["push", "--config", path])
        expect_one_storage_error(code, err, database, "read-only")
        expect(len(platforms.httpd.requests) == sent_before, "sent although nothing could "
                                                             "be recorded")
        code, out, err = run(["outbox", "--config", path, "--json"])
        expect(code == 0 and '"status": "pending"' in out, "reading the outbox: " + out + err)
        fs.remount(read_only=False)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and not error_lines(err), err)
        expect_all_delivered(platforms, database)


def test_read_only_while_sending():
    with Ext4Image(32768) as fs, SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, \
            Workdir() as work:
        database = os.path.join(fs.path, "nb.db")
        path = write_config(work, site, platforms, database)
        # the file system turns read-only while the third message is out
        platforms.before_answer = lambda platform, n: n == 3 and fs.fail()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        platforms.before_answer = None
        expect_one_storage_error(code, err, database, "read-only")
        expect(len(platforms.httpd.requests) == 3, "%d requests: sent after the database "
               "turned read-only" % len(platforms.httpd.requests))
        in_flight = int(platforms.httpd.deliveries[2])
        fs.restore()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and "resending=1" in err and not error_lines(err), err)
        expect_all_delivered(platforms, database, in_flight)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
