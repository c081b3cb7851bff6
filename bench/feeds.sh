#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/feeds: in-process feed parsing throughput of newsbrief (nb_feed_parse_dict) and
# Debian's python3-feedparser on the same bytes, loaded into memory first: corpus A is the
# feedparser conformance suite, corpus B large generated feeds of Chinese HTML articles.
# Usage: feeds.sh [BUILD_DIR [CONFORMANCE_TESTS_DIR]]; env FEED_CONFORMANCE_DIR, FEEDS
# (generated feeds, default 5, 500 items each), ROUNDS (fixed rounds) or MIN_SECONDS (2).
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
conformance=${2:-${FEED_CONFORMANCE_DIR:-$root/../shared/conformance/feedparser/tests}}
feeds=${FEEDS:-5}
if [ -n "${ROUNDS:-}" ]; then timing=(-r "$ROUNDS"); else timing=(-t "${MIN_SECONDS:-2}"); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$root/bench/gen_feeds.py" "$work/generated" "$feeds" 500
peer=1
if ! /usr/bin/python3 -c 'import feedparser' 2>/dev/null; then
  echo "(python3-feedparser missing for /usr/bin/python3: peer rows skipped;" \
    "scripts/install-deps.sh installs it)"
  peer=0
fi

echo "bench/feeds: in-process parsing, files loaded into memory first, start-up excluded"
printf "%-12s %-10s %6s %6s %7s %6s %8s %8s %9s %9s %8s %5s\n" corpus parser files items MB \
  rounds seconds MB/s feeds/s items/s "peak MB" cpu%
row() { # corpus parser files items bytes rounds seconds peak_kb cpu_seconds
  awk -v c="$1" -v p="$2" -v f="$3" -v i="$4" -v b="$5" -v r="$6" -v s="$7" -v m="$8" \
    -v u="$9" 'BEGIN { printf "%-12s %-10s %6d %6d %7.2f %6d %8.3f %8.2f %9.1f %9.1f %8.1f %5.0f\n",
      c, p, f, i, b / 1e6, r, s, b * r / s / 1e6, f * r / s, i * r / s, m / 1024, 100 * u / s }'
}
measure() { # corpus-name directory target
  local name=$1 dir=$2 target=$3 nf ni nb nr ns nm nu pf pi pb pr ps pm pu
  read -r nf ni nb nr ns nm nu < <("$build/bench/bench_feeds" "${timing[@]}" "$dir")
  row "$name" newsbrief "$nf" "$ni" "$nb" "$nr" "$ns" "$nm" "$nu"
  [ "$peer" = 1 ] || return 0
  read -r pf pi pb pr ps pm pu < <(/usr/bin/python3 "$root/bench/peer_feedparser.py" \
    "${timing[@]}" "$dir")
  row "$name" feedparser "$pf" "$pi" "$pb" "$pr" "$ps" "$pm" "$pu"
  awk -v nb="$nb" -v nr="$nr" -v ns="$ns" -v nu="$nu" -v ni="$ni" \
    -v pb="$pb" -v pr="$pr" -v ps="$ps" -v pu="$pu" -v pi="$pi" -v c="$name" -v t="$target" '
    BEGIN {
      wall = (nb * nr / ns) / (pb * pr / ps); cpu = (nb * nr / nu) / (pb * pr / pu);
      verdict = wall >= t && cpu >= t ? "met" : wall < t && cpu < t ? "missed" : \
                wall >= t ? "met in wall time only" : "met in CPU time only";
      printf "%-12s newsbrief/feedparser %.1fx (in CPU time %.1fx), target %dx: %s\n", c, wall,
             cpu, t, verdict;
      if (nb != pb)
        printf "%-12s (the two read different files: %d and %d bytes)\n", c, nb, pb;
      else if (ni != pi)
        printf "%-12s (entries found differ: newsbrief %d, feedparser %d)\n", c, ni, pi }'
}

if [ -d "$conformance" ]; then
  measure conformance "$conformance" 20
else
  echo "conformance  skipped: no $conformance (set FEED_CONFORMANCE_DIR)"
fi
measure generated "$work/generated" 5
echo "(MB: 10^6 bytes; peak MB: getrusage maxrss in MiB, the loaded corpus included;" \
  "cpu%: CPU time / wall time, below 100 while other processes compete for the cores)"
if "$build/newsbrief" parse-feed "$work/generated/feed00.xml" --json > "$work/feed00.json" &&
  grep -q '<script' "$work/feed00.json"; then
  echo "(newsbrief kept <script> in content: this build's HTML sanitizer is a placeholder)"
fi
