# SPDX-License-Identifier: MIT
"""End to end: `newsbrief serve` on a database filled by a real run against loopback feeds.
Every route's status, type and headers; a hostile title escaped everywhere; Chinese,
two-character, mixed and syntax-laden searches; 304 and gzip; the token; feeds read by
newsbrief parse-feed and feedparser, Atom validated by jing against RFC 4287's RELAX NG
schema, JSON Feed against its schema; the JSON API; /metrics; limits. Runs on either store:
`test_web.py [sqlite|postgresql]` (skipped with the reason without a test PostgreSQL)."""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (DATA, ArchiveServer, SiteServer, Workdir, expect, run,  # noqa: E402
                      run_tests)

ENGINE = "sqlite"  # the store under test, from the command line
NOW = "2025-04-07T15:00:00+08:00"
TOKEN = "s3cret-token-0123456789"
HOSTILE = '<script>alert(1)</script> "onmouseover=alert(2) x=" 人工智能安全报告'
SECURITY = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src * data:;"
                               " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class Archive:
    """One database filled by a real run, shared by the tests (built on first use)."""
    work = site = None

    @classmethod
    def get(cls):
        if cls.work is None:
            cls.site = SiteServer().__enter__()
            cls.work = Workdir().__enter__()
            cls.database = pgtest.database(ENGINE, cls.work.path, "web")
            cls.config = cls.write_config()
            code, out, err = run(["run", "--config", cls.config, "--now", NOW])
            expect(code == 0 and "# 新闻简报" in out, "the run failed: %s" % err)
        return cls

    @classmethod
    def write_config(cls, web=""):
        text = ("newsbrief:\n  database: \"%s\"\n  timezone: Asia/Shanghai\n"
                "  items_per_page: 3\nsources:\n" % cls.database)
        for name, feed in (("arc", "archive.xml"), ("jia", "un-first.xml"),
                           ("yi", "un-second.xml")):
            text += "  %s:\n    type: feed\n    url: %s/feeds/%s\n" % (name, cls.site.base, feed)
        text += web
        return cls.work.write("newsbrief-%d.yaml" % len(web), text)

    @classmethod
    def close(cls):
        if cls.work is not None:
            cls.work.__exit__(None, None, None)
            cls.site.__exit__(None, None, None)


def serve(web=""):
    archive = Archive.get()
    path = archive.write_config(web) if web else archive.config
    return ArchiveServer(["--config", path])


def expect_security(headers, what):
    for name, value in SECURITY.items():
        expect(headers.get(name) == value, "%s: %s is %r" % (what, name, headers.get(name)))


def briefing_ids(srv):
    status, _, body = srv.get("/api/briefings")
    expect(status == 200, body)
    return [b["id"] for b in json.loads(body)["briefings"]]


def item_id(srv, title_part):
    status, _, body = srv.get("/api/items?limit=100")
    for item in json.loads(body)["items"]:
        if title_part in item["title"]:
            return item["id"]
    raise AssertionError("no item titled %r" % title_part)


def q(text):
    return urllib.parse.quote(text)


