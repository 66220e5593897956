from django import template

from briefings import hot_paths
from briefings.images import markup

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


@register.simple_tag
def picture(image, placement, eager=False):
    """A library image drawn at `placement` (card, lead, section): `{% picture img "card" %}`."""
    if image is None:
        return ""
    return markup.picture(image, placement=placement, eager=eager)
