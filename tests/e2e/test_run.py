# SPDX-License-Identifier: MIT
"""End to end: `newsbrief run` against loopback feeds, compared byte for byte with the golden
briefing; bad sources; exit codes; the file channel. Runs on either store:
`test_run.py [sqlite|postgresql]` (skipped with the reason without a test PostgreSQL); the
cases that do not use the store run in the SQLite variant only."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (DATA, SiteServer, Workdir, closed_port, expect, expect_equal,  # noqa: E402
                      run, run_tests)

NOW = "2025-04-07T10:45:00+08:00"
GOLDEN = os.path.join(DATA, "e2e", "golden.md")


def config(work, server, extra_sources="", channels="", database=None):
    return work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
  timezone: Asia/Shanghai
  title: 新闻简报
  window: 24h
  items_per_page: 3
sources:
  lab:
    type: feed
    url: %s/feeds/atom-utc.xml
  cn-tech:
    type: feed
    url: %s/feeds/rss-cst.xml
%s%s""" % (database or pgtest.database_of(work), server.base, server.base,
           extra_sources, channels))


def golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return f.read()


def test_golden_briefing():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        code, out, err = run(["run", "--config", path], env={"NEWSBRIEF_NOW": NOW})
        expect(code == 0, "exit %d, stderr: %s" % (code, err))
        expect_equal(out, golden(), "briefing")
        expect(err == "", "unexpected stderr: %r" % err)


def test_now_option_wins_over_environment():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        code, out, err = run(["run", "--config", path, "--now", NOW],
                             env={"NEWSBRIEF_NOW": "2030-01-01T00:00:00Z"})
        expect_equal(out, golden(), "briefing with --now")


def test_second_run_with_nothing_new_is_quiet():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and out, err)
        first = len(server.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "second run exit %d: %s" % (code, err))
        expect(out == "" and err == "newsbrief: nothing new since 10:45: no briefing\n",
               "second run printed %r / %r" % (out, err))
        second = server.requests[first:]
        expect(len(second) == 2, "second run made %d requests" % len(second))
        for request_path, headers in second:
            expect(headers.get("If-None-Match", "").startswith('"'),
                   "no If-None-Match on %s" % request_path)
            expect(headers.get("If-Modified-Since") == "Mon, 07 Apr 2025 02:00:00 GMT",
                   "no If-Modified-Since on %s" % request_path)
        code, out, err = run(["run", "--config", path, "--now", NOW, "--quiet"])
        expect(code == 0 and out == "" and err == "", "-q printed %r / %r" % (out, err))


def test_bad_sources_do_not_stop_the_run():
    bad = """\
  dead:
    type: feed
    url: http://127.0.0.1:{dead}/feed.xml
  broken:
    type: feed
    url: {base}/status/500
  landing:
    type: feed
    url: {base}/html
  hollow:
    type: feed
    url: {base}/empty
"""
    with SiteServer() as server, Workdir() as work, closed_port() as dead:
        path = config(work, server, extra_sources=bad.format(base=server.base, dead=dead))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d although two sources worked" % code)
        expect_equal(out, golden(), "briefing despite bad sources")
        lines = err.splitlines()
        expect(not [l for l in lines if "name=lab " in l or "name=cn-tech " in l],
               "a good source was reported:\n" + err)
        expect(lines[-1] == "newsbrief: 4 of 6 sources failed; see newsbrief sources", err)
        causes = {"dead": "127.0.0.1:%d" % dead, "broken": "HTTP 500", "landing": "not a feed",
                  "hollow": "no entries"}
        for name, cause in causes.items():
            line = [l for l in lines if "name=%s " % name in l]
            expect(len(line) == 1, "no line for %s in:\n%s" % (name, err))
            expect(cause in line[0], "line for %s lacks %r: %s" % (name, cause, line[0]))


def test_no_source_succeeds():
    with SiteServer() as server, Workdir() as work:
        path = work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
sources:
  broken:
    type: feed
    url: %s/status/503
