#!/usr/bin/env bash
# Runs the site the way production does, on this machine, over plain HTTP: gunicorn with
# DEBUG off, PostgreSQL through psycopg's pool, Redis for the cache, static files collected
# and served by whitenoise with hashed names, JSON logs on standard output.
#
# Every variable can be set beforehand; the defaults are for a laptop:
#   DATABASE_URL   default: PostgreSQL found by scripts/postgres.sh, database briefings_prodlike
#   REDIS_URL      default: redis://127.0.0.1:6379/0 when it answers, else local memory
#   GUNICORN_BIND  default: 127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements-dev.lock >/dev/null
py=.venv/bin/python

export DEBUG=false
# A fresh secret each run: sessions from the last run end, which is fine on a laptop.
export SECRET_KEY=${SECRET_KEY:-$($py -c 'import secrets; print(secrets.token_urlsafe(50))')}
export GUNICORN_BIND=${GUNICORN_BIND:-127.0.0.1:8000}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export SITE_URL=${SITE_URL:-http://${GUNICORN_BIND}}
# Plain HTTP on this machine: no redirect to HTTPS, no Secure/__Host- cookies, and no
# X-Forwarded-Proto to trust. Everything else (CSP, headers, logs) is as in production.
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false BEHIND_HTTPS_PROXY=false
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(TEST_DATABASE_NAME=briefings_prodlike scripts/postgres.sh)
fi
export DATABASE_URL
$py - "$DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
admin = urlunsplit(url._replace(path="/postgres"))
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"==> created database {name}", file=sys.stderr)
PY

if [ -z "${REDIS_URL:-}" ]; then
  if $py -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/0', socket_timeout=2).ping()" 2>/dev/null; then
    export REDIS_URL=redis://127.0.0.1:6379/0
  else
    echo "==> no Redis on 127.0.0.1:6379: the cache is this process's memory" >&2
  fi
fi

echo "==> migrate and collectstatic" >&2
$py manage.py migrate --noinput >&2
$py manage.py collectstatic --noinput >&2
$py manage.py check --deploy --fail-level ERROR >&2

echo "==> serving http://$GUNICORN_BIND (DEBUG off; stop with Ctrl-C)" >&2
exec .venv/bin/gunicorn
