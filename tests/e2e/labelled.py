# SPDX-License-Identifier: MIT
"""Labelled article pages (tests/data/sites/labelled): each <name>.html beside the article
text a reader would keep, <name>.txt. Scores `newsbrief extract` on them: precision and
recall of the extracted text's 4-token shingles (every CJK character a token, other words
\\w+), per page and averaged, the measure of the Readability conformance scorer with
--cjk-chars. Run alone it prints the table: python3 tests/e2e/labelled.py [NEWSBRIEF]."""
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("NB_TEST_DATA") or os.path.join(HERE, "..", "data")
PAGES = os.path.join(DATA, "sites", "labelled")
URL = "https://example.com/articles/1"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(r"[%s]|[^\W%s]+" % (_CJK, _CJK))


def shingles(text, n=4):
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < n:
        return collections.Counter([tuple(tokens)] if tokens else [])
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def score(got, want):
    """(precision, recall) of got's shingles against want's."""
    g, w = shingles(got), shingles(want)
    tp = sum((g & w).values())
    precision = tp / sum(g.values()) if g else (1.0 if not w else 0.0)
    recall = tp / sum(w.values()) if w else 1.0
    return precision, recall


def names():
    return sorted(f[:-5] for f in os.listdir(PAGES) if f.endswith(".html"))


def extracted(binary, name):
    out = subprocess.run([binary, "extract", "--json", "--url", URL,
                          os.path.join(PAGES, name + ".html")],
                         capture_output=True, check=True, timeout=60).stdout
    return json.loads(out)["content_text"]


def expected(name):
    with open(os.path.join(PAGES, name + ".txt"), encoding="utf-8") as f:
        return f.read()


def table(binary):
    """[(name, precision, recall)] for every labelled page."""
    return [(name,) + score(extracted(binary, name), expected(name)) for name in names()]


def main(argv):
    binary = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "..", "build", "newsbrief")
    rows = table(binary)
    for name, p, r in rows:
        print("%-22s precision=%.3f recall=%.3f" % (name, p, r))
    mp = sum(r[1] for r in rows) / len(rows)
    mr = sum(r[2] for r in rows) / len(rows)
    print("LABELLED pages=%d precision=%.3f recall=%.3f f1=%.3f" %
          (len(rows), mp, mr, 2 * mp * mr / (mp + mr) if mp + mr else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
