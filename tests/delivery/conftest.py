"""A real SMTP server that the delivery tests' e-mails go to, and members to send to."""

import email
from email import policy

import pytest

from tests.factories import MembershipFactory, UserFactory
from tests.smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 5},
        }
    }
    yield server
    server.stop()


def parsed(message) -> email.message.EmailMessage:
    """A received message parsed the modern way, with its HTML and plain-text parts."""
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


def bodies(message) -> tuple[str, str]:
    message = parsed(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return html, text


def member(tier=None, *, ended=False, **kwargs):
    """A user with a verified address, a member of `tier` (ended a day ago when `ended`)."""
    user = UserFactory(**kwargs)
    if tier is not None:
        from datetime import timedelta

        from django.utils import timezone

        extra = {"ends_at": timezone.now() - timedelta(days=1)} if ended else {}
        MembershipFactory(user=user, tier=tier, **extra)
    return user
