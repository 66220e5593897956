"""The account page, signing out everywhere, and deleting an account."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.access import Audience
from members.models import Membership, User
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    MembershipFactory,
    UserFactory,
)

ACCOUNT = reverse("members:account")


def sign_in(email) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def confirm_it_is_me(client) -> Client:
    """allauth's reauthentication, which deleting an account asks for."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_the_account_page_needs_a_signed_in_reader(client, db):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_header_links_to_the_account_page(client, db):
    client.force_login(UserFactory())
    assert f'href="{ACCOUNT}"' in client.get(reverse("briefings:home")).content.decode()


def test_the_account_page_shows_tier_since_and_until_and_every_link(client, db):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    ends = timezone.now() + timedelta(days=100)
    starts = timezone.now() - timedelta(days=5)
    MembershipFactory(
        user=user,
        tier=Audience.LEADERSHIP_ALLIANCE,
        source="application",
        starts_at=starts,
        ends_at=ends,
    )
    client.force_login(user)
    body = client.get(ACCOUNT).content.decode()
    assert "Leadership Alliance" in body
    assert starts.strftime("%-d %B %Y") in body
    assert ends.strftime("%-d %B %Y") in body
    for name in ("account_email", "account_change_password", "mfa_index", "usersessions_list"):
        assert reverse(name) in body
    assert reverse("members:sign-out-everywhere") in body
    assert reverse("members:account-delete") in body


def test_a_reader_without_membership_is_told_so(client, db):
    client.force_login(UserFactory())
    body = client.get(ACCOUNT).content.decode()
    assert "no active membership" in body
    assert "apply for the Leadership Alliance" in body


def test_sign_out_of_every_session_ends_them_all(db):
    user = UserFactory()
    laptop, phone = sign_in(user.email), sign_in(user.email)
    assert UserSession.objects.filter(user=user).count() == 2
    assert laptop.get(ACCOUNT).status_code == 200 and phone.get(ACCOUNT).status_code == 200
    response = laptop.post(reverse("members:sign-out-everywhere"))
    assert response.status_code == 302
    assert phone.get(ACCOUNT).status_code == 302
    assert laptop.get(ACCOUNT).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


def test_sign_out_everywhere_needs_a_post(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("members:sign-out-everywhere")).status_code == 405


def test_deleting_needs_the_address_typed_and_changes_nothing_otherwise(db):
    user = UserFactory()
    client = confirm_it_is_me(sign_in(user.email))
    response = client.post(reverse("members:account-delete"), {"email": "someone@else.org"})
    assert response.status_code == 200
    assert "not the e-mail address of this account" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email.startswith("reader")


def test_deleting_an_account_closes_memberships_and_removes_personal_data(db):
    user = UserFactory(first_name="Ada", last_name="Example")
    email = user.email
    circle = MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    future = MembershipFactory(
        user=user,
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=300),
    )
    ApplicationFactory(user=user)
    client, other_device = sign_in(email), sign_in(email)
    # Added after signing in, so the sign-ins above need no second factor.
    TOTP.activate(user, generate_totp_secret())
    User.objects.filter(pk=user.pk).update(is_staff=True)
    assert other_device.get(ACCOUNT).status_code == 200

    confirm_it_is_me(client)
    response = client.post(reverse("members:account-delete"), {"email": email.upper()})
    assert response.status_code == 302
    assert client.get(ACCOUNT).status_code == 302
    assert other_device.get(ACCOUNT).status_code == 302

    user.refresh_from_db()
    assert user.email != email and "deleted" in user.email
    assert (user.first_name, user.last_name) == ("", "")
    assert not user.has_usable_password()
    assert not user.is_active and not user.is_staff
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not user.applications.exists()
    # History kept, nothing active.
    assert Membership.objects.filter(pk__in=[circle.pk, future.pk]).count() == 2
    assert not Membership.objects.filter(user=user).active().exists()
    future.refresh_from_db()
    assert future.ends_at == future.starts_at
    assert not User.objects.filter(email=email).exists()


def test_the_address_of_a_deleted_account_can_join_again(client, db):
    from members import services

    user = UserFactory(email="again@example.org")
    services.account_delete(user=user)
    response = client.post(reverse("account_signup"), {"email": "again@example.org"})
    assert response.status_code == 302
    assert User.objects.filter(email="again@example.org").exists()


