# SPDX-License-Identifier: MIT
"""End to end: a retry wait longer than newsbrief.max_wait_in_run is not slept on by a run
(DingTalk's ten-minute floor after a "send too fast" answer): the run ends with exit 0 and
one warning, the messages keep their time in the outbox, and the next delivery pass after
that time sends them, in order. Runs on either store: `test_max_wait.py [sqlite|postgresql]`
(skipped with the reason without a test PostgreSQL)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402
from platforms import PlatformServer  # noqa: E402

NOW = "2025-04-07T20:46:00+08:00"
NOW_EPOCH = 1744029960
FAST = "    per_minute: 0\n    per_second: 0\n"


def write_config(work, site, platforms, extra=""):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n  window: 72h\n  max_items: 35\n"
        "  items_per_page: 5\n%s"
        "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n%s")
        % (pgtest.database_of(work), extra, site.base,
           platforms.channels_yaml(only=("wecom", "dingtalk"), wecom=FAST + "    retry_floor: 0s\n",
                                   dingtalk=FAST)))


def markers(texts):
    return [re.search(r"\((\d+)/(\d+)\)", t).group(1) for t in texts]


def test_long_floor_is_not_slept_in_run():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        platforms.script["dingtalk"] = ["ratelimit"]
        path = write_config(work, site, platforms)
        code, out, err = run(["run", "--config", path, "--now", NOW], timeout=60)
        expect(code == 0, "exit %d: %s" % (code, err))
        lines = err.splitlines()
        expect(len(lines) == 1, "want one warning line, got:\n" + err)
        waiting = re.search(r"waiting=(\d+) until=\"2025-04-07 20:56\"", lines[0])
        expect(waiting and " warn push " in lines[0], lines[0])
        expect(platforms.accepted("wecom"), "the other channel was held up")
        expect(platforms.accepted("dingtalk") == [], "sent after a rate-limit answer")
        code, out, err = run(["outbox", "--config", path, "--json"])
        rows = json.loads(out)
        expect(len(rows) == int(waiting.group(1)), "%d rows, warning says %s"
               % (len(rows), waiting.group(1)))
        expect(all(r["channel"] == "dingtalk" and r["status"] == "pending" for r in rows), rows)
        expect(rows[0]["next_attempt_at"] == NOW_EPOCH + 600, rows[0])

        # a run before that time sends nothing to DingTalk and still exits 0
        code, out, err = run(["run", "--config", path, "--now", "2025-04-07T20:50:00+08:00"])
        expect(code == 0 and len(platforms.requests("dingtalk")) == 1, err)
        expect("waiting=%s" % waiting.group(1) in err, err)

        # once the floor has passed, push sends every message, in order
        code, out, err = run(["push", "--config", path, "--now", "2025-04-07T20:56:30+08:00"])
        expect(code == 0, "push exit %d: %s" % (code, err))
        texts = [m["markdown"]["text"] for m in platforms.accepted("dingtalk")]
        expect(len(texts) == len(rows), "%d of %d sent" % (len(texts), len(rows)))
        expect(markers(texts) == [str(i) for i in range(1, len(rows) + 1)], markers(texts))
        code, out, err = run(["outbox", "--config", path])
        expect("the outbox is empty" in out, out)


def test_wait_within_max_wait_is_slept():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        platforms.script["dingtalk"] = ["ratelimit"]
        path = write_config(work, site, platforms, extra="  max_wait_in_run: 30s\n")
        text = open(path).read().replace("dingtalk-test-token\n    secret: SEC0123456789abcdef\n",
                                         "dingtalk-test-token\n    secret: SEC0123456789abcdef\n"
                                         "    retry_floor: 1s\n")
        work.write("newsbrief.yaml", text)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect("waiting=" not in err and "retry_in_ms" in err, err)
        expect(len(platforms.accepted("dingtalk")) == len(platforms.requests("dingtalk")) - 1,
               "the rate-limited message was not retried within the run")


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(dict(globals())))
