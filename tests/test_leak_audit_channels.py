"""
The leak audit of the channels that leave the site by e-mail: a briefing's e-mail, a
digest listing it, and the newsroom's e-mail preview, for every audience.

The briefings and accounts are the site audit's (tests.test_leak_audit): a live briefing
with a marker word in each gated part, whole briefings in each unpublished status and a
word only revision history keeps. Each e-mail goes through the real pipeline (ledger rows,
`deliveries_queue`, the send task) to a real SMTP server (tests.smtp), and is parsed with
the `email` package: every header and every body part (HTML and plain text) must hold
exactly the markers the account's audience may read now (`may_read`: members.access
decides), and never a word of an unpublished briefing or of history. A membership that
ends between queueing and sending gets the public version.
"""

import email
from datetime import timedelta
from email import policy

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing
from delivery import sending
from delivery.models import Delivery
from delivery.newsroom import PREVIEW_READERS
from members.access import Audience
from members.selectors import reader_status
from organisations import services as organisation_services
from tests.factories import StaffFactory, UserFactory
from tests.smtp import SMTPServer, mailers
from tests.test_leak_audit import (
    MARKERS,
    NO_PASSWORD,
    audience_readers,
    body_of,
    build_content,
    may_read,
)

pytestmark = pytest.mark.django_db
# Headers written back as they came over the wire (compat32 would fold long ones anew).
AS_RECEIVED = policy.compat32.clone(max_line_length=0)


@pytest.fixture
def smtp(settings):
    """A real SMTP server the site's mailer sends to (as in tests/delivery/conftest.py)."""
    server = SMTPServer()
    settings.MAILERS = mailers(server)
    yield server
    server.stop()


