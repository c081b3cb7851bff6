# SPDX-License-Identifier: MIT
"""End to end: a story is delivered once per channel, across runs and restarts, whichever
site reports it later; --resend ignores the ledger; per-channel keyword rules. Runs on either
store: `test_stories.py [sqlite|postgresql]` (skipped with the reason without a test
PostgreSQL)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402

NOW = "2025-04-07T15:00:00+08:00"


def config(work, site, sources, channel_extra=""):
    text = "newsbrief:\n  database: \"%s\"\nsources:\n" % pgtest.database_of(work)
    for name, feed in sources:
        text += "  %s:\n    type: feed\n    url: %s/feeds/%s\n" % (name, site.base, feed)
    text += "channels:\n  out:\n    type: stdout\n%s" % channel_extra
    return work.write("newsbrief.yaml", text)


def entries(out):
    return [line for line in out.splitlines() if line.startswith("## ")]


def test_a_story_is_sent_once_whoever_reports_it_later():
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, [("jia", "un-first.xml")])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and len(entries(out)) == 1 and "40%工作岗位" in out, out + err)
        # the canonical link has no tracking parameter
        expect("(https://a.example.cn/news/1)" in out, out)
        # another site reports the same story, and one new story: only the new one is sent
        path = config(work, site, [("jia", "un-first.xml"), ("yi", "un-second.xml")])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect([e for e in entries(out)] and all("玄戒O1" in e for e in entries(out)) and
               len(entries(out)) == 1, "the UN story came back: " + out)
        # a restart with nothing new sends nothing
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and out == "", out)
        # --resend ignores the ledger: one entry per story, the later report as a link
        code, out, err = run(["run", "--resend", "--config", path, "--now", NOW])
        expect(len(entries(out)) == 2, out)
        expect("相关报道：[站点乙](https://b.example.cn/a/77)" in out, out)  # the feed's title


def test_keyword_rules_per_channel():
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, [("yi", "un-second.xml")],
                      channel_extra="    keywords: [\"芯片\", \"!联合国\"]\n")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and len(entries(out)) == 1 and "玄戒O1" in out, out + err)
        bad = config(work, site, [("yi", "un-second.xml")],
                     channel_extra="    keywords: [\"/(oops/\"]\n")
        code, out, err = run(["check-config", "--config", bad])
        expect(code == 2 and "channels.out" in err and "(oops" in err, err)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
