# SPDX-License-Identifier: MIT
"""bench/feeds (peer side): Debian's python3-feedparser over the same files as bench_feeds,
loaded into memory as bytes first, then feedparser.parse(data) on each, round after round.
Prints the same line: files items bytes rounds seconds peak_rss_kb cpu_seconds (items and
bytes per round; seconds, wall, and cpu_seconds for all rounds; one untimed parse of the
first file before the clocks start).

Usage: peer_feedparser.py [-r ROUNDS | -t MIN_SECONDS] [-u URL] [-l LIST] PATH...
(run by /usr/bin/python3, which has Debian's python3-feedparser). With -u, every feed is
parsed as if fetched from URL (given as its Content-Location header)."""
import argparse
import os
import resource
import sys
import time
import warnings

import feedparser


def collect(args):
    paths = []
    for listed in args.list:
        with open(listed, encoding="utf-8") as f:
            paths.extend(line.rstrip("\r\n") for line in f if line.strip())
    for path in args.paths:
        if os.path.isdir(path):
            for top, _, names in os.walk(path, followlinks=True):
                paths.extend(os.path.join(top, n) for n in names
                             if n.endswith(".xml") and len(n) > 4)
        else:
            paths.append(path)
    return sorted(paths)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-r", "--rounds", type=int, default=0)
    ap.add_argument("-t", "--min-seconds", type=float, default=2.0)
    ap.add_argument("-u", "--url")
    ap.add_argument("-l", "--list", action="append", default=[])
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    files = []
    for path in collect(args):
        with open(path, "rb") as f:
            files.append(f.read())
    if not files:
        ap.error("no feed files")
    headers = {"content-location": args.url} if args.url else None
    warnings.simplefilter("ignore")
    feedparser.parse(files[0], response_headers=headers)
    items = done = 0
    start, cpu_start = time.monotonic(), time.process_time()
    while True:
        for data in files:
            n = len(feedparser.parse(data, response_headers=headers).entries)
            if done == 0:
                items += n
        done += 1
        took = time.monotonic() - start
        if (args.rounds and done >= args.rounds) or (not args.rounds and took >= args.min_seconds):
            break
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(files), items, sum(len(d) for d in files), done, "%.6f" % took, peak, "%.6f" % cpu)


if __name__ == "__main__":
    sys.exit(main())
