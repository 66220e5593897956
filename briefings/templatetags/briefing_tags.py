import functools

from django import template
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.html import format_html

register = template.Library()


@register.filter
def lines(briefing, field):
    """A one-item-per-line field of a briefing as a list: `briefing|lines:"key_points"`."""
    return briefing.lines(field)


@register.filter
def time_element(moment):
    """
    A moment as a <time> element, the exact instant for machines and the day in words
    for readers, in the current time zone: `{{ briefing.published_at|time_element }}`.
    """
    if not moment:
        return ""
    return _time_element(
        moment, timezone.get_current_timezone(), translation.get_language(), settings.USE_TZ
    )


# A page of cards or search results shows a few dozen moments, each rendered the same for
# every reader in the same time zone and language: Django's date formatting cost more than
# the rest of a card. Everything the output depends on is in the key.
@functools.lru_cache(maxsize=4096)
def _time_element(moment, zone, language, use_tz):
    local = timezone.template_localtime(moment, use_tz=use_tz)
    day = formats.date_format(local.date(), "j F Y")  # the month's name is in `language`
    return format_html('<time datetime="{}">{}</time>', local.strftime("%Y-%m-%dT%H:%M:%S%z"), day)
