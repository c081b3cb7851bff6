# SPDX-License-Identifier: MIT
"""End to end: secrets never reach what newsbrief prints or stores. 300 secrets in one
configuration are all masked in the log and the outbox; channels whose endpoint refuses
connections (the error quotes the URL with its token) leave no token in `outbox`,
`outbox --json`, `sources`, `push --dry-run`, `check-config` or the database: the SQLite
file and its journals, or every row of the PostgreSQL database (pg_dump). Runs on either
store: `test_secrets.py [sqlite|postgresql]` (skipped with the reason without a test
PostgreSQL)."""
import json
import os
import secrets
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402

NOW = "2025-04-07T10:45:00+08:00"


class RefusingPort:
    """A port bound but never listening: every connection to it is refused, and no other
    program can take it while the test runs."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()


def config(work, site, channels, sources=""):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n  window: 24h\n"
        "sources:\n  lab:\n    type: feed\n    url: %s/feeds/atom-utc.xml\n%s"
        "channels:\n%s") % (pgtest.database_of(work), site.base, sources, channels))


def stored_bytes(work):
    """The database as bytes: the SQLite file and its journals, or a dump of every row."""
    data = pgtest.stored_bytes(pgtest.database_of(work))
    expect(b"deliveries" in data, "the stored bytes hold no outbox")
    return data


def test_three_hundred_secrets_are_masked_in_the_log():
    with SiteServer() as site, RefusingPort() as dead, Workdir() as work:
        # 100 channels (the cap), each with a URL, a signing secret and a proxy with a
        # password: 300 secrets. Each URL shows up in its channel's connection error.
        registered, channels = [], ""
        for i in range(100):
            url = "%s/in/%s" % (dead.base, secrets.token_hex(10))
            secret = "whsec-%s" % secrets.token_hex(10)
            proxy = "http://user:pw-%s@%s" % (secrets.token_hex(8), dead.base[len("http://"):])
            registered += [url, secret, proxy]
            channels += ("  hook%03d:\n    type: webhook\n    url: %s\n    secret: %s\n"
                         "    proxy: %s\n    max_attempts: 1\n" % (i, url, secret, proxy))
        path = config(work, site, channels)
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW])
        expect(code == 1, "exit %d: %s" % (code, err[-2000:]))
        failed = [line for line in err.splitlines() if "error=retry" in line]
        expect(len(failed) == 100, "%d channels reported, want 100" % len(failed))
        expect(all("***" in line for line in failed), failed[:2])
        for s in registered:
            expect(s not in err, "secret %s in the log" % s)
        code, out, err = run(["outbox", "--config", path])
        expect(code == 0 and out.count("\n") == 101, out[:500])
        code, out_json, err = run(["outbox", "--json", "--config", path])
        data = stored_bytes(work)
        for s in registered:
            expect(s not in out and s not in out_json, "secret %s in outbox" % s)
            expect(s.encode() not in data, "secret %s in the database" % s)


def test_unreachable_telegram_and_wecom_leave_no_token():
    telegram_token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    wecom_key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    with SiteServer() as site, RefusingPort() as dead, Workdir() as work:
        channels = ("  tg:\n    type: telegram\n    api_base: %s\n    token: %s\n"
                    "    chat_id: \"-1001234567890\"\n    max_attempts: 1\n"
                    "  wecom:\n    type: wecom\n    url: %s/cgi-bin/webhook/send?key=%s\n"
                    "    max_attempts: 1\n" % (dead.base, telegram_token, dead.base, wecom_key))
        # a source whose URL carries a key fails too: its stored error quotes the URL
        sources = "  keyed:\n    type: feed\n    url: %s/feed.xml?key=feed-key-31337\n" % dead.base
        path = config(work, site, channels, sources)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and "channel=tg" in err and "channel=wecom" in err, err)
        tokens = (telegram_token, telegram_token.split(":")[1], wecom_key, "feed-key-31337")
        outputs = {}
        for args in (["outbox"], ["outbox", "--json"], ["sources"], ["sources", "--json"],
                     ["push", "--dry-run"], ["check-config"]):
            code, out, cmd_err = run(args + ["--config", path])
            expect(code == 0, "%s: %s" % (args, cmd_err))
            outputs[" ".join(args)] = out + cmd_err
        outputs["run"] = err
        rows = json.loads(run(["outbox", "--json", "--config", path])[1])
        answers = {r["channel"]: r["last_answer"] for r in rows}
        # the answer still says what happened, and where
        expect("/bot***/sendMessage" in answers["tg"] and "onnect" in answers["tg"], answers)
        expect(answers["wecom"].startswith("***: ") and "onnect" in answers["wecom"], answers)
        for name, text in outputs.items():
            for t in tokens:
                expect(t not in text, "%s prints %s:\n%s" % (name, t, text[:1500]))
        database = pgtest.database_of(work)
        stored = pgtest.query(database, "SELECT channel, last_answer FROM deliveries")
        stored += pgtest.query(database, "SELECT name, last_error FROM sources")
        expect(any(a and "***" in a for _, a in stored), stored)
        data = stored_bytes(work)
        for t in tokens:
            expect(t.encode() not in data, "the database holds %s" % t)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
