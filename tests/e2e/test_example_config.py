# SPDX-License-Identifier: MIT
"""End to end: the shipped examples/newsbrief.yaml, copied as the README says and run as it
is, with only its sites pointed at a loopback server (base_url) and their delays removed, and
HOME in a temporary directory (the database lives under it)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                       "newsbrief.yaml")
NOW = "2025-04-07T20:46:00+08:00"
SITES = ("aibase", "jiqizhixin", "qbitai")


def example_text():
    with open(EXAMPLE, encoding="utf-8") as f:
        return f.read()


def offline(text, base):
    """The example with each site source redirected to base; nothing else changes."""
    for site in SITES:
        line = "    type: %s\n" % site
        expect(text.count(line) == 1, "the example has no source of type %s" % site)
        text = text.replace(line, line + "    base_url: %s\n    delay_ms: 0\n" % base)
    return text


def test_example_checks_as_shipped():
    with Workdir() as work:
        work.write("newsbrief.yaml", example_text())
        code, out, err = run(["check-config"], cwd=work.path, env={"HOME": work.path})
        expect(code == 0, "check-config of the example: exit %d: %s" % (code, err))
        expect("enabled: false" in out, "the example's disabled source is gone:\n" + out)


def test_example_runs_as_shipped():
    with SiteServer() as server, Workdir() as work:
        work.write("newsbrief.yaml", offline(example_text(), server.base))
        code, out, err = run(["run", "--now", NOW], cwd=work.path, env={"HOME": work.path})
        expect(code == 0, "run of the example: exit %d: %s" % (code, err))
        briefing = os.path.join(work.path, "briefing.md")
        expect(os.path.isfile(briefing), "the example's file channel wrote nothing")
        with open(briefing, encoding="utf-8") as f:
            text = f.read()
        expect(text.startswith("# 新闻简报 (更新时间: 2025-04-07 20:46)\n"), text[:200])
        items = re.findall(r"^## \d+\. \[.*\]\((\S+)\)", text, re.M)
        expect(len(items) == 30, "want max_items (30) items, got %d" % len(items))
        for host in ("news.aibase.com", "www.jiqizhixin.com"):
            expect(any(host in u for u in items), "no item from %s" % host)
        database = os.path.join(work.path, ".local", "share", "newsbrief", "newsbrief.db")
        expect(os.path.isfile(database), "the database is not where the example says")
        expect(not any("example.com" in p for p, _ in server.requests), "fetched a disabled source")
        # the second run gives the stories past max_items, the third finds nothing new
        code, out, err = run(["run", "--now", NOW], cwd=work.path, env={"HOME": work.path})
        expect(code == 0, "second run: exit %d: %s" % (code, err))
        with open(briefing, encoding="utf-8") as f:
            second = f.read()
        rest = re.findall(r"^## \d+\. \[.*\]\((\S+)\)", second, re.M)
        expect(rest and not set(rest) & set(items), "second briefing: %r" % rest)
        code, out, err = run(["run", "--now", NOW], cwd=work.path, env={"HOME": work.path})
        expect(code == 0, "third run: exit %d: %s" % (code, err))
        with open(briefing, encoding="utf-8") as f:
            expect(f.read() == second, "a run with nothing new rewrote the briefing")

if __name__ == "__main__":
    sys.exit(run_tests(globals()))
