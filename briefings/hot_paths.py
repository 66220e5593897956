"""
The few speed tricks on the reader's hot paths, each named and explained once.

Plain Django is the default everywhere else; each helper here exists because the plain
spelling cost more than the rest of the work around it (figures: docs/performance.md).
"""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone, translation
from django.utils.html import format_html


def slug_url(name: str, slug: str) -> str:
    """
    `reverse(name, args=[slug])`, remembered: a page of cards links every briefing and
    its category, and Django's reverse costs more than the rest of a card's line.
    """
    return _slug_url(name, get_urlconf(), get_script_prefix(), slug)


def slug_urls(name: str):
    """
    `slug_url` for the many slugs of one page: the URLconf and script prefix, which are
    the request's, are read once rather than for each line.
    """
    urlconf, prefix = get_urlconf(), get_script_prefix()
    return functools.partial(_slug_url, name, urlconf, prefix)


@functools.lru_cache(maxsize=20_000)
def _slug_url(name, urlconf, prefix, slug):  # reverse() reads the prefix; it is in the key
    return reverse(name, args=[slug], urlconf=urlconf)


def fixed_url(name: str) -> str:
    """`reverse(name)` of an address without arguments, remembered as `slug_url` is."""
    return _fixed_url(name, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=256)
def _fixed_url(name, urlconf, prefix):  # reverse() reads the prefix; it is in the key
    return reverse(name, urlconf=urlconf)


@receiver(setting_changed)
def _forget_slug_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _slug_url.cache_clear()
        _fixed_url.cache_clear()


def time_element(moment) -> str:
    """
    A moment as a <time> element in the current time zone and language, remembered: a
    page of cards shows a few dozen moments, and Django's date formatting cost more than
    the rest of a card. Everything the output depends on is in the key.
    """
    return _time_element(
        timezone.get_current_timezone(), translation.get_language(), settings.USE_TZ, moment
    )


def time_elements():
    """`time_element` for the many moments of one page: zone and language read once."""
    return functools.partial(
        _time_element,
        timezone.get_current_timezone(),
        translation.get_language(),
        settings.USE_TZ,
    )


@functools.lru_cache(maxsize=4096)
def _time_element(zone, language, use_tz, moment):
    local = timezone.template_localtime(moment, use_tz=use_tz)
    day = formats.date_format(local.date(), "j F Y")  # the month's name is in `language`
    return format_html('<time datetime="{}">{}</time>', local.strftime("%Y-%m-%dT%H:%M:%S%z"), day)


def in_one_piece(response):
    """
    The response's body joined into one piece: the feed generator writes its XML in
    about a thousand small pieces, which the server would send one write each.
    """
    response.content = response.content
    return response
