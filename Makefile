# The README names these targets. `make run` and `make test` set up everything they need.
.PHONY: run demo test prodlike lighthouse setup lint format bench screenshots messages clean

PY := .venv/bin/python
LOCAL_ENV := DEBUG=true

# The development server and one task worker (scripts/run.sh).
run: setup
	scripts/run.sh

# Load the demo briefings and the demo accounts (idempotent: existing briefings and
# accounts are left alone; the accounts' sign-in details are printed).
demo: setup
	$(LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) $(PY) manage.py load_demo
	$(LOCAL_ENV) $(PY) manage.py demo_accounts

test:
	scripts/test.sh

# The site as production runs it (gunicorn, DEBUG off, PostgreSQL, Redis), over plain HTTP.
prodlike:
	scripts/prodlike.sh

# Lighthouse (npm's, pinned) on that server with the demo content: home and a briefing,
# phone and desktop; prints the four scores and fails below 95. About a minute, so not in
# `make test`. Reports in lighthouse/.
lighthouse:
	scripts/lighthouse.sh

setup:
	scripts/bootstrap.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench:
	scripts/bench.sh

# PNGs of every main page at 390px and 1280px, dark and print, into screenshots/ (a
# throw-away SQLite database with the demo content); also the two README images.
screenshots: setup
	$(PY) scripts/screenshots.py

# The house's English over allauth's (locale/en_GB): compile after editing the .po.
messages:
	msgfmt --check-format -o locale/en_GB/LC_MESSAGES/django.mo locale/en_GB/LC_MESSAGES/django.po

clean:
	rm -rf .venv .tools node_modules staticfiles .pytest_cache .bench
