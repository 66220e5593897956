"""
The tail of every page, two checkouts side by side: `scripts/bench_tails.py --against DIR`.

Both checkouts serve the same bench database (BENCH_DATABASE_URL, built beforehand with
`scripts/bench.py --only dataset`) with production settings, each from its own gunicorn
(2 workers, its own gunicorn.conf.py) and its own cache prefix in the same Redis
(REDIS_URL). Every page, as every audience, is loaded with `wrk -c32 --latency`, taking
turns between the two (and each side's `/healthz` floor in the same round), twice: steady,
and with the content generation raised every `--bump-every` seconds while wrk runs (an
editor saving briefings during a busy hour: every shared entry misses at once).
It prints p50, p99 and the largest latency, requests a second as a share of each side's
floor, the non-2xx count and the database's transactions per 1,000 requests (work the
cache did not spare), for each page, audience, scenario and side.
"""

import argparse
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402 — the bench's data set helpers and session cookies


def wrk(url, cookie, *, duration, connections):
    """wrk's requests a second, p50, p99, largest latency (ms) and non-2xx count."""
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
        "-H", "Accept-Encoding: gzip",
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603

    def ms(text):
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    def percentile(pct):
        return ms(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE).group(1))

    latency = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": percentile(50),
        "p99": percentile(99),
        "max": ms(latency.group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


@contextlib.contextmanager
def server(root, env, *, port, workers, threads):
    command = [str(root / ".venv/bin/gunicorn"), "-c", str(root / "gunicorn.conf.py")]
    command += ["-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(command, cwd=root, env=env)  # noqa: S603
    try:
        bench.wait_for(f"http://127.0.0.1:{port}/healthz")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@contextlib.contextmanager
def bumping(prefix, every):
    """Raises the content generation of the cache prefix `prefix` every `every` seconds."""
    if not every:
        yield
        return
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"{prefix}:1:content:generation"
    stop = threading.Event()

    def bump():
        while not stop.wait(every):
            if client.exists(key):
                client.incr(key)

    thread = threading.Thread(target=bump, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def transactions() -> int:
    """Transactions committed in the bench database so far (each query outside a
    transaction is one): how much database work a run did, whichever side did it."""
    from django.db import connection

    time.sleep(1.2)  # PostgreSQL publishes a backend's counts within a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def warm(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    for _ in range(3):
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, metavar="DIR", help="the other checkout")
    parser.add_argument("--port", type=int, default=8841, help="this side; the other +1")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="0: each gunicorn.conf.py's")
    parser.add_argument("--bump-every", type=float, default=1.0, help="0: no bump scenario")
    parser.add_argument("--bump-only", action="store_true", help="no steady scenario")
    parser.add_argument("--pages", default="home,list,coverage,briefing,search,feed")
    parser.add_argument("--audiences", default="anonymous,strategic-circle,leadership-alliance")
    for side in ("this", "against"):
        parser.add_argument(
            f"--{side}-env", action="append", default=[], metavar="NAME=VALUE",
            help=f"an environment variable for {side} side's server (repeatable)",
        )  # fmt: skip
    return parser.parse_args()


def main():
    args = arguments()
    env = {**os.environ, **bench.production_env(os.environ["BENCH_DATABASE_URL"])}
    os.environ.update(env)
    import django

    django.setup()
    from briefings.models import Briefing, Category

    pages = {
        "home": "/",
        "list": "/briefings/",
        "coverage": Category.objects.order_by("id").first().get_absolute_url(),
        "briefing": Briefing.objects.order_by("-published_at").first().get_absolute_url(),
        "search": "/search/?q=datacentre+cooling",
        "feed": "/feeds/latest.rss",
    }
    pages = {name: pages[name] for name in args.pages.split(",")}
    cookies = {k: v for k, v in bench.audiences().items() if k in args.audiences.split(",")}
    from django.db import connection

    connection.close()

    sides = {"this": ROOT, "against": Path(args.against).resolve()}
    prefixes = {name: f"tails-{name}-{secrets.token_hex(3)}" for name in sides}
    for root in sides.values():
        bench.log(f"==> collectstatic in {root}")
        subprocess.run(  # noqa: S603
            [str(root / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=root, env=env, check=True,
        )  # fmt: skip
    results = []
    with contextlib.ExitStack() as stack:
        bases = {}
        for offset, (name, root) in enumerate(sides.items()):
            port = args.port + offset
            extra = dict(each.split("=", 1) for each in getattr(args, f"{name}_env"))
            side_env = {**env, **extra, "CACHE_KEY_PREFIX": prefixes[name]}
            stack.enter_context(
                server(root, side_env, port=port, workers=args.workers, threads=args.threads)
            )
            bases[name] = f"http://127.0.0.1:{port}"
        scenarios = ["steady"] + (["bump"] if args.bump_every else [])
        if args.bump_only:
            scenarios = ["bump"]
        turn = 0
        for scenario in scenarios:
            floors = {}
            for name in sides:
                floors[name] = wrk(
                    bases[name] + "/healthz", "", duration=args.duration,
                    connections=args.connections,
                )  # fmt: skip
                results.append((scenario, "floor", "anonymous", name, floors[name], 1.0))
            for page, path in pages.items():
                for audience, cookie in cookies.items():
                    order = list(sides) if turn % 2 == 0 else list(reversed(sides))
                    turn += 1
                    for name in order:
                        warm(bases[name] + path, cookie)
                        every = args.bump_every if scenario == "bump" else 0
                        before = transactions()
                        with bumping(prefixes[name], every):
                            result = wrk(
                                bases[name] + path, cookie, duration=args.duration,
                                connections=args.connections,
                            )  # fmt: skip
                        done = transactions() - before - 2  # less the two that counted
                        result["queries"] = 1000 * done / max(1, result["rps"] * args.duration)
                        ratio = result["rps"] / floors[name]["rps"]
                        results.append((scenario, page, audience, name, result, ratio))
                        bench.log(f"    {scenario} {page} {audience} {name}: {row_text(result)}")
    print_table(results)


def row_text(result):
    return (
        f"{result['rps']:.0f}/s p50 {result['p50']:.1f} p99 {result['p99']:.1f}"
        f" max {result['max']:.0f} ms, non-2xx {result['errors']},"
        f" {result.get('queries', 0):.0f} queries/1k requests"
    )


def print_table(results):
    print(
        f"\n{'scenario':<8} {'page':<9} {'audience':<20} {'side':<8} {'req/s':>7}"
        f" {'x floor':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'non-2xx':>7}"
        f" {'queries/1k requests':>19}"
    )
    for scenario, page, audience, name, r, ratio in results:
        print(
            f"{scenario:<8} {page:<9} {audience:<20} {name:<8} {r['rps']:>7.0f} {ratio:>7.2f}"
            f" {r['p50']:>7.1f} {r['p99']:>7.1f} {r['max']:>7.0f} {r['errors'] + r['timeouts']:>7}"
            f" {r.get('queries', 0):>19.0f}"
        )


if __name__ == "__main__":
    main()
