# SPDX-License-Identifier: MIT
"""End to end: no fetch into private networks unless configured, and no redirect followed
by push or LLM requests.

A feed on a trusted loopback address (it is configured) links its entries to a second
loopback address, to http://[::1]:..., http://0.0.0.0:..., http://127.1:... and to its own
host; a second source's configured URL redirects into a private address. Every one of them
is refused with one warning naming the source, the URL and the address, and the items keep
their feed excerpts; with newsbrief.allow_private_networks they are fetched. A webhook and
an LLM API answering 302, 307 and 308 are configuration errors: nothing is marked sent, and
the server the redirect points to never receives a request."""
import http.server
import json
import os
import socket
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from loopback import DATA, SiteServer, Workdir, expect, run, run_tests  # noqa: E402

NOW = "2025-04-07T20:00:00+08:00"
ARTICLE = os.path.join(DATA, "sites", "articles", "en-news.html")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server = self.server
        with server.lock:
            server.requests.append((self.command, self.path, body))
        status, headers, payload = server.route(self.command, self.path)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _serve


class _DualStack(http.server.ThreadingHTTPServer):
    """Listens on [::] for IPv6 and IPv4 alike: every loopback spelling reaches it."""
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class Recorder:
    """A loopback server answering every request with route(method, path) -> (status,
    headers, body) and recording (method, path, body). dual_stack: listens on [::]."""

    def __init__(self, route, dual_stack=False):
        self.route, self.dual_stack = route, dual_stack

    def __enter__(self):
        if self.dual_stack:
            self.httpd = _DualStack(("::", 0), _Handler)
        else:
            self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            self.httpd.daemon_threads = True
        self.httpd.route = self.route
        self.httpd.requests = []
        self.httpd.lock = threading.Lock()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def requests(self):
        with self.httpd.lock:
            return list(self.httpd.requests)


def article_route(method, path):
    if path == "/feed.xml":
        return 200, [("Content-Type", "application/rss+xml")], rss("moved", [
            ("moved-1", "http://example.invalid/moved-1", "The moved feed's excerpt.")])
    with open(ARTICLE, "rb") as f:
        return 200, [("Content-Type", "text/html; charset=utf-8")], f.read()


def rss(name, entries):
    items = "".join(
        "<item><title>Story %s</title><link>%s</link><guid>urn:test:%s</guid>"
        "<pubDate>Mon, 07 Apr 2025 09:00:00 GMT</pubDate><description>%s</description></item>"
        % (key, link.replace("&", "&amp;"), key, excerpt) for key, link, excerpt in entries)
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>'
            "<link>http://example.invalid/</link>%s</channel></rss>" % (name, items)).encode()


def entries_for(articles):
    """(key, link, the address its warning names) of each entry; link None: the feed's own
    host, filled in once it listens."""
    p = articles.port
    return [
        ("second-loopback", "http://127.0.0.2:%d/a1.html" % p, "127.0.0.2 is a loopback address"),
        ("ipv6-loopback", "http://[::1]:%d/a2.html" % p, "::1 is a loopback address"),
        ("unspecified", "http://0.0.0.0:%d/a3.html" % p, "0.0.0.0 is an unspecified address"),
        ("short-form", "http://127.1:%d/a4.html" % p, "127.0.0.1 is a loopback address"),
        ("own-host", None, "127.0.0.1 is a loopback address"),  # the feed server's own host
    ]


def feed_route_for(entries_ref, articles):
    def route(method, path):
        if path == "/feed.xml":
            return 200, [("Content-Type", "application/rss+xml")], rss("ledger", [
                (key, link, "Excerpt of %s stays." % key) for key, link, _ in entries_ref])
        if path == "/moved.xml":  # the second source's configured URL: moved into the network
            return 302, [("Location", "http://127.0.0.2:%d/feed.xml" % articles.port)], b""
        if path == "/own.html":  # an entry on the feed's host: redirects to the articles
            return 302, [("Location", "http://127.0.0.2:%d/a5.html" % articles.port)], b""
        return 404, [], b"not found\n"
    return route


def run_scenario(allow):
    with Recorder(article_route, dual_stack=True) as articles, Workdir() as work:
        entries = []
        feed = Recorder(feed_route_for(entries, articles))
        with feed:
            base = "http://127.0.0.1:%d" % feed.port
            for key, link, address in entries_for(articles):
                entries.append((key, link or base + "/own.html", address))
            path = work.write("newsbrief.yaml", """\
newsbrief:
  database: %s/nb.db
  window: 48h
  allow_private_networks: %s
sources:
  ledger:
    type: feed
    url: %s/feed.xml
    fetch_full_text: always
  moved:
    type: feed
    url: %s/moved.xml
""" % (work.path, "true" if allow else "false", base, base))
            code, out, err = run(["run", "--config", path, "--now", NOW])
            db = sqlite3.connect(os.path.join(work.path, "nb.db"))
            rows = db.execute("SELECT source, key, content, excerpt FROM items").fetchall()
            db.close()
            items = {(s, k.replace("urn:test:", "")): (c, e) for s, k, c, e in rows}
            return code, err, entries, articles.requests, items, base


