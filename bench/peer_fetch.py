# SPDX-License-Identifier: MIT
"""The usual script: feedparser over a thread pool of 64, optionally with stored ETags.

Usage: peer_fetch.py URL_FILE [ETAG_FILE]   (run by /usr/bin/python3, which has Debian's
python3-feedparser). Writes the ETags it saw to ETAG_FILE when the file does not exist,
and sends them when it does. Prints how many feeds came back 200 and 304.
"""
import concurrent.futures
import json
import os
import sys

import feedparser

urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
etag_file = sys.argv[2] if len(sys.argv) > 2 else None
etags = json.load(open(etag_file)) if etag_file and os.path.exists(etag_file) else {}


def fetch(url):
    d = feedparser.parse(url, etag=etags.get(url))
    return url, d.get("status"), d.get("etag"), len(d.entries)


with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
    results = list(pool.map(fetch, urls))
statuses = {}
for url, status, etag, _ in results:
    statuses[status] = statuses.get(status, 0) + 1
    if etag:
        etags[url] = etag
if etag_file and not os.path.exists(etag_file):
    json.dump(etags, open(etag_file, "w"))
print("statuses %s" % sorted(statuses.items(), key=lambda kv: str(kv[0])))
