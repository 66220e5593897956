"""People and briefings for the delivery tests, and a real SMTP server their e-mails go to."""

import email
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone

from delivery.models import DeliveryPreference, Follow
from members.access import Audience
from tests.factories import MembershipFactory, StaffFactory, UserFactory
from tests.smtp import SMTPServer, mailers


def member(
    tier=Audience.STRATEGIC_CIRCLE,
    *,
    cadence=DeliveryPreference.Cadence.EACH,
    follows=(),
    lapsed=False,
    tz="UTC",
    hour=8,
    weekday=0,
    **user_fields,
):
    """
    A reader with a verified address and a membership of `tier` (None: no membership;
    `lapsed`: one that ended yesterday), their delivery preference, and a follow of each
    category, region or topic in `follows`.
    """
    user = UserFactory(**user_fields)
    if tier is not None:
        now = timezone.now()
        MembershipFactory(
            user=user,
            tier=tier,
            starts_at=now - timedelta(days=60),
            ends_at=now - timedelta(days=1) if lapsed else None,
        )
    DeliveryPreference.objects.filter(user=user).update(
        cadence=cadence, timezone=tz, digest_hour=hour, digest_weekday=weekday
    )
    for target in follows:
        Follow.objects.create(user=user, **{type(target)._meta.model_name: target})
    return user


@pytest.fixture
def editor():
    return StaffFactory(group="editors")


@pytest.fixture
def writer():
    return StaffFactory(group="writers")


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    settings.MAILERS = mailers(server)
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


def recipient(tier=None, *, ended=False, **kwargs):
    """A user with a verified address, a member of `tier` (ended a day ago when `ended`)."""
    user = UserFactory(**kwargs)
    if tier is not None:
        from datetime import timedelta

        from django.utils import timezone

        extra = {"ends_at": timezone.now() - timedelta(days=1)} if ended else {}
        MembershipFactory(user=user, tier=tier, **extra)
    return user


@pytest.fixture
def tasks_held(settings):
    """Tasks are queued and not run (Django's dummy backend): what queueing costs alone."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
