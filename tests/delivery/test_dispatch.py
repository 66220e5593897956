"""Who gets a briefing by e-mail: the editor's choice, the recipients, the moment it is sent."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.test import TestCase
from django.utils import timezone

from briefings import workflow
from briefings.models import Briefing
from delivery import recipients
from delivery.dispatch import briefing_dispatch, briefing_send_choose, dispatches_overdue
from delivery.models import BriefingSend, Delivery, DeliveryPreference, SavedSearch, Suppression
from members.access import Audience
from tests.briefings.newsroom import change_url, form_data
from tests.delivery.conftest import member
from tests.factories import (
    BriefingFactory,
    CategoryFactory,
    RegionFactory,
    TopicFactory,
    UserFactory,
    ready_briefing,
)

pytestmark = pytest.mark.django_db

Cadence = DeliveryPreference.Cadence
Recipients = BriefingSend.Recipients


def ledger(briefing) -> dict[str, str]:
    """Recipient address → reason, for the briefing's ledger rows."""
    rows = Delivery.objects.filter(key=f"briefing:{briefing.pk}").select_related("user")
    assert all(
        row.kind == Delivery.Kind.BRIEFING and row.briefing_id == briefing.pk for row in rows
    )
    return {row.user.email: row.reason for row in rows}


def publish(briefing, editor, *, recipients=Recipients.FOLLOWERS, tier=None, at=None):
    """The editor's choice, then publishing, as the newsroom does; commit hooks run."""
    briefing_send_choose(briefing=briefing, recipients=recipients, tier=tier, by=editor)
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        workflow.briefing_publish(briefing=briefing, by=editor, at=at)


@pytest.fixture
def terms():
    return {
        "category": CategoryFactory(name="Energy"),
        "region": RegionFactory(name="Nordics"),
        "topic": TopicFactory(name="Grid"),
        "other": TopicFactory(name="Shipping"),
    }


@pytest.fixture
def briefing(terms):
    return ready_briefing(category=terms["category"], region=terms["region"], topic=terms["topic"])


# --- The choice in the newsroom -------------------------------------------------------


def test_publishing_in_admin_stores_the_choice_and_sends_to_followers(
    client, editor, briefing, terms, django_capture_on_commit_callbacks
):
    follower = member(follows=[terms["category"]])
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(briefing),
            form_data(briefing, send_to="followers", _publish="Save and publish"),
        )
    assert response.status_code == 302
    send = BriefingSend.objects.get(briefing=briefing)
    assert (send.recipients, send.chosen_by) == (Recipients.FOLLOWERS, editor)
    assert send.dispatched_at is not None
    assert ledger(briefing) == {follower.email: "followers"}


def test_choosing_a_tier_in_admin(client, editor, briefing, django_capture_on_commit_callbacks):
    alliance = member(Audience.LEADERSHIP_ALLIANCE, cadence=Cadence.NONE)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(briefing),
            form_data(
                briefing,
                send_to=f"tier:{Audience.LEADERSHIP_ALLIANCE.slug}",
                _publish="Save and publish",
            ),
        )
    send = BriefingSend.objects.get(briefing=briefing)
    assert (send.recipients, send.tier) == (Recipients.TIER, Audience.LEADERSHIP_ALLIANCE)
    assert ledger(briefing) == {alliance.email: "tier"}


def test_no_one_means_no_email(client, editor, briefing, terms, django_capture_on_commit_callbacks):
    member(follows=[terms["category"]])
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(briefing),
            form_data(briefing, send_to="nobody", _publish="Save and publish"),
        )
    assert BriefingSend.objects.get(briefing=briefing).recipients == Recipients.NOBODY
    assert ledger(briefing) == {}


def test_publishing_without_a_choice_sends_nothing(editor, briefing, terms):
    """The importer, load_demo and list actions on briefings nobody chose for: no e-mail."""
    member(follows=[terms["category"]])
    with transaction.atomic():
        workflow.briefing_publish(briefing=briefing, by=editor)
    assert ledger(briefing) == {}


