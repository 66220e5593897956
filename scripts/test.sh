#!/usr/bin/env bash
# Sets up everything and runs every check and test: lint, Django checks, the suite on
# PostgreSQL and on SQLite, and the browser tests in the system Chromium.
# Extra arguments go to each pytest run (for example: scripts/test.sh -k access).
#
# The pytest runs spread over TEST_WORKERS processes (pytest-xdist; default `auto`, one per
# CPU; 0 runs in this process). PostgreSQL runs every test; SQLite runs only the tests marked
# database_dependent (tests/conftest.py: search, import, query counts...) unless TEST_SQLITE=all.
# A table of how long each phase took is printed at the end, also when one fails.
set -euo pipefail
cd "$(dirname "$0")/.."

workers=${TEST_WORKERS:-auto}
xdist=(-n "$workers" --dist loadgroup)
sqlite_tests="not browser and database_dependent"
case ${TEST_SQLITE:-} in
  "" | dependent) ;;
  all) sqlite_tests="not browser" ;;
  *) echo "error: TEST_SQLITE is 'all' or unset (then only database_dependent tests)" >&2; exit 2 ;;
esac

phases=()
phase_started=$SECONDS
run_started=$SECONDS
phase() {
  # Ends the phase that is running (if any) and starts the one named.
  if [ -n "${phase_name:-}" ]; then
    phases+=("$phase_name|$((SECONDS - phase_started))")
  fi
  phase_name=$1
  phase_started=$SECONDS
  [ -n "$phase_name" ] && echo "==> $phase_name"
  return 0
}
timings() {
  local status=$?
  phase ""
  echo
  printf '%-42s %7s\n' phase seconds
  local row
  for row in "${phases[@]}"; do
    printf '%-42s %7s\n' "${row%%|*}" "${row##*|}"
  done
  printf '%-42s %7s\n' "total (workers: $workers)" "$((SECONDS - run_started))"
  [ "$status" = 0 ] || echo "stopped in a failed phase (exit status $status)"
}
trap timings EXIT

phase "set-up (dependencies, Chromium, Java)"

REQUIRE_TEST_TOOLS=1 scripts/bootstrap.sh
scripts/chromium.sh
scripts/java.sh

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The suite's own defaults (tests/environment.py) apply to manage.py here too.
export SECRET_KEY=${SECRET_KEY:-test-secret-key-not-for-production-$(printf 'x%.0s' {1..32})}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-testserver,localhost,127.0.0.1}
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false STATIC_MANIFEST=false

py=.venv/bin/python
phase "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

phase "Django system checks and migrations"
env -u DATABASE_URL $py manage.py check --fail-level WARNING
env -u DATABASE_URL $py manage.py makemigrations --check --dry-run --verbosity 1

phase "tests on PostgreSQL (all but browser)"
pg_url=$(scripts/postgres.sh)
DATABASE_URL=$pg_url .venv/bin/pytest "${xdist[@]}" -m "not browser" "$@"

phase "tests on SQLite (${TEST_SQLITE:-database_dependent})"
env -u DATABASE_URL .venv/bin/pytest "${xdist[@]}" -m "$sqlite_tests" -p no:cacheprovider "$@"

phase "browser tests on PostgreSQL (Chromium)"
DATABASE_URL=$pg_url DJANGO_ALLOW_ASYNC_UNSAFE=true \
  .venv/bin/pytest "${xdist[@]}" -m browser -p no:cacheprovider "$@"
