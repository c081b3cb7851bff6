# SPDX-License-Identifier: MIT
"""bench/workers: several `newsbrief daemon`s sharing the work on one PostgreSQL database.
One fire of a feed of ITEMS new items, each summarized through a loopback LLM that answers in
LLM_SECONDS (summarizer concurrency 4 per worker), composed for CHANNELS webhook channels on a
loopback platform; with 1, 2 and 3 daemons (DAEMONS) on a fresh database each time. Measured:
the wall time from the fire's claim to the last message accepted, against the ideal (one
daemon's time / N), jobs per second (summaries and messages), and the database's CPU share
(the postmaster and its backends, live and exited, from /proc, over the wall time). Then the
claim overhead per job through the store API (bench_jobs: JOBS jobs claimed and done one after
the other). Run by bench/workers.sh with the binary, bench_jobs and the connection string."""
import collections
import http.server
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from loopback import LLMServer, LoopbackServer  # noqa: E402

BINARY, BENCH_JOBS, SERVER = sys.argv[1], sys.argv[2], sys.argv[3]
ITEMS = int(os.environ.get("ITEMS", "200"))
CHANNELS = int(os.environ.get("CHANNELS", "20"))
LLM_SECONDS = float(os.environ.get("LLM_SECONDS", "1"))
DAEMONS = [int(n) for n in os.environ.get("DAEMONS", "1 2 3").split()]
JOBS = int(os.environ.get("JOBS", "2000"))
LOGS = os.environ.get("LOGS")  # a directory that keeps the daemons' logs
PER_PAGE = 10
TICK = os.sysconf("SC_CLK_TCK")
# The daemons' clocks start two seconds before an hour (--now), so that the "@every 3600s"
# schedule fires at once and once only.
FIRE = 1893459600  # 2030-01-01T01:00:00Z
START = "2030-01-01T00:59:58Z"


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        items = "".join(
            "<item><title>Bench story %d</title><link>http://example.com/bench/%d</link>"
            "<guid>bench-%d</guid><pubDate>%s</pubDate><description>Story %d: what happened, "
            "who took part, the figures that matter and what comes next, in a few plain "
            "sentences for the summary.</description></item>"
            % (i, i, i, formatdate(FIRE - 3600 + i, usegmt=True), i) for i in range(ITEMS))
        body = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                "<title>Bench</title><link>http://example.com/</link>%s</channel></rss>"
                % items).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _HookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.received[self.path] += 1
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def psql(conninfo, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d",
                          conninfo, "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def fresh(name):
    psql(SERVER, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    psql(SERVER, 'CREATE DATABASE "%s"' % name)
    return SERVER + " dbname=" + name


def postmaster_pid():
    data = psql(SERVER, "SHOW data_directory")[0][0]
    with open(os.path.join(data, "postmaster.pid")) as f:
        return int(f.readline())


def stat_ticks(pid, children_too):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_too:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: exited backends
    return ticks


def database_cpu_seconds(postmaster):
    """The server's CPU so far: the postmaster with what its exited backends used, and its
    live processes."""
    total = stat_ticks(postmaster, True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == postmaster:
                total += stat_ticks(int(entry), False)
    return total / TICK


def config_text(db, feed, llm, hook):
    channels = "".join("  c%02d:\n    type: webhook\n    url: http://127.0.0.1:%d/c%02d\n"
                       % (i, hook.port, i) for i in range(CHANNELS))
    return """newsbrief:
  database: "%s"
  timezone: UTC
  window: 72h
  workers: true
  job_lease: 30s
  lock_timeout: 300s
  max_items: %d
  items_per_page: %d
  allow_private_networks: true
sources:
  bench:
    type: feed
    url: http://127.0.0.1:%d/feed.xml
summarizer:
  type: llm
  api_base: %s
  api_key: test-key
  model: test-model
  concurrency: 4
  timeout: 60s
  max_retries: 0
  confirm_stories: false
  min_chars: 20
channels:
%sschedules:
  bench:
    cron: "@every 3600s"
    catch_up: 0s
""" % (db, ITEMS, PER_PAGE, feed.port, llm.api_base, channels)


def one_round(n, work, feed, llm, hook, postmaster):
    db = fresh("nb_bench_workers_%d" % n)
    path = os.path.join(work, "newsbrief-%d.yaml" % n)
    with open(path, "w") as f:
        f.write(config_text(db, feed, llm, hook))
    with hook.lock:
        hook.received.clear()
    messages = CHANNELS * ((ITEMS + PER_PAGE - 1) // PER_PAGE)
    logs = [open(os.path.join(LOGS or work, "daemon-%d-%d.log" % (n, i)), "wb") for i in range(n)]
    daemons = [subprocess.Popen([BINARY, "daemon", "-v", "--config", path, "--now", START],
                                stdout=subprocess.DEVNULL, stderr=logs[i]) for i in range(n)]
    try:
        deadline = time.time() + 600
        fired = None
        while fired is None and time.time() < deadline:
            try:  # the table exists once the first daemon migrated the database
                rows = psql(db, "SELECT extract(epoch FROM claimed_at) FROM schedule_fires")
            except subprocess.CalledProcessError:
                rows = []
            fired = float(rows[0][0]) if rows else None
            time.sleep(0.05)
        cpu0 = database_cpu_seconds(postmaster)
        done = queued = summarized = first = None
        while time.time() < deadline:
            with hook.lock:
                got = sum(hook.received.values())
            now = time.time()
            if got and first is None:
                first = now
            if got >= messages:
                done = now
                break
            if summarized is None:
                jobs = psql(db, "SELECT count(*), count(*) FILTER (WHERE state IN ('done', 'dead'))"
                                " FROM jobs WHERE kind = 'summary'")[0]
                if queued is None and int(jobs[0]) > 0:
                    queued = now
                if int(jobs[0]) >= ITEMS and int(jobs[1]) >= ITEMS:
                    summarized = now
            time.sleep(0.05)
        if fired is None or done is None:
            raise SystemExit("bench/workers: %d daemon(s) did not finish (logs in %s)" % (n, work))
        cpu = database_cpu_seconds(postmaster) - cpu0
        llm_paths = psql(db, "SELECT count(*) FROM jobs WHERE kind = 'summary' AND state = 'done'")
        summaries = int(llm_paths[0][0])
        per_daemon = psql(db, "SELECT count(*) FROM deliveries WHERE status = 'sent'")
        sent = int(per_daemon[0][0])
    finally:
        for d in daemons:
            d.send_signal(signal.SIGTERM)
        for d in daemons:
            try:
                d.wait(timeout=60)
            except subprocess.TimeoutExpired:
                d.kill()
        for log in logs:
            log.close()
    wall = done - fired
    queued, summarized, first = queued or fired, summarized or first or done, first or done
    return {"n": n, "wall": wall, "summaries": summaries, "messages": sent,
            "jobs_per_s": (summaries + sent) / wall, "db_cpu": cpu / wall,
            "phases": (queued - fired, summarized - queued, first - summarized, done - first)}


def claim_overhead():
    db = fresh("nb_bench_jobs")
    out = subprocess.run([BENCH_JOBS, db, str(JOBS)], check=True, capture_output=True,
                         text=True).stdout.split()
    jobs, add_ms, claim_ms, done_ms = int(out[0]), float(out[1]), float(out[2]), float(out[3])
    return jobs, add_ms / jobs, claim_ms / jobs, done_ms / jobs


def main():
    postmaster = postmaster_pid()
    feed = LoopbackServer(_FeedHandler)
    hook = LoopbackServer(_HookHandler)
    hook.lock, hook.received = threading.Lock(), collections.Counter()
    feed.start()
    hook.start()
    rows = []
    with LLMServer(latency=LLM_SECONDS) as llm, tempfile.TemporaryDirectory() as work:
        for n in DAEMONS:
            rows.append(one_round(n, work, feed, llm, hook, postmaster))
            print("  %d daemon(s): %.1f s" % (n, rows[-1]["wall"]), file=sys.stderr, flush=True)
    feed.shutdown()
    hook.shutdown()
    base = next((r["wall"] for r in rows if r["n"] == 1), None)
    print("bench/workers: %d items, LLM %.1f s per answer, concurrency 4 per worker, %d channels,"
          " one PostgreSQL 15" % (ITEMS, LLM_SECONDS, CHANNELS))
    print("%-8s %7s %8s %6s %10s %9s %7s %7s   %s" % (
        "daemons", "wall s", "ideal s", "ratio", "summaries", "messages", "jobs/s", "db cpu",
        "collect / summaries / compose / send s"))
    for r in rows:
        ideal = base / r["n"] if base else float("nan")
        print("%-8d %7.1f %8.1f %6.2f %10d %9d %7.1f %6.1f%%   %.1f / %.1f / %.1f / %.1f" % (
            (r["n"], r["wall"], ideal, r["wall"] / ideal, r["summaries"], r["messages"],
             r["jobs_per_s"], 100 * r["db_cpu"]) + r["phases"]))
    jobs, add, claim, done = claim_overhead()
    print("claim overhead: %d jobs through the store API: add %.2f ms, claim %.2f ms, done %.2f"
          " ms per job; claim+done %.2f ms (goal < 2 ms)" % (jobs, add, claim, done, claim + done))
    three = next((r for r in rows if r["n"] == 3), None)
    if three and base:
        print("goal: 3 daemons within 1.2x of a third of one daemon's time: %.2fx (%s)" % (
            three["wall"] / (base / 3), "met" if three["wall"] <= 1.2 * base / 3 else "missed"))


if __name__ == "__main__":
    main()