def test_every_route_status_type_and_headers():
    with serve() as srv:
        brief = briefing_ids(srv)[0]
        expect(re.fullmatch(r"2025-04-07-1500", brief), "readable id: %s" % brief)
        item = item_id(srv, "GPT-4o")
        routes = [
            ("/", 200, "text/html; charset=utf-8"),
            ("/briefings/" + brief, 200, "text/html; charset=utf-8"),
            ("/days/2025-04-07", 200, "text/html; charset=utf-8"),
            ("/items/%d" % item, 200, "text/html; charset=utf-8"),
            ("/sources", 200, "text/html; charset=utf-8"),
            ("/search?q=" + q("大模型"), 200, "text/html; charset=utf-8"),
            ("/search", 200, "text/html; charset=utf-8"),
            ("/feed.atom", 200, "application/atom+xml; charset=utf-8"),
            ("/feed.rss", 200, "application/rss+xml; charset=utf-8"),
            ("/feed.json", 200, "application/feed+json"),
            ("/feed.atom?briefings=1", 200, "application/atom+xml; charset=utf-8"),
            ("/api/briefings", 200, "application/json"),
            ("/api/briefings/" + brief, 200, "application/json"),
            ("/api/items", 200, "application/json"),
            ("/api/items/%d" % item, 200, "application/json"),
            ("/api/sources", 200, "application/json"),
            ("/metrics", 200, "text/plain; version=0.0.4; charset=utf-8"),
            ("/healthz", 200, "application/json"),
            ("/static/style.css", 200, "text/css; charset=utf-8"),
            ("/briefings/2099-01-01-0000", 404, "text/html; charset=utf-8"),
            ("/items/999999", 404, "text/html; charset=utf-8"),
            ("/items/abc", 404, "text/html; charset=utf-8"),
            ("/days/2025-02-30", 404, "text/html; charset=utf-8"),
            ("/nowhere", 404, "text/html; charset=utf-8"),
            ("/api/items/999999", 404, "application/json"),
            ("/api/briefings/nope", 404, "application/json"),
            ("/api/items?limit=0", 400, "application/json"),
            ("/search?q=x&sort=sideways", 400, "text/html; charset=utf-8"),
            ("/?before=abc", 400, "text/html; charset=utf-8"),
        ]
        for path, status, kind in routes:
            got, headers, body = srv.get(path)
            expect(got == status, "%s: status %d, want %d" % (path, got, status))
            expect(headers.get("content-type") == kind,
                   "%s: type %r, want %r" % (path, headers.get("content-type"), kind))
            expect_security(headers, path)
            if status == 200 and path not in ("/metrics", "/healthz"):
                expect(re.fullmatch(r'"[0-9a-f]{16}"', headers.get("etag", "")),
                       "%s: ETag %r" % (path, headers.get("etag")))
                expect(headers.get("last-modified", "").endswith(" GMT"), path)
            if kind.startswith("application/json") and status != 200:
                error = json.loads(body)["error"]
                expect(error["code"] and error["message"], body)
        # HEAD answers like GET without a body
        status, headers, body = srv.get("/", method="HEAD")
        expect(status == 200 and body == b"" and int(headers["content-length"]) > 1000, headers)
        # other methods
        for method in ("POST", "PUT", "DELETE"):
            status, headers, body = srv.get("/", method=method)
            expect(status == 405 and headers.get("allow") == "GET, HEAD", (method, status))
            expect_security(headers, method)
        # the request target is capped
        status, _, _ = srv.get("/search?q=" + "a" * 3000)
        expect(status == 414, "long URI: %d" % status)
    expect(srv.returncode == 0, "serve exit status %r: %s" % (srv.returncode, srv.stderr))


def test_pages_are_accessible_html():
    with serve() as srv:
        brief = briefing_ids(srv)[0]
        for path in ("/", "/briefings/" + brief, "/days/2025-04-07", "/sources",
                     "/search?q=" + q("模型")):
            _, _, body = srv.get(path)
            page = body.decode("utf-8")
            expect(page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">"), path)
            expect(page.count("<h1>") == 1 and page.count("<h1") == 1, "%s: one <h1>" % path)
            expect('<a class="skip" href="#main">' in page and '<main id="main"' in page, path)
            expect('<link rel="stylesheet" href="/static/style.css?v=' in page, path)
            expect("<script" not in page.replace("&lt;script", ""), "%s: a script" % path)
            expect(" style=" not in page and "<style" not in page, "%s: inline style" % path)
            expect('rel="alternate" type="application/atom+xml"' in page, path)
        _, _, css = srv.get("/static/style.css")
        css = css.decode("utf-8")
        for want in ("prefers-color-scheme:dark", "@media print", "PingFang SC",
                     "Noto Sans CJK SC", ":focus-visible"):
            expect(want in css, "stylesheet lacks %s" % want)
        _, headers, _ = srv.get("/static/style.css")
        expect("immutable" in headers["cache-control"], headers)


