# SPDX-License-Identifier: MIT
"""End to end: `newsbrief daemon` against the loopback site and platform servers. Its clock
starts at --now and then runs in real time, so a daemon started at 10:44:55+08:00 fires the
10:45 schedule five seconds later. Fire times, skips, reloads (SIGHUP), a clean stop
(SIGTERM) during a slow channel and a restart, catch-up after kill -9, the run lock shared
with `newsbrief run`, outbox rows sent when their wait ends, and sd_notify. Runs against
SQLite or PostgreSQL, the engine as its argument (pgtest.engine)."""
import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from loopback import (BINARY, SiteServer, Workdir, expect, run, run_tests,  # noqa: E402
                      time_scale)
from platforms import PlatformServer  # noqa: E402
import pgtest  # noqa: E402

DAY = "2025-04-07T"
EPOCH_1045 = 1743993900  # 2025-04-07T10:45:00+08:00
# The cases about one daemon doing all the work itself (its run sends the outbox and skips a
# fire whose run lock is taken; its one heartbeat row is the daemon's state) say so: workers
# is on by default with PostgreSQL, where several daemons share the work (test_workers).
ALONE = "  workers: false\n"


class Daemon:
    """A running `newsbrief daemon`; its stderr lines are collected as they come."""

    def __init__(self, config, now, env=None):
        full_env = dict(os.environ)
        full_env.pop("NEWSBRIEF_NOW", None)
        full_env.pop("NOTIFY_SOCKET", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen([BINARY, "daemon", "--config", config, "--now", now],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=full_env)
        self.lines, self.out = [], []
        self.lock = threading.Lock()
        self.readers = [threading.Thread(target=self._read, args=(self.proc.stderr, self.lines),
                                         daemon=True),
                        threading.Thread(target=self._read, args=(self.proc.stdout, self.out),
                                         daemon=True)]
        for r in self.readers:
            r.start()

    def _read(self, stream, into):
        for raw in stream:
            with self.lock:
                into.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, pattern, seconds=20, count=1):
        """Waits until count stderr lines match pattern; fails loudly with the log."""
        deadline = time.monotonic() + seconds * time_scale()
        while time.monotonic() < deadline:
            with self.lock:
                found = [l for l in self.lines if re.search(pattern, l)]
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no %d line(s) matching %r (exit %s); log:\n%s"
                             % (count, pattern, self.proc.poll(), self.log()))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, seconds=30):
        try:
            code = self.proc.wait(timeout=seconds * time_scale())
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("the daemon did not exit; log:\n" + self.log())
        for r in self.readers:
            r.join(5)
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_until(condition, what, seconds=20):
    deadline = time.monotonic() + seconds * time_scale()
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def config(work, site, schedules, channels=None, extra="", sources=None):
    if channels is None:
        channels = "channels:\n  out:\n    type: file\n    path: %s/briefing.md\n" % work.path
    if sources is None:
        sources = ("sources:\n  lab:\n    type: feed\n    url: %s/feeds/atom-utc.xml\n"
                   "  cn-tech:\n    type: feed\n    url: %s/feeds/rss-cst.xml\n"
                   % (site.base, site.base))
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: %s\n  timezone: Asia/Shanghai\n  window: 24h\n"
        "  items_per_page: 3\n%s%s%sschedules:\n%s")
        % (pgtest.database_of(work), extra, sources, channels, schedules))


def db_rows(work, sql):
    return pgtest.query(pgtest.database_of(work), sql)


# The key of the run lock's advisory lock on PostgreSQL (RUN_LOCK_KEY in src/store/postgres.c)
RUN_LOCK_KEY = 7401550222


