#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A long fuzzing session: every libFuzzer target built in $1 runs for MINUTES minutes
# (default 10) with its seed corpus (fuzz/corpus/<target>), its dictionary
# (fuzz/dict/<target>.dict) and a corpus of its own that grows from session to session
# ($1/corpus-<target>), in JOBS processes at once (default: every core) that share that
# corpus. The fuzzers run under `nice -n NICE` (default 19: they take only idle CPU) from
# a copy of the binaries made at the start, so a rebuild during the session does not
# disturb it. A process that finds a crash, a timeout or an out-of-memory input saves it
# and starts again, so the minutes are spent in full; the findings are then minimized into
# $1/findings/<target>/*.min (the table counts those of this session). Move a fixed one
# into fuzz/corpus/<target>/ (replayed by make test).
# Each session appends one line per target to $1/fuzz-long-history.tsv (date, target,
# seconds, executions, cov, ft, corpus files, crash/timeout/oom); the table shows this
# session's executions beside the total of every line of that file for the target. Runs
# made elsewhere are counted by appending their lines to it (a line may leave the fields
# after executions as "-").
# usage: scripts/fuzz-long.sh [BUILD [MINUTES]]
# env: TARGETS, JOBS, NICE, MAX_LEN (default per target: 32768 for feed and extract, whose
#      inputs cost most per byte, else 65536), RSS_MB
set -euo pipefail
build=${1:-build-fuzz}
minutes=${2:-${MINUTES:-10}}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
niceness=${NICE:-19}
rss_mb=${RSS_MB:-2048}
root="$(cd "$(dirname "$0")/.." && pwd)"
targets=${TARGETS:-"feed html time config sanitize extract cron"}
build="$(cd "$build" && pwd)"
history="$build/fuzz-long-history.tsv"
# UBSan's findings stop the run like ASan's (the build also sets -fno-sanitize-recover)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

max_len_of() { # target
  if [ -n "${MAX_LEN:-}" ]; then
    echo "$MAX_LEN"
  else
    case "$1" in feed | extract) echo 32768 ;; *) echo 65536 ;; esac
  fi
}

# the binaries this session runs: a copy, so that the build directory may be rebuilt
bin="$build/fuzz-long-bin"
mkdir -p "$bin"
for target in $targets; do
  [ -x "$build/fuzz_$target" ] || {
    echo "fuzz-long: $build/fuzz_$target is missing (make fuzz-build)" >&2
    exit 1
  }
  cp "$build/fuzz_$target" "$bin/fuzz_$target"
done

# one process: runs the target until the deadline, starting again after each finding
worker() { # target corpus findings log deadline max_len
  local target=$1 corpus=$2 findings=$3 log=$4 deadline=$5 max_len=$6 left dict=()
  [ -f "$root/fuzz/dict/$target.dict" ] && dict=(-dict="$root/fuzz/dict/$target.dict")
  : >"$log"
  while left=$((deadline - $(date +%s))) && [ "$left" -gt 5 ]; do
    nice -n "$niceness" "$bin/fuzz_$target" -max_total_time="$left" -max_len="$max_len" \
      -timeout=10 -rss_limit_mb="$rss_mb" -print_final_stats=1 -reload=30 "${dict[@]}" \
      -artifact_prefix="$findings/" "$corpus" "$root/fuzz/corpus/$target" >>"$log" 2>&1 || true
  done
}

rows=()
for target in $targets; do
  corpus="$build/corpus-$target"
  findings="$build/findings/$target"
  max_len=$(max_len_of "$target")
  mkdir -p "$corpus" "$findings"
  echo "fuzz-long: $target for $minutes min in $jobs processes, max_len $max_len" \
    "(logs: $build/fuzz-long-$target-*.log)"
  stamp="$findings/.session-start" # findings newer than this are this session's
  touch "$stamp"
  start=$(date +%s)
  deadline=$((start + minutes * 60))
  pids=()
  for j in $(seq "$jobs"); do
    worker "$target" "$corpus" "$findings" "$build/fuzz-long-$target-$j.log" "$deadline" \
      "$max_len" &
    pids+=($!)
  done
  wait "${pids[@]}"
  took=$(($(date +%s) - start))
  # executions: every run's final count (libFuzzer prints it on a finding too; a run that
  # printed none counts up to its last report)
  runs=0
  for j in $(seq "$jobs"); do
    log="$build/fuzz-long-$target-$j.log"
    n=$(awk '/^INFO: Seed:/ { total += last; last = 0 }
             /^stat::number_of_executed_units:/ { total += $2; last = 0 }
             /^#[0-9]+/ { last = substr($1, 2) + 0 }
             END { print total + last }' "$log")
    runs=$((runs + n))
  done
  # this session's findings, minimized: the smallest input that still fails the same way
  crashes=0 timeouts=0 ooms=0
  for artifact in "$findings"/crash-* "$findings"/timeout-* "$findings"/oom-* \
    "$findings"/leak-*; do
    { [ -f "$artifact" ] && [ "$artifact" -nt "$stamp" ]; } || continue
    case "$artifact" in *.min) continue ;; esac
    case "$(basename "$artifact")" in
      crash-* | leak-*) crashes=$((crashes + 1)) ;;
      timeout-*) timeouts=$((timeouts + 1)) ;;
      oom-*) ooms=$((ooms + 1)) ;;
    esac
    [ -f "$artifact.min" ] && continue
    nice -n "$niceness" "$bin/fuzz_$target" -minimize_crash=1 -runs=20000 -timeout=10 \
      -rss_limit_mb="$rss_mb" -exact_artifact_path="$artifact.min" "$artifact" \
      >>"$build/fuzz-long-$target-minimize.log" 2>&1 || true
    [ -f "$artifact.min" ] || cp "$artifact" "$artifact.min"
  done
  # coverage of what the corpus now holds: one pass over it, nothing mutated
  inited=$(nice -n "$niceness" "$bin/fuzz_$target" -runs=0 -max_len="$max_len" -timeout=30 \
    -rss_limit_mb="$rss_mb" "$corpus" "$root/fuzz/corpus/$target" 2>&1 |
    grep -E '^#[0-9]+.*(INITED|DONE)' | tail -n 1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$inited")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$inited")
  files=$(find "$corpus" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$target" "$took" \
    "$runs" "${cov:-?}" "${ft:-?}" "$files" "$crashes/$timeouts/$ooms" >>"$history"
  total=$(awk -F'\t' -v t="$target" '$2 == t && $4 ~ /^[0-9]+$/ { s += $4 } END { printf "%d", s }' \
    "$history")
  rows+=("$target|$took|$runs|$total|${cov:-?}|${ft:-?}|$files|$crashes/$timeouts/$ooms")
done

echo
echo "fuzz-long: $minutes min per target, $jobs processes, nice $niceness"
printf "%-9s %8s %12s %8s %12s %7s %7s %8s %18s\n" target seconds executions exec/s total cov \
  ft corpus crash/timeout/oom
for row in "${rows[@]}"; do
  IFS='|' read -r target took runs total cov ft files counts <<<"$row"
  awk -v t="$target" -v s="$took" -v r="$runs" -v T="$total" -v c="$cov" -v f="$ft" \
    -v n="$files" -v k="$counts" 'BEGIN { printf "%-9s %8d %12d %8d %12d %7s %7s %8d %18s\n",
      t, s, r, s ? r / s : 0, T, c, f, n, k }'
done
echo "total: executions of every session in $history"
echo "cov and ft: edges and features the corpus covers (one pass over it after the session)"
echo "findings, minimized (*.min): $build/findings/<target>/"
