"""
A signed-in reader's page kept whole (briefings.signed_pages): shared only by readers of
the same standing and follows, with each response's own CSRF token and CSP nonce, and
gone with the next edit.
"""

import datetime as dt
import re

import pytest
from django.template import engines
from django.template.response import TemplateResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from django.views import View

from briefings.search import briefings_reindex
from briefings.signed_pages import READER_PAGE_HEADER, SignedInPageMixin
from delivery.models import Follow, SavedSearch
from members.access import Audience
from tests import factories
from tests.briefings.helpers import reader_page_addresses
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SC, LA = Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE
SC_TEXT = "Strategic Circle only: the trend behind the signal."
LA_TEXT = "Leadership Alliance only: the failure path."
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _standing_no_membership(user):
    pass


def _standing_member(tier):
    def give(user):
        MembershipFactory(user=user, tier=tier)

    return give


def _standing_lapsed(tier, current=None):
    def give(user):
        now = timezone.now()
        MembershipFactory(
            user=user,
            tier=tier,
            starts_at=now - dt.timedelta(days=60),
            ends_at=now - dt.timedelta(days=1),
        )
        if current is not None:
            MembershipFactory(user=user, tier=current)

    return give


def _standing_pending(current, applied):
    def give(user):
        if current is not None:
            MembershipFactory(user=user, tier=current)
        ApplicationFactory(user=user, tier=applied)

    return give


# Readers of every standing a signed-in reader can have: each differs from all others in
# a field of ReaderStatus (audience, lapsed, pending).
STANDINGS = {
    "no-membership": _standing_no_membership,
    "strategic-circle": _standing_member(SC),
    "leadership-alliance": _standing_member(LA),
    "lapsed-strategic-circle": _standing_lapsed(SC),
    "lapsed-leadership-alliance": _standing_lapsed(LA),
    "strategic-circle-lapsed-leadership-alliance": _standing_lapsed(LA, current=SC),
    "strategic-circle-pending-leadership-alliance": _standing_pending(SC, LA),
    "pending-leadership-alliance": _standing_pending(None, LA),
}
PAGES = ["briefing", "home", "list", "category", "region", "topic", "search"]
# The audience each standing reads as (what members.access works out for it).
READS_AS = {
    "no-membership": Audience.PUBLIC,
    "strategic-circle": SC,
    "leadership-alliance": LA,
    "lapsed-strategic-circle": Audience.PUBLIC,
    "lapsed-leadership-alliance": Audience.PUBLIC,
    "strategic-circle-lapsed-leadership-alliance": SC,
    "strategic-circle-pending-leadership-alliance": SC,
    "pending-leadership-alliance": Audience.PUBLIC,
}
RESULT = re.compile(r'class="search-result__title"><a href="/briefings/([^/"]+)/"')


@pytest.fixture
def briefing():
    briefing = factories.gated_briefing(
        signal_brief=True, public="Public fact.", circle=SC_TEXT, alliance=LA_TEXT
    )
    briefings_reindex(briefing_ids=[briefing.pk])  # found by the search page
    return briefing


def reader(standing) -> tuple[Client, object]:
    client, user = Client(), UserFactory()
    STANDINGS[standing](user)
    client.force_login(user)
    return client, user


def address(briefing, page):
    return reader_page_addresses(briefing)[page]


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


@pytest.mark.parametrize("page", PAGES)
def test_a_kept_page_is_never_served_to_a_reader_of_another_standing(briefing, page):
    url = address(briefing, page)
    readers = {standing: reader(standing) for standing in STANDINGS}
    first = {}
    for standing, (client, _) in readers.items():
        response = client.get(url)
        # Each standing's first request is made for it, whoever came before.
        assert response[READER_PAGE_HEADER] == "miss", standing
        first[standing] = response.content.decode()
    for standing, (client, _) in readers.items():
        response = client.get(url)
        assert response[READER_PAGE_HEADER] == "hit", standing
        assert without_tokens(response.content.decode()) == without_tokens(first[standing])


@pytest.mark.parametrize("tier", [SC, LA], ids=["strategic-circle", "leadership-alliance"])
def test_readers_of_one_standing_share_a_page_and_see_their_own_tier(briefing, tier):
    url = briefing.get_absolute_url()
    other = LA if tier == SC else SC
    # The other tier's reader fills their page first.
    other_client, _ = reader(other.slug)
    other_client.get(url)
    one, _ = reader(tier.slug)
    two, _ = reader(tier.slug)
    first, second = one.get(url), two.get(url)
    assert (first[READER_PAGE_HEADER], second[READER_PAGE_HEADER]) == ("miss", "hit")
    for response in (first, second):
        html = response.content.decode()
        assert SC_TEXT in html
        assert (LA_TEXT in html) == (tier == LA)


