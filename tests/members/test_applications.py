"""Applying for the Leadership Alliance, and managers approving or declining in admin."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import services
from members.access import Audience
from members.models import Application, Membership
from tests.factories import ApplicationFactory, MembershipFactory, StaffFactory, UserFactory
from tests.members.conftest import ALLIANCE_TEXT

TIER_URL = reverse("members:tier", args=["leadership-alliance"])
FORM = {
    "name": "Ada Example",
    "organisation": "Example Grid Partners",
    "role": "Head of infrastructure investment",
    "reason": "We underwrite data centre projects.",
}


@pytest.fixture
def circle_member(db):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    return user


@pytest.fixture
def manager(db):
    from django.contrib.auth.models import Group

    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Membership managers"))
    return user


def test_the_tier_page_explains_the_tier_and_sends_anonymous_readers_to_sign_up_and_back(
    client, db
):
    response = client.get(f"{TIER_URL}?next=/briefings/demo/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "relationship evidence" in body
    assert 'name="reason"' not in body  # anonymous readers sign up first
    # Sign-up comes back here (with the briefing kept for later).
    assert (
        "/accounts/signup/?next=%2Fmembership%2Fleadership-alliance%2F%3Fnext%3D%252Fbriefings%252Fdemo%252F"
        in body
    )
    assert "/accounts/login/?next=%2Fmembership%2Fleadership-alliance%2F%3Fnext%3D" in body


def test_an_anonymous_post_is_sent_to_sign_in_and_records_nothing(client, db):
    response = client.post(TIER_URL, FORM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Application.objects.exists()


def test_a_member_applies_and_is_brought_back_with_the_briefing_kept(client, circle_member):
    client.force_login(circle_member)
    page = client.get(f"{TIER_URL}?next=/briefings/demo/")
    assert 'name="reason"' in page.content.decode()
    response = client.post(TIER_URL, {**FORM, "next": "/briefings/demo/"})
    assert response.status_code == 302
    assert response["Location"] == f"{TIER_URL}?next=%2Fbriefings%2Fdemo%2F"
    application = Application.objects.get()
    assert (application.user, application.status) == (circle_member, Application.Status.PENDING)
    assert application.organisation == "Example Grid Partners"
    page = client.get(response["Location"]).content.decode()
    assert "Your application is being reviewed" in page
    assert 'name="reason"' not in page


def test_a_blank_application_is_refused_field_by_field_and_keeps_what_was_typed(
    client, circle_member
):
    client.force_login(circle_member)
    response = client.post(TIER_URL, {**FORM, "reason": "   ", "role": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("This field is required.") == 2
    assert "Example Grid Partners" in body
    assert not Application.objects.exists()


def test_a_second_pending_application_is_refused(circle_member):
    services.application_submit(user=circle_member, **FORM)
    with pytest.raises(services.MembershipError, match="already have an application"):
        services.application_submit(user=circle_member, **FORM)


def test_a_current_alliance_member_cannot_apply(client, circle_member):
    MembershipFactory(user=circle_member, tier=Audience.LEADERSHIP_ALLIANCE)
    client.force_login(circle_member)
    response = client.post(TIER_URL, FORM, follow=True)
    assert not Application.objects.exists()
    assert "You are a member" in response.content.decode()


def test_approval_grants_twelve_months_and_emails_the_member(
    circle_member, manager, gated_briefing, client
):
    application = ApplicationFactory(user=circle_member)
    membership, sent = services.application_approve(application=application, reviewer=manager)
    assert sent
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == manager and application.membership == membership
    assert membership.tier == Audience.LEADERSHIP_ALLIANCE
    assert membership.source == Membership.Source.APPLICATION
    assert membership.granted_by == manager
    expected_end = services.months_after(timezone.now(), 12)
    assert abs(membership.ends_at - expected_end) < timedelta(minutes=1)

    [message] = mail.outbox
    assert message.to == [circle_member.email]
    assert "Welcome to the Leadership Alliance" in message.subject
    assert membership.ends_at.strftime("%-d %B %Y") in message.body
    html = message.alternatives[0].content
    assert "Leadership Alliance" in html

    client.force_login(circle_member)
    assert (
        ALLIANCE_TEXT.split()[0] in client.get(gated_briefing.get_absolute_url()).content.decode()
    )


def test_the_manager_can_change_the_end_date_before_approving(circle_member, manager):
    end = date.today() + timedelta(days=90)
    application = ApplicationFactory(user=circle_member, membership_ends_on=end)
    membership, _ = services.application_approve(application=application, reviewer=manager)
    assert membership.ends_at == services.end_of_day(end)


def test_decline_emails_the_applicant_and_grants_nothing(circle_member, manager):
    application = ApplicationFactory(user=circle_member)
    assert services.application_decline(application=application, reviewer=manager)
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert not circle_member.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()
    [message] = mail.outbox
    assert message.to == [circle_member.email]
    assert "not able to offer you membership" in message.body


def test_an_application_is_reviewed_once(circle_member, manager):
    application = ApplicationFactory(user=circle_member)
    services.application_decline(application=application, reviewer=manager)
    with pytest.raises(services.MembershipError, match="already declined"):
        services.application_approve(application=application, reviewer=manager)
    assert len(mail.outbox) == 1


def test_managers_approve_and_decline_from_the_admin_list(client, manager, circle_member):
    approve = ApplicationFactory(user=circle_member)
    other = UserFactory()
    decline = ApplicationFactory(user=other, name="Bo Other")
    client.force_login(manager)
    url = reverse("admin:members_application_changelist")
    response = client.post(
        url, {"action": "approve", "_selected_action": [approve.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Approved 1 application" in response.content.decode()
    response = client.post(
        url, {"action": "decline", "_selected_action": [decline.pk]}, follow=True
    )
    assert "Declined 1 application" in response.content.decode()
    approve.refresh_from_db()
    decline.refresh_from_db()
    assert (approve.status, decline.status) == ("approved", "declined")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([circle_member.email, other.email])


def test_the_account_page_shows_the_application_status(client, circle_member):
    ApplicationFactory(user=circle_member)
    client.force_login(circle_member)
    body = client.get(reverse("members:account")).content.decode()
    assert "waiting for review" in body
    assert "Pending" in body


def test_a_lapsed_member_is_offered_renewal(client, circle_member):
    now = timezone.now()
    MembershipFactory(
        user=circle_member,
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=2),
    )
    client.force_login(circle_member)
    body = client.get(TIER_URL).content.decode()
    assert "Renew your membership" in body
    assert 'name="reason"' in body


def test_an_anonymous_reader_signs_up_comes_back_to_the_form_and_keeps_the_briefing(client, db):
    from urllib.parse import unquote

    from tests.members.test_joining import code_from

    page = client.get(f"{TIER_URL}?next=/briefings/demo/").content.decode()
    signup_url = unquote(page.split('href="/accounts/signup/?next=')[1].split('"')[0])
    assert signup_url == f"{TIER_URL}?next=%2Fbriefings%2Fdemo%2F"
    response = client.post(
        reverse("account_signup"), {"email": "applicant@example.org", "next": signup_url}
    )
    response = client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert response["Location"] == signup_url

    form_page = client.get(signup_url).content.decode()
    assert 'name="reason"' in form_page
    assert 'name="next" value="/briefings/demo/"' in form_page
    response = client.post(TIER_URL, {**FORM, "next": "/briefings/demo/"}, follow=True)
    body = response.content.decode()
    assert "Your application is being reviewed" in body
    assert 'href="/briefings/demo/"' in body
    assert Application.objects.get().user.email == "applicant@example.org"


def test_managers_set_the_end_date_and_approve_from_the_change_form(client, manager, circle_member):
    application = ApplicationFactory(user=circle_member)
    client.force_login(manager)
    url = reverse("admin:members_application_change", args=[application.pk])
    assert "Approve and e-mail" in client.get(url).content.decode()
    end = date.today() + timedelta(days=45)
    response = client.post(url, {"membership_ends_on": end.isoformat(), "_approve": "1"})
    assert response.status_code == 302
    membership = circle_member.memberships.get(tier=Audience.LEADERSHIP_ALLIANCE)
    assert membership.ends_at == services.end_of_day(end)
    assert len(mail.outbox) == 1
    # Decided applications offer no buttons and keep what the applicant wrote.
    assert "Approve and e-mail" not in client.get(url).content.decode()


def test_a_queue_that_cannot_take_the_email_keeps_the_approval_and_tells_the_manager(
    client, manager, circle_member, monkeypatch
):
    from django.db import OperationalError

    def refuse(message):
        raise OperationalError("the task queue is unreachable")

    monkeypatch.setattr("members.services.email_queue", refuse)
    application = ApplicationFactory(user=circle_member)
    client.force_login(manager)
    response = client.post(
        reverse("admin:members_application_changelist"),
        {"action": "approve", "_selected_action": [application.pk]},
        follow=True,
    )
    body = response.content.decode()
    assert "could not be sent to: " + circle_member.email in body
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert circle_member.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()


def test_the_strategic_circle_page_sends_readers_back_to_their_briefing(client, db):
    body = client.get(
        reverse("members:tier", args=["strategic-circle"]) + "?next=/briefings/demo/"
    ).content.decode()
    assert 'href="/accounts/signup/?next=%2Fbriefings%2Fdemo%2F"' in body
    assert 'href="/accounts/login/?next=%2Fbriefings%2Fdemo%2F"' in body


def test_a_member_near_the_end_applies_to_renew_and_the_renewal_follows_on(
    client, circle_member, manager
):
    now = timezone.now()
    current = MembershipFactory(
        user=circle_member,
        tier=Audience.LEADERSHIP_ALLIANCE,
        source="application",
        starts_at=now - timedelta(days=340),
        ends_at=now + timedelta(days=20),
    )
    client.force_login(circle_member)
    account = client.get(reverse("members:account")).content.decode()
    assert "Apply to renew it" in account
    page = client.get(TIER_URL).content.decode()
    assert "Renew your membership" in page and 'name="reason"' in page
    client.post(TIER_URL, FORM)
    application = Application.objects.get()

    renewal, _ = services.application_approve(application=application, reviewer=manager)
    assert renewal.starts_at == current.ends_at
    assert renewal.ends_at == services.months_after(current.ends_at, 12)
    # Covered without a gap: nothing more to renew, and the account page says when it starts.
    page = client.get(TIER_URL).content.decode()
    assert "You are a member" in page
    account = client.get(reverse("members:account")).content.decode()
    assert "Apply to renew it" not in account
    assert "membership starts on" in account


def test_a_member_far_from_the_end_cannot_apply_again(circle_member):
    MembershipFactory(
        user=circle_member,
        tier=Audience.LEADERSHIP_ALLIANCE,
        ends_at=timezone.now() + timedelta(days=200),
    )
    with pytest.raises(services.MembershipError, match="already a member"):
        services.application_submit(user=circle_member, **FORM)


def test_a_reader_whose_membership_starts_tomorrow_is_told_so_not_asked_to_apply(
    client, circle_member
):
    starts = timezone.now() + timedelta(days=1)
    MembershipFactory(
        user=circle_member,
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=starts,
        ends_at=starts + timedelta(days=365),
    )
    client.force_login(circle_member)
    body = client.get(TIER_URL).content.decode()
    assert f"starts on {starts.strftime('%-d %B %Y')}" in body
    assert 'name="reason"' not in body
    with pytest.raises(services.MembershipError, match="starts later"):
        services.application_submit(user=circle_member, **FORM)


@pytest.mark.django_db(transaction=True)
def test_ten_applications_sent_at_once_make_one_and_nine_clear_answers():
    """Ten connections at once: the database's constraint decides; nobody sees a 500."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a database that serves several connections at once")
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    start = threading.Barrier(10)
    answers = []

    def apply():
        try:
            start.wait()
            services.application_submit(user=user, **FORM)
            answers.append("created")
        except services.MembershipError as exc:
            answers.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == sorted(
        ["created"] + ["You already have an application waiting for review."] * 9
    )
    assert Application.objects.filter(user=user).count() == 1


