#!/usr/bin/env bash
# `make bench`: delivery (scripts/bench_delivery.py), then the pages (scripts/bench.py), which
# ends with issue 22's targets, met or missed.
#   scripts/bench.sh [--only pages|delivery] [arguments for that part, e.g. --duration 5]
# Without --only both run, and the arguments go to the page benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

only=""
if [ "${1:-}" = "--only" ]; then
  only=${2:?"--only takes pages or delivery"}
  shift 2
fi
case "$only" in
  "" | pages | delivery) ;;
  *) echo "error: --only takes pages or delivery, not $only" >&2; exit 2 ;;
esac

scripts/bootstrap.sh >&2
if [ "$only" != delivery ] && ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing wrk from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "error: the load generator wrk is missing (apt-get install wrk)" >&2
    exit 1
  fi
fi

# The bench databases are dropped and rebuilt by every run: BENCH_DATABASE_NAME and
# BENCH_DELIVERY_DATABASE_NAME (or whole BENCH_*_URLs) keep runs side by side apart.
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-$(TEST_DATABASE_NAME=${BENCH_DATABASE_NAME:-briefings_bench} DATABASE_URL= scripts/postgres.sh)}
BENCH_DELIVERY_DATABASE_URL=${BENCH_DELIVERY_DATABASE_URL:-$(TEST_DATABASE_NAME=${BENCH_DELIVERY_DATABASE_NAME:-briefings_bench_delivery} DATABASE_URL= scripts/postgres.sh)}
export BENCH_DATABASE_URL BENCH_DELIVERY_DATABASE_URL
# Share one Redis between the workers, as production does, when one answers.
if [ -z "${REDIS_URL:-}" ] && .venv/bin/python -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/15').ping()" 2>/dev/null; then
  export REDIS_URL=redis://127.0.0.1:6379/15
fi
case "$only" in
  pages) exec .venv/bin/python scripts/bench.py "$@" ;;
  delivery) exec .venv/bin/python scripts/bench_delivery.py "$@" ;;
esac
# Delivery first, so that the page benchmark's list of targets (printed last) has its
# e-mails a second too.
BENCH_DELIVERY_RESULTS=$(mktemp)
export BENCH_DELIVERY_RESULTS
trap 'rm -f "$BENCH_DELIVERY_RESULTS"' EXIT
.venv/bin/python scripts/bench_delivery.py
.venv/bin/python scripts/bench.py "$@"