@pytest.mark.parametrize("page", ["briefing", "category"])
def test_one_account_s_follows_are_never_served_to_another(briefing, page):
    url = address(briefing, page)
    follower, follower_user = reader("strategic-circle")
    Follow.objects.create(user=follower_user, category=briefing.category)
    stranger, _ = reader("strategic-circle")
    for _ in range(2):
        assert "Following" in follower.get(url).content.decode()
        response = stranger.get(url)
        assert "Following" not in response.content.decode()
    assert response[READER_PAGE_HEADER] == "hit"  # the stranger's own page, kept


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_and_readers_of_one_standing_never_share_a_page(briefing, flag):
    url = briefing.get_absolute_url()
    reader_client, _ = reader("strategic-circle")
    reader_client.get(url)
    staff = UserFactory(**{flag: True})
    MembershipFactory(user=staff, tier=SC)
    client = Client()
    client.force_login(staff)
    assert client.get(url)[READER_PAGE_HEADER] == "miss"
    assert client.get(url)[READER_PAGE_HEADER] == "hit"


def test_a_kept_page_is_never_served_once_the_membership_ends_at_its_moment(briefing, monkeypatch):
    ends_at = timezone.now() + dt.timedelta(hours=1)
    client, user = reader("no-membership")
    MembershipFactory(user=user, tier=LA, ends_at=ends_at)
    url = briefing.get_absolute_url()
    client.get(url)
    assert client.get(url)[READER_PAGE_HEADER] == "hit"
    monkeypatch.setattr(timezone, "now", lambda: ends_at)
    response = client.get(url)
    # Nothing was forgotten, but the standing worked out now names another page.
    assert response[READER_PAGE_HEADER] == "miss"
    assert LA_TEXT not in response.content.decode()


def test_the_kept_page_carries_this_session_s_csrf_token(briefing):
    url = briefing.category.get_absolute_url()
    follow = reverse("delivery:follow", args=["category", briefing.category.pk])
    sessions = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(UserFactory())
        sessions.append(client)
    tokens = []
    for client in sessions:
        response = client.get(url)
        tokens.append(TOKEN.search(response.content.decode()).group(1))
    assert response[READER_PAGE_HEADER] == "hit"  # the second session's page was kept
    two = sessions[1]
    # Masked tokens differ per response; what counts is each session's own secret.
    assert tokens[0] != tokens[1]
    refused = two.post(follow, {"csrfmiddlewaretoken": tokens[0], "next": url})
    assert refused.status_code == 403  # the other session's token is no good here
    accepted = two.post(follow, {"csrfmiddlewaretoken": tokens[1], "next": url})
    assert accepted.status_code == 302
    assert Follow.objects.filter(category=briefing.category).count() == 1


def test_a_token_rotated_at_sign_in_is_the_one_the_page_carries(briefing):
    url = briefing.category.get_absolute_url()
    follow = reverse("delivery:follow", args=["category", briefing.category.pk])
    warm = Client()
    warm.force_login(UserFactory())
    warm.get(url)  # the page is kept for this standing
    client = Client(enforce_csrf_checks=True)
    client.get(url)  # signed out: a CSRF cookie of its own, before the sign-in
    client.force_login(UserFactory())  # login() rotates the token
    response = client.get(url)
    assert response[READER_PAGE_HEADER] == "hit"
    token = TOKEN.search(response.content.decode()).group(1)
    assert client.post(follow, {"csrfmiddlewaretoken": token, "next": url}).status_code == 302


# --- Search: the page kept whole, per standing, with each session's own form ------------


@pytest.mark.parametrize(
    ("word", "tier", "snippet"),
    [("trend", SC, "behind the signal"), ("failure", LA, "Leadership Alliance only")],
    ids=["strategic-circle", "leadership-alliance"],
)
def test_a_kept_search_for_gated_words_finds_them_only_for_their_readers(
    briefing, word, tier, snippet
):
    url = reverse("briefings:search") + "?q=" + word
    readers = {standing: reader(standing) for standing in STANDINGS}
    for expected in ("miss", "hit"):
        for standing, (client, _) in readers.items():
            response = client.get(url)
            assert response[READER_PAGE_HEADER] == expected, standing
            html = response.content.decode()
            may_read = READS_AS[standing] >= tier
            assert RESULT.findall(html) == ([briefing.slug] if may_read else []), standing
            assert (snippet in html) == may_read, standing
        html = Client().get(url).content.decode()  # anonymous, from the page cache the 2nd time
        assert RESULT.findall(html) == [] and snippet not in html


