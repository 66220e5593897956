import functools

from django import template
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
    local = timezone.template_localtime(moment)
    day = _day_in_words(local.date(), translation.get_language())
    return format_html('<time datetime="{}">{}</time>', local.strftime("%Y-%m-%dT%H:%M:%S%z"), day)


# A page of cards shows a few dozen days; Django's date filter costs more than the card.
@functools.lru_cache(maxsize=4096)
def _day_in_words(day, language):  # the month's name is in the active language: in the key
    return formats.date_format(day, "j F Y")