def test_an_application_is_acknowledged_and_the_managers_are_told(circle_member, manager):
    from django.contrib.auth.models import Group

    StaffFactory(group=None)  # staff, but not a membership manager: not told
    retired = StaffFactory(is_active=False)
    retired.groups.add(Group.objects.get(name="Membership managers"))
    application = services.application_submit(user=circle_member, **FORM)

    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == sorted([circle_member.email, manager.email])
    acknowledgement = by_address[circle_member.email]
    assert "We received your Leadership Alliance application" in acknowledgement.subject
    assert "/account/" in acknowledgement.body
    notice = by_address[manager.email]
    assert "Ada Example" in notice.subject
    assert FORM["reason"] in notice.body and circle_member.email in notice.body
    review = reverse("admin:members_application_change", args=[application.pk])
    assert review in notice.body and review in notice.alternatives[0].content


def test_the_emails_are_tasks(circle_member, manager, monkeypatch):
    from django.tasks.base import Task
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = DatabaseBackend("default", {})
    monkeypatch.setattr(Task, "get_backend", lambda task: backend)
    application = services.application_submit(user=circle_member, **FORM)
    services.application_approve(application=application, reviewer=manager)
    assert mail.outbox == []  # nothing sent while the request waited
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [task.args_kwargs["kwargs"]["to"] for task in queued] == [
        [circle_member.email],
        [manager.email],
        [circle_member.email],
    ]