@contextlib.contextmanager
def run_lock_held(work):
    """Holds the run lock of the work's database as a `newsbrief run` from the shell would:
    the flock of <database>.lock on SQLite, the advisory lock from a psql session of its own
    on PostgreSQL (held until that session ends)."""
    database = pgtest.database_of(work)
    if not pgtest.is_postgresql():
        with open(database + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    session = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        session.stdin.write("SELECT pg_advisory_lock(%d);\n" % RUN_LOCK_KEY)
        session.stdin.flush()
        # a bigint key is held as classid (its high half) and objid (its low half)
        wait_until(lambda: pgtest.scalar(database, (
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND (classid::bigint << 32 | objid::bigint) = %d" % RUN_LOCK_KEY)) == 1,
            "the run lock taken from psql")
        yield
    finally:
        session.stdin.close()  # psql ends its session, and with it the lock
        session.wait()


def test_fires_at_1045_keeps_old_schedule_on_broken_reload_and_not_at_1046():
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, '  briefing:\n    cron: "45 10,15,20 * * *"\n')
        good = open(path).read()
        with Daemon(path, DAY + "10:44:50+08:00") as d:
            started = time.monotonic()  # the daemon's clock reads 10:44:50 about now
            d.wait_for(r"daemon started pid=\d+ .*next=\"briefing 2025-04-07 10:45\"")
            work.write("newsbrief.yaml", good.replace('"45 10,15,20 * * *"', '"61 10 * * *"'))
            d.signal(signal.SIGHUP)
            errors = d.wait_for(r" error daemon reload failed")
            expect(path + ":19:11: schedules.briefing.cron: cron: minute field: 61 is out of "
                   "range 0-59" in errors[0], errors[0])
            work.write("newsbrief.yaml", good)
            # the old schedule still fires at 10:45
            runs = d.wait_for(r"run schedule=briefing fire=\"2025-04-07 10:45\" .*result=ok")
            expect("fetched=" in runs[0] and " new=" in runs[0] and "briefed=" in runs[0]
                   and "duration_ms=" in runs[0], runs[0])
            with open(os.path.join(work.path, "briefing.md"), encoding="utf-8") as f:
                expect(f.read().startswith("# 新闻简报 (更新时间: 2025-04-07 10:45)"), "briefing")
            # the next fire is 15:45 (the result is recorded once the run has been reaped)
            want = [(EPOCH_1045, EPOCH_1045 + 5 * 3600, "ok")]
            query = "SELECT last_fire, next_fire, last_result FROM schedules"
            wait_until(lambda: db_rows(work, query) == want, "the run's result recorded")
            time.sleep(max(0.0, started + 72 - time.monotonic()))  # past 10:46:02
            expect(len([l for l in d.lines if "run schedule=" in l]) == 1,
                   "ran again before 15:45:\n" + d.log())
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, "exit code; log:\n" + d.log())
            d.wait_for(r"daemon stopped")


def test_reload_with_a_new_cron_moves_the_next_fire():
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, '  briefing:\n    cron: "0 12 * * *"\n')
        with Daemon(path, DAY + "10:44:56+08:00") as d:
            d.wait_for(r"daemon started .*next=\"briefing 2025-04-07 12:00\"")
            text = open(path).read().replace('"0 12 * * *"', '"45 10 * * *"')
            work.write("newsbrief.yaml", text)
            d.signal(signal.SIGHUP)
            d.wait_for(r"reloaded .*schedule briefing: cron \"0 12 \* \* \*\" -> "
                       r"\"45 10 \* \* \*\"")
            d.wait_for(r"run schedule=briefing fire=\"2025-04-07 10:45\" .*result=ok")
            wait_until(lambda: db_rows(work, "SELECT cron, next_fire FROM schedules")
                       == [("45 10 * * *", EPOCH_1045 + 86400)], "the next fire recorded")
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())


def wecom_config(work, site, platforms, extra=""):
    channels = platforms.channels_yaml(only=("wecom",), wecom="    retry_floor: 0s\n"
                                       "    per_minute: 0\n    per_second: 0\n"
                                       "    items_per_page: 1\n")
    return config(work, site, '  briefing:\n    cron: "45 10 * * *"\n', channels=channels,
                  extra=extra)


def markers(platforms):
    texts = [m["markdown"]["content"] for m in platforms.accepted("wecom")]
    return [re.search(r"\((\d+)/(\d+)\)", t).group(0) for t in texts]


