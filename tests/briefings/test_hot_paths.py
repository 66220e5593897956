"""The named hot-path helpers give what the plain spelling gives."""

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, timezone

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
