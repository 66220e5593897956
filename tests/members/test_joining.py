"""Joining and signing in bring the reader back to the briefing, unlocked."""

import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from members.access import Audience
from members.models import Membership
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.members.conftest import CIRCLE_TEXT

CIRCLE_MARKER = CIRCLE_TEXT.split()[0]


def code_from(message) -> str:
    """The verification or sign-in code in one of allauth's e-mails."""
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def signup(client, email, *, next_url="", password=""):
    data = {"email": email, "password1": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_signup"), data)


@pytest.mark.django_db
def test_join_strategic_circle_verify_by_code_and_land_back_on_the_briefing_unlocked(
    client, gated_briefing
):
    briefing_url = gated_briefing.get_absolute_url()
    assert CIRCLE_MARKER not in client.get(briefing_url).content.decode()

    response = signup(client, "new.reader@example.org", next_url=briefing_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_email_verification_sent"))
    # Not a member until the address is verified.
    assert not Membership.objects.filter(user__email="new.reader@example.org").exists()

    assert len(mail.outbox) == 1
    assert "Meridian Briefings" in mail.outbox[0].body  # signed with the site's name
    assert "testserver" not in mail.outbox[0].body
    code = code_from(mail.outbox[0])
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == briefing_url

    membership = Membership.objects.get(user__email="new.reader@example.org")
    assert membership.tier == Audience.STRATEGIC_CIRCLE
    assert membership.source == Membership.Source.SIGNUP
    assert membership.ends_at is None
    assert CIRCLE_MARKER in client.get(briefing_url).content.decode()


@pytest.mark.django_db
def test_a_wrong_code_keeps_the_reader_out(client, gated_briefing):
    signup(client, "new.reader@example.org", next_url=gated_briefing.get_absolute_url())
    response = client.post(reverse("account_email_verification_sent"), {"code": "WRONG1"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_sign_up_with_a_password_works_too(client, gated_briefing):
    signup(
        client,
        "pw.reader@example.org",
        password=PASSWORD,
        next_url=gated_briefing.get_absolute_url(),
    )
    code = code_from(mail.outbox[0])
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response["Location"] == gated_briefing.get_absolute_url()
    client.logout()
    response = client.post(
        reverse("account_login"),
        {
            "login": "pw.reader@example.org",
            "password": PASSWORD,
            "next": gated_briefing.get_absolute_url(),
        },
    )
    assert response["Location"] == gated_briefing.get_absolute_url()


@pytest.mark.django_db
def test_sign_in_with_password_returns_to_the_briefing_unlocked(client, gated_briefing):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    briefing_url = gated_briefing.get_absolute_url()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": briefing_url}
    )
    assert response.status_code == 302
    assert response["Location"] == briefing_url
    assert CIRCLE_MARKER in client.get(briefing_url).content.decode()


@pytest.mark.django_db
def test_sign_in_by_code_returns_to_the_briefing_unlocked(client, gated_briefing):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    briefing_url = gated_briefing.get_absolute_url()
    response = client.post(
        f"{reverse('account_request_login_code')}?next={briefing_url}", {"email": user.email}
    )
    assert response.status_code == 302
    code = code_from(mail.outbox[-1])
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    assert response["Location"] == briefing_url
    assert CIRCLE_MARKER in client.get(briefing_url).content.decode()


@pytest.mark.django_db
def test_a_foreign_next_is_ignored(client):
    user = UserFactory()
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_account_made_by_an_operator_becomes_a_member_on_first_code_sign_in(client):
    """grant_membership creates unverified users; signing in by code verifies them."""
    user = UserFactory(verified=False)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert user.memberships.filter(tier=Audience.STRATEGIC_CIRCLE, source="signup").exists()


@pytest.mark.django_db
def test_a_membership_a_manager_ended_is_not_restored_by_signing_in_again(client):
    user = UserFactory()
    from members import services

    membership = services.membership_grant_on_signup(user=user)
    services.membership_end(membership=membership)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert user.memberships.count() == 1
    assert not user.memberships.active().exists()


@pytest.mark.django_db
def test_the_header_sign_in_link_comes_back_to_the_page(client, gated_briefing):
    body = client.get(gated_briefing.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next={gated_briefing.get_absolute_url()}"' in body
    # On the sign-in pages themselves it does not point back at them.
    assert (
        'href="/accounts/login/?next='
        not in client.get(reverse("account_signup")).content.decode().split("</header>")[0]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("tier", ["strategic-circle", "leadership-alliance"])
def test_a_member_made_by_grant_membership_signs_in_with_one_code(client, gated_briefing, tier):
    """
    `grant_membership` makes the account; the first sign-in by code both proves the address
    and signs the member in: no second code, and back on the briefing, unlocked.
    """
    from django.core.management import call_command

    call_command("grant_membership", "granted@example.org", tier, stdout=io.StringIO())
    briefing_url = gated_briefing.get_absolute_url()
    response = client.post(
        f"{reverse('account_request_login_code')}?next={briefing_url}",
        {"email": "granted@example.org"},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    response = client.post(response["Location"], {"code": code_from(mail.outbox[0])})
    assert response.status_code == 302
    assert response["Location"] == briefing_url
    assert len(mail.outbox) == 1, "asked for a second code"
    assert CIRCLE_MARKER in client.get(briefing_url).content.decode()
    assert client.get(reverse("members:account")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["code", "password"])
def test_signing_in_does_not_add_a_signup_row_beside_a_granted_membership(client, how):
    from django.core.management import call_command

    call_command(
        "grant_membership", "granted@example.org", "strategic-circle", stdout=io.StringIO()
    )
    user = Membership.objects.get().user
    if how == "password":
        user.set_password(PASSWORD)
        user.save()
        user.emailaddress_set.update(verified=True)
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    else:
        response = client.post(reverse("account_request_login_code"), {"email": user.email})
        client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert "_auth_user_id" in client.session
    # Signing in again, with the address now verified, adds nothing either.
    client.logout()
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert list(user.memberships.values_list("tier", "source")) == [
        (Audience.STRATEGIC_CIRCLE, Membership.Source.COMPLIMENTARY)
    ]
    body = client.get(reverse("members:account")).content.decode()
    assert "Sign-up" not in body


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_earlier_granted_accounts_their_address_row():
    from allauth.account.models import EmailAddress
    from django.core.management import call_command

    # Back to just before it (later migrations of every app are undone too), then forward
    # again with every app, so the schema is whole for the tests that follow.
    call_command("migrate", "members", "0006_alter_membership_source", verbosity=0)
    user = UserFactory(verified=False, email="Earlier@Example.org")
    call_command("migrate", verbosity=0)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (
        "earlier@example.org",
        True,
        False,
    )
