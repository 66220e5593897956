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
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "compute",
    "capacity",
    "datacentre",
    "hyperscale",
    "interconnect",
    "fibre",
    "subsea",
    "cable",
    "spectrum",
    "licence",
    "regulator",
    "tariff",
    "grid",
    "power",
    "cooling",
    "megawatt",
    "campus",
    "colocation",
    "latency",
    "sovereign",
    "cloud",
    "model",
    "training",
    "inference",
    "accelerator",
    "export",
    "control",
    "supply",
    "chain",
    "semiconductor",
    "foundry",
    "packaging",
    "memory",
    "bandwidth",
    "operator",
    "investor",
    "policy",
    "market",
    "consolidation",
    "acquisition",
    "partnership",
    "financing",
    "bond",
    "yield",
    "pricing",
    "contract",
    "enterprise",
    "adoption",
    "migration",
    "workload",
    "region",
    "availability",
    "resilience",
    "outage",
    "failure",
    "path",
    "relationship",
    "evidence",
    "counterparty",
    "exposure",
    "timeline",
    "milestone",
    "phase",
    "permit",
    "zoning",
    "water",
    "renewable",
    "nuclear",
    "storage",
    "battery",
    "transmission",
    "substation",
]
REGIONS = ["Asia Pacific", "Europe", "North America", "Middle East", "Latin America", "Africa"]
TOPICS = ["Technology", "Energy", "Policy", "Finance", "Security"]

# The data set's text is written in a vocabulary like a real one: English function words
# at the top (PostgreSQL's english configuration drops them), the domain words above
# spread over ranks 80 to about 2,500, and made-up words to VOCABULARY_SIZE, drawn with
# Zipf's law (a word's frequency proportional to 1/rank), so a common word is in most
# briefings and a rare one in a few, as in real writing.
VOCABULARY_SIZE = 6000
FUNCTION_WORDS = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by", "at",
    "from", "its", "this", "are", "be", "was", "has", "it", "an", "or", "which", "will",
    "have", "not", "but", "their", "more", "than", "into", "over", "after",
]  # fmt: skip
SYLLABLES = [
    "ka", "ri", "to", "ne", "sa", "mo", "lu", "vi", "de", "ra", "po", "ti", "ga", "no", "be",
    "lo", "mi", "ta", "ve", "su", "co", "dra", "pre", "stro", "fen", "mar", "tel", "quin",
    "bor", "gal", "hest", "lim", "nor", "pax", "ser", "tun", "vor", "wen", "yal", "zen",
]  # fmt: skip


def vocabulary(rng) -> list[str]:
    """The bench's words by rank, most frequent first (see VOCABULARY_SIZE)."""
    made_up = []
    taken = set(WORDS) | set(FUNCTION_WORDS)
    wanted = VOCABULARY_SIZE - len(taken)
    while len(made_up) < wanted:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            made_up.append(word)
    ranked = list(FUNCTION_WORDS) + made_up
    # Domain word i at rank 60 + 20 x 1.07^i: "datacentre", "cooling", "export" among the
    # common words (in most briefings), "nuclear" and "battery" in a few percent of them.
    for index, word in enumerate(WORDS):
        ranked.insert(min(len(ranked), 60 + int(20 * 1.07**index)), word)
    return ranked


