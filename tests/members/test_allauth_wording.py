"""
Every allauth page a reader or editor meets speaks the house's words: titled with the
site's name, "Sign in" (never "Sign In"), "E-mail" (never "Email"), sentence case. The
words come from locale/en_GB (our English over allauth's), so the pages, form labels,
messages and e-mails all change together.
"""

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.members.test_joining import code_from

# allauth's defaults the house does not use.
FOREIGN_WORDING = re.compile(
    r"\bSign In\b|\bSign Out\b|\bSign Up\b|\bSign-In\b|Remember Me|\bEmail\b|\bemail\b"
    r"|\bLogin\b|\bLog in\b|\blogged in\b|\bEnter Email\b|\bSignup\b"
)


def visible_text(body: str) -> str:
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def title_of(body: str) -> str:
    match = re.search(r"<title>(.*?)</title>", body, re.S)
    assert match, body
    return html.unescape(" ".join(match.group(1).split()))


def heading_of(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match, response.content.decode()
    return html.unescape(" ".join(match.group(1).split()))


def assert_house_wording(response, *, title: str | None = None):
    assert response.status_code == 200, response
    body = response.content.decode()
    page_title = title_of(body)
    assert page_title.endswith(f" · {settings.SITE_NAME}"), page_title
    assert not page_title.startswith(" ·"), page_title
    if title is not None:
        assert page_title == f"{title} · {settings.SITE_NAME}"
    text = visible_text(body)
    found = FOREIGN_WORDING.findall(text + " " + page_title)
    assert not found, (page_title, found, " ".join(text.split())[:3000])


ANONYMOUS_PAGES = {
    "account_login": "Sign in",
    "account_signup": None,  # "Join Strategic Circle", the signup tier's name
    "account_request_login_code": "Sign in",
    "account_reset_password": "Reset your password",
}
SIGNED_IN_PAGES = {
    "account_email": "E-mail address",
    "account_change_password": "Change password",
    "account_logout": "Sign out",
    "mfa_index": "Two-factor authentication",
    "usersessions_list": "Sessions",
    "account_reauthenticate": None,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_entrance_pages(client, name):
    assert_house_wording(client.get(reverse(name)), title=ANONYMOUS_PAGES[name])


@pytest.mark.django_db
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_manage_pages(client, name):
    # Signed in for real, so pages that ask for a recent sign-in open straight away.
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert_house_wording(client.get(reverse(name)), title=SIGNED_IN_PAGES[name])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["mfa_activate_totp", "mfa_generate_recovery_codes"])
def test_two_factor_set_up_pages(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert_house_wording(client.get(response["Location"]), title="Confirm access")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert_house_wording(client.get(response["Location"]))


@pytest.mark.django_db
def test_password_set_page(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert_house_wording(client.get(reverse("account_set_password")))


@pytest.mark.django_db
def test_the_sign_in_code_page(client):
    user = UserFactory()
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    page = client.get(response["Location"])
    assert_house_wording(page, title="Enter your sign-in code")
    assert heading_of(page) == "Enter your sign-in code"
    wrong = client.post(response["Location"], {"code": "WRONG-CODE"})
    assert_house_wording(wrong, title="Enter your sign-in code")
    assert "Incorrect code" in wrong.content.decode()


@pytest.mark.django_db
def test_the_confirmation_code_page_after_joining(client):
    response = client.post(reverse("account_signup"), {"email": "new@example.org"})
    page = client.get(response["Location"])
    assert_house_wording(page, title="Enter your confirmation code")
    assert heading_of(page) == "Enter your confirmation code"
    assert "new@example.org" in page.content.decode()
    assert_house_wording(client.post(response["Location"], {"code": "WRONG-CODE"}))


@pytest.mark.django_db
def test_the_password_reset_code_pages(client):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    page = client.get(response["Location"])
    assert_house_wording(page, title="Enter your password reset code")
    assert heading_of(page) == "Enter your password reset code"
    response = client.post(response["Location"], {"code": code_from(mail.outbox[-1])})
    assert_house_wording(client.get(response["Location"]))
    response = client.post(
        response["Location"],
        {"password1": "a new long pass phrase", "password2": "a new long pass phrase"},
    )
    assert_house_wording(client.get(response["Location"]))


@pytest.mark.django_db
def test_the_two_factor_page_when_staff_sign_in(client):
    staff = StaffFactory()
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert_house_wording(client.get(response["Location"]))


@pytest.mark.django_db
def test_the_signed_out_and_signed_in_messages(client):
    user = UserFactory()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert "Signed in." in response.content.decode()
    response = client.post(reverse("account_logout"), follow=True)
    assert "You have signed out." in response.content.decode()


@pytest.mark.django_db
def test_form_labels_say_e_mail(client):
    body = client.get(reverse("account_login")).content.decode()
    assert re.search(r"<label[^>]*>E-mail address</label>", body), body
    assert re.search(r"<label[^>]*>Remember me</label>", body), body
    body = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<label[^>]*>E-mail address</label>", body), body


@pytest.mark.django_db
def test_allauth_e_mails_say_e_mail(client):
    user = UserFactory()
    client.post(reverse("account_request_login_code"), {"email": user.email})
    [message] = mail.outbox
    assert "Sign-In" not in message.subject and "Sign-in" not in message.subject
    assert not FOREIGN_WORDING.search(message.subject + message.body), message.body


def test_the_compiled_catalogue_is_the_one_in_the_po_file(tmp_path):
    """`make messages` was run after the last edit of the house's English."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    folder = Path(settings.BASE_DIR) / "locale" / "en_GB" / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "-o", compiled, folder / "django.po"], check=True)  # noqa: S603
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes()
