# SPDX-License-Identifier: MIT
"""Loopback emulators of the chat platforms, as docs/CHANNELS.md describes their APIs.

One server answers all four on their own paths:
  WeCom     POST /cgi-bin/webhook/send?key=K
  Feishu    POST /open-apis/bot/v2/hook/T          (signature in the body)
  DingTalk  POST /robot/send?access_token=T        (timestamp and sign in the query)
  Telegram  POST /bot<TOKEN>/sendMessage | sendPhoto
  Slack     POST /services/T/B/X                    (answer: plain text "ok")
  Discord   POST /api/webhooks/<id>/<token>?wait=true
  ntfy      POST /                                  (JSON publishing to a topic)
  webhook   POST /hook                              (X-Newsbrief-Signature checked)
Each checks the credentials, the signature, the payload schema and the size limit in the
platform's unit, and answers as the platform does (HTTP 200 with an error code in the body
for WeCom, Feishu and DingTalk). script[platform] is a list of answers to give first, one
per request: "ratelimit", "error500", "slow" (3 s, scaled by NB_TEST_TIME_SCALE). Accepted
messages are recorded in order. The server binds port 0 (see loopback.py for the rules).
"""
import base64
import bisect
import hashlib
import hmac
import html.parser
import http.server
import json
import threading
import time
import urllib.parse

from loopback import LoopbackServer, scaled, wait_until

WECOM_KEY = "wecom-test-key"
FEISHU_TOKEN = "feishu-test-token"
FEISHU_SECRET = "feishu-test-secret"
DINGTALK_TOKEN = "dingtalk-test-token"
DINGTALK_SECRET = "SEC0123456789abcdef"
TELEGRAM_TOKEN = "123456:telegram-test-token"
TELEGRAM_CHAT = "-1001234567890"
SLACK_PATH = "/services/T000/B000/slack-test-secret"
DISCORD_PATH = "/api/webhooks/123/discord-test-token"
NTFY_TOPIC = "ai-news-test"
NTFY_TOKEN = "tk_ntfytesttoken"
WEBHOOK_SECRET = "whsec-test"


class _TelegramHTML(html.parser.HTMLParser):
    """Telegram's HTML parse mode: known tags only, balanced; collects the visible text."""
    ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
               "blockquote", "tg-spoiler", "span"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.error = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.error = "can't parse entities: unsupported start tag \"%s\"" % tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.error = "can't parse entities: can't find end tag corresponding to \"%s\"" % tag

    def handle_data(self, data):
        self.text.append(data)