def test_briefing_page_is_the_briefing_as_delivered():
    with serve() as srv:
        brief = briefing_ids(srv)[0]
        _, _, body = srv.get("/api/briefings/" + brief)
        data = json.loads(body)
        titles = [e["title"] for e in data["entries"]]
        expect(titles[0] == "小米发布首款自研手机芯片玄戒O1" and len(titles) == 6, titles)
        expect(data["items_per_page"] == 3 and len(data["pages"]) == 2, data)
        # the same items, order and related links as the delivered text
        delivered = "".join(data["pages"])
        # each title found by its longest run of word characters: the delivered Markdown
        # escapes what a chat dialect would read as markup
        anchors = [max(re.findall(r"\w{3,}", t), key=len) for t in titles]
        positions = [delivered.index(a) for a in anchors]
        expect(positions == sorted(positions), "order differs from the delivered text")
        un = data["entries"][1]
        # labelled as briefings label them: the feed's own title
        expect(un["related"] == [{"label": "站点乙", "url": "https://b.example.cn/a/77"}], un)
        _, _, page = srv.get("/briefings/" + brief)
        page = page.decode("utf-8")
        expect("<h1>新闻简报 (更新时间: 2025-04-07 15:00)</h1>" in page, page[:2000])
        html_positions = [page.index(t.replace("<", "&lt;").replace(">", "&gt;")
                                     .replace('"', "&quot;")) for t in titles]
        expect(html_positions == sorted(html_positions), "page order")
        expect('相关报道：<a href="https://b.example.cn/a/77" rel="noopener noreferrer">站点乙</a>'
               in page, "related link missing")
        expect(page.count('<ol class="items">') == 2 and "第 2/2 部分" in page, "two parts")
        expect('referrerpolicy="no-referrer"' in page, "images without no-referrer")
        # the item page shows the other report of the story
        story = un["id"]
        _, _, item = srv.get("/items/%d" % story)
        item = item.decode("utf-8")
        expect("同一事件的其他报道" in item and "颠覆就业格局" in item, item)
        expect("/briefings/" + brief in item, "item page does not link its briefing")


def test_hostile_title_is_escaped_everywhere():
    with serve() as srv:
        brief = briefing_ids(srv)[0]
        hostile = item_id(srv, "onmouseover")
        paths = ["/", "/briefings/" + brief, "/days/2025-04-07", "/items/%d" % hostile,
                 "/search?q=" + q("人工智能"), "/search?q=" + q("<script>"),
                 "/search?q=" + q('"onmouseover'), "/feed.atom", "/feed.rss",
                 "/feed.atom?briefings=1", "/feed.rss?briefings=1", "/sources"]
        for path in paths:
            status, _, body = srv.get(path)
            text = body.decode("utf-8")
            expect(status == 200, path)
            expect("<script>" not in text, "%s: raw <script>" % path)
            expect('"onmouseover' not in text, "%s: raw quote before onmouseover" % path)
            expect("javascript:" not in text.lower() or path.startswith("/search"),
                   "%s: javascript: URL" % path)
            expect(not re.search(r'(href|src)="\s*javascript:', text, re.I),
                   "%s: javascript: link" % path)
        # the titles are there, escaped
        _, _, page = srv.get("/items/%d" % hostile)
        expect("&lt;script&gt;alert(1)&lt;/script&gt; &quot;onmouseover=alert(2) x=&quot;"
               in page.decode("utf-8"), "escaped title missing")
        # the search form echoes the query escaped
        _, _, page = srv.get("/search?q=" + q('"><script>alert(9)</script>'))
        expect("<script>alert(9)" not in page.decode("utf-8"), "query echoed raw")
        # JSON carries the exact text
        _, _, body = srv.get("/api/items/%d" % hostile)
        expect(json.loads(body)["title"] == HOSTILE, body)
        expect(json.loads(body)["image"] == "javascript:alert(5)", "the API keeps data as data")
        _, _, body = srv.get("/feed.json")
        feed = json.loads(body)
        entry = [i for i in feed["items"] if i["title"] == HOSTILE]
        expect(entry and "image" not in entry[0], "JSON Feed offers a javascript: image")


