"""Every allauth page renders inside the site's layout and works without JavaScript."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_request_login_code",
]
SIGNED_IN_PAGES = [
    "account_email",
    "account_change_password",
    "account_logout",
    "mfa_index",
    "usersessions_list",
    "account_reauthenticate",
]


def assert_site_layout(response):
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in body and 'class="site-footer"' in body
    assert "css/site.css" in body
    # CSP: no inline script or style without a nonce, no style attributes.
    assert "style=" not in body
    for tag in body.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening or "nonce=" in opening


@pytest.mark.django_db
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_entrance_pages_use_the_site_layout(client, name):
    assert_site_layout(client.get(reverse(name)))


@pytest.mark.django_db
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_manage_pages_use_the_site_layout(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert_site_layout(response)
    assert reverse("members:account") in response.content.decode()


@pytest.mark.django_db
def test_signup_speaks_of_joining_strategic_circle_and_keeps_next(client):
    body = client.get(reverse("account_signup") + "?next=/briefings/demo/").content.decode()
    assert "Join Strategic Circle" in body
    assert 'name="next" value="/briefings/demo/"' in body
    assert "Password (optional)" in body