def test_the_form_offers_the_choice_then_shows_it_read_only(client, editor, briefing, terms):
    client.force_login(editor)
    page = client.get(change_url(briefing)).content.decode()
    assert 'name="send_to"' in page
    assert "Every Strategic Circle member, and every Leadership Alliance member" in page
    member(follows=[terms["category"]])
    publish(briefing, editor)
    page = client.get(change_url(briefing)).content.decode()
    assert 'name="send_to"' not in page
    assert "Sent to: Members who follow" in page
    assert "Send report" in page


def test_moving_a_scheduled_briefing_to_now_in_admin_sends_it(
    client, editor, briefing, terms, django_capture_on_commit_callbacks
):
    follower = member(follows=[terms["category"]])
    publish(briefing, editor, at=timezone.now() + timedelta(days=1))
    assert ledger(briefing) == {}
    briefing.refresh_from_db()
    earlier = timezone.now() - timedelta(minutes=1)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(briefing),
            form_data(
                briefing,
                send_to="followers",
                published_at_0=earlier.strftime("%Y-%m-%d"),
                published_at_1=earlier.strftime("%H:%M:%S"),
                _publish_changes="Save and publish changes",
            ),
        )
    assert response.status_code == 302
    assert ledger(briefing) == {follower.email: "followers"}


def test_a_choice_cannot_change_after_dispatch(editor, briefing):
    publish(briefing, editor)
    send = briefing_send_choose(briefing=briefing, recipients=Recipients.NOBODY, by=editor)
    assert send.recipients == Recipients.FOLLOWERS


def test_a_writer_gets_no_choice(client, writer, briefing):
    client.force_login(writer)
    page = client.get(change_url(briefing)).content.decode()
    assert 'name="send_to"' not in page


# --- Followers --------------------------------------------------------------------------


def test_followers_get_it_and_no_one_else(editor, briefing, terms):
    by_category = member(follows=[terms["category"]])
    by_region = member(follows=[terms["region"]])
    by_topic = member(Audience.LEADERSHIP_ALLIANCE, follows=[terms["topic"]])
    member(follows=[terms["other"]])  # an unrelated topic
    member(follows=[terms["category"]], cadence=Cadence.DAILY)  # gets it in a digest
    member(follows=[terms["category"]], cadence=Cadence.NONE)
    suppressed = member(follows=[terms["category"]], email="Gone@Example.org")
    Suppression.objects.create(address="gone@example.org", reason="unsubscribed")
    member(None, follows=[terms["category"]])  # not a member
    member(follows=[terms["category"]], lapsed=True)  # membership ended
    member(follows=[terms["category"]], is_active=False)
    unverified = member(follows=[terms["category"]], verified=False)
    publish(briefing, editor)
    sent = ledger(briefing)
    assert sent == {
        by_category.email: "followers",
        by_region.email: "followers",
        by_topic.email: "followers",
    }
    assert suppressed.email not in sent and unverified.email not in sent


def test_a_saved_search_that_finds_it(editor, terms):
    briefing = ready_briefing(category=terms["category"], title="Offshore wind auction")
    from briefings.search import briefing_reindex

    briefing_reindex(briefing=briefing)
    finds = member()
    SavedSearch.objects.create(user=finds, name="Wind", query_string="q=wind")
    filtered = member()
    SavedSearch.objects.create(
        user=filtered, name="Energy", query_string=f"category={terms['category'].slug}"
    )
    misses = member()
    SavedSearch.objects.create(user=misses, name="Rail", query_string="q=railway")
    wrong_filter = member()
    SavedSearch.objects.create(
        user=wrong_filter, name="Wind, shipping", query_string=f"q=wind&topic={terms['other'].slug}"
    )
    publish(briefing, editor)
    assert set(ledger(briefing)) == {finds.email, filtered.email}


def test_a_saved_search_matches_only_what_its_owner_may_read(editor, terms):
    briefing = ready_briefing(category=terms["category"])
    briefing.sections.create(
        position=2, heading="Members", body="The zeppelin plan.", audience=Audience.STRATEGIC_CIRCLE
    )
    from briefings.search import briefing_reindex

    briefing_reindex(briefing=briefing)
    circle = member(Audience.STRATEGIC_CIRCLE)
    SavedSearch.objects.create(user=circle, name="Z", query_string="q=zeppelin")
    lapsed = member(lapsed=True)
    SavedSearch.objects.create(user=lapsed, name="Z", query_string="q=zeppelin")
    publish(briefing, editor)
    assert set(ledger(briefing)) == {circle.email}


