#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make test` several times in a row (ROUNDS, default 3) while two CPU-bound processes run
# beside it, as on a loaded CI machine; every round must pass. The busy processes end with
# the script, however it ends. Each round's output goes to build/test-stress-N.log; the
# summary (ctest's totals and the failed tests of each round) is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
logdir=${BUILD:-build}
mkdir -p "$logdir"

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${hogs[@]}"; do
    wait "$pid" 2>/dev/null
  done
  hogs=()
}
trap stop_hogs EXIT
trap 'stop_hogs; exit 130' INT TERM

for _ in 1 2; do
  yes >/dev/null &
  hogs+=($!)
done
echo "test-stress: $rounds rounds of make test beside 2 CPU-bound processes (pids ${hogs[*]}) on $(nproc) cores"

passed=0
summary=()
for round in $(seq 1 "$rounds"); do
  log="$logdir/test-stress-$round.log"
  start=$(date +%s)
  if make test >"$log" 2>&1; then
    status=passed
    passed=$((passed + 1))
  else
    status=FAILED
  fi
  took=$(($(date +%s) - start))
  line="round $round: $status in ${took} s"
  totals=$(grep -E '^[0-9]+% tests passed' "$log" | paste -sd ';' - | sed 's/;/; /g')
  [ -n "$totals" ] && line="$line ($totals)"
  summary+=("$line")
  echo "$line"
  grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Not Run|Subprocess aborted)\)' "$log" |
    sed 's/^/    /'
done
stop_hogs

echo "test-stress summary:"
printf '  %s\n' "${summary[@]}"
echo "test-stress: $passed of $rounds rounds passed (logs: $logdir/test-stress-*.log)"
[ "$passed" -eq "$rounds" ]
