"""
Library images placed in section text: `![optional alt text](image:its-slug)`.

A section's HTML is rendered when it is saved, with each placed image's `<figure>` in
it, so a reader's page costs no query for its images and a gated section's images are
in that section's HTML alone: they reach exactly the readers the section reaches, by
every channel that shows the section (page, e-mail, private feed, search snippet of its
caption). Editing an image's words renders the sections that place it again
(`sections_rerender`).
"""

import re
from collections.abc import Iterable

from briefings.images.models import Image
from briefings.markdown import IMAGE_SCHEME, render_markdown

# Broad on purpose: a reference is checked against the library, and the Markdown parser
# decides what is an image; this only finds the slugs a text may name.
REFERENCE = re.compile(r"!\[[^\]\n]*\]\(\s*<?" + re.escape(IMAGE_SCHEME) + r"([^\s)>]*)")
# The whole reference, for text shown without its images (e-mails' plain-text part).
REFERENCE_WHOLE = re.compile(
    r"!\[[^\]\n]*\]\(\s*<?" + re.escape(IMAGE_SCHEME) + r"[^\s)>]*>?(?:\s+\"[^\"]*\")?\s*\)"
)


def referenced_slugs(text: str) -> list[str]:
    """The slugs of library images `text` places, in order, each once."""
    if IMAGE_SCHEME not in (text or ""):
        return []
    return list(dict.fromkeys(REFERENCE.findall(text)))


def images_named(texts: Iterable[str]) -> dict[str, Image]:
    """The library images these texts place, by slug: one query, none without images."""
    slugs = {slug for text in texts for slug in referenced_slugs(text)}
    if not slugs:
        return {}
    return {image.slug: image for image in Image.objects.filter(slug__in=slugs)}


def unknown_references(text: str, images: dict[str, Image]) -> list[str]:
    return [slug for slug in referenced_slugs(text) if slug not in images]


def unknown_message(slugs: list[str]) -> str:
    names = ", ".join(f"“{slug}”" for slug in slugs)
    noun = "image" if len(slugs) == 1 else "images"
    return (
        f"No {noun} {names} in the image library. Upload it under Images, or copy the "
        "snippet from the library (it looks like ![](image:its-slug))."
    )


def section_html(body: str, images: dict[str, Image] | None = None) -> str:
    """A section's HTML, with its placed images (fetched here unless given)."""
    if images is None:
        images = images_named([body])
    return render_markdown(body, images=images)


def sections_placing(image: Image, queryset):
    """The sections of `queryset` whose text places `image`."""
    candidates = queryset.filter(body__contains=f"{IMAGE_SCHEME}{image.slug}")
    return [s for s in candidates if image.slug in referenced_slugs(s.body)]
