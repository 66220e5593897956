"""
The delivery part of `make bench`: how fast a briefing reaches 10,000 members by e-mail.

In a PostgreSQL database of its own (`BENCH_DELIVERY_DATABASE_URL`, dropped and rebuilt
by every run) it writes the members (bulk inserts) and two gated briefings, then for one
worker and for two: starts real `manage.py db_worker` processes (production settings, the
database task backend) against an SMTP sink on this machine, publishes a briefing the way
an editor does (`briefing_publish`, its send choice "followers" made beforehand) and
measures

- the time from publishing to the last e-mail queued: the dispatch task, picked up by a
  worker, writes every ledger row and their send tasks in one transaction, so it is the
  moment that task finished (the worker's poll interval, 1 s, is part of it);
- e-mails rendered and handed to SMTP per second per worker, from then to the last
  `sent_at`, and per CPU-second of the workers;
- the workers' memory (RSS now and at its peak).

Before that it measures the sink alone (this process handing it ready-made messages) and
the test suite's SMTP server, so the worker's number is about the worker; afterwards, in
this process, the queries one batch of e-mails costs.

    scripts/bench.sh --only delivery [--members 10000] [--workers 1,2]
"""

import argparse
import asyncio
import json
import os
import secrets
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTION = (
    "Operators in the region added {n} megawatts of contracted capacity this quarter, most "
    "of it on campuses that already hold grid connections. Financing terms tightened for "
    "new entrants while hyperscale tenants secured longer options on power and land, and "
    "regulators signalled that interconnection queues will be reordered by readiness "
    "rather than by date. The **consequence** for buyers is a narrower window: capacity "
    "that is not contracted by the end of next year will be priced against scarce supply."
)
NOTE = "The filing lists {n} sites with signed power agreements; two are still in permitting."
# The members: who follows the category with an e-mail for each new briefing, and who
# follows it but must not get this e-mail (the selection has to leave them out).
MIX = {
    "Strategic Circle": 0.6,
    "Leadership Alliance": 0.4,
}
NON_RECIPIENTS = 0.2  # as a share of the recipients: ended, digest, unverified, suppressed

# --- The SMTP sink ----------------------------------------------------------------------


