"""Filters for a briefing rendered outside the site (e-mail, digests, private feeds)."""

import re
from html import unescape

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from briefings.images.references import REFERENCE, REFERENCE_WHOLE
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
        lambda m: (
            m.group(1) + ", ".join(absolute(part.strip()) for part in m.group(2).split(",")) + '"'
        ),
        html,
    )
    return mark_safe(html)  # noqa: S308 - only addresses in already safe HTML change


# A placed image in a section's HTML (briefings.images.markup): its address, alt text,
# library slug and the caption after it.
_PLACED = re.compile(
    r'<img src="([^"]*)" alt="([^"]*)"[^>]*data-image="([^"]*)"></picture>'
    r"(?:<figcaption>(.*?)</figcaption>)?",
    re.S,
)


@register.filter
def plain_images(section):
    """
    A section's Markdown for the plain-text part, each placed image written out as its
    alt text, caption and address, read from the section's HTML (so no query).
    """
    placed = {}
    for src, alt, slug, caption in _PLACED.findall(section.html):
        words = " ".join(filter(None, [unescape(alt), unescape(strip_tags(caption or ""))]))
        placed.setdefault(slug, f"[Image: {words}] <{absolute(unescape(src))}>")

    def written(match):
        found = REFERENCE.match(match.group(0))
        return placed.get(found.group(1), "") if found else ""

    return REFERENCE_WHOLE.sub(written, section.text)
