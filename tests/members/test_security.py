"""Rate limits, no account enumeration, admin sign-in through allauth, MFA for staff."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory, totp_code

KNOWN = "known@example.org"
UNKNOWN = "nobody@example.org"


def normalise(response) -> str:
    """A page without what differs on every request anyway (CSRF tokens)."""
    body = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# Rate limits -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_failed_sign_ins_are_limited_per_address_even_with_the_right_password(client):
    user = UserFactory(email=KNOWN)
    for _ in range(5):
        response = login(client, user.email, "wrong-password")
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
    response = login(client, user.email, PASSWORD)
    assert not response.wsgi_request.user.is_authenticated
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_the_limits_live_in_the_shared_cache(client):
    user = UserFactory(email=KNOWN)
    for _ in range(5):
        login(client, user.email, "wrong-password")
    # Counters are in Django's cache (Redis in production, shared by every process):
    # emptying it is what lifts the limit.
    cache.clear()
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_sign_ups_are_limited_per_ip(client):
    for n in range(20):
        response = client.post(reverse("account_signup"), {"email": f"r{n}@example.org"})
        assert response.status_code == 302
    response = client.post(reverse("account_signup"), {"email": "one-more@example.org"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_sign_in_codes_are_limited_per_address(client):
    UserFactory(email=KNOWN)
    for _ in range(3):
        Client().post(reverse("account_request_login_code"), {"email": KNOWN})
    assert len(mail.outbox) == 3
    response = Client().post(reverse("account_request_login_code"), {"email": KNOWN})
    assert len(mail.outbox) == 3
    assert response.status_code in {200, 302, 429}


@pytest.mark.django_db
def test_password_resets_are_limited_per_address(client):
    UserFactory(email=KNOWN)
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": KNOWN})
    sent = len(mail.outbox)
    response = client.post(reverse("account_reset_password"), {"email": KNOWN})
    assert response.status_code == 429
    assert len(mail.outbox) == sent


# No enumeration --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "field"),
    [("account_reset_password", "email"), ("account_request_login_code", "email")],
)
def test_known_and_unknown_addresses_get_the_same_answer(url_name, field):
    UserFactory(email=KNOWN)
    answers = {}
    for email in (KNOWN, UNKNOWN):
        client = Client()
        response = client.post(reverse(url_name), {field: email})
        assert response.status_code == 302
        page = client.get(response["Location"])
        answers[email] = (
            response["Location"],
            page.status_code,
            normalise(page).replace(email, "X"),
        )
    assert answers[KNOWN] == answers[UNKNOWN]


@pytest.mark.django_db
def test_signing_up_with_a_taken_address_looks_like_a_new_sign_up(client):
    UserFactory(email=KNOWN)
    taken = client.post(reverse("account_signup"), {"email": KNOWN})
    client.cookies.clear()
    fresh = client.post(reverse("account_signup"), {"email": UNKNOWN})
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    # The owner of the taken address is told by e-mail instead, not the visitor.
    assert mail.outbox[0].to == [KNOWN]
    assert "code" not in mail.outbox[0].subject.lower()


@pytest.mark.django_db
def test_a_wrong_password_reads_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email=KNOWN)
    known = login(client, KNOWN, "wrong-password")
    unknown = login(client, UNKNOWN, "wrong-password")
    assert known.status_code == unknown.status_code == 200
    assert normalise(known).replace(KNOWN, "X") == normalise(unknown).replace(UNKNOWN, "X")


# Admin sign-in and staff MFA -------------------------------------------------------------


def test_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/members/membership/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fmembers%2Fmembership%2F"
    # Posting credentials to the admin form does nothing: there is no form there.
    user = StaffFactory(email=KNOWN)
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_admin_sends_anonymous_visitors_to_the_allauth_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


def test_a_signed_in_reader_without_staff_rights_is_refused_admin(client, db):
    client.force_login(UserFactory())
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_staff_without_mfa_are_sent_to_set_it_up(client, db):
    staff = StaffFactory(mfa=False)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    assert client.get(response["Location"]).status_code == 200


def test_staff_with_mfa_use_admin(client, db):
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def test_staff_with_mfa_are_asked_for_their_code_at_sign_in(client, db):
    staff = StaffFactory(email=KNOWN)
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert not response.wsgi_request.user.is_authenticated


def test_staff_sign_in_with_password_and_code_and_land_in_admin(client, db):
    staff = StaffFactory(email=KNOWN)
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    response = client.post(response["Location"], {"code": totp_code(staff.totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_readers_are_not_forced_into_mfa(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("members:account")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
