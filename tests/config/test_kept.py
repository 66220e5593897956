"""
One build for many readers (`config.caching.kept`, behind `briefings.caching.remember`
and `shared_content`): a missing entry is built by one request while the others wait for
it; an entry past its time is served, under its own key only, while one request rebuilds
it; nothing of another key (another reader, another content generation) is ever served.
"""

import threading
import time

import pytest
import redis
from django.core.cache import caches
from django.http import Http404

from briefings.caching import cached
from config import cache as config_cache
from config import caching
from config.caching import Kept, bump_content_generation, kept, pages_cache


@pytest.fixture(autouse=True)
def empty_cache():
    pages_cache.clear()
    yield
    pages_cache.clear()


@pytest.fixture
def short_claims(monkeypatch):
    """Claims (and so waits) of a few milliseconds, for the tests of giving up."""
    monkeypatch.setattr(caching, "BUILD_CLAIM_SECONDS", 0.05)


@pytest.fixture
def waiting(monkeypatch):
    """How many requests are waiting for another's build at this moment."""
    state = {"waiting": 0}
    real = caching._wait_for

    def counted(key):
        state["waiting"] += 1
        try:
            return real(key)
        finally:
            state["waiting"] -= 1

    monkeypatch.setattr(caching, "_wait_for", counted)
    return state


def until(condition):
    """Waits for another thread to get somewhere (not a timing assertion: it fails only
    if the thread never does)."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the other threads never got there"
        time.sleep(0.001)


def claim_of(key):
    return pages_cache.get(caching._claim_key(key))


def keep(key, value, *, fresh_for):
    """An entry as `kept` stores it, fresh for `fresh_for` seconds (negative: past it)."""
    pages_cache.set(caching._stored_key(key), Kept(value, time.time() + fresh_for), 60)


def stored(key):
    return pages_cache.get(caching._stored_key(key))


def must_not_build():
    raise AssertionError("built, though another request is building it")


def test_a_missing_entry_is_built_once_while_the_others_wait_for_it(waiting):
    builds, release, results = [], threading.Event(), []

    def build():
        builds.append(threading.get_ident())
        release.wait(10)
        return "the page"

    def reader():
        results.append(kept("page-key", build, timeout=60))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    until(lambda: len(builds) == 1 and waiting["waiting"] == 3)
    release.set()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert results == ["the page"] * 4
    assert claim_of("page-key") is None


def test_an_entry_past_its_time_is_served_while_another_request_rebuilds_it():
    keep("page-key", "a moment ago", fresh_for=-1)
    pages_cache.add(caching._claim_key("page-key"), "another request", 5)
    assert kept("page-key", must_not_build, timeout=60) == "a moment ago"


def test_an_entry_past_its_time_is_rebuilt_by_the_request_that_claims_it():
    keep("page-key", "a moment ago", fresh_for=-1)
    assert kept("page-key", lambda: "now", timeout=60) == "now"
    assert stored("page-key").value == "now"
    assert kept("page-key", must_not_build, timeout=60) == "now"
    assert claim_of("page-key") is None


def test_a_waiting_request_never_gets_another_keys_value(short_claims):
    # Reader A's entry is there (and past its time); reader B's is being built by a
    # request that never finishes. B waits, then builds its own: never A's value.
    keep("part:reader-a", "reader A's parts", fresh_for=-1)
    pages_cache.add(caching._claim_key("part:reader-b"), "a stuck request", 5)
    assert kept("part:reader-b", lambda: "reader B's parts", timeout=60) == "reader B's parts"
    assert kept("part:reader-a", lambda: "reader A's again", timeout=60) == "reader A's again"


def test_a_new_content_generation_never_serves_the_old_ones_entry(short_claims):
    assert cached("home", lambda: "before the edit") == "before the edit"
    bump_content_generation()
    # Someone is building the new generation's entry: the others wait for it (here it
    # never comes), then build; the old generation's entry is never handed out.
    generation = caching.content_generation()
    pages_cache.add(caching._claim_key(f"content:{generation}:home"), "a stuck request", 5)
    assert cached("home", lambda: "after the edit") == "after the edit"


def test_a_build_that_fails_lets_go_of_its_claim():
    def not_found():
        raise Http404

    with pytest.raises(Http404):
        kept("term-key", not_found, timeout=60)
    assert claim_of("term-key") is None
    assert kept("term-key", lambda: "the term", timeout=60) == "the term"


def test_waiting_requests_build_for_themselves_when_the_builder_gives_up(waiting):
    pages_cache.add(caching._claim_key("page-key"), "a request that fails", 5)
    results = []
    thread = threading.Thread(
        target=lambda: results.append(kept("page-key", lambda: "mine", timeout=60))
    )
    thread.start()
    until(lambda: waiting["waiting"] == 1)
    pages_cache.delete(caching._claim_key("page-key"))  # its build failed: no value
    thread.join()
    assert results == ["mine"]


def test_without_the_cache_everyone_builds_and_nobody_waits(monkeypatch):
    refused = redis.ConnectionError("Error 111 connecting. Connection refused.")

    def refuse(*args, **kwargs):
        raise refused

    for name in ("get", "set", "add", "delete", "get_many"):
        monkeypatch.setattr(caches["pages"], name, refuse)
    monkeypatch.setattr(config_cache.outage, "down_since", None)
    monkeypatch.setattr(caching.time, "sleep", lambda seconds: must_not_build())
    builds = []
    for _ in range(2):
        assert kept("page-key", lambda: builds.append(1) or "built", timeout=60) == "built"
    assert len(builds) == 2


def test_a_timeout_of_zero_keeps_nothing():
    assert kept("page-key", lambda: "built", timeout=0) == "built"
    assert stored("page-key") is None


def test_entries_are_not_under_the_bare_key_code_from_before_reads():
    # During a deploy that reaches the servers one by one, a server still running the
    # earlier code reads bare keys: it must never find a Kept where it expects the value.
    kept("page-key", lambda: "the page", timeout=60)
    assert pages_cache.get("page-key") is None
    assert stored("page-key").value == "the page"