def test_sigterm_during_a_slow_channel_then_restart_delivers_the_rest():
    with SiteServer() as site, PlatformServer(EPOCH_1045, latency=1.0) as platforms, \
            Workdir() as work:
        path = wecom_config(work, site, platforms, extra="  shutdown_timeout: 10s\n" + ALONE)
        with Daemon(path, DAY + "10:44:58+08:00") as d:
            wait_until(lambda: len(platforms.accepted("wecom")) >= 1, "a first message")
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, "exit code; log:\n" + d.log())
            d.wait_for(r"stopping signal=TERM")
            d.wait_for(r"run schedule=briefing .*stopped=signal")
            d.wait_for(r"daemon stopped")
        statuses = dict(db_rows(work, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
        expect("sending" not in statuses, statuses)
        expect(statuses.get("pending", 0) >= 1, "nothing left to send: %s" % statuses)
        total = statuses.get("pending", 0) + statuses.get("sent", 0)
        first = len(platforms.accepted("wecom"))
        expect(first == statuses.get("sent", 0), "%d accepted, %s" % (first, statuses))
        with Daemon(path, DAY + "10:45:30+08:00") as d:
            d.wait_for(r"run outbox .*sent=%d .*result=ok" % (total - first), seconds=40)
            found = markers(platforms)
            expect(found == ["(%d/%d)" % (i, total) for i in range(1, total + 1)], found)
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())
        rows = db_rows(work, "SELECT COUNT(*) FROM deliveries WHERE status != 'sent'")
        expect(rows == [(0,)], rows)


def test_kill_9_then_restart_catches_up_once_within_catch_up():
    with SiteServer() as site, Workdir() as work:
        channels = ("channels:\n  out:\n    type: file\n    path: %s/briefing.md\n"
                    "  late:\n    type: file\n    path: %s/late.md\n" % (work.path, work.path))
        path = config(work, site, '  briefing:\n    cron: "45 10 * * *"\n    channels: [out]\n'
                      '  strict:\n    cron: "45 10 * * *"\n    channels: [late]\n'
                      '    catch_up: 2m\n', channels=channels)
        with Daemon(path, DAY + "10:44:50+08:00") as d:
            d.wait_for(r"daemon started")
            d.signal(signal.SIGKILL)
            d.wait_exit()
        with Daemon(path, DAY + "10:50:00+08:00") as d:
            d.wait_for(r"schedule=briefing missed fire=\"2025-04-07 10:45\": catching up")
            d.wait_for(r"schedule=strict missed fire=\"2025-04-07 10:45\": not run")
            d.wait_for(r"run schedule=briefing fire=\"2025-04-07 10:45\" .*result=ok")
            time.sleep(1.5)
            expect(len([l for l in d.lines if "run schedule=" in l]) == 1, d.log())
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())
        with open(os.path.join(work.path, "briefing.md"), encoding="utf-8") as f:
            expect(f.read().startswith("# 新闻简报 (更新时间: 2025-04-07 10:50)"), "briefing")
        expect(not os.path.exists(os.path.join(work.path, "late.md")), "strict caught up")
        rows = dict((r[0], r[1:]) for r in db_rows(
            work, "SELECT name, last_fire, last_result FROM schedules"))
        expect(rows["briefing"] == (EPOCH_1045, "ok"), rows)  # the daemon reaped it before stopping
        expect(rows["strict"] == (EPOCH_1045, "missed: the daemon was not running"), rows)


def test_daemon_sends_a_waiting_message_when_its_wait_ends():
    with SiteServer() as site, PlatformServer(EPOCH_1045) as platforms, Workdir() as work:
        platforms.script["dingtalk"] = ["ratelimit"]
        channels = platforms.channels_yaml(only=("dingtalk",), dingtalk="    retry_floor: 3s\n"
                                           "    per_minute: 0\n    per_second: 0\n"
                                           "    items_per_page: 1\n")
        path = config(work, site, '  briefing:\n    cron: "45 10 * * *"\n', channels=channels,
                      extra="  max_wait_in_run: 1s\n" + ALONE)
        with Daemon(path, DAY + "10:44:58+08:00") as d:
            runs = d.wait_for(r"run schedule=briefing .*waiting=(\d+) .*result=ok")
            waiting = int(re.search(r"waiting=(\d+)", runs[0]).group(1))
            queued = int(re.search(r"queued=(\d+)", runs[0]).group(1))
            expect(waiting == queued and waiting >= 2, runs[0])
            d.wait_for(r" warn push waiting=%d until=\"2025-04-07 10:45\"" % waiting)
            d.wait_for(r"run outbox .*sent=%d .*result=ok" % waiting)
            texts = [m["markdown"]["text"] for m in platforms.accepted("dingtalk")]
            found = [re.search(r"\((\d+)/(\d+)\)", t).group(0) for t in texts]
            expect(found == ["(%d/%d)" % (i, waiting) for i in range(1, waiting + 1)], found)
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())


