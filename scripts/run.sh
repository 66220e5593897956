#!/usr/bin/env bash
# `make run`: the site for development, with what it needs beside it: the development
# server and one task worker (e-mail is sent by the worker), both on the local SQLite
# database unless DATABASE_URL says otherwise. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=${DEBUG:-true}
py=.venv/bin/python

$py manage.py migrate --noinput
$py manage.py load_demo
# The worker reloads itself when the code changes, as runserver does (DEBUG).
$py manage.py db_worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
$py manage.py runserver 127.0.0.1:8000
