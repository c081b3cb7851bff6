#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages newsbrief builds, runs, tests and benchmarks with.
# The one list of dependencies, in two sets: what building and running need (`make`,
# `make demo`: install-deps.sh), and what the tests and benchmarks add (`make test`,
# `make bench`, CI: install-deps.sh --test). The Makefile and .ci/run call this.
# Idempotent: packages already present are skipped; apt-get runs only when something is missing.
set -euo pipefail

usage() {
  echo "usage: scripts/install-deps.sh [--test]" >&2
  echo "  (no option)  what building and running newsbrief need" >&2
  echo "  --test       also what the tests, fuzzing and benchmarks need" >&2
}

with_tests=0
case "${1-}" in
  "") ;;
  --test) with_tests=1 ;;
  -h|--help) usage; exit 0 ;;
  *) usage; exit 2 ;;
esac

# Building and running: the compiler, CMake and the libraries the binary links.
packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libxml2-dev libgumbo-dev libjansson-dev libsqlite3-dev
  libyaml-dev libssl-dev zlib1g-dev libmicrohttpd-dev libutf8proc-dev libpcre2-dev
  libuchardet-dev libgoogle-perftools-dev libsystemd-dev libpq-dev tzdata ca-certificates
)

# Tests, fuzzing and benchmarks: unit-test framework, sanitizer and fuzzer runtime, the
# loopback servers' Python modules, the tools people use instead (benchmarks), the package
# and man-page checks, the browser test, feed validators and a GFM renderer.
test_packages=(
  clang libclang-rt-14-dev libcmocka-dev libbrotli-dev time python3 python3-aiosmtpd
  python3-feedparser python3-jieba python3-networkx python3-scipy
  python3-readability  # readability-lxml, a peer in bench/extract.sh
  debhelper fakeroot man-db
  jing python3-jsonschema chromium chromium-driver python3-selenium fonts-wqy-microhei wrk
  cmark-gfm
  nodejs  # runs the MCP SDK client in the MCP tests
  postgresql-15 postgresql-client-15  # the throwaway PostgreSQL of the tests (scripts/pg-test.sh)
)
if [ $with_tests -eq 1 ]; then
  packages+=("${test_packages[@]}")
  # Where node came from elsewhere (NodeSource) its own npm is used, else Debian's.
  if ! command -v npm >/dev/null 2>&1; then
    packages+=(npm)
  fi
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# From npm: the official MCP TypeScript SDK, the client of the MCP tests (version pinned in
# tests/e2e/mcp/package.json), installed into that folder once.
mcp_client="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/mcp"
if [ $with_tests -eq 1 ] &&
   [ ! -f "$mcp_client/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  echo "install-deps: installing the MCP SDK from npm into tests/e2e/mcp"
  npm install --prefix "$mcp_client" --no-audit --no-fund --silent
fi
