"""
Two real task workers (`manage.py db_worker`) on PostgreSQL send one briefing to 2,000
members through a real SMTP server: each address gets exactly one e-mail, also when the
server stops and comes back in the middle of the run.
"""

import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection

from delivery import sending
from delivery.models import Delivery
from members.access import Audience
from members.models import Membership, User
from tests.factories import gated_briefing
from tests.prodlike import ROOT
from tests.smtp import SMTPServer
from tests.workers import worker_env

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 2000
CIRCLE, ALLIANCE = "CIRCLE-MARK", "ALLIANCE-MARK"


@pytest.fixture
def smtp():
    servers = [SMTPServer()]
    yield servers
    servers[-1].stop()


def start_worker(smtp_port: int) -> subprocess.Popen:
    env = worker_env(
        smtp_port,
        LOG_LEVEL="ERROR",
        # Come back after a second, and keep trying long enough for the restart below.
        EMAIL_RETRY_DELAYS=",".join(["1"] * 20),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def members_with_a_briefing():
    users = User.objects.bulk_create(
        [User(email=f"worker-test-{n}@example.org", password="!") for n in range(MEMBERS)]
    )
    tiers = [Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE, None]
    Membership.objects.bulk_create(
        [
            Membership(user=user, tier=tier, source=Membership.Source.SIGNUP)
            for n, user in enumerate(users)
            if (tier := tiers[n % 3]) is not None
        ]
    )
    briefing = gated_briefing(circle=CIRCLE, alliance=ALLIANCE)
    rows = [
        Delivery(
            user=user,
            key=f"briefing:{briefing.pk}",
            kind=Delivery.Kind.BRIEFING,
            briefing=briefing,
            reason="tier",
        )
        for user in users
    ]
    return users, rows


def wait_until_all_sent(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Delivery.objects.filter(status=Delivery.Status.SENT).count() == MEMBERS:
            return
        time.sleep(0.2)
    statuses = Counter(Delivery.objects.values_list("status", flat=True))
    raise AssertionError(f"not all sent in {timeout} s: {statuses}")


def stop(workers) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def assert_each_once(users, received) -> None:
    recipients = Counter(address for addresses, _ in received for address in addresses)
    assert set(recipients) == {user.email for user in users}
    assert set(recipients.values()) == {1}, recipients.most_common(3)
    by_address = {addresses[0]: message for addresses, message in received}
    # The tiers' parts went to the tiers (a spot check; test_sending covers each audience).
    for n in range(3):
        text = by_address[users[n].email].get_payload(0).get_payload(decode=True).decode()
        assert (CIRCLE in text) == (n in (0, 1))
        assert (ALLIANCE in text) == (n == 1)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the workers are other processes: they need a database they can reach")


def test_two_workers_send_each_member_one_email(postgresql, smtp, queued):
    users, rows = members_with_a_briefing()
    started = time.monotonic()
    assert sending.deliveries_queue(rows) == MEMBERS
    workers = [start_worker(smtp[0].port) for _ in range(2)]
    try:
        wait_until_all_sent(timeout=90)
    finally:
        stop(workers)
    elapsed = time.monotonic() - started
    assert_each_once(users, smtp[0].received)
    assert not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()
    assert elapsed < 60


def test_the_smtp_server_stopped_and_restarted_mid_run(postgresql, smtp, queued):
    users, rows = members_with_a_briefing()
    sending.deliveries_queue(rows)
    first = smtp[0]
    workers = [start_worker(first.port) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while len(first.received) < MEMBERS // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.stop()
        received_before_the_stop = len(first.received)
        time.sleep(2)  # workers find nobody listening, and defer
        deferred = Delivery.objects.filter(status=Delivery.Status.QUEUED, attempts__gt=0)
        assert deferred.exists()
        smtp.append(SMTPServer(port=first.port, received=first.received))
        wait_until_all_sent(timeout=90)
    finally:
        stop(workers)
    assert received_before_the_stop < MEMBERS  # the stop did happen mid-run
    assert_each_once(users, smtp[-1].received)
    assert Delivery.objects.filter(attempts__gt=1).exists()
