#!/usr/bin/env bash
# Prints a DATABASE_URL for a PostgreSQL server the tests can use:
#   1. $DATABASE_URL when it is set;
#   2. the server on 127.0.0.1:5432 when it answers;
#   3. otherwise a throw-away cluster started from the system's PostgreSQL binaries.
# Exits non-zero with a clear message when none can be had.
set -euo pipefail
cd "$(dirname "$0")/.."

db_name=${TEST_DATABASE_NAME:-briefings}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL"
  exit 0
fi

answers() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

if answers "postgresql://postgres@127.0.0.1:5432/postgres"; then
  echo "postgresql://postgres@127.0.0.1:5432/$db_name"
  exit 0
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] && command -v initdb >/dev/null; then
  bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
  echo "error: no PostgreSQL found. Set DATABASE_URL, start a server on 127.0.0.1:5432," \
       "or install the server (apt-get install postgresql)." >&2
  exit 1
fi

port=${TEST_POSTGRES_PORT:-54329}
datadir=${TEST_POSTGRES_DIR:-/tmp/briefings-test-postgres}
url="postgresql://postgres@127.0.0.1:$port/$db_name"
if answers "postgresql://postgres@127.0.0.1:$port/postgres"; then
  echo "$url"
  exit 0
fi

# initdb refuses to run as root: run the throw-away cluster as the postgres user.
run_as=()
if [ "$(id -u)" = 0 ]; then
  run_as=(runuser -u postgres --)
fi
if [ ! -s "$datadir/PG_VERSION" ]; then
  mkdir -p "$datadir"
  [ "$(id -u)" = 0 ] && chown postgres "$datadir"
  "${run_as[@]}" "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 >/dev/null
fi
"${run_as[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off" start >/dev/null
echo >&2 "started a throw-away PostgreSQL on port $port (data in $datadir)"
echo "$url"
