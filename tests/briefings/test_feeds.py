from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing
from tests.briefings.conftest import ALL_WORDS, GATED_WORDS, build_marked_briefing
from tests.factories import BriefingFactory, CategoryFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def feed_urls(briefing):
    urls = [reverse("briefings:feed-latest-rss"), reverse("briefings:feed-latest-atom")]
    for kind, term in (
        ("category", briefing.category),
        ("region", briefing.region),
        ("topic", briefing.topic),
    ):
        for fmt in ("rss", "atom"):
            urls.append(reverse(f"briefings:feed-{kind}-{fmt}", args=[term.slug]))
    return urls


def test_every_feed_parses_and_describes_the_briefing(client):
    briefing = build_marked_briefing(authors="Ada Lovelace, Grace Hopper")
    for url in feed_urls(briefing):
        _, parsed = fetch(client, url)
        assert parsed.feed.title
        [entry] = parsed.entries
        assert entry.title == briefing.title
        assert entry.link == f"http://testserver{briefing.get_absolute_url()}"
        assert entry.summary == briefing.summary
        assert entry.published_parsed[:5] == briefing.published_at.utctimetuple()[:5]
        assert entry.get("updated_parsed")
        terms = {tag.term for tag in entry.tags}
        assert {briefing.category.name, briefing.region.name, briefing.topic.name} <= terms
        assert "Ada Lovelace" in entry.author


def test_rss_and_atom_are_served_with_their_types(client):
    briefing = build_marked_briefing()
    rss, _ = fetch(client, reverse("briefings:feed-latest-rss"))
    atom, _ = fetch(client, reverse("briefings:feed-latest-atom"))
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert briefing.title in rss.content.decode()


def test_every_feed_goes_out_in_one_piece(client):
    """A server writes a response piece by piece: a feed of a thousand pieces was slow."""
    briefing = build_marked_briefing()
    BriefingFactory.create_batch(3, category=briefing.category)
    for url in feed_urls(briefing):
        for _ in range(2):  # made, then from the page cache
            response = client.get(url)
            assert len(list(response)) == 1
            assert briefing.title.encode() in response.content


def test_feeds_never_carry_gated_text_whoever_asks(reader, audience):
    briefing = build_marked_briefing()
    for url in feed_urls(briefing):
        response, _ = fetch(reader, url)
        body = response.content.decode()
        assert "juniper" in body  # the public summary
        for word in GATED_WORDS | (ALL_WORDS - {"juniper"}):
            assert word not in body, (url, word)


def test_feeds_list_only_published_briefings_newest_first(client):
    older = BriefingFactory(published_at=timezone.now() - timedelta(days=2))
    newer = BriefingFactory(published_at=timezone.now() - timedelta(days=1))
    BriefingFactory(status=Briefing.Status.DRAFT)
    BriefingFactory(
        status=Briefing.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1)
    )
    BriefingFactory(status=Briefing.Status.ARCHIVED)
    _, parsed = fetch(client, reverse("briefings:feed-latest-atom"))
    assert [entry.title for entry in parsed.entries] == [newer.title, older.title]


def test_coverage_feeds_hold_only_their_term(client):
    datacenter, energy = CategoryFactory(name="Datacenter"), CategoryFactory(name="Energy")
    mine = BriefingFactory(category=datacenter)
    BriefingFactory(category=energy)
    _, parsed = fetch(client, reverse("briefings:feed-category-rss", args=["datacenter"]))
    assert [entry.title for entry in parsed.entries] == [mine.title]
    assert parsed.feed.title.endswith("Datacenter")
    region, topic = RegionFactory(), TopicFactory()
    _, parsed = fetch(client, reverse("briefings:feed-region-atom", args=[region.slug]))
    assert parsed.entries == []
    _, parsed = fetch(client, reverse("briefings:feed-topic-rss", args=[topic.slug]))
    assert parsed.entries == []


def test_an_unknown_coverage_feed_is_a_404(client):
    assert client.get("/feeds/category/no-such-thing.rss").status_code == 404


def test_feed_queries_do_not_grow_with_the_number_of_briefings(client, django_assert_num_queries):
    BriefingFactory()
    url = reverse("briefings:feed-latest-rss")
    with django_assert_num_queries(1):
        fetch(client, url)
    BriefingFactory.create_batch(10)
    with django_assert_num_queries(1):
        fetch(client, url)


def test_every_page_links_the_latest_feeds_and_coverage_pages_their_own(client):
    category = CategoryFactory(name="Datacenter")
    BriefingFactory(category=category)
    home = client.get(reverse("briefings:home")).content.decode()
    assert 'rel="alternate" type="application/rss+xml"' in home
    assert f'href="{reverse("briefings:feed-latest-atom")}"' in home
    coverage = client.get(category.get_absolute_url()).content.decode()
    assert f'href="{reverse("briefings:feed-category-rss", args=["datacenter"])}"' in coverage
    assert f'href="{reverse("briefings:feed-category-atom", args=["datacenter"])}"' in coverage


def test_a_summary_is_text_not_markup(client):
    BriefingFactory(summary='Chips <b>and</b> "power" & <script>x</script>')
    for url in (reverse("briefings:feed-latest-rss"), reverse("briefings:feed-latest-atom")):
        _, parsed = fetch(client, url)
        [entry] = parsed.entries
        assert entry.summary == (
            "Chips &lt;b&gt;and&lt;/b&gt; &quot;power&quot; &amp; &lt;script&gt;x&lt;/script&gt;"
        )


def test_a_signed_in_readers_feed_is_everyones_and_costs_no_query_warm(
    client, django_assert_num_queries
):
    from django.test import Client

    from members.access import Audience
    from tests.briefings.conftest import login_as

    BriefingFactory.create_batch(3)
    url = reverse("briefings:feed-latest-rss")
    anonymous = Client().get(url)
    member = login_as(client, Audience.LEADERSHIP_ALLIANCE)
    member.get(url)  # the reader's own facts, read once
    with django_assert_num_queries(0):
        warm = member.get(url)
    assert warm.status_code == 200
    assert warm.content == anonymous.content
    assert warm["Content-Type"] == anonymous["Content-Type"]
    assert "private" in warm["Cache-Control"]