class Writer:
    """Sentences and paragraphs of Zipf-distributed words, of varied length."""

    def __init__(self, rng):
        self.rng = rng
        self.words = vocabulary(rng)
        self.cum_weights = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def sentence(self, n=None):
        n = n or self.rng.randint(6, 24)
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences=None):
        sentences = sentences or self.rng.randint(2, 6)
        return " ".join(self.sentence() for _ in range(sentences))

    def section(self):
        """One to four paragraphs: sections from a line to a page."""
        return "\n\n".join(self.paragraph() for _ in range(self.rng.choice([1, 1, 2, 2, 3, 4])))


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- data set ------------------------------------------------------------------------


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build_dataset(*, briefings, sections, citations, start_id=0, rng=None):
    """Writes briefings with COPY: the ORM would spend minutes on 300,000 rows."""
    from django.db import connection
    from django.utils import timezone

    from briefings.markdown import render_markdown
    from briefings.models import Category, Region, Source, Topic

    rng = rng or random.Random(42)  # noqa: S311 — reproducible bench data, not secrets
    categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    if not categories:
        Category.objects.bulk_create(
            Category(name=f"Category {i:02d}", slug=f"category-{i:02d}") for i in range(50)
        )
        Region.objects.bulk_create(
            Region(name=n, slug=n.lower().replace(" ", "-")) for n in REGIONS
        )
        Topic.objects.bulk_create(Topic(name=n, slug=n.lower()) for n in TOPICS)
        Source.objects.bulk_create(
            Source(
                title=Writer(rng).sentence(6),
                publisher="Bench Wire",
                url=f"https://example.org/{i}",
            )
            for i in range(500)
        )
        categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    regions = list(Region.objects.values_list("id", flat=True))
    topics = list(Topic.objects.values_list("id", flat=True))
    sources = list(Source.objects.values_list("id", flat=True))
    now = timezone.now()

    writer = Writer(rng)
    text = writer.sentence
    notes = [text(14) for _ in range(100)]
    notes_html = [render_markdown(n) for n in notes]

    columns = [
        "id", "kind", "title", "slug", "summary", "authors", "status", "published_at",
        "created_at", "updated_at", "version", "category_id", "region_id", "topic_id",
        "category_rationale", "region_rationale", "signal_focus", "signal_focus_rationale",
        "content_type_rationale", "primary_domain", "primary_domain_rationale",
        "topic_rationale", "impact", "impact_rationale", "confidence", "confidence_rationale",
        "reporting_summary", "key_points", "signal", "signal_type", "market_class",
        "operating_surface", "market_context", "operational_relevance", "time_horizon",
        "watch_items", "meta_title", "meta_description",
    ]  # fmt: skip

    def briefing_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            title = f"{text(7)[:-1]} {i}"
            yield [
                i, rng.choice(["article", "signal-brief"]), title, f"bench-{i}",
                writer.paragraph(2), "Bench Desk", "published",
                now - timezone.timedelta(minutes=i), now, now, 1,
                rng.choice(categories), rng.choice(regions), rng.choice(topics),
                text(10), text(10), "Technology", text(10),
                text(10), "Technology", text(10), text(10),
                rng.choice(["low", "medium", "high"]), text(10), rng.randint(40, 95),
                text(10), writer.paragraph(3), "\n".join(text(9) for _ in range(3)),
                title, "Bench signal", "Datacenter", text(12), text(12),
                "medium", "Next quarter", text(12), "", "",
            ]  # fmt: skip

    def section_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            for position in range(sections):
                audience = 0 if position < sections // 2 else (1 if position % 2 else 2)
                body = writer.section()
                yield [i, position, text(4)[:-1], body, render_markdown(body), audience]

    def citation_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            for position, source in enumerate(rng.sample(sources, citations)):
                note = rng.randrange(len(notes))
                yield [i, source, position, notes[note], notes_html[note]]

    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(raw, "briefings_briefing", columns, briefing_rows())
        copy_rows(
            raw,
            "briefings_section",
            ["briefing_id", "position", "heading", "body", "body_html", "audience"],
            section_rows(),
        )
        copy_rows(
            raw,
            "briefings_citation",
            ["briefing_id", "source_id", "position", "note", "note_html"],
            citation_rows(),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('briefings_briefing', 'id'), "
            "(SELECT MAX(id) FROM briefings_briefing))"
        )
    reindex_all()
    # Vacuumed and analysed, as autovacuum leaves a table soon after a real import:
    # without statistics the planner guesses, and the first reads of freshly copied rows
    # would pay for marking them (hint bits), which no steady-state search does.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def reindex_all():
    """Rebuilds search documents when the search module offers a bulk rebuild."""
    try:
        from briefings import search
    except ImportError:
        return
    for name in ("reindex_all", "briefings_reindex_all", "briefing_reindex_all"):
        if hasattr(search, name):
            started = time.perf_counter()
            getattr(search, name)()
            log(f"    search documents rebuilt in {time.perf_counter() - started:.1f}s")
            return


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
    Returns p50 and p95 over all of them, and each term's median.
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
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], medians