def test_saved_search_filters_match_as_the_search_page_does(terms):
    briefing = BriefingFactory(category=terms["category"], confidence=70)
    for query, expected in [
        (f"category={terms['category'].slug}", True),
        (f"topic={terms['other'].slug}", False),
        ("confidence_min=60&confidence_max=80", True),
        ("confidence_min=80", False),
        (f"kind={Briefing.Kind.SIGNAL_BRIEF}", False),
    ]:
        _, facets = recipients._parse(query)
        assert recipients._facets_match(briefing, facets) is expected, query
        from briefings.forms import SearchForm

        form = SearchForm(QueryDict(query))
        in_queryset = form.filter(Briefing.objects.filter(pk=briefing.pk)).exists()
        assert in_queryset is expected, query


# --- Tiers ------------------------------------------------------------------------------


def test_a_tier_send_reaches_that_tier_and_above(editor, briefing):
    circle = member(Audience.STRATEGIC_CIRCLE, cadence=Cadence.NONE)
    alliance = member(Audience.LEADERSHIP_ALLIANCE, cadence=Cadence.WEEKLY)
    member(Audience.STRATEGIC_CIRCLE, lapsed=True)
    member(None)
    publish(briefing, editor, recipients=Recipients.TIER, tier=Audience.STRATEGIC_CIRCLE)
    assert ledger(briefing) == {circle.email: "tier", alliance.email: "tier"}


def test_a_tier_send_leaves_out_the_tiers_below(editor, briefing):
    member(Audience.STRATEGIC_CIRCLE)
    alliance = member(Audience.LEADERSHIP_ALLIANCE)
    lapsed_alliance = member(Audience.LEADERSHIP_ALLIANCE, lapsed=True)
    Suppression.objects.create(address=member(Audience.LEADERSHIP_ALLIANCE).email, reason="bounced")
    publish(briefing, editor, recipients=Recipients.TIER, tier=Audience.LEADERSHIP_ALLIANCE)
    assert set(ledger(briefing)) == {alliance.email}
    assert lapsed_alliance.email not in ledger(briefing)


# --- Once, and set-based ----------------------------------------------------------------


def test_dispatching_again_writes_nothing_twice(editor, briefing, terms):
    member(follows=[terms["category"]])
    member(follows=[terms["region"]])
    publish(briefing, editor)
    BriefingSend.objects.filter(briefing=briefing).update(dispatched_at=None)
    briefing_dispatch(briefing_id=briefing.pk)
    assert Delivery.objects.filter(briefing=briefing).count() == 2


def test_the_database_refuses_a_second_row_for_the_same_reason(briefing):
    user = member()
    Delivery.objects.create(user=user, key=f"briefing:{briefing.pk}", kind="briefing", reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            user=user, key=f"briefing:{briefing.pk}", kind="briefing", reason="y"
        )


@pytest.mark.parametrize(
    # Recipients, then the ledger: one insert and one read of the new rows (sending).
    ("recipients_choice", "queries"),
    [(Recipients.FOLLOWERS, 8), (Recipients.TIER, 7)],
)
def test_the_fan_out_costs_the_same_queries_for_10_or_50_recipients(
    editor, terms, recipients_choice, queries, tasks_held, django_assert_num_queries
):
    def fan_out(count):
        briefing = ready_briefing(
            category=terms["category"], region=terms["region"], topic=terms["topic"]
        )
        for _ in range(count):
            member(follows=[terms["category"]])
        briefing_send_choose(
            briefing=briefing,
            recipients=recipients_choice,
            tier=Audience.STRATEGIC_CIRCLE,
            by=editor,
        )
        Briefing.objects.filter(pk=briefing.pk).update(
            status=Briefing.Status.PUBLISHED, published_at=timezone.now()
        )
        return briefing

    few, many = fan_out(10), fan_out(40)  # the second reaches all 50
    # The send (locked), the saved searches (followers only: none here), the recipients,
    # the ledger rows, the send marked dispatched; the savepoint and its release.
    with django_assert_num_queries(queries) as few_queries:
        assert briefing_dispatch(briefing_id=few.pk) >= 10
    with django_assert_num_queries(len(few_queries)):
        assert briefing_dispatch(briefing_id=many.pk) >= 50


