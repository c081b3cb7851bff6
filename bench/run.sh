#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark against the build in $1.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
./bench/fetch.sh "$build"
echo
./bench/summarize.sh "$build"
echo
./bench/dedupe.sh "$build"
echo
./bench/feeds.sh "$build"
echo
./bench/extract.sh "$build"
echo
echo "labelled article pages: precision and recall of the text kept (tests/data/sites/labelled)"
python3 tests/e2e/labelled.py "$build/newsbrief"
echo
./bench/daemon.sh "$build"
./bench/web.sh "$build"
./bench/pathological.sh "$build"
./bench/workers.sh "$build"
