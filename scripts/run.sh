#!/usr/bin/env bash
# `make run`: the site for development, with what it needs beside it: the development
# server, one task worker (e-mail is sent by the worker) and, as cron would in production,
# `send_digests` and `send_due_emails` every five minutes, all on the local SQLite database unless DATABASE_URL says
# otherwise. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=${DEBUG:-true}
py=.venv/bin/python

$py manage.py migrate --noinput
$py manage.py load_demo
# Members of each tier and an editor to sign in as; it refuses (and `make run` goes on)
# when DEBUG is off, since their password is printed.
$py manage.py demo_accounts || true
# The worker reloads itself when the code changes, as runserver does (DEBUG).
$py manage.py db_worker &
worker=$!
# As production's cron lines do (docs/deployment.md): digests that are due (and any
# briefing whose send never ran), and e-mails due for a retry or left half-sent. Both are
# safe to run often and twice at once.
while true; do
  $py manage.py send_digests || true
  $py manage.py send_due_emails || true
  # Daily in production; each reminder goes once, so running it often is harmless.
  $py manage.py send_licence_reminders || true
  sleep 300
done &
digests=$!
trap 'kill $worker $digests 2>/dev/null || true' EXIT INT TERM
$py manage.py runserver 127.0.0.1:8000