async def _session(reader, writer, stats):
    writer.write(b"220 bench sink\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb == b"DATA":
            writer.write(b"354 go ahead\r\n")
            data = await reader.readuntil(b"\r\n.\r\n")
            stats["messages"] += 1
            stats["bytes"] += len(data)
            writer.write(b"250 OK: queued\r\n")
        elif verb == b"RCPT":
            stats["recipients"].add(line[8:].strip())
            writer.write(b"250 OK\r\n")
        elif verb == b"XSTA":  # ours: what arrived so far
            count = f"{stats['messages']} {len(stats['recipients'])} {stats['bytes']}"
            writer.write(f"250 {count}\r\n".encode())
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            break
        else:
            writer.write(b"250 OK\r\n")
    writer.close()


async def _serve():
    stats = {"messages": 0, "recipients": set(), "bytes": 0}
    server = await asyncio.start_server(
        lambda r, w: _session(r, w, stats), "127.0.0.1", 0, limit=2**24
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


TEST_SERVER = """
import time
from tests.smtp import SMTPServer
print(SMTPServer().port, flush=True)
while True:
    time.sleep(60)
"""


def start_sink(kind: str) -> tuple[subprocess.Popen, int]:
    """A sink in a process of its own: ours ("fast") or the test suite's ("tests")."""
    code = ["-c", TEST_SERVER] if kind == "tests" else [__file__, "--sink"]
    process = subprocess.Popen([sys.executable, *code], cwd=ROOT, stdout=subprocess.PIPE)  # noqa: S603
    return process, int(process.stdout.readline())


def sink_stats(port: int) -> tuple[int, int]:
    """(messages, distinct recipients) the fast sink has received."""
    with smtplib.SMTP("127.0.0.1", port) as client:
        _, answer = client.docmd("XSTAT")
    messages, recipients, _ = answer.split()
    return int(messages), int(recipients)


def sink_alone(port: int, message: bytes, count: int) -> float:
    """
    Messages a second the sink takes, written by this process straight to a socket (no
    smtplib, whose cost is the worker's): each message's SMTP dialogue, 100 a connection.
    """
    import socket

    data = message.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n"
    started = time.perf_counter()
    for start in range(0, count, 100):
        with socket.create_connection(("127.0.0.1", port)) as conn, conn.makefile("rb") as replies:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            replies.readline()
            for n in range(start, min(start + 100, count)):
                commands = ["MAIL FROM:<bench@example.org>", f"RCPT TO:<s{n}@example.org>", "DATA"]
                for command in commands:
                    conn.sendall(command.encode() + b"\r\n")
                    replies.readline()
                conn.sendall(data)
                replies.readline()
    return count / (time.perf_counter() - started)


UNUSABLE = "!"  # no password: nobody signs in as these

# --- The data set -----------------------------------------------------------------------


def log(message):
    print(message, file=sys.stderr, flush=True)


def reset_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def members_build(count: int, category) -> dict[str, int]:
    """
    `count` recipients (MIX) who follow `category` with an e-mail for each briefing, and
    NON_RECIPIENTS more who follow it but must not get one: a membership that ended, a
    weekly digest, an unverified address, a suppressed one. Bulk inserts throughout.
    """
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from delivery.models import DeliveryPreference, Follow, Suppression
    from members.access import Audience
    from members.models import Membership, User

    now = timezone.now()
    kinds = []
    for label, share in MIX.items():
        kinds += [label] * round(count * share)
    kinds += ["ended", "weekly", "unverified", "suppressed"] * round(count * NON_RECIPIENTS / 4)
    users = User.objects.bulk_create(
        [User(email=f"m{n}@bench.example.org", password=UNUSABLE) for n in range(len(kinds))],
        batch_size=5000,
    )
    tier = {"Leadership Alliance": Audience.LEADERSHIP_ALLIANCE}
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                tier=tier.get(kind, Audience.STRATEGIC_CIRCLE),
                source=Membership.Source.COMPLIMENTARY,
                starts_at=now - timedelta(days=400),
                ends_at=now - timedelta(days=30) if kind == "ended" else None,
            )
            for user, kind in zip(users, kinds, strict=True)
        ],
        batch_size=5000,
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=kind != "unverified", primary=True)
            for user, kind in zip(users, kinds, strict=True)
        ],
        batch_size=5000,
    )
    cadence = DeliveryPreference.Cadence
    DeliveryPreference.objects.bulk_create(
        [
            DeliveryPreference(user=user, cadence=cadence.WEEKLY if k == "weekly" else cadence.EACH)
            for user, k in zip(users, kinds, strict=True)
        ],
        batch_size=5000,
    )
    Follow.objects.bulk_create([Follow(user=user, category=category) for user in users])
    Suppression.objects.bulk_create(
        [
            Suppression(address=user.email, reason=Suppression.Reason.UNSUBSCRIBED)
            for user, kind in zip(users, kinds, strict=True)
            if kind == "suppressed"
        ]
    )
    return {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)}


def briefing_draft(category, n: int):
    """A draft ready to publish: 4 public, 3 Strategic Circle and 3 Leadership Alliance
    sections (about 80 words each), 8 citations with notes (Leadership Alliance only)."""
    from briefings.models import Briefing, Citation, Region, Section, Source, Topic
    from members.access import Audience

    region, _ = Region.objects.get_or_create(name="Europe", slug="europe")
    topic, _ = Topic.objects.get_or_create(name="Energy", slug="energy")
    briefing = Briefing.objects.create(
        kind=Briefing.Kind.SIGNAL_BRIEF,
        title=f"Grid capacity is the new constraint on European data centres ({n})",
        slug=f"bench-delivery-{n}",
        summary="Contracted capacity rose while connection queues lengthened.",
        status=Briefing.Status.DRAFT,
        impact=Briefing.Impact.HIGH,
        confidence=85,
        category=category,
        region=region,
        topic=topic,
    )
    audiences = [Audience.PUBLIC] * 4 + [Audience.STRATEGIC_CIRCLE] * 3
    audiences += [Audience.LEADERSHIP_ALLIANCE] * 3
    for position, audience in enumerate(audiences, start=1):
        Section.objects.create(
            briefing=briefing,
            position=position,
            heading=f"{audience.label} section {position}",
            body=SECTION.format(n=position * 40),
            audience=audience,
        )
    for position in range(1, 9):
        source = Source.objects.create(
            title=f"Capacity filing {n}-{position}",
            publisher="Bench Wire",
            url=f"https://example.org/filings/{n}/{position}",
        )
        Citation.objects.create(
            briefing=briefing, source=source, position=position, note=NOTE.format(n=position)
        )
    return briefing


