# SPDX-License-Identifier: MIT
"""Loopback servers and helpers for the end-to-end tests.

SiteServer serves fixture files and scripted failures on 127.0.0.1 with a free port:
  /feeds/<name>      a file of tests/data/feeds (content type from the extension)
  /status/<code>     that HTTP status with a short body
  /html              an HTML landing page where a feed was promised
  /empty             a valid RSS document without items
  /slow/<ms>/<name>  the feed <name> after <ms> milliseconds
  /gate/<name>       the feed <name> once the test opens the gate (open_gate)
  /retry/<s>         429 with Retry-After: <s>
  /image/<name>      a small PNG (for pages that show images)
  the site APIs      answered from recordings laid out as in data/demo (see site_file):
                     aibase, 机器之心 and 量子位 (WordPress) endpoints
Overrides (path -> status, content type, body file) replace any answer, for scripted
failures. 机器之心 endpoints answer a landing page unless the Referer is the site's.
Feeds carry an ETag and a Last-Modified and answer a matching conditional GET with 304.
Every request is recorded (path and headers), and the most requests answered at once is
kept in `peak`, for assertions.

Rules every server here follows, so that a loaded machine or the sanitizer build cannot
make a test fail: it binds port 0 and reports the port it got (base, api_base, port); it
listens before the constructor returns, so it is ready as soon as it exists; every wait
(wait_until, wait_for_requests, run's timeout) scales with NB_TEST_TIME_SCALE and fails
with a message naming what it waited for.
"""
import contextlib
import hashlib
import json
import urllib.parse
import http.server
import os
import socket
import subprocess
import tempfile
import threading
import time

DATA = os.environ.get("NB_TEST_DATA") or os.path.join(os.path.dirname(__file__), "..", "data")
RECORDINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "demo")


def site_file(path, query):
    """The recording answering a site API request (the demo server's layout), or None."""
    arg = lambda name: (query.get(name) or [""])[0]  # noqa: E731
    if path == "/api/aiInfo/aiNews":
        return "aibase/aiNews-%s.json" % arg("pageNo")
    if path == "/api/aiInfo/detail":
        return "aibase/detail-%s.json" % arg("id")
    if path == "/api/article_library/articles.json":
        return "jiqizhixin/articles-%s.json" % arg("page")
    if path.startswith("/api/article_library/articles/"):
        slug = path.rsplit("/", 1)[1]
        return "jiqizhixin/articles/%s.json" % (slug[:-5] if slug.endswith(".json") else slug)
    if path == "/wp-json/wp/v2/posts":
        return "qbitai/posts-%s.json" % arg("page")
    if path.startswith("/wp-json/wp/v2/posts/"):
        return "qbitai/posts/%s.json" % path.rsplit("/", 1)[1]
    return None
BINARY = os.environ.get("NEWSBRIEF_BIN") or "newsbrief"


def time_scale():
    """NB_TEST_TIME_SCALE: how much slower than a plain build on an idle machine (5 for the
    sanitizer build); every timeout of the tests is multiplied by it."""
    return max(1, int(os.environ.get("NB_TEST_TIME_SCALE", "1")))


def scaled(seconds):
    """A timeout of `seconds` on an idle machine, scaled by NB_TEST_TIME_SCALE."""
    return seconds * time_scale()


def duration(seconds):
    """A configuration duration (`"12s"`) of `seconds`, scaled by NB_TEST_TIME_SCALE: for
    the timeouts newsbrief itself applies in a test's configuration."""
    return "%ds" % max(1, int(round(scaled(seconds))))


def wait_until(predicate, what, timeout=10.0, interval=0.02):
    """Polls predicate() until it is true; after timeout seconds (scaled) fails loudly,
    naming what was awaited. Returns predicate()'s last value."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (scaled(timeout), what))
        time.sleep(interval)


class LoopbackServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1, port 0 (the kernel picks a free port): bound
    and listening once constructed, with a backlog large enough that a burst of
    connections on a slow machine is queued, not dropped."""
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def port(self):
        return self.server_address[1]

    def handle_error(self, request, client_address):
        """A client that went away (a run killed by the test) is not an error of the test;
        anything else is printed as usual."""
        import sys
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self):
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread


