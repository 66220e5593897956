from django import template
from django.utils.safestring import mark_safe

from briefings import hot_paths
from briefings.markers import access_marker_placeholder

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
    return hot_paths.time_element(moment)


@register.filter
def access_marker(briefing):
    """
    Where a card says whether the briefing has member parts and whether this reader opens
    them: a placeholder naming the gated audiences (public facts), filled for each reader
    by `briefings.reading.access_markers_fill`, so the cards stay shared by every reader.
    """
    # Digits and dots only (access_marker_placeholder): nothing from the database.
    return mark_safe(access_marker_placeholder(briefing.gated_audiences()))  # noqa: S308
