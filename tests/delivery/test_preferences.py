"""
The E-mail and alerts page: for a signed-in member at /account/email/, and from the link
in every e-mail at /email/preferences/<token>/, without signing in.
"""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.caching import PAGE_HEADER
from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from delivery.tokens import SCOPE_ALL, SCOPE_PREFERENCES, TOKEN_MAX_AGE, link_token
from tests.briefings.helpers import visible_text
from tests.factories import CategoryFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/email/"
SETTINGS = {"cadence": "daily", "digest_hour": "7", "digest_weekday": "4", "timezone": "UTC"}


@pytest.fixture
def member():
    return UserFactory(email="Reader@Example.org")


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def token_page(member, scope=SCOPE_PREFERENCES) -> str:
    return reverse("delivery:token-preferences", args=[link_token(member, scope)])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def preference(member) -> DeliveryPreference:
    return DeliveryPreference.objects.get(user=member)


# --- The signed-in page -----------------------------------------------------------------


def test_the_page_needs_signing_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/account/email/")


def test_the_account_page_links_to_it(signed_in):
    html = signed_in.get(reverse("members:account")).content.decode()
    assert f'href="{PAGE}"' in html


def test_the_page_explains_each_cadence_and_the_default(signed_in, member):
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    text = visible_text(response.content.decode())
    for words in [
        "An e-mail for each new briefing I follow",
        "A daily digest",
        "A weekly digest",
        "No alerts or digests",
        "With nothing followed and no saved searches, a digest lists every new briefing.",
        "You follow nothing yet",
        "E-mail is on.",
    ]:
        assert words in text
    # New accounts start on a weekly digest.
    assert re.search(r'value="weekly"[^>]* checked', response.content.decode())


def test_saving_preferences(signed_in, member):
    response = signed_in.post(PAGE, {"action": "save", **SETTINGS, "timezone": "Asia/Tokyo"})
    assert response.status_code == 302 and response["Location"] == PAGE
    saved = preference(member)
    assert (saved.cadence, saved.digest_hour, saved.digest_weekday, saved.timezone) == (
        "daily",
        7,
        4,
        "Asia/Tokyo",
    )
    assert messages_of(response)[0].startswith("Your e-mail preferences are saved.")


def test_an_unknown_time_zone_is_shown_with_the_rest_of_the_form_kept(signed_in, member):
    data = {"action": "save", **SETTINGS, "digest_hour": "21", "timezone": "Mars/Olympus_Mons"}
    response = signed_in.post(PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "“Mars/Olympus_Mons” is not a time zone we know; pick one from the list." in html
    assert "Nothing was saved" in html
    # What else was chosen is still chosen.
    assert re.search(r'value="daily"[^>]* checked', html)
    assert '<option value="21" selected>21:00</option>' in html
    assert '<option value="4" selected>Friday</option>' in html
    assert preference(member).cadence == "weekly"


@pytest.mark.parametrize(
    "change", [{"digest_hour": "24"}, {"digest_weekday": "7"}, {"cadence": "hourly"}]
)
def test_other_bad_values_change_nothing(signed_in, member, change):
    response = signed_in.post(PAGE, {"action": "save", **SETTINGS, **change})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert preference(member).cadence == "weekly"


def test_an_older_time_zone_spelling_is_kept(signed_in, member):
    DeliveryPreference.objects.filter(user=member).update(timezone="US/Eastern")
    html = signed_in.get(PAGE).content.decode()
    assert '<option value="US/Eastern" selected>US/Eastern</option>' in html
    signed_in.post(PAGE, {"action": "save", **SETTINGS, "timezone": "US/Eastern"})
    assert preference(member).timezone == "US/Eastern"


def test_an_unknown_action_changes_nothing(signed_in, member):
    response = signed_in.post(PAGE, {"action": "delete-everything"})
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing was changed: that button is not one we know."]


# --- The global switch: a suppression row ------------------------------------------------


def test_turning_email_off_and_on_creates_and_deletes_the_suppression(signed_in, member):
    response = signed_in.post(PAGE, {"action": "email-off"})
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason) == ("reader@example.org", "unsubscribed")
    assert messages_of(response)[0].startswith("E-mail is off")
    text = visible_text(signed_in.get(PAGE).content.decode())
    assert "E-mail is off. You turned e-mail off on" in text
    signed_in.post(PAGE, {"action": "email-off"})
    assert Suppression.objects.count() == 1
    response = signed_in.post(PAGE, {"action": "email-on"})
    assert not Suppression.objects.exists()
    assert messages_of(response)[-1] == "E-mail is on again."


def test_turning_email_on_after_a_bounce_says_why_it_was_off(signed_in, member):
    Suppression.objects.create(
        address="READER@example.org",
        reason=Suppression.Reason.BOUNCED,
        created_at=timezone.make_aware(dt.datetime(2026, 12, 1, 9)),
    )
    text = visible_text(signed_in.get(PAGE).content.decode())
    assert "E-mail is off. Your address bounced on 1 Dec 2026, so we stopped sending" in text
    assert "we will try your address again" in text
    response = signed_in.post(PAGE, {"action": "email-on"})
    assert not Suppression.objects.exists()
    assert messages_of(response) == [
        "E-mail is on again. Your address bounced on 1 Dec 2026, so we stopped sending to "
        "it. We will try it again."
    ]


