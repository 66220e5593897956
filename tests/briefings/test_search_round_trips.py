"""
A search reads the content generation and the cache entries it names (the filters'
choices and fields, the results) in one round trip while the generation is the one this
process read last, and never takes an entry of another generation for the current one.
"""

import pytest
from django.urls import reverse

from briefings.search import briefings_reindex
from config import caching
from tests.factories import BriefingFactory, CategoryFactory

pytestmark = pytest.mark.django_db

# A parameter no page reads: the page is neither answered from nor stored in the page
# cache, and its results are not kept (as the bench's uncached searches).
UNCACHED = {"q": "cranes", "utm_source": "mail"}


@pytest.fixture
def briefing():
    briefing = BriefingFactory(title="Harbour cranes")
    briefings_reindex(briefing_ids=[briefing.pk])
    return briefing


@pytest.fixture
def cache_reads(monkeypatch):
    """Every read of the cache a page makes, in order: ("get" or "get_many", keys)."""
    reads = []
    for name in ("get", "get_many"):
        method = getattr(caching.accelerator, name)

        def counted(keys, *args, _name=name, _method=method, **kwargs):
            reads.append((_name, keys))
            return _method(keys, *args, **kwargs)

        monkeypatch.setattr(caching.accelerator, name, counted)
    return reads


def test_an_uncached_search_reads_the_generation_with_its_entries_at_once(
    client, briefing, cache_reads
):
    url = reverse("briefings:search")
    client.get(url, UNCACHED)  # warm: the generation read, the entries kept
    cache_reads.clear()
    response = client.get(url, UNCACHED)
    assert response.status_code == 200 and "Harbour cranes" in response.content.decode()
    assert len(cache_reads) == 1
    name, keys = cache_reads[0]
    assert name == "get_many" and keys[0] == caching.GENERATION_KEY
    generation = caching.accelerator.get(caching.GENERATION_KEY)
    assert all(f":{generation}:" in key for key in keys[1:]) and len(keys) >= 3


def test_after_an_edit_the_entries_of_the_new_generation_are_read_not_the_guessed(
    client, briefing, cache_reads
):
    url = reverse("briefings:search")
    assert "Orbital launch" not in client.get(url, UNCACHED).content.decode()
    before = caching.accelerator.get(caching.GENERATION_KEY)
    CategoryFactory(name="Orbital launch")  # raises the generation
    assert caching.accelerator.get(caching.GENERATION_KEY) != before
    cache_reads.clear()
    # The filter fields kept for the generation this process read last hold no such term:
    # the new one is read (a second round trip), and shows at once.
    assert "Orbital launch" in client.get(url, UNCACHED).content.decode()
    (first, guessed), (second, current) = cache_reads[:2]
    generation = caching.accelerator.get(caching.GENERATION_KEY)
    assert first == second == "get_many"
    assert all(f":{before}:" in key for key in guessed[1:])
    assert all(f":{generation}:" in key for key in current) and len(current) >= 2
    cache_reads.clear()
    assert "Orbital launch" in client.get(url, UNCACHED).content.decode()
    assert len(cache_reads) == 1