def test_discovered_private_urls_are_refused():
    code, err, entries, requests, items, base = run_scenario(allow=False)
    expect(code == 0, "the feed source succeeded: exit %d: %s" % (code, err))
    expect(requests == [], "a private address was fetched: %r" % requests)
    for key, link, address in entries:
        lines = [line for line in err.splitlines() if link + ":" in line and "full text" in line]
        expect(len(lines) == 1, "want one warning for %s, got %r" % (link, err))
        expect("source=ledger" in lines[0] and address in lines[0]
               and "refused" in lines[0] and "allow_private_networks" in lines[0], lines[0])
        content, excerpt = items[("ledger", key)]
        expect(content is None and excerpt == "Excerpt of %s stays." % key, (key, content, excerpt))
    # a configured URL is trusted, but not where it redirects
    lines = [line for line in err.splitlines() if "name=moved" in line and "error=" in line]
    expect(len(lines) == 1 and base + "/moved.xml" in lines[0]
           and "redirected to http://127.0.0.2:" in lines[0]
           and "127.0.0.2 is a loopback address" in lines[0], err)
    expect(not any(s == "moved" for s, _ in items), items)


def test_allow_private_networks_fetches_them():
    code, err, entries, requests, items, base = run_scenario(allow=True)
    expect(code == 0, "exit %d: %s" % (code, err))
    paths = sorted(p for _, p, _ in requests)
    expect(paths == ["/a1.html", "/a2.html", "/a3.html", "/a4.html", "/a5.html", "/feed.xml"],
           paths)
    for key, link, _ in entries:
        content, excerpt = items[("ledger", key)]
        expect(content and "The four turbines sit on the seabed" in content, (key, content))
    expect(("moved", "moved-1") in items, "the redirected feed was not read: %r" % items)
    expect("refused" not in err, err)


# --- push and LLM requests follow no redirect -------------------------------------------

def redirecting(status, target):
    def route(method, path):
        return status, [("Location", target + path)], b'{"moved": true}'
    return route


def answering(method, path):
    return 200, [("Content-Type", "application/json")], b'{"ok": true}'


def test_webhook_redirects_are_not_followed():
    for status in (302, 307, 308):
        with SiteServer() as site, Recorder(answering) as target, Workdir() as work:
            with Recorder(redirecting(status, "http://127.0.0.1:%d" % target.port)) as hook:
                path = work.write("newsbrief.yaml", """\
newsbrief:
  database: %s/nb.db
  window: 24h
sources:
  cn-tech:
    type: feed
    url: %s/feeds/rss-cst.xml
channels:
  team-hook:
    type: webhook
    url: http://127.0.0.1:%d/hook
    secret: whsec-test
""" % (work.path, site.base, hook.port))
                code, out, err = run(["run", "--config", path, "--now",
                                      "2025-04-07T10:45:00+08:00"])
                expect(code == 1, "%d: a channel failed: exit %d: %s" % (status, code, err))
                location = "http://127.0.0.1:%d/hook" % target.port
                lines = [line for line in err.splitlines() if "channel=team-hook" in line]
                expect(len(lines) == 1 and "error=config" in lines[0]
                       and "HTTP %d redirect to %s" % (status, location) in lines[0],
                       "%d: %s" % (status, err))
                expect(len(hook.requests) == 1 and hook.requests[0][0] == "POST",
                       "%d: %r" % (status, hook.requests))
                expect(target.requests == [], "%d: the redirect was followed: %r"
                       % (status, target.requests))
                code, out, err = run(["outbox", "--config", path, "--json"])
                rows = json.loads(out)
                expect(rows and all(r["channel"] == "team-hook" and r["status"] == "pending"
                                    for r in rows), "%d: %r" % (status, rows))
                expect("redirect to " + location in rows[0]["last_answer"], rows[0])
                db = sqlite3.connect(os.path.join(work.path, "nb.db"))
                sent = db.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'")
                expect(sent.fetchone()[0] == 0, "%d: a row was marked sent" % status)
                db.close()


def test_llm_redirects_are_not_followed():
    for status in (302, 307, 308):
        with SiteServer() as site, Recorder(answering) as target, Workdir() as work:
            with Recorder(redirecting(status, "http://127.0.0.1:%d" % target.port)) as api:
                path = work.write("newsbrief.yaml", """\
newsbrief:
  database: %s/nb.db
  window: 24h
sources:
  cn-tech:
    type: feed
    url: %s/feeds/rss-cst.xml
summarizer:
  type: llm
  api_base: http://127.0.0.1:%d/v1
  api_key: test-key
  model: test-model
  max_retries: 1
  min_chars: 40
  max_chars: 200
""" % (work.path, site.base, api.port))
                code, out, err = run(["run", "-v", "--config", path, "--now",
                                      "2025-04-07T10:45:00+08:00"])
                expect(code == 0, "%d: exit %d: %s" % (status, code, err))
                location = "http://127.0.0.1:%d/v1/chat/completions" % target.port
                lines = [line for line in err.splitlines() if "error=config" in line]
                expect(lines and all("summarizer:" in line
                                     and "HTTP %d redirect to %s" % (status, location) in line
                                     for line in lines), "%d: %s" % (status, err))
                expect(api.requests and all(m == "POST" for m, _, _ in api.requests),
                       api.requests)
                expect(target.requests == [], "%d: the redirect was followed: %r"
                       % (status, target.requests))
                expect("path=llm" not in err and "path=extractive" in err, err)
                db = sqlite3.connect(os.path.join(work.path, "nb.db"))
                cached = db.execute("SELECT count(*) FROM summaries").fetchone()[0]
                db.close()
                expect(cached == 0, "%d: a summary was stored from a redirect" % status)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
