#!/usr/bin/env bash
# bench/daemon: the idle cost of `newsbrief daemon` (CPU over 60 s with 3 schedules and 10
# sources, resident memory) and the delay from a fire time to the first message accepted
# by a loopback platform. IDLE_SECONDS shortens the idle measure.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
/usr/bin/python3 bench/daemon.py "$build/newsbrief"
