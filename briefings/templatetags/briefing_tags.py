from django import template

register = template.Library()


@register.filter
def lines(briefing, field):
    """A one-item-per-line field of a briefing as a list: `briefing|lines:"key_points"`."""
    return briefing.lines(field)
