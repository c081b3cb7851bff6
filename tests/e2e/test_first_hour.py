# SPDX-License-Identifier: MIT
"""End to end: what a new user meets in the first hour. A file channel that cannot be
written keeps its briefing; relative paths follow the configuration file; previews, quiet
outcomes, source resets, the outbox's housekeeping and the configuration checks. Runs on
either store: `test_first_hour.py [sqlite|postgresql]` (skipped with the reason without a
test PostgreSQL); the cases about a SQLite file's path or directory, and those that do not
use the store, run in the SQLite variant only."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (BINARY, DATA, SiteServer, Workdir, expect, expect_equal, run,  # noqa: E402
                      run_tests)
from platforms import PlatformServer  # noqa: E402

NOW = "2025-04-07T10:45:00+08:00"
GOLDEN = os.path.join(DATA, "e2e", "golden.md")


def golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return f.read()


def sources(server):
    return """\
sources:
  lab:
    type: feed
    url: %s/feeds/atom-utc.xml
  cn-tech:
    type: feed
    url: %s/feeds/rss-cst.xml
""" % (server.base, server.base)


def config(work, server, channels="", database=None, name="newsbrief.yaml", general=""):
    database = database or pgtest.database_of(work)
    return work.write(name, """\
newsbrief:
  database: "%s"
  timezone: Asia/Shanghai
  items_per_page: 3
%s%s%s""" % (database, general, sources(server), channels))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_failed_file_write_keeps_the_briefing():
    with SiteServer() as server, Workdir() as work:
        target = os.path.join(work.path, "no", "such", "dir", "brief.md")
        path = config(work, server, channels="channels:\n  archive:\n    type: file\n"
                                              "    path: %s\n" % target)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1, "a failed write must fail the run: exit %d" % code)
        expect("channel=archive" in err and "No such file or directory" in err, err)
        code, out, err = run(["outbox", "--config", path, "--json"])
        rows = json.loads(out)
        expect(len(rows) == 1 and rows[0]["channel"] == "archive"
               and rows[0]["status"] == "pending", rows)
        expect("No such file or directory" in (rows[0]["last_answer"] or ""), rows)
        os.makedirs(os.path.dirname(target))
        code, out, err = run(["push", "--config", path, "--now", NOW])
        expect(code == 0, "push: exit %d: %s" % (code, err))
        expect(out == "sent 1, pending 0, failed 0\n", out)
        expect_equal(read(target), golden(), "the briefing written by push")
        code, out, err = run(["outbox", "--config", path])
        expect("the outbox is empty" in out, out)


def test_failed_file_write_is_delivered_by_the_next_run():
    with SiteServer() as server, Workdir() as work:
        target = os.path.join(work.path, "later", "brief.md")
        path = config(work, server, channels="channels:\n  archive:\n    type: file\n"
                                              "    path: %s\n" % target)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and not os.path.exists(target), "exit %d" % code)
        os.makedirs(os.path.dirname(target))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "second run: exit %d: %s" % (code, err))
        expect_equal(read(target), golden(), "the briefing written by the next run")


@pgtest.sqlite_only("a relative database path names a file beside the configuration")
def test_relative_paths_follow_the_configuration_file():
    with SiteServer() as server, Workdir() as work:
        config(work, server, database="data/nb.db",
               channels="channels:\n  archive:\n    type: file\n    path: ./brief.md\n")
        code, out, err = run(["run", "--config", "newsbrief.yaml", "--now", NOW], cwd=work.path)
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(os.path.isfile(os.path.join(work.path, "data", "nb.db")), "database not beside")
        expect_equal(read(os.path.join(work.path, "brief.md")), golden(), "file channel")
        os.remove(os.path.join(work.path, "brief.md"))
        elsewhere = os.path.join(work.path, "elsewhere")
        os.mkdir(elsewhere)
        code, out, err = run(["run", "-c", "../newsbrief.yaml", "--now", NOW], cwd=elsewhere)
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(os.listdir(elsewhere) == [], "created %r in the working directory"
               % os.listdir(elsewhere))
        expect(not os.path.exists(os.path.join(work.path, "brief.md")),
               "the second run sent everything again: it used another database")
        code, out, err = run(["check-config", "-c", "../newsbrief.yaml"], cwd=elsewhere)
        expect("database: \"%s\"" % os.path.join(work.path, "data", "nb.db") in out, out)


def test_feed_images_and_authors_from_html():
    with SiteServer() as server, Workdir() as work:
        path = work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
sources:
  frontier:
    type: feed
    url: %s/feeds/img-only-rss.xml
  notes:
    type: feed
    url: %s/feeds/img-only-atom.xml
""" % (pgtest.database_of(work), server.base, server.base))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        # relative sources resolve against the feed's address, as feedparser does
        for image in (server.base + "/uploads/2001/cover.jpg", "http://cdn.example.cn/2002.png",
                      "https://blog.example.org/images/context.png",
                      "https://blog.example.org/images/bench.jpg"):
            expect("![](%s)" % image in out, "no %s in the briefing:\n%s" % (image, out))
        expect("pixel.gif" not in out, "a tracking pixel became the picture")
        authors = dict(pgtest.query(pgtest.database_of(work), "SELECT key, author FROM items"))
        expect(authors == {"ai-2001": "李明", "ai-2002": "王芳", "urn:uuid:notes-1": "Ada Chen",
                           "urn:uuid:notes-2": "Feed Team"}, authors)


