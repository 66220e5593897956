"""
Tier names and addresses for templates, from the access rule: templates print what these
give them and never name or compare tiers themselves.
"""

from dataclasses import dataclass

from django import template
from django.urls import reverse

from members import access

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
