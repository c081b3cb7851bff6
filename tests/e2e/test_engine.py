# SPDX-License-Identifier: MIT
"""End to end: politeness across many sources, the run lock, source backoff and health."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from loopback import (BINARY, SiteServer, Workdir, expect, run, run_tests,  # noqa: E402
                      scaled)

NOW = "2025-04-07T10:45:00+08:00"


def sources_yaml(entries):
    return "".join("  %s:\n    type: feed\n    url: %s\n" % (name, url) for name, url in entries)


def write_config(work, entries, extra=""):
    return work.write("newsbrief.yaml", "newsbrief:\n  database: %s/nb.db\n%ssources:\n%s"
                      % (work.path, extra, sources_yaml(entries)))


def test_fifty_sources_on_one_host_stay_within_two_connections():
    with SiteServer() as busy, SiteServer() as other, Workdir() as work:
        entries = [("busy-%02d" % i, "%s/slow/100/atom-utc.xml?n=%d" % (busy.base, i))
                   for i in range(50)]
        entries += [("other-%d" % i, "%s/slow/300/rss-cst.xml?n=%d" % (other.base, i))
                    for i in range(6)]
        path = write_config(work, entries)
        started = time.monotonic()
        code, out, err = run(["run", "--config", path, "--now", NOW])
        elapsed = time.monotonic() - started
        expect(code == 0, err)
        expect(len(busy.requests) == 50 and len(other.requests) == 6, "requests missing")
        expect(busy.peak <= 2, "busy host saw %d requests at once" % busy.peak)
        expect(other.peak == 2, "second host served %d at once, want 2 in parallel" % other.peak)
        # 50 requests of 0.1 s, two at a time: at least 2.5 s; the other host rides along.
        expect(elapsed >= 2.4, "finished in %.2f s: the host cap was not applied" % elapsed)


def test_overlapping_runs_send_once():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, [("held", server.base + "/gate/atom-utc.xml")],
                            "  window: 48h\n")
        env = dict(os.environ, NEWSBRIEF_NOW=NOW)
        first = subprocess.Popen([BINARY, "run", "--config", path], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        second = None
        try:
            # the first run holds the lock once its feed request has arrived (held open)
            server.wait_for_requests(1, "/gate/")
            second = subprocess.Popen([BINARY, "run", "--config", path], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # the second run waits for the lock: it has not fetched anything
            time.sleep(0.3)
            expect(len(server.requests) == 1, "the second run fetched while the first ran")
            server.open_gate()
            out1, err1 = first.communicate(timeout=scaled(60))
            out2, err2 = second.communicate(timeout=scaled(60))
        finally:
            server.open_gate()
            for proc in (first, second):
                if proc and proc.poll() is None:
                    proc.kill()
                    proc.wait()
        expect(first.returncode == 0 and second.returncode == 0, err1 + err2)
        expect(out1.count(b"\n## ") == 2, "first run: %r" % out1)
        expect(out2 == b"", "second run sent the items again: %r" % out2)


def test_lock_timeout_gives_up_with_a_clear_message():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, [("held", server.base + "/gate/atom-utc.xml")],
                            "  lock_timeout: 1s\n")
        env = dict(os.environ, NEWSBRIEF_NOW=NOW)
        holder = subprocess.Popen([BINARY, "run", "--config", path], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # the holder keeps the lock until the test opens the gate
            server.wait_for_requests(1, "/gate/")
            code, out, err = run(["run", "--config", path, "--now", NOW])
        finally:
            server.open_gate()
            try:
                holder.communicate(timeout=scaled(60))
            finally:
                if holder.poll() is None:
                    holder.kill()
                    holder.wait()
        expect(code == 1, "exit %d while another run held the lock" % code)
        expect("another newsbrief run holds" in err and "nb.db.lock" in err, err)
        expect(holder.returncode == 0, "the holder failed")


def test_failing_source_backs_off_and_reports_health():
    with SiteServer() as server, Workdir() as work:
        entries = [("good", server.base + "/feeds/atom-utc.xml"),
                   ("broken", server.base + "/status/500")]
        path = write_config(work, entries, "  failures_before_backoff: 2\n")
        for attempt in range(2):
            code, out, err = run(["run", "--config", path, "--now", NOW])
            expect(code == 0, err)
        expect("name=broken failures=2 backoff_until=2025-04-07T03:15:00Z" in err, err)
        broken_calls = [p for p, _ in server.requests if p.startswith("/status/500")]
        # a 5xx is retried once within a run
        expect(len(broken_calls) == 4, "want 2 runs x 2 attempts, got %d" % len(broken_calls))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect("name=broken skipped=backoff" in err, err)
        calls_after = [p for p, _ in server.requests if p.startswith("/status/500")]
        expect(len(calls_after) == 4, "a backing-off source was fetched")
        code, out, err = run(["sources", "--config", path, "--json", "--now", NOW])
        expect(code == 0, err)
        health = {s["name"]: s for s in json.loads(out)}
        expect(health["broken"]["consecutive_failures"] == 2, out)
        expect(health["broken"]["next_fetch_at"] == 1743995700, out)
        expect("HTTP 500" in health["broken"]["last_error"], out)
        expect(health["good"]["consecutive_failures"] == 0, out)
        expect(health["good"]["last_success_at"] == 1743993900, out)
        code, out, err = run(["sources", "--config", path, "--now", NOW])
        expect(code == 0 and "broken" in out and "2025-04-07 11:15" in out, out)
        # Thirty minutes later the source is tried again.
        code, out, err = run(["run", "--config", path, "--now", "2025-04-07T11:16:00+08:00"])
        calls_later = [p for p, _ in server.requests if p.startswith("/status/500")]
        expect(len(calls_later) == 6, "not retried after the backoff")
        expect("failures=3 backoff_until=2025-04-07T04:16:00Z" in err, err)  # doubled


def test_retry_after_defers_the_next_run():
    with SiteServer() as server, Workdir() as work:
        entries = [("good", server.base + "/feeds/atom-utc.xml"),
                   ("busy", server.base + "/retry/600")]
        path = write_config(work, entries)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect("name=busy type=feed error=blocked" in err and "retry after 600 s" in err, err)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect("name=busy skipped=backoff until=2025-04-07T02:55:00Z" in err, err)
        expect(len([p for p, _ in server.requests if p.startswith("/retry")]) == 1,
               "429 was retried within the run or the next run came too early")


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