def search(srv, text, extra=""):
    status, _, body = srv.get("/search?q=" + q(text) + extra)
    expect(status == 200, "search %r: %d" % (text, status))
    page = body.decode("utf-8")
    count = re.search(r'<p class="count" role="status">找到 (\d+) 条结果</p>', page)
    expect(count, "search %r: no count" % text)
    return int(count.group(1)), page


def test_search():
    with serve() as srv:
        # four Chinese characters: the trigram index, matches marked
        n, page = search(srv, "人工智能")
        expect(n == 2, "人工智能: %d" % n)
        expect("<mark>人工智能</mark>" in page and "逐条子串查找" not in page, page)
        # three
        n, page = search(srv, "大模型")
        expect(n == 1 and "谷歌推出新一代<mark>大模型</mark>" in page, page)
        # two characters: a substring scan, said so
        n, page = search(srv, "模型")
        expect(n == 2 and "逐条子串查找" in page and "<mark>模型</mark>" in page, page)
        n, page = search(srv, "AI")
        expect(n == 3, "AI: %d" % n)
        # long and short terms in one query
        n, page = search(srv, "GPT-4o 模型")
        expect(n == 1 and "<mark>GPT-4o</mark>" in page, page)
        n, _ = search(srv, "GPT-4o 芯片")
        expect(n == 0, "GPT-4o 芯片 matched")
        # quotes and FTS syntax are text
        for text, want in (('"NEAR" (a OR b) * c:d', 1), ('"a OR b"', 1), ('"', 0),
                           ("* ^ - :", 1), ("AND OR NOT", 0), ("'; DROP TABLE items; --", 0),
                           ("%", 2), ("_", 0)):
            n, _ = search(srv, text)
            expect(n == want, "%r: %d results, want %d" % (text, n, want))
        # filters
        n, _ = search(srv, "AI", "&source=yi")
        expect(n == 1, "AI from yi: %d" % n)
        n, _ = search(srv, "人工智能", "&from=2025-04-08")
        expect(n == 0, "from filter")
        n, page = search(srv, "人工智能", "&sort=newest")
        expect(page.index("联合国") < page.index("安全报告"), "newest first")
        status, _, _ = srv.get("/search?q=x&source=nope")
        expect(status == 400, "unknown source")
        # the API searches the same way
        _, _, body = srv.get("/api/items?q=" + q("模型"))
        data = json.loads(body)
        expect(data["total"] == 2 and data["substring_only"] is True, data)


def test_conditional_requests_and_gzip():
    with serve() as srv:
        for path in ("/", "/feed.atom", "/api/items", "/search?q=" + q("模型")):
            status, headers, body = srv.get(path)
            etag, modified = headers["etag"], headers["last-modified"]
            status, again, body = srv.get(path, {"If-None-Match": etag})
            expect(status == 304 and body == b"", "%s: If-None-Match gave %d" % (path, status))
            expect(again["etag"] == etag, path)
            expect_security(again, path + " 304")
            status, _, _ = srv.get(path, {"If-None-Match": 'W/"other", ' + etag})
            expect(status == 304, "%s: list of tags" % path)
            status, _, _ = srv.get(path, {"If-Modified-Since": modified})
            expect(status == 304, "%s: If-Modified-Since gave %d" % (path, status))
            status, _, _ = srv.get(path, {"If-None-Match": '"0000000000000000"'})
            expect(status == 200, "%s: a stale tag gave %d" % (path, status))
        status, headers, body = srv.get("/", {"Accept-Encoding": "gzip"})
        expect(headers.get("content-encoding") == "gzip", headers)
        expect(headers.get("vary") == "Accept-Encoding", headers)
        _, _, plain = srv.get("/")
        expect(gzip.decompress(body) == plain, "gzip body differs")
        expect(headers["etag"] != srv.get("/")[1]["etag"], "same ETag for both encodings")
        status, headers, _ = srv.get("/", {"Accept-Encoding": "gzip;q=0, identity"})
        expect("content-encoding" not in headers, "gzip;q=0 was ignored")


