"""
Markup for search engines and sharing, built from public fields only.

The meta description, OpenGraph and Twitter tags and the JSON-LD all describe a briefing
from its title, public summary, byline, dates and taxonomy, or from the search and
sharing fields an editor may fill in instead (`meta_title`, `meta_description`): never
from a section or a source note, so they are the same for every reader. The newsroom's
preview of the search result and the share card (briefings/newsroom/search_preview.py)
asks the same functions. The only reader-dependent part is
whether the page renders gated parts, which is the `hasPart` Google asks paywalled pages
to declare (https://developers.google.com/search/docs/appearance/structured-data/paywalled-content).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from briefings.images import markup
from briefings.models import Briefing
from briefings.reading import GATED_SECTION_CLASS
from members import access
from members.access import Audience

# The class the briefing page puts on every gated section it renders for a reader allowed
# to read it (briefings.reading); lock cards never carry it.
GATED_SELECTOR = f".{GATED_SECTION_CLASS}"
HEADLINE_MAX = 110  # Google truncates longer headlines in article rich results
# What search results show before cutting (Yoast's guidance, in characters rather than
# pixels): the newsroom warns beyond these, and never refuses.
TITLE_GUIDE = 60
DESCRIPTION_GUIDE = 155

# Characters that could end the script element or start an HTML comment inside it, as
# JSON escapes (the same set Django's json_script escapes), plus the JavaScript line
# separators for any consumer that evaluates the JSON as script.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def page_title(briefing: Briefing) -> str:
    """The page's <title>: the editor's search title as written, else the headline and site."""
    return briefing.meta_title.strip() or f"{briefing.title} · {settings.SITE_NAME}"


def share_title(briefing: Briefing) -> str:
    """og:title and twitter:title: the search title, else the headline (the site is named apart)."""
    return briefing.meta_title.strip() or briefing.title


def description(briefing: Briefing) -> str:
    """The meta, og: and twitter: description: the editor's, else the summary."""
    return briefing.meta_description.strip() or briefing.summary


@dataclass(frozen=True)
class ShareImage:
    url: str  # absolute, or a path on this site
    alt: str = ""
    width: int | None = None
    height: int | None = None


def keywords(briefing: Briefing) -> list[str]:
    terms = [term.name for term in (briefing.category, briefing.region, briefing.topic) if term]
    terms += [briefing.signal_focus, briefing.primary_domain]
    seen = []
    for term in terms:
        if term and term not in seen:
            seen.append(term)
    return seen


def share_image(briefing: Briefing | None, *, absolute=None) -> ShareImage | None:
    """
    The image a shared link shows (OpenGraph, Twitter, JSON-LD, the newsroom's share-card
    preview): the briefing's social image, else its lead image, else the site's default
    (SHARE_IMAGE_URL), else none (cards then show the title and description alone). The
    images are public fields chosen in admin; an image placed inside a section never is
    one. For a library image, its JPEG rendition, which every network reads. `absolute`,
    if given, turns a path on this site into a full address.
    """
    image = None
    if briefing is not None:
        image = briefing.social_image if briefing.social_image_id else None
        if image is None and briefing.lead_image_id:
            image = briefing.lead_image
    rendition = markup.fallback(image) if image is not None else None
    if rendition is not None:
        url, alt = image.url(rendition), image.alt_text
        width, height = rendition["width"], rendition["height"]
    elif settings.SHARE_IMAGE_URL:
        url, alt, width, height = settings.SHARE_IMAGE_URL, settings.SHARE_IMAGE_ALT, None, None
    else:
        return None
    if absolute is not None and "://" not in url:
        url = absolute(url)
    return ShareImage(url=url, alt=alt, width=width, height=height)


def part_audiences(briefing: Briefing) -> set[Audience]:
    """
    The audiences of every part of the briefing: public, plus its gated parts, from the
    `with_gated_parts()` annotations (no query), or asked of the database without them.
    """
    if hasattr(briefing, "has_source_notes"):
        gated = briefing.gated_audiences()
    else:
        gated = {
            Audience(audience)
            for audience in briefing.sections.filter(audience__in=access.gated_audiences())
            .values_list("audience", flat=True)
            .distinct()
        }
        if briefing.citations.exclude(note="").exists():
            gated.add(access.SOURCE_NOTE_AUDIENCE)
    return {Audience.PUBLIC, *gated}


def modified_at(briefing: Briefing):
    """Last change as readers see it: a briefing scheduled ahead goes live after its edit."""
    return max(filter(None, (briefing.updated_at, briefing.published_at)), default=None)


def briefing_structured_data(
    *,
    briefing: Briefing,
    url: str,
    site_name: str,
    site_url: str,
    part_audiences: Iterable[int],
    shown_gated: Iterable[int],
    image: ShareImage | None = None,
) -> dict:
    """schema.org NewsArticle for a briefing page, from public fields only."""
    publisher = {"@type": "Organization", "name": site_name, "url": site_url}
    authors = [{"@type": "Person", "name": name} for name in briefing.author_names]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": Truncator(briefing.title).chars(HEADLINE_MAX),
        "description": description(briefing),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "dateModified": modified_at(briefing),
        "author": authors or [publisher],
        "publisher": publisher,
        "genre": briefing.get_kind_display(),
        "keywords": keywords(briefing),
        "isAccessibleForFree": access.is_accessible_for_free(part_audiences),
    }
    if image is not None:
        data["image"] = [image.url]
    if briefing.published_at:
        data["datePublished"] = briefing.published_at
    if briefing.category:
        data["articleSection"] = briefing.category.name
    if list(shown_gated):
        data["hasPart"] = [
            {
                "@type": "WebPageElement",
                "isAccessibleForFree": False,
                "cssSelector": GATED_SELECTOR,
            }
        ]
    return data


def json_ld_script(data: dict) -> SafeString:
    """
    A JSON-LD script element whose content no text can break out of. It is a data block,
    which browsers never run and the CSP does not govern, so it carries no nonce: the
    page stays free of per-request values and can be shared from the page cache.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_SCRIPT_ESCAPES)),  # noqa: S308 - escaped for a script body
    )
