# SPDX-License-Identifier: MIT
"""End to end: `newsbrief mcp` (stdio) and /mcp on `newsbrief serve` (Streamable HTTP), on a
database filled by a real run against the loopback sites. The official MCP TypeScript SDK
is the client (tests/e2e/mcp, installed by scripts/install-deps.sh): it connects, lists the
tools, calls each one and checks every structured result against the tool's output schema.
Raw JSON-RPC cases check the protocol's error codes on both transports. Runs on either store:
`test_mcp.py [sqlite|postgresql]` (skipped with the reason without a test PostgreSQL)."""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (BINARY, ArchiveServer, SiteServer, Workdir, expect, run,  # noqa: E402
                      run_tests, time_scale)

NOW = "2025-04-07T20:46:00+08:00"
CLIENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcp")
NODE = shutil.which("node") or shutil.which("nodejs")
SDK = os.path.join(CLIENT_DIR, "node_modules", "@modelcontextprotocol", "sdk", "package.json")
READ_ONLY_TOOLS = {"search_items", "latest_items", "list_briefings", "get_briefing", "get_item",
                   "related_items", "list_sources", "resolve_date_range"}


def write_config(work, server, extra=""):
    return work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
  timezone: Asia/Shanghai
  window: 48h
sources:
  aibase:
    type: aibase
    base_url: %s
  jiqizhixin:
    type: jiqizhixin
    base_url: %s
channels:
  out:
    type: stdout
%s""" % (pgtest.database_of(work), server.base, server.base, extra))


def filled(work, server, extra=""):
    """A config whose database holds one real run's items and briefing."""
    path = write_config(work, server, extra)
    code, out, err = run(["run", "--config", path], env={"NEWSBRIEF_NOW": NOW})
    expect(code == 0 and "新闻简报" in out, "run: exit %d: %s" % (code, err))
    return path


