"""
Lock cards that sell (issue 20): "In this briefing" near the top, cards that say what
they unlock and how, the right words for every reader state, and cards on lists that
mark member briefings for this reader, without leaking gated text or breaking caches.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings.reading import briefing_for_reader, reader_briefing_queryset
from briefings.search import briefings_reindex
from config.caching import PAGE_HEADER
from members import access, services
from members.access import Audience, LockAction, ReaderStatus
from members.offers import lock_offer
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    gated_briefing,
    members_migration_data,
)

pytestmark = pytest.mark.django_db

CIRCLE, ALLIANCE = Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE
SC_TEXT = "Okapicirclemarker trend text."
LA_TEXT = "Dugongalliancemarker failure text."
NOTE_TEXT = "Caracalnotemarker note."
# Gated headings are gated text (search indexes them with their section).
SC_HEADING = "Deeper Trend Context"
LA_HEADING = "Failure paths"
# What issue 20 found contradicting itself; no reader state may see it again.
CONTRADICTIONS = ["Sign in to unlock", "Join Leadership Alliance", 'lock-panel__title">Deeper']


@pytest.fixture(autouse=True)
def fresh():
    cache.clear()
    members_migration_data()


@pytest.fixture
def briefing():
    return gated_briefing(
        title="Harbour cranes go remote",
        public="Public fact.",
        circle=SC_TEXT,
        alliance=LA_TEXT,
        note=NOTE_TEXT,
    )


def ago(days):
    return timezone.now() - dt.timedelta(days=days)


def member(user, tier, *, ended=False):
    MembershipFactory(user=user, tier=tier, starts_at=ago(60), ends_at=ago(1) if ended else None)


def anonymous(client):
    return None


def signed_in_without_tier(client):
    user = UserFactory()
    client.force_login(user)
    return user


def circle_member(client):
    user = signed_in_without_tier(client)
    member(user, CIRCLE)
    return user


def circle_member_pending(client):
    user = circle_member(client)
    ApplicationFactory(user=user, tier=ALLIANCE)
    return user


def alliance_lapsed(client):
    user = circle_member(client)
    member(user, ALLIANCE, ended=True)
    return user


def invited(client):
    staff = StaffFactory()
    _, url, _ = services.invitation_create(
        email="guest@example.org", tier=ALLIANCE, created_by=staff, send=False
    )
    assert client.get(url.removeprefix("http://testserver")).status_code == 200


def alliance_member(client):
    user = signed_in_without_tier(client)
    member(user, ALLIANCE)
    return user


def card_html(html, tier):
    match = re.search(rf'<div class="lock-card" id="unlock-{tier}".*?</div>', html, re.S)
    assert match, f"no {tier} card"
    return match.group(0)


# (reader, {tier slug: (status, button words or None, words of how)}), per state.
STATES = [
    (
        anonymous,
        {
            "strategic-circle": ("Free for every reader", "Join Strategic Circle free", "code"),
            "leadership-alliance": (
                "By application",
                "Apply for Leadership Alliance",
                "create a free account",
            ),
        },
    ),
    (
        signed_in_without_tier,
        {
            "strategic-circle": ("Free for every reader", "Join Strategic Circle", "Verify"),
            "leadership-alliance": ("By application", "Apply for Leadership Alliance", "review"),
        },
    ),
    (
        circle_member,
        {"leadership-alliance": ("By application", "Apply for Leadership Alliance", "review")},
    ),
    (
        circle_member_pending,
        {"leadership-alliance": ("Application pending", None, "unlock on approval")},
    ),
    (
        alliance_lapsed,
        {
            "leadership-alliance": (
                "Your membership has ended",
                "Renew Leadership Alliance",
                "renew",
            )
        },
    ),
    (
        invited,
        {
            "strategic-circle": ("Free for every reader", "Join Strategic Circle free", "code"),
            "leadership-alliance": ("You are invited", "Accept your invitation", "invited"),
        },
    ),
    (alliance_member, {}),
]


@pytest.mark.parametrize(("state", "expected"), STATES, ids=[s.__name__ for s, _ in STATES])
def test_each_reader_state_gets_the_right_lock_card_words(client, briefing, state, expected):
    state(client)
    html = client.get(briefing.get_absolute_url()).content.decode()
    shown = set(re.findall(r'<div class="lock-card" id="unlock-([a-z-]+)"', html))
    assert shown == set(expected)
    for tier, (status, button, how) in expected.items():
        card = card_html(html, tier)
        assert f'<p class="lock-card__status">{status}</p>' in card
        assert how.lower() in card.lower()
        if button:
            assert f">{button}</a>" in card
        else:
            assert 'class="button"' not in card
        # Only a reader who is not signed in is offered to sign in.
        signed_out = state in (anonymous, invited)
        offers_sign_in = signed_out and status in {"Free for every reader", "By application"}
        assert ("Already a member? Sign in" in card) == offers_sign_in
    for words in CONTRADICTIONS:
        assert words not in html
    # The panel names no section heading it keeps from the reader.
    if expected:
        assert "Members read on" in html or "The rest of this briefing" in html


HOME_OFFERS = [
    (anonymous, "Free for every reader", "Join Strategic Circle free"),
    (signed_in_without_tier, "Free for every reader", "Join Strategic Circle"),
    (circle_member, "By application", "Apply for Leadership Alliance"),
    (circle_member_pending, "Application pending", None),
    (alliance_lapsed, "Your membership has ended", "Renew Leadership Alliance"),
    (alliance_member, None, None),
]


@pytest.mark.parametrize(
    ("state", "status", "button"), HOME_OFFERS, ids=[s.__name__ for s, _, _ in HOME_OFFERS]
)
def test_home_offers_each_reader_the_next_tier_in_the_access_modules_words(
    client, briefing, state, status, button
):
    state(client)
    html = client.get(reverse("briefings:home")).content.decode()
    offer = re.search(r'<aside class="home-offer".*?</aside>', html, re.S)
    if status is None:  # a reader who already reads everything is offered nothing
        assert offer is None
        return
    offer = offer.group(0)
    assert f'<p class="home-offer__status">{status}</p>' in offer
    if button:
        assert f">{button}</a>" in offer
    else:
        assert 'class="button"' not in offer
    for words in CONTRADICTIONS:
        assert words not in offer
    # The way back leads home, without a briefing's section anchor, which home lacks.
    assert "unlocked-" not in offer


def test_the_tier_page_no_longer_says_sign_in_to_unlock(client):
    for slug in ("strategic-circle", "leadership-alliance"):
        html = client.get(reverse("members:tier", args=[slug])).content.decode()
        for words in CONTRADICTIONS:
            assert words not in html


def test_the_tier_page_says_application_pending(client):
    circle_member_pending(client)
    html = client.get(reverse("members:tier", args=["leadership-alliance"])).content.decode()
    assert "Your application is being reviewed" in html
    assert "Send application" not in html


def test_lock_cards_name_what_they_unlock_by_kind_and_length_never_by_gated_heading(
    client, briefing
):
    html = client.get(briefing.get_absolute_url()).content.decode()
    circle = card_html(html, "strategic-circle")
    alliance = card_html(html, "leadership-alliance")
    assert "Trend context: 1 section, ~1 min read" in circle
    # Leadership Alliance reads everything: the trend context too, and the source notes.
    assert "Trend context: 1 section" in alliance
    assert "Relationship evidence and failure paths: 1 section, ~1 min read" in alliance
    assert "Source notes" in alliance
    assert SC_HEADING not in html and LA_HEADING not in html
    assert SC_TEXT not in html and LA_TEXT not in html and NOTE_TEXT not in html


def test_in_this_briefing_lists_every_section_with_its_audience_before_the_body(client, briefing):
    html = client.get(briefing.get_absolute_url()).content.decode()
    outline = re.search(r'<nav class="outline".*?</nav>', html, re.S).group(0)
    items = re.findall(r'<li class="outline__item[^"]*">(.*?)</li>', outline, re.S)
    text = [re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in items]
    assert text[0].startswith("The fact") and "Free" in text[0]
    assert "Trend context" in text[1] and "Locked" in text[1] and "Strategic Circle" in text[1]
    assert "Relationship evidence and failure paths" in text[2] and "Leadership Alliance" in text[2]
    assert "Source notes" in text[3] and "Locked" in text[3]
    # The offer is in it, ahead of the briefing's body.
    assert "Join Strategic Circle free" in outline
    assert html.index('class="outline"') < html.index('class="briefing__body"')
    assert 'href="#unlock-strategic-circle"' in outline


def test_a_member_sees_their_headings_in_the_list_and_reaches_them_by_anchor(client, briefing):
    circle_member(client)
    html = client.get(briefing.get_absolute_url()).content.decode()
    outline = re.search(r'<nav class="outline".*?</nav>', html, re.S).group(0)
    assert f'<a href="#unlocked-strategic-circle">{SC_HEADING}</a>' in outline
    assert LA_HEADING not in html
    assert 'id="unlocked-strategic-circle"' in html
    alliance = Client()
    alliance_member(alliance)
    html = alliance.get(briefing.get_absolute_url()).content.decode()
    assert LA_HEADING in html and "Locked" not in html and 'class="lock-card"' not in html


def test_an_invited_readers_card_leads_back_to_their_invitation_without_its_token(client, briefing):
    invited(client)
    html = client.get(briefing.get_absolute_url()).content.decode()
    card = card_html(html, "leadership-alliance")
    assert reverse("members:invitation-opened") in card
    token_page = client.get(reverse("members:invitation-opened"))
    assert token_page.status_code == 302
    assert token_page["Location"].startswith("/membership/invitations/")
    # Another anonymous reader is not invited, and gets no one's token.
    other = Client().get(briefing.get_absolute_url()).content.decode()
    assert "You are invited" not in other
    assert Client().get(reverse("members:invitation-opened"))["Location"] == reverse(
        "members:overview"
    )


def test_an_invited_reader_is_offered_their_invitation_at_the_top(client, briefing):
    invited(client)
    html = client.get(briefing.get_absolute_url()).content.decode()
    outline = re.search(r'<nav class="outline".*?</nav>', html, re.S).group(0)
    assert "You are invited to Leadership Alliance" in outline
    assert ">Accept your invitation</a>" in outline
    assert "Join Strategic Circle free" not in outline
    # Another reader's top offer is still the lowest tier's.
    other = Client().get(briefing.get_absolute_url()).content.decode()
    other_outline = re.search(r'<nav class="outline".*?</nav>', other, re.S).group(0)
    assert "Join Strategic Circle free" in other_outline
    assert "Accept your invitation" not in other_outline


def test_pending_is_part_of_the_readers_cache_key(briefing):
    fetched = reader_briefing_queryset(CIRCLE).get(pk=briefing.pk)
    plain = ReaderStatus(audience=CIRCLE, is_authenticated=True)
    pending = ReaderStatus(audience=CIRCLE, is_authenticated=True, pending=frozenset({ALLIANCE}))
    assert plain.cache_key() != pending.cache_key()
    (card,) = briefing_for_reader(fetched, reader=pending).lock_cards
    assert card.action == LockAction.PENDING and card.offer.button == ""


@pytest.mark.parametrize("action", list(LockAction))
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("tier", access.TIERS)
def test_lock_words_never_contradict_how_a_tier_is_reached(action, signed_in, tier):
    offer = lock_offer(tier, action=action, name=tier.label, is_authenticated=signed_in)
    words = " ".join([offer.status, offer.headline, offer.how, offer.button])
    assert "Sign in to unlock" not in words
    if access.joins_by_application(tier):
        assert not offer.button.startswith("Join")
        assert not offer.signs_up
    if signed_in:
        assert not offer.offers_sign_in


# --- Cards on lists ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["briefings:home", "briefings:list", "briefings:search"])
def test_cards_mark_member_briefings_and_what_this_reader_opens(client, briefing, name):
    briefings_reindex(briefing_ids=[briefing.pk])
    url = reverse(name)
    params = {"q": "cranes"} if name == "briefings:search" else {}
    html = client.get(url, params).content.decode()
    assert "Members · Strategic Circle and up" in html
    assert "Unlocked" not in html and "<!--access" not in html
    circle = Client()
    circle_member(circle)
    assert "Partly unlocked" in circle.get(url, params).content.decode()
    alliance = Client()
    alliance_member(alliance)
    html = alliance.get(url, params).content.decode()
    assert "Members · Strategic Circle and up · Unlocked" in html
    for secret in (SC_TEXT, LA_TEXT, NOTE_TEXT, SC_HEADING, LA_HEADING):
        assert secret not in html or name != "briefings:home"


def test_anonymous_list_pages_stay_cached_with_their_marks(client, briefing):
    url = reverse("briefings:list")
    Client().get(url)
    response = Client().get(url)
    assert response[PAGE_HEADER] == "hit"
    assert "Members · Strategic Circle" in response.content.decode()


def test_a_briefing_without_member_parts_has_no_mark(client):
    from tests.factories import BriefingFactory, SectionFactory

    free = BriefingFactory(title="Entirely free reading")
    SectionFactory(briefing=free, body="All public.")
    html = client.get(reverse("briefings:list")).content.decode()
    assert "Entirely free reading" in html and "card__access" not in html


@pytest.mark.parametrize(
    ("audience", "gated", "words"),
    [
        (Audience.PUBLIC, [CIRCLE], ("Members · Strategic Circle", "")),
        (Audience.PUBLIC, [ALLIANCE], ("Members · Leadership Alliance", "")),
        (CIRCLE, [CIRCLE, ALLIANCE], ("Members · Strategic Circle and up", "Partly unlocked")),
        (CIRCLE, [CIRCLE], ("Members · Strategic Circle", "Unlocked")),
        (ALLIANCE, [ALLIANCE], ("Members · Leadership Alliance", "Unlocked")),
        (ALLIANCE, [], ("", "")),
    ],
)
def test_card_marks_for_each_reader(audience, gated, words):
    from members.offers import card_access_words

    assert card_access_words(audience, gated) == words
