"""Membership e-mails are sent by a task that retries while the mail server is away."""

import smtplib

import pytest
from django.core import mail
from django.tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from members import tasks

FIELDS = {
    "subject": "Hello",
    "body": "Body",
    "to": ["member@example.org"],
    "from_email": "briefings@example.com",
}


@pytest.fixture
def queued(monkeypatch):
    backend = DatabaseBackend("default", {})
    monkeypatch.setattr(Task, "get_backend", lambda task: backend)
    return backend


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("gone"),
        ConnectionRefusedError(111, "refused"),
        smtplib.SMTPRecipientsRefused({"member@example.org": (451, b"busy")}),
    ],
    ids=["dropped", "refused", "busy"],
)
def test_a_temporary_failure_is_tried_again_later(queued, monkeypatch, settings, error):
    settings.EMAIL_RETRY_DELAYS = [60]

    def fail(self, *args, **kwargs):
        raise error

    monkeypatch.setattr("django.core.mail.EmailMessage.send", fail)
    tasks.email_send_rendered.call(**FIELDS)
    [retry] = DBTaskResult.objects.all()
    assert retry.run_after is not None
    assert retry.args_kwargs["kwargs"]["attempt"] == 2

    # After the last delay the task fails, as a permanent refusal does at once.
    with pytest.raises(type(error)):
        tasks.email_send_rendered.call(**FIELDS, attempt=2)


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_task(queued, monkeypatch):
    def fail(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"member@example.org": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", fail)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        tasks.email_send_rendered.call(**FIELDS)
    assert not DBTaskResult.objects.exists()
    assert mail.outbox == []
