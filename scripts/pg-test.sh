#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL 15 for the tests and benchmarks: initdb into a new temporary
# directory (UTF-8, C.UTF-8 locale: the archive's trigram search needs it), a server on a
# Unix socket in that directory only (no TCP), fsync off. `start FILE` writes the libpq
# connection string ("host=DIR port=PORT user=postgres dbname=postgres") into FILE; `stop
# FILE` stops that server and removes its directory. Run as root, the server runs as the
# `postgres` user (initdb refuses root). Exit 77 with the reason when the server binaries
# are not installed: the tests that need them then say skipped.
# usage: scripts/pg-test.sh start|stop FILE   env: PG_BIN (default /usr/lib/postgresql/15/bin)
set -euo pipefail
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=54329 # names the socket file only: there is no TCP listener to collide with

usage() { echo "usage: scripts/pg-test.sh start|stop FILE" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1 file=$2

as_owner() { # runs a server command as the user owning the data directory
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [ -f "$file" ] || return 0
  dir=$(sed -n 's/^host=\([^ ]*\) .*/\1/p' "$file")
  rm -f "$file"
  [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case $action in
  start)
    if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
      echo "skipped: PostgreSQL 15 server binaries not found in $bin (scripts/install-deps.sh --test installs postgresql-15)" >&2
      exit 77
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      echo "pg-test: running as root needs the postgres user (package postgresql-15)" >&2
      exit 1
    fi
    stop # a server left by an interrupted run
    dir=$(mktemp -d /tmp/nb-pg-XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    if ! as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      cat "$dir/server.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    echo "host=$dir port=$port user=postgres dbname=postgres" >"$file"
    echo "pg-test: PostgreSQL running on socket $dir port $port"
    ;;
  stop) stop ;;
  *) usage ;;
esac
