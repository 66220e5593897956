"""
E-mail leaves the request through the task queue, and a real worker (`manage.py
db_worker`) sends it to a real SMTP server: the same processes production runs.
"""

import subprocess
import sys
import time

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.prodlike import ROOT
from tests.smtp import SMTPServer
from tests.workers import worker_env


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def run_worker(smtp_port: int) -> subprocess.CompletedProcess:
    env = worker_env(smtp_port)
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_code_is_queued_and_a_worker_delivers_it(client, smtp, queued):
    if connection.vendor != "postgresql":
        pytest.skip("the worker is another process: it needs a database it can reach")
    response = client.post(reverse("account_signup"), {"email": "queued@example.org"})
    assert response.status_code == 302
    assert mail.outbox == [] and smtp.received == []  # nothing sent while the reader waited
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    started = time.monotonic()
    worker = run_worker(smtp.port)
    assert worker.returncode == 0, worker.stderr[-2000:]
    [(recipients, message)] = smtp.received
    assert recipients == ["queued@example.org"]
    assert "code" in message["Subject"].lower() or "confirm" in message["Subject"].lower()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert time.monotonic() - started < 60
