import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from briefings.models import Briefing
from tests.briefings.conftest import ALL_WORDS, build_marked_briefing
from tests.factories import BriefingFactory, CategoryFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    return response, {
        url.find("s:loc", NS).text: url.find("s:lastmod", NS).text
        for url in root.iterfind("s:url", NS)
    }


def test_sitemap_lists_published_briefings_and_coverage_with_lastmod(client):
    live = build_marked_briefing()
    draft = BriefingFactory(status=Briefing.Status.DRAFT)
    later = BriefingFactory(
        status=Briefing.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    archived = BriefingFactory(status=Briefing.Status.ARCHIVED)
    empty_category = CategoryFactory(name="Nothing here yet")
    _, urls = sitemap(client)
    base = "http://testserver"
    assert f"{base}/" in urls
    assert urls[f"{base}{live.get_absolute_url()}"].startswith(str(live.updated_at.date()))
    for term in (live.category, live.region, live.topic):
        assert f"{base}{term.get_absolute_url()}" in urls
    for hidden in (draft, later, archived):
        assert f"{base}{hidden.get_absolute_url()}" not in urls
    # Coverage pages with no live briefing (even if a draft is filed there) are left out.
    assert f"{base}{empty_category.get_absolute_url()}" not in urls
    assert f"{base}{draft.category.get_absolute_url()}" not in urls


def test_a_scheduled_briefing_is_modified_when_it_goes_live(client):
    at = timezone.now() - timedelta(minutes=5)
    briefing = BriefingFactory(status=Briefing.Status.SCHEDULED, published_at=at)
    Briefing.objects.filter(pk=briefing.pk).update(updated_at=at - timedelta(days=3))
    _, urls = sitemap(client)
    assert urls[f"http://testserver{briefing.get_absolute_url()}"] == at.date().isoformat()


def test_sitemap_is_the_same_for_every_reader_and_carries_no_text(reader):
    build_marked_briefing()
    response, _ = sitemap(reader)
    body = response.content.decode()
    for word in ALL_WORDS:
        assert word not in body


def test_sitemap_queries_are_fixed(client, django_assert_num_queries):
    BriefingFactory()
    with django_assert_num_queries(6):
        sitemap(client)
    for _ in range(5):
        BriefingFactory(category=CategoryFactory(), region=RegionFactory(), topic=TopicFactory())
    with django_assert_num_queries(6):
        sitemap(client)


def test_robots_txt_keeps_crawlers_out_of_accounts_admin_and_search(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/accounts/", "/account/", "/admin/", "/search", "/team/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /" not in lines