def test_a_fire_during_a_run_is_skipped_and_the_run_lock_is_shared():
    with SiteServer() as site, Workdir() as work:
        sources = ("sources:\n  slow:\n    type: feed\n    url: %s/slow/5000/atom-utc.xml\n"
                   "  cn-tech:\n    type: feed\n    url: %s/feeds/rss-cst.xml\n"
                   % (site.base, site.base))
        path = config(work, site, '  slowpoke:\n    cron: "44 10 * * *"\n    sources: [slow]\n'
                      '  briefing:\n    cron: "45 10 * * *"\n    sources: [cn-tech]\n',
                      sources=sources, extra=ALONE)
        with Daemon(path, DAY + "10:40:00+08:00") as d:  # first start: remembers 10:40
            d.wait_for(r"daemon started")
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())
        shell = work.write("shell.yaml", open(path).read().replace(
            "  window: 24h\n", "  window: 24h\n  lock_timeout: 1s\n"))
        with Daemon(path, DAY + "10:44:57+08:00") as d:
            d.wait_for(r"schedule=slowpoke missed fire=\"2025-04-07 10:44\": catching up")
            # while the catch-up run holds the lock, a run from the shell gives up
            code, out, err = run(["run", "--config", shell, "--now", DAY + "10:44:58+08:00"])
            expect(code == 1 and "another newsbrief run holds" in err, "%d %s" % (code, err))
            d.wait_for(r"schedule=briefing fire=\"2025-04-07 10:45\" skipped: the run "
                                 r"of schedule=slowpoke fire=\"2025-04-07 10:44\" is still going")
            d.wait_for(r"run schedule=slowpoke .*result=ok", seconds=30)
            rows = dict(db_rows(work, "SELECT name, last_result FROM schedules"))
            expect(rows["briefing"].startswith("skipped: the run of schedule=slowpoke"), rows)
            wait_until(lambda: dict(db_rows(work, "SELECT name, last_result FROM schedules"))
                       ["slowpoke"] == "ok", "the catch-up run's result recorded")
            # a run from the shell holding the lock: the daemon's fire is skipped
            with run_lock_held(work):
                text = open(path).read().replace('"45 10 * * *"', '"46 10 * * *"')
                work.write("newsbrief.yaml", text)
                d.signal(signal.SIGHUP)
                d.wait_for(r"reloaded")
                d.wait_for(r"run schedule=briefing fire=\"2025-04-07 10:46\" skipped: another "
                           r"newsbrief run holds the run lock", seconds=75)
            wait_until(lambda: dict(db_rows(work, "SELECT name, last_result FROM schedules"))
                       ["briefing"] == "skipped: the run lock was taken", "the skip recorded")
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())


def test_sd_notify_ready_status_reloading_stopping_watchdog():
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, '  briefing:\n    cron: "45 10,15,20 * * *"\n')
        sock_path = os.path.join(work.path, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(0.2)
        got = []

        def receive(until):
            deadline = time.monotonic() + 20 * time_scale()
            while time.monotonic() < deadline:
                if any(until in m for m in got):
                    return
                try:
                    got.append(sock.recv(4096).decode())
                except socket.timeout:
                    pass
            raise AssertionError("no %r in %r" % (until, got))

        try:
            with Daemon(path, DAY + "10:30:00+08:00",
                        env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "400000"}) as d:
                receive("READY=1")
                expect(any(m == "STATUS=next: briefing 2025-04-07 10:45" for m in got), got)
                receive("WATCHDOG=1")
                got.clear()
                d.signal(signal.SIGHUP)
                receive("RELOADING=1")
                receive("READY=1")
                expect(got.index("RELOADING=1") < len(got) - 1, got)
                d.signal(signal.SIGTERM)
                receive("STOPPING=1")
                expect(d.wait_exit() == 0, d.log())
        finally:
            sock.close()


