#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests and print its URL.
#
#   eval "$(bash scripts/pg_test_server.sh start /tmp/unspun-pg 55432)"   # exports UNSPUN_TEST_PG
#   bash scripts/pg_test_server.sh stop /tmp/unspun-pg
#
# Uses the Debian server binaries (package postgresql, installed when missing and root),
# a data folder of its own owned by the postgres user, listening on a Unix socket in that
# folder and on 127.0.0.1 only, trust auth (a test server, nothing else on it). The
# database `unspun_test` belongs to the role `unspun`. Messages go to stderr; stdout has
# only the export line. UNSPUN_PG_FSYNC=on keeps fsync on (benchmarks); tests turn it off.
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/unspun-pg}
port=${3:-55432}

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_pg() {  # run a command as the postgres user (the server refuses to run as root)
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "$cmd" = stop ]; then
  bin=$(bindir) || exit 0
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  exit 0
fi

if ! bin=$(bindir); then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "installing the postgresql server (Debian package)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  bin=$(bindir) || { echo "no PostgreSQL server binaries found" >&2; exit 1; }
fi

mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${UNSPUN_PG_FSYNC:-off} -c max_connections=100" start >&2
fi
psql_() { as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(psql_ -c "SELECT 1 FROM pg_roles WHERE rolname = 'unspun'")" = 1 ] \
  || psql_ -c "CREATE ROLE unspun LOGIN"
[ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = 'unspun_test'")" = 1 ] \
  || psql_ -c "CREATE DATABASE unspun_test OWNER unspun"
echo "export UNSPUN_TEST_PG=postgresql://unspun@127.0.0.1:$port/unspun_test"
