# SPDX-License-Identifier: MIT
"""End to end: `newsbrief extract` on article pages (files and URLs), pathological pages
that must be extracted or stop at a cap with a clear error (their speed is in
bench/pathological.sh), and feed sources
with fetch_full_text fetching article pages from a loopback site."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from loopback import BINARY, DATA, SiteServer, Workdir, expect, run, run_tests  # noqa: E402
import pathological  # noqa: E402
import labelled  # noqa: E402

ARTICLES = os.path.join(DATA, "sites", "articles")
NOW = "2025-04-07T20:00:00+08:00"


def extract(args):
    code, out, err = run(["extract", "--json"] + args)
    expect(code == 0, "extract %s: exit %d: %s" % (args, code, err))
    return json.loads(out)


def test_file_english_and_chinese():
    a = extract(["--url", "https://ledger.example/a/7", os.path.join(ARTICLES, "en-news.html")])
    expect(a["title"] == "Tidal power plant opens on the Orkney coast", a["title"])
    expect(a["byline"] == "Jane Doe, Ravi Patel", a["byline"])
    expect(a["siteName"] == "Northern Ledger", a["siteName"])
    expect(a["publishedTime"] == "2025-04-07T09:30:00+01:00", a["publishedTime"])
    expect(a["image"] == "https://ledger.example/media/turbine-large.jpg", a["image"])
    expect(a["lang"] == "en-GB" and a["readerable"] is True, a)
    paragraphs = a["content_text"].split("\n\n")
    expect(len(paragraphs) == 6, "want 6 paragraphs, got %d" % len(paragraphs))
    expect("Most read" not in a["content_text"], "sidebar in the text")
    z = extract([os.path.join(ARTICLES, "zh-gbk.html")])
    expect(z["charset"] == "GB18030", z["charset"])
    expect(z["publishedTime"] == "2025-04-07T13:22:00+08:00", z["publishedTime"])
    expect("城市地铁九号线" in z["content_text"] and "相关阅读" not in z["content_text"],
           z["content_text"][:200])


def test_labelled_pages():
    # pages with comment sections, related lists, sign-up boxes, share bars, credits, tags,
    # bios and notices around and inside the article: the text kept against the text a
    # reader would keep (tests/data/sites/labelled); captions stay, so a page may keep a
    # few words more
    rows = labelled.table(BINARY)
    for name, precision, recall in rows:
        expect(precision >= 0.9 and recall >= 0.97,
               "%s: precision %.3f, recall %.3f" % (name, precision, recall))
    mean = sum(r[1] for r in rows) / len(rows)
    expect(len(rows) >= 5 and mean >= 0.97, "mean precision %.3f over %d pages" % (mean, len(rows)))


def test_url_argument():
    with SiteServer() as server:
        server.override("/a/1.html", "articles/zh-big5.html", kind="text/html")
        a = extract([server.base + "/a/1.html"])
        expect("山區小學" in a["title"], a["title"])
        expect("圖書館" in a["content_text"], a["content_text"][:100])
        code, out, err = run(["extract", "--json", server.base + "/status/404"])
        expect(code == 1 and "HTTP 404" in err and "/status/404" in err, (code, err))


def test_bad_input_names_cause():
    code, out, err = run(["extract", "--json", "/nonexistent/page.html"])
    expect(code == 2 and "/nonexistent/page.html" in err, (code, err))


def extract_page(work, name, content):
    """Runs extract on a generated page; returns (exit code, stderr)."""
    path = os.path.join(work.path, name)
    with open(path, "wb") as f:
        f.write(content)
    code, out, err = run(["extract", "--json", path])
    if code == 0:
        json.loads(out)
    return code, err


def test_pathological_pages():
    # Output and caps only: the time each page takes is measured by bench/pathological.sh,
    # not here, where a loaded machine or the sanitizer build would make a limit flaky.
    with Workdir() as work:
        for name, page, cap in pathological.PAGES:
            code, err = extract_page(work, name + ".html", page)
            if cap is None:
                expect(code == 0, "%s: exit %d: %s" % (name, code, err))
            else:
                expect(code == 1 and cap in err and name in err,
                       "%s: want an error naming the %s, got exit %d: %s" % (name, cap, code, err))


def test_attribute_cap_warns_in_verbose():
    # a tag past the attribute cap: the article comes out, and -v says what was left out
    page = dict((name, content) for name, content, _ in pathological.PAGES)["attributes-in-article"]
    with Workdir() as work:
        path = os.path.join(work.path, "attrs.html")
        with open(path, "wb") as f:
            f.write(page)
        code, out, err = run(["extract", "--json", path])
        expect(code == 0 and "Lorem ipsum" in json.loads(out)["content_text"], (code, err))
        expect("attributes" not in err, "a warning without --verbose: %r" % err)
        code, out, err = run(["extract", "--json", "-v", path])
        expect(code == 0, (code, err))
        lines = [line for line in err.splitlines() if "attributes past the cap of 512" in line]
        expect(len(lines) == 1 and "attrs.html" in lines[0] and "3488" in lines[0] and
               "4000" in lines[0], "want one line naming the page and the cut, got %r" % err)


def feed_config(work, server, mode):
    # the article pages are on loopback too: discovered URLs may reach it only when allowed
    return work.write("newsbrief.yaml", """\