GATED = " {access=strategic-circle}"


# `manage.py import_briefings` in a process of its own, as an editor runs it, timed from
# the command's start (Django's own start-up is not part of the import). Then the time
# until the GIN indexes of the search documents and phrase pairs hold every new entry in
# their trees: PostgreSQL keeps new entries in a pending list (fastupdate) that every
# search using the index reads through, merged later by an insert that overflows it, or
# by (auto)vacuum.
IMPORT_TIMER = """
import io, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
started = time.perf_counter()
call_command("import_briefings", sys.argv[1], stdout=io.StringIO())
imported = time.perf_counter() - started
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
        " JOIN pg_class t ON t.oid = i.indrelid"
        " WHERE a.amname = 'gin'"
        " AND t.relname IN ('briefings_searchdocument', 'briefings_searchpairs')"
    )
print(imported, time.perf_counter() - started)
"""


def import_files(folder, *, count=400, prefix="import-bench"):
    """`count` new `.md` files (5 sections, one gated, 3 sources each) in `folder`."""
    writer = Writer(random.Random(7))  # noqa: S311 — bench data
    for i in range(count):
        Path(folder, f"{prefix}-{i}.md").write_text(
            "---\n"
            f"kind: signal-brief\ntitle: Imported bench briefing {i}\nslug: {prefix}-{i}\n"
            f"summary: {writer.sentence(20)}\nstatus: published\n"
            "published_at: 2026-11-20T08:00:00Z\n"
            f"category: Category {i % 50:02d}\nregion: Europe\ntopic: Energy\n"
            "impact: medium\nconfidence: 80\nsources:\n"
            + "".join(
                f"  - title: Source {i}-{s}\n    publisher: Wire\n"
                f"    url: https://example.org/{i}/{s}\n    note: {writer.sentence(10)}\n"
                for s in range(3)
            )
            + "---\n\n"
            + "".join(
                f"## Section {s}{GATED if s == 3 else ''}\n\n{writer.section()}\n\n"
                for s in range(5)
            ),
            encoding="utf-8",
        )


def timed_import(folder, *, root=ROOT, env=None):
    """
    Seconds `import_briefings` takes on `folder`, run by the code of the checkout `root`,
    and until its search index entries are merged (see IMPORT_TIMER).
    """
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", IMPORT_TIMER, folder],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"the timed import failed:\n{result.stderr}")
    imported, merged = result.stdout.split()[-2:]
    return float(imported), float(merged)


def import_speed(count=400, *, prefix="import-bench"):
    """Briefings a second: imported, and with their search index entries merged."""
    with tempfile.TemporaryDirectory() as folder:
        import_files(folder, count=count, prefix=prefix)
        return tuple(count / seconds for seconds in timed_import(folder))


def import_comparison(args, env):
    """
    `--only import --against DIR`: the same data set built twice, once by each checkout's
    code and migrations (this one's in BENCH_DATABASE_URL, DIR's in the same name with
    `_against`), then `--import-runs` imports into each, taking turns, so both meet the
    same machine: import speed A/B in one run.
    """
    here = env["DATABASE_URL"]
    arms = {"this": (ROOT, here), "against": (Path(args.against).resolve(), here + "_against")}
    for name, (root, url) in arms.items():
        log(f"==> data set for {name} ({root}): {args.briefings} briefings")
        build = [sys.executable, str(Path(__file__).resolve()), "--only", "dataset"]
        build += ["--root", str(root), "--briefings", str(args.briefings)]
        build += ["--sections", str(args.sections), "--citations", str(args.citations)]
        subprocess.run(build, env={**env, "BENCH_DATABASE_URL": url}, check=True)  # noqa: S603
    speeds = {name: [] for name in arms}
    for run in range(args.import_runs):
        order = list(arms) if run % 2 == 0 else list(reversed(arms))
        for name in order:
            root, url = arms[name]
            with tempfile.TemporaryDirectory() as folder:
                import_files(folder, count=args.import_files, prefix=f"import-{run}")
                seconds = timed_import(folder, root=root, env={**env, "DATABASE_URL": url})
            speeds[name].append(tuple(args.import_files / each for each in seconds))
            log(f"    run {run + 1} {name}: {speed_text(speeds[name][-1])}")
    for name, (root, _url) in arms.items():
        print(f"import speed ({name}, {root}): {speeds_text(speeds[name])}")
    for index, what in enumerate(["imported", "index entries merged"]):
        this, against = (statistics.median(s[index] for s in speeds[arm]) for arm in arms)
        print(f"this / against, {what}: {this / against:.2f}")


