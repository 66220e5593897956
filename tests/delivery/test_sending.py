"""
Briefing and digest e-mails leave the ledger once each, reach a real SMTP server, and hold
exactly the parts the member may read at send time.
"""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.db import connection
from django.utils import timezone

from delivery import sending
from delivery.models import Delivery, Follow, Suppression
from members import services
from members.access import Audience
from tests.delivery.conftest import bodies, parsed, recipient
from tests.factories import BriefingFactory, gated_briefing

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE, NOTE = "PUBLIC-MARK", "CIRCLE-MARK", "ALLIANCE-MARK", "NOTE-MARK"


@pytest.fixture
def briefing():
    return gated_briefing(public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE)


def row(user, briefing, *, reason="tier"):
    return Delivery(
        user=user,
        key=f"briefing:{briefing.pk}",
        kind=Delivery.Kind.BRIEFING,
        briefing=briefing,
        reason=reason,
    )


def received_by(smtp) -> dict:
    return {recipients[0]: message for recipients, message in smtp.received}


@pytest.mark.parametrize(
    ("tier", "ended", "present", "absent"),
    [
        (None, False, [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
        (Audience.STRATEGIC_CIRCLE, False, [PUBLIC, CIRCLE], [ALLIANCE, NOTE]),
        (Audience.LEADERSHIP_ALLIANCE, False, [PUBLIC, CIRCLE, ALLIANCE, NOTE], []),
        (Audience.LEADERSHIP_ALLIANCE, True, [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
    ],
)
def test_each_member_gets_exactly_their_parts_in_both_parts(
    smtp, briefing, tier, ended, present, absent
):
    user = recipient(tier, ended=ended)
    assert sending.deliveries_queue([row(user, briefing)]) == 1
    [(recipients, message)] = smtp.received
    assert recipients == [user.email]
    html, text = bodies(message)
    for part in (html, text):
        for marker in present:
            assert marker in part
        for marker in absent:
            assert marker not in part
        assert briefing.get_absolute_url() in part
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_headers_for_mail_systems(smtp, briefing, settings):
    settings.EMAIL_REPLY_TO = ["editors@example.com"]
    settings.DEFAULT_FROM_EMAIL = "Briefings <briefings@example.com>"
    settings.SITE_URL = "https://briefings.example.com"
    user = recipient(Audience.STRATEGIC_CIRCLE)
    sending.deliveries_queue([row(user, briefing)])
    [(_, received)] = smtp.received
    message = parsed(received)
    delivery = Delivery.objects.get()

    assert message["Subject"] == briefing.title
    assert message["From"] == "Briefings <briefings@example.com>"
    assert message["Reply-To"] == "editors@example.com"
    assert message["To"] == user.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As it came over the wire: one line, not RFC 2047 encoded words.
    unsubscribe = received["List-Unsubscribe"]
    assert "=?" not in unsubscribe and "\n" not in unsubscribe
    assert unsubscribe.startswith("<https://briefings.example.com/email/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert message["Message-ID"] == delivery.message_id
    assert message["Message-ID"].startswith(f"<delivery-{delivery.pk}.")
    assert message["Message-ID"].endswith("@briefings.example.com>")
    assert abs(parsedate_to_datetime(message["Date"]) - timezone.now()) < timedelta(minutes=1)

    html, text = bodies(received)
    assert 'name="color-scheme" content="light dark"' in html
    assert "prefers-color-scheme: dark" in html  # kept in <style>, not inlined
    assert 'style="' in html  # the rest is inlined
    assert "__DELIVERY_" not in html and "__DELIVERY_" not in text
    assert "/email/preferences/" in html and "/email/preferences/" in text
    assert unsubscribe[1:-1] in html and unsubscribe[1:-1] in text
    assert "You are a Strategic Circle member" in text


def test_the_message_id_is_the_same_for_every_attempt(briefing):
    from delivery.emails import message_id_for

    delivery = queued(recipient(), briefing)
    again = Delivery.objects.get(pk=delivery.pk)
    again.attempts = 3
    assert message_id_for(delivery) == message_id_for(again)
    other = queued(recipient(), briefing)
    assert message_id_for(other) != message_id_for(delivery)


def test_a_follower_is_told_what_they_follow_and_may_stop_that_follow_alone(smtp, briefing):
    user = recipient(Audience.STRATEGIC_CIRCLE)
    follow = Follow.objects.create(user=user, category=briefing.category)
    sending.deliveries_queue([row(user, briefing, reason="followers")])
    [(_, message)] = smtp.received
    html, text = bodies(message)
    assert f"You follow {briefing.category.name}." in text
    assert f"Stop e-mails about {briefing.category.name}" in html
    assert follow.pk  # the follow link is signed for this follow: see test_unsubscribe


def test_queueing_twice_sends_once(smtp, briefing):
    users = [recipient(Audience.STRATEGIC_CIRCLE) for _ in range(3)]
    sending.deliveries_queue([row(user, briefing) for user in users])
    sending.deliveries_queue([row(user, briefing) for user in users])
    assert sorted(r[0] for r, _ in smtp.received) == sorted(u.email for u in users)
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3


def queued(user, briefing, **kwargs) -> Delivery:
    delivery = row(user, briefing)
    for name, value in kwargs.items():
        setattr(delivery, name, value)
    delivery.save()
    return delivery


def test_suppressed_closed_and_deleted_accounts_are_not_sent_to(smtp, briefing):
    suppressed, closed, deleted, kept = (recipient(Audience.STRATEGIC_CIRCLE) for _ in range(4))
    rows = [queued(user, briefing) for user in (suppressed, closed, deleted, kept)]
    # Between queueing and sending:
    Suppression.objects.create(address=suppressed.email.upper(), reason="unsubscribed")
    services.account_delete(user=closed)
    deleted.delete()

    counts = sending.deliveries_send_batch([d.pk for d in rows])
    assert [r for r, _ in smtp.received] == [[kept.email]]
    statuses = dict(Delivery.objects.values_list("user_id", "status"))
    assert statuses == {
        suppressed.pk: Delivery.Status.SUPPRESSED,
        closed.pk: Delivery.Status.SKIPPED,
        kept.pk: Delivery.Status.SENT,
    }
    assert counts == {"sent": 1, "suppressed": 1, "skipped": 1}


def test_a_briefing_unpublished_before_sending_is_skipped(smtp, briefing):
    delivery = queued(recipient(), briefing)
    briefing.status = briefing.Status.DRAFT
    briefing.save()
    sending.deliveries_send_batch([delivery.pk])
    assert smtp.received == []
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


def test_a_row_someone_else_claimed_is_left_alone(smtp, briefing):
    delivery = queued(recipient(), briefing, status=Delivery.Status.SENDING)
    assert sending.deliveries_send_batch([delivery.pk]) == {}
    assert smtp.received == []


def test_server_down_keeps_everything_queued_then_sends_each_once(smtp, briefing, settings):
    settings.EMAIL_RETRY_DELAYS = [60, 600]
    users = [recipient(Audience.STRATEGIC_CIRCLE) for _ in range(3)]
    smtp.unavailable = True
    sending.deliveries_queue([row(user, briefing) for user in users])
    assert smtp.received == []
    rows = list(Delivery.objects.all())
    assert {d.status for d in rows} == {Delivery.Status.QUEUED}
    assert {d.attempts for d in rows} == {1}
    for delivery in rows:
        wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
        assert "421" in delivery.last_error

    assert sending.deliveries_send_due() == 0  # not due yet
    smtp.unavailable = False
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sending.deliveries_send_due() == 3
    sending.deliveries_send_due()  # a second sweep finds nothing more to send
    assert sorted(r[0] for r, _ in smtp.received) == sorted(u.email for u in users)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_a_connection_refused_is_temporary(smtp, briefing, settings):
    delivery = queued(recipient(), briefing)
    smtp.stop()
    sending.deliveries_send_batch([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED and delivery.next_attempt_at


def test_after_the_last_delay_it_fails(smtp, briefing, settings):
    settings.EMAIL_RETRY_DELAYS = [60]
    delivery = queued(recipient(), briefing, attempts=1)
    smtp.unavailable = True
    sending.deliveries_send_batch([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and "421" in delivery.last_error


def test_a_recipient_refused_for_now_is_retried_the_others_go(smtp, briefing):
    later, now = recipient(), recipient()
    smtp.refuse[later.email] = "451 4.2.0 mailbox busy"
    sending.deliveries_queue([row(later, briefing), row(now, briefing)])
    assert [r for r, _ in smtp.received] == [[now.email]]
    deferred = Delivery.objects.get(user=later)
    assert deferred.status == Delivery.Status.QUEUED and "mailbox busy" in deferred.last_error
    assert not Suppression.objects.exists()


def test_a_hard_bounce_fails_and_suppresses_the_address(smtp, briefing):
    gone, kept = recipient(), recipient()
    smtp.refuse[gone.email] = "550 5.1.1 no such user"
    sending.deliveries_queue([row(gone, briefing), row(kept, briefing)])
    assert [r for r, _ in smtp.received] == [[kept.email]]
    failed = Delivery.objects.get(user=gone)
    assert failed.status == Delivery.Status.FAILED
    assert "550" in failed.last_error and "no such user" in failed.last_error
    suppression = Suppression.objects.get()
    assert suppression.address == gone.email and suppression.reason == "bounced"

    # The next briefing is not even tried.
    other = BriefingFactory()
    sending.deliveries_queue([row(gone, other)])
    assert Delivery.objects.get(user=gone, briefing=other).status == Delivery.Status.SUPPRESSED


def test_a_row_left_sending_by_a_dead_worker_is_failed_not_resent(smtp, briefing):
    stale = queued(
        recipient(),
        briefing,
        status=Delivery.Status.SENDING,
        claimed_at=timezone.now() - timedelta(hours=1),
        attempts=1,
    )
    recent = queued(
        recipient(), BriefingFactory(), status=Delivery.Status.SENDING, claimed_at=timezone.now()
    )
    assert sending.deliveries_recover_stale() == 1
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert stale.status == Delivery.Status.FAILED and "may not have been" in stale.last_error
    assert recent.status == Delivery.Status.SENDING

    # An editor retries it: sent once.
    assert sending.deliveries_retry(Delivery.objects.all()) == 1
    assert [r for r, _ in smtp.received] == [[stale.user.email]]
    stale.refresh_from_db()
    assert stale.status == Delivery.Status.SENT


def test_fixed_queries_per_email(smtp, briefing, django_assert_num_queries):
    def batch(size):
        users = [recipient(Audience.STRATEGIC_CIRCLE) for _ in range(size)]
        rows = [queued(user, briefing, key=f"briefing:{briefing.pk}:{size}") for user in users]
        return [d.pk for d in rows]

    small, large = batch(10), batch(20)
    # Per batch: recover stale rows, the rows with users and briefings, memberships,
    # suppressions; the briefing for Strategic Circle readers (briefing, sections,
    # citations, tier wording). Per e-mail: the claim and the outcome.
    constant = 8
    if connection.vendor == "postgresql":
        constant += 2  # commits that do not wait for the disk, set and reset
    with django_assert_num_queries(constant + 2 * 10):
        sending.deliveries_send_batch(small)
    with django_assert_num_queries(constant - 1 + 2 * 20):  # tier wording is cached now
        sending.deliveries_send_batch(large)
    assert len(smtp.received) == 30


def test_the_safety_net_command(smtp, briefing):
    from io import StringIO

    from django.core.management import call_command

    stale = queued(
        recipient(),
        briefing,
        status=Delivery.Status.SENDING,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    due = queued(recipient(), briefing, next_attempt_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("send_due_emails", stdout=out)
    assert "1 interrupted e-mails marked failed, 1 due e-mails queued." in out.getvalue()
    assert [r for r, _ in smtp.received] == [[due.user.email]]
    stale.refresh_from_db()
    assert stale.status == Delivery.Status.FAILED


def test_an_email_that_cannot_be_built_fails_alone(smtp, briefing, monkeypatch):
    from delivery import emails

    broken, fine = recipient(), recipient()
    rows = [queued(broken, briefing), queued(fine, briefing)]
    real = emails.recipient_for

    def recipient_for(delivery, **kwargs):
        if delivery.user_id == broken.pk:
            raise RuntimeError("a bug")
        return real(delivery, **kwargs)

    monkeypatch.setattr(emails, "recipient_for", recipient_for)
    assert sending.deliveries_send_batch([d.pk for d in rows]) == {"failed": 1, "sent": 1}
    assert [r for r, _ in smtp.received] == [[fine.email]]
    assert "a bug" in Delivery.objects.get(user=broken).last_error


def test_a_row_whose_task_went_missing_is_queued_again(smtp, briefing):
    orphan = queued(recipient(), briefing, created_at=timezone.now() - timedelta(hours=1))
    fresh = queued(recipient(), BriefingFactory())  # its task may still be on its way
    assert sending.deliveries_send_due() == 1
    assert [r for r, _ in smtp.received] == [[orphan.user.email]]
    fresh.refresh_from_db()
    assert fresh.status == Delivery.Status.QUEUED


def test_a_retried_task_sends_only_what_was_not_sent(smtp, briefing):
    users = [recipient() for _ in range(5)]
    ids = [queued(user, briefing).pk for user in users]
    # A worker sent the first two and died; the queue runs the whole task again.
    sending.deliveries_send_batch(ids[:2])
    sending.deliveries_send_batch(ids)
    sending.deliveries_send_batch(ids)
    assert sorted(r[0] for r, _ in smtp.received) == sorted(u.email for u in users)
