"""`manage.py demo_accounts`: each reader and an editor for `make run`, with DEBUG only."""

import io

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.access import Audience
from members.management.commands.demo_accounts import (
    ALLIANCE,
    CIRCLE,
    DEMO_PASSWORD,
    EDITOR,
    LAPSED,
    totp_secret,
)
from members.models import User
from tests.factories import members_migration_data

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo_accounts", *args, stdout=out)
    return out.getvalue()


def test_with_debug_off_it_refuses_and_creates_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        run()
    with pytest.raises(CommandError, match="DEBUG=true"):
        run("--code")
    assert not User.objects.exists()


def sign_in(client, email):
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    members_migration_data()
    return run()


def test_each_tier_has_a_demo_member_who_signs_in_with_the_printed_password(demo, client):
    for email in (CIRCLE, ALLIANCE, LAPSED, EDITOR):
        assert email in demo
    assert f"password: {DEMO_PASSWORD}" in demo
    expected = {
        CIRCLE: Audience.STRATEGIC_CIRCLE,
        ALLIANCE: Audience.LEADERSHIP_ALLIANCE,
        LAPSED: Audience.STRATEGIC_CIRCLE,
    }
    for email, audience in expected.items():
        client.logout()
        sign_in(client, email)
        page = client.get(reverse("members:account")).content.decode()
        assert audience.label in page
    lapsed = User.objects.get(email=LAPSED)
    assert lapsed.memberships.filter(tier=Audience.LEADERSHIP_ALLIANCE).get().ends_at is not None
    assert not lapsed.memberships.active().filter(tier=Audience.LEADERSHIP_ALLIANCE).exists()


def test_the_demo_editor_reaches_admin_with_the_printed_authenticator_code(demo, client):
    editor = User.objects.get(email=EDITOR)
    assert editor.is_staff and editor.groups.filter(name="editors").exists()
    secret = totp_secret(editor)
    assert secret in demo and "otpauth://totp/" in demo
    response = sign_in(client, EDITOR)
    # Admin asks for the second factor, as on every machine: the printed code passes.
    code = run("--code").strip()
    assert validate_totp_code(secret, code)
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_running_it_again_keeps_the_accounts_and_their_history(demo):
    before = {user.email: user.memberships.count() for user in User.objects.all()}
    again = run()
    assert {user.email: user.memberships.count() for user in User.objects.all()} == before
    secret_lines = [line for line in again.splitlines() if "otpauth://" in line]
    assert secret_lines and secret_lines[0] in demo
