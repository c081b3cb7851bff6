# SPDX-License-Identifier: MIT
"""End to end: three `newsbrief daemon`s with the same configuration on one PostgreSQL
database share the work — each fire of an "@every" schedule is claimed by one of them, LLM
summaries are jobs any daemon's worker takes, outbox messages are claimed under leases.
A loop of SIGKILLs (at least 20, each aimed at a daemon in the middle of summarizing or
sending, replaced by a fresh one) must lose nothing: every item reaches every channel once,
every message is accepted, and a message reaches a platform twice only when it was in flight
at a kill (flagged as a possible duplicate in the outbox). Skipped, with the reason, when
there is no test PostgreSQL."""
import collections
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from email.utils import formatdate

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (BINARY, LLMServer, LoopbackServer, Skip, Workdir, expect,  # noqa: E402
                      run_tests, scaled, time_scale)

FEED_MIN = 36  # items the feed has at least when the kill loop ends
FEED_MAX = 150  # ... and at most: it grows while the loop runs, then stays as it is
ITEM_EVERY = 1.5  # seconds between two new items, before scaling
BUSY_KILLS = 20  # SIGKILLs of a daemon in the middle of summarizing or sending
MAX_ATTEMPTS = 8  # job_max_attempts
KILLS_PER_JOB = MAX_ATTEMPTS // 2  # the kill loop interrupts a summary job at most this often


def _words(item, first, last):
    """Words of letters drawn from a hash: no two items share words or much else, so each
    item is its own story, never clustered with another into one entry with related links."""
    return " ".join("".join(chr(ord("a") + b % 26) for b in
                            hashlib.sha256(b"%d-%d" % (item, k)).digest()[:7])
                    for k in range(first, last))


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    """An RSS feed that gains an item every ITEM_EVERY seconds up to FEED_MAX, until the
    test freezes it (final)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        count = server.count()
        items = []
        for i in range(count):
            items.append(
                "<item><title>%s</title><link>http://example.com/story/%d</link>"
                "<guid>story-%d</guid><pubDate>%s</pubDate><description>%s.</description></item>"
                % (_words(i, 0, 4).capitalize(), i, i, formatdate(server.epoch + i, usegmt=True),
                   _words(i, 4, 16).capitalize()))
        body = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                "<title>Workers</title><link>http://example.com/</link>%s</channel></rss>"
                % "".join(items)).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _HookHandler(http.server.BaseHTTPRequestHandler):
    """A webhook that takes latency seconds per request and records each delivery id and the
    items each message carried."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        time.sleep(server.latency)
        delivery = int(self.headers.get("X-Newsbrief-Delivery", "0"))
        with server.lock:
            server.received[self.path].append(delivery)
            for item in body.get("items", []):
                server.items[self.path].append((item["url"], delivery))
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Daemon:
    def __init__(self, config, log_path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([BINARY, "daemon", "-v", "--config", config],
                                     stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)

    def text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def busy(self):
        """Whether it holds a claim not yet finished, summarizing or sending, that a kill may
        interrupt: a summary job is spared once it was interrupted KILLS_PER_JOB times (a job
        that kills every worker taking it goes dead after job_max_attempts, by design; the
        test chases work in progress, not one job)."""
        open_claims = {}
        for line in self.text().splitlines():
            job = re.search(r"job=(\d+) kind=summary attempt=(\d+)(?:/\d+)? (\w+)", line)
            if job:
                if job.group(3) == "claimed":
                    open_claims["job", job.group(1)] = int(job.group(2))
                else:  # done, lease lost, failed
                    open_claims.pop(("job", job.group(1)), None)
                continue
            message = re.search(r"message=(\d+) (?:seq=\d+ )?(\w+)", line)
            if message:
                if message.group(2) == "claimed":
                    open_claims["message", message.group(1)] = 1
                elif message.group(2) != "resending":  # sent, lease lost, error=...
                    open_claims.pop(("message", message.group(1)), None)
        return any(attempt <= KILLS_PER_JOB for attempt in open_claims.values())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self):
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(timeout=scaled(30))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("a daemon did not stop on SIGTERM:\n" + self.text()[-3000:])
        self.log.close()


