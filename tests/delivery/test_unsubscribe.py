"""An e-mail's unsubscribe link works without signing in, once, and only as signed."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from delivery import sending
from delivery.models import Delivery, Follow, SavedSearch, Suppression
from delivery.tokens import SCOPE_ALL, SCOPE_PREFERENCES, TOKEN_SALT, link_token
from tests.delivery.conftest import bodies, recipient
from tests.factories import gated_briefing

pytestmark = pytest.mark.django_db


def url(user, scope=SCOPE_ALL) -> str:
    return reverse("delivery:unsubscribe", args=[link_token(user, scope)])


def test_looking_at_the_link_changes_nothing(client):
    user = recipient()
    response = client.get(url(user))
    assert response.status_code == 200
    assert b"Unsubscribe?" in response.content
    assert not Suppression.objects.exists()
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_button_unsubscribes_from_everything_without_signing_in(client):
    user = recipient()
    address = url(user)
    response = client.post(address)
    assert response.status_code == 302 and response["Location"] == f"{address}?done=1"
    suppression = Suppression.objects.get()
    assert suppression.address == user.email and suppression.reason == "unsubscribed"
    assert b"You are unsubscribed" in client.get(response["Location"]).content


def test_one_click_from_the_mail_client_works_without_csrf_or_session(smtp, settings):
    settings.SITE_URL = "http://testserver"
    user = recipient()
    briefing = gated_briefing()
    sending.deliveries_queue(
        [
            Delivery(
                user=user,
                key=f"briefing:{briefing.pk}",
                kind="briefing",
                briefing=briefing,
                reason="tier",
            )
        ]
    )
    [(_, message)] = smtp.received
    link = message["List-Unsubscribe"].strip("<>")
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        link.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert Suppression.objects.get().address == user.email

    # The next e-mail is suppressed.
    other = gated_briefing()
    sending.deliveries_queue(
        [Delivery(user=user, key=f"briefing:{other.pk}", kind="briefing", briefing=other)]
    )
    assert len(smtp.received) == 1
    assert Delivery.objects.get(briefing=other).status == "suppressed"


def test_a_second_click_says_so_and_changes_nothing(client):
    user = recipient()
    client.post(url(user))
    first = Suppression.objects.get()
    response = client.post(url(user), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"You were already unsubscribed" in response.content
    assert list(Suppression.objects.all()) == [first]
    assert b"You were already unsubscribed" in client.get(url(user)).content


def test_stopping_one_follow_leaves_the_others_and_the_address(client):
    user = recipient()
    briefing = gated_briefing()
    cloud = Follow.objects.create(user=user, category=briefing.category)
    kept = Follow.objects.create(user=user, region=briefing.region)
    response = client.get(url(user, f"follow:{cloud.pk}"))
    assert f"e-mails about {briefing.category.name}".encode() in response.content
    client.post(url(user, f"follow:{cloud.pk}"))
    assert list(Follow.objects.all()) == [kept]
    assert not Suppression.objects.exists()


def test_stopping_a_saved_search(client):
    user = recipient()
    search = SavedSearch.objects.create(user=user, name="Grid", query_string="q=grid")
    client.post(url(user, f"search:{search.pk}"))
    assert not SavedSearch.objects.exists()


def test_a_follow_of_someone_else_cannot_be_stopped(client):
    user, other = recipient(), recipient()
    follow = Follow.objects.create(user=other, category=gated_briefing().category)
    response = client.post(url(user, f"follow:{follow.pk}"))
    assert response.status_code == 302
    assert Follow.objects.filter(pk=follow.pk).exists()


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: link_token(user, SCOPE_ALL)[:-3] + "xyz",  # forged
        lambda user: "not-a-token",
        lambda user: link_token(user, SCOPE_PREFERENCES),  # a token for another purpose
        lambda user: signing.dumps({"u": user.pk, "s": "all", "a": "0"}, salt=TOKEN_SALT),
    ],
    ids=["forged", "garbage", "other-scope", "old-address"],
)
def test_a_bad_link_gets_a_clear_page_and_changes_nothing(client, make_token):
    user = recipient()
    address = reverse("delivery:unsubscribe", args=[make_token(user)])
    for response in (client.get(address), client.post(address, {"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 400
        assert b"This unsubscribe link does not work" in response.content
    assert not Suppression.objects.exists()


def test_an_expired_link_changes_nothing(client, settings, monkeypatch):
    user = recipient()
    address = url(user)
    monkeypatch.setattr("delivery.tokens.TOKEN_MAX_AGE", timedelta(seconds=-1))
    response = client.post(address)
    assert response.status_code == 400 and b"expired" in response.content
    assert not Suppression.objects.exists()


def test_the_emails_footer_links_work(smtp, client, settings):
    settings.SITE_URL = "http://testserver"
    user = recipient()
    briefing = gated_briefing()
    follow = Follow.objects.create(user=user, topic=briefing.topic)
    sending.deliveries_queue(
        [
            Delivery(
                user=user,
                key=f"briefing:{briefing.pk}",
                kind="briefing",
                briefing=briefing,
                reason="followers",
            )
        ]
    )
    [(_, message)] = smtp.received
    _, text = bodies(message)
    line = next(x for x in text.splitlines() if x.startswith("Stop e-mails about"))
    client.post(line.split(": ", 1)[1].removeprefix("http://testserver"))
    assert not Follow.objects.filter(pk=follow.pk).exists()
    assert not Suppression.objects.exists()
