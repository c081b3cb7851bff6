#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/dedupe: story clustering of 100k articles on one core: time and peak memory.
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
n=${ITEMS:-100000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/time -f "%M" -o "$out.mem" "$build/bench/bench_dedupe" "$root/tests/data" "$n" > "$out"
read -r items add finish cluster clusters largest < "$out"
mem=$(cat "$out.mem"); rm -f "$out.mem"
echo "bench/dedupe: $items articles, threshold from tests/data/dedupe"
awk -v a="$add" -v f="$finish" -v c="$cluster" -v m="$mem" -v k="$clusters" -v l="$largest" \
  'BEGIN { printf "signatures %.2f s  weights %.2f s  clustering %.2f s  total %.2f s  peak %.1f MB  clusters %d  largest %d\n", a, f, c, a + f + c, m / 1024, k, l }'
