"""Joining by a verified e-mail domain: exact matching, seats while they remain."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from members.access import Audience
from members.selectors import reader_status
from organisations import domains, invitations, services
from organisations.models import Seat, SeatInvitation, VerifiedDomain
from tests.factories import LicenceFactory, UserFactory
from tests.members.test_joining import code_from, signup


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ada@example.com", True),
        ("Ada@EXAMPLE.com", True),
        ("ada@example.com.", True),
        ("ada@evil-example.com", False),
        ("ada@example.com.evil.net", False),
        ("ada@mail.example.com", False),
        ("ada@xexample.com", False),
        ("example.com", False),
        ("@example.com", False),
        ("ada@example.co", False),
        ("ada@example.com@evil.net", False),
    ],
)
def test_a_domain_matches_exactly(email, expected):
    assert domains.matches(email, "example.com") is expected


@given(st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
def test_no_prefix_or_suffix_makes_an_address_match(extra):
    assert not domains.matches(f"a@{extra}example.com", "example.com") or extra == ""
    assert not domains.matches(f"a@example.com.{extra}", "example.com")
    assert not domains.matches(f"a@{extra}.example.com", "example.com")


def test_only_plain_domains_can_be_verified():
    assert domains.is_valid_domain("Example.COM")
    for bad in ("example", "@example.com", "a b.com", "-x.com", "x..com", "ex ample.com"):
        assert not domains.is_valid_domain(bad), bad


def confirm(client, email):
    """Sign up with `email` and verify it by code, as a reader does."""
    signup(client, email)
    code = code_from(mail.outbox[-1])
    response = client.post(reverse("account_email_verification_sent"), {"code": code}, follow=True)
    assert response.status_code == 200
    return response


@pytest.fixture
def licence():
    licence = LicenceFactory(name="Client Grid Ltd", seat_count=2)
    VerifiedDomain.objects.create(licence=licence, domain="client.example")
    return licence


@pytest.mark.django_db
def test_a_reader_confirming_an_address_at_the_domain_is_offered_a_seat(client, licence):
    response = confirm(client, "new.person@client.example")
    assert "e-mailed you an invitation" in response.content.decode()
    offer = SeatInvitation.objects.get(email="new.person@client.example")
    assert offer.by_domain and offer.licence == licence
    assert "verified with us" in mail.outbox[-1].body
    # Not a seat until they accept it.
    assert not Seat.objects.exists()


@pytest.mark.django_db
def test_a_licence_that_says_so_gives_the_seat_on_confirming(client, licence):
    licence.joins_by_domain_automatically = True
    licence.save()
    response = confirm(client, "new.person@CLIENT.example")
    assert "gives you a seat" in response.content.decode()
    seat = Seat.objects.get()
    assert seat.via == Seat.Via.DOMAIN and seat.licence == licence
    assert reader_status(seat.user).audience == Audience.LEADERSHIP_ALLIANCE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email",
    ["a@evil-client.example", "a@client.example.evil.net", "a@sub.client.example"],
)
def test_lookalike_domains_get_nothing(client, licence, email):
    licence.joins_by_domain_automatically = True
    licence.save()
    confirm(client, email)
    assert not Seat.objects.exists() and not SeatInvitation.objects.exists()


@pytest.mark.django_db
def test_an_unconfirmed_address_gets_nothing(licence):
    licence.joins_by_domain_automatically = True
    licence.save()
    user = UserFactory(email="someone@client.example", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False)
    assert invitations.domain_join(user=user, email_address=address) is None
    assert not Seat.objects.exists()


@pytest.mark.django_db
def test_no_seat_is_given_or_offered_once_the_seats_are_gone(licence):
    licence.joins_by_domain_automatically = True
    licence.save()
    services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    # The last seat is held for an invitation, so a domain join does not take it.
    invitations.invitation_create(licence=licence, email="invited@client.example", by=None)
    user = UserFactory(email="late@client.example")
    address = EmailAddress.objects.get(user=user)
    assert invitations.domain_join(user=user, email_address=address) is None
    licence.joins_by_domain_automatically = False
    licence.save()
    assert invitations.domain_join(user=user, email_address=address) is None
    assert not Seat.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_an_ended_licence_and_a_seat_elsewhere_get_nothing(licence):
    licence.joins_by_domain_automatically = True
    licence.save()
    holder = UserFactory(email="holder@client.example")
    services.seat_take(licence=LicenceFactory(), user=holder, via=Seat.Via.INVITATION)
    address = EmailAddress.objects.get(user=holder)
    assert invitations.domain_join(user=holder, email_address=address) is None
    licence.starts_at = timezone.now() - timedelta(days=30)
    licence.ends_at = timezone.now() - timedelta(seconds=1)
    licence.save()
    reader = UserFactory(email="reader@client.example")
    assert (
        invitations.domain_join(user=reader, email_address=EmailAddress.objects.get(user=reader))
        is None
    )
