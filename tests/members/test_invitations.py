"""Single-use, expiring invitation links that grant a tier on sign-up or sign-in."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import services
from members.access import Audience
from members.models import Invitation, Membership
from tests.factories import PASSWORD, MembershipFactory, StaffFactory, UserFactory
from tests.members.test_joining import code_from


@pytest.fixture
def manager(db):
    from django.contrib.auth.models import Group

    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Membership managers"))
    return user


def invite(manager, email="invitee@example.org", **kwargs):
    invitation, url, sent = services.invitation_create(
        email=email, tier=Audience.LEADERSHIP_ALLIANCE, created_by=manager, **kwargs
    )
    assert sent
    return invitation, url.removeprefix("http://127.0.0.1:8000").removeprefix(
        "https://127.0.0.1:8000"
    )


def path_of(url):
    from urllib.parse import urlsplit

    return urlsplit(url).path


def test_the_invitation_email_carries_a_link_whose_secret_is_not_stored(manager):
    invitation, url = invite(manager)
    [message] = mail.outbox
    assert message.to == ["invitee@example.org"]
    assert "Leadership Alliance" in message.subject
    token = path_of(url).rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert token in message.body
    assert token not in invitation.token_hash
    assert services.invitation_find(token) == invitation
    assert services.invitation_find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_signing_up_through_an_invitation_grants_the_tier(client, manager):
    invitation, url = invite(manager, membership_ends_at=timezone.now() + timedelta(days=180))
    page = client.get(path_of(url))
    assert page.status_code == 200
    assert "You are invited to the Leadership Alliance" in page.content.decode()

    response = client.post(
        reverse("account_signup"), {"email": "invitee@example.org", "next": path_of(url)}
    )
    code = code_from(mail.outbox[-1])
    response = client.post(response["Location"], {"code": code})
    assert response["Location"] == path_of(url)

    user = invitation.__class__.objects.get().accepted_by
    assert user.email == "invitee@example.org"
    alliance = user.memberships.get(tier=Audience.LEADERSHIP_ALLIANCE)
    assert alliance.source == Membership.Source.INVITATION
    assert alliance.granted_by == manager
    assert alliance.ends_at == invitation.membership_ends_at
    # Joining made them a Strategic Circle member too.
    assert user.memberships.filter(tier=Audience.STRATEGIC_CIRCLE).exists()
    assert "Welcome to the Leadership Alliance" in client.get(response["Location"]).content.decode()


def test_signing_in_through_an_invitation_grants_the_tier(client, manager):
    user = UserFactory(email="invitee@example.org")
    _, url = invite(manager)
    client.get(path_of(url))
    client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": path_of(url)}
    )
    assert user.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE, source="invitation").exists()


def test_a_signed_in_reader_accepts_with_a_button(client, manager):
    user = UserFactory(email="invitee@example.org")
    _, url = invite(manager)
    client.force_login(user)
    page = client.get(path_of(url)).content.decode()
    assert "Accept the invitation" in page
    response = client.post(path_of(url))
    assert response["Location"] == reverse("members:account")
    assert user.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).count() == 1


def test_an_invitation_works_once(client, manager):
    first, second = UserFactory(email="invitee@example.org"), UserFactory()
    _, url = invite(manager)
    client.force_login(first)
    client.post(path_of(url))
    client.force_login(second)
    response = client.post(path_of(url), follow=True)
    assert "already been used" in response.content.decode()
    assert not second.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()
    assert "This invitation has been used" in client.get(path_of(url)).content.decode()


def test_an_expired_invitation_grants_nothing(client, manager):
    invitation, url = invite(manager)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    user = UserFactory()
    client.force_login(user)
    assert client.get(path_of(url)).status_code == 410
    client.post(path_of(url))
    assert not user.memberships.exists()


def test_a_withdrawn_invitation_grants_nothing(client, manager):
    invitation, url = invite(manager)
    services.invitation_revoke(invitation=invitation)
    user = UserFactory()
    client.force_login(user)
    client.post(path_of(url))
    assert not user.memberships.exists()


def test_an_unknown_link_is_not_found(client, db):
    assert client.get(reverse("members:invitation", args=["x" * 43])).status_code == 404


def test_managers_send_invitations_from_admin_and_see_the_link_once(client, manager):
    client.force_login(manager)
    expires = timezone.now() + timedelta(days=7)
    response = client.post(
        reverse("admin:members_invitation_add"),
        {
            "email": "Guest@Example.org",
            "tier": Audience.LEADERSHIP_ALLIANCE.value,
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
            "membership_ends_at_0": "",
            "membership_ends_at_1": "",
            "note": "Met at the conference",
        },
        follow=True,
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.email == "guest@example.org"
    assert invitation.created_by == manager
    [message] = mail.outbox
    assert "/membership/invitations/" in message.body
    assert "shown only now" in response.content.decode()


def test_admin_refuses_an_invitation_that_expired_already(client, manager):
    client.force_login(manager)
    past = timezone.now() - timedelta(days=1)
    response = client.post(
        reverse("admin:members_invitation_add"),
        {
            "email": "guest@example.org",
            "tier": Audience.LEADERSHIP_ALLIANCE.value,
            "expires_at_0": past.strftime("%Y-%m-%d"),
            "expires_at_1": past.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200
    assert "must expire in the future" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_complimentary_grant_from_admin_records_who_granted_it(client, manager):
    member = UserFactory()
    client.force_login(manager)
    end = timezone.now() + timedelta(days=30)
    response = client.post(
        reverse("admin:members_membership_add"),
        {
            "user": member.pk,
            "tier": Audience.LEADERSHIP_ALLIANCE.value,
            "source": Membership.Source.COMPLIMENTARY,
            "starts_at_0": timezone.now().strftime("%Y-%m-%d"),
            "starts_at_1": "00:00:00",
            "ends_at_0": end.strftime("%Y-%m-%d"),
            "ends_at_1": "00:00:00",
            "note": "Speaker",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = member.memberships.get()
    assert membership.granted_by == manager
    assert membership.source == "complimentary"


def test_extend_and_end_actions_keep_the_history(client, manager):
    member = UserFactory()
    membership = MembershipFactory(
        user=member, tier=Audience.LEADERSHIP_ALLIANCE, ends_at=timezone.now() + timedelta(days=10)
    )
    client.force_login(manager)
    url = reverse("admin:members_membership_changelist")
    client.post(url, {"action": "extend_twelve_months", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.ends_at > timezone.now() + timedelta(days=370)
    client.post(url, {"action": "end_now", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.ends_at <= timezone.now()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "Extended" in membership.note and "Ended" in membership.note


def test_a_link_opened_by_another_account_asks_before_it_grants(client, manager):
    _, url = invite(manager)
    other = UserFactory(email="someone.else@example.org")
    client.force_login(other)
    page = client.get(path_of(url)).content.decode()
    assert "This invitation was sent to <strong>invitee@example.org</strong>" in page
    response = client.post(path_of(url), follow=True)
    assert "This invitation was sent to another address." in response.content.decode()
    assert not other.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()

    response = client.post(path_of(url), {"other_address": "accept"})
    assert response["Location"] == reverse("members:account")
    alliance = other.memberships.get(tier=Audience.LEADERSHIP_ALLIANCE)
    assert "Accepted by someone.else@example.org, who confirmed it." in alliance.note


def test_a_link_left_in_a_browser_is_not_granted_to_the_next_person_signing_in(client, manager):
    _, url = invite(manager)
    client.get(path_of(url))  # opened, not used: the token waits in this session
    stranger = UserFactory(email="next.person@example.org")
    client.post(reverse("account_login"), {"login": stranger.email, "password": PASSWORD})
    assert not stranger.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_link_opened_long_ago_in_this_browser_is_forgotten(client, manager, monkeypatch):
    import time

    _, url = invite(manager)
    client.get(path_of(url))
    invitee = UserFactory(email="invitee@example.org")
    later = time.time() + 31 * 60
    monkeypatch.setattr("members.adapter.time.time", lambda: later)
    client.post(reverse("account_login"), {"login": invitee.email, "password": PASSWORD})
    assert not invitee.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()


def title_of(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.content.decode()).group(1))


def test_an_invitation_to_the_leadership_alliance_leads_to_a_page_about_it(client, manager):
    _invitation, url = invite(manager)
    page = client.get(path_of(url))
    assert title_of(page) == f"Your invitation to the Leadership Alliance · {settings.SITE_NAME}"
    signup = client.get(f"{reverse('account_signup')}?next={path_of(url)}")
    body = signup.content.decode()
    assert title_of(signup) == (
        f"Accept your invitation to the Leadership Alliance · {settings.SITE_NAME}"
    )
    assert "Strategic Circle" not in body.split("<main", 1)[1].split("</main>")[0]
    assert "invitee@example.org" in body
    assert "Leadership Alliance · by invitation" in body
    # Without the invitation (another browser), sign-up is joining the free tier.
    other = Client()
    assert title_of(other.get(reverse("account_signup"))).startswith("Join Strategic Circle")


def test_a_used_or_withdrawn_invitation_leaves_sign_up_as_it_is(client, manager):
    invitation, url = invite(manager)
    client.get(path_of(url))
    services.invitation_revoke(invitation=invitation)
    assert title_of(client.get(reverse("account_signup"))).startswith("Join Strategic Circle")
