"""
Private feeds: a member makes a secret RSS/Atom address on their account, sees it once,
and revokes it; the feed carries each briefing as their e-mail would (their parts now, the
public version once the membership has ended), is never cached, and never names its token
in a log.
"""

import hashlib
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing
from delivery import private_feeds
from delivery.feeds import NEW_FEED_SESSION_KEY
from delivery.models import PrivateFeed
from delivery.rendering import ChannelRenderer
from members import services
from members.access import Audience
from members.selectors import reader_status
from tests.config.conftest import log_output  # noqa: F401  (the site's JSON log, captured)
from tests.factories import MembershipFactory, UserFactory, gated_briefing

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE, NOTE = (
    "otterpublicmark",
    "heroncirclemark",
    "lynxalliancemark",
    "molenotemark",
)
FORMATS = ("rss", "atom")


def member(tier=None, **kwargs):
    if tier is None:
        return UserFactory()
    return MembershipFactory(tier=tier, **kwargs).user


def new_token(user) -> str:
    return private_feeds.private_feed_create(user=user).token


def feed_url(token, format_name="rss"):
    return reverse(f"delivery:private-feed-{format_name}", args=[token])


def read_feed(token, format_name="rss"):
    """The feed as a feed reader fetches it: no cookies, nobody signed in."""
    return Client().get(feed_url(token, format_name))