def own_archive(work, site):
    """A database of its own, for tests that change it (feeds under a fixed base_url)."""
    text = ("newsbrief:\n  database: \"%s\"\n  timezone: Asia/Shanghai\nsources:\n"
            "  arc:\n    type: feed\n    url: %s/feeds/archive.xml\n"
            "web:\n  base_url: https://news.example.org/archive/\n"
            % (pgtest.database(ENGINE, work.path, "web_own"), site.base))
    config = work.write("own.yaml", text)
    code, out, err = run(["run", "--config", config, "--now", NOW])
    expect(code == 0, err)
    return config


def test_new_data_shows_at_once():
    with SiteServer() as site, Workdir() as work:
        config = own_archive(work, site)
        with ArchiveServer(["--config", config]) as srv:
            before = briefing_ids(srv)
            _, headers, _ = srv.get("/")
            code, out, err = run(["run", "--resend", "--config", config, "--now",
                                  "2025-04-07T16:00:00+08:00"])
            expect(code == 0, err)
            after = briefing_ids(srv)
            expect(len(after) == len(before) + 1 and after[0] == "2025-04-07-1600", after)
            status, _, _ = srv.get("/", {"If-None-Match": headers["etag"]})
            expect(status == 200, "an old ETag still matched after a new briefing")


def test_token():
    web = "web:\n  token: %s\n" % TOKEN
    with serve(web) as srv:
        status, headers, body = srv.get("/")
        expect(status == 401 and headers.get("www-authenticate", "").startswith("Bearer"),
               (status, headers))
        expect_security(headers, "401")
        expect(TOKEN not in body.decode("utf-8"), "the token in a 401")
        for path in ("/feed.atom", "/api/items", "/metrics", "/static/style.css"):
            status, _, _ = srv.get(path)
            expect(status == 401, "%s without a token: %d" % (path, status))
        status, _, _ = srv.get("/", {"Authorization": "Bearer wrong-token-0123456789"})
        expect(status == 401, "a wrong token passed")
        status, _, body = srv.get("/", {"Authorization": "Bearer " + TOKEN})
        expect(status == 200 and ("token=" not in body.decode("utf-8")), "Bearer")
        status, _, body = srv.get("/?token=" + TOKEN)
        page = body.decode("utf-8")
        expect(status == 200, "?token=: %d" % status)
        expect('href="/sources?token=%s"' % TOKEN in page, "links do not carry the token")
        expect('name="token" value="%s"' % TOKEN in page, "the search form loses the token")
        status, _, body = srv.get("/feed.atom?token=" + TOKEN)
        expect(status == 200 and TOKEN not in body.decode("utf-8"), "a feed shows the token")
        status, _, body = srv.get("/healthz")
        expect(status == 200 and json.loads(body)["status"] == "ok", "healthz needs no token")


def validate_feeds(srv, work):
    import feedparser
    import jsonschema
    ids = {}
    for path in ("/feed.atom", "/feed.rss", "/feed.atom?briefings=1", "/feed.rss?briefings=1",
                 "/feed.atom?source=arc", "/feed.rss?q=" + q("大模型")):
        status, headers, body = srv.get(path)
        expect(status == 200, path)
        name = os.path.join(work.path, "feed.xml")
        with open(name, "wb") as f:
            f.write(body)
        code, out, err = run(["parse-feed", "--json", name])
        parsed = json.loads(out)
        expect(code == 0 and parsed["bozo"] is False, "%s: parse-feed: %s" % (path, out[:500]))
        fp = feedparser.parse(body)
        expect(fp.bozo == 0, "%s: feedparser bozo: %r" % (path, fp.get("bozo_exception")))
        expect(len(fp.entries) == len(parsed["entries"]) and fp.entries, path)
        expect(fp.feed.title == "新闻简报", fp.feed)
        self_links = [l for l in fp.feed.get("links", []) if l.get("rel") == "self"]
        expect(self_links and self_links[0]["href"] == srv.base + path, "%s: self" % path)
        for entry in fp.entries:
            expect(entry.get("id", "").startswith(srv.base + "/"), "%s: id %r" % (path, entry))
            expect(entry.get("published_parsed") or entry.get("updated_parsed"), entry)
        ids[path] = [e.id for e in fp.entries]
        if path.startswith("/feed.atom"):
            jing = subprocess.run(["jing", "-c", os.path.join(DATA, "web", "atom.rnc"), name],
                                  capture_output=True, text=True)
            expect(jing.returncode == 0, "%s: jing: %s%s" % (path, jing.stdout, jing.stderr))
    expect(len(ids["/feed.atom"]) == 7, ids["/feed.atom"])
    expect(ids["/feed.atom"] == ids["/feed.rss"], "Atom and RSS ids differ")
    expect(all("/briefings/" in i for i in ids["/feed.atom?briefings=1"]), "briefing ids")
    expect(len(ids["/feed.atom?source=arc"]) == 4, ids["/feed.atom?source=arc"])
    expect(len(ids["/feed.rss?q=" + q("大模型")]) == 1, "q= filter")
    with open(os.path.join(DATA, "web", "jsonfeed-1.1.schema.json")) as f:
        schema = json.load(f)
    for path in ("/feed.json", "/feed.json?briefings=1", "/feed.json?q=" + q("模型")):
        status, _, body = srv.get(path)
        feed = json.loads(body)
        jsonschema.validate(feed, schema, format_checker=jsonschema.FormatChecker())
        expect(feed["feed_url"] == srv.base + path, feed["feed_url"])
        expect(feed["items"], path)
    return ids