@contextlib.contextmanager
def closed_port():
    """A loopback port on which nothing listens, for as long as the block runs: a socket
    bound to it without listening holds it, so no other process can take it meanwhile and a
    connection to it is refused at once."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]
    finally:
        holder.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _feed(self, name):
        path = os.path.join(DATA, "feeds", os.path.basename(name))
        if not os.path.isfile(path):
            return self._send(404, b"no such fixture\n")
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        modified = "Mon, 07 Apr 2025 02:00:00 GMT"
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type",
                         "application/atom+xml" if "atom" in name else "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(body)

    def _site(self, path, query):
        name = site_file(path, query)
        if name is None:
            return False
        if path.startswith("/api/article_library/") and not (
                self.headers.get("Referer", "").startswith("https://www.jiqizhixin.com/articles")):
            with open(os.path.join(DATA, "sites", "broken", "jiqizhixin-interstitial.html"),
                      "rb") as f:
                self._send(200, f.read(), "text/html; charset=utf-8")
            return True
        for root in self.server.site_dirs:
            full = os.path.normpath(os.path.join(root, name))
            if full.startswith(os.path.normpath(root)) and os.path.isfile(full):
                with open(full, "rb") as f:
                    self._send(200, f.read(), "application/json; charset=utf-8")
                return True
        self._send(404, b'{"code":404}', "application/json")
        return True

    def do_GET(self):
        with self.server.lock:
            self.server.requests.append((self.path, dict(self.headers)))
            self.server.times.append(time.monotonic())
            self.server.active += 1
            self.server.peak = max(self.server.peak, self.server.active)
        if self.server.owner.before_answer:
            self.server.owner.before_answer(self.path)
        try:
            self._route()
        finally:
            with self.server.lock:
                self.server.active -= 1

    def _route(self):
        url = urllib.parse.urlsplit(self.path)
        override = self.server.overrides.get(url.path)
        if override:
            status, kind, body_file = override
            with open(os.path.join(DATA, "sites", body_file), "rb") as f:
                return self._send(status, f.read(), kind)
        if self._site(url.path, urllib.parse.parse_qs(url.query)):
            return
        parts = url.path.strip("/").split("/")
        if parts[0] == "feeds" and len(parts) == 2:
            return self._feed(parts[1])
        if parts[0] == "status" and len(parts) == 2:
            return self._send(int(parts[1]), b"scripted status\n")
        if parts[0] == "html":
            return self._send(200, b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>",
                              "text/html")
        if parts[0] == "empty":
            return self._send(200, b'<rss version="2.0"><channel><title>e</title></channel></rss>',
                              "application/rss+xml")
        if parts[0] == "image" and len(parts) == 2:
            return self._send(200, _png(), "image/png")
        if parts[0] == "retry" and len(parts) == 2:
            self.send_response(429)
            self.send_header("Retry-After", parts[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if parts[0] == "gate" and len(parts) == 2:
            if not self.server.gate.wait(scaled(60)):
                return self._send(503, b"the test never opened the gate\n")
            return self._feed(parts[1])
        if parts[0] == "slow" and len(parts) == 3:
            time.sleep(int(parts[1]) / 1000.0)
            return self._feed(parts[2])
        self._send(404, b"not found\n")


def _png(width=120, height=80):
    """A small opaque PNG (a blue-grey gradient), made here so no binary fixture is needed."""
    import struct
    import zlib
    rows = b"".join(b"\x00" + b"".join(bytes((40 + (x * 2) % 160, 90, 140 + y % 100))
                                       for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class SiteServer:
    def __init__(self, site_dirs=(RECORDINGS, os.path.join(DATA, "sites"))):
        self.site_dirs = list(site_dirs)
        self.overrides = {}
        # before_answer(path): called with each request once it is recorded and before it
        # is answered, from the server's thread
        self.before_answer = None

    def override(self, path, body_file, status=200, kind="application/json"):
        """Answers every request to path with body_file (under tests/data/sites)."""
        self.overrides[path] = (status, kind, body_file)

    def __enter__(self):
        self.httpd = LoopbackServer(_Handler)
        self.httpd.owner = self
        self.httpd.site_dirs = self.site_dirs
        self.httpd.overrides = self.overrides
        self.httpd.times = []
        self.httpd.requests = []
        self.httpd.lock = threading.Lock()
        self.httpd.active = 0
        self.httpd.peak = 0
        self.httpd.gate = threading.Event()
        self.thread = self.httpd.start()
        return self

    def __exit__(self, *exc):
        self.httpd.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.httpd.port

    @property
    def port(self):
        return self.httpd.port

    def open_gate(self):
        """Lets the requests waiting on /gate/<name> (and later ones) be answered."""
        self.httpd.gate.set()

    def wait_for_requests(self, count=1, prefix="", timeout=10.0):
        """Waits until at least count requests whose path starts with prefix have arrived
        (they may still be being answered); fails loudly after timeout seconds (scaled)."""
        def arrived():
            with self.httpd.lock:
                return len([p for p, _ in self.httpd.requests if p.startswith(prefix)]) >= count
        wait_until(arrived, "%d request(s) to %s%s" % (count, self.base, prefix or "/"), timeout)

    @property
    def requests(self):
        return self.httpd.requests

    @property
    def peak(self):
        return self.httpd.peak

    @property
    def times(self):
        return self.httpd.times


def run(args, env=None, cwd=None, timeout=60):
    """Runs the real binary; returns (exit code, stdout, stderr) as text. A run that takes
    longer than timeout seconds (scaled) is killed and fails the test, naming the command."""
    full_env = dict(os.environ)
    full_env.pop("NEWSBRIEF_NOW", None)
    full_env.update(env or {})
    try:
        proc = subprocess.run([BINARY] + args, capture_output=True, env=full_env, cwd=cwd,
                              timeout=scaled(timeout))
    except subprocess.TimeoutExpired as e:
        raise AssertionError("newsbrief %s: still running after %.0f s; stderr so far: %s"
                             % (" ".join(args), scaled(timeout),
                                (e.stderr or b"").decode("utf-8", "replace")[-2000:]))
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


class Workdir:
    """A temporary directory holding a config and a database, removed afterwards."""

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="nb-e2e-")
        self.path = self.tmp.name
        return self

    def __exit__(self, *exc):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_equal(got, want, what):
    if got != want:
        import difflib
        diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                              "expected", "got", lineterm=""))
        raise AssertionError("%s differs:\n%s" % (what, diff))


class Skip(Exception):
    """Raised by a test that cannot run here (a missing privilege or tool): reported as
    "skipped: <reason>", not as a failure."""


def run_tests(namespace):
    """Runs every test_* function of a module, reports each, returns the exit status."""
    failed = 0
    for name, fn in sorted(namespace.items()):
        if name.startswith("test_") and callable(fn):
            started = time.monotonic()
            try:
                fn()
                print("ok   %s (%.1f s)" % (name, time.monotonic() - started), flush=True)
            except Skip as e:
                print("skip %s: skipped: %s" % (name, e), flush=True)
            except Exception as e:  # report every case, then fail
                failed += 1
                print("FAIL %s (%.1f s): %s: %s" % (name, time.monotonic() - started,
                                                   type(e).__name__, e), flush=True)
    return 1 if failed else 0


class MailServer:
    """A real SMTP server (Debian's aiosmtpd) on 127.0.0.1, port 0, in this process: what it
    receives goes into the Maildir at maildir (created). Listening once entered; port
    reports the port."""

    def __init__(self, maildir):
        self.maildir = maildir

    def __enter__(self):
        import asyncio
        import mailbox
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import SMTP
        mailbox.Maildir(self.maildir, create=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        handler = Mailbox(self.maildir)
        self.server = self.loop.run_until_complete(self.loop.create_server(
            lambda: SMTP(handler, loop=self.loop), sock=self.sock))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(scaled(10))
        self.server.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()


class _LLMHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        with server.lock:
            server.requests.append((self.path, dict(self.headers), raw))
            call = len(server.requests)
            server.active += 1
            server.peak = max(server.peak, server.active)
        try:
            self._answer(server, call, raw)
        finally:
            with server.lock:
                server.active -= 1

    def _answer(self, server, call, raw):
        if self.path != "/v1/chat/completions":
            return self._send(404, b'{"error":{"message":"no such route"}}')
        if self.headers.get("Authorization") != "Bearer test-key":
            return self._send(401, b'{"error":{"message":"bad key"}}')
        request = json.loads(raw)
        mode = server.mode if call <= server.fail_first else "ok"
        if server.latency:
            time.sleep(server.latency)
        if mode == "429":
            return self._send(429, b'{"error":{"message":"rate limited"}}',
                              [("Retry-After", "1")])
        if mode == "500":
            return self._send(500, b'{"error":{"message":"upstream failure"}}')
        if mode == "slow":
            time.sleep(server.slow_seconds)
        if mode == "malformed":
            return self._send(200, b'{"choices": [{"message": {"content": "unterminated')
        user = request["messages"][1]["content"]
        title = user.split("标题：", 1)[-1].split("\n", 1)[0] if "标题：" in user else "文章"
        if "同一件事" in user:
            # the story question: the same event when both titles name Meta's Llama 4 models
            titles = [line for line in user.splitlines() if line.startswith("标题：")]
            same = len(titles) == 2 and all("Meta" in t for t in titles)
            text = "是" if same else "否"
        elif mode == "refusal":
            text = "抱歉，我无法完成这个请求。"
        elif mode == "overlong":
            text = "这是一段没有句号而且非常非常长的回答" * 30
        else:
            text = ("**摘要：**“《%s》一文报道了最新进展。文章介绍了事件的背景、主要参与方和关键数据，"
                    "并分析了它对行业的影响。业内人士认为，这一动向值得持续关注，后续进展将在"
                    "未来几个月内逐步明朗。”" % title)
        body = {"id": "cmpl-%d" % call, "object": "chat.completion", "model": request["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(user), "completion_tokens": len(text),
                          "total_tokens": len(user) + len(text)}}
        self._send(200, json.dumps(body, ensure_ascii=False).encode("utf-8"))


class LLMServer:
    """An OpenAI-protocol chat-completions server on loopback with deterministic replies.

    mode: ok, 429 (with Retry-After: 1), 500, slow (sleeps slow_seconds), malformed (broken
    JSON), refusal, overlong. The first fail_first requests answer in mode, the rest "ok"
    (fail_first=None: every request). latency: seconds before every answer. The key is
    "test-key"; requests are recorded as (path, headers, body)."""

    def __init__(self, mode="ok", fail_first=None, latency=0.0, slow_seconds=3.0):
        self.mode, self.fail_first, self.latency = mode, fail_first, latency
        self.slow_seconds = slow_seconds

    def __enter__(self):
        self.httpd = LoopbackServer(_LLMHandler)
        self.httpd.mode = self.mode
        self.httpd.fail_first = 10 ** 9 if self.fail_first is None else self.fail_first
        self.httpd.latency = self.latency
        self.httpd.slow_seconds = self.slow_seconds
        self.httpd.requests = []
        self.httpd.lock = threading.Lock()
        self.httpd.active = 0
        self.httpd.peak = 0
        self.httpd.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def api_base(self):
        return "http://127.0.0.1:%d/v1" % self.httpd.port

    @property
    def requests(self):
        """Summary requests (the story questions of clustering are in questions)."""
        return [r for r in self.httpd.requests if "同一件事".encode() not in r[2]]

    @property
    def questions(self):
        return [r for r in self.httpd.requests if "同一件事".encode() in r[2]]

    @property
    def peak(self):
        return self.httpd.peak


class ArchiveServer:
    """`newsbrief serve` on a free loopback port: started with the given arguments, its
    address read from the line it prints ("newsbrief: serving http://127.0.0.1:PORT/");
    stopped with SIGTERM on exit (it must stop by itself; the exit status is kept).

    get(path, headers) -> (status, headers dict with lower-case names, body bytes)."""

    def __init__(self, args, env=None):
        self.args = list(args)
        self.env = env
        self.returncode = None

    def __enter__(self):
        full_env = dict(os.environ)
        full_env.pop("NEWSBRIEF_NOW", None)
        full_env.update(self.env or {})
        self.proc = subprocess.Popen([BINARY, "serve", "--listen", "127.0.0.1:0"] + self.args,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=full_env)
        line = self._first_line(10 * time_scale())
        prefix = "newsbrief: serving "
        if not line.startswith(prefix):
            self.proc.kill()
            err = self.proc.stderr.read().decode("utf-8", "replace")
            raise AssertionError("serve did not start: %r %s" % (line, err))
        self.base = line[len(prefix):].strip().rstrip("/")
        return self

    def _first_line(self, timeout):
        import select
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not data:
                break
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                break
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.returncode = self.proc.wait(timeout=10 * time_scale())
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("serve did not stop on SIGTERM")
        else:
            self.returncode = self.proc.returncode
        self.stderr = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc.stderr.close()

    def get(self, path, headers=None, method="GET"):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", int(self.base.rsplit(":", 1)[1]),
                                          timeout=30 * time_scale())
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
        finally:
            conn.close()
