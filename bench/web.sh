#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/web: the archive (`newsbrief serve`) under wrk, 32 connections, on a database of
# ITEMS generated items (Chinese and English) and BRIEFINGS briefings written through the
# store. Reports the store and index build times, the trigram index's size, then requests
# per second and latency percentiles for /, a briefing, two searches and /feed.atom, with
# the answer cache (the default) and without it (web.cache_mb: 0, every request rendered).
# Goals on a 2-core machine: >= 5,000 req/s on / and a briefing; search p99 < 30 ms for a
# term of three or more characters, < 150 ms for a two-character term.
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
items=${ITEMS:-100000}
briefings=${BRIEFINGS:-3000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${WEB_THREADS:-2}
command -v wrk >/dev/null || { echo "bench/web: wrk is missing (scripts/install-deps.sh)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench/web: sqlite3 is missing"; exit 1; }

work="$(cd "$build" && pwd)/bench-web"
mkdir -p "$work"
db="$work/archive-$items-$briefings.db"
if [ ! -f "$db" ] || [ "$db" -ot "$build/bench/bench_web_gen" ]; then
  rm -f "$db" "$db-wal" "$db-shm" "$work/store-times"
  "$build/bench/bench_web_gen" "$db" "$items" "$briefings" > "$work/store-times"
  sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
fi
read -r item_s briefing_s < "$work/store-times"
size_mb() { sqlite3 "$1" "SELECT printf('%.1f', sum(pgsize) / 1048576.0) FROM dbstat WHERE name LIKE 'items_fts%';"; }
text_mb=$(sqlite3 "$db" "SELECT printf('%.1f', sum(length(CAST(title AS BLOB)) + length(CAST(abstract AS BLOB))) / 1048576.0) FROM items;")
grown=$(size_mb "$db")
copy="$work/rebuild.db"
cp "$db" "$copy"
start=$(date +%s.%N)
sqlite3 "$copy" "INSERT INTO items_fts (items_fts) VALUES ('rebuild');"
end=$(date +%s.%N)
rebuilt=$(size_mb "$copy")
rm -f "$copy" "$copy-wal" "$copy-shm"
hits3=$(sqlite3 "$db" "SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"大模型\"';")
hits2=$(sqlite3 "$db" "SELECT count(*) FROM items WHERE title LIKE '%模型%' OR abstract LIKE '%模型%';")
slug=$(sqlite3 "$db" "SELECT slug FROM briefings ORDER BY id LIMIT 1 OFFSET $((briefings / 2));")

echo "bench/web: $items items, $briefings briefings, wrk ${connections} connections ${duration}, $threads server threads"
awk -v i="$item_s" -v b="$briefing_s" -v n="$items" -v t="$text_mb" -v g="$grown" \
    -v r="$rebuilt" -v s="$start" -v e="$end" -v h3="$hits3" -v h2="$hits2" 'BEGIN {
  printf "store: %d items %.1f s (%.0f/s, trigram index kept by triggers), %d briefings %.1f s\n", n, i, n / i, '"$briefings"', b
  printf "trigram index: %.1f MB of text -> %.1f MB as grown, %.1f MB after a rebuild (%.1f s)\n", t, g, r, e - s
  printf "matches: \"大模型\" %d items, \"模型\" %d items\n", h3, h2 }'

config="$work/newsbrief.yaml"
serve() { # $1: cache_mb
  cat > "$config" <<EOF
newsbrief:
  database: $db
  timezone: Asia/Shanghai
web:
  threads: $threads
  cache_mb: $1
  max_connections_per_ip: 256
EOF
  "$build/newsbrief" serve --config "$config" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
  pid=$!
  for _ in $(seq 100); do
    grep -q serving "$work/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  base=$(sed -n 's#^newsbrief: serving \(.*\)/$#\1#p' "$work/serve.out")
  [ -n "$base" ] || { echo "bench/web: serve did not start: $(cat "$work/serve.err")"; exit 1; }
}

measure() { # $1: label, $2: path
  local out
  curl -s -o /dev/null "$base$2" # the first request renders (and fills the cache)
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$base$2")
  echo "$out" | awk -v label="$1" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) } /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "| %-26s | %9.0f | %7.2f | %7.2f | %7.2f |%s\n", label, rps, p50, p90, p99, bad ? " non-2xx: " bad : "" }'
}

for mode in cached uncached; do
  serve $([ $mode = cached ] && echo 64 || echo 0)
  echo
  echo "$mode answers ($([ $mode = cached ] && echo "web.cache_mb: 64, the default" || echo "web.cache_mb: 0: every request queries and renders"))"
  echo "| route                      |     req/s | p50 ms  | p90 ms  | p99 ms  |"
  echo "|----------------------------|-----------|---------|---------|---------|"
  measure "/" "/"
  measure "/briefings/$slug" "/briefings/$slug"
  measure "/search?q=大模型 (3 chars)" "/search?q=%E5%A4%A7%E6%A8%A1%E5%9E%8B"
  measure "/search?q=模型 (2 chars)" "/search?q=%E6%A8%A1%E5%9E%8B"
  measure "/feed.atom" "/feed.atom"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
