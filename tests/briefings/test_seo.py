import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from briefings.seo import briefing_structured_data, json_ld_script
from briefings.templatetags import discovery
from members.access import Audience
from tests.briefings.conftest import GATED_WORDS, build_marked_briefing, login_as
from tests.factories import BriefingFactory, CitationFactory, SectionFactory

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """The meta and link tags and the JSON-LD of a page's head."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld, self.ld_attrs = {}, {}, [], False, []
        self.feed(html.split("</head>")[0])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta.setdefault(attrs.get("property") or attrs.get("name"), []).append(
                attrs["content"]
            )
        elif tag == "link":
            self.links.setdefault(attrs["rel"], []).append(attrs["href"])
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.ld_attrs.append(attrs)

    def handle_endtag(self, tag):
        self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))


def head_of(response):
    assert response.status_code == 200
    return Head(response.content.decode())


def head_text(response):
    return response.content.decode().split("</head>")[0]


def test_briefing_pages_describe_the_briefing_from_public_fields_for_every_reader(reader, audience):
    briefing = build_marked_briefing(authors="Ada Lovelace")
    response = reader.get(briefing.get_absolute_url())
    head = head_of(response)
    url = f"http://testserver{briefing.get_absolute_url()}"
    assert head.meta["description"] == [briefing.summary]
    assert head.meta["og:title"] == [briefing.title]
    assert head.meta["og:description"] == [briefing.summary]
    assert head.meta["og:type"] == ["article"]
    assert head.meta["og:url"] == [url]
    assert head.links["canonical"] == [url]
    assert head.meta["twitter:card"] == ["summary"]
    assert head.meta["twitter:description"] == [briefing.summary]
    assert head.meta["article:section"] == [briefing.category.name]
    assert head.meta["article:author"] == ["Ada Lovelace"]
    # Only public words, whatever the reader may read further down the page.
    text = head_text(response)
    assert "juniper" in text
    for word in GATED_WORDS | {"heliotrope"}:
        assert word not in text, word


def test_briefing_json_ld_has_the_required_fields(client):
    briefing = build_marked_briefing(authors="Ada Lovelace, Grace Hopper")
    [data] = head_of(client.get(briefing.get_absolute_url())).json_ld
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == briefing.title
    assert data["description"] == briefing.summary
    assert data["datePublished"].startswith(briefing.published_at.date().isoformat())
    assert data["dateModified"]
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Lovelace"},
        {"@type": "Person", "name": "Grace Hopper"},
    ]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "Meridian Briefings"
    assert data["articleSection"] == briefing.category.name
    assert briefing.region.name in data["keywords"]
    assert data["mainEntityOfPage"]["@id"].endswith(briefing.get_absolute_url())
    assert data["isAccessibleForFree"] is False


@pytest.mark.parametrize("audience", list(Audience), ids=lambda a: a.slug)
def test_json_ld_declares_the_gated_parts_the_page_renders(client, audience):
    briefing = build_marked_briefing()
    login_as(client, audience)
    response = client.get(briefing.get_absolute_url())
    [data] = head_of(response).json_ld
    assert data["isAccessibleForFree"] is False
    if audience == Audience.PUBLIC:
        assert "hasPart" not in data  # nothing gated is rendered for an anonymous reader
    else:
        assert data["hasPart"] == [
            {
                "@type": "WebPageElement",
                "isAccessibleForFree": False,
                "cssSelector": ".gated-section",
            }
        ]
    ld = re.search(
        r'<script type="application/ld\+json".*?</script>', response.content.decode(), re.S
    )
    for word in GATED_WORDS | {"heliotrope"}:
        assert word not in ld.group(0)


@pytest.mark.parametrize("audience", list(Audience), ids=lambda a: a.slug)
def test_source_notes_are_marked_as_a_gated_part(client, audience):
    # Only public sections: the notes are the one gated part.
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing)
    CitationFactory(briefing=briefing, note="A reliability note.")
    login_as(client, audience)
    response = client.get(briefing.get_absolute_url())
    [data] = head_of(response).json_ld
    html = response.content.decode()
    if audience == Audience.LEADERSHIP_ALLIANCE:
        assert 'class="source__note gated-section"' in html
        assert data["hasPart"][0]["cssSelector"] == ".gated-section"
    else:
        assert "A reliability note." not in html and "gated-section" not in html
        assert "hasPart" not in data


def test_a_reader_below_every_gated_part_gets_no_has_part(client):
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing, audience=Audience.LEADERSHIP_ALLIANCE)
    login_as(client, Audience.STRATEGIC_CIRCLE)
    [data] = head_of(client.get(briefing.get_absolute_url())).json_ld
    assert data["isAccessibleForFree"] is False
    assert "hasPart" not in data


def test_source_notes_alone_make_a_briefing_not_free(client):
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing)
    CitationFactory(briefing=briefing, note="A note.")
    [data] = head_of(client.get(briefing.get_absolute_url())).json_ld
    assert data["isAccessibleForFree"] is False


def test_a_wholly_public_briefing_is_free(client):
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing)
    CitationFactory(briefing=briefing, note="")
    [data] = head_of(client.get(briefing.get_absolute_url())).json_ld
    assert data["isAccessibleForFree"] is True
    assert "hasPart" not in data


def test_no_text_can_close_the_json_ld_script(client):
    title = 'Breakout </script><script>alert("x")</script> & <!-- test'
    briefing = BriefingFactory(title=title, summary="</SCRIPT> in the summary too")
    html = client.get(briefing.get_absolute_url()).content.decode()
    ld = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert "<" not in ld and ">" not in ld
    data = json.loads(ld)
    assert data["headline"] == title
    assert data["description"] == "</SCRIPT> in the summary too"
    assert '<script>alert("x")' not in html


def test_json_ld_is_a_data_block_without_a_nonce(client):
    # Browsers never run a data block and the CSP does not govern it (the browser tests
    # show no violation on briefing pages); a nonce would only make the page unshareable.
    briefing = BriefingFactory()
    response = client.get(briefing.get_absolute_url())
    [attrs] = head_of(response).ld_attrs
    assert attrs == {"type": "application/ld+json"}
    csp = response.get("Content-Security-Policy") or response.get(
        "Content-Security-Policy-Report-Only"
    )
    assert "nonce-" not in csp


def test_structured_data_is_built_from_public_fields_only():
    briefing = BriefingFactory.build(title="T", summary="S", authors="")
    data = briefing_structured_data(
        briefing=briefing,
        url="https://example.org/b/",
        site_name="Site",
        site_url="https://example.org/",
        part_audiences=[Audience.PUBLIC],
        shown_gated=[],
    )
    assert data["author"] == [data["publisher"]]
    assert data["isAccessibleForFree"] is True
    assert str(json_ld_script({"x": "</script>"})) == (
        '<script type="application/ld+json">{"x": "\\u003C/script\\u003E"}</script>'
    )


def test_the_markup_costs_no_queries_per_part(client, django_assert_num_queries):
    small = BriefingFactory()
    SectionFactory(briefing=small)
    SectionFactory(briefing=small, audience=Audience.LEADERSHIP_ALLIANCE)
    big = BriefingFactory()
    for audience in [Audience.PUBLIC, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE] * 4:
        SectionFactory(briefing=big, audience=audience)
    CitationFactory.create_batch(5, briefing=big, note="A note.")
    with CaptureQueriesContext(connection) as one:
        client.get(small.get_absolute_url())
    cache.clear()  # both pages rendered from scratch, nothing from the cache
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(big.get_absolute_url())


@pytest.mark.parametrize(
    "url_name,kwargs", [("briefings:home", {}), ("briefings:search", {}), ("members:overview", {})]
)
def test_every_page_has_canonical_description_and_sharing_tags(client, url_name, kwargs):
    url = reverse(url_name, kwargs=kwargs)
    head = head_of(client.get(url, {"utm_source": "x"}))
    assert head.links["canonical"] == [f"http://testserver{url}"]
    assert head.meta["description"][0]
    for name in ("og:title", "og:description", "og:url", "og:site_name", "twitter:card"):
        assert head.meta[name][0], name


def test_coverage_pages_are_described_by_their_term(client):
    briefing = BriefingFactory()
    category = briefing.category
    category.description = "Data centres, their power and their owners."
    category.save()
    head = head_of(client.get(category.get_absolute_url(), {"page": "1", "kind": "article"}))
    assert head.links["canonical"] == [f"http://testserver{category.get_absolute_url()}"]
    assert head.meta["description"] == [category.description]
    assert head.meta["og:title"] == [f"{category.name} coverage"]


def test_a_request_for_a_host_we_do_not_serve_gets_the_400_page_naming_our_site(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


def test_kept_page_meta_is_the_include_for_each_host_page_and_setting(rf, settings):
    """The search page's meta tags, kept per process (`page_meta`), are what the include gives."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    values = 'seo_title="Search briefings" robots="noindex, follow"'
    include = engines["django"].from_string(
        '{% include "includes/seo/meta.html" with ' + values + " %}"
    )
    kept = engines["django"].from_string("{% load discovery %}{% page_meta " + values + " %}")
    discovery._kept_meta.clear()
    for share_image in ("/static/img/share.png", ""):
        settings.SHARE_IMAGE_URL = share_image
        for host, query in [
            ("testserver", {}),
            ("testserver", {"page": "3", "q": "grid"}),
            ("other.example", {"q": "grid"}),
            ("testserver", {"q": "grid"}),
        ]:
            request = rf.get("/search/", query, HTTP_HOST=host)
            expected = include.render({"site_name": "Site"}, request)
            assert f"http://{host}/search/" in expected
            for _ in range(2):  # made, then kept
                assert kept.render({"site_name": "Site"}, request) == expected
    assert len(discovery._kept_meta) == 6  # per share image: two hosts, and page 3
