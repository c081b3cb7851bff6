#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/extract: article extraction throughput, in process, on the same pages: newsbrief
# (bench_extract), Readability.js 0.6.0 + jsdom 26.1.0 (installed from the npm registry
# into bench/.npm-extract on first use) and readability-lxml (Debian python3-readability,
# run with the system Python). One run, one table.
# usage: bench/extract.sh [BUILD] [PAGES]   PAGES: a folder of <page>/source.html folders
#        (default: the Readability conformance pages in ../shared/conformance/readability)
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
pages_dir=${2:-"$root/../shared/conformance/readability/test-pages"}
# every extractor: one untimed warm-up round, then the same ROUNDS timed rounds
rounds=${ROUNDS:-2}
npm_dir="$root/bench/.npm-extract"

if [ ! -d "$pages_dir" ]; then
  echo "bench/extract: no pages at $pages_dir (give the folder as the second argument)"
  exit 0
fi
mapfile -t pages < <(find "$pages_dir" -name source.html | sort)
echo "bench/extract: ${#pages[@]} pages from $pages_dir, in process (process start excluded)"

rows=()
read -r n bytes secs < <("$build/bench/bench_extract" "$rounds" "${pages[@]}")
rows+=("newsbrief (C, gumbo)|$n|$bytes|$secs")

if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -f "$npm_dir/node_modules/@mozilla/readability/package.json" ] ||
     [ ! -f "$npm_dir/node_modules/jsdom/package.json" ]; then
    mkdir -p "$npm_dir"
    npm install --prefix "$npm_dir" --no-audit --no-fund --silent \
      @mozilla/readability@0.6.0 jsdom@26.1.0 >/dev/null
  fi
  read -r n bytes secs < <(NODE_PATH="$npm_dir/node_modules" node "$root/bench/peer_readability.js" "$rounds" "${pages[@]}")
  rows+=("Readability.js 0.6.0 + jsdom 26.1.0|$n|$bytes|$secs")
else
  echo "(node/npm missing: Readability.js row skipped)"
fi

if /usr/bin/python3 -c 'import readability' 2>/dev/null; then
  read -r n bytes secs < <(/usr/bin/python3 "$root/bench/peer_readability_lxml.py" "$rounds" "${pages[@]}")
  rows+=("readability-lxml (python3-readability)|$n|$bytes|$secs")
else
  echo "(python3-readability missing: readability-lxml row skipped)"
fi

printf "%-40s %7s %9s %9s %9s %8s %10s\n" "extractor" "pages" "MB" "seconds" "pages/s" "MB/s" "newsbrief"
first=""
for row in "${rows[@]}"; do
  IFS='|' read -r name n bytes secs <<<"$row"
  pps=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
  [ -z "$first" ] && first=$pps
  awk -v name="$name" -v n="$n" -v b="$bytes" -v s="$secs" -v f="$first" \
    'BEGIN { p = n / s; printf "%-40s %7d %9.1f %9.2f %9.1f %8.2f %9.1fx\n", name, n, b / 1048576, s, p, b / 1048576 / s, f / p }'
done
