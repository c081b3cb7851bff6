# SPDX-License-Identifier: MIT
"""End to end: briefings delivered to WeCom, Feishu, DingTalk and Telegram emulators; pages
that never cut an item; retries, ordering, permanent failures; a kill loop. Runs on either
store: `test_channels.py [sqlite|postgresql]` (skipped with the reason without a test
PostgreSQL)."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (BINARY, SiteServer, Workdir, duration, expect, run,  # noqa: E402
                      run_tests, wait_until)
from platforms import PlatformServer  # noqa: E402

NOW = "2025-04-07T20:46:00+08:00"
NOW_EPOCH = 1744029960
# no rate limits, and a timeout a loaded machine cannot reach (a timed-out request whose
# message the platform took is sent again: a duplicate the tests would count)
FAST = ("    retry_floor: 0s\n    per_minute: 0\n    per_second: 0\n    timeout: %s\n"
        % duration(30))


def write_config(work, site, platforms, extra="", per_page=10, **overrides):
    for name in ("wecom", "feishu", "dingtalk", "telegram"):
        overrides.setdefault(name, FAST)
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n  window: 72h\n  max_items: 35\n"
        "  items_per_page: %d\n%s"
        "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n"
        "  jiqizhixin:\n    type: jiqizhixin\n    base_url: %s\n    delay_ms: 0\n%s")
        % (pgtest.database_of(work), per_page, extra, site.base, site.base,
           platforms.channels_yaml(only=("wecom", "feishu", "dingtalk", "telegram"),
                                   **overrides)))


def item_urls(text):
    """Article links in order; the links of a story's other reports do not count."""
    text = re.sub(r"相关报道：[^\n]*", "", text)
    return re.findall(r"https://(?:news\.aibase\.com/zh/news/\d+|www\.jiqizhixin\.com/articles/"
                      r"[\d-]+)", text)


def all_urls(site):
    """The 35 article URLs, newest first, as `newsbrief run` to stdout lists them."""
    with Workdir() as work:
        path = work.write("newsbrief.yaml", (
            "newsbrief:\n  database: \"%s\"\n  window: 72h\n  max_items: 35\n"
            "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n"
            "  jiqizhixin:\n    type: jiqizhixin\n    base_url: %s\n    delay_ms: 0\n")
            % (pgtest.database_of(work), site.base, site.base))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        return item_urls(out)


def test_four_platforms_receive_every_item_uncut_and_in_order():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        expected = all_urls(site)
        expect(len(expected) == 34, "recordings: %d stories" % len(expected))
        path = write_config(work, site, platforms)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d:\n%s" % (code, err))
        expect(not [line for line in err.splitlines() if "error" in line or "resending" in line],
               "a delivery was retried or failed:\n" + err)
        wecom = [m["markdown"]["content"] for m in platforms.accepted("wecom")]
        # three pages of 10 items need at least two messages each; the last page has 5
        expect(len(wecom) >= 7, "10-item pages of the seed fit WeCom in 2-3 messages: %d"
               % len(wecom))
        expect(all(len(c.encode()) <= 4096 for c in wecom), [len(c.encode()) for c in wecom])
        expect(item_urls("".join(wecom)) == expected, "WeCom order or items differ")
        n = len(wecom)
        for i, content in enumerate(wecom, 1):
            expect(content.startswith("# 新闻简报 (更新时间: 2025-04-07 20:46) (%d/%d)\n" % (i, n)),
                   content[:80])
            # every item is whole: heading, link, time, and its summary paragraph
            for block in content.split("\n\n## ")[1:]:
                expect(re.match(r"\d+\. \[.+\]\(https://\S+\)   2025-04-0\d \d\d:\d\d\n\n\S", block),
                       "cut item: %r" % block[:200])
        feishu = platforms.accepted("feishu")
        lines = [line for m in feishu for line in m["content"]["post"]["zh_cn"]["content"]]
        # an item's line: "n. ", its link, its time; a related line starts with 相关报道
        heads = [line[1]["href"] for line in lines
                 if len(line) == 3 and line[0]["text"].strip().rstrip(".").isdigit()]
        expect(heads == expected, "Feishu items")
        expect(any(line[0]["text"] == "相关报道：" and line[1]["tag"] == "a" for line in lines),
               "Feishu related links")
        dingtalk = [m["markdown"]["text"] for m in platforms.accepted("dingtalk")]
        expect(item_urls("".join(dingtalk)) == expected, "DingTalk items")
        telegram = [m["text"] for m in platforms.accepted("telegram")]
        expect(item_urls("".join(telegram)) == expected, "Telegram items")
        code, out, err = run(["outbox", "--config", path])
        expect("the outbox is empty" in out, out)
        # a second run sends nothing
        before = len(platforms.httpd.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and len(platforms.httpd.requests) == before, "second run sent again")


def test_rate_limit_three_times_then_accepted_arrives_once():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        platforms.script["wecom"] = ["ratelimit"] * 3
        path = write_config(work, site, platforms, per_page=35, feishu=False, dingtalk=False,
                            telegram=False)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        sent = [m["markdown"]["content"] for m in platforms.accepted("wecom")]
        expect(len(platforms.requests("wecom")) == len(sent) + 3, "retries")
        expect(len(set(sent)) == len(sent), "a message arrived twice")
        expect(err.count("errcode 45009") == 3, err)


