"""
A signed-in reader's pages run no query when warm: the account row, the membership terms
and the follows are kept in the cache per account (members.caching), and every change to
them is seen on the very next request.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefings.search import briefings_reindex
from members.access import Audience
from members.models import Membership
from members.signals import reader_changed
from tests import factories
from tests.briefings.helpers import reader_page_addresses
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SC_TEXT = "Strategic Circle only: the trend behind the signal."
LA_TEXT = "Leadership Alliance only: the failure path."

TIERS = [None, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE]
TIER_IDS = ["signed-in-without-membership", "strategic-circle", "leadership-alliance"]


@pytest.fixture
def briefing():
    briefing = factories.gated_briefing(
        signal_brief=True, public="Public fact.", circle=SC_TEXT, alliance=LA_TEXT
    )
    briefings_reindex(briefing_ids=[briefing.pk])  # found by the search page
    return briefing


def sign_in(client, tier=None, **membership):
    user = UserFactory()
    if tier is not None:
        MembershipFactory(user=user, tier=tier, **membership)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "page", ["briefing", "home", "list", "category", "region", "topic", "search"]
)
@pytest.mark.parametrize("tier", TIERS, ids=TIER_IDS)
def test_a_warm_signed_in_page_runs_no_query(
    client, django_assert_num_queries, briefing, page, tier
):
    sign_in(client, tier)
    url = reader_page_addresses(briefing)[page]
    assert client.get(url).status_code == 200  # warms the page's parts and the account's
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated


def test_a_new_membership_shows_on_the_very_next_request(client, briefing):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    page = client.get(url).content.decode()
    assert SC_TEXT in page and LA_TEXT not in page
    MembershipFactory(user=user, tier=Audience.LEADERSHIP_ALLIANCE)
    assert LA_TEXT in client.get(url).content.decode()


def test_a_removed_membership_shows_on_the_very_next_request(client, briefing):
    user = sign_in(client, Audience.LEADERSHIP_ALLIANCE)
    url = briefing.get_absolute_url()
    assert LA_TEXT in client.get(url).content.decode()
    user.memberships.get().delete()
    page = client.get(url).content.decode()
    assert LA_TEXT not in page and SC_TEXT not in page


def test_an_ended_membership_shows_on_the_very_next_request(client, briefing):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert SC_TEXT in client.get(url).content.decode()
    membership = user.memberships.get()
    membership.ends_at = timezone.now() - dt.timedelta(minutes=1)
    membership.save()
    assert SC_TEXT not in client.get(url).content.decode()


def test_a_membership_ends_at_its_moment_though_its_terms_are_kept(client, briefing, monkeypatch):
    # The terms are kept, not the standing: the access rule works it out on each request.
    ends_at = timezone.now() + dt.timedelta(hours=1)
    sign_in(client, Audience.STRATEGIC_CIRCLE, ends_at=ends_at)
    url = briefing.get_absolute_url()
    assert SC_TEXT in client.get(url).content.decode()
    monkeypatch.setattr(timezone, "now", lambda: ends_at)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert SC_TEXT not in page
    # Nothing was forgotten: the kept terms say it ended (the page's parts for the new
    # standing are rendered, but the memberships are not read again).
    assert not [q for q in queries.captured_queries if "members_membership" in q["sql"]]


def test_reader_changed_alone_forgets_the_standing(client, briefing):
    # What grants reading by other means (seats) only sends the signal: a change made
    # without any model signal (a queryset update) is seen once it is sent.
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert SC_TEXT in client.get(url).content.decode()
    Membership.objects.filter(user=user).update(tier=Audience.LEADERSHIP_ALLIANCE)
    assert LA_TEXT not in client.get(url).content.decode()  # still the kept terms
    reader_changed.send(sender=Membership, user_ids=frozenset({user.pk}))
    assert LA_TEXT in client.get(url).content.decode()


def test_a_membership_change_commits_and_forgets_again(
    client, briefing, django_capture_on_commit_callbacks
):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert LA_TEXT not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        MembershipFactory(user=user, tier=Audience.LEADERSHIP_ALLIANCE)
    assert callbacks  # reader_changed, on commit
    assert LA_TEXT in client.get(url).content.decode()


def test_an_application_shows_on_the_very_next_request(client, briefing):
    # What the lock cards say depends on the reader's pending applications, kept with
    # their memberships: a new application is seen at once, and so is its decision.
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert client.get(url).wsgi_request.reader.pending == frozenset()
    application = ApplicationFactory(user=user, tier=Audience.LEADERSHIP_ALLIANCE)
    reader = client.get(url).wsgi_request.reader
    assert reader.pending == frozenset({Audience.LEADERSHIP_ALLIANCE})
    application.delete()
    assert client.get(url).wsgi_request.reader.pending == frozenset()


def test_two_readers_never_share_what_is_kept(briefing):
    from django.test import Client

    circle, alliance = Client(), Client()
    sign_in(circle, Audience.STRATEGIC_CIRCLE)
    sign_in(alliance, Audience.LEADERSHIP_ALLIANCE)
    url = briefing.get_absolute_url()
    for _ in range(2):
        assert LA_TEXT not in circle.get(url).content.decode()
        assert LA_TEXT in alliance.get(url).content.decode()


# --- The account row: security first ----------------------------------------------------


def test_a_password_change_signs_out_other_sessions_at_once(client, briefing):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert client.get(url).wsgi_request.user == user
    user.set_password("a-new-password-for-this-test")
    user.save()
    response = client.get(url)
    assert not response.wsgi_request.user.is_authenticated
    assert SC_TEXT not in response.content.decode()


def test_a_deactivated_account_is_signed_out_at_once(client, briefing):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert client.get(url).wsgi_request.user.is_authenticated
    user.is_active = False
    user.save()
    assert not client.get(url).wsgi_request.user.is_authenticated


def test_a_deleted_account_is_signed_out_at_once(client, briefing):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.get_absolute_url()
    assert client.get(url).wsgi_request.user.is_authenticated
    user.delete()
    assert not client.get(url).wsgi_request.user.is_authenticated


def test_a_changed_address_shows_at_once(client, briefing):
    user = sign_in(client)
    url = reverse("briefings:list")
    assert client.get(url).wsgi_request.user.email == user.email
    user.email = "renamed@example.org"
    user.save()
    assert client.get(url).wsgi_request.user.email == "renamed@example.org"


def test_a_session_for_a_backend_no_longer_configured_is_nobody(client, settings):
    sign_in(client)
    url = reverse("briefings:list")
    assert client.get(url).wsgi_request.user.is_authenticated
    settings.AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
    assert not client.get(url).wsgi_request.user.is_authenticated


# --- Follows --------------------------------------------------------------------------


def test_a_follow_shows_on_the_very_next_request(client, briefing, django_assert_num_queries):
    sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.category.get_absolute_url()
    assert "Following" not in client.get(url).content.decode()
    follow = reverse("delivery:follow", args=["category", briefing.category.pk])
    client.post(follow, {"next": url})
    assert "Following" in client.get(url).content.decode()
    with django_assert_num_queries(0):
        client.get(url)
    unfollow = reverse("delivery:unfollow", args=["category", briefing.category.pk])
    client.post(unfollow, {"next": url})
    assert "Following" not in client.get(url).content.decode()


# --- One round trip for the account, once per request ---------------------------------


@pytest.fixture
def account_reads(monkeypatch):
    """The keys of each read of the pages cache that names an account, one list a call."""
    from django.core.cache import caches

    cache, calls, inside = caches["pages"], [], []

    def recorded(method):
        def read(keys, *args, **kwargs):
            names = [keys] if isinstance(keys, str) else list(keys)
            if not inside and any(name.startswith("account:") for name in names):
                calls.append(names)
            inside.append(True)  # a backend's get_many may call its own get
            try:
                return method(keys, *args, **kwargs)
            finally:
                inside.pop()

        return read

    monkeypatch.setattr(cache, "get", recorded(cache.get))
    monkeypatch.setattr(cache, "get_many", recorded(cache.get_many))
    return calls


@pytest.mark.parametrize("page", ["briefing", "home", "list", "category", "search"])
def test_a_warm_page_reads_the_account_once_with_the_content_generation(
    client, briefing, account_reads, page
):
    user = sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = reader_page_addresses(briefing)[page]
    client.get(url)
    account_reads.clear()
    assert client.get(url).status_code == 200
    # The row, the standing and the follows, with the content generation, in one read.
    assert len(account_reads) == 1
    (keys,) = account_reads
    assert {f"account:{user.pk}:standing", f"account:{user.pk}:follows"} <= set(keys)
    assert "content:generation" in keys
    assert all(key.startswith((f"account:{user.pk}:", "content:")) for key in keys)


def test_what_a_request_has_read_is_forgotten_when_the_account_changes_in_it(briefing):
    from config.caching import request_scope
    from delivery.models import Follow
    from delivery.selectors import FollowTarget, followed_targets

    user = UserFactory()
    target = FollowTarget(kind="category", id=briefing.category.pk, name="x")
    with request_scope():
        assert followed_targets(user, [target]) == set()
        Follow.objects.create(user=user, category=briefing.category)
        # The follow's signal forgot the account: its memo too, within the same request.
        assert followed_targets(user, [target]) == {("category", briefing.category.pk)}


def test_a_request_memo_never_gives_one_account_another_s_entries(briefing):
    from config.caching import request_scope
    from delivery.models import Follow
    from delivery.selectors import FollowTarget, followed_targets

    follower, other = UserFactory(), UserFactory()
    Follow.objects.create(user=follower, category=briefing.category)
    target = FollowTarget(kind="category", id=briefing.category.pk, name="x")
    for _ in range(2):  # cold, then warm
        with request_scope():
            assert followed_targets(follower, [target]) == {("category", briefing.category.pk)}
            assert followed_targets(other, [target]) == set()
            assert followed_targets(follower, [target]) == {("category", briefing.category.pk)}


@pytest.fixture
def pages_cache_reads(monkeypatch):
    """The keys of each read of the pages cache, one list a call (from when it is called)."""
    from django.core.cache import caches

    cache, reads, inside = caches["pages"], [], []

    def recorded(method):
        def read(keys, *args, **kwargs):
            if not inside:
                reads.append([keys] if isinstance(keys, str) else list(keys))
            inside.append(True)  # a backend's get_many may call its own get
            try:
                return method(keys, *args, **kwargs)
            finally:
                inside.pop()

        return read

    def record():
        monkeypatch.setattr(cache, "get", recorded(cache.get))
        monkeypatch.setattr(cache, "get_many", recorded(cache.get_many))
        return reads

    return record


def test_a_warm_coverage_page_reads_the_pages_cache_twice(client, briefing, pages_cache_reads):
    sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.category.get_absolute_url()
    client.get(url)
    reads = pages_cache_reads()
    assert briefing.category.name in client.get(url).content.decode()
    # The account with the content generation; then the page kept whole for this reader.
    assert len(reads) == 2, reads
    assert len(reads[1]) == 1 and reads[1][0].startswith("reader-page:")


@pytest.mark.parametrize("tier", [None, Audience.STRATEGIC_CIRCLE], ids=["anonymous", "member"])
def test_a_warm_search_reads_the_pages_cache_twice(client, briefing, pages_cache_reads, tier):
    if tier is not None:
        sign_in(client, tier)
    url = reverse("briefings:search") + "?q=" + briefing.title.split()[0]
    client.get(url)
    reads = pages_cache_reads()
    assert briefing.title in client.get(url).content.decode()
    # The account with the content generation (signed out: the generation alone); then
    # the whole page, kept for this reader (signed out: the page cache's copy).
    assert len(reads) == 2, reads
    assert len(reads[1]) == 1
    assert reads[1][0].startswith("reader-page:" if tier else "page:"), reads


def test_a_search_not_kept_whole_reads_its_results_and_filters_together(
    client, briefing, pages_cache_reads
):
    from django.core.cache import caches

    sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = reverse("briefings:search") + "?q=" + briefing.title.split()[0]
    reads = pages_cache_reads()
    client.get(url)
    (page_key,) = [key for keys in reads for key in keys if key.startswith("reader-page:")]
    caches["pages"].delete(page_key)  # the whole page evicted, its parts still there
    reads.clear()
    assert briefing.title in client.get(url).content.decode()
    # The account with the content generation, the whole page (missing), then the
    # results, the filters' choices and their rendered fields in one read.
    assert len(reads) == 3, reads
    assert any("search:" in key for key in reads[2])
    assert any(":taxonomy-choices" in key for key in reads[2])
    assert any(":search-facets:" in key for key in reads[2])


def test_a_coverage_page_not_kept_whole_reads_its_term_and_content_together(
    client, briefing, pages_cache_reads
):
    from django.core.cache import caches

    sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.category.get_absolute_url()
    reads = pages_cache_reads()
    client.get(url)
    (page_key,) = [key for keys in reads for key in keys if key.startswith("reader-page:")]
    caches["pages"].delete(page_key)  # the whole page evicted, its parts still there
    reads.clear()
    assert briefing.category.name in client.get(url).content.decode()
    # The account with the content generation, the whole page (missing), then the term
    # with the shared content in one read.
    assert len(reads) == 3, reads
    assert any(":term:briefings.Category:" in key for key in reads[2])
    assert any(":shared:" in key for key in reads[2])


def test_a_renamed_term_shows_on_the_very_next_signed_in_request(client, briefing):
    sign_in(client, Audience.STRATEGIC_CIRCLE)
    url = briefing.category.get_absolute_url()
    assert client.get(url).status_code == 200
    briefing.category.name = "Renamed coverage area"
    briefing.category.save()
    assert "Renamed coverage area" in client.get(url).content.decode()