@pytest.mark.parametrize("path", [ACCOUNT, reverse("members:account-delete")])
def test_account_pages_are_private(client, db, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # The fifth on main: the teams the member administers (organisations), for the
        # link to each. The session's account row is kept in the cache: one fewer.
        (ACCOUNT, 4),
        (reverse("members:tier", args=["leadership-alliance"]), 3),
        (reverse("members:tier", args=["strategic-circle"]), 3),
    ],
)
def test_member_pages_cost_the_same_queries_whatever_the_history(
    client, db, django_assert_num_queries, path, queries
):
    """
    Memberships, applications (or tier and pending check), MFA status; the session's
    account row is kept in the cache (members.caching), so it costs no query warm.
    """
    user = UserFactory()
    client.force_login(user)
    for _ in range(6):
        MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
        ApplicationFactory(user=user, status="declined")
    client.get(path)  # warm the session cache
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200


def test_the_account_page_warns_before_the_alliance_ends_and_names_upcoming_starts(client, db):
    user = UserFactory()
    now = timezone.now()
    MembershipFactory(
        user=user, tier=Audience.LEADERSHIP_ALLIANCE, ends_at=now + timedelta(days=12)
    )
    # A later membership after a gap does not make the current one carry on.
    MembershipFactory(
        user=user,
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=now + timedelta(days=40),
        ends_at=now + timedelta(days=400),
    )
    client.force_login(user)
    body = client.get(ACCOUNT).content.decode()
    assert "membership ends on" in body and "Apply to renew it" in body
    assert f"starts on {(now + timedelta(days=40)).strftime('%-d %B %Y')}" in body


def test_deleting_needs_a_recent_sign_in(client, db):
    """A session signed in long ago (or handed over) must confirm who it is first."""
    user = UserFactory()
    client.force_login(user)  # no recent authentication recorded in this session
    assert client.get(reverse("members:account-delete")).status_code == 200
    response = client.post(reverse("members:account-delete"), {"email": user.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    user.refresh_from_db()
    assert user.is_active and user.email


def test_no_cookie_carries_the_members_address(db):
    """Messages travel in a cookie anyone with the browser can decode: no addresses in them."""
    from django.contrib.messages.storage.cookie import CookieStorage

    user = UserFactory(email="private.reader@example.org")
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    for morsel in response.cookies.values():
        assert "private.reader" not in morsel.value
    value = response.cookies["messages"].value
    storage = CookieStorage(type("Request", (), {"COOKIES": {}})())
    assert [message.message for message in storage._decode(value)] == ["Signed in."]


def test_signing_up_again_right_after_deleting_is_one_thing_or_the_other(db):
    """Joined, deleted, joined again within the minute: a code arrives, or no account."""
    from django.core import mail

    from tests.members.test_joining import code_from, signup

    client = Client()
    response = signup(client, "returning@example.org")
    client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    user = User.objects.get(email="returning@example.org")
    response = client.post(reverse("members:account-delete"), {"email": user.email})
    assert response.status_code == 302
    assert not User.objects.filter(email="returning@example.org").exists()

    sent = len(mail.outbox)
    response = signup(Client(), "returning@example.org")
    created = User.objects.filter(email="returning@example.org").exists()
    if response.status_code == 429:
        assert not created, "a 429 page, yet the account was made"
    else:
        assert response.status_code == 302
        assert created and len(mail.outbox) == sent + 1


def test_an_account_without_a_password_deletes_only_after_a_fresh_code(db):
    """No password to ask for: the session must have signed in within minutes, by code."""

    import time

    from django.core import mail

    from config.sessions import SIGNED_IN_AT
    from tests.members.test_joining import code_from

    user = UserFactory(email="codeonly@example.org")
    user.set_unusable_password()
    user.save()
    stale = Client()
    stale.force_login(user)
    session = stale.session  # a session signed in an hour ago
    session[SIGNED_IN_AT] = int(time.time()) - 3600
    session.save()
    response = stale.post(reverse("members:account-delete"), {"email": user.email})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))
    user.refresh_from_db()
    assert user.is_active
    assert stale.get(ACCOUNT).status_code == 302  # signed out, to sign in again

    fresh = Client()
    response = fresh.post(reverse("account_request_login_code"), {"email": user.email})
    fresh.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert fresh.get(ACCOUNT).status_code == 200
    response = fresh.post(reverse("members:account-delete"), {"email": user.email})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
