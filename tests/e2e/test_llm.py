# SPDX-License-Identifier: MIT
"""End to end: summaries through a loopback OpenAI-protocol server, the cache, and every
failure mode ending in a summary without losing an item. Runs on either store:
`test_llm.py [sqlite|postgresql]` (skipped with the reason without a test PostgreSQL)."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (LLMServer, SiteServer, Workdir, duration, expect, run,  # noqa: E402
                      run_tests, scaled)

NOW = "2025-04-07T10:45:00+08:00"


def config(work, site, llm, extra="", timeout=None):
    return work.write("newsbrief.yaml", """\
newsbrief:
  database: "%s"
  window: 24h
sources:
  lab:
    type: feed
    url: %s/feeds/atom-utc.xml
  cn-tech:
    type: feed
    url: %s/feeds/rss-cst.xml
summarizer:
  type: llm
  api_base: %s
  api_key: ${NB_TEST_LLM_KEY}
  model: test-model
  timeout: %s
  max_retries: 1
  min_chars: 40
  max_chars: 200
  price_input: 1
  price_output: 2
%s""" % (pgtest.database_of(work), site.base, site.base, llm.api_base,
           timeout or duration(30), extra))


ENV = {"NB_TEST_LLM_KEY": "test-key"}


def summaries(out):
    """title -> the paragraph under it."""
    return dict(re.findall(r"^## \d+\. \[(.*)\]\(\S+\)   [\d: -]+\n\n([^\n!#][^\n]*)\n", out, re.M))


def paths(err):
    return re.findall(r"summary source=\S+ key=\S+ path=(\w+)", err)


def summary_requests(requests):
    return [r for r in requests if "同一件事".encode() not in r[2]]


def run_mode(mode, fail_first=None):
    # a generous timeout (a loaded machine must not turn an answer into a timeout), except
    # for the timeout case: its server answers three timeouts late
    timeout = duration(1) if mode == "slow" else None
    with SiteServer() as site, LLMServer(mode=mode, fail_first=fail_first,
                                         slow_seconds=scaled(3)) as llm, Workdir() as work:
        path = config(work, site, llm, timeout=timeout)
        started = time.monotonic()
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        return code, out, err, llm.httpd.requests, time.monotonic() - started


def expect_all_items_summarized(code, out, err):
    expect(code == 0, "exit %d: %s" % (code, err))
    found = summaries(out)
    expect(len(found) == 4, "want 4 summarized items, got %d:\n%s" % (len(found), out))
    expect(all(len(s) >= 5 for s in found.values()), found)
    expect("test-key" not in err, "the API key reached the log")


def test_replies_are_cleaned_and_cached():
    with SiteServer() as site, LLMServer() as llm, Workdir() as work:
        path = config(work, site, llm)
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        expect_all_items_summarized(code, out, err)
        expect(paths(err) == ["llm"] * 4, paths(err))
        found = summaries(out)
        expect(found["国产大模型发布新版本"].startswith("《国产大模型发布新版本》一文报道了最新进展。"),
               found)
        for text in found.values():
            # markdown, the "摘要：" prefix and the wrapping quotes are gone; brackets inert
            expect("**" not in text and "摘要" not in text and not text.startswith("“")
                   and "[" not in text, text)
        expect(len(llm.requests) == 4, "requests: %d" % len(llm.requests))
        route, headers, body = llm.requests[0]
        request = json.loads(body)
        expect(route == "/v1/chat/completions" and headers["Authorization"] == "Bearer test-key",
               headers)
        expect(request["model"] == "test-model" and request["stream"] is False, request)
        expect([m["role"] for m in request["messages"]] == ["system", "user"], request)
        expect("40到200个字" in request["messages"][1]["content"], request["messages"][1])
        expect(re.search(r"model=test-model requests=4 prompt_tokens=\d+ completion_tokens=\d+ "
                         r"cost=0\.\d{4}", err), err)
        # the cache holds the four summaries under the model (beside the same-story verdict
        # of the question it was asked); the cost is recorded
        database = pgtest.database_of(work)
        cached = pgtest.query(database, "SELECT model, COUNT(*), MIN(length(text)) FROM summaries"
                                        " WHERE prompt_hash != 'same-story-v1' GROUP BY model")
        expect(len(cached) == 1 and cached[0][:2] == ("test-model", 4) and cached[0][2] >= 5,
               cached)
        usage = pgtest.query(database, "SELECT model, requests FROM llm_usage")
        expect(usage == [("test-model", 4)], usage)
        # nothing new: no briefing, no request
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        expect(code == 0 and out == "" and len(llm.requests) == 4, "second run asked again")
        # one new article: the briefing holds it alone, and only it goes to the model
        site.override("/feeds/atom-utc.xml", "../feeds/atom-utc-more.xml",
                      kind="application/atom+xml")
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        expect(code == 0 and list(summaries(out)) == ["新的一条：开源模型登顶榜单"], out + err)
        expect(len(llm.requests) == 5, "requests: %d" % len(llm.requests))


def test_a_second_channel_reads_summaries_from_the_cache():
    with SiteServer() as site, LLMServer() as llm, Workdir() as work:
        channels = "channels:\n" + "".join(
            "  %s:\n    type: file\n    path: %s/%s.md\n" % (n, work.path, n) for n in "ab")
        path = config(work, site, llm)
        work.write("newsbrief.yaml", open(path).read().replace("summarizer:",
                                                               channels + "summarizer:"))
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        expect(code == 0, err)
        expect(len(llm.requests) == 4, "the same articles were asked twice: %d requests"
               % len(llm.requests))
        expect(paths(err) == ["llm"] * 4 + ["cache"] * 4, paths(err))
        a = open(os.path.join(work.path, "a.md")).read()
        expect(a == open(os.path.join(work.path, "b.md")).read() and a.count("\n## ") == 4, a)


def test_rate_limit_is_waited_out():
    code, out, err, requests, elapsed = run_mode("429", fail_first=1)
    expect_all_items_summarized(code, out, err)
    expect(paths(err) == ["llm"] * 4, paths(err))
    distinct = len(set(body for _, _, body in requests))
    expect(len(requests) == distinct + 1 and elapsed >= 1.0,
           "%d requests (%d distinct) in %.2f s" % (len(requests), distinct, elapsed))


def test_server_errors_fall_back():
    code, out, err, requests, _ = run_mode("500")
    expect_all_items_summarized(code, out, err)
    expect(len(summary_requests(requests)) == 8, "one retry per item: %d requests"
           % len(summary_requests(requests)))
    expect(set(paths(err)) <= {"source", "extractive"} and len(paths(err)) == 4, paths(err))
    expect("HTTP 500: upstream failure" in err and "fallback=yes" in err, err)


def test_timeouts_fall_back():
    code, out, err, requests, elapsed = run_mode("slow")
    expect_all_items_summarized(code, out, err)
    expect(len(summary_requests(requests)) == 8 and "timed out" in err, err)


def test_malformed_json_falls_back():
    code, out, err, requests, _ = run_mode("malformed")
    expect_all_items_summarized(code, out, err)
    expect(len(summary_requests(requests)) == 4 and "error=parse" in err, err)


def test_refusal_gets_one_correction_then_falls_back():
    code, out, err, requests, _ = run_mode("refusal")
    expect_all_items_summarized(code, out, err)
    requests = summary_requests(requests)
    expect(len(requests) == 8, "want a corrective request per item: %d" % len(requests))
    corrective = json.loads(requests[-1][2])["messages"]
    expect([m["role"] for m in corrective] == ["system", "user", "assistant", "user"], corrective)
    expect("抱歉" not in "".join(summaries(out).values()), out)


def test_overlong_reply_gets_one_correction_then_falls_back():
    code, out, err, requests, _ = run_mode("overlong")
    expect_all_items_summarized(code, out, err)
    expect(len(summary_requests(requests)) == 8 and "over 200" in err, err)
    expect(all(len(s) <= 200 for s in summaries(out).values()), out)


def test_requests_per_minute_are_spaced():
    with SiteServer() as site, LLMServer() as llm, Workdir() as work:
        path = config(work, site, llm, extra="  rpm: 120\n")  # one every 0.5 s
        started = time.monotonic()
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW], env=ENV)
        elapsed = time.monotonic() - started
        expect_all_items_summarized(code, out, err)
        expect(elapsed >= 1.4, "4 requests at 120 per minute took only %.2f s" % elapsed)


@pgtest.store_free
def test_llm_needs_api_base_and_model():
    with Workdir() as work:
        path = work.write("newsbrief.yaml", "sources:\n  a:\n    type: feed\n    url: http://a/\n"
                          "summarizer:\n  type: llm\n  model: m\n")
        code, out, err = run(["check-config", "--config", path])
        expect(code == 2 and "type llm needs api_base and model" in err, err)


def test_grey_zone_stories_are_settled_by_the_llm():
    with SiteServer() as site, LLMServer() as llm, Workdir() as work:
        path = work.write("newsbrief.yaml", (
            "newsbrief:\n  database: \"%s\"\n  window: 24h\nsources:\n"
            "  llama:\n    type: feed\n    url: %s/feeds/llama.xml\n"
            "summarizer:\n  type: llm\n  api_base: %s\n  api_key: ${NB_TEST_LLM_KEY}\n"
            "  model: test-model\n  min_chars: 40\n")
            % (pgtest.database_of(work), site.base, llm.api_base))
        code, out, err = run(["run", "-v", "--config", path, "--now", NOW2], env=ENV)
        expect(code == 0, err)
        # the Llama 4 / Maverick pair: too different in words offline, one story for the LLM
        expect(out.count("\n## ") == 1 and "相关报道：" in out, out)
        expect(len(llm.questions) == 1 and "same=1" in err, err)
    with SiteServer() as site, Workdir() as work:
        path = work.write("newsbrief.yaml", (
            "newsbrief:\n  database: \"%s\"\n  window: 24h\nsources:\n"
            "  llama:\n    type: feed\n    url: %s/feeds/llama.xml\n")
            % (pgtest.database_of(work), site.base))
        code, out, err = run(["run", "--config", path, "--now", NOW2])
        expect(code == 0 and out.count("\n## ") == 2, "offline, they stay apart: " + out)


NOW2 = "2025-04-07T15:00:00+08:00"


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