def _rows(db, sql):
    return pgtest.psql(db, sql)


def _wait(what, predicate, seconds):
    deadline = time.monotonic() + scaled(seconds)
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def test_three_daemons_kill_loop():
    if pgtest.server() is None:
        raise Skip(pgtest.why())
    db = pgtest.fresh_database("nb_e2e_workers")
    feed = LoopbackServer(_FeedHandler)
    feed.started, feed.epoch, feed.final = time.monotonic(), int(time.time()) - 3600, None
    feed.count = lambda: feed.final or min(
        FEED_MAX, 4 + int((time.monotonic() - feed.started) / scaled(ITEM_EVERY)))
    hook = LoopbackServer(_HookHandler)
    hook.latency, hook.lock = scaled(0.3), threading.Lock()
    hook.received = collections.defaultdict(list)
    hook.items = collections.defaultdict(list)
    feed.start()
    hook.start()
    daemons = []
    try:
        with LLMServer(latency=scaled(0.6)) as llm, Workdir() as wd:
            lease = 2 * time_scale()
            config = wd.write("newsbrief.yaml", """
newsbrief:
  database: "%s"
  timezone: UTC
  language: en
  workers: true
  job_lease: %ds
  job_max_attempts: %d
  lock_timeout: 120s
  shutdown_timeout: 10s
  items_per_page: 2
  allow_private_networks: true
sources:
  loop:
    type: feed
    url: http://127.0.0.1:%d/feed.xml
summarizer:
  type: llm
  api_base: %s
  api_key: test-key
  model: test-model
  concurrency: 2
  timeout: %ds
  max_retries: 0
  confirm_stories: false
  min_chars: 20
channels:
  alpha:
    type: webhook
    url: http://127.0.0.1:%d/alpha
  beta:
    type: webhook
    url: http://127.0.0.1:%d/beta
schedules:
  brief:
    cron: "@every %ds"
    catch_up: 0s
""" % (db, lease, MAX_ATTEMPTS, feed.port, llm.api_base, 10 * time_scale(), hook.port,
                hook.port, 10 * time_scale()))
            logs = os.path.join(os.environ.get("NB_ARTIFACTS", wd.path), "workers-logs")
            shutil.rmtree(logs, ignore_errors=True)  # a run's logs only: no earlier run's lines
            os.makedirs(logs)
            serial = [0]

            def start():
                serial[0] += 1
                return Daemon(config, os.path.join(logs, "daemon-%d.log" % serial[0]))

            daemons = [start() for _ in range(3)]
            # the kill loop: a daemon in the middle of summarizing or sending (the feed keeps
            # bringing work), now and then an idle one (a fire it claimed is lost with it)
            kills, busy_kills, idle_rounds = 0, 0, 0
            victim = 0
            started = time.monotonic()
            while (busy_kills < BUSY_KILLS or
                   time.monotonic() - started < scaled(FEED_MIN * ITEM_EVERY)):
                expect(time.monotonic() - started < scaled(240) and feed.count() < FEED_MAX,
                       "only %d of %d kills in the middle of work" % (busy_kills, kills))
                time.sleep(scaled(0.5))
                chosen = None
                deadline = time.monotonic() + scaled(1)
                while chosen is None and time.monotonic() < deadline:
                    chosen = next((i for i in range(3) if daemons[(victim + i) % 3].busy()),
                                  None)
                    if chosen is None:
                        time.sleep(0.05)
                if chosen is None:
                    idle_rounds += 1
                    if idle_rounds % 3:
                        continue
                index = (victim + (chosen or 0)) % 3
                busy_kills += chosen is not None
                daemons[index].kill()
                kills += 1
                daemons[index] = start()
                victim = index + 1
            feed.final = feed.count()  # no more new items: what is there must all arrive
            final = feed.final
            # then no more kills: everything settles. One statement, so one snapshot: checked
            # one after the other, "nothing unsent" could be read before a late briefing
            # commits its messages and "every item given" after it.
            settled_sql = (
                "SELECT (SELECT count(*) FROM deliveries WHERE status <> 'sent'),"
                " (SELECT count(*) FROM jobs WHERE state IN ('ready', 'running')),"
                " (SELECT count(*) FROM briefing_items WHERE channel = 'alpha'),"
                " (SELECT count(*) FROM briefing_items WHERE channel = 'beta')")
            want = [["0", "0", str(final), str(final)]]
            _wait("every item given to both channels and every message sent",
                  lambda: _rows(db, settled_sql) == want, 120)
            # status lists each live daemon by its worker id (one heartbeat row each)
            out = subprocess.run([BINARY, "status", "--json", "--config", config],
                                 capture_output=True, text=True, timeout=scaled(30)).stdout
            listed = {d["pid"]: d["worker"] for d in json.loads(out)["daemons"]}
            for d in daemons:
                expect(d.proc.pid in listed and listed[d.proc.pid].endswith(":%d" % d.proc.pid),
                       "status does not list daemon %d: %s" % (d.proc.pid, listed))
            # the daemons stop (SIGTERM) before the database and the platform are compared:
            # nothing is composed or sent after the comparison's snapshot
            for d in daemons:
                d.terminate()
            for d in daemons:
                d.stop()
            expect(_rows(db, settled_sql) == want,
                   "still settled once the daemons stopped: %s" % _rows(db, settled_sql))
            # every message was accepted; one reached the platform twice only when flagged
            sent = {int(r[0]): (r[1], int(r[2])) for r in _rows(
                db, "SELECT id, channel, possible_duplicate FROM deliveries")}
            with hook.lock:
                received = {path: list(ids) for path, ids in hook.received.items()}
            for path, ids in received.items():
                counts = collections.Counter(ids)
                for delivery, n in counts.items():
                    expect(delivery in sent, "unknown delivery %d" % delivery)
                    expect("/" + sent[delivery][0] == path, "delivery %d on %s" % (delivery, path))
                    if n > 1:
                        expect(sent[delivery][1] == 1,
                               "delivery %d reached %s %d times without the possible-duplicate "
                               "flag" % (delivery, path, n))
            seen = set(received.get("/alpha", [])) | set(received.get("/beta", []))
            expect(seen == set(sent), "messages never received: %s" % sorted(set(sent) - seen))
            # every item reached each channel, in one message (sent again only when flagged)
            with hook.lock:
                items = {path: list(given) for path, given in hook.items.items()}
            for path in ("/alpha", "/beta"):
                carried = collections.defaultdict(set)
                for url, delivery in items.get(path, []):
                    carried[url].add(delivery)
                urls = ["http://example.com/story/%d" % i for i in range(final)]
                missing = [u for u in urls if u not in carried]
                expect(not missing, "%s never received %s" % (path, missing))
                for url, deliveries in carried.items():
                    expect(len(deliveries) == 1,
                           "%s received %s in messages %s" % (path, url, sorted(deliveries)))
            # each fire ran once: one briefing per channel per claimed fire at most
            fires = int(_rows(db, "SELECT count(*) FROM schedule_fires")[0][0])
            for channel, n in _rows(db, "SELECT channel, count(*) FROM briefings GROUP BY 1"):
                expect(int(n) <= fires, "%s: %s briefings for %d fires" % (channel, n, fires))
            texts = "".join(
                open(os.path.join(logs, f), encoding="utf-8", errors="replace").read()
                for f in os.listdir(logs))
            expect(re.search(r"skipped: taken by \S+:\d+", texts),
                   "no daemon recorded a fire taken by another")
            expect(re.search(r"taken_over=1|possible_duplicate=1", texts),
                   "no lease was ever taken over after a kill")
            dead = _rows(db, "SELECT count(*) FROM jobs WHERE state = 'dead'")
            expect(dead == [["0"]], "dead jobs: %s" % dead)
            print("kills=%d busy=%d items=%d fires=%d messages=%d duplicates=%d" % (
                kills, busy_kills, final, fires, len(sent),
                sum(1 for v in sent.values() if v[1])), flush=True)
    finally:
        for d in daemons:
            try:
                d.stop()
            except Exception:  # report the test's own failure, not the cleanup's
                pass
        feed.shutdown()
        hook.shutdown()


if __name__ == "__main__":
    if pgtest.server() is None:
        print("skipped: " + pgtest.why())
        sys.exit(77)
    sys.exit(run_tests(globals()))