""" % (pgtest.database_of(work), server.base))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1, "exit %d, want 1" % code)
        expect(out == "", "printed a briefing: %r" % out)
        expect("name=broken" in err and "HTTP 503" in err, err)
        expect("no source succeeded" in err, err)


def test_file_channel():
    with SiteServer() as server, Workdir() as work:
        target = os.path.join(work.path, "out", "briefing.md")
        os.mkdir(os.path.dirname(target))
        path = config(work, server, channels="channels:\n  archive:\n    type: file\n"
                                               "    path: %s\n" % target)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect(out == "", "stdout should be empty when a channel is configured")
        with open(target, encoding="utf-8") as f:
            expect_equal(f.read(), golden(), "file channel")
        expect(os.listdir(os.path.dirname(target)) == ["briefing.md"], "temporary file left")


def test_configuration_errors():
    with SiteServer() as server, Workdir() as work:
        code, out, err = run(["run", "--config", os.path.join(work.path, "missing.yaml")])
        expect(code == 2 and "missing.yaml: cannot open" in err, err)
        code, out, err = run(["run"], cwd=work.path, env={"HOME": work.path})
        expect(code == 2 and "no configuration file" in err, err)
        path = work.write("bad.yaml", "newsbrief:\n  title: x\n  colour: blue\n")
        code, out, err = run(["run", "--config", path])
        expect(code == 2 and "bad.yaml:3:3: newsbrief: unknown key \"colour\"" in err, err)
        # a database that cannot be opened: a file under a file, or a PostgreSQL database
        # that does not exist
        if pgtest.is_postgresql():
            database, name = pgtest.server() + " dbname=nb_no_such_database", "nb_no_such"
        else:
            blocker = work.write("blocker", "a file where a directory should be")
            database, name = os.path.join(blocker, "nb.db"), "blocker"
        path = config(work, server, database=database)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 2, "unwritable database: exit %d" % code)
        expect(name in err and len(err.splitlines()) == 1, err)
        expect(len(server.requests) == 0, "fetched before checking the database")
        code, out, err = run(["run", "--config", path, "--now", "someday"])
        expect(code == 2 and "--now" in err, err)
        code, out, err = run(["run", "--bogus"])
        expect(code == 2 and "--bogus" in err, err)
        code, out, err = run(["frobnicate"])
        expect(code == 2 and "unknown command" in err, err)


def test_check_config():
    with SiteServer() as server, Workdir() as work:
        path = config(work, server)
        code, out, err = run(["check-config", "--config", path])
        expect(code == 0, err)
        for want in ("title: \"新闻简报\"", "window: 24h", "items_per_page: 3",
                     "max_items: 30", '"lab":\n    type: "feed"', "type: \"extractive\""):
            expect(want in out, "check-config output lacks %r:\n%s" % (want, out))


@pgtest.store_free
def test_help_and_version():
    code, out, err = run(["--help"])
    expect(code == 0, err)
    for command in ("run", "check-config", "sources", "push", "outbox", "test-channel",
                    "parse-feed", "demo"):
        expect(command in out, "--help does not list %s" % command)
        code, sub, err = run([command, "--help"])
        expect(code == 0 and sub.startswith("usage: newsbrief %s" % command), sub + err)
        expect("--help" in sub, "%s --help lists no options" % command)
    code, out, err = run(["--version"])
    expect(code == 0 and out.startswith("newsbrief "), out)
    code, out, err = run([])
    expect(code == 2 and "usage:" in err, err)


@pgtest.store_free
def test_parse_feed_prints_the_json_contract():
    code, out, err = run(["parse-feed", "--json", "--url", "https://news.example.cn/rss",
                          os.path.join(DATA, "feeds", "rss-cst.xml")])
    expect(code == 0, err)
    result = json.loads(out)
    expect(result["bozo"] is False and result["version"] == "rss20", result)
    expect(result["href"] == "https://news.example.cn/rss" and result["encoding"] == "utf-8",
           result)
    expect(result["feed"]["title"] == "中文科技资讯", result["feed"])
    first = result["entries"][0]
    expect(first["id"] == "cn-1001" and first["published_parsed"] == [2025, 4, 7, 2, 5, 0, 0, 97, 0],
           first)
    code, out, err = run(["parse-feed", "--json", os.path.join(DATA, "e2e", "golden.md")])
    expect(code == 0 and json.loads(out)["bozo"] is True, out)


def test_feed_charset_from_http_header():
    """A GBK feed that does not declare its encoding is read through the HTTP charset."""
    with SiteServer() as server, Workdir() as work:
        server.override("/feeds/gbk.xml", os.path.join(DATA, "feeds", "gbk-undeclared.xml"),
                        kind="application/rss+xml; charset=GBK")
        path = work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
  timezone: Asia/Shanghai
sources:
  cn-gbk:
    type: feed
    url: %s/feeds/gbk.xml
""" % (pgtest.database_of(work), server.base))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect("[大模型发布](https://news.example.cn/1)" in out, out)
    headers = os.path.join(DATA, "feeds", "gbk-headers.json")
    code, out, err = run(["parse-feed", "--json", "--headers", headers,
                          os.path.join(DATA, "feeds", "gbk-undeclared.xml")])
    result = json.loads(out)
    expect(result["encoding"] == "GBK" and result["feed"]["title"] == "人工智能新闻", result)
    expect(result["headers"] == {"content-type": "application/rss+xml; charset=GBK"}, result)


@pgtest.store_free
def test_demo_is_repeatable():
    code1, out1, err1 = run(["demo"])
    code2, out2, err2 = run(["demo"])
    expect(code1 == 0 and code2 == 0, err1 + err2)
    expect(out1 == out2, "two demo runs differ")
    expect(out1.startswith("# 新闻简报 (更新时间: 2025-04-07 20:46)\n\n## 1. [商汤科技"), out1[:200])
    expect(out1.count("\n## ") == 30, "demo shows %d items" % out1.count("\n## "))
    expect(out1.count("# 新闻简报 (更新时间: 2025-04-07 20:46)\n") == 3, "want 3 pages of 10")
    expect("](https://news.aibase.com/zh/news/16886)   2025-04-07 14:02\n" in out1, "aibase item")
    expect("\n相关报道：[AIbase](https://news.aibase.com/zh/news/16890)\n" in out1,
           "the UN story's other report")
    expect("](https://www.jiqizhixin.com/articles/2025-04-07-7)   2025-04-07 13:22\n" in out1,
           "机器之心 item")
    expect("![](https://image.jiqizhixin.com/uploads/editor/51727d01-cabe-45ea-b8c0-3041d2f58f24"
           "/640.png)" in out1, "机器之心 image")


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