def test_the_kept_search_s_save_form_carries_this_session_s_token_and_saves_for_its_account(
    briefing,
):
    url = reverse("briefings:search") + "?q=fact&page=1"
    save = reverse("delivery:saved-search-add")
    sessions = []
    for _ in range(2):
        client, user = Client(enforce_csrf_checks=True), UserFactory()
        MembershipFactory(user=user, tier=SC)
        client.force_login(user)
        sessions.append((client, user))
    tokens = []
    for client, _ in sessions:
        response = client.get(url)
        html = response.content.decode()
        tokens.append(TOKEN.search(html).group(1))
        assert f'name="next" value="{url.replace("&", "&amp;")}"' in html
    assert response[READER_PAGE_HEADER] == "hit"  # the second account's page was kept
    (client, user), first_user = sessions[1], sessions[0][1]
    data = {"search": "q=fact&page=1", "next": url}
    refused = client.post(save, {**data, "csrfmiddlewaretoken": tokens[0]})
    assert refused.status_code == 403  # the other session's token is no good here
    assert client.post(save, {**data, "csrfmiddlewaretoken": tokens[1]}).status_code == 302
    (saved,) = SavedSearch.objects.all()
    assert saved.user == user and saved.query_string == "q=fact"
    assert not first_user.saved_searches.exists()
    # The message the save left is shown once, on a page that is not kept.
    response = client.get(url)
    assert "Saved as an alert" in response.content.decode()
    assert READER_PAGE_HEADER not in response
    assert client.get(url)[READER_PAGE_HEADER] == "hit"


@pytest.mark.parametrize("query", ["?q=" + "x" * 500, "?q=fact&kind=no-such-kind"])
def test_a_search_with_an_error_is_never_kept(briefing, query):
    client, _ = reader("strategic-circle")
    url = reverse("briefings:search") + query
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and READER_PAGE_HEADER not in response
        assert response["Cache-Control"] == "private, no-store"


def test_an_edit_shows_on_the_very_next_request(briefing):
    client, _ = reader("leadership-alliance")
    url = briefing.get_absolute_url()
    for page in (url, reverse("briefings:home")):
        client.get(page)
        assert client.get(page)[READER_PAGE_HEADER] == "hit"
    briefing.title = "A title changed in admin"
    briefing.save()
    for page in (url, reverse("briefings:home")):
        response = client.get(page)
        assert "A title changed in admin" in response.content.decode()
        assert response[READER_PAGE_HEADER] == "miss"


def test_a_new_membership_shows_on_the_very_next_request(briefing):
    client, user = reader("strategic-circle")
    url = briefing.get_absolute_url()
    client.get(url)
    assert LA_TEXT not in client.get(url).content.decode()
    MembershipFactory(user=user, tier=LA)
    assert LA_TEXT in client.get(url).content.decode()


def test_a_page_with_a_message_waiting_is_neither_kept_nor_served_from_keeping(briefing):
    client, _ = reader("strategic-circle")
    url = briefing.category.get_absolute_url()
    follow = reverse("delivery:follow", args=["category", briefing.category.pk])
    client.post(follow, {"next": url})  # says so in a message on the next page
    client.get(url)  # the message, shown once
    client.get(url)
    assert client.get(url)[READER_PAGE_HEADER] == "hit"  # the page as it now is, kept
    unfollow = reverse("delivery:unfollow", args=["category", briefing.category.pk])
    client.post(unfollow, {"next": url})
    response = client.get(url)
    assert f"You no longer follow {briefing.category.name}." in response.content.decode()
    assert READER_PAGE_HEADER not in response
    for _ in range(2):
        response = client.get(url)
        assert "You no longer follow" not in response.content.decode()
    assert response[READER_PAGE_HEADER] == "hit"


def test_a_page_with_a_parameter_no_page_reads_is_not_kept(briefing):
    client, _ = reader("strategic-circle")
    url = reverse("briefings:list") + "?utm_source=mail"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and READER_PAGE_HEADER not in response


def test_an_anonymous_reader_never_gets_a_kept_page(briefing):
    client, _ = reader("leadership-alliance")
    url = briefing.get_absolute_url()
    client.get(url)
    anonymous = Client()
    anonymous.cookies.load(client.cookies)  # even with a session cookie of its own
    anonymous.logout()
    response = anonymous.get(url)
    assert READER_PAGE_HEADER not in response
    assert LA_TEXT not in response.content.decode()


def test_the_newsroom_preview_is_never_kept(briefing):
    from briefings.newsroom.preview import preview_url

    editor = factories.StaffFactory(mfa=True, is_superuser=True)
    client = Client()
    client.force_login(editor)
    url = preview_url(briefing, LA)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and READER_PAGE_HEADER not in response


# --- The CSP nonce: a page that uses it (no reader page does today) --------------------


class NoncePage(SignedInPageMixin, View):
    template = engines["django"].from_string(
        '<script nonce="{{ csp_nonce }}">/* page */</script><form method="post">'
        "{% csrf_token %}</form>"
    )

    def get(self, request):
        return TemplateResponse(request, self.template, {})


# The site's own addresses too: the middleware reverse some of them.
urlpatterns = [path("nonce-page/", NoncePage.as_view()), path("", include("config.urls"))]


@pytest.mark.urls(__name__)
def test_each_response_has_a_fresh_nonce_that_matches_its_header():
    client = Client()
    client.force_login(UserFactory())
    nonces = []
    for expected in ("miss", "hit", "hit"):
        response = client.get("/nonce-page/")
        assert response[READER_PAGE_HEADER] == expected
        (nonce,) = re.findall(r'<script nonce="([^"]+)">', response.content.decode())
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3
