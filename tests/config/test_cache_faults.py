"""
The cache only makes pages faster: when Redis is away (refused or hung) pages are built
from the database, and nobody can fill the cache with addresses that no page reads.
The same faults against a real, private Redis under gunicorn: tests/config/test_prodlike.py.
"""

import logging

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client

from config import cache as config_cache
from config.caching import PAGE_HEADER
from members.access import Audience
from tests.factories import BriefingFactory, MembershipFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS_KEYED = (":page:", ":part:", "shared:")


@pytest.fixture
def briefing():
    briefing = BriefingFactory(title="Harbour cranes")
    SectionFactory(briefing=briefing, position=1, body="Open words.")
    SectionFactory(
        briefing=briefing, position=2, body="Circle words.", audience=Audience.STRATEGIC_CIRCLE
    )
    return briefing


def kept_keys() -> list[str]:
    """The entries kept per address: whole pages, briefing parts, shared list content."""
    return [key for key in cache._cache if any(kind in key for kind in ADDRESS_KEYED)]


@pytest.fixture
def cache_away(monkeypatch):
    """Call it to make the default cache refuse every call, as it does while Redis is down."""

    def go_away():
        refused = redis.ConnectionError("Error 111 connecting. Connection refused.")

        def refuse(*args, **kwargs):
            raise refused

        for alias in ("default", "pages"):
            for name in ("get", "set", "add", "incr", "delete", "has_key", "get_many", "set_many"):
                monkeypatch.setattr(caches[alias], name, refuse)

    monkeypatch.setattr(config_cache.outage, "down_since", None)
    return go_away


def test_made_up_query_parameters_are_served_but_never_kept(briefing):
    reader = Client()
    before = kept_keys()
    for n in range(20):
        for path in (briefing.get_absolute_url(), "/", "/briefings/"):
            response = reader.get(f"{path}?utm={n}")
            assert response.status_code == 200
            assert PAGE_HEADER not in response
    assert kept_keys() == before


def test_the_parameters_pages_read_are_kept_under_one_key_whatever_their_order(briefing):
    reader = Client()
    first = reader.get("/briefings/?kind=article&page=1")
    again = reader.get("/briefings/?page=1&kind=article")
    assert first[PAGE_HEADER] == "miss"
    assert again[PAGE_HEADER] == "hit"


def test_a_members_page_with_a_made_up_parameter_keeps_no_parts(client, briefing):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    client.force_login(user)
    before = kept_keys()
    for n in range(5):
        assert "Circle words." in client.get(f"{briefing.get_absolute_url()}?ref={n}").text
    assert not [key for key in kept_keys() if key not in before and ":part:" in key]
    client.get(briefing.get_absolute_url())
    assert [key for key in kept_keys() if ":part:" in key]


def test_pages_are_built_from_the_database_while_the_cache_is_away(briefing, cache_away, caplog):
    reader = Client()
    cache_away()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for path in ("/", "/briefings/", briefing.get_absolute_url(), "/healthz"):
            response = reader.get(path)
            assert response.status_code == 200, path
            assert PAGE_HEADER not in response
        assert "Open words." in reader.get(briefing.get_absolute_url()).text
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1, "an outage is logged once, not once a request"
    assert "cache unavailable (ConnectionError)" in warnings[0].getMessage()


def test_a_signed_in_member_reads_their_parts_while_the_cache_is_away(client, briefing, cache_away):
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    client.force_login(user)
    cache_away()
    response = client.get(briefing.get_absolute_url())
    assert response.status_code == 200
    assert "Circle words." in response.text


def test_the_end_of_an_outage_is_logged_once(briefing, caplog, monkeypatch):
    monkeypatch.setattr(config_cache.Outage, "RETRY_SECONDS", 0)
    config_cache.outage.failed(redis.ConnectionError("refused"))
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        Client().get("/")
        Client().get("/briefings/")
    back = [r for r in caplog.records if r.getMessage().startswith("cache available again")]
    assert len(back) == 1


def test_while_the_cache_is_down_it_is_asked_once_a_second_not_on_every_call(monkeypatch):
    calls = []

    class Hung:
        def get(self, key, default=None):
            calls.append(key)
            raise redis.TimeoutError("Timeout reading from socket")

    accelerator = config_cache.FailOpen(Hung())
    assert [accelerator.get(f"k{n}", "miss") for n in range(50)] == ["miss"] * 50
    assert calls == ["k0"]
    monkeypatch.setattr(config_cache.Outage, "RETRY_SECONDS", 0)
    accelerator.get("again")
    assert calls == ["k0", "again"]


@pytest.mark.parametrize(
    "path",
    ["/briefings/harbour-cranes/?next=/x/", "/?q=cranes", "/?page=2", "/membership/?q=x"],
    ids=["next on a briefing", "q on home", "page on home", "q on membership"],
)
def test_a_parameter_is_kept_only_on_the_page_that_reads_it(briefing, path):
    path = path.replace("harbour-cranes", briefing.slug)
    before = kept_keys()
    for n in range(3):
        assert Client().get(f"{path}{n}").status_code == 200
    assert kept_keys() == before


def test_without_a_content_generation_nothing_is_kept_or_read(briefing, cache_away):
    from briefings.caching import briefing_parts_key, cached
    from config.caching import content_generation
    from members.access import ReaderStatus

    cache_away()
    assert content_generation() is None
    reader = ReaderStatus()
    assert briefing_parts_key(reader, url="https://x/briefings/y/") == ""
    assert cached("anything", lambda: "built") == "built"
