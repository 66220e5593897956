"""The named hot-path helpers give what the plain spelling gives."""

import datetime as dt

from django.http import HttpResponse
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import formats, timezone, translation

from briefings import hot_paths
from briefings.feeds import FEEDS, FORMATS, feed_paths


def test_slug_url_is_reverse():
    assert hot_paths.slug_url("briefings:detail", "a-slug") == reverse(
        "briefings:detail", args=["a-slug"]
    )


def test_time_element_is_the_formatted_local_day(settings):
    settings.TIME_ZONE = "Europe/London"
    moment = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    local = timezone.localtime(moment)
    assert hot_paths.time_element(moment) == (
        f'<time datetime="{local.strftime("%Y-%m-%dT%H:%M:%S%z")}">'
        f"{formats.date_format(local.date(), 'j F Y')}</time>"
    )


def test_a_pages_slug_urls_and_time_elements_are_the_single_ones():
    moment = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    for prefix, zone, language in (("/", "UTC", "en-gb"), ("/site/", "Asia/Tokyo", "fr")):
        set_script_prefix(prefix)
        try:
            with timezone.override(zone), translation.override(language):
                detail_url, time_element = (
                    hot_paths.slug_urls("briefings:detail"),
                    hot_paths.time_elements(),
                )
                assert detail_url("a-slug") == hot_paths.slug_url("briefings:detail", "a-slug")
                assert detail_url("a-slug").startswith(prefix)
                assert time_element(moment) == hot_paths.time_element(moment)
        finally:
            set_script_prefix("/")
    with timezone.override("Asia/Tokyo"):
        assert "2026-07-01" in time_element(moment)
    with timezone.override("UTC"):
        assert "2026-07-01" in time_element(moment)  # read when the page began


def test_fixed_url_is_reverse_for_each_script_prefix():
    at_root = hot_paths.fixed_url("briefings:search")
    assert at_root == reverse("briefings:search")
    set_script_prefix("/site/")
    try:
        assert hot_paths.fixed_url("briefings:search") == "/site" + at_root
    finally:
        set_script_prefix("/")
    assert hot_paths.fixed_url("briefings:search") == at_root


def test_the_fixed_url_tag_writes_what_the_url_tag_writes(rf):
    template = engines["django"].from_string(
        "{% load briefing_tags %}{% fixed_url 'briefings:search' %}|{% url 'briefings:search' %}"
    )
    fixed, plain = template.render({}, rf.get("/")).split("|")
    assert fixed == plain


def test_in_one_piece_joins_what_was_written_piece_by_piece():
    response = HttpResponse()
    for piece in ("<rss>", "<item/>", "</rss>"):
        response.write(piece)
    assert len(list(response)) > 1
    assert hot_paths.in_one_piece(response) is response
    assert list(response) == [b"<rss><item/></rss>"]


def test_every_feed_has_a_url_in_every_format():
    names = {pattern.name for pattern in feed_paths()}
    assert len(names) == len(FEEDS) * len(FORMATS) == 8
    assert {"feed-latest-rss", "feed-latest-atom", "feed-topic-rss", "feed-topic-atom"} <= names