def test_run_dry_run_previews_without_marking():
    with SiteServer() as server, PlatformServer(NOW) as chat, Workdir() as work:
        target = os.path.join(work.path, "brief.md")
        channels = chat.channels_yaml(only=["wecom"]) + (
            "  archive:\n    type: file\n    path: %s\n  screen:\n    type: stdout\n" % target)
        path = config(work, server, channels=channels)
        code, out, err = run(["run", "--dry-run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(chat.requests("wecom") == [], "a dry run sent to WeCom")
        expect(not os.path.exists(target), "a dry run wrote the file channel")
        expect("== channel archive (file %s): 4 items, 1 message\n" % target in out, out)
        expect("== channel screen (stdout): 4 items, 1 message\n" in out, out)
        expect(out.count(golden()) == 2, "the file and stdout previews are not the briefing")
        expect("== channel wecom (wecom): 4 items, 2 messages\n-- message 1 of 2\n" in out, out)
        expect('"msgtype": "markdown"' in out or '"msgtype":"markdown"' in out, out)
        database = pgtest.database_of(work)
        stored = pgtest.scalar(database, "SELECT COUNT(*) FROM items")
        marked = pgtest.scalar(database, "SELECT COUNT(*) FROM briefing_items")
        queued = pgtest.scalar(database, "SELECT COUNT(*) FROM deliveries")
        expect(stored >= 4 and marked == 0 and queued == 0,
               "items %d, ledger %d, outbox %d" % (stored, marked, queued))
        # the real run afterwards delivers everything the preview showed
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect_equal(read(target), golden(), "the file after the real run")
        expect(len(chat.accepted("wecom")) == 2, "WeCom got %d" % len(chat.accepted("wecom")))
        code, out, err = run(["run", "--dry-run", "--config", path, "--now", NOW])
        expect("== channel archive (file): nothing new" in out, out)


def test_quiet_outcomes_say_one_line():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        # nothing in the window and never a briefing
        code, out, err = run(["run", "--config", path, "--now", "2025-05-01T10:00:00+08:00"])
        expect(code == 0 and out == "", "exit %d: %s" % (code, err))
        expect(err == "newsbrief: nothing new in the last 24h (window): no briefing\n", err)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and out and err == "", "exit %d: %s" % (code, err))
        # the next day: the last briefing's date and time
        code, out, err = run(["run", "--config", path, "--now", "2025-04-08T09:00:00+08:00"])
        expect(code == 0 and out == "", "exit %d: %s" % (code, err))
        expect(err == "newsbrief: nothing new since 2025-04-07 10:45: no briefing\n", err)
        code, out, err = run(["run", "--config", path, "--now", "2025-04-08T09:00:00+08:00",
                              "-q"])
        expect(code == 0 and err == "", "-q: %r" % err)
    code, out, err = run(["--help"])
    expect("exit status:\n  0  success; also a run where some sources failed" in out, out)
    code, out, err = run(["run", "--help"])
    expect("3 of 4 sources failed; see newsbrief sources" in out and "  2  usage" in out, out)


def sources_json(path):
    code, out, err = run(["sources", "--config", path, "--json", "--now", NOW])
    expect(code == 0, "sources: exit %d: %s" % (code, err))
    return {s["name"]: s for s in json.loads(out)}


def write_flaky(work, server, flaky_url):
    return work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
  failures_before_backoff: 1
sources:
  lab:
    type: feed
    url: %s/feeds/atom-utc.xml
  flaky:
    type: feed
    url: %s%s
""" % (pgtest.database_of(work), server.base, server.base, flaky_url))


def test_changed_source_starts_afresh():
    with SiteServer() as server, Workdir() as work:
        path = write_flaky(work, server, "/status/404")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and "HTTP 404" in err, err)
        state = sources_json(path)["flaky"]
        expect(state["consecutive_failures"] == 1 and state["next_fetch_at"], state)
        before = len(server.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(not any("/status/404" in p for p, _ in server.requests[before:]),
               "a source in backoff was fetched")
        # the user fixes the URL: the backoff and the old error go at once
        path = write_flaky(work, server, "/feeds/atom03.xml")
        state = sources_json(path)["flaky"]
        expect(state["consecutive_failures"] == 0 and state["last_error"] is None
               and state["next_fetch_at"] is None, state)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(any("/feeds/atom03.xml" in p for p, _ in server.requests), "fixed source not fetched")
        state = sources_json(path)["flaky"]
        expect(state["consecutive_failures"] == 0 and state["last_success_at"], state)


def test_sources_reset():
    with SiteServer() as server, Workdir() as work:
        path = write_flaky(work, server, "/status/404")
        run(["run", "--config", path, "--now", NOW])
        expect(sources_json(path)["flaky"]["consecutive_failures"] == 1, "no failure recorded")
        code, out, err = run(["sources", "--config", path, "--reset", "flaky"])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(out == "source flaky reset: 1 failure forgotten, fetched on the next run\n", out)
        state = sources_json(path)["flaky"]
        expect(state["consecutive_failures"] == 0 and state["next_fetch_at"] is None
               and state["last_error"] is None, state)
        before = len(server.requests)
        run(["run", "--config", path, "--now", NOW])
        expect(any("/status/404" in p for p, _ in server.requests[before:]),
               "a reset source was not fetched")
        code, out, err = run(["sources", "--config", path, "--reset", "nosuch"])
        expect(code == 2 and "no source \"nosuch\"" in err, err)
        code, out, err = run(["outbox", "--config", path, "--reset", "flaky"])
        expect(code == 2 and "--reset" in err, err)


def test_outbox_of_a_removed_channel():
    with SiteServer() as server, PlatformServer(NOW) as chat, Workdir() as work:
        old = ("  old-wecom:\n    type: wecom\n    url: %s/cgi-bin/webhook/send?key=revoked\n"
               % chat.base)
        archive = "  archive:\n    type: file\n    path: %s/no/dir/brief.md\n" % work.path
        path = config(work, server, channels="channels:\n" + old + archive)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and "93000" in err, "exit %d: %s" % (code, err))
        rows = json.loads(run(["outbox", "--config", path, "--json"])[1])
        wecom = [r["id"] for r in rows if r["channel"] == "old-wecom"]
        files = [r["id"] for r in rows if r["channel"] == "archive"]
        expect(len(wecom) == 2 and len(files) == 1 and all(r["configured"] for r in rows), rows)
        # the user removes the WeCom channel from the configuration
        path = config(work, server, channels="channels:\n" + archive)
        code, out, err = run(["outbox", "--config", path])
        lines = [l for l in out.splitlines() if "old-wecom" in l]
        expect(len(lines) == 2 and all("channel no longer configured" in l for l in lines), out)
        expect("--drop --channel NAME" in out, out)
        expect("channel no longer configured" not in [l for l in out.splitlines()
                                                      if "archive" in l][0], out)
        rows = json.loads(run(["outbox", "--config", path, "--json"])[1])
        expect([r["configured"] for r in rows if r["channel"] == "old-wecom"] == [False, False],
               rows)
        code, out, err = run(["push", "--config", path, "--dry-run"])
        expect(out.count("(channel no longer configured: never sent") == 2, out)
        # drop them: a confirmation line, and they are gone
        code, out, err = run(["outbox", "--config", path, "--drop", "--channel", "old-wecom"])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(out == "dropped 2 messages of channel old-wecom: they will not be sent\n", out)
        rows = json.loads(run(["outbox", "--config", path, "--json"])[1])
        expect([r["id"] for r in rows] == files, rows)
        code, out, err = run(["outbox", "--config", path, "--drop", str(files[0])])
        expect(code == 0 and out == "dropped message %d: it will not be sent\n" % files[0],
               out + err)
        code, out, err = run(["outbox", "--config", path])
        expect("the outbox is empty" in out, out)
        # nothing left to drop, and bad requests
        code, out, err = run(["outbox", "--config", path, "--drop", str(files[0])])
        expect(code == 2 and "no message %d waiting" % files[0] in err, err)
        code, out, err = run(["outbox", "--config", path, "--drop"])
        expect(code == 2 and "--drop needs a message ID or --channel NAME" in err, err)
        code, out, err = run(["outbox", "--config", path, "--drop", "x1"])
        expect(code == 2 and "not a message id" in err, err)
        # a dropped briefing is not composed again
        os.makedirs(os.path.join(work.path, "no", "dir"))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and not os.path.exists(os.path.join(work.path, "no", "dir", "brief.md")),
               "exit %d: %s" % (code, err))


@pgtest.store_free
def test_configuration_checks():
    with Workdir() as work:
        path = work.write("bad.yaml", """\
newsbrief:
  database: %s/nb.db
  timezone: Mars/Olympus_Mons
sources:
  blog:
    type: feed
    url: ftp://example.com/feed.xml
channels:
  screen:
    type: stdout
    url: https://example.com/x
  team:
    type: wecom
    url: https://example.com/not-wecom
    secret: abc
summarizer:
  type: llm
""" % work.path)
        code, out, err = run(["check-config", "--config", path])
        expect(code == 2, "exit %d" % code)
        want = [
            "newsbrief: %s:11:5: channels.screen: \"url\" does not apply to type stdout" % path,
            "newsbrief: %s:15:5: channels.team: \"secret\" does not apply to type wecom" % path,
            "newsbrief: %s:17:9: summarizer: type llm needs api_base and model" % path,
            "newsbrief: %s:7:10: sources.blog: url \"ftp://example.com/feed.xml\" is not an "
            "http(s) URL" % path,
            "newsbrief: %s:3:13: newsbrief.timezone: " % path,
        ]
        lines = err.splitlines()
        expect(len(lines) == len(want), "want %d lines, got:\n%s" % (len(want), err))
        for line, prefix in zip(lines, want):
            expect(line.startswith(prefix), "got  %r\nwant %r..." % (line, prefix))
        # a value a channel's check refuses is pointed at, not the channel
        path = work.write("bad2.yaml", "newsbrief:\n  database: %s/nb.db\nchannels:\n"
                                       "  team:\n    type: wecom\n    url: only-the-key\n"
                                       % work.path)
        code, out, err = run(["run", "--config", path])
        expect(code == 2 and err.startswith("newsbrief: %s:6:10: channels.team: \"url\" must be"
                                            % path), err)


@pgtest.sqlite_only("the database file's directory and its permissions")
def test_check_config_output_and_database():
    with Workdir() as work:
        path = work.write("newsbrief.yaml", """\
newsbrief:
  database: db/nb.db
  window: 36h
  lock_timeout: 90s
sources:
  blog:
    type: feed
    url: https://example.com/feed.xml
channels:
  screen:
    type: stdout
""")
        code, out, err = run(["check-config", "--config", path])
        expect(code == 0, "exit %d: %s" % (code, err))
        for want in ("  window: 36h\n", "  lock_timeout: 90s\n",
                     '"screen":\n    type: "stdout"\n    only_new: true\n'):
            expect(want in out, "lacks %r:\n%s" % (want, out))
        # (a channel's max_attempts, not newsbrief.job_max_attempts, which is always shown)
        for unwanted in ("page_marker", "starttls", "photos", "\n    max_attempts", "temperature",
                         "86400s"):
            expect(unwanted not in out, "%r printed:\n%s" % (unwanted, out))
        # a database directory the user cannot write
        locked = os.path.join(work.path, "locked")
        os.mkdir(locked, 0o755)
        path = work.write("locked.yaml", "newsbrief:\n  database: %s/sub/nb.db\n"
                                         "sources:\n  blog:\n    type: feed\n"
                                         "    url: https://example.com/feed.xml\n" % locked)
        os.chmod(work.path, 0o755)
        os.chmod(path, 0o644)
        prefix = []
        if os.geteuid() == 0:  # root writes anywhere: check as another user
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        else:
            os.chmod(locked, 0o555)
        proc = subprocess.run(prefix + [BINARY, "check-config", "--config", path],
                              capture_output=True, text=True)
        expect(proc.returncode == 2, "exit %d: %s" % (proc.returncode, proc.stderr))
        expect("newsbrief.database" in proc.stderr and "permission denied" in proc.stderr,
               proc.stderr)
        expect("%s:2:13:" % path in proc.stderr, proc.stderr)


def test_now_without_offset_is_in_the_configured_zone():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        code, out, err = run(["run", "--config", path, "--now", "2025-04-07T10:45:00"])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect_equal(out, golden(), "briefing at 10:45 Asia/Shanghai")
        code, out, err = run(["run", "--config", path, "--now", ""])
        expect(code == 2 and "--now needs a time" in err, err)
        code, out, err = run(["run", "--config", path, "--now=", "-v"])
        expect(code == 2 and "--now needs a time" in err, err)
    code, out, err = run(["--help"])
    expect("without an offset" in out and "in UTC" in out, out)


def test_related_labels_use_the_source_name():
    with SiteServer() as server, Workdir() as work:
        def write(extra):
            return work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
sources:
  jia:
    type: feed
    url: %s/feeds/un-first.xml
  yi:
    type: feed
    url: %s/feeds/un-second.xml
%s""" % (pgtest.database_of(work), server.base, server.base, extra))
        now = "2025-04-07T15:00:00+08:00"
        path = write("")
        code, out, err = run(["run", "--config", path, "--now", now])
        expect(code == 0, "exit %d: %s" % (code, err))
        # no name: the feed's own <title>, not the configuration key
        expect("相关报道：[站点乙](https://b.example.cn/a/77)" in out, out)
        path = write("    name: 乙站快讯\n")
        code, out, err = run(["run", "--resend", "--config", path, "--now", now])
        expect("相关报道：[乙站快讯](https://b.example.cn/a/77)" in out, out)
        code, out, err = run(["check-config", "--config", path])
        expect('name: "乙站快讯"' in out, out)


