"""
Tier names and addresses for templates, from the access rule: templates print what these
give them and never name or compare tiers themselves.
"""

from dataclasses import dataclass

from django import template
from django.urls import reverse

from members import access, selectors
from members.adapter import pending_invitation_peek

register = template.Library()


@dataclass(frozen=True)
class TierLink:
    name: str
    url: str


def _link(tier: access.Audience) -> TierLink:
    return TierLink(name=tier.label, url=reverse("members:tier", args=[tier.slug]))


@register.simple_tag
def signup_tier() -> TierLink:
    """The tier signing up grants: `{% signup_tier as tier %}{{ tier.name }}`."""
    return _link(access.SIGNUP_TIER)


@register.simple_tag
def application_tier() -> TierLink:
    """The tier readers apply for: `{% application_tier as tier %}{{ tier.url }}`."""
    return _link(access.APPLICATION_TIER)


@dataclass(frozen=True)
class InvitedTier(TierLink):
    email: str


@register.simple_tag(takes_context=True)
def invited_tier(context) -> InvitedTier | None:
    """
    The tier of the open invitation this reader opened before signing up or in, and the
    address it was sent to, or None: `{% invited_tier as invited %}`. The sign-up page
    then speaks of that tier, not of the free one.
    """
    request = context.get("request")
    token = pending_invitation_peek(request) if request is not None else None
    invitation = selectors.invitation_find(token) if token else None
    if invitation is None or invitation.state != invitation.State.OPEN:
        return None
    tier = access.Audience(invitation.tier)
    link = _link(tier)
    return InvitedTier(name=link.name, url=link.url, email=invitation.email)
