#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scores nb_time_parse_feed on the feedparser conformance suite's date vectors
# (../shared/conformance/feedparser/date-cases.tsv, when present): one line per vector and
# an "n/72 pass" total. The same check runs in `make test` as part of unit/test_time.
# Usage: scripts/check-dates.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -x "$build/tests/test_time" ]; then
  echo "check-dates: $build/tests/test_time not built (run: make)" >&2
  exit 2
fi
status=0
out=$(NB_TEST_DATA="$PWD/tests/data" "$build/tests/test_time" 2>&1) || status=$?
printf '%s\n' "$out" | grep -a 'date-cases.tsv'
exit $status