def utf16_units(text):
    return len(text.encode("utf-16-le")) // 2


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _json(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:
            pass  # the client went away (killed): the platform has processed the message
        return True  # "answered with this"; handlers return None only after accepting

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        platform = ("wecom" if url.path.startswith("/cgi-bin/") else
                    "feishu" if url.path.startswith("/open-apis/") else
                    "dingtalk" if url.path.startswith("/robot/") else
                    "telegram" if url.path.startswith("/bot") else
                    "slack" if url.path.startswith("/services/") else
                    "discord" if url.path.startswith("/api/webhooks/") else
                    "ntfy" if url.path == "/" else
                    "webhook" if url.path == "/hook" else None)
        server = self.server
        with server.lock:
            server.requests.append((platform, self.path, raw))
            count = len(server.requests)
            scripted = server.script.get(platform, [])
            step = scripted.pop(0) if scripted else None
        if server.before_answer:
            server.before_answer(platform, count)
        if server.latency:
            time.sleep(server.latency)
        if step == "slow":
            time.sleep(scaled(3))
        if step == "error500":
            return self._json(500, {"error": "upstream"})
        if platform is None:
            return self._json(404, {"error": "no such route"})
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        # The answer goes out inside the platform's handler, before the message is recorded
        # below: a client can see its 200 and exit first, or send its next message, whose
        # handler may record before this one. Readers of what was accepted wait for handlers
        # in this window (accepted(), received_times()), and each message takes its place by
        # the order it arrived in (count), not by the order the handlers finish.
        with server.lock:
            server.answering += 1
        try:
            refused = getattr(self, "_" + platform)(url, query, payload, raw, step)
            if not refused:
                with server.lock:
                    at = bisect.bisect(server.accepted_arrivals, count)
                    server.accepted_arrivals.insert(at, count)
                    server.accepted.insert(at, (platform, payload))
                    server.received_at.insert(at, time.monotonic())
        finally:
            with server.lock:
                server.answering -= 1
                server.lock_changed.notify_all()

    # Each platform returns None when it accepted the message (and has answered).
    def _wecom(self, url, query, payload, raw, step):
        if query.get("key") != [WECOM_KEY]:
            return self._json(200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: "
                                                                "[x], more info at https://open."
                                                                "work.weixin.qq.com/devtool/query"
                                                                "?e=93000"})
        if step == "ratelimit":
            return self._json(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        kind = (payload or {}).get("msgtype")
        if kind == "markdown":
            content = payload["markdown"]["content"]
            if len(content.encode("utf-8")) > 4096:
                return self._json(200, {"errcode": 40058,
                                        "errmsg": "markdown.content exceed max length 4096"})
        elif kind == "text":
            if len(payload["text"]["content"].encode("utf-8")) > 2048:
                return self._json(200, {"errcode": 40058, "errmsg": "text.content too long"})
        elif kind == "news":
            articles = payload["news"]["articles"]
            if not 1 <= len(articles) <= 8 or any(not a.get("url") for a in articles):
                return self._json(200, {"errcode": 40058, "errmsg": "invalid news"})
        else:
            return self._json(200, {"errcode": 40008, "errmsg": "invalid message type"})
        self._json(200, {"errcode": 0, "errmsg": "ok"})
        return None

    def _feishu(self, url, query, payload, raw, step):
        if not url.path.endswith("/" + FEISHU_TOKEN):
            return self._json(200, {"code": 19001, "msg": "param invalid: incoming webhook "
                                                          "access token invalid"})
        if len(raw) > 20 * 1024:
            return self._json(200, {"code": 9499, "msg": "Bad Request: body too large"})
        stamp, sign = payload.get("timestamp"), payload.get("sign")
        key = ("%s\n%s" % (stamp, FEISHU_SECRET)).encode()
        want = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if sign != want or abs(int(stamp or 0) - self.server.now) > 3600:
            return self._json(200, {"code": 19021, "msg": "sign match fail or timestamp is not "
                                                          "within one hour from current time"})
        if step == "ratelimit":
            return self._json(200, {"code": 11232, "msg": "frequency limited psm[lark.oapi]"})
        kind = payload.get("msg_type")
        if kind == "post":
            post = payload["content"]["post"]["zh_cn"]
            assert post["title"] and isinstance(post["content"], list)
        elif kind == "interactive":
            if "card" not in payload:
                return self._json(200, {"code": 9499, "msg": "params error, unknown card value"})
        else:
            return self._json(200, {"code": 9499, "msg": "Bad Request"})
        self._json(200, {"code": 0, "msg": "success", "data": {}})
        return None

    def _dingtalk(self, url, query, payload, raw, step):
        if query.get("access_token") != [DINGTALK_TOKEN]:
            return self._json(200, {"errcode": 300001, "errmsg": "token is not exist"})
        stamp = (query.get("timestamp") or [""])[0]
        sign = (query.get("sign") or [""])[0]
        to_sign = ("%s\n%s" % (stamp, DINGTALK_SECRET)).encode()
        want = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), to_sign,
                                         hashlib.sha256).digest()).decode()
        if sign != want:
            return self._json(200, {"errcode": 310000, "errmsg": "sign not match, more: "
                                                                 "https://open.dingtalk.com"})
        if abs(int(stamp) // 1000 - self.server.now) > 3600:
            return self._json(200, {"errcode": 310000, "errmsg": "invalid timestamp"})
        if len(raw) > 20000:
            return self._json(200, {"errcode": 460101,
                                    "errmsg": "message too long, exceed 20000 bytes"})
        if step == "ratelimit":
            return self._json(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 "
                                                                 "times per minute"})
        if payload.get("msgtype") != "markdown" or not payload["markdown"].get("title"):
            return self._json(200, {"errcode": 300001, "errmsg": "param error"})
        self._json(200, {"errcode": 0, "errmsg": "ok"})
        return None

    def _telegram(self, url, query, payload, raw, step):
        token, _, method = url.path[len("/bot"):].partition("/")
        if token != TELEGRAM_TOKEN:
            return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if step == "ratelimit":
            return self._json(429, {"ok": False, "error_code": 429,
                                    "description": "Too Many Requests: retry after 1",
                                    "parameters": {"retry_after": 1}})
        if str(payload.get("chat_id")) != TELEGRAM_CHAT:
            return self._json(400, {"ok": False, "error_code": 400,
                                    "description": "Bad Request: chat not found"})
        field, limit = ("text", 4096) if method == "sendMessage" else ("caption", 1024)
        if method not in ("sendMessage", "sendPhoto") or payload.get("parse_mode") != "HTML":
            return self._json(400, {"ok": False, "error_code": 400, "description": "bad method"})
        parser = _TelegramHTML()
        parser.feed(payload.get(field, ""))
        parser.close()
        if parser.error or parser.stack:
            return self._json(400, {"ok": False, "error_code": 400,
                                    "description": "Bad Request: " + (parser.error or
                                                                      "can't parse entities")})
        if utf16_units("".join(parser.text)) > limit:
            return self._json(400, {"ok": False, "error_code": 400,
                                    "description": "Bad Request: message is too long"})
        if method == "sendPhoto" and not payload.get("photo", "").startswith("http"):
            return self._json(400, {"ok": False, "error_code": 400, "description": "bad photo"})
        self._json(200, {"ok": True, "result": {"message_id": len(self.server.accepted) + 1}})
        return None


