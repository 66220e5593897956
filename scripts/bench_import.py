"""
Import speed for `scripts/bench.py`: `import_briefings` on new `.md` files, in a process of
its own, and the A/B of two checkouts (`--only import --against DIR`).
"""

import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_data import Writer, log

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent / "bench.py"


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
        build = [sys.executable, str(BENCH), "--only", "dataset"]
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
