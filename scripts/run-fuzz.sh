#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target built in $1 for FUZZ_SECONDS (default 30) on its seed corpus,
# with its dictionary (fuzz/dict). For long sessions on every core: scripts/fuzz-long.sh.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
root="$(cd "$(dirname "$0")/.." && pwd)"
for target in feed html time config sanitize extract cron; do
  work="$build/corpus-$target"
  mkdir -p "$work"
  dict=()
  [ -f "$root/fuzz/dict/$target.dict" ] && dict=(-dict="$root/fuzz/dict/$target.dict")
  echo "fuzz: $target for ${seconds}s"
  "$build/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 "${dict[@]}" \
    "$work" "$root/fuzz/corpus/$target"
done
