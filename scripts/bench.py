"""
`make bench`: how fast the reader pages are, as ratios to Django's own floor.

It builds a PostgreSQL data set (10,000 briefings across 50 categories, with 20 sections
and 10 citations each), starts gunicorn with production settings, and loads every page
type as each audience with wrk at 32 connections. In the same run it loads `/healthz`, a
view that returns a constant answer through the same middleware and gunicorn: the floor.
It also reports query counts, memory per worker, search latency at 10,000 and 100,000
briefings, and import speed. Everything is measured in one run on one machine; read the
ratios, not the absolute numbers.
"""

import argparse
import contextlib
import itertools
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_data import (  # noqa: E402 — scripts/ is on the path as this script's folder
    build_dataset,
    log,
)
from bench_import import (  # noqa: E402
    import_comparison,
    import_speed,
    speed_text,
    speeds_text,
)
from bench_targets import delivery_results, report  # noqa: E402


def production_env(database_url: str) -> dict[str, str]:
    """
    The settings every bench process runs the site with (bench.py, bench_tails.py,
    profile_page.py): production's, over plain HTTP on this machine, quiet, and without
    worker recycling (and its cold start) in the middle of a run.
    """
    return {
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "true",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_MAX_REQUESTS": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


# --- measuring -----------------------------------------------------------------------


def make_session(user):
    """A signed-in session for `user`, stored where the running servers will look."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def audiences():
    from django.contrib.auth import get_user_model

    from members.access import Audience
    from members.models import Membership

    User = get_user_model()
    cookies = {"anonymous": ""}
    for tier in (Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE):
        user, _ = User.objects.get_or_create(email=f"bench-{tier.slug}@example.org")
        if not user.memberships.exists():
            Membership.objects.create(user=user, tier=tier, source="complimentary")
        cookies[tier.slug] = make_session(user)
    return cookies


def query_count(path, cookie):
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    client.get(path)  # warm caches that later requests would find warm too
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if settings.DEBUG:
        raise SystemExit("the bench measures production settings: DEBUG must be off")
    return response.status_code, len(queries)


def page_rows(args, base, pages, cookies):
    """
    Every page as every audience, `--rounds` times, each load right after a load of the
    floor: the machine's speed drifts (the same code measured 252 and 619 requests/s a
    minute apart), so a page is divided by the floor measured next to it, and the round
    with the median ratio is reported. Returns the table's rows (the floor's first) and
    the median floor.
    """

    def load(url, cookie=""):
        return wrk(url, cookie, duration=args.duration, connections=args.connections)

    checked, samples = {}, {}
    for _ in range(args.rounds):
        for name, path in pages.items():
            for audience, cookie in cookies.items():
                if (name, audience) not in checked:
                    checked[name, audience] = status, _ = query_count(path, cookie)
                    if status != 200:
                        log(f"    skip {name} as {audience}: {path} answered {status}")
                if checked[name, audience][0] != 200:
                    continue
                floor = load(f"{base}/healthz")
                result = load(base + path, cookie)
                result["ratio"] = result["rps"] / floor["rps"]
                log(
                    f"    {name} as {audience}: {result['rps']:.0f}/s, floor {floor['rps']:.0f}/s,"
                    f" {result['ratio']:.2f}x, p99 {result['p99']:.0f} ms"
                )
                samples.setdefault((name, audience), []).append((floor, result))
    floors = sorted(
        (floor for runs in samples.values() for floor, _ in runs), key=lambda f: f["rps"]
    )
    floor = {**floors[len(floors) // 2], "ratio": 1.0}
    rows = [("floor (/healthz)", "anonymous", floor, 0, 200)]
    for (name, audience), runs in samples.items():
        median = sorted(runs, key=lambda run: run[1]["ratio"])[(len(runs) - 1) // 2][1]
        status, queries = checked[name, audience]
        rows.append((name, audience, median, queries, status))
    return rows, floor


def wrk(url, cookie, *, duration, connections):
    command = [
        "wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{duration}s", "--latency",
        "--timeout", "10s", "-H", "Accept-Encoding: gzip",
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run([*command, url], capture_output=True, text=True, check=True)  # noqa: S603
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(pct):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(errors.group(1)) if errors else 0,
    }


def worker_memory(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


# Searches that are not timed: a worker's first searches load templates, open their
# connections and run every step of a page of results once. Other words than the timed
# ones, so what the timed searches read from the index is not read for them beforehand.
WARM_UP_SEARCHES = ["market", "cloud -power"]


def search_latency(base, terms, rounds=5):
    """
    What a reader waits for a search: one request at a time over HTTP to a gunicorn
    worker with production settings, each term `rounds` times, after WARM_UP_SEARCHES,
    none of them answered from kept results.
    Returns p50 and p95 over all of them, and each term's median and first time (what
    reads the term's index entries and matches from disk, when they are not in memory).
    """

    fresh = itertools.count()

    def search(term):
        # A parameter no page reads makes an address no cache keeps: every timed search
        # is found and rendered afresh, as a reader's own new search is.
        query = urllib.parse.urlencode({"q": term, "fresh": next(fresh)})
        url = f"{base}/search/?{query}"
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
        return (time.perf_counter() - started) * 1000

    for term in WARM_UP_SEARCHES:
        search(term)
    by_term = {term: [] for term in terms}
    for _ in range(rounds):
        for term in terms:
            by_term[term].append(search(term))
    timings = sorted(ms for each in by_term.values() for ms in each)
    medians = {term: statistics.median(each) for term, each in by_term.items()}
    firsts = {term: each[0] for term, each in by_term.items()}
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], medians, firsts


# A word, two words, a phrase, a negation, an OR.
SEARCH_TERMS = [
    "datacentre",
    "cooling grid",
    '"export control"',
    "subsea -fibre",
    "nuclear OR battery",
]


def search_runs(args, env) -> dict[int, float]:
    """
    Search latency one request at a time (one gunicorn worker, one thread) on the data set
    as built, then grown to `--search-briefings` (older briefings of 3 sections each).
    Returns p95 by briefing count.
    """
    from django.db import connection

    from briefings.models import Briefing

    base = f"http://127.0.0.1:{args.port}"
    searches = {}

    def timed_search():
        count = Briefing.objects.count()
        connection.close()
        log(f"==> search latency at {count:,} briefings (gunicorn -w 1)")
        with gunicorn(env, port=args.port, workers=1, threads=1):
            try:
                p50, p95, medians, firsts = search_latency(base, SEARCH_TERMS)
            except urllib.error.HTTPError as exc:
                print(f"search: the search page answered {exc.code}; not measured")
                return False
        searches[count] = p95
        print(
            f"search at {count:,} briefings: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            f" (medians: {', '.join(f'{term} {ms:.1f}' for term, ms in medians.items())};"
            f" first searches: {', '.join(f'{ms:.1f}' for ms in firsts.values())})"
        )
        return True

    extra = args.search_briefings - Briefing.objects.count()
    if timed_search() and extra > 0:
        log(f"==> growing to {args.search_briefings:,} briefings for search (3 sections each)")
        build_dataset(briefings=extra, sections=3, citations=2, start_id=10_000_000)
        connection.close()
        timed_search()
    return searches


# --- the run -------------------------------------------------------------------------


def reset_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def gunicorn(env, *, port, workers, threads=None):
    """
    gunicorn with the site's own settings (gunicorn.conf.py: production's threads per
    worker unless `threads` says otherwise), stopped on the way out.
    """
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "-b", f"127.0.0.1:{port}", "-w", str(workers),
         *(["--threads", str(threads)] if threads else [])],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 — our own server
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=10_000)
    parser.add_argument("--search-briefings", type=int, default=100_000)
    parser.add_argument("--sections", type=int, default=20)
    parser.add_argument("--citations", type=int, default=10)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="loads of each page, each after its own floor"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py's, as deployed)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only",
        choices=["all", "import", "dataset", "search"],
        default="all",
        help="import: the data set, then import speed alone (dataset: only build it;"
        " search: the data set, then search latency alone at --briefings and grown to"
        " --search-briefings)",
    )
    parser.add_argument("--import-runs", type=int, default=1, help="timed imports (--only import)")
    parser.add_argument("--import-files", type=int, default=400, help="files per timed import")
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="with --only import: compare with the checkout DIR, taking turns (A/B)",
    )
    parser.add_argument("--root", help=argparse.SUPPRESS)  # the checkout whose code runs
    args = parser.parse_args()
    if args.root:
        global ROOT
        ROOT = Path(args.root).resolve()
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
    return args


def import_runs(args):
    """`--only import`: import speed alone, `--import-runs` times into the data set."""
    speeds = []
    for run in range(args.import_runs):
        speeds.append(import_speed(args.import_files, prefix=f"import-{run}"))
        log(f"    run {run + 1}: {speed_text(speeds[-1])}")
    print(f"import speed: {speeds_text(speeds)}")


def fresh_dataset(args, database_url):
    """A fresh database, migrated, with the data set."""
    log(f"==> fresh database {database_url.rsplit('/', 1)[1]}")
    reset_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.only in ("all", "search"):  # the site's own pages, with production's manifest
        call_command("collectstatic", verbosity=0, interactive=False)
    log(
        f"==> data set: {args.briefings} briefings x {args.sections} sections"
        f" x {args.citations} citations"
    )
    started = time.perf_counter()
    build_dataset(briefings=args.briefings, sections=args.sections, citations=args.citations)
    log(f"    built in {time.perf_counter() - started:.1f}s")


def part_alone(args, database_url):
    """`--only dataset` or `--only import` (with `--against`, an A/B of two checkouts)."""
    if args.only == "import" and args.against:
        import_comparison(args, {**os.environ})
        return
    fresh_dataset(args, database_url)
    if args.only == "import":
        import_runs(args)
    if args.only == "search":
        search_runs(args, {**os.environ})


def main():
    args = arguments()

    database_url = os.environ["BENCH_DATABASE_URL"]
    env = {**os.environ, **production_env(database_url)}
    os.environ.update(env)
    if args.only != "all":
        part_alone(args, database_url)
        return
    fresh_dataset(args, database_url)

    from briefings.models import Briefing, Category

    detail = Briefing.objects.order_by("-published_at").first().get_absolute_url()
    category = Category.objects.order_by("id").first().get_absolute_url()
    pages = {
        "home": "/",
        "list": "/briefings/",
        "coverage": category,
        "briefing": detail,
        "search": "/search/?q=datacentre+cooling",
        "feed": "/feeds/latest.rss",
    }
    cookies = audiences()
    from django.db import connection

    connection.close()

    threads = args.threads or os.environ.get("GUNICORN_THREADS", "2 (gunicorn.conf.py)")
    log(f"==> gunicorn -w {args.workers} --threads {threads} on 127.0.0.1:{args.port}")
    base = f"http://127.0.0.1:{args.port}"
    with gunicorn(env, port=args.port, workers=args.workers, threads=args.threads) as server:
        rows, floor = page_rows(args, base, pages, cookies)
        memory = worker_memory(server.pid)

    print()
    print(
        f"{'page':<18} {'audience':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'x floor':>8} {'queries':>8} {'non-2xx':>8}"
    )
    for name, audience, result, queries, _ in rows:
        print(
            f"{name:<18} {audience:<20} {result['rps']:>8.0f} {result['p50']:>8.1f} "
            f"{result['p99']:>8.1f} {result['ratio']:>8.2f} {queries:>8}"
            f" {result['errors']:>8}"
        )
    print(f"\nmemory per worker (MiB, after load): {', '.join(f'{m:.0f}' for m in memory)}")

    from django.core.management import get_commands

    imported = None
    if "import_briefings" in get_commands():
        speed = import_speed()
        imported = speed[0]
        print(f"import speed: {speed_text(speed)}")
    else:
        print("import speed: no import_briefings command; not measured")
    searches = search_runs(args, env)
    # After the table, search and import: issue 22's targets, MET or MISSED.
    lines = report(
        rows=rows[1:], floor=floor, memory=memory, searches=searches, imported=imported,
        delivery=delivery_results(os.environ.get("BENCH_DELIVERY_RESULTS")),
    )  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
