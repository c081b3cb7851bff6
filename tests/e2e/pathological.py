# SPDX-License-Identifier: MIT
"""Pathological pages for `newsbrief extract`, one definition for the end-to-end test
(output and caps) and for bench/pathological.sh (time per byte against an ordinary
article of the same size).

PAGES: (name, bytes, expected) where expected is None (the page is extracted, exit 0) or
a phrase of the error naming the cap it hits (only document size may stop a page).
ordinary(size): a real-shaped article page (tests/data/sites/articles/en-news.html with
its story repeated) of about size bytes.
Run as a script, writes every page and its ordinary twin into a folder:
  pathological.py DIR   ->  DIR/<name>.html and DIR/<name>.ordinary.html
"""
import os
import sys

DATA = os.environ.get("NB_TEST_DATA") or os.path.join(os.path.dirname(__file__), "..", "data")

_PARA = b"<p>" + b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + b"</p>\n"


def _attrs(count, fmt):
    return b" ".join(fmt % i for i in range(count))


def _pages():
    para = _PARA
    return [
        ("nested-divs", b"<html><body>" + b"<div>" * 100000 + b"deep text, here." +
         b"</div>" * 100000 + b"</body></html>", None),
        ("nested-unclosed", b"<body>" + b"<div><span>" * 100000, None),
        ("50mb", b"<html><body><article>" + para * (50 * 1024 * 1024 // len(para)) +
         b"</article></body></html>", "cap"),
        # over the document-size cap (8 MB) whatever its attributes
        ("million-attributes", b"<div " + _attrs(1000000, b"a%d=x") + b">x</div>", "cap"),
        # attributes past the per-tag cap are dropped; the page goes on
        ("many-attributes", b"<div " + _attrs(400000, b"a%d") + b">x</div>", None),
        ("attributes-in-article", b"<html><body><article><h1>Attributes</h1><div " +
         _attrs(4000, b"data-x%d='broken markup, text in attributes'") + b">" + para * 20 +
         b"</div></article></body></html>", None),
        ("endless-entities", b"<p>" + b"&amp;&lt;&#x41;&nbsp;&notanentity;&#99999999;" *
         85000 + b"</p>", None),
        ("bare-ampersands", b"<p>" + b"&" * 2500000 + b"</p>", None),
        ("entities-over-cap", b"<p>" + b"&amp;" * 1500000 + b"</p>", "cap"),
        ("7mb-article", b"<html><body><article>" + para * (7 * 1024 * 1024 // len(para)) +
         b"</article></body></html>", "cap"),
        # each candidate's text looked at without walking its whole subtree
        ("nested-bylines", b"<body>" + b'<div class="author">' * 100000 + b"By Someone", None),
        ("nested-headings", b"<title>Deep Title Here For Test</title>" + b"<h2>" * 100000 +
         b"Deep Title Here For Test", None),
        ("nested-ads", b"<body>" + b'<div class="ad-slot"><p>Advertisement</p>' * 50000, None),
        ("nested-lists", b"<body>" + b"<ul><li>item text, with a comma, and more" * 50000, None),
        ("nested-tables", b"<body>" + b"<table><tr><td>cell text, with commas, to score" * 30000,
         None),
        ("7mb-of-scripts", b"<html><body><script>" + b"var x = '<div>';" * 400000 +
         b"</script><article>" + para * 40 + b"</article></body></html>", None),
    ]


PAGES = _pages()


def ordinary(size):
    """An ordinary article page of about size bytes: en-news.html, its story repeated."""
    with open(os.path.join(DATA, "sites", "articles", "en-news.html"), "rb") as f:
        page = f.read()
    start = page.index(b'<div class="story-body">') + len(b'<div class="story-body">')
    end = page.index(b"</div>\n    </article>")
    head, story, tail = page[:start], page[start:end], page[end:]
    repeat = max(1, (size - len(head) - len(tail)) // len(story) + 1)
    return head + story * repeat + tail


def main(folder):
    os.makedirs(folder, exist_ok=True)
    for name, content, _ in PAGES:
        with open(os.path.join(folder, name + ".html"), "wb") as f:
            f.write(content)
        with open(os.path.join(folder, name + ".ordinary.html"), "wb") as f:
            f.write(ordinary(len(content)))


if __name__ == "__main__":
    main(sys.argv[1])