class StdioServer:
    """`newsbrief mcp` with pipes: send() one line, answer() reads one line."""

    def __init__(self, config):
        env = dict(os.environ, NEWSBRIEF_NOW=NOW)
        self.proc = subprocess.Popen([BINARY, "mcp", "--config", config], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def send(self, text):
        self.proc.stdin.write(text.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def answer(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("no answer from newsbrief mcp (exit %s, stderr: %s)" %
                                 (self.proc.wait(), self.proc.stderr.read()))
        return json.loads(line)

    def call(self, message):
        self.send(json.dumps(message))
        return self.answer()

    def close(self):
        """Closes stdin; returns (exit code, what stdout still held)."""
        self.proc.stdin.close()
        rest = self.proc.stdout.read()
        code = self.proc.wait(timeout=30 * time_scale())
        self.proc.stderr.close()
        self.proc.stdout.close()
        return code, rest


def sdk_client(mode, target, extra, calls, work):
    calls_path = work.write("calls.json", json.dumps(calls))
    proc = subprocess.run([NODE, os.path.join(CLIENT_DIR, "client.mjs"), mode, target, extra,
                           calls_path], capture_output=True, timeout=120 * time_scale(),
                          env=dict(os.environ, NEWSBRIEF_NOW=NOW))
    out = proc.stdout.decode("utf-8")
    expect(proc.returncode == 0 and out.strip(),
           "SDK client exit %d: %s %s" % (proc.returncode, out, proc.stderr.decode()))
    return json.loads(out)


def structured(call):
    expect(call["ok"], "%s failed in the SDK client: %s" % (call.get("tool"), call.get("error")))
    result = call["result"]
    expect(not result.get("isError"), "%s: isError: %s" % (call["tool"], result))
    expect(json.loads(result["content"][0]["text"]) == result["structuredContent"],
           "%s: the text block differs from structuredContent" % call["tool"])
    return result["structuredContent"]


def check_session(seen):
    """What an SDK session over either transport must have seen on the filled database."""
    expect(seen["server"]["name"] == "newsbrief", seen["server"])
    names = {t["name"] for t in seen["tools"]}
    expect(names == READ_ONLY_TOOLS, "tools listed: %s" % sorted(names))
    for tool in seen["tools"]:
        expect(tool["annotations"]["readOnlyHint"] is True, tool["name"])
        expect(tool["inputSchema"]["type"] == "object" and "outputSchema" in tool, tool["name"])
    calls = {c.get("tool") or c.get("resource"): c for c in seen["calls"]}

    found = structured(calls["search_items"])
    expect(found["total"] >= 1 and found["items"], "search 大模型: %s" % found)
    expect(all("大模型" in (i["title"] + (i["summary"] or "")) for i in found["items"]), found)
    expect(any("**大模型**" in (i["title_marked"] or "") + (i["snippet"] or "")
               for i in found["items"]), "matches marked: %s" % found["items"][0])

    latest = structured(calls["latest_items"])["items"]
    expect(len(latest) == 3, "latest_items limit 3: %d" % len(latest))
    times = [i["published"] for i in latest]
    expect(times == sorted(times, reverse=True), "newest first: %s" % times)

    briefings = structured(calls["list_briefings"])["briefings"]
    expect(len(briefings) == 1 and briefings[0]["id"].startswith("2025-04-07-"), briefings)
    expect(briefings[0]["items"] >= 10, briefings)

    dates = structured(calls["resolve_date_range"])
    expect(dates["from"] == "2025-04-01" and dates["to"] == "2025-04-07" and dates["days"] == 7,
           dates)
    expect(dates["start_utc"] == "2025-03-31T16:00:00Z", dates)

    sources = structured(calls["list_sources"])["sources"]
    expect(sorted(s["name"] for s in sources) == ["aibase", "jiqizhixin"], sources)
    expect(all(s["health"] == "ok" for s in sources), sources)
    return briefings[0]["id"], latest[0]["id"]


def base_calls():
    return [
        {"tool": "search_items", "arguments": {"query": "大模型", "limit": 5}},
        {"tool": "latest_items", "arguments": {"limit": 3}},
        {"tool": "list_briefings", "arguments": {"from": "2025-04-07", "to": "今天"}},
        {"tool": "resolve_date_range", "arguments": {"expression": "最近7天"}},
        {"tool": "list_sources"},
    ]


def detail_calls(briefing_id, item_id):
    return [
        {"tool": "get_briefing", "arguments": {"id": briefing_id}},
        {"tool": "get_item", "arguments": {"id": item_id}},
        {"tool": "related_items", "arguments": {"id": item_id, "limit": 3}},
        {"tool": "related_items", "arguments": {"query": "Meta 发布 Llama 4 多模态模型"}},
        {"tool": "get_briefing", "arguments": {"id": "1999-01-01-0000"}},
        {"resource": "newsbrief://briefing/" + briefing_id},
        {"resource": "newsbrief://item/%d" % item_id},
    ]


def check_details(seen, briefing_id, item_id):
    calls = seen["calls"]
    briefing = structured(calls[0])
    expect(briefing["id"] == briefing_id and len(briefing["entries"]) == briefing["items"],
           briefing)
    expect([e["position"] for e in briefing["entries"]] ==
           list(range(1, len(briefing["entries"]) + 1)), "positions")
    expect(any(e.get("other_reports") for e in briefing["entries"]),
           "a merged story lists its other reports")
    item = structured(calls[1])
    expect(item["id"] == item_id and item["title"] and "same_story" in item, item)
    expect(isinstance(item["truncated"], bool), item)
    related = structured(calls[2])["items"]
    expect(all(r["id"] != item_id for r in related), "the item itself is not related to itself")
    llama = structured(calls[3])["items"]
    expect(llama and "Llama" in llama[0]["title"], "related to a Llama 4 text: %s" % llama[:1])
    missing = calls[4]
    expect(missing["ok"] and missing["result"]["isError"] is True and
           "list_briefings" in missing["result"]["content"][0]["text"],
           "a missing briefing is a tool error the model can act on: %s" % missing)
    page = calls[5]["result"]["contents"][0]
    expect(page["mimeType"] == "text/markdown" and page["text"].startswith("# "), page)
    expect(calls[6]["result"]["contents"][0]["text"].startswith("# ["), calls[6])


def test_sdk_client_over_stdio():
    if not NODE or not os.path.exists(SDK):
        print("skipped: node or the MCP SDK (scripts/install-deps.sh) is missing")
        return
    with SiteServer() as server, Workdir() as work:
        config = filled(work, server)
        seen = sdk_client("stdio", BINARY, config, base_calls(), work)
        expect(seen["protocolVersion"] in (None, "2025-11-25"), seen["protocolVersion"])
        briefing_id, item_id = check_session(seen)
        check_details(sdk_client("stdio", BINARY, config, detail_calls(briefing_id, item_id),
                                 work), briefing_id, item_id)


def test_raw_json_rpc_over_stdio():
    with SiteServer() as server, Workdir() as work:
        server_proc = StdioServer(filled(work, server))
        init = server_proc.call({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}})
        expect(init["result"]["protocolVersion"] == "2025-06-18", init)
        server_proc.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        newest = server_proc.call({"jsonrpc": "2.0", "id": "two", "method": "initialize",
                                   "params": {"protocolVersion": "2099-01-01"}})
        expect(newest["id"] == "two" and newest["result"]["protocolVersion"] == "2025-11-25",
               newest)
        expect(server_proc.call({"jsonrpc": "2.0", "id": 3, "method": "ping"})["result"] == {},
               "ping")
        cases = [
            ("{not json", -32700),
            (json.dumps({"id": 4, "method": "ping"}), -32600),
            (json.dumps([{"jsonrpc": "2.0", "id": 5, "method": "ping"}]), -32600),
            (json.dumps({"jsonrpc": "2.0", "id": 6, "method": "no/such"}), -32601),
            (json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                         "params": {"name": "no_such_tool"}}), -32602),
            (json.dumps({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                         "params": {"name": "latest_items", "arguments": {"limit": "ten"}}}),
             -32602),
            (json.dumps({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                         "params": {"name": "search_items", "arguments": {}}}), -32602),
            (json.dumps({"jsonrpc": "2.0", "id": 10, "method": "tools/call",
                         "params": {"name": "latest_items", "arguments": {"limit": 1000}}}),
             -32602),
            (json.dumps({"jsonrpc": "2.0", "id": 11, "method": "tools/call",
                         "params": {"name": "run_now", "arguments": {}}}), -32602),
        ]
        for text, code in cases:
            server_proc.send(text)
            answer = server_proc.answer()
            expect(answer.get("error", {}).get("code") == code,
                   "%s: want error %d, got %s" % (text, code, answer))
        # A notification gets no answer: the next answer is the ping's.
        server_proc.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                     "params": {"requestId": 99}}))
        expect(server_proc.call({"jsonrpc": "2.0", "id": 12, "method": "ping"})["id"] == 12,
               "a notification was answered")
        bad_date = server_proc.call({"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {
            "name": "resolve_date_range", "arguments": {"expression": "next blue moon"}}})
        expect(bad_date.get("error", {}).get("code") == -32602 and
               "最近N天" in bad_date["error"]["message"], bad_date)
        code, rest = server_proc.close()
        expect(code == 0 and rest == b"", "exit %d after stdin closed, stdout %r" % (code, rest))


