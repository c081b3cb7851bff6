#!/usr/bin/env bash
# Installs the Debian packages newsbrief builds, tests and runs with.
# The one list of build dependencies: the README, the Makefile and .ci/run all call this.
# Idempotent: packages already present are skipped; apt-get runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libxml2-dev libgumbo-dev libjansson-dev libsqlite3-dev
  libyaml-dev libssl-dev zlib1g-dev libmicrohttpd-dev
  libutf8proc-dev libbrotli-dev libcmocka-dev libgoogle-perftools-dev libsystemd-dev tzdata time python3-feedparser
  debhelper fakeroot man-db
  python3-jieba python3-networkx python3-scipy libpcre2-dev libuchardet-dev ca-certificates python3 python3-aiosmtpd
  jing python3-jsonschema chromium chromium-driver python3-selenium fonts-wqy-microhei wrk
  cmark-gfm  # the tests render the Markdown output with a real GFM parser
)

# node and npm run the MCP SDK client in the MCP tests; where node came from elsewhere
# (NodeSource) its own npm is used, else Debian's npm package is added.
packages+=(nodejs)
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
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
if [ ! -f "$mcp_client/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  echo "install-deps: installing the MCP SDK from npm into tests/e2e/mcp"
  npm install --prefix "$mcp_client" --no-audit --no-fund --silent
fi
