#!/usr/bin/env bash
# Sets up everything and runs every check and test: lint, Django checks, the suite on
# PostgreSQL and on SQLite, and the browser tests in the system Chromium.
# Extra arguments go to each pytest run (for example: scripts/test.sh -k access).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIRE_TEST_TOOLS=1 scripts/bootstrap.sh
scripts/chromium.sh
scripts/java.sh

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The suite's own defaults (tests/environment.py) apply to manage.py here too.
export SECRET_KEY=${SECRET_KEY:-test-secret-key-not-for-production-$(printf 'x%.0s' {1..32})}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-testserver,localhost,127.0.0.1}
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false STATIC_MANIFEST=false

py=.venv/bin/python
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "==> Django system checks and migrations"
env -u DATABASE_URL $py manage.py check --fail-level WARNING
env -u DATABASE_URL $py manage.py makemigrations --check --dry-run --verbosity 1

pg_url=$(scripts/postgres.sh)

echo "==> tests on PostgreSQL"
DATABASE_URL=$pg_url .venv/bin/pytest -m "not browser" "$@"

echo "==> tests on SQLite"
env -u DATABASE_URL .venv/bin/pytest -m "not browser" -p no:cacheprovider "$@"

echo "==> browser tests (Chromium through Playwright) on PostgreSQL"
DATABASE_URL=$pg_url DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest -m browser -p no:cacheprovider "$@"
