"""Digests and previews hold exactly the audience's parts; the e-mail is built once per state."""

import pytest

from delivery import emails, sending
from delivery.models import Delivery
from members.access import Audience, ReaderStatus
from tests.delivery.conftest import bodies, recipient
from tests.factories import BriefingFactory, gated_briefing

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE, NOTE = "PUBLIC-MARK", "CIRCLE-MARK", "ALLIANCE-MARK", "NOTE-MARK"
AUDIENCES = [
    (None, False, [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
    (Audience.STRATEGIC_CIRCLE, False, [PUBLIC, CIRCLE], [ALLIANCE, NOTE]),
    (Audience.LEADERSHIP_ALLIANCE, False, [PUBLIC, CIRCLE, ALLIANCE, NOTE], []),
    (Audience.STRATEGIC_CIRCLE, True, [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
]


def digest(user, ids, cadence="weekly"):
    return Delivery(
        user=user,
        key=f"digest:{cadence}:2026-W49",
        kind=Delivery.Kind.DIGEST,
        reason=cadence,
        items=ids,
    )


def assert_parts(parts, present, absent):
    for part in parts:
        for marker in present:
            assert marker in part
        for marker in absent:
            assert marker not in part


@pytest.mark.parametrize(("tier", "ended", "present", "absent"), AUDIENCES)
def test_a_digest_entry_holds_exactly_the_readers_parts(smtp, tier, ended, present, absent):
    gated = gated_briefing(public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE)
    plain = BriefingFactory(title="A plain one")
    withdrawn = BriefingFactory(title="Withdrawn later")
    user = recipient(tier, ended=ended)
    withdrawn.status = withdrawn.Status.DRAFT
    withdrawn.save()

    sending.deliveries_queue([digest(user, [gated.pk, withdrawn.pk, plain.pk])])
    [(_, message)] = smtp.received
    assert message["Subject"] == "Your weekly digest: 2 new briefings"
    html, text = bodies(message)
    assert_parts((html, text), present, absent)
    for part in (html, text):
        assert gated.title in part and plain.title in part
        assert "Withdrawn later" not in part
        assert part.index(gated.title) < part.index(plain.title)  # in the order listed
    assert "Your weekly digest, as you asked" in text


def test_a_digest_with_nothing_live_left_is_skipped(smtp):
    gone = BriefingFactory(status="draft", published_at=None)
    sending.deliveries_queue([digest(recipient(), [gone.pk])])
    assert smtp.received == []
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


@pytest.mark.parametrize(
    ("reader", "present", "absent"),
    [
        (ReaderStatus(), [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
        (
            ReaderStatus(audience=Audience.STRATEGIC_CIRCLE, is_authenticated=True),
            [PUBLIC, CIRCLE],
            [ALLIANCE, NOTE],
        ),
        (
            ReaderStatus(audience=Audience.LEADERSHIP_ALLIANCE, is_authenticated=True),
            [PUBLIC, CIRCLE, ALLIANCE, NOTE],
            [],
        ),
    ],
)
def test_the_editors_preview_is_the_audiences_email_even_for_a_draft(reader, present, absent):
    briefing = gated_briefing(
        public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE, status="draft"
    )
    message = emails.email_preview(briefing, reader)
    html = message.alternatives[0].content
    assert_parts((html, message.body), present, absent)
    assert message.subject == briefing.title
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "__DELIVERY_" not in html and emails.PREVIEW_LINK in html


def test_css_is_inlined_once_per_reader_state_not_per_recipient(smtp, monkeypatch):
    briefing = gated_briefing()
    users = [recipient(Audience.STRATEGIC_CIRCLE) for _ in range(5)]
    users += [recipient(Audience.LEADERSHIP_ALLIANCE) for _ in range(5)]
    inliner = emails._inliner()
    calls = []

    class Counting:
        def inline(self, html):
            calls.append(html)
            return inliner.inline(html)

    monkeypatch.setattr(emails, "_inliner", lambda: Counting())
    rows = [
        Delivery(user=u, key=f"briefing:{briefing.pk}", kind="briefing", briefing=briefing)
        for u in users
    ]
    sending.deliveries_queue(rows)
    assert len(smtp.received) == 10
    assert len(calls) == 2
    # Each recipient's own links are in their copy, and nobody else's.
    links = set()
    for _, message in smtp.received:
        html, _ = bodies(message)
        link = message["List-Unsubscribe"].strip("<>")
        assert html.count(link) == 1
        links.add(link)
    assert len(links) == 10
