"""bench/daemon: an idle `newsbrief daemon` (3 schedules, 10 sources) over IDLE_SECONDS: CPU
time from /proc, resident memory; then the delay from a fire time to the first message a
loopback WeCom accepts (10 feed sources on a loopback site, the run forked at the fire).
Run by bench/daemon.sh with the binary's path."""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
os.environ.setdefault("NB_TEST_DATA", os.path.join(ROOT, "tests", "data"))
from loopback import SiteServer  # noqa: E402
from platforms import PlatformServer  # noqa: E402

BINARY = sys.argv[1]
IDLE = int(os.environ.get("IDLE_SECONDS", "60"))
TICK = os.sysconf("SC_CLK_TCK")
FEEDS = ["atom-utc.xml", "rss-cst.xml", "atom-utc-more.xml", "excerpts.xml", "llama.xml",
         "rdf.xml", "atom03.xml", "jsonfeed.json", "un-first.xml", "un-second.xml"]


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TICK  # utime + stime


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def write_config(work, site, platforms, schedules):
    sources = "".join("  s%d:\n    type: feed\n    url: %s/feeds/%s\n" % (i, site.base, name)
                      for i, name in enumerate(FEEDS))
    channels = platforms.channels_yaml(only=("wecom",), wecom="    retry_floor: 0s\n"
                                       "    per_minute: 0\n    per_second: 0\n")
    path = os.path.join(work, "newsbrief.yaml")
    with open(path, "w") as f:
        f.write("newsbrief:\n  database: %s/nb.db\n  timezone: Asia/Shanghai\n  window: 72h\n"
                "sources:\n%s%sschedules:\n%s" % (work, sources, channels, schedules))
    return path


def start(path, now):
    env = dict(os.environ, NB_TRACE="daemon")
    return subprocess.Popen([BINARY, "daemon", "--config", path, "--now", now],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def wait_line(proc, pattern):
    for raw in proc.stderr:
        found = re.search(pattern, raw.decode())
        if found:
            return found
    raise SystemExit("daemon ended before %r" % pattern)


def idle(site, platforms):
    with tempfile.TemporaryDirectory() as work:
        path = write_config(work, site, platforms,
                            '  briefing:\n    cron: "45 10,15,20 * * *"\n'
                            '  collect:\n    cron: "*/20 * * * *"\n    deliver: false\n'
                            '  weekly:\n    cron: "@weekly"\n')
        proc = start(path, "2025-04-07T10:01:00+08:00")  # nothing fires for 19 minutes
        wait_line(proc, "daemon started")
        time.sleep(1)
        before, t0 = cpu_ms(proc.pid), time.monotonic()
        time.sleep(IDLE)
        used, span, rss = cpu_ms(proc.pid) - before, time.monotonic() - t0, rss_kb(proc.pid)
        proc.terminate()
        proc.wait()
        print("idle daemon, 3 schedules, 10 sources: %.0f ms CPU over %.0f s (counted in %.0f ms "
              "ticks; goal < 20 ms); resident memory %.1f MB"
              % (used, span, 1000.0 / TICK, rss / 1024.0))


def fire_delay(site, platforms):
    with tempfile.TemporaryDirectory() as work:
        path = write_config(work, site, platforms, '  briefing:\n    cron: "45 10 * * *"\n')
        proc = start(path, "2025-04-07T10:44:58+08:00")
        wait_line(proc, "daemon started")
        # the daemon says when the fire was due on the monotonic clock Python reads too
        due = wait_line(proc, r"fire schedule=briefing due_monotonic_ms=(\d+) late_ms=(-?\d+)")
        fire, late = int(due.group(1)) / 1000.0, int(due.group(2))
        deadline = time.monotonic() + 30
        while not platforms.httpd.received_at and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.terminate()
        proc.wait()
        if not platforms.httpd.received_at:
            raise SystemExit("no message arrived")
        first = platforms.httpd.received_at[0]
        fetch = [t for t in site.times if t >= fire - 0.5]
        print("fire to first message accepted: %.0f ms (goal < 1 s plus the sources' own "
              "latency); woke %d ms after the fire time, first source request %.0f ms after it"
              % ((first - fire) * 1000, late, ((fetch[0] if fetch else first) - fire) * 1000))


if __name__ == "__main__":
    with SiteServer() as site, PlatformServer(1743993900) as platforms:
        fire_delay(site, platforms)
    with SiteServer() as site, PlatformServer(1743993900) as platforms:
        idle(site, platforms)
