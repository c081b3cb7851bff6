#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/workers: 1, 2 and 3 `newsbrief daemon`s sharing one fire's work (200 LLM summaries
# answering in 1 s, 20 channels) on a throwaway PostgreSQL (scripts/pg-test.sh): wall time
# against the ideal, jobs per second, the database's CPU share, and the claim overhead per
# job through the store API. ITEMS, CHANNELS, LLM_SECONDS, DAEMONS, JOBS change the sizes;
# LOGS=DIR keeps the daemons' logs.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
conninfo=$(mktemp)
trap 'scripts/pg-test.sh stop "$conninfo"; rm -f "$conninfo"' EXIT
if ! scripts/pg-test.sh start "$conninfo" >/dev/null; then
  echo "bench/workers: skipped: no PostgreSQL server to start (scripts/pg-test.sh)"
  exit 0
fi
/usr/bin/python3 bench/workers.py "$build/newsbrief" "$build/bench/bench_jobs" "$(cat "$conninfo")"