def speed_text(speed):
    imported, merged = speed
    return f"{imported:.0f} briefings/s ({merged:.0f} with the index entries merged)"


def speeds_text(speeds):
    median = tuple(statistics.median(s[index] for s in speeds) for index in (0, 1))
    return f"median {speed_text(median)}; runs: {', '.join(speed_text(s) for s in speeds)}"


# --- the run -------------------------------------------------------------------------


def reset_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def gunicorn(env, *, port, workers):
    """gunicorn with the site's own settings (gunicorn.conf.py), stopped on the way out."""
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", "1"],
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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only",
        choices=["all", "import", "dataset"],
        default="all",
        help="import: the data set, then import speed alone (dataset: only build it)",
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
    if args.only == "all":
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


def main():
    args = arguments()

    database_url = os.environ["BENCH_DATABASE_URL"]
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "true",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        # Steady state: no worker recycling (and its cold start) in the middle of a run.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
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

    log(f"==> gunicorn -w {args.workers} on 127.0.0.1:{args.port}")
    base = f"http://127.0.0.1:{args.port}"
    rows = []
    with gunicorn(env, port=args.port, workers=args.workers) as server:
        floor = wrk(f"{base}/healthz", "", duration=args.duration, connections=args.connections)
        rows.append(("floor (/healthz)", "anonymous", floor, 0, 200))
        for name, path in pages.items():
            for audience, cookie in cookies.items():
                status, queries = query_count(path, cookie)
                if status != 200:
                    log(f"    skip {name} as {audience}: {path} answered {status}")
                    continue
                result = wrk(
                    base + path, cookie, duration=args.duration, connections=args.connections
                )
                rows.append((name, audience, result, queries, status))
        memory = worker_memory(server.pid)

    print()
    print(
        f"{'page':<18} {'audience':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'x floor':>8} {'queries':>8} {'non-2xx':>8}"
    )
    for name, audience, result, queries, _ in rows:
        print(
            f"{name:<18} {audience:<20} {result['rps']:>8.0f} {result['p50']:>8.1f} "
            f"{result['p99']:>8.1f} {result['rps'] / floor['rps']:>8.2f} {queries:>8}"
            f" {result['errors']:>8}"
        )
    print(f"\nmemory per worker (MiB, after load): {', '.join(f'{m:.0f}' for m in memory)}")

    terms = [
        "datacentre",
        "cooling grid",
        '"export control"',
        "subsea -fibre",
        "nuclear OR battery",
    ]
    from django.core.management import get_commands

    if "import_briefings" in get_commands():
        print(f"import speed: {speed_text(import_speed())}")
    else:
        print("import speed: no import_briefings command; not measured")

    def timed_search():
        # One worker: one request at a time is what the latency of a search is.
        log(f"==> search latency at {Briefing.objects.count():,} briefings (gunicorn -w 1)")
        with gunicorn(env, port=args.port, workers=1):
            try:
                p50, p95, medians = search_latency(base, terms)
            except urllib.error.HTTPError as exc:
                print(f"search: the search page answered {exc.code}; not measured")
                return False
        print(
            f"search at {Briefing.objects.count():,} briefings: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            f" (medians: {', '.join(f'{term} {ms:.1f}' for term, ms in medians.items())})"
        )
        return True

    extra = args.search_briefings - Briefing.objects.count()
    if timed_search() and extra > 0:
        log(f"==> growing to {args.search_briefings:,} briefings for search (3 sections each)")
        build_dataset(briefings=extra, sections=3, citations=2, start_id=10_000_000)
        connection.close()
        timed_search()


if __name__ == "__main__":
    main()