def test_the_daemon_serves_the_archive_when_web_listen_is_set():
    import urllib.request
    with SiteServer() as site, Workdir() as work:
        path = config(work, site, '  briefing:\n    cron: "45 10,15,20 * * *"\n',
                      extra="web:\n  listen: 127.0.0.1:0\n")
        with Daemon(path, DAY + "10:44:57+08:00") as d:
            line = d.wait_for(r"serving http://127\.0\.0\.1:\d+/")[0]
            base = re.search(r"(http://127\.0\.0\.1:\d+)/", line).group(1)

            def get(route):
                with urllib.request.urlopen(base + route, timeout=10 * time_scale()) as r:
                    return r.status, json.loads(r.read()) if "json" in r.headers.get(
                        "Content-Type", "") else None
            code, health = get("/healthz")
            expect(code == 200, "healthz %d" % code)
            d.wait_for(r"run schedule=briefing .*result=ok", seconds=30)
            wait_until(lambda: get("/api/briefings")[1]["briefings"], "the 10:45 briefing served")
            briefings = get("/api/briefings")[1]["briefings"]
            expect(briefings[0]["id"].startswith("2025-04-07-1045"), briefings[0])
            d.signal(signal.SIGTERM)
            expect(d.wait_exit() == 0, d.log())


def status(path, now):
    code, out, err = run(["status", "--config", path, "--json", "--now", now])
    expect(err == "", err)
    return code, json.loads(out)


def test_status_reports_heartbeat_schedules_and_failing_channels():
    with SiteServer() as site, PlatformServer(EPOCH_1045) as platforms, Workdir() as work:
        path = config(work, site, '  briefing:\n    cron: "45 10,15,20 * * *"\n', extra=ALONE)
        code, doc = status(path, DAY + "10:44:00+08:00")
        expect(code == 1 and doc["daemon"]["state"] == "never ran on this database", doc)
        with Daemon(path, DAY + "10:44:58+08:00") as d:
            d.wait_for(r"run schedule=briefing .*result=ok")
            wait_until(lambda: db_rows(work, "SELECT last_result FROM schedules") == [("ok",)],
                       "the run's result recorded")
            code, doc = status(path, DAY + "10:45:05+08:00")
            expect(code == 0 and doc["healthy"] and doc["daemon"]["state"] == "running", doc)
            expect(doc["daemon"]["pid"] == d.proc.pid, doc)
            sched = doc["schedules"][0]
            expect(sched["name"] == "briefing" and sched["last_fire"] == EPOCH_1045
                   and sched["last_result"] == "ok" and sched["next_fire"] == EPOCH_1045 + 18000,
                   sched)
            code, out, err = run(["status", "--config", path, "--now", DAY + "10:45:05+08:00"])
            expect(code == 0 and "daemon: running (pid %d" % d.proc.pid in out
                   and "briefing         45 10,15,20 * * *    2025-04-07 10:45 "
                       "2025-04-07 15:45 ok" in out and "health: ok" in out, out)
            heartbeat = doc["daemon"]["heartbeat_at"]
            d.signal(signal.SIGKILL)
            d.wait_exit()
        # killed: its heartbeat ages past two wake-ups
        late = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(heartbeat + 2 * 300 + 60))
        code, doc = status(path, late)
        expect(code == 1 and doc["daemon"]["state"] == "not responding (heartbeat too old)"
               and not doc["healthy"], doc)
        with Daemon(path, DAY + "10:46:00+08:00") as d:
            d.wait_for(r"daemon started")
            d.signal(signal.SIGTERM)
            d.wait_exit()
        code, doc = status(path, DAY + "10:46:05+08:00")
        expect(code == 1 and doc["daemon"]["state"] == "stopped", doc)
        # no schedules: no daemon expected; a channel stopped by a wrong key fails the check
        bad = platforms.channels_yaml(only=("wecom",)).replace("wecom-test-key", "wrong-key")
        other = work.write("run.yaml", open(path).read().split("channels:")[0].replace(
            pgtest.database_of(work), pgtest.new_database(work.path, "run")) + bad)
        code, out, err = run(["run", "--config", other, "--now", DAY + "10:45:00+08:00"])
        expect(code == 1, err)
        code, doc = status(other, DAY + "10:46:00+08:00")
        expect(code == 1 and doc["schedules"] == [], doc)
        wecom = doc["outbox"][0]
        expect(wecom["channel"] == "wecom" and wecom["failing"] and wecom["pending"] >= 1
               and "93000" in wecom["last_answer"], wecom)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(dict(globals())))