def test_sources_table_and_json():
    with SiteServer() as server, Workdir() as work:
        path = work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
sources:
  a-source-with-a-rather-long-name:
    type: feed
    url: %s/status/404
  机器之心精选:
    type: feed
    url: %s/feeds/atom-utc.xml
  off:
    type: feed
    url: %s/feeds/rss-cst.xml
    enabled: false
""" % (pgtest.database_of(work), server.base, server.base, server.base))
        run(["run", "--config", path, "--now", NOW])
        code, out, err = run(["sources", "--config", path, "--now", NOW])
        expect(code == 0, err)
        lines = out.splitlines()

        def column(line, at):  # display column of a byte offset (CJK takes two)
            import unicodedata
            return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:at])
        starts = set()
        for line in lines:
            cells = [m for m in ("LAST SUCCESS", "never", "2025-04-07 10:45") if m in line]
            expect(cells, "no LAST SUCCESS cell in %r" % line)
            starts.add(column(line, line.index(cells[0])))
        expect(len(starts) == 1, "LAST SUCCESS not aligned:\n" + out)
        expect(all(len(l.split()) >= 6 for l in lines[1:]), "a missing value left a gap:\n" + out)
        health = sources_json(path)
        expect(health["a-source-with-a-rather-long-name"]["last_success_at"] is None, health)
        expect(health["off"]["last_attempt_at"] is None and health["off"]["next_fetch_at"] is None,
               health)
        expect(health["机器之心精选"]["last_success_at"] == 1743993900, health)


@pgtest.store_free
def test_small_things():
    with SiteServer() as server, Workdir() as work:
        target = os.path.join(work.path, "brief.md")
        path = config(work, server, channels="channels:\n  archive:\n    type: file\n"
                                              "    path: %s\n  screen:\n    type: stdout\n"
                                              % target)
        code, out, err = run(["test-channel", "--config", path, "archive"])
        expect(code == 0, "test-channel on a file: exit %d: %s" % (code, err))
        expect("test message" in read(target), read(target))
        expect(out == "channel archive: test line written to %s\n" % target, out)
        code, out, err = run(["test-channel", "--config", path, "screen"])
        expect(code == 0 and "test message" in out, out + err)
        empty = work.write("empty.html", "")
        code, out, err = run(["extract", empty])
        expect(code == 1 and "the page is empty" in err, "exit %d: %s" % (code, err))
    for command in ("run", "check-config", "sources", "push", "outbox", "test-channel",
                    "parse-feed", "extract", "demo"):
        code, out, err = run([command, "--help"])
        usage = [l for l in out.splitlines() if "usage:" in l.lower()]
        expect(len(usage) == 1 and out.startswith("usage: newsbrief %s " % command),
               "%s --help: %r" % (command, usage))


def test_unreachable_llm_is_one_warning():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server, channels="channels:\n  a:\n    type: stdout\n"
                                              "  b:\n    type: stdout\n",
                      general="")
        with open(path, "a", encoding="utf-8") as f:
            f.write("summarizer:\n  type: llm\n  api_base: http://127.0.0.1:9/v1\n"
                    "  model: m\n  max_retries: 0\n  confirm_stories: false\n")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        lines = [l for l in err.splitlines() if " llm " in l]
        expect(len(lines) == 1, "want one LLM warning, got:\n" + err)
        expect("failed=8 of=8 error=network" in lines[0], lines[0])
        expect(out.count("\n## ") == 8, "the briefings lost items:\n" + out)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
