"""
How fast briefing e-mails leave: queueing N ledger rows (and their send tasks), then
rendering and handing them to an SMTP server, in one process as one worker does.

    DATABASE_URL=postgresql://.../briefings_bench .venv/bin/python scripts/bench_sending.py [N]

The SMTP server is the test suite's (tests/smtp.py), in a process of its own. The
database must be one the benchmark may fill (it migrates it and adds N users).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SINK = """
import sys, time
from tests.smtp import SMTPServer
server = SMTPServer()
print(server.port, flush=True)
while True:
    time.sleep(60)
"""


def main(count: int) -> None:
    sink = subprocess.Popen(  # noqa: S603 (our own code, our own interpreter)
        [sys.executable, "-c", SINK], cwd=ROOT, stdout=subprocess.PIPE
    )
    port = sink.stdout.readline().decode().strip()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        TASKS_BACKEND="database",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS="false",
        LOG_LEVEL="ERROR",
    )
    try:
        run(count)
    finally:
        sink.terminate()


def run(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from delivery import sending
    from delivery.models import Delivery
    from members.access import Audience
    from members.models import Membership, User
    from tests.factories import gated_briefing

    run_id = uuid.uuid4().hex[:8]
    unusable = "!"  # no password: nobody signs in as these
    users = User.objects.bulk_create(
        [User(email=f"bench-{run_id}-{n}@example.org", password=unusable) for n in range(count)]
    )
    tiers = [Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE, None]
    Membership.objects.bulk_create(
        [
            Membership(user=user, tier=tier, source=Membership.Source.SIGNUP)
            for n, user in enumerate(users)
            if (tier := tiers[n % 3]) is not None
        ]
    )
    briefing = gated_briefing(slug=f"bench-{run_id}")
    key = f"briefing:{briefing.pk}"
    rows = [
        Delivery(user=user, key=key, kind="briefing", briefing=briefing, reason="tier")
        for user in users
    ]
    started = time.perf_counter()
    sending.deliveries_queue(rows)
    queued = time.perf_counter() - started
    print(f"{count} ledger rows and their send tasks queued in {queued:.2f} s")

    ids = list(Delivery.objects.filter(key=key).order_by("pk").values_list("pk", flat=True))
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(ids), sending.BATCH_SIZE):
        sending.deliveries_send_batch(ids[start : start + sending.BATCH_SIZE])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    sent = Delivery.objects.filter(key=key, status=Delivery.Status.SENT).count()
    print(
        f"{sent} e-mails rendered and handed to SMTP in {elapsed:.2f} s: "
        f"{sent / elapsed:.0f} a second by one worker ({sent / cpu:.0f} per CPU-second)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
