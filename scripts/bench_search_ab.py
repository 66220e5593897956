"""
Search latency of this checkout against another (`--against DIR`), on the bench database
as it stands (`BENCH_DATABASE_URL`, built by `scripts/bench.py --only search`): no data
set is rebuilt. Each checkout runs its own gunicorn (one worker, one thread, production
settings); the timed searches take turns request by request (A/B, then B/A), one at a
time, none answered from kept results, so both see the same machine.

First it checks that both answer the same page, byte for byte once the port, nonces and
form tokens are set aside, for the timed searches and a few others (a later page, a
filter), and fails if they differ unless `--pages-may-differ`; then it prints each
side's p50, p95 and per-term medians.
"""

import argparse
import gzip
import itertools
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import bench

ROOT = Path(__file__).resolve().parent.parent
CHECKS = [
    *({"q": term} for term in bench.SEARCH_TERMS),
    {"q": "market", "page": "2"},
    {"q": "grid", "page": "3"},
    {"q": "cloud -power", "kind": "article"},
]
# What differs between two servers of the same page: the port, a nonce, a form token.
_PER_SERVER = re.compile(rb':\d+/|nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the other checkout (A)")
    parser.add_argument("--rounds", type=int, default=20, help="searches of each term, each side")
    parser.add_argument("--port", type=int, default=8790, help="A's port; B's is the next")
    parser.add_argument(
        "--pages-may-differ",
        action="store_true",
        help="time them even when the pages differ (a change meant to change what they show)",
    )
    return parser.parse_args()


def fetch(port: int, query: dict) -> tuple[float, bytes]:
    url = f"http://127.0.0.1:{port}/search/?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    return elapsed, body


def serve(root: Path, port: int, env: dict) -> subprocess.Popen:
    """A gunicorn of the checkout at `root`: one worker, one thread."""
    command = [str(root / ".venv/bin/gunicorn"), "-c", str(root / "gunicorn.conf.py"),
               "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "1"]  # fmt: skip
    return subprocess.Popen(  # noqa: S603
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def same_pages(sides: dict) -> bool:
    """Whether both sides answer every check with the same page."""
    same = True
    for n, query in enumerate(CHECKS):
        query = {**query, "fresh": f"check-{n}"}
        pages = [_PER_SERVER.sub(b"", fetch(port, query)[1]) for _, port in sides.values()]
        same &= pages[0] == pages[1]
        print(f"{'same page' if pages[0] == pages[1] else 'DIFFERENT'}: {query}")
    return same


def timed(sides: dict, rounds: int) -> dict:
    """Each side's timings by term, the sides taking turns request by request."""
    fresh = itertools.count()
    for term in bench.WARM_UP_SEARCHES:
        for _, port in sides.values():
            fetch(port, {"q": term, "fresh": f"warm-{next(fresh)}"})
    timings = {name: {term: [] for term in bench.SEARCH_TERMS} for name in sides}
    order = list(sides.items())
    for round_ in range(rounds):
        for term in bench.SEARCH_TERMS:
            for name, (_, port) in order if round_ % 2 == 0 else order[::-1]:
                elapsed, _ = fetch(port, {"q": term, "fresh": f"timed-{next(fresh)}"})
                timings[name][term].append(elapsed)
    return timings


def main():
    args = arguments()
    env = {**os.environ, **bench.production_env(os.environ["BENCH_DATABASE_URL"])}
    sides = {"A": (Path(args.against).resolve(), args.port), "B": (ROOT, args.port + 1)}
    servers = [serve(root, port, env) for root, port in sides.values()]
    try:
        for _, port in sides.values():
            bench.wait_for(f"http://127.0.0.1:{port}/healthz")
        same = same_pages(sides)
        timings = timed(sides, args.rounds)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    for name, (root, _) in sides.items():
        every = sorted(ms for each in timings[name].values() for ms in each)
        medians = ", ".join(
            f"{term} {statistics.median(each):.1f}" for term, each in timings[name].items()
        )
        print(
            f"{name} ({root}): p50 {statistics.median(every):.1f} ms,"
            f" p95 {every[int(len(every) * 0.95) - 1]:.1f} ms (medians: {medians})"
        )
    if not same and not args.pages_may_differ:
        sys.exit("the two checkouts answered different pages")


if __name__ == "__main__":
    main()