def _text(handler, status, text):
    body = text.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except ConnectionError:
        pass  # the client went away (killed): the platform has processed the message
    return True


def _slack(self, url, query, payload, raw, step):
    if url.path != SLACK_PATH:
        return _text(self, 404, "no_service")
    if step == "ratelimit":
        return _text(self, 429, "rate_limited")
    blocks = (payload or {}).get("blocks")
    if not isinstance(blocks, list) or not blocks or len(blocks) > 50 or not payload.get("text"):
        return _text(self, 400, "invalid_payload")
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        limit = 150 if block["type"] == "header" else 3000
        if len(text) > limit:
            return _text(self, 400, "invalid_payload")
    _text(self, 200, "ok")
    return None


def _discord(self, url, query, payload, raw, step):
    if url.path != DISCORD_PATH:
        return self._json(404, {"code": 10015, "message": "Unknown Webhook"})
    if step == "ratelimit":
        return self._json(429, {"message": "You are being rate limited.", "retry_after": 0.5,
                                "global": False})
    if query.get("wait") != ["true"]:
        return self._json(400, {"code": 50035, "message": "wait=true expected by the test"})
    embeds = (payload or {}).get("embeds", [])
    total = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in embeds)
    if (len(payload.get("content", "")) > 2000 or len(embeds) > 10 or total > 6000 or
            any(len(e.get("title", "")) > 256 or len(e.get("description", "")) > 4096
                for e in embeds)):
        return self._json(400, {"code": 50035, "message": "Invalid Form Body"})
    if payload.get("allowed_mentions") != {"parse": []}:
        return self._json(400, {"code": 50035, "message": "mentions must be off in the test"})
    self._json(200, {"id": str(len(self.server.accepted) + 1), "content": payload["content"]})
    return None


def _ntfy(self, url, query, payload, raw, step):
    if self.headers.get("Authorization") != "Bearer " + NTFY_TOKEN:
        return self._json(403, {"code": 40301, "http": 403, "error": "forbidden"})
    if (payload or {}).get("topic") != NTFY_TOPIC:
        return self._json(400, {"code": 40001, "http": 400, "error": "bad topic"})
    if len(payload.get("message", "").encode()) > 4096:
        return self._json(413, {"code": 41301, "http": 413, "error": "too large"})
    self._json(200, {"id": "x", "event": "message", "topic": NTFY_TOPIC})
    return None