def test_actions_listed_only_when_allowed_and_they_work():
    with SiteServer() as server, Workdir() as work:
        copy = os.path.join(work.path, "copy.md")
        config = filled(work, server, "  copy:\n    type: file\n    path: %s\n"
                                      "mcp:\n  allow_actions: true\n" % copy)
        os.remove(copy)
        proc = StdioServer(config)
        tools = proc.call({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})["result"]["tools"]
        by_name = {t["name"]: t for t in tools}
        expect({"run_now", "send_briefing"} <= set(by_name), sorted(by_name))
        expect(by_name["run_now"]["annotations"]["readOnlyHint"] is False, by_name["run_now"])
        listed = proc.call({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "list_briefings", "arguments": {}}})["result"]["structuredContent"]
        slug = [b["id"] for b in listed["briefings"] if b["channel"] == "out"][0]
        sent = proc.call({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "send_briefing", "arguments": {"id": slug, "channel": "copy"}}})["result"]
        expect(sent["isError"] is False and "sent 1" in sent["structuredContent"]["result"],
               sent)
        with open(copy, encoding="utf-8") as f:
            written = f.read()
        expect(written.startswith("# 新闻简报"), written[:200])
        wrong = proc.call({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "send_briefing", "arguments": {"id": slug, "channel": "nowhere"}}})
        expect(wrong["result"]["isError"] is True and
               "nowhere" in wrong["result"]["content"][0]["text"], wrong)
        again = proc.call({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
            "name": "run_now", "arguments": {}}})["result"]
        expect(again["isError"] is False and "finished" in again["structuredContent"]["result"],
               again)
        code, rest = proc.close()
        expect(code == 0 and rest == b"", "stdout carried more than MCP: %r" % rest)


