#!/usr/bin/env bash
# The whole test suite: makes sure a PostgreSQL server answers (starting the
# machine's cluster, or a throwaway one from the installed binaries), then
# vets and tests every package on PostgreSQL and SQLite.
#
#   KASIR_TEST_DATABASE_URL  the server to test on (default postgres://postgres@127.0.0.1:5432/test)
#   TEST_FLAGS               extra flags for go test (e.g. -run TestX, -v)
set -euo pipefail
cd "$(dirname "$0")/.."

url=${KASIR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
throwaway=""

answers() { psql "$1" -qtAc 'select 1' >/dev/null 2>&1; }

cleanup() {
  if [ -n "$throwaway" ]; then
    as_pg pg_ctl -D "$throwaway/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$throwaway"
  fi
}
trap cleanup EXIT

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- env PATH="$PATH" "$@"; else "$@"; fi
}

ensure_postgres() {
  if ! command -v psql >/dev/null; then
    echo "test: psql not found. Install PostgreSQL: apt-get install -y postgresql postgresql-client" >&2
    exit 1
  fi
  answers "$url" && return
  # A database test on a server that answers, missing only the database?
  base=${url%%\?*}; base=${base%/*}/postgres
  if answers "$base"; then
    psql "$base" -qc 'CREATE DATABASE test' >/dev/null 2>&1 || true
    answers "$url" && return
  fi
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    echo "test: starting the machine's PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do answers "$base" && break; sleep 1; done
    psql "$base" -qc 'CREATE DATABASE test' >/dev/null 2>&1 || true
    answers "$url" && return
  fi
  bindir=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)")
  if [ ! -x "$bindir/initdb" ]; then
    echo "test: no PostgreSQL answers at $url and none is installed." >&2
    echo "      Install it (apt-get install -y postgresql) or set KASIR_TEST_DATABASE_URL." >&2
    exit 1
  fi
  echo "test: starting a throwaway PostgreSQL from $bindir" >&2
  throwaway=$(mktemp -d /tmp/kasir-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$throwaway"
  PATH="$bindir:$PATH"
  as_pg initdb -D "$throwaway/data" -U postgres -A trust >/dev/null
  as_pg pg_ctl -D "$throwaway/data" -l "$throwaway/log" -w \
    -o "-p 55432 -c listen_addresses=127.0.0.1 -k $throwaway -c fsync=on" start >/dev/null
  url="postgres://postgres@127.0.0.1:55432/test?sslmode=disable"
  psql "postgres://postgres@127.0.0.1:55432/postgres" -qc 'CREATE DATABASE test' >/dev/null
}

# The dashboard's browser test (cmd/kasir TestDashboardBrowser) drives
# Debian's chromium with playwright-core from e2e/package-lock.json.
ensure_browser() {
  if [ ! -x "${KASIR_CHROMIUM:-/usr/bin/chromium}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "test: installing chromium for the browser tests" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null ||
        { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null; }
    else
      echo "test: chromium not found; install it (sudo apt-get install -y chromium) or the browser test fails in CI and skips elsewhere" >&2
    fi
  fi
  if ! command -v npm >/dev/null; then
    echo "test: npm not found; install it (apt-get install -y nodejs npm) for the browser tests" >&2
    return
  fi
  if [ ! -f e2e/node_modules/playwright-core/package.json ] ||
     [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
    echo "test: installing playwright-core (npm ci in e2e/)" >&2
    npm ci --prefix e2e --no-audit --no-fund >/dev/null
  fi
}

ensure_postgres
ensure_browser
export KASIR_TEST_DATABASE_URL="$url"
echo "test: PostgreSQL at ${url%%\?*}" >&2

go vet ./...
# shellcheck disable=SC2086
go test -count=1 -timeout 20m ${TEST_FLAGS:-} ./...
# Every fuzz target, briefly, on top of its committed corpus (make fuzz for longer).
FUZZTIME=${FUZZTIME:-2000x} bash scripts/fuzz.sh
