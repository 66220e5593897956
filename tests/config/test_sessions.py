"""Sessions: a new one at sign-in, an absolute lifetime, and an end when the password changes."""

import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone

from config.sessions import SIGNED_IN_AT, SessionStore
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# A page only a signed-in reader gets: anyone else is sent to sign in.
SIGNED_IN_ONLY = "/accounts/email/"


def is_signed_in(client) -> bool:
    response = client.get(SIGNED_IN_ONLY)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sign_in(client, user, *, remember=False):
    data = {"login": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert is_signed_in(client)


def test_signing_in_starts_a_new_session_under_a_new_key(client):
    user = UserFactory()
    session = client.session
    session["before_sign_in"] = "kept"
    session.save()
    anonymous_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous_key

    sign_in(client, user)

    signed_in_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != anonymous_key
    assert not SessionStore().exists(anonymous_key)
    assert not Session.objects.filter(session_key=anonymous_key).exists()


def test_a_session_records_when_its_user_signed_in(client):
    sign_in(client, UserFactory())
    store = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert abs(store[SIGNED_IN_AT] - time.time()) < 60


def test_reading_pages_does_not_save_the_session_or_resend_its_cookie(client):
    sign_in(client, UserFactory())
    response = client.get(SIGNED_IN_ONLY)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def backdate_sign_in(client, seconds_ago):
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    store[SIGNED_IN_AT] = int(time.time()) - seconds_ago
    store.save()
    return key


def test_a_session_ends_its_lifetime_after_sign_in_however_active(client):
    sign_in(client, UserFactory())
    backdate_sign_in(client, settings.SESSION_COOKIE_AGE + 5)
    assert not is_signed_in(client)


def test_a_session_still_within_its_lifetime_goes_on(client):
    sign_in(client, UserFactory())
    backdate_sign_in(client, settings.SESSION_COOKIE_AGE - 600)
    assert is_signed_in(client)


def test_changing_a_session_does_not_extend_it(client):
    sign_in(client, UserFactory())
    key = backdate_sign_in(client, settings.SESSION_COOKIE_AGE - 100)

    store = SessionStore(key)
    store["something"] = "changed"
    store.save()

    deadline = timezone.now() + timedelta(seconds=100)
    assert store.get_expiry_age() <= 100
    assert Session.objects.get(session_key=key).expire_date <= deadline
    # Without the cap a save would have pushed the end a whole lifetime away.
    assert SessionStore().get_expiry_age() == settings.SESSION_COOKIE_AGE


def remember_something(request):
    request.session["remembered"] = request.GET.get("value", "")
    return HttpResponse("noted")


urlpatterns = [path("remember/", remember_something), path("", include("config.urls"))]


def test_the_cookie_of_a_changed_session_keeps_the_original_end(client, settings):
    settings.ROOT_URLCONF = __name__
    # "Remember me": a cookie with an end date (without it, one that ends with the browser).
    sign_in(client, UserFactory(), remember=True)
    backdate_sign_in(client, settings.SESSION_COOKIE_AGE - 100)

    response = client.get("/remember/?value=x")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= 100
    assert is_signed_in(client)


def test_changing_the_password_signs_out_every_other_session(client):
    from django.test import Client

    user = UserFactory()
    other_device = Client()
    sign_in(client, user)
    sign_in(other_device, user)

    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-and-longer-password-77",
            "password2": "a-new-and-longer-password-77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert not is_signed_in(other_device)
    # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE: the session that changed it signs in afresh too.
    assert not is_signed_in(client)
    user.refresh_from_db()
    assert user.check_password("a-new-and-longer-password-77")


def test_a_password_reset_elsewhere_signs_out_existing_sessions(client):
    user = UserFactory()
    sign_in(client, user)
    user.set_password("reset-by-the-owner-elsewhere-31")
    user.save()
    assert not is_signed_in(client)


def test_signing_out_deletes_the_session(client):
    sign_in(client, UserFactory())
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not SessionStore().exists(key)


class CacheAway:
    """The session cache as it is during a Redis outage: every call is refused."""

    def __init__(self):
        self.error = redis.ConnectionError("Connection refused")

    def get(self, *args, **kwargs):
        raise self.error

    set = add = delete = has_key = __contains__ = get


def test_a_session_is_read_from_the_database_while_the_cache_is_away(client):
    user = UserFactory()
    sign_in(client, user)
    key = client.session.session_key
    store = SessionStore(key)
    store._cache._cache = CacheAway()
    assert store.load()["_auth_user_id"] == str(user.pk)
    assert store.exists(key)


def test_a_session_cannot_be_deleted_while_the_cache_is_away(client):
    """A copy left in the cache would bring a signed-out session back when Redis returns."""
    user = UserFactory()
    sign_in(client, user)
    key = client.session.session_key
    store = SessionStore(key)
    store._cache._cache = CacheAway()
    with pytest.raises(redis.ConnectionError):
        store.delete()
    # Nothing was ended half-way: the row is still there with its copy, still signed in.
    assert Session.objects.filter(session_key=key).exists()
    assert is_signed_in(client)
