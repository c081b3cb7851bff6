# SPDX-License-Identifier: MIT
"""End to end: the aibase, 机器之心 and 量子位 adapters against a loopback site server that
answers from recordings, and every way a site can refuse or drift."""
import os
import re
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402

NOW = "2025-04-07T20:46:00+08:00"
NOW_MS = "1744029960000"


def write_config(work, server, sources, window="72h", max_items=40, delay=True):
    text = "newsbrief:\n  database: %s/nb.db\n  window: %s\n  max_items: %d\nsources:\n" % (
        work.path, window, max_items)
    for name in sources:
        text += "  %s:\n    type: %s\n    base_url: %s\n" % (name, name, server.base)
        if delay:
            text += "    delay_ms: 0\n"
    return work.write("newsbrief.yaml", text)


def items_of(out):
    """(title, url, display time) of every item in a briefing."""
    return re.findall(r"^## \d+\. \[(.*)\]\((\S+)\)   (\d{4}-\d\d-\d\d \d\d:\d\d)$", out, re.M)


def requests_to(server, prefix):
    return [(urllib.parse.urlsplit(p), h) for p, h in server.requests if p.startswith(prefix)]


def test_both_sites_merged_newest_first():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, server, ["aibase", "jiqizhixin"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and err == "", "exit %d: %s" % (code, err))
        items = items_of(out)
        # 35 articles, 34 stories: the two UN reports (16886, 16890) are one entry
        expect(len(items) == 34, "want 34 stories, got %d" % len(items))
        expect("相关报道：[AIbase](https://news.aibase.com/zh/news/16890)" in out, "related link")
        times = [t for _, _, t in items]
        expect(times == sorted(times, reverse=True), "not newest first")
        expect(items[0] == ("商汤科技 SenseCore 2.0 升级在即，算力将实现指数级增长",
                            "https://news.aibase.com/zh/news/16902", "2025-04-07 17:46"),
               items[0])
        urls = [u for _, u, _ in items]
        expect("https://www.jiqizhixin.com/articles/2025-04-07" in urls, "bare-date slug")
        expect(all(u.startswith(("https://news.aibase.com/zh/news/",
                                 "https://www.jiqizhixin.com/articles/")) for u in urls), urls)
        # display times are Beijing time as the sites print them
        expect(("反向传播、前向传播都不要，这种无梯度学习方法是Hinton想要的吗？",
                "https://www.jiqizhixin.com/articles/2025-04-07-7", "2025-04-07 13:22") in items,
               "机器之心 item or its time")
        # the seed's images: aibase thumb, 机器之心 cover; none where the seed has none
        expect("![](https://pic.chinaz.com/picmap/202111072153100579_0.jpg)" in out, "thumb")
        block = out.split("(https://news.aibase.com/zh/news/16901)")[1].split("\n---")[0]
        expect("![](" not in block, "16901 has no image in the recordings")
        # stored times are UTC
        db = sqlite3.connect(os.path.join(work.path, "nb.db"))
        row = db.execute("SELECT published_at, author, tags, content FROM items"
                         " WHERE source='aibase' AND key='16890'").fetchone()
        expect(row[0] == 1744006890, "16890 stored at %r, want 2025-04-07T06:21:30Z" % row[0])
        expect(row[1] == "AIbase" and "联合国" in row[2], row)
        expect("spamTxt" not in row[3] and "划重点" not in row[3] and "图源备注" not in row[3],
               "body not cleaned: %r" % row[3])
        expect(row[3].count("\n\n") >= 2, "paragraphs lost")
        row = db.execute("SELECT published_at, content FROM items WHERE source='jiqizhixin'"
                         " AND key='2025-04-07-7'").fetchone()
        expect(row[0] == 1744003333, "detail time with seconds, UTC: %r" % row[0])
        expect(not row[1].startswith("机器之心报道") and "编辑：" not in row[1][:20]
               and "相关推荐" not in row[1] and "__stat" not in row[1], repr(row[1][:80]))
        # requests as SOURCES.md gives them
        lists = requests_to(server, "/api/aiInfo/aiNews")
        expect([urllib.parse.parse_qs(u.query)["pageNo"] for u, _ in lists] == [["1"], ["2"]],
               "aibase pages: %r" % lists)
        query = urllib.parse.parse_qs(lists[0][0].query)
        expect(query["t"] == [NOW_MS] and query["langType"] == ["zh_cn"], query)
        details = requests_to(server, "/api/aiInfo/detail")
        expect(len(details) == 26, "aibase details: %d" % len(details))
        expect(urllib.parse.parse_qs(details[0][0].query)["type"] == ["news"], details[0])
        jq = requests_to(server, "/api/article_library/")
        expect(len(jq) == 10, "机器之心 requests: %d" % len(jq))
        for url, headers in jq:
            expect(headers.get("X-Requested-With") == "XMLHttpRequest", headers)
            expect(headers.get("Accept") == "application/json", headers)
            expect("Chrome/" in headers.get("User-Agent", ""), headers)
        detail_referers = [h["Referer"] for u, h in jq if u.path.endswith("2025-04-07-7.json")]
        expect(detail_referers == ["https://www.jiqizhixin.com/articles/2025-04-07-7"],
               detail_referers)


def test_second_run_stops_at_known_items():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, server, ["aibase", "jiqizhixin"])
        run(["run", "--config", path, "--now", NOW])
        before = len(server.requests)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0 and out == "" and
               err == "newsbrief: nothing new since 20:46: no briefing\n", (code, out, err))
        paths = [p for p, _ in server.requests[before:]]
        expect(len(paths) == 2, "second run should fetch page 1 of each list only: %r" % paths)


