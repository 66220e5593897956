"""Who else has a briefing open: the notice at the top of the change form."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from briefings.models import EditingSession
from briefings.presence import OPEN_FOR, mark_open, others_open
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db

NOTICE = "has had this briefing open since"


def opened_by(user, briefing):
    client = Client()
    client.force_login(user)
    response = client.get(change_url(briefing))
    assert response.status_code == 200
    return client, response.content.decode()


def test_the_second_editor_is_told_who_has_it_open_and_since_when():
    briefing = ready_briefing()
    ada = StaffFactory(group="editors", first_name="Ada", last_name="Lovelace")
    grace = StaffFactory(group="editors")
    _, first = opened_by(ada, briefing)
    assert NOTICE not in first  # nobody else had it open
    _, second = opened_by(grace, briefing)
    since = timezone.localtime(EditingSession.objects.get(user=ada).opened_at)
    assert f"Ada Lovelace ({ada.email})" in second
    assert f"{NOTICE} {since:%H:%M}" in second
    assert "the second save will be refused" in second


def test_the_first_editor_does_not_see_themselves_but_sees_the_second():
    briefing = ready_briefing()
    ada = StaffFactory(group="editors")
    grace = StaffFactory(group="editors")
    ada_client, _ = opened_by(ada, briefing)
    _, again = opened_by(ada, briefing)
    assert NOTICE not in again
    opened_by(grace, briefing)
    content = ada_client.get(change_url(briefing)).content.decode()
    assert content.count(NOTICE) == 1  # grace only, not ada herself
    assert f"{grace.email}\n      {NOTICE}" in content


def test_a_mark_older_than_the_limit_shows_nothing():
    briefing = ready_briefing()
    ada = StaffFactory(group="editors")
    grace = StaffFactory(group="editors")
    opened_by(ada, briefing)
    EditingSession.objects.filter(user=ada).update(
        last_seen=timezone.now() - OPEN_FOR - timedelta(seconds=1)
    )
    _, content = opened_by(grace, briefing)
    assert NOTICE not in content
    assert ada.email not in content


def test_saving_refreshes_the_mark_and_a_stale_mark_starts_again():
    briefing = ready_briefing()
    ada = StaffFactory(group="editors")
    long_ago = timezone.now() - OPEN_FOR * 2
    mark_open(briefing, ada, now=long_ago)
    assert others_open(briefing, StaffFactory(group="editors")) == []
    client = Client()
    client.force_login(ada)
    response = client.post(change_url(briefing), form_data(briefing, summary="Saved again."))
    assert response.status_code == 302
    session = EditingSession.objects.get(user=ada)
    assert session.opened_at > long_ago  # a fresh session, not one open since long ago
    assert session.last_seen > timezone.now() - timedelta(minutes=1)


def test_the_notice_costs_at_most_two_queries(django_assert_max_num_queries):
    briefing = ready_briefing()
    ada = StaffFactory(group="editors")
    grace = StaffFactory(group="editors")
    mark_open(briefing, ada)
    mark_open(briefing, grace)
    with django_assert_max_num_queries(1):
        mark_open(briefing, grace)  # still fresh: one update
    with django_assert_max_num_queries(1):
        assert [s.user for s in others_open(briefing, grace)] == [ada]


def test_opening_the_form_keeps_the_readers_caches(client):
    from config.caching import content_generation

    briefing = ready_briefing()
    generation = content_generation()
    opened_by(StaffFactory(group="editors"), briefing)  # creates the mark
    assert content_generation() == generation
