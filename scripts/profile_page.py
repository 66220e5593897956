"""
Where a page's time goes: one page, as one audience, warm, in this process.

    BENCH_DATABASE_URL=postgresql://.../briefings_bench REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python scripts/profile_page.py briefing --audience strategic-circle

PAGE is one of the bench's pages (home, list, coverage, briefing, search, feed) or a path
(`/briefings/some-slug/`); AUDIENCE is anonymous, strategic-circle or leadership-alliance.
It runs against a bench database (`scripts/bench.py --only dataset` builds one) with the
production settings the bench uses, through Django's test client (every middleware, no
network, no gunicorn): a few requests to warm the caches, then `--requests` requests
timed one by one (p50, p99, the slowest) with what the garbage collector did meanwhile
(collections per generation and their longest pause: where a tail shows that a profile's
averages hide), then as many under pyinstrument, whose text profile it prints.
Without REDIS_URL the cache is this process's memory.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

PAGES = ("home", "list", "coverage", "briefing", "search", "feed")
AUDIENCES = ("anonymous", "strategic-circle", "leadership-alliance")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help=f"{', '.join(PAGES)}, or a path starting with /")
    parser.add_argument("--audience", choices=AUDIENCES, default="anonymous")
    parser.add_argument("--requests", type=int, default=300, help="profiled requests")
    parser.add_argument("--warm", type=int, default=5, help="requests before the profile")
    parser.add_argument(
        "--interval", type=float, default=0.0002, help="pyinstrument's sampling interval (s)"
    )
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--gc-threshold", help="gc.set_threshold's arguments, e.g. 700,10,10")
    parser.add_argument("--no-profile", action="store_true", help="the timings alone")
    return parser.parse_args()


def configure():
    if not os.environ.get("BENCH_DATABASE_URL"):
        raise SystemExit("set BENCH_DATABASE_URL to a bench database (scripts/bench.py)")
    import bench

    # In this process, without collectstatic's manifest.
    os.environ.update(
        {**bench.production_env(os.environ["BENCH_DATABASE_URL"]), "STATIC_MANIFEST": "false"}
    )
    import django

    django.setup()


def page_path(page: str) -> str:
    if page.startswith("/"):
        return page
    from briefings.models import Briefing, Category

    if page == "coverage":
        return Category.objects.order_by("id").first().get_absolute_url()
    if page == "briefing":
        return Briefing.objects.order_by("-published_at").first().get_absolute_url()
    paths = {
        "home": "/",
        "list": "/briefings/",
        "search": "/search/?q=datacentre+cooling",
        "feed": "/feeds/latest.rss",
    }
    if page not in paths:
        raise SystemExit(f"unknown page {page!r}: one of {', '.join(PAGES)}, or a path")
    return paths[page]


def client_for(audience: str):
    import bench
    from django.test import Client

    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    cookie = bench.audiences()[audience] if audience != "anonymous" else ""
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    return client


class CollectorWatch:
    """The garbage collector's collections per generation and their pauses, while on."""

    def __init__(self):
        self.pauses = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append((time.perf_counter() - self._started) * 1000)

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)

    def summary(self) -> str:
        return ", ".join(
            f"gen {generation}: {len(pauses)} (longest {max(pauses, default=0):.1f} ms)"
            for generation, pauses in self.pauses.items()
        )


def main():
    args = arguments()
    configure()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    path = page_path(args.page)
    client = client_for(args.audience)
    for _ in range(args.warm):
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} as {args.audience}")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    print(f"{path} as {args.audience}: {len(queries)} queries warm")

    # As a gunicorn worker does after loading the site (gunicorn.conf.py): what exists now
    # lives as long as the process, out of the collector's way.
    gc.collect()
    gc.freeze()
    if args.gc_threshold:
        gc.set_threshold(*(int(each) for each in args.gc_threshold.split(",")))
    timings = []
    with CollectorWatch() as collector:
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        f"{args.requests} requests in this process: p50 {statistics.median(timings):.2f} ms,"
        f" p99 {timings[max(0, int(len(timings) * 0.99) - 1)]:.2f} ms,"
        f" slowest {timings[-1]:.2f} ms"
    )
    print(f"garbage collections: {collector.summary()}; thresholds {gc.get_threshold()}")
    if args.no_profile:
        return
    # A timing thread: this machine's clock is slow to read, which would distort the profile.
    profiler = Profiler(interval=args.interval, use_timing_thread=True)
    profiler.start()
    for _ in range(args.requests):
        client.get(path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))


if __name__ == "__main__":
    main()
