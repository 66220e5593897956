"""The bytes the send loop writes are the message the `email` package would make."""

import email
from email import policy

import pytest

from delivery.emails import EmailRenderer, email_prepare, message_build
from delivery.models import Delivery
from delivery.wire import email_bytes
from members.access import Audience
from tests.delivery.conftest import recipient
from tests.factories import gated_briefing

pytestmark = pytest.mark.django_db


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_the_fast_bytes_and_the_email_package_agree(settings):
    settings.EMAIL_REPLY_TO = ["editors@example.com"]
    settings.DEFAULT_FROM_EMAIL = "Méridien Briefings <briefings@example.com>"
    briefing = gated_briefing(title="Grid “déjà vu” in Zürich", public="Ünïcode . text\n.\nend")
    user = recipient(Audience.STRATEGIC_CIRCLE)
    delivery = Delivery.objects.create(
        user=user, key=f"briefing:{briefing.pk}", kind="briefing", briefing=briefing
    )
    outgoing = email_prepare(delivery, renderer=EmailRenderer())
    fast = parse(email_bytes(outgoing))
    slow = parse(message_build(outgoing).message(policy=policy.SMTP).as_bytes())

    names = [
        "Subject",
        "From",
        "To",
        "Reply-To",
        "Date",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
    ]
    for name in names:
        assert str(fast[name]) == str(slow[name]), name
    assert fast.get_content_type() == slow.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        fast_part = fast.get_body(preferencelist=(kind,)).get_content()
        slow_part = slow.get_body(preferencelist=(kind,)).get_content()
        # (The `email` package ends a body with one more blank line.)
        assert fast_part.replace("\r", "").rstrip() == slow_part.replace("\r", "").rstrip()
    assert "Ünïcode" in fast.get_body(preferencelist=("plain",)).get_content()


def test_an_address_that_is_not_ascii_takes_the_email_package(settings):
    briefing = gated_briefing()
    user = recipient(email="zoë@example.org")
    delivery = Delivery.objects.create(
        user=user, key=f"briefing:{briefing.pk}", kind="briefing", briefing=briefing
    )
    assert email_bytes(email_prepare(delivery, renderer=EmailRenderer())) is None