def test_turning_email_on_leaves_other_addresses_suppressed(signed_in, member):
    Suppression.objects.create(address="someone.else@example.org", reason="complained")
    signed_in.post(PAGE, {"action": "email-on"})
    assert Suppression.objects.filter(address="someone.else@example.org").exists()


# --- Follows and saved searches on the page --------------------------------------------


def test_follows_and_saved_searches_are_listed_and_removed(signed_in, member):
    category = CategoryFactory(name="Cloud infrastructure")
    Follow.objects.create(user=member, category=category)
    Follow.objects.create(user=member, region=RegionFactory(name="Nordics"))
    saved = SavedSearch.objects.create(user=member, name="“cranes”", query_string="q=cranes")
    html = signed_in.get(PAGE).content.decode()
    text = visible_text(html)
    assert "Category Cloud infrastructure" in text and "Region Nordics" in text
    assert 'href="/search/?q=cranes"' in html
    response = signed_in.post(PAGE, {"action": "unfollow", "kind": "category", "term": category.pk})
    assert messages_of(response) == ["You no longer follow Cloud infrastructure."]
    assert list(Follow.objects.values_list("region__name", flat=True)) == ["Nordics"]
    response = signed_in.post(PAGE, {"action": "remove-search", "search": saved.pk})
    assert messages_of(response)[-1] == "Alert removed: “cranes”."
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "unfollow", "kind": "category", "term": "999999"},
        {"action": "unfollow", "kind": "briefing", "term": "1"},
        {"action": "unfollow", "kind": "category", "term": "x"},
        {"action": "unfollow"},
        {"action": "remove-search", "search": "nope"},
    ],
)
def test_forged_removals_change_nothing(signed_in, member, data):
    Follow.objects.create(user=member, category=CategoryFactory())
    response = signed_in.post(PAGE, data)
    assert response.status_code == 302
    assert Follow.objects.count() == 1
    assert "already removed" in messages_of(response)[0]


def test_a_member_cannot_remove_anothers_alert(signed_in):
    theirs = SavedSearch.objects.create(user=UserFactory(), name="x", query_string="q=x")
    signed_in.post(PAGE, {"action": "remove-search", "search": theirs.pk})
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


# --- From an e-mail, without signing in ---------------------------------------------------


def test_the_link_in_an_email_opens_the_page_without_signing_in(member):
    url = token_page(member)
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "reader@example.org" in html.lower()
    assert f'action="{url}"' in html
    # Never kept by a shared cache or the page cache, and the token leaves with no link.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert PAGE_HEADER not in Client().get(url)
    # The header's sign-in link does not carry the address along.
    assert "/accounts/login/?next=" not in html


def test_changes_from_the_link_work_without_signing_in(member):
    category = CategoryFactory(name="Cloud infrastructure")
    Follow.objects.create(user=member, category=category)
    url = token_page(member)
    client = Client(enforce_csrf_checks=True)
    client.get(url)
    csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    response = client.post(url, {"action": "save", **SETTINGS, **csrf})
    assert response.status_code == 302 and response["Location"] == url
    assert response["Referrer-Policy"] == "no-referrer"
    assert preference(member).cadence == "daily"
    client.post(url, {"action": "unfollow", "kind": "category", "term": category.pk, **csrf})
    assert not Follow.objects.exists()
    client.post(url, {"action": "email-off", **csrf})
    assert Suppression.objects.filter(address="reader@example.org").exists()
    client.post(url, {"action": "email-on", **csrf})
    assert not Suppression.objects.exists()


def forged(member) -> str:
    genuine = link_token(member, SCOPE_PREFERENCES)
    return genuine[:-3] + ("aaa" if not genuine.endswith("aaa") else "bbb")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (forged, "This link is not one we sent."),
        (lambda member: "not-a-token", "This link is not one we sent."),
        (lambda member: link_token(member, SCOPE_ALL), "not one for changing e-mail preferences"),
    ],
    ids=["forged", "garbage", "other-scope"],
)
def test_a_bad_link_gets_a_clear_page_and_changes_nothing(member, make, message):
    url = reverse("delivery:token-preferences", args=[make(member)])
    client = Client()
    for response in (client.get(url), client.post(url, {"action": "email-off"})):
        assert response.status_code == 400
        assert message in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    response = client.post(url, {"action": "save", **SETTINGS})
    assert response.status_code == 400
    assert preference(member).cadence == "weekly"
    assert not Suppression.objects.exists()


def test_an_expired_link_changes_nothing(member, settings):
    url = token_page(member)
    later = timezone.now() + TOKEN_MAX_AGE + dt.timedelta(days=1)
    signer_time = later.timestamp()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: signer_time)
        response = Client().post(url, {"action": "save", **SETTINGS})
    assert response.status_code == 400
    assert "This link has expired." in response.content.decode()
    assert preference(member).cadence == "weekly"


def test_a_link_stops_working_when_the_address_changes(member):
    url = token_page(member)
    member.email = "new.address@example.org"
    member.save()
    response = Client().post(url, {"action": "email-off"})
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_the_token_never_reaches_the_request_log(member, caplog):
    url = token_page(member)
    token = url.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level("INFO", logger="config.requests"):
        Client().get(url)
        Client().get(url + "no-such-page/")
    assert token not in caplog.text
    assert "/email/preferences/[token]/" in caplog.text