def test_feeds_parse_and_validate():
    with serve() as srv, Workdir() as work:
        ids = validate_feeds(srv, work)
        _, _, body = srv.get("/feed.rss")
        rss = body.decode("utf-8")
        expect('<atom:link href="%s/feed.rss" rel="self" type="application/rss+xml"/>' % srv.base
               in rss, "RSS self link")
        dates = re.findall(r"<pubDate>([^<]*)</pubDate>", rss)
        expect(dates and all(re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} "
                                          r"\d\d:\d\d:\d\d \+0000", d) for d in dates), dates)
        expect("<guid isPermaLink=\"true\">" in rss, "guid")
    # ids are permanent: a changed title keeps the id
    import feedparser
    with open(os.path.join(DATA, "feeds", "archive.xml"), encoding="utf-8") as f:
        changed = f.read().replace("谷歌推出新一代大模型 Gemini 2.5", "谷歌推出 Gemini 2.5（更新）")
    with SiteServer() as site, Workdir() as work:
        config = own_archive(work, site)
        with ArchiveServer(["--config", config]) as srv:
            before = {e.id: e.title for e in feedparser.parse(srv.get("/feed.atom")[2]).entries}
        site.override("/feeds/archive.xml", work.write("changed.xml", changed),
                      kind="application/rss+xml")
        code, out, err = run(["run", "--config", config, "--now", "2025-04-07T15:30:00+08:00"])
        expect(code == 0, err)
        with ArchiveServer(["--config", config]) as srv:
            after = {e.id: e.title for e in feedparser.parse(srv.get("/feed.atom")[2]).entries}
        expect("谷歌推出 Gemini 2.5（更新）" in after.values(), after)
        expect(set(after) == set(before) and len(after) == 4, "ids changed with a title")
        expect(all(i.startswith("https://news.example.org/archive/items/") for i in after), after)


def test_api():
    with serve() as srv:
        _, _, body = srv.get("/api/items?limit=2")
        first = json.loads(body)
        expect(len(first["items"]) == 2 and first["next_cursor"], first)
        _, _, body = srv.get("/api/items?limit=2&cursor=" + q(first["next_cursor"]))
        second = json.loads(body)
        expect(second["items"][0]["published_at"] <= first["items"][1]["published_at"], second)
        expect(not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]},
               "pages overlap")
        _, _, body = srv.get("/api/items?source=arc&since=2025-04-07T03:30:00Z")
        items = json.loads(body)["items"]
        expect([i["title"][:6] for i in items] == ["<scrip", "OpenAI"], items)
        expect(items[0]["archive_url"] == srv.base + "/items/%d" % items[0]["id"], items[0])
        status, _, body = srv.get("/api/items?since=yesterday")
        expect(status == 400 and json.loads(body)["error"]["code"] == "bad_request", body)
        status, _, body = srv.get("/api/items?cursor=garbage")
        expect(status == 400, body)
        _, _, body = srv.get("/api/sources")
        sources = json.loads(body)["sources"]
        expect([s["name"] for s in sources] == ["arc", "jia", "yi"], sources)
        expect(sources[0]["items"] == 4 and sources[0]["last_success_at"] == "2025-04-07T07:00:00Z",
               sources[0])
        _, _, body = srv.get("/api/briefings?limit=1")
        data = json.loads(body)
        expect(len(data["briefings"]) == 1 and (data["next"] is None or
                                                data["next"].startswith("/api/briefings?before=")),
               data)


