"""Filters for a briefing rendered outside the site (e-mail, digests, private feeds)."""

import re

from django import template
from django.utils.safestring import mark_safe

from briefings.images.references import REFERENCE_WHOLE
from delivery.rendering import absolute

register = template.Library()

# An image's address in a section's HTML: each src, and each address in a srcset.
_SRC = re.compile(r'(\ssrc=")(/[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


@register.filter
def absolute_media(html):
    """Section HTML with its images' site paths made full addresses, as mail clients need."""
    html = _SRC.sub(lambda m: f'{m.group(1)}{absolute(m.group(2))}"', str(html))
    html = _SRCSET.sub(
        lambda m: m.group(1)
        + ", ".join(absolute(part.strip()) for part in m.group(2).split(","))
        + '"',
        html,
    )
    return mark_safe(html)  # noqa: S308 - only addresses in already safe HTML change


@register.filter
def without_image_markup(text):
    """A section's Markdown for the plain-text part: each placed image as [Image]."""
    return REFERENCE_WHOLE.sub("[Image]", str(text))
