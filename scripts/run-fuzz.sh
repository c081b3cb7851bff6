#!/usr/bin/env bash
# Runs every libFuzzer target built in $1 for FUZZ_SECONDS (default 30) on its seed corpus.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
root="$(cd "$(dirname "$0")/.." && pwd)"
for target in feed html time config sanitize extract; do
  work="$build/corpus-$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s"
  "$build/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    "$work" "$root/fuzz/corpus/$target"
done
