"""
Follow buttons for the reader pages. They depend on who is reading, so they are rendered
around a page's cached or shared parts, never inside them: one query for a signed-in
member (which of these they follow), none for anyone else, whose page shows a sign-in
link instead of a form and so stays fit for the anonymous page cache.
"""

from django import template
from django.urls import reverse

from delivery.selectors import FollowTarget, followed_targets, target_of
from members.redirects import with_next

register = template.Library()


def follow_context(context, targets: list[FollowTarget]) -> dict:
    request = context["request"]
    user = request.user
    signed_in = user.is_authenticated
    followed = followed_targets(user, targets)
    here = request.get_full_path()
    return {
        "targets": [(target, (target.kind, target.id) in followed) for target in targets],
        "signed_in": signed_in,
        "next": here,
        "sign_in_url": "" if signed_in else with_next(reverse("account_login"), here),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("delivery/includes/follow_panel.html", takes_context=True)
def follow_panel(context, terms):
    """
    The briefing page's panel: follow its category, region and topic. `terms` are plain
    values kept with the page's cached parts: dicts with `kind`, `id` and `name`.
    """
    targets = [FollowTarget(kind=t["kind"], id=t["id"], name=t["name"]) for t in terms or ()]
    return follow_context(context, targets)


@register.inclusion_tag("delivery/includes/follow_button.html", takes_context=True)
def follow_button(context, term):
    """One term's button (a coverage page's): its Category, Region or Topic."""
    return follow_context(context, [target_of(term)])