def post(base, message, headers=None, method="POST"):
    """One HTTP request to /mcp; returns (status, headers, parsed JSON body or None)."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    req = urllib.request.Request(base + "/mcp", data=data, method=method, headers=dict(
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
        **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=30 * time_scale()) as resp:
            status, got, body = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        status, got, body = e.code, dict(e.headers), e.read()
    got = {k.lower(): v for k, v in got.items()}
    is_json = got.get("content-type", "").startswith("application/json")
    return status, got, json.loads(body) if body and is_json else (body or None)


def test_sdk_client_over_http():
    if not NODE or not os.path.exists(SDK):
        print("skipped: node or the MCP SDK (scripts/install-deps.sh) is missing")
        return
    with SiteServer() as server, Workdir() as work:
        config = filled(work, server, "web:\n  token: s3cret-token-4242-abcd\n")
        with ArchiveServer(["--config", config], env={"NEWSBRIEF_NOW": NOW}) as web:
            seen = sdk_client("http", web.base + "/mcp", "s3cret-token-4242-abcd", base_calls(), work)
            briefing_id, item_id = check_session(seen)
            check_details(sdk_client("http", web.base + "/mcp", "s3cret-token-4242-abcd",
                                     detail_calls(briefing_id, item_id), work),
                          briefing_id, item_id)


def test_raw_json_rpc_over_http():
    with SiteServer() as server, Workdir() as work:
        config = filled(work, server, "web:\n  token: s3cret-token-4242-abcd\n")
        with ArchiveServer(["--config", config], env={"NEWSBRIEF_NOW": NOW}) as web:
            auth = {"Authorization": "Bearer s3cret-token-4242-abcd"}
            ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
            status, headers, body = post(web.base, ping, auth)
            expect(status == 200 and body == {"jsonrpc": "2.0", "id": 1, "result": {}},
                   (status, body))
            expect(headers["content-type"].startswith("application/json"), headers)
            expect(headers.get("x-content-type-options") == "nosniff", headers)
            status, _, body = post(web.base, ping)
            expect(status == 401, "no token: %d" % status)
            status, _, body = post(web.base, ping, dict(auth, Origin="http://evil.example"))
            expect(status == 403, "foreign Origin: %d" % status)
            status, _, body = post(web.base, ping, dict(auth, Origin=web.base))
            expect(status == 200, "own Origin: %d %s" % (status, body))
            status, _, body = post(web.base, ping, dict(auth, **{
                "MCP-Protocol-Version": "1999-01-01"}))
            expect(status == 400, "unsupported MCP-Protocol-Version: %d" % status)
            status, _, body = post(web.base, ping, dict(auth, **{
                "MCP-Protocol-Version": "2025-06-18"}))
            expect(status == 200, "supported MCP-Protocol-Version: %d" % status)
            status, _, body = post(web.base, json.dumps(
                {"jsonrpc": "2.0", "method": "notifications/initialized"}), auth)
            expect(status == 202 and body is None, "notification: %d %s" % (status, body))
            status, _, body = post(web.base, "{oops", auth)
            expect(status == 400 and body["error"]["code"] == -32700, (status, body))
            status, _, body = post(web.base, json.dumps([json.loads(ping)]), auth)
            expect(status == 400 and body["error"]["code"] == -32600, (status, body))
            status, _, body = post(web.base, json.dumps({"jsonrpc": "2.0", "id": 2,
                                                         "method": "nope"}), auth)
            expect(status == 200 and body["error"]["code"] == -32601, (status, body))
            status, headers, body = post(web.base, None, auth, method="GET")
            expect(status == 405 and "POST" in headers.get("allow", ""), (status, headers))
            status, _, body = post(web.base, json.dumps({
                "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "search_items", "arguments": {"query": "模型", "limit": 2}}}),
                auth)
            found = body["result"]["structuredContent"]
            expect(status == 200 and found["substring_only"] is True and found["items"],
                   "a two-character search: %s" % found)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
