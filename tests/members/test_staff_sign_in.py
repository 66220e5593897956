"""Staff signing in for the first time, setting up two-factor, and changing a password."""

import time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory, totp_code
from tests.members.test_joining import code_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """allauth's rate-limit clock, moved on by hand: `clock.now += seconds`."""
    clock = SimpleNamespace(now=time.time())
    fake_time = SimpleNamespace(time=lambda: clock.now, monotonic=time.monotonic)
    monkeypatch.setattr(allauth_ratelimit, "time", fake_time)
    return clock


def sign_in(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def test_signing_in_again_elsewhere_soon_after_a_first_sign_in_sends_a_fresh_code(clock):
    # A staff account made in admin: its address is verified at the first sign-in, by a
    # code e-mailed then and bound to that browser's session.
    staff = StaffFactory(verified=False, group="editors")
    first = sign_in(Client(), staff.email)
    assert first.status_code == 302 and first["Location"] == reverse(
        "account_email_verification_sent"
    )

    clock.now += 15  # the code is slow to come, so they try again in another browser
    browser = Client()
    again = sign_in(browser, staff.email)

    assert "Too many failed login attempts" not in again.content.decode()
    assert again.status_code == 302
    assert len(mail.outbox) == 2
    verified = browser.post(again["Location"], {"code": code_from(mail.outbox[1])})
    assert verified.status_code == 302
    assert verified["Location"] == reverse("mfa_authenticate")


def test_verification_codes_sent_by_signing_in_are_still_limited_per_address(clock):
    staff = StaffFactory(verified=False, group="editors")
    limit = settings.ACCOUNT_RATE_LIMITS["confirm_email"]
    per_hour = int(limit.split("/h/key")[0].rsplit(",", 1)[-1].split("/")[0])
    for _ in range(per_hour):
        assert sign_in(Client(), staff.email).status_code == 302
        clock.now += 30
    refused = sign_in(Client(), staff.email)
    assert refused.status_code == 200
    assert len(mail.outbox) == per_hour
    # An hour on, a code again; but not a second one within seconds, from anywhere.
    clock.now += 3600
    assert sign_in(Client(), staff.email).status_code == 302
    assert sign_in(Client(), staff.email).status_code == 200
    assert len(mail.outbox) == per_hour + 1


# Two-factor set-up ---------------------------------------------------------------------


def links(response) -> dict[str, str]:
    """The page's links, by their text."""
    import re

    return {
        re.sub(r"<[^>]+>|\s+", " ", text).strip(): href
        for href, text in re.findall(
            r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', response.content.decode(), re.S
        )
    }


def reauthenticated(client, user):
    """Signed in, with the password just given again, as allauth asks before MFA pages."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_setting_up_two_factor_ends_with_a_way_on_to_where_staff_were_going(client):
    staff = StaffFactory(mfa=False, group="editors")
    reauthenticated(client, staff)
    going = reverse("admin:briefings_briefing_changelist")
    assert client.get(going)["Location"] == reverse("mfa_index")

    form = client.get(reverse("mfa_activate_totp")).context["form"]
    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(form.secret)})
    assert activated["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(activated["Location"])

    assert codes.status_code == 200
    assert links(codes)["Continue"] == going
    assert client.get(going).status_code == 200


def test_the_recovery_codes_page_continues_to_admin_for_staff_and_the_account_for_readers(
    client,
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    staff = StaffFactory(mfa=False, group="editors")
    RecoveryCodes.activate(staff)
    reauthenticated(client, staff)
    assert links(client.get(reverse("mfa_view_recovery_codes")))["Continue"] == reverse(
        "admin:index"
    )
    reader = UserFactory()
    RecoveryCodes.activate(reader)
    reauthenticated(client, reader)
    assert links(client.get(reverse("mfa_view_recovery_codes")))["Continue"] == reverse(
        "members:account"
    )


# Password ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usable", "label", "page"),
    [
        (True, "Change password", "account_change_password"),
        (False, "Set password", "account_set_password"),
    ],
)
def test_the_admin_header_changes_the_password_on_the_account_pages(client, usable, label, page):
    staff = StaffFactory(group="editors")
    if not usable:
        staff.set_unusable_password()
        staff.save()
    client.force_login(staff)
    header = links(client.get(reverse("admin:index")))
    assert header[label] == reverse(page)
    assert client.get(header[label]).status_code == 200
    # Django's own page, reached some other way, sends them there too.
    response = client.get(reverse("admin:password_change"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(page)