def _webhook(self, url, query, payload, raw, step):
    want = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    if self.headers.get("X-Newsbrief-Signature") != want:
        return _text(self, 401, "bad signature")
    if not self.headers.get("X-Newsbrief-Delivery", "").isdigit():
        return _text(self, 400, "no delivery id")
    if step == "error500":
        return _text(self, 503, "busy")
    with self.server.lock:
        self.server.deliveries.append(self.headers["X-Newsbrief-Delivery"])
    _text(self, 200, "")
    return None


for _name, _fn in (("_slack", _slack), ("_discord", _discord), ("_ntfy", _ntfy),
                   ("_webhook", _webhook)):
    setattr(_Handler, _name, _fn)


class PlatformServer:
    def __init__(self, now, latency=0.0):
        self.now, self.latency = now, latency
        self.script = {}
        # before_answer(platform, n): called with each request (the n-th to this server)
        # once it is recorded and before it is answered, from the server's thread
        self.before_answer = None

    def __enter__(self):
        self.httpd = LoopbackServer(_Handler)
        self.httpd.now, self.httpd.latency = self.now, self.latency
        self.httpd.script = self.script
        self.httpd.before_answer = lambda platform, n: (
            self.before_answer and self.before_answer(platform, n))
        self.httpd.lock = threading.Lock()
        self.httpd.lock_changed = threading.Condition(self.httpd.lock)
        self.httpd.answering = 0
        self.httpd.requests, self.httpd.accepted, self.httpd.received_at = [], [], []
        self.httpd.accepted_arrivals = []  # each accepted message's place among the requests
        self.httpd.deliveries = []
        self.httpd.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.httpd.port

    @property
    def port(self):
        return self.httpd.port

    def _settled(self):
        """Waits (holding the lock) until no handler is between its answer and recording the
        message; fails loudly after a scaled timeout."""
        if not self.httpd.lock_changed.wait_for(lambda: self.httpd.answering == 0,
                                                timeout=scaled(10)):
            raise AssertionError("a platform handler did not finish recording its message")

    def accepted(self, platform):
        with self.httpd.lock:
            self._settled()
            return [p for name, p in self.httpd.accepted if name == platform]

    def requests(self, platform):
        with self.httpd.lock:
            return [r for r in self.httpd.requests if r[0] == platform]

    def wait_for_requests(self, count, platform=None, timeout=10.0):
        """Waits until at least count requests (to platform, or to any) have arrived; fails
        loudly after timeout seconds (scaled)."""
        def arrived():
            with self.httpd.lock:
                return len([r for r in self.httpd.requests
                            if platform is None or r[0] == platform]) >= count
        wait_until(arrived, "%d request(s) to the %s emulator" % (count, platform or "platform"),
                   timeout)

    def channels_yaml(self, **overrides):
        """Configuration of one channel per platform pointing here."""
        base = self.base
        channels = {
            "wecom": "    type: wecom\n    url: %s/cgi-bin/webhook/send?key=%s\n" % (base, WECOM_KEY),
            "feishu": "    type: feishu\n    url: %s/open-apis/bot/v2/hook/%s\n    secret: %s\n"
                      % (base, FEISHU_TOKEN, FEISHU_SECRET),
            "dingtalk": "    type: dingtalk\n    url: %s/robot/send?access_token=%s\n"
                        "    secret: %s\n" % (base, DINGTALK_TOKEN, DINGTALK_SECRET),
            "telegram": "    type: telegram\n    api_base: %s\n    token: %s\n    chat_id: \"%s\"\n"
                        % (base, TELEGRAM_TOKEN, TELEGRAM_CHAT),
            "slack": "    type: slack\n    url: %s%s\n" % (base, SLACK_PATH),
            "discord": "    type: discord\n    url: %s%s\n" % (base, DISCORD_PATH),
            "ntfy": "    type: ntfy\n    url: %s/%s\n    token: %s\n" % (base, NTFY_TOPIC,
                                                                       NTFY_TOKEN),
            "webhook": "    type: webhook\n    url: %s/hook\n    secret: %s\n" % (base,
                                                                               WEBHOOK_SECRET),
        }
        only = overrides.pop("only", None)
        if only:
            channels = {k: v for k, v in channels.items() if k in only}
        text = "channels:\n"
        for name, body in channels.items():
            if overrides.get(name) is False:
                continue
            text += "  %s:\n%s%s" % (name, body, overrides.get(name, ""))
        return text