def text_of(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def briefing():
    return gated_briefing(public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE)


# --- The account page ------------------------------------------------------------------


def test_signing_in_comes_first(client):
    page = reverse("delivery:feeds")
    for response in (client.get(page), client.post(page)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={page}"
    assert not PrivateFeed.objects.exists()


def test_the_account_page_links_to_private_feeds(client):
    client.force_login(member())
    assert reverse("delivery:feeds") in client.get(reverse("members:account")).content.decode()


def test_a_new_address_is_shown_once_and_only_its_hash_is_kept(client):
    user = member(Audience.STRATEGIC_CIRCLE)
    client.force_login(user)
    page = reverse("delivery:feeds")

    response = client.post(page)
    assert response.status_code == 302 and response["Location"] == page
    shown = client.get(page).content.decode()
    [rss] = re.findall(r"readonly[^>]*>(http[^<]+/rss/)</textarea>", shown)
    [atom] = re.findall(r"readonly[^>]*>(http[^<]+/atom/)</textarea>", shown)
    token = re.search(r"/feeds/private/([^/]+)/rss/", rss).group(1)
    assert atom.endswith(f"/feeds/private/{token}/atom/")

    [feed] = PrivateFeed.objects.filter(user=user)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PrivateFeed.objects.values().get())
    # The session held it only until the page showed it.
    assert NEW_FEED_SESSION_KEY not in client.session
    again = client.get(page).content.decode()
    assert token not in again
    assert "Created on" in again and "Not used yet" in again
    assert "Lost one? Revoke it and create a new one." in again
    assert read_feed(token).status_code == 200


def test_the_page_says_when_a_feed_was_last_used(client):
    user = member()
    token = new_token(user)
    read_feed(token)
    client.force_login(user)
    page = client.get(reverse("delivery:feeds")).content.decode()
    assert f"Last used on {timezone.now():%-d %B %Y}" in page
    assert token not in page


def test_an_account_keeps_at_most_the_limit_of_active_feeds(client):
    user = member()
    client.force_login(user)
    page = reverse("delivery:feeds")
    for _ in range(private_feeds.MAX_ACTIVE_FEEDS):
        client.post(page)
    response = client.post(page, follow=True)
    assert "the most an account may keep" in response.content.decode()
    assert private_feeds.active_feeds(user).count() == private_feeds.MAX_ACTIVE_FEEDS
    body = client.get(page).content.decode()
    assert "Create a private feed address" not in body
    assert "Revoke one you no longer use" in body
    # Revoking one makes room again.
    client.post(reverse("delivery:feed-revoke", args=[private_feeds.active_feeds(user)[0].pk]))
    assert "Create a private feed address" in client.get(page).content.decode()


def test_revoking_cuts_the_feed_off_at_once(client):
    user = member(Audience.LEADERSHIP_ALLIANCE)
    token = new_token(user)
    assert read_feed(token).status_code == 200
    client.force_login(user)
    [feed] = user.private_feeds.all()
    response = client.post(reverse("delivery:feed-revoke", args=[feed.pk]), follow=True)
    assert "Feed address revoked" in response.content.decode()
    assert read_feed(token).status_code == 404
    feed.refresh_from_db()
    assert feed.is_revoked
    assert "Revoked on" in client.get(reverse("delivery:feeds")).content.decode()


def test_nobody_revokes_another_members_feed(client):
    owner_token = new_token(member())
    client.force_login(member())
    [feed] = PrivateFeed.objects.all()
    response = client.post(reverse("delivery:feed-revoke", args=[feed.pk]), follow=True)
    assert "already revoked" in response.content.decode()
    assert read_feed(owner_token).status_code == 200


def test_revoking_needs_a_post(client):
    user = member()
    new_token(user)
    client.force_login(user)
    [feed] = user.private_feeds.all()
    assert client.get(reverse("delivery:feed-revoke", args=[feed.pk])).status_code == 405
    assert private_feeds.active_feeds(user).count() == 1


# --- The feed ---------------------------------------------------------------------------


READERS = {
    "an account without a membership": (None, [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
    "Strategic Circle": (Audience.STRATEGIC_CIRCLE, [PUBLIC, CIRCLE], [ALLIANCE, NOTE]),
    "Leadership Alliance": (Audience.LEADERSHIP_ALLIANCE, [PUBLIC, CIRCLE, ALLIANCE, NOTE], []),
}


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("reader", READERS)
def test_each_member_reads_exactly_their_parts(briefing, reader, format_name):
    tier, present, absent = READERS[reader]
    response = read_feed(new_token(member(tier)), format_name)
    assert response.status_code == 200
    body = text_of(response)
    assert briefing.title in body
    for marker in present:
        assert marker in body, (reader, marker)
    for marker in absent:
        assert marker not in body, (reader, marker)


def test_the_item_is_the_rendering_e_mails_use(briefing):
    user = member(Audience.STRATEGIC_CIRCLE)
    rendering = ChannelRenderer().briefing(briefing.pk, reader_status(user))
    body = text_of(read_feed(new_token(user)))
    assert rendering.html.strip() in body
    # A lock card for the part the reader lacks, linking to the site.
    assert rendering.reading.lock_cards


def test_an_ended_membership_reads_the_public_version_at_once(briefing):
    membership = MembershipFactory(tier=Audience.LEADERSHIP_ALLIANCE)
    token = new_token(membership.user)
    assert ALLIANCE in text_of(read_feed(token))
    services.membership_end(membership=membership, at=timezone.now(), reason="Lapsed.")
    body = text_of(read_feed(token))
    assert PUBLIC in body
    assert not {CIRCLE, ALLIANCE, NOTE} & set(re.findall(r"[a-z]+mark", body))


def test_a_lapsed_member_reads_the_public_version(briefing):
    now = timezone.now()
    user = member(
        Audience.LEADERSHIP_ALLIANCE,
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=1),
    )
    body = text_of(read_feed(new_token(user), "atom"))
    assert PUBLIC in body
    for marker in (CIRCLE, ALLIANCE, NOTE):
        assert marker not in body


def test_only_live_briefings_are_in_the_feed(briefing):
    draft = gated_briefing(public="dingodraftmark", status="draft", published_at=None)
    assert draft.status == "draft"
    body = text_of(read_feed(new_token(member(Audience.LEADERSHIP_ALLIANCE))))
    assert PUBLIC in body and "dingodraftmark" not in body


NOT_FOUND = [
    ("forged", lambda: "x" * 43),
    ("overlong", lambda: "a" * 5000),
    ("garbage", lambda: "%00%ff'\";--\u00e9\U0001f600"),
]


@pytest.mark.parametrize(("kind", "token"), NOT_FOUND, ids=[kind for kind, _ in NOT_FOUND])
def test_a_token_that_is_not_ours_is_a_plain_404(briefing, kind, token):
    member(Audience.LEADERSHIP_ALLIANCE)
    for format_name in FORMATS:
        response = Client().get(
            f"/feeds/private/{token()}/{format_name}/"
            if kind == "garbage"
            else feed_url(token(), format_name)
        )
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert "does not work" in response.content.decode()
        assert PUBLIC not in response.content.decode()


def test_a_feed_is_only_read(briefing):
    token = new_token(member(Audience.LEADERSHIP_ALLIANCE))
    for method in ("post", "put", "delete"):
        assert getattr(Client(), method)(feed_url(token)).status_code == 405
    head = Client().head(feed_url(token))
    assert head.status_code == 200 and head.content == b""


def test_an_inactive_or_deleted_account_gets_nothing(briefing):
    deactivated, deleted = member(Audience.LEADERSHIP_ALLIANCE), member(Audience.STRATEGIC_CIRCLE)
    tokens = [new_token(deactivated), new_token(deleted)]
    deactivated.is_active = False
    deactivated.save()
    services.account_delete(user=deleted)
    for token in tokens:
        response = read_feed(token)
        assert response.status_code == 404
        assert PUBLIC not in response.content.decode()


def test_the_feed_fetches_in_a_fixed_number_of_queries(django_assert_num_queries):
    token = new_token(member(Audience.STRATEGIC_CIRCLE))
    gated_briefing()
    read_feed(token)  # stamps last_used_at and fills the tier wording's cache entry
    # The feed with its account, the memberships, the briefings, their sections, their
    # citations: the same for 5 briefings as for 20.
    for count in (5, 20):
        while Briefing.objects.count() < count:
            gated_briefing()
        with django_assert_num_queries(5):
            response = read_feed(token)
        assert response.content.decode().count("<item>") == count


def test_last_used_is_written_at_most_once_an_hour(django_assert_num_queries):
    user = member()
    token = new_token(user)
    read_feed(token)
    [feed] = user.private_feeds.all()
    first = feed.last_used_at
    assert first is not None
    read_feed(token)
    feed.refresh_from_db()
    assert feed.last_used_at == first
    PrivateFeed.objects.filter(pk=feed.pk).update(last_used_at=first - timedelta(hours=2))
    read_feed(token)
    feed.refresh_from_db()
    assert feed.last_used_at > first


# --- Headers, caches, logs ---------------------------------------------------------------


@pytest.mark.parametrize("format_name", FORMATS)
def test_feeds_are_private_and_unindexed(briefing, format_name):
    user = member(Audience.LEADERSHIP_ALLIANCE)
    for response in (read_feed(new_token(user), format_name), read_feed("nope", format_name)):
        assert response["Cache-Control"] == "private, no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response["X-Robots-Tag"]
    expected = {"rss": "application/rss+xml", "atom": "application/atom+xml"}[format_name]
    assert read_feed(new_token(user), format_name)["Content-Type"].startswith(expected)


def test_the_page_cache_never_keeps_a_feed(briefing, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 60  # the anonymous page cache is on
    user = member(Audience.LEADERSHIP_ALLIANCE)
    token = new_token(user)
    first, second = read_feed(token), read_feed(token)
    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second
    # The public feed beside it is kept, so the cache was on.
    public = reverse("briefings:feed-latest-rss")
    Client().get(public)
    assert Client().get(public)["X-Page-Cache"] == "hit"
    private_feeds.private_feed_revoke(user=user, feed_id=user.private_feeds.get().pk)
    refused = read_feed(token)
    assert refused.status_code == 404
    assert ALLIANCE not in refused.content.decode()


def test_the_token_never_reaches_the_log(briefing, log_output):  # noqa: F811
    user = member(Audience.STRATEGIC_CIRCLE)
    token = new_token(user)
    read_feed(token, "atom")
    private_feeds.private_feed_revoke(user=user, feed_id=user.private_feeds.get().pk)
    read_feed(token)  # a 404, which Django logs too ("Not Found: ...")
    output = log_output.getvalue()
    for piece in re.split(r"[-_]", token):
        if len(piece) >= 6:
            assert piece not in output
    paths = [line["path"] for line in log_output.requests()]
    assert paths == ["/feeds/private/[token]/atom/", "/feeds/private/[token]/rss/"]
    assert "Not Found: /feeds/private/[token]/rss/" in output


def test_the_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    user = member()
    for _ in range(3):
        private_feeds.private_feed_create(user=user)
    client.force_login(user)
    # The account (the session comes from the cache), and the member's feeds in one query,
    # active ones first.
    with django_assert_num_queries(2):
        assert client.get(reverse("delivery:feeds")).status_code == 200