# --- Scheduled --------------------------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    """
    The persistent task queue (django-tasks-db), which keeps deferred tasks until their
    time; its worker runs in the test's process, so these tests commit for real.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def time_passes(delta):
    """Move every scheduled moment `delta` earlier: the same as the clock moving on."""
    from django.db.models import F
    from django_tasks_db.models import DBTaskResult

    Briefing.objects.filter(published_at__isnull=False).update(
        published_at=F("published_at") - delta
    )
    DBTaskResult.objects.filter(run_after__isnull=False).update(run_after=F("run_after") - delta)


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_briefing_is_sent_at_its_time_and_not_before(
    editor, briefing, terms, database_tasks, django_capture_on_commit_callbacks
):
    follower = member(follows=[terms["category"]])
    with django_capture_on_commit_callbacks(execute=True):
        publish(briefing, editor, at=timezone.now() + timedelta(hours=2))
    run_worker()
    assert ledger(briefing) == {}
    time_passes(timedelta(hours=1))
    run_worker()
    assert ledger(briefing) == {}
    time_passes(timedelta(hours=1, minutes=1))
    run_worker()
    assert ledger(briefing) == {follower.email: "followers"}


@pytest.mark.django_db(transaction=True)
def test_a_rescheduled_briefing_is_sent_once_at_its_new_time(
    editor, briefing, terms, database_tasks, django_capture_on_commit_callbacks
):
    follower = member(follows=[terms["category"]])
    with django_capture_on_commit_callbacks(execute=True):
        publish(briefing, editor, at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        workflow.briefing_publish(
            briefing=briefing, by=editor, at=timezone.now() + timedelta(hours=3)
        )
    time_passes(timedelta(hours=2))
    run_worker()  # the first task's time has come: the briefing is not live, it does nothing
    assert ledger(briefing) == {}
    assert BriefingSend.objects.get(briefing=briefing).dispatched_at is None
    time_passes(timedelta(hours=1, minutes=1))
    run_worker()
    assert ledger(briefing) == {follower.email: "followers"}
    assert Delivery.objects.filter(user=follower).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_unpublished_briefing_is_not_sent_at_its_old_time(
    editor, briefing, terms, database_tasks, django_capture_on_commit_callbacks
):
    member(follows=[terms["category"]])
    with django_capture_on_commit_callbacks(execute=True):
        publish(briefing, editor, at=timezone.now() + timedelta(hours=1))
    workflow.briefing_unpublish(briefing=briefing, by=editor)
    time_passes(timedelta(hours=2))
    run_worker()
    assert ledger(briefing) == {}


def test_the_safety_net_sends_a_live_briefing_whose_dispatch_never_ran(editor, briefing, terms):
    follower = member(follows=[terms["category"]])
    briefing_send_choose(briefing=briefing, recipients=Recipients.FOLLOWERS, by=editor)
    Briefing.objects.filter(pk=briefing.pk).update(
        status=Briefing.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=5)
    )
    call_command("send_digests", verbosity=0)
    assert ledger(briefing) == {follower.email: "followers"}


def test_the_safety_net_leaves_old_news_alone(editor, briefing, terms):
    member(follows=[terms["category"]])
    briefing_send_choose(briefing=briefing, recipients=Recipients.FOLLOWERS, by=editor)
    Briefing.objects.filter(pk=briefing.pk).update(
        status=Briefing.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=5)
    )
    assert dispatches_overdue() == 0
    assert ledger(briefing) == {}


def test_an_inactive_account_is_reached_by_nothing():
    UserFactory(is_active=False)
    assert not recipients.reachable_users().filter(is_active=False).exists()


def test_load_demo_sends_nothing(terms):
    member(Audience.LEADERSHIP_ALLIANCE)
    call_command("load_demo", verbosity=0)
    assert Briefing.objects.published().exists()
    assert not BriefingSend.objects.exists()
    assert not Delivery.objects.exists()
