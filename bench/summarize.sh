#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/summarize: the offline summarizer's quality against the lead baseline (ROUGE on
# tests/data/summarize); its speed against the usual Python TextRank recipe (jieba +
# networkx PageRank) on the demo's 35 article bodies; then 50 summaries through a loopback
# LLM answering after 1 s with concurrency 8, against the ideal of 7 s.
set -euo pipefail
build=${1:-build}
# both summarizers: one untimed warm-up round, then the same ROUNDS timed rounds
rounds=${ROUNDS:-10}
root="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "bench/summarize: offline summaries against the lead baseline (ROUGE F1, tests/data/summarize)"
"$build/bench/bench_summary_quality" "$root/tests/data"
echo
echo "bench/summarize: offline summaries of the demo's article bodies (100-200 characters)"
printf "%-40s %9s %10s %12s\n" "summarizer" "articles" "seconds" "articles/s"
read -r n r secs bytes avg < <("$build/bench/bench_summarize" "$root/data/demo" "$work/texts.jsonl" "$rounds")
awk -v n="$n" -v r="$r" -v s="$secs" 'BEGIN { printf "%-40s %9d %10.3f %12.0f\n", "newsbrief extractive (C)", n * r, s, n * r / s }'
echo "  (average body $((bytes / n)) bytes, average summary ${avg} characters)"
if /usr/bin/python3 -c 'import jieba, networkx, scipy' 2>/dev/null; then
  read -r pn pr psecs < <(/usr/bin/python3 "$root/bench/peer_textrank.py" "$work/texts.jsonl" "$rounds")
  awk -v n="$pn" -v r="$pr" -v s="$psecs" 'BEGIN { printf "%-40s %9d %10.3f %12.0f\n", "python jieba + networkx TextRank", n * r, s, n * r / s }'
else
  echo "(python3-jieba / python3-networkx / python3-scipy missing: peer row skipped)"
fi
echo
echo "bench/summarize: 50 items through a loopback LLM (1 s per reply, concurrency 8)"
for mode in "" confirm; do
  read -r items wall ideal requests peak questions < <(/usr/bin/python3 "$root/bench/llm_summaries.py" "$build/newsbrief" $mode)
  awk -v i="$items" -v w="$wall" -v d="$ideal" -v q="$requests" -v p="$peak" -v s="$questions" -v m="${mode:-summaries only}" \
    'BEGIN { printf "%-16s items %d  wall %.2f s  ideal %.2f s  ratio %.2fx  requests %d  peak concurrency %d  story questions %d\n", m, i, w, d, w / d, q, p, s }'
done