def editor_make():
    from django.contrib.auth.models import Group

    from members.models import User

    editor = User.objects.create(email="editor@bench.example.org", is_staff=True)
    editor.groups.add(Group.objects.get(name="editors"))
    return editor


# --- The workers ------------------------------------------------------------------------


def worker_env(smtp_port: int) -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "TASKS_BACKEND": "database",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "WARNING",
    }


def workers_start(count: int, smtp_port: int) -> list[subprocess.Popen]:
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload", "-v0"],
            cwd=ROOT,
            env=worker_env(smtp_port),
        )
        for _ in range(count)
    ]
    time.sleep(5)  # Django's start-up: the workers poll the queue once a second after it
    for worker in workers:
        if worker.poll() is not None:
            raise SystemExit(f"a worker exited at start ({worker.returncode})")
    return workers


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> tuple[float, float]:
    """(RSS now, peak RSS) of a process, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return tuple(int(values[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))


def wait_until(condition, *, timeout: float, step: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    raise SystemExit(f"gave up waiting after {timeout:.0f} s")


def publish_and_send(briefing, editor, *, workers: int, smtp_port: int, expected: int) -> dict:
    """One run: publish with `workers` db_workers running; every e-mail sent."""
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult

    from briefings.workflow import briefing_publish
    from delivery.models import Delivery

    processes = workers_start(workers, smtp_port)
    received_before, _ = sink_stats(smtp_port)
    cpu_before = sum(cpu_seconds(p.pid) for p in processes)
    load = os.getloadavg()[0]
    published = time.time()
    briefing_publish(briefing=briefing, by=editor)
    dispatch = wait_until(
        lambda: (
            DBTaskResult.objects.filter(
                task_path__endswith="briefing_dispatch_task", status="SUCCESSFUL"
            )
            .filter(args_kwargs__args=[briefing.pk])
            .first()
        ),
        timeout=120,
        step=0.02,
    )
    rows = Delivery.objects.filter(briefing=briefing)
    wait_until(
        lambda: not rows.filter(status__in=["queued", "sending"]).exists(), timeout=900, step=0.5
    )
    last_sent = rows.aggregate(last=Max("sent_at"))["last"].timestamp()
    cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
    memory = [memory_mib(p.pid) for p in processes]
    workers_stop(processes)
    sent = rows.filter(status="sent").count()
    queued_at = dispatch.finished_at.timestamp()
    return {
        "workers": workers,
        "rows": rows.count(),
        "expected": expected,
        "sent": sent,
        "received": sink_stats(smtp_port)[0] - received_before,
        "pickup": dispatch.started_at.timestamp() - published,
        "dispatch": queued_at - dispatch.started_at.timestamp(),
        "queued": queued_at - published,
        "sending": last_sent - queued_at,
        "per_worker": sent / (last_sent - queued_at) / workers,
        "per_cpu": sent / cpu,
        "memory": memory,
        "load": load,
    }


def queries_per_email(users, briefing) -> tuple[int, int]:
    """
    The queries of one batch of `BATCH_SIZE` e-mails, sent in this process as a worker
    sends it (after a first batch, as a worker's later batches are). (queries, e-mails)
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from delivery import sending
    from delivery.models import Delivery

    size = sending.BATCH_SIZE
    ids = []
    for n, start in enumerate((0, size)):
        rows = Delivery.objects.bulk_create(
            Delivery(user=user, key=f"bench:queries:{n}", kind="briefing", briefing=briefing)
            for user in users[start : start + size]
        )
        ids.append([row.pk for row in rows])
    sending.deliveries_send_batch(ids[0])
    with CaptureQueriesContext(connection) as queries:
        counts = sending.deliveries_send_batch(ids[1])
    return len(queries), counts.get("sent", 0)


def sample_message(user, briefing) -> bytes:
    """One e-mail of the bench briefing as `user` reads it (the editor's preview of it)."""
    from delivery.emails import email_preview
    from members.selectors import reader_status

    return email_preview(briefing, reader_status(user)).message().as_bytes()


# --- The run ----------------------------------------------------------------------------


def table(runs: list[dict], sinks: dict, queries: tuple[int, int], members: dict) -> None:
    print("\ndelivery: one briefing e-mailed to its followers")
    print(f"members: {', '.join(f'{count:,} {kind}' for kind, count in members.items())}")
    print(
        f"SMTP sink alone: {sinks['fast']:,.0f} messages/s (the tests' SMTP server:"
        f" {sinks['tests']:,.0f}/s), {sinks['size'] / 1024:.0f} KiB a message"
    )
    print(
        f"\n{'workers':>7} {'queued':>8} {'sent':>7} {'to queued s':>11} {'pick-up s':>9}"
        f" {'dispatch s':>10} {'sending s':>9} {'/s/worker':>9} {'/CPU-s':>7}"
        f" {'RSS MiB':>9} {'peak MiB':>9} {'load':>5}"
    )
    for run in runs:
        memory = run["memory"]
        print(
            f"{run['workers']:>7} {run['rows']:>8,} {run['sent']:>7,} {run['queued']:>11.2f}"
            f" {run['pickup']:>9.2f} {run['dispatch']:>10.2f} {run['sending']:>9.1f}"
            f" {run['per_worker']:>9.0f} {run['per_cpu']:>7.0f}"
            f" {'/'.join(f'{m[0]:.0f}' for m in memory):>9}"
            f" {'/'.join(f'{m[1]:.0f}' for m in memory):>9} {run['load']:>5.2f}"
        )
        if run["rows"] != run["expected"] or run["received"] != run["sent"]:
            print(
                f"        MISMATCH: {run['expected']:,} recipients expected, the sink"
                f" received {run['received']:,}"
            )
    count, emails = queries
    worst = max(run["queued"] for run in runs)
    slowest = min(run["per_worker"] for run in runs)
    print(
        f"\nqueries: {count} for a batch of {emails} e-mails"
        f" ({(count - 2 * emails)} per batch + 2 per e-mail)"
    )
    print("targets:")
    print(
        f"  all queued within 10 s of publishing: {worst:.2f} s"
        f" {'met' if worst <= 10 else 'NOT met'}"
    )
    print(
        f"  200 e-mails a second per worker: {slowest:.0f} {'met' if slowest >= 200 else 'NOT met'}"
    )
    print("  a fixed number of queries per e-mail: 2 (tests/delivery/test_sending.py pins it)")
    if os.environ.get("BENCH_DELIVERY_RESULTS"):  # for the targets scripts/bench.py prints
        Path(os.environ["BENCH_DELIVERY_RESULTS"]).write_text(json.dumps({"per_worker": slowest}))


def setup(args, smtp_port: int):
    url = os.environ["BENCH_DELIVERY_DATABASE_URL"]
    os.environ.update(
        worker_env(smtp_port),
        DATABASE_URL=url,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    log(f"==> fresh database {url.rsplit('/', 1)[1]}")
    reset_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="recipients")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, in turn")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        asyncio.run(_serve())
        return
    sink, port = start_sink("fast")
    try:
        run(args, port)
    finally:
        sink.terminate()


def run(args, port: int) -> None:
    setup(args, port)
    from briefings.models import Category
    from delivery.dispatch import briefing_send_choose
    from delivery.models import BriefingSend

    category = Category.objects.create(name="Data centres", slug="data-centres")
    started = time.perf_counter()
    members = members_build(args.members, category)
    log(f"==> {sum(members.values()):,} members written in {time.perf_counter() - started:.1f} s")
    editor = editor_make()
    counts = [int(n) for n in args.workers.split(",")]
    briefings = [briefing_draft(category, n) for n in range(len(counts))]
    for briefing in briefings:
        briefing_send_choose(
            briefing=briefing, recipients=BriefingSend.Recipients.FOLLOWERS, by=editor
        )
    from members.models import User

    reader = User.objects.get(email="m0@bench.example.org")
    message = sample_message(reader, briefings[0])
    sinks = {"size": len(message), "fast": sink_alone(port, message, 5000)}
    tests_sink, tests_port = start_sink("tests")
    try:
        sinks["tests"] = sink_alone(tests_port, message, 2000)
    finally:
        tests_sink.terminate()
    runs = []
    for workers, briefing in zip(counts, briefings, strict=True):
        log(f"==> publishing to {args.members:,} followers with {workers} worker(s)")
        runs.append(
            publish_and_send(
                briefing, editor, workers=workers, smtp_port=port, expected=args.members
            )
        )
    recipients = list(User.objects.filter(email__startswith="m").order_by("pk")[:200])
    queries = queries_per_email(recipients, briefings[0])
    table(runs, sinks, queries, members)


if __name__ == "__main__":
    main()