@pytest.fixture
def tasks_held(settings):
    """Tasks are queued and not run (Django's dummy backend); the test sends explicitly."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def email_readers() -> dict:
    """Every signed-in account of the site audit, and one with no membership at all."""
    readers = {name: user for name, user in audience_readers().items() if user is not None}
    readers["signed in, no membership"] = UserFactory(password=NO_PASSWORD)
    return readers


def briefing_row(user, briefing) -> Delivery:
    return Delivery(
        user=user,
        key=f"briefing:{briefing.pk}",
        kind=Delivery.Kind.BRIEFING,
        briefing=briefing,
        reason="tier",
    )


def digest_row(user, items) -> Delivery:
    return Delivery(
        user=user,
        key="digest:daily:2026-12-03",
        kind=Delivery.Kind.DIGEST,
        reason="daily",
        items=items,
    )


def parsed(raw) -> email.message.EmailMessage:
    return email.message_from_bytes(raw.as_bytes(policy=AS_RECEIVED), policy=policy.default)


def subject(raw) -> str:
    return str(parsed(raw)["Subject"])


def message_texts(raw) -> tuple[list[str], list[str], dict[str, str]]:
    """A received message's headers ("Name: value"), its body parts' texts by type."""
    message = parsed(raw)
    headers = [f"{name}: {value}" for name, value in message.items()]
    leaves = [part for part in message.walk() if not part.is_multipart()]
    types = [part.get_content_type() for part in leaves]
    parts = {}
    for part in leaves:
        parts[part.get_content_type()] = parts.get(part.get_content_type(), "") + str(
            part.get_content()
        )
    return headers, types, parts


def markers_in(text: str) -> set[str]:
    lowered = text.lower()
    return {marker.word for marker in MARKERS if marker.word in lowered}


def readable(audience) -> set[str]:
    return {marker.word for marker in MARKERS if may_read(audience, marker)}


def audit_message(name, raw, audience, *, expected=None) -> list[str]:
    """
    What is wrong with one received e-mail for a reader of `audience`: a marker they may
    not read anywhere in it, or one of `expected` (default: all they may read) missing
    from its HTML or its plain-text part.
    """
    expected = readable(audience) if expected is None else expected
    headers, types, parts = message_texts(raw)
    problems = []
    if sorted(types) != ["text/html", "text/plain"]:
        problems.append(f"{name}: parts {types}")
    for header in headers:
        for word in markers_in(header) - readable(audience):
            problems.append(f"{name}: header {header.split(':')[0]} has {word}")
    for content_type, text in parts.items():
        found = markers_in(text)
        for word in found - readable(audience):
            problems.append(f"{name}: {content_type} leaks {word}")
        for word in expected - found:
            problems.append(f"{name}: {content_type} lacks {word}")
    return problems


def received_by(smtp) -> dict:
    """Address -> the messages it received, in order."""
    found = {}
    for recipients, message in smtp.received:
        for address in recipients:
            found.setdefault(address, []).append(message)
    return found


@pytest.fixture
def content():
    cache.clear()
    live, hidden, _ = build_content()
    others = Briefing.objects.exclude(pk=live.pk)
    return live, list(others.filter(slug__in=hidden)), others.exclude(slug__in=hidden).get()


def test_each_account_gets_exactly_its_parts_in_a_briefing_email(smtp, content):
    """
    Every account is sent the live briefing, the edited one (history keeps a word) and
    each unpublished one: it receives the first two, each holding exactly its parts in
    every header and body part, and nothing of the unpublished ones.
    """
    live, hidden, edited = content
    readers = email_readers()
    rows = [
        briefing_row(user, briefing)
        for user in readers.values()
        for briefing in (live, edited, *hidden)
    ]
    assert sending.deliveries_queue(rows) == len(rows)

    received = received_by(smtp)
    problems = []
    for name, user in readers.items():
        audience = reader_status(user).audience
        messages = received.get(user.email, [])
        assert len(messages) == 2, (name, len(messages))
        live_email, edited_email = sorted(messages, key=lambda m: subject(m) != live.title)
        problems += audit_message(f"{name} (live)", live_email, audience)
        # The edited briefing carries no marker: its old wording must not come back.
        problems += audit_message(f"{name} (edited)", edited_email, audience, expected=set())
    assert not problems, "E-mails that do not hold exactly their parts:\n" + "\n".join(problems)
    # The unpublished briefings were not sent: the ledger says why.
    skipped = Delivery.objects.filter(briefing__in=hidden)
    assert set(skipped.values_list("status", flat=True)) == {Delivery.Status.SKIPPED}
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2 * len(readers)


def test_each_account_gets_exactly_its_parts_in_a_digest(smtp, content):
    """
    A digest queued with the live briefing, the edited one and the unpublished ones (as
    if they had been live when it was queued) lists only the two live ones at send time,
    each with exactly the reader's parts.
    """
    live, hidden, edited = content
    readers = email_readers()
    items = [live.pk, edited.pk, *(briefing.pk for briefing in hidden)]
    assert sending.deliveries_queue([digest_row(user, items) for user in readers.values()])

    received = received_by(smtp)
    problems = []
    for name, user in readers.items():
        [message] = received[user.email]
        assert subject(message).endswith("2 new briefings"), (name, subject(message))
        problems += audit_message(name, message, reader_status(user).audience)
    assert not problems, "Digests that do not hold exactly their parts:\n" + "\n".join(problems)


def test_a_membership_ended_between_queueing_and_sending_gets_the_public_version(
    smtp, tasks_held, content
):
    """
    Members are queued the briefing and a digest while their memberships are active; the
    memberships end before the send task runs: both e-mails hold the public parts only.
    """
    live, _, _ = content
    readers = {
        name: user
        for name, user in email_readers().items()
        if name in ("strategic circle", "leadership alliance")
    }
    for user in readers.values():
        assert reader_status(user).audience != Audience.PUBLIC
    rows = [briefing_row(user, live) for user in readers.values()]
    rows += [digest_row(user, [live.pk]) for user in readers.values()]
    assert sending.deliveries_queue(rows) == len(rows)
    assert smtp.received == []  # held: nothing sent yet

    for user in readers.values():
        user.memberships.update(ends_at=timezone.now() - timedelta(seconds=1))
        assert reader_status(user).audience == Audience.PUBLIC
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert sending.deliveries_send_batch(ids) == {Delivery.Status.SENT: len(rows)}

    received = received_by(smtp)
    problems = []
    for name, user in readers.items():
        assert len(received[user.email]) == 2, name
        for message in received[user.email]:
            problems += audit_message(name, message, Audience.PUBLIC)
    assert not problems, "Ended memberships read gated parts:\n" + "\n".join(problems)


def preview_audience(slug: str) -> Audience:
    return Audience.PUBLIC if slug == "lapsed" else Audience.from_slug(slug)


def test_each_email_preview_in_admin_holds_exactly_that_audiences_parts(content):
    """
    The newsroom previews a briefing's e-mail as every audience (and as an ended
    membership): the preview page (subject and text part) and its framed HTML part hold
    exactly that audience's parts, of the live briefing and of the edited one.
    """
    live, _, edited = content
    assert set(PREVIEW_READERS) == {audience.slug for audience in Audience} | {"lapsed"}
    client = Client()
    client.force_login(StaffFactory(group="editors", password=NO_PASSWORD))
    problems = []
    for slug in PREVIEW_READERS:
        allowed = readable(preview_audience(slug))
        for briefing, expected in ((live, allowed), (edited, set())):
            for name in (
                "briefings_briefing_email_preview",
                "briefings_briefing_email_preview_html",
            ):
                url = reverse(f"admin:{name}", args=[briefing.pk, slug])
                response = client.get(url)
                assert response.status_code == 200, url
                found = markers_in(body_of(response))
                problems += [f"{url} leaks {word}" for word in found - allowed]
                problems += [f"{url} lacks {word}" for word in expected - found]
                headers = "".join(response.headers.values())
                problems += [f"{url} header has {word}" for word in markers_in(headers)]
    assert not problems, "E-mail previews that do not hold exactly their parts:\n" + "\n".join(
        problems
    )


def test_a_seat_removed_between_queueing_and_sending_gets_the_public_version(
    smtp, tasks_held, content
):
    """
    A seat holder is queued the briefing and a digest; their administrator removes them
    before the send task runs: both e-mails hold the public parts only.
    """
    live, _, _ = content
    user = email_readers()["seat holder"]
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE
    rows = [briefing_row(user, live), digest_row(user, [live.pk])]
    assert sending.deliveries_queue(rows) == len(rows)
    organisation_services.seat_remove(seat=user.seats.get(removed_at=None), by=None)

    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert sending.deliveries_send_batch(ids) == {Delivery.Status.SENT: len(rows)}
    received = received_by(smtp)[user.email]
    assert len(received) == 2
    problems = [p for message in received for p in audit_message("seat", message, Audience.PUBLIC)]
    assert not problems, "A removed seat holder read gated parts:\n" + "\n".join(problems)