def test_window_stops_paging():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, server, ["aibase"], window="6h")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        pages = requests_to(server, "/api/aiInfo/aiNews")
        expect(len(pages) == 1, "page 2 fetched although page 1 reached the window")
        # 20:46 - 6 h = 14:46: eight items from 15:50 to 17:46; 16892 (14:45) is out
        expect(len(items_of(out)) == 8, "items within 6 h: %d" % len(items_of(out)))


def test_interstitial_is_blocked_and_the_other_site_still_briefs():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/article_library/articles.json", "broken/jiqizhixin-interstitial.html",
                        kind="text/html; charset=utf-8")
        path = write_config(work, server, ["aibase", "jiqizhixin"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, "exit %d" % code)
        lines = [line for line in err.splitlines() if "error=" in line]
        expect(len(lines) == 1, "want one error line, got:\n" + err)
        expect(err.splitlines()[-1] == "newsbrief: 1 of 2 sources failed; see newsbrief sources",
               err)
        expect("name=jiqizhixin type=jiqizhixin error=blocked" in lines[0], lines[0])
        expect("list page 1" in lines[0] and "/api/article_library/articles.json" in lines[0]
               and "机器之心·数据服务" in lines[0], lines[0])
        expect(len(items_of(out)) == 25, "aibase stories still briefed")
        code, out, err = run(["sources", "--config", path, "--json"])
        expect('"consecutive_failures": 1' in out, out)


def test_html_shell_where_json_was_promised():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/article_library/articles.json", "broken/jiqizhixin-shell.html",
                        kind="text/html")
        path = write_config(work, server, ["jiqizhixin"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1, "the only source failed: exit %d" % code)
        expect("error=parse" in err and "expected JSON, got text/html" in err
               and "<!DOCTYPE html>" in err, err)


def test_failure_envelope():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/aiInfo/aiNews", "broken/aibase-error-4001.json")
        path = write_config(work, server, ["aibase", "jiqizhixin"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        expect("name=aibase type=aibase error=schema" in err
               and "failure envelope: code 4001 (所需参数不足)" in err, err)


def test_drifted_and_missing_fields():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/aiInfo/aiNews", "broken/aibase-drifted-createTime.json")
        server.override("/api/article_library/articles/2025-04-07-7.json",
                        "broken/jiqizhixin-detail-no-content.json")
        path = write_config(work, server, ["aibase", "jiqizhixin"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1, "no source succeeded cleanly: exit %d" % code)
        # item-level errors name the response's URL as well as the field path
        expect(re.search(r"list page 1: %s/api/aiInfo/aiNews\?\S*pageNo=1: "
                         r"data\.list\[0\]\.createTime: expected string, got integer"
                         % re.escape(server.base), err), err)
        expect("detail 2025-04-07-7: %s/api/article_library/articles/2025-04-07-7.json: "
               "content: missing" % server.base in err, err)
        # the other 机器之心 articles are stored and briefed; the broken one is retried next run
        urls = [u for _, u, _ in items_of(out)]
        expect(len(urls) == 8 and not any(u.endswith("2025-04-07-7") for u in urls), urls)


def test_missing_field_of_one_list_item_names_the_url():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/aiInfo/aiNews", "broken/aibase-missing-title.json")
        path = write_config(work, server, ["aibase"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        lines = [line for line in err.splitlines() if "data.list[1]" in line]
        expect(len(lines) == 1 and "name=aibase" in lines[0], err)
        expect(re.search(r"list page 1: %s/api/aiInfo/aiNews\?\S*pageNo=1: "
                         r"data\.list\[1\]\.title: missing" % re.escape(server.base), lines[0]),
               lines[0])


def test_empty_first_page_is_an_error():
    with SiteServer() as server, Workdir() as work:
        server.override("/api/aiInfo/aiNews", "broken/aibase-empty-list.json")
        path = write_config(work, server, ["aibase"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and "data.list is empty on page 1" in err, err)


def test_blocked_status_backs_off():
    with SiteServer() as server, Workdir() as work:
        server.override("/wp-json/wp/v2/posts", "broken/jiqizhixin-shell.html", status=403,
                        kind="text/html")
        path = write_config(work, server, ["qbitai"])
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and "name=qbitai type=qbitai error=blocked" in err and "HTTP 403" in err,
               err)


def test_qbitai_wordpress_and_politeness_delay():
    with SiteServer() as server, Workdir() as work:
        path = write_config(work, server, ["qbitai"], delay=False)  # the adapter's 1000 ms
        code, out, err = run(["run", "--config", path, "--now", "2025-04-07T13:00:00+08:00"])
        expect(code == 0 and err == "", err)
        items = items_of(out)
        expect(items == [
            ("智能体框架开源”一周破万星“，开发者&企业齐关注",
             "https://www.qbitai.com/2025/04/281001.html", "2025-04-07 12:30"),
            ("国产推理芯片发布：能效比提升三倍", "https://www.qbitai.com/2025/04/280990.html",
             "2025-04-07 09:05")], items)
        expect("![](https://i.qbitai.com/wp-content/uploads/2025/04/agent.png)" in out, out)
        expect("![](https://i.qbitai.com/wp-content/uploads/2025/04/chip.jpg)" in out,
               "protocol-relative image, after a data: URI")
        gaps = [b - a for a, b in zip(server.times, server.times[1:])]
        expect(len(server.times) == 3 and min(gaps) >= 0.95,
               "requests of one source must be 1 s apart: %r" % gaps)


def test_url_key_is_refused_for_site_adapters():
    with Workdir() as work:
        path = work.write("newsbrief.yaml", "sources:\n  aibase:\n    type: aibase\n"
                          "    url: https://example.com/\n")
        code, out, err = run(["check-config", "--config", path])
        expect(code == 2 and "sources.aibase" in err and "\"url\" does not apply" in err, err)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