def test_metrics_and_health():
    with serve() as srv:
        srv.get("/")
        srv.get("/")
        status, headers, body = srv.get("/metrics")
        text = body.decode("utf-8")
        expect(text.endswith("\n"), "no final newline")
        for want in ('newsbrief_runs_total{schedule="run",result="ok"}',
                     'newsbrief_source_items_fetched_total{source="arc"} ',
                     'newsbrief_items{source="yi"} 2',
                     "# TYPE newsbrief_http_request_duration_seconds histogram",
                     'newsbrief_http_request_duration_seconds_bucket{route="/",le="+Inf"} 2',
                     'newsbrief_http_request_duration_seconds_count{route="/"} 2',
                     'newsbrief_http_requests_total{route="/",code="200"} 2',
                     "# TYPE newsbrief_llm_requests_total counter",
                     "# TYPE newsbrief_outbox_messages gauge"):
            expect(want in text, "metrics lack %r:\n%s" % (want, text))
        for line in text.splitlines():
            if line.startswith("# TYPE") and line.endswith(" counter"):
                expect(line.split()[2].endswith("_total"), line)
            if not line.startswith("#"):
                expect(re.fullmatch(r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? '
                                    r'[0-9.e+-]+', line), "bad sample: %r" % line)
        buckets = [int(v) for v in re.findall(
            r'newsbrief_http_request_duration_seconds_bucket\{route="/",le="[^"]+"\} (\d+)',
            text)]
        expect(buckets == sorted(buckets), "buckets are not cumulative")
        status, _, body = srv.get("/healthz")
        expect(status == 200 and json.loads(body) == {"status": "ok", "daemon": False}, body)


def test_limits_and_errors():
    archive = Archive.get()
    with serve() as srv:
        status, _, _ = srv.get("/search?" + "&".join("a%d=1" % i for i in range(80)))
        expect(status == 400, "too many arguments: %d" % status)
        status, _, _ = srv.get("/days/../../etc/passwd")
        expect(status == 404, "path traversal: %d" % status)
    # a busy port is a clear error
    with serve() as srv:
        port = srv.base.rsplit(":", 1)[1]
        code, out, err = run(["serve", "--config", archive.config, "--listen",
                              "127.0.0.1:" + port], timeout=20)
        expect(code == 2 and "127.0.0.1:" + port in err, (code, err))
    code, out, err = run(["serve", "--config", archive.config, "--listen", "nonsense"])
    expect(code == 2 and "nonsense" in err, err)
    bad = archive.write_config("web:\n  listen: localhost\n")
    code, out, err = run(["check-config", "--config", bad])
    expect(code == 2 and "web.listen" in err, err)
    bad = archive.write_config("web:\n  token: short\n")
    code, out, err = run(["check-config", "--config", bad])
    expect(code == 2 and "web.token" in err, err)
    good = archive.write_config("web:\n  listen: 127.0.0.1:9999\n  token: %s\n" % TOKEN)
    code, out, err = run(["check-config", "--config", good])
    expect(code == 0 and "listen: \"127.0.0.1:9999\"" in out and TOKEN not in out, out + err)


if __name__ == "__main__":
    ENGINE = pgtest.engine(sys.argv)
    if not shutil.which("jing"):
        print("FAIL jing is missing (scripts/install-deps.sh installs it)")
        sys.exit(1)
    try:
        status = run_tests(globals())
    finally:
        Archive.close()
    sys.exit(status)
