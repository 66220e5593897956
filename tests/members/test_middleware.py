"""Shared caches never keep a page that depends on the reader."""

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.urls import reverse

from config.caching import PRIVATE, cache_control_for
from tests.factories import UserFactory


def policy(**kwargs):
    defaults = {
        "method": "GET",
        "status": 200,
        "depends_on_reader": False,
        "existing": "",
        "public_max_age": 60,
    }
    return cache_control_for(**{**defaults, **kwargs})


def test_policy_anonymous_pages_are_public_for_a_short_while():
    assert policy() == "public, max-age=60"
    assert policy(status=404) == "public, max-age=60"


def test_policy_reader_dependent_pages_are_private_and_not_stored():
    assert policy(depends_on_reader=True) == PRIVATE
    # Even when the view asked for public caching.
    assert policy(depends_on_reader=True, existing="public, max-age=600") == PRIVATE
    assert policy(depends_on_reader=True, existing="max-age=0, no-store, private") is None


def test_policy_respects_what_a_view_decided_for_everyone():
    assert policy(existing="max-age=0, no-cache, no-store, must-revalidate, private") is None


def test_policy_posts_errors_and_disabled_caching_are_private():
    assert policy(method="POST") == PRIVATE
    assert policy(status=500) == PRIVATE
    assert policy(status=302) == PRIVATE
    assert policy(public_max_age=0) == PRIVATE


@pytest.mark.django_db
def test_an_anonymous_page_may_be_cached_publicly_and_varies_on_cookie(client):
    response = client.get(reverse("members:overview"))
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_a_signed_in_page_is_private_and_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("members:overview"))
    assert response["Cache-Control"] == PRIVATE
    assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_a_briefing_page_for_a_member_is_never_shared(client, gated_briefing):
    anonymous = client.get(gated_briefing.get_absolute_url())
    assert anonymous["Cache-Control"].startswith("public")
    client.force_login(UserFactory())
    member = client.get(gated_briefing.get_absolute_url())
    assert member["Cache-Control"] == PRIVATE
    assert "Cookie" in member["Vary"]


@pytest.mark.django_db
def test_a_page_that_sets_a_cookie_is_private(client):
    # The sign-in form sets the CSRF cookie: a shared copy would hand out one token to all.
    response = client.get(reverse("account_login"))
    assert response.cookies
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


@pytest.mark.django_db
def test_an_anonymous_session_with_something_in_it_is_private(client):
    session = client.session
    session["members_pending_invitation"] = "x"
    session.save()
    response = client.get(reverse("members:overview"))
    assert response["Cache-Control"] == PRIVATE


@pytest.mark.django_db
def test_a_message_shown_to_an_anonymous_reader_is_private(client, db):
    # Messages travel in a cookie; the page showing one clears it.
    request = type("Request", (), {"COOKIES": {}})()
    storage = CookieStorage(request)
    carrier = HttpResponse()
    storage.add(20, "Hello there")
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    response = client.get(reverse("members:overview"))
    assert "Hello there" in response.content.decode()
    assert response["Cache-Control"] == PRIVATE


@pytest.mark.django_db
def test_the_setting_controls_the_public_lifetime(client, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 300
    assert client.get(reverse("members:overview"))["Cache-Control"] == "public, max-age=300"


def test_health_checks_keep_their_never_cache(client, db):
    assert "no-store" in client.get("/healthz")["Cache-Control"]
