#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/pathological: time per byte of article extraction on the pathological pages of
# tests/e2e/pathological.py (deep nesting, huge tags, endless entities, ...) beside an
# ordinary article of the same size (en-news.html, its story repeated). In process
# (bench_extract -b): CPU time of the fastest of ROUNDS rounds (default 3). A page stopped
# at a document-size cap says so in the last column. The goal: every ratio within 3x.
# usage: bench/pathological.sh [BUILD]
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
NB_TEST_DATA="$root/tests/data" /usr/bin/python3 "$root/tests/e2e/pathological.py" "$work"

best() { # page -> "bytes seconds status": the fastest of $rounds rounds, CPU time
  local page=$1 out bytes secs status=ok
  out=$("$build/bench/bench_extract" -b "$rounds" "$page" 2>/dev/null) || status=no-text
  read -r _ bytes secs <<<"$out"
  if ! "$build/newsbrief" extract "$page" >/dev/null 2>"$work/err"; then
    status="stopped: $(sed -e 's/^newsbrief: extract: [^:]*: //' "$work/err" | head -c 70)"
  fi
  echo "$bytes $secs $status"
}

echo "bench/pathological: extraction CPU time per byte, fastest of $rounds rounds, in process"
printf "%-22s %8s %10s %10s %7s  %s\n" page MB "page MB/s" "ordin MB/s" ratio "page result"
worst=0
while read -r name; do
  read -r bytes secs status < <(best "$work/$name.html")
  read -r obytes osecs _ < <(best "$work/$name.ordinary.html")
  ratio=$(awk -v b="$bytes" -v s="$secs" -v ob="$obytes" -v os="$osecs" \
    'BEGIN { if (s < 0.001 || os < 0.001) print "-"; else printf "%.2f", (s / b) / (os / ob) }')
  awk -v n="$name" -v b="$bytes" -v s="$secs" -v ob="$obytes" -v os="$osecs" -v r="$ratio" \
    -v st="$status" 'function rate(bytes, secs) { # under a millisecond: refused at once
      return secs < 0.001 ? sprintf("%10s", "-") : sprintf("%10.1f", bytes / 1048576 / secs) }
    BEGIN { printf "%-22s %8.2f %s %s %6sx  %s\n", n, b / 1048576, rate(b, s), rate(ob, os),
      r, st }'
  [ "$ratio" = - ] || worst=$(awk -v a="$worst" -v b="$ratio" 'BEGIN { print (b > a) ? b : a }')
done < <(NB_TEST_DATA="$root/tests/data" /usr/bin/python3 -c \
  "import sys; sys.path.insert(0, '$root/tests/e2e'); import pathological as p
for name, _, _ in p.PAGES: print(name)")
echo "worst ratio: ${worst}x (goal: within 3x)"