newsbrief:
  database: %s/nb.db
  window: 48h
  allow_private_networks: true
sources:
  ledger:
    type: feed
    url: %s/feeds/excerpts.xml
    fetch_full_text: %s
""" % (work.path, server.base, mode))


def stored(work):
    db = sqlite3.connect(os.path.join(work.path, "nb.db"))
    rows = db.execute("SELECT key, content, excerpt, author FROM items").fetchall()
    db.close()
    return {key: (content, excerpt, author) for key, content, excerpt, author in rows}


def article_server():
    server = SiteServer()
    server.override("/articles/tidal.html", "articles/en-news.html", kind="text/html")
    server.override("/articles/metro.html", "articles/zh-gbk.html", kind="text/html")
    server.override("/articles/full.html", "articles/en-news.html", kind="text/html")
    server.override("/articles/gone.html", "articles/en-news.html", status=404, kind="text/html")
    return server


def test_full_text_auto():
    with article_server() as server, Workdir() as work:
        code, out, err = run(["run", "--config", feed_config(work, server, "auto"), "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        paths = [p for p, _ in server.requests]
        expect("/articles/tidal.html" in paths and "/articles/metro.html" in paths, paths)
        expect("/articles/full.html" not in paths, "a full-text entry's page was fetched")
        items = stored(work)
        content, excerpt, author = items["ledger-7"]
        expect(content and "The four turbines sit on the seabed" in content, content)
        expect(author == "Jane Doe, Ravi Patel", author)
        expect("交通部门表示" in (items["ledger-8"][0] or ""), items["ledger-8"])
        gone = items["ledger-9"]
        expect(gone[0] is None and gone[1] == "This excerpt stays.", gone)
        warnings = [line for line in err.splitlines() if "full text" in line]
        expect(len(warnings) == 1 and "source=ledger" in warnings[0] and "404" in warnings[0],
               "want one warning naming the source and the 404, got %r" % err)


def test_full_text_never_and_bad_value():
    with article_server() as server, Workdir() as work:
        code, out, err = run(["run", "--config", feed_config(work, server, "never"), "--now", NOW])
        expect(code == 0, "exit %d: %s" % (code, err))
        expect(not any(p.startswith("/articles/") for p, _ in server.requests), server.requests)
        code, out, err = run(["check-config", "--config", feed_config(work, server, "sometimes")])
        expect(code == 2 and "fetch_full_text" in err and "ledger" in err, (code, err))


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
