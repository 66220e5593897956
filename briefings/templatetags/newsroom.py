"""Template tags for the newsroom's own admin pages."""

from django import template

from briefings import reviewing
from briefings.workflow import can_publish

register = template.Library()

AWAITING_SHOWN = 20


@register.simple_tag(takes_context=True)
def awaiting_review(context):
    """
    The briefings in review, oldest submission first (at most AWAITING_SHOWN), for someone
    who may publish them; None for anyone else, who has nothing to review.
    """
    request = context.get("request")
    if request is None or not can_publish(request.user):
        return None
    return list(reviewing.awaiting_review()[:AWAITING_SHOWN])


@register.simple_tag(takes_context=True)
def changes_awaiting_review(context):
    """Submitted changes to live briefings, oldest first, for someone who may publish them."""
    request = context.get("request")
    if request is None or not can_publish(request.user):
        return None
    return list(reviewing.changes_awaiting_review()[:AWAITING_SHOWN])