def test_transient_failure_keeps_the_order():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        platforms.script["telegram"] = ["error500"]
        path = write_config(work, site, platforms, wecom=False, feishu=False, dingtalk=False)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        texts = [m["text"] for m in platforms.accepted("telegram")]
        markers = [re.search(r"\((\d+)/(\d+)\)", t).group(1) for t in texts]
        expect(markers == [str(i) for i in range(1, len(texts) + 1)], markers)


def test_wrong_dingtalk_secret_stops_only_dingtalk():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        path = write_config(work, site, platforms)
        text = open(path).read().replace("SEC0123456789abcdef", "SECwrong")
        work.write("newsbrief.yaml", text)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1, "exit %d" % code)
        lines = [line for line in err.splitlines() if "error" in line]
        expect(len(lines) == 1 and "channel=dingtalk type=dingtalk error=config" in lines[0]
               and "sign not match" in lines[0], err)
        expect(len(platforms.requests("dingtalk")) == 1, "retried a permanent failure")
        expect(platforms.accepted("wecom") and platforms.accepted("feishu")
               and platforms.accepted("telegram"), "the other channels did not deliver")
        code, out, err = run(["outbox", "--config", path, "--json"])
        rows = json.loads(out)
        expect(rows and all(r["channel"] == "dingtalk" and r["status"] == "pending" for r in rows),
               rows)
        expect("sign not match" in rows[0]["last_answer"], rows[0])
        code, out, err = run(["push", "--dry-run", "--config", path])
        expect(code == 0 and out.count("== channel dingtalk") == len(rows), out[:300])
        # fixed secret: push delivers what waited, in order
        work.write("newsbrief.yaml", text.replace("SECwrong", "SEC0123456789abcdef"))
        code, out, err = run(["push", "--config", path, "--now", NOW])
        expect(code == 0 and "sent %d, pending 0" % len(rows) in out, out + err)
        expect(item_urls("".join(m["markdown"]["text"] for m in platforms.accepted("dingtalk")))
               == all_urls(site), "DingTalk after the fix")


def test_wecom_text_mode_and_news_cards():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        path = write_config(work, site, platforms, feishu=False, dingtalk=False, telegram=False,
                            wecom=FAST + "    mode: text\n    images: news\n")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        accepted = platforms.accepted("wecom")
        texts = [m["text"]["content"] for m in accepted if m["msgtype"] == "text"]
        cards = [m["news"]["articles"] for m in accepted if m["msgtype"] == "news"]
        expect(texts and all(len(t.encode()) <= 2048 for t in texts), "text budget")
        expect(all("](" not in t and "## " not in t for t in texts), "markdown in text mode")
        expect(cards and all(1 <= len(c) <= 8 and all(a["picurl"] for a in c) for c in cards),
               cards[:1])


def test_telegram_photos_and_feishu_cards():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        path = write_config(work, site, platforms, wecom=False, dingtalk=False,
                            telegram=FAST + "    photos: true\n",
                            feishu=FAST + "    format: card\n")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        photos = [m for m in platforms.accepted("telegram") if "photo" in m]
        texts = [m for m in platforms.accepted("telegram") if "text" in m]
        expect(len(photos) == 30 and len(texts) >= 1, "%d photos, %d texts" % (len(photos),
                                                                               len(texts)))
        expect(all(m["caption"].startswith("<a href=") for m in photos), photos[0])
        cards = platforms.accepted("feishu")
        expect(cards and all(m["msg_type"] == "interactive" for m in cards), cards[:1])


def test_kill_loop_loses_nothing():
    with SiteServer() as site, PlatformServer(NOW_EPOCH, latency=0.02) as platforms, \
            Workdir() as work:
        path = write_config(work, site, platforms, per_page=1, wecom=False, dingtalk=False,
                            telegram=False)
        env = dict(os.environ, NEWSBRIEF_NOW=NOW)
        rng = random.Random(7)
        for attempt in range(30):
            before = len(platforms.requests("feishu"))
            proc = subprocess.Popen([BINARY, "run", "-q", "--config", path], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if attempt % 3 == 0:
                    # at a random moment: while collecting, composing or sending
                    time.sleep(rng.uniform(0.05, 1.5))
                else:
                    # while sending: once one or two more messages reached the platform (or
                    # the run ended), after a moment that may fall inside a request
                    target = before + rng.randint(1, 2)
                    wait_until(lambda: len(platforms.requests("feishu")) >= target
                               or proc.poll() is not None, "a run to deliver", timeout=60)
                    time.sleep(rng.uniform(0, 0.03))
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        sent_during_loop = len(platforms.accepted("feishu"))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, out + err)
        expect(0 < sent_during_loop, "no kill landed after delivery began")
        rows = pgtest.query(pgtest.database_of(work), "SELECT payload, status, possible_duplicate"
                            " FROM deliveries WHERE channel = 'feishu'")
        expect(len(rows) == 34 and all(r[1] == "sent" for r in rows),
               "%d rows, statuses %r" % (len(rows), sorted(set(r[1] for r in rows))))
        received = [json.dumps(m["content"], ensure_ascii=False, sort_keys=True)
                    for m in platforms.accepted("feishu")]
        for payload, status, duplicate in rows:
            key = json.dumps(json.loads(payload)["content"], ensure_ascii=False, sort_keys=True)
            count = received.count(key)
            expect(count >= 1, "a message was lost")
            expect(count == 1 or duplicate, "a duplicate of a row that was not being sent")
        expect(len(received) >= 34, "received %d" % len(received))


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
