"""
Arrival and first-party conversions (issue 20): joining from a lock card lands on the
first section it unlocked with a welcome naming the tier; applying shows "Application
pending" and sends an acknowledgement; each sign-up and application is counted against
the lock card (briefing and tier) and page that led to it, and editors see the counts.
"""

import re
from html import unescape
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from briefings.conversions import SESSION_KEY, LockCardConversion
from briefings.reading import briefing_for_reader, reader_briefing_queryset
from members.access import Audience, ReaderStatus
from tests.factories import (
    MembershipFactory,
    StaffFactory,
    UserFactory,
    gated_briefing,
    members_migration_data,
)
from tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db

CIRCLE, ALLIANCE = Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE
SC_TEXT = "Okapicirclemarker trend text."


@pytest.fixture(autouse=True)
def fresh():
    cache.clear()
    members_migration_data()


@pytest.fixture
def briefing():
    return gated_briefing(title="Harbour cranes go remote", circle=SC_TEXT)


def card_url(briefing, tier, reader=None):
    """The address of the lock card's button, as the page prints it."""
    reader = reader or ReaderStatus()
    fetched = reader_briefing_queryset(reader.audience).get(pk=briefing.pk)
    reading = briefing_for_reader(fetched, reader=reader, next_path=briefing.get_absolute_url())
    return next(card.url for card in reading.lock_cards if card.tier == tier)


def code_from(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)


def join_from_card(client, briefing, email="new.reader@example.org"):
    url = card_url(briefing, CIRCLE)
    assert client.get(url).status_code == 200
    next_url = unquote(re.search(r"next=([^&]+)", url).group(1))
    response = client.post(reverse("account_signup"), {"email": email, "next": next_url})
    assert response.status_code == 302
    code = code_from(mail.outbox[-1])
    return client.post(reverse("account_email_verification_sent"), {"code": code})


def test_joining_from_a_lock_card_lands_on_the_unlocked_section_with_a_welcome(client, briefing):
    response = join_from_card(client, briefing)
    assert response.status_code == 302
    assert response["Location"] == f"{briefing.get_absolute_url()}#unlocked-strategic-circle"
    page = client.get(response["Location"].split("#")[0])
    html = unescape(page.content.decode())
    assert "Welcome to Strategic Circle" in html
    assert "You have confirmed" not in html and "Successfully signed in" not in html
    assert 'id="unlocked-strategic-circle"' in html and SC_TEXT in html


def test_a_sign_up_from_a_lock_card_is_counted_for_that_briefing_and_tier(client, briefing):
    join_from_card(client, briefing)
    (conversion,) = LockCardConversion.objects.all()
    assert conversion.briefing == briefing
    assert conversion.card_tier == CIRCLE
    assert conversion.kind == LockCardConversion.Kind.SIGNUP
    assert conversion.page == briefing.get_absolute_url()
    assert SESSION_KEY not in client.session


def test_a_sign_up_that_did_not_come_from_a_card_is_not_counted(client, briefing):
    response = client.post(reverse("account_signup"), {"email": "plain@example.org"})
    assert response.status_code == 302
    client.post(reverse("account_email_verification_sent"), {"code": code_from(mail.outbox[-1])})
    assert not LockCardConversion.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "nonsense",
        "999999:strategic-circle",  # no such briefing
        "{id}:public",  # not a tier
        "{id}:platinum",
        "{id}:strategic-circle<script>",
        "-1:strategic-circle",
        "1" * 40 + ":strategic-circle",
        "",
    ],
)
def test_forged_sources_are_ignored_and_harm_nothing(client, briefing, value):
    value = value.format(id=briefing.pk)
    response = client.get(reverse("account_signup"), {"from": value, "next": "/x/"})
    assert response.status_code == 200
    response = client.post(reverse("account_signup"), {"email": "forged@example.org"})
    client.post(reverse("account_email_verification_sent"), {"code": code_from(mail.outbox[-1])})
    assert not LockCardConversion.objects.exists()


def test_a_from_parameter_does_not_enter_the_page_cache(briefing):
    url = briefing.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    tagged = Client().get(url, {"from": f"{briefing.pk}:strategic-circle"})
    assert tagged.get("X-Page-Cache") != "hit"
    assert "no-store" in tagged["Cache-Control"]


def test_applying_from_a_lock_card_is_pending_everywhere_acknowledged_and_counted(
    client, briefing, settings
):
    user = UserFactory(email="applicant@example.org")
    MembershipFactory(user=user, tier=CIRCLE)
    client.force_login(user)
    url = card_url(briefing, ALLIANCE, ReaderStatus(audience=CIRCLE, is_authenticated=True))
    assert url.startswith(reverse("members:tier", args=["leadership-alliance"]))
    assert client.get(url).status_code == 200
    server = SMTPServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 5},
        }
    }
    data = {
        "name": "Ada Applicant",
        "organisation": "Grid Co",
        "role": "Analyst",
        "reason": "We plan connections.",
        "next": briefing.get_absolute_url(),
    }
    try:
        response = client.post(reverse("members:tier", args=["leadership-alliance"]), data)
    finally:
        server.stop()
    assert response.status_code == 302
    acknowledgements = [m for to, m in server.received if to == ["applicant@example.org"]]
    assert len(acknowledgements) == 1
    assert "We received your Leadership Alliance application" in acknowledgements[0]["Subject"]

    page = client.get(briefing.get_absolute_url()).content.decode()
    assert '<p class="lock-card__status">Application pending</p>' in page
    assert "Apply for Leadership Alliance" not in page
    tier_page = client.get(response["Location"]).content.decode()
    assert "Your application is being reviewed" in tier_page

    (conversion,) = LockCardConversion.objects.all()
    assert (conversion.briefing, conversion.card_tier, conversion.kind) == (
        briefing,
        ALLIANCE,
        LockCardConversion.Kind.APPLICATION,
    )


def test_editors_see_conversions_per_briefing_and_tier(client, briefing):
    for kind, tier in [("signup", CIRCLE), ("signup", CIRCLE), ("application", ALLIANCE)]:
        LockCardConversion.objects.create(briefing=briefing, card_tier=tier, kind=kind)
    editor = StaffFactory(group="editors")
    client.force_login(editor)
    response = client.get(reverse("admin:briefings_lockcardconversion_changelist"))
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    assert (
        f'<a href="?briefing__id__exact={briefing.pk}">Harbour cranes go remote</a></th>'
        "<td>Strategic Circle</td><td>2</td><td>0</td><td>2</td>"
    ) in html
    assert "<td>Leadership Alliance</td><td>0</td><td>1</td><td>1</td>" in html


def test_writers_do_not_see_conversions(client):
    client.force_login(StaffFactory(group="writers"))
    response = client.get(reverse("admin:briefings_lockcardconversion_changelist"))
    assert response.status_code == 403


def test_a_conversion_does_not_clear_the_readers_caches(briefing):
    url = briefing.get_absolute_url()
    Client().get(url)
    LockCardConversion.objects.create(briefing=briefing, card_tier=CIRCLE, kind="signup")
    assert Client().get(url)["X-Page-Cache"] == "hit"
