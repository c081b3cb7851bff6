#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/fetch: 1000 feed URLs on a loopback server that answers each after 200 ms.
# newsbrief (global cap 64, no per-host cap) against the usual Python script (feedparser on
# 64 threads), in one run: wall time against the ideal (1000 x 0.2 s / 64), CPU time, peak
# memory; then the same with every feed answering 304 to a conditional GET.
set -euo pipefail
build=${1:-build}
feeds=${FEEDS:-1000}
delay_ms=${DELAY_MS:-200}
root="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/bench/bench_slow_server" "$delay_ms" > "$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n1 "$work/port")
base="http://127.0.0.1:$port"

{
  printf 'newsbrief:\n  database: %s/nb.db\n  window: 7d\n  max_items: 10\n' "$work"
  printf '  max_connections: 64\n  max_connections_per_host: 0\n'
  printf 'channels:\n  out:\n    type: file\n    path: %s/briefing.md\n' "$work"
  printf 'sources:\n'
  for i in $(seq 1 "$feeds"); do
    printf '  f%d:\n    type: feed\n    url: %s/feed/%d.xml\n' "$i" "$base" "$i"
  done
} > "$work/newsbrief.yaml"
for i in $(seq 1 "$feeds"); do echo "$base/feed/$i.xml"; done > "$work/urls"

ideal=$(awk -v n="$feeds" -v d="$delay_ms" 'BEGIN { printf "%.2f", n * d / 1000 / 64 }')
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || {
    echo "bench: $label failed:"; cat "$work/err"; exit 1; }
  read -r wall user sys rss < "$work/time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v i="$ideal" \
    'BEGIN { printf "%-34s %8.2f %8.2f %7.2fx %8.2f %9.1f\n", l, w, i, w / i, u + s, r / 1024 }'
}

echo "bench/fetch: $feeds feeds, ${delay_ms} ms each, 64 at a time (ideal ${ideal} s)"
printf "%-34s %8s %8s %8s %8s %9s\n" "tool / run" "wall s" "ideal s" "ratio" "cpu s" "peak MB"
export NEWSBRIEF_NOW=2025-04-07T10:45:00+08:00
measure "newsbrief run (200)" "$build/newsbrief" run -q --config "$work/newsbrief.yaml"
measure "newsbrief run (all 304)" "$build/newsbrief" run -q --config "$work/newsbrief.yaml"
if /usr/bin/python3 -c 'import feedparser' 2>/dev/null; then
  measure "python feedparser x64 threads (200)" /usr/bin/python3 "$root/bench/peer_fetch.py" "$work/urls" "$work/etags.json"
  measure "python feedparser x64 threads (304)" /usr/bin/python3 "$root/bench/peer_fetch.py" "$work/urls" "$work/etags.json"
else
  echo "(python3-feedparser not installed: peer rows skipped)"
fi
